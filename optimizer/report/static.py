"""The report page's inline stylesheet and script (no external resources of any kind).

The script reads the JSON in ``<script id="report-data">`` (see :mod:`optimizer.report.payload`)
and draws: KPI cards, an SVG map (basemap streets, one coloured path per route, stops, depots,
unassigned jobs as red crosses, late services in a black-and-yellow halo with "!" whatever the
route colour, work done before a re-plan as grey ticks; wheel to zoom, drag to pan), an SVG
Gantt chart (one ``g.gantt-row`` per route: done work, travel, service, breaks, idle; late
services hatched black and yellow; a "now" line for a re-plan), the late jobs (job, technician,
minutes late), the unassigned list, the done list and the re-plan's changes with their causes,
and, for a scenario, a comparison table and bar charts of the variants. A select box switches
the plan shown. Hovering a technician highlights its route everywhere. A scale bar (1, 2 or 5 x
10^k metres, about 100 px) follows the zoom; street names (``map.streets``) label a road map. The page's own texts are
in ``T`` at the top of the script (one place to translate).
"""

CSS = r"""
:root { --fg:#1d2330; --muted:#687385; --line:#dfe3ea; --bg:#f6f7f9; --card:#fff; --bad:#e03131; --good:#2b8a3e; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif; color:var(--fg); background:var(--bg); }
header { padding:14px 22px; background:#1d2330; color:#fff; display:flex; gap:18px; align-items:center; flex-wrap:wrap; }
header h1 { font-size:18px; margin:0; font-weight:600; }
header .meta { color:#aab3c2; font-size:12px; }
header select { font-size:14px; padding:3px 6px; }
main { padding:16px 22px 40px; max-width:1500px; margin:0 auto; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; margin-bottom:16px; }
section h2 { font-size:15px; margin:0 0 10px; }
.cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(150px,1fr)); gap:10px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
.card .v { font-size:22px; font-weight:600; }
.card .l { color:var(--muted); font-size:12px; }
.card.bad .v { color:var(--bad); }
.row2 { display:grid; grid-template-columns: minmax(0,3fr) minmax(240px,1fr); gap:16px; }
#map { width:100%; height:560px; background:#fbfcfd; border:1px solid var(--line); border-radius:6px; cursor:grab; display:block; }
#map.drag { cursor:grabbing; }
.mapbox { position:relative; }
.scale { position:absolute; left:10px; bottom:10px; font-size:11px; color:#1d2330; background:rgba(255,255,255,0.85); padding:2px 5px 3px; border-radius:3px; pointer-events:none; }
#map text.street-name { pointer-events:none; font-style:italic; }
.scale .bar { height:6px; border:2px solid #1d2330; border-top:none; margin-bottom:1px; }
.legend { max-height:560px; overflow:auto; font-size:13px; }
.legend .item { display:flex; align-items:center; gap:6px; padding:2px 4px; border-radius:4px; cursor:default; }
.legend .item:hover { background:#eef1f6; }
.sw { width:14px; height:14px; border-radius:3px; display:inline-block; flex:none; }
.legend .n { color:var(--muted); margin-left:auto; }
.faded { opacity:0.12; }
.note { color:var(--muted); font-size:12px; margin-top:6px; }
#gantt { width:100%; display:block; }
.gantt-legend { display:flex; gap:14px; flex-wrap:wrap; font-size:12px; margin-bottom:6px; color:var(--muted); }
table.cmp { border-collapse:collapse; font-size:13px; width:100%; }
table.cmp th, table.cmp td { border-bottom:1px solid var(--line); padding:4px 8px; text-align:right; white-space:nowrap; }
table.cmp th:first-child, table.cmp td:first-child { text-align:left; }
.d.better { color:var(--good); } .d.worse { color:var(--bad); } .d { color:var(--muted); font-size:12px; margin-left:4px; }
.charts { display:grid; grid-template-columns:repeat(auto-fill,minmax(320px,1fr)); gap:12px; margin-top:12px; }
.chart h3 { font-size:13px; margin:0 0 4px; font-weight:600; }
ul.unassigned { margin:0; padding-left:18px; max-height:260px; overflow:auto; font-size:13px; }
ul.unassigned li span { color:var(--muted); }
.warn { color:#a66a00; font-size:12px; }
ul.late, ul.done { margin:0; padding-left:18px; max-height:260px; overflow:auto; font-size:13px; }
ul.late li b { color:var(--bad); }
ul.done li span, ul.late li span { color:var(--muted); }
table.changes { border-collapse:collapse; font-size:13px; width:100%; }
table.changes th, table.changes td { border-bottom:1px solid var(--line); padding:3px 8px; text-align:left; white-space:nowrap; }
table.changes td.cause { white-space:normal; color:var(--muted); }
.now-label { font-size:11px; font-weight:600; }
"""

JS = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  // Texts: English ids, translated from D.messages (the catalog's entries for D.lang); {name} placeholders.
  var M = D.messages || {};
  function _t(id, v) {
    var out = M[id] || id;
    return v ? out.replace(/\{(\w+)\}/g, function (all, k) { return v[k] === undefined || v[k] === null ? all : String(v[k]); }) : out;
  }
  var NS = "http://www.w3.org/2000/svg";
  var KIND_COLOUR = { travel: "#8d99ae", break: "#ffd43b", idle: "#e9ecef" };
  var PRIORITY_ORDER = ["urgent", "high", "normal", "low"];
  var LATE_INK = "#111", LATE_HALO = "#ffd43b", DONE_GREY = "#adb5bd";
  // User-facing texts added for re-plans and late jobs (one place to translate).
  var T = {
    done_card: _t("done before now"), done_sub: _t("completed work, not planned again"),
    late_none: _t("none"), late_item: function (x) {
      return " \u00b7 " + _t("{tech} \u00b7 {late} min late{priority} \u00b7 ended {end}, due {due}", { tech: x.technician_id, late: num(x.late_min, 0),
        priority: x.priority ? " (" + _t(x.priority) + ")" : "", end: clock(x.end_s), due: clock(x.deadline_s) }); },
    done_item: function (d) { return (d.technician_id ? d.technician_id + " " : "") + (d.start_s !== undefined && d.start_s !== null ? clock(d.start_s) + "\u2013" + clock(d.end_s) : "") + (d.source === "plan" ? " " + _t("(assumed from the plan)") : d.source === "event" ? " " + _t("(reported)") : ""); },
    done_mark: _t("DONE") + " ", late_mark: _t("LATE") + " ", now: _t("now") + " ", done_seg: _t("done") + " ",
    changes_head: [_t("job"), _t("change"), _t("technician"), _t("start"), _t("shift"), _t("cause")],
    cause_none: _t("re-optimisation"), cause_event: function (c) { return _t("event #{number} {type}", { number: c.cause, type: _t(c.cause_type) }); },
    legend_late: _t("late service (any route colour)"), legend_done: _t("done before now"), legend_now: _t("now"),
    map_done: " " + _t("Grey ticks: work done before now; black-and-yellow halos with !: late services.")
  };

  function $(id) { return document.getElementById(id); }
  function h(tag, attrs, parent, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function s(tag, attrs, parent, title) {
    var e = document.createElementNS(NS, tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (title) { var t = document.createElementNS(NS, "title"); t.textContent = title; e.appendChild(t); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(sec) {
    var m = Math.round(D.origin_clock_min + sec / 60);
    var day = Math.floor(m / 1440); m = ((m % 1440) + 1440) % 1440;
    return pad(Math.floor(m / 60)) + ":" + pad(m % 60) + (day > 0 ? " +" + day + "d" : "");
  }
  function num(v, d) { return v === null || v === undefined ? "\u2013" : Number(v).toFixed(d); }
  function mins(sec) { return _t("{n} min", { n: Math.round(sec / 60) }); }
  function money(v) { return v === null || v === undefined ? "\u2013" : Number(v).toLocaleString(D.lang || "en", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }

  // ---- highlight one technician everywhere -------------------------------------------------
  function highlight(tech) {
    var nodes = document.querySelectorAll("[data-tech]");
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (n.classList.contains("legend-item")) continue;
      if (tech === null || n.getAttribute("data-tech") === tech) n.classList.remove("faded");
      else n.classList.add("faded");
    }
  }
  function hoverable(node, tech) {
    node.addEventListener("mouseenter", function () { highlight(tech); });
    node.addEventListener("mouseleave", function () { highlight(null); });
  }

  // ---- KPI cards -----------------------------------------------------------------------------
  function renderKpis(P) {
    var k = P.kpis, box = $("kpis"); clear(box);
    var breaches = 0; for (var p in k.sla_breaches) breaches += k.sla_breaches[p];
    var byPrio = PRIORITY_ORDER.filter(function (p) { return k.sla_met_pct_by_priority[p] !== null && k.sla_met_pct_by_priority[p] !== undefined; })
      .map(function (p) { return _t(p) + " " + num(k.sla_met_pct_by_priority[p], 0) + "%"; }).join(_t(", "));
    var cards = [
      [_t("jobs served"), k.jobs_assigned + " / " + k.jobs_total, _t("{count} unserved", { count: k.jobs_unassigned }), k.jobs_unassigned > 0],
      [_t("SLA met"), k.sla_met_pct === null ? "\u2013" : num(k.sla_met_pct, 1) + "%", byPrio || _t("no deadlines"), false],
      [_t("SLA breaches"), String(breaches), PRIORITY_ORDER.filter(function (p) { return k.sla_breaches[p]; }).map(function (p) { return _t(p) + " " + k.sla_breaches[p]; }).join(_t(", ")) || _t("none"), breaches > 0],
      [_t("travel"), num(k.travel_time_s / 3600, 2) + " h", num(k.distance_m / 1000, 1) + " km", false],
      [_t("utilisation"), num(k.utilization_pct, 1) + "%", _t("service + travel / shift time"), false],
      [_t("workload spread"), mins(k.workload_stddev_min * 60), _t("sd; min {min}, max {max} min", { min: num(k.workload_min_min, 0), max: num(k.workload_max_min, 0) }), false],
      [_t("overtime"), mins(k.overtime_s), _t("after shift ends"), k.overtime_s > 0],
      [_t("technicians used"), k.technicians_used + " / " + k.technicians_total, "", false]
    ];
    if (k.cost) cards.push([_t("total cost"), k.cost.currency + " " + money(k.cost.total),
      _t("{amount} per served job, {per_tech} per technician", { amount: money(k.cost.per_served_job), per_tech: money(k.cost.per_technician_used) }), false]);
    var rtU = (k.response_time_by_priority || {}).urgent, rtA = (k.response_time_by_priority || {}).all;
    if (rtA && rtA.jobs) cards.push([_t("response p90 urgent"), rtU && rtU.jobs ? mins(rtU.p90_min * 60) : "\u2013",
      _t("mean {mean} min; all jobs p90 {p90} min", { mean: num(rtU && rtU.jobs ? rtU.mean_min : null, 0), p90: num(rtA.p90_min, 0) }), false]);
    if (k.backlog && k.backlog.jobs) cards.push([_t("backlog"), String(k.backlog.jobs),
      _t("{count} older than 3 days", { count: (k.backlog.by_age["3d_7d"] || 0) + (k.backlog.by_age.ge_7d || 0) }), false]);
    if (k.first_visit_ready_pct !== null && k.first_visit_ready_pct !== undefined) cards.push([_t("first-visit ready"), num(k.first_visit_ready_pct, 1) + "%",
      (k.first_visit_not_ready || []).length ? _t("{count} jobs not ready", { count: k.first_visit_not_ready.length }) : "", (k.first_visit_not_ready || []).length > 0]);
    if (P.done && P.done.length) cards.splice(1, 0, [T.done_card, String(P.done.length), T.done_sub, false]);
    cards.forEach(function (c) {
      var d = h("div", { "class": "card" + (c[3] ? " bad" : "") }, box);
      h("div", { "class": "v" }, d, c[1]); h("div", { "class": "l" }, d, c[0] + (c[2] ? " \u00b7 " + c[2] : ""));
    });
    var meta = $("solver-meta");
    if (meta) meta.textContent = P.solver ? _t("engine {engine}, {wall} s, matrix {matrix}", { engine: P.solver.engine, wall: num(P.solver.wall_time_s, 2), matrix: P.solver.matrix_source || "?" }) : "";
    var w = $("warnings"); clear(w);
    (P.warnings || []).forEach(function (t) { h("div", { "class": "warn" }, w, "\u26a0 " + t); });
  }

  // ---- map -------------------------------------------------------------------------------------
  var view = null;
  function mapBounds() {
    var xs = [], ys = [];
    function add(p) { if (p) { xs.push(p[0]); ys.push(p[1]); } }
    D.plans.forEach(function (P) {
      P.routes.forEach(function (r) { add(r.depot); add(r.depot_end); r.stops.forEach(function (st) { add(st.at); }); r.path.forEach(add); });
      P.unassigned.forEach(function (u) { add(u.at); });
    });
    if (!xs.length) return null;
    return [Math.min.apply(null, xs), Math.min.apply(null, ys), Math.max.apply(null, xs), Math.max.apply(null, ys)];
  }
  var B = mapBounds();
  var LAT0 = B ? (B[1] + B[3]) / 2 : 0, KX = 111320 * Math.cos(LAT0 * Math.PI / 180), KY = 111320;
  function px(p) { return [(p[0] - (B ? B[0] : 0)) * KX, ((B ? B[3] : 0) - p[1]) * KY]; }
  function pts(line) { return line.map(function (p) { var q = px(p); return q[0].toFixed(1) + "," + q[1].toFixed(1); }).join(" "); }

  function renderMap(P) {
    var svg = $("map"); clear(svg);
    if (!B) { s("text", { x: 10, y: 20 }, svg).textContent = _t("no coordinates to draw"); return; }
    var w = Math.max((B[2] - B[0]) * KX, 200), hgt = Math.max((B[3] - B[1]) * KY, 200), m = 0.06 * Math.max(w, hgt);
    if (!view) view = [-m, -m, w + 2 * m, hgt + 2 * m];
    svg.setAttribute("viewBox", view.join(" "));
    var r = 0.007 * Math.max(w, hgt);
    if (D.map.basemap.length) {
      var d = D.map.basemap.map(function (line) { return "M" + pts(line).split(" ").join("L"); }).join("");
      s("path", { d: d, fill: "none", stroke: "#c9ced6", "stroke-width": 1, "vector-effect": "non-scaling-stroke", "class": "basemap" }, svg);
    }
    if ((D.map.streets || []).length) {
      // Street names along their street, kept upright, under the routes.
      var gNames = s("g", { "class": "street-names" }, svg), fs = 0.011 * Math.max(w, hgt);
      D.map.streets.forEach(function (st) {
        var q = px(st.at), a = px(st.dir[0]), b = px(st.dir[1]);
        var deg = Math.atan2(b[1] - a[1], b[0] - a[0]) * 180 / Math.PI;
        if (deg > 90) deg -= 180; else if (deg < -90) deg += 180;
        var t = s("text", { x: q[0], y: q[1], "text-anchor": "middle", "dominant-baseline": "middle", "font-size": fs, fill: "#7b8594",
          stroke: "#fbfcfd", "stroke-width": fs * 0.25, "paint-order": "stroke", "class": "street-name",
          transform: "rotate(" + deg.toFixed(1) + " " + q[0].toFixed(1) + " " + q[1].toFixed(1) + ")" }, gNames);
        t.textContent = st.name;
      });
    }
    var gRoutes = s("g", { "class": "routes" }, svg);
    P.routes.forEach(function (rt) {
      if (rt.path.length > 1) s("polyline", { points: pts(rt.path), fill: "none", stroke: rt.colour, "stroke-width": 3, "stroke-opacity": 0.85,
        "stroke-linejoin": "round", "vector-effect": "non-scaling-stroke", "class": "route", "data-tech": rt.technician_id }, gRoutes, rt.technician_id + ": " + rt.stops.length + " jobs");
    });
    var gStops = s("g", { "class": "stops" }, svg);
    P.routes.forEach(function (rt) {
      if (rt.depot) {
        var q = px(rt.depot);
        s("rect", { x: q[0] - r, y: q[1] - r, width: 2 * r, height: 2 * r, fill: rt.colour, stroke: "#1d2330", "stroke-width": 1, "vector-effect": "non-scaling-stroke", "class": "depot", "data-tech": rt.technician_id }, gStops, _t("{tech} start", { tech: rt.technician_id }));
      }
      rt.stops.forEach(function (st) {
        if (!st.at) return;
        var q = px(st.at);
        var title = st.job_id + " \u00b7 " + rt.technician_id + " #" + st.n + " \u00b7 " + clock(st.start_s) + "\u2013" + clock(st.end_s) +
          (st.priority ? " \u00b7 " + _t(st.priority) : "") + (st.deadline_s !== null ? " \u00b7 " + _t("due {time}", { time: clock(st.deadline_s) }) : "") + (st.late ? " \u00b7 " + _t("LATE") + " " + mins(st.late_s) : "");
        if (st.late) {
          // A late service stands out whatever the route colour: black ring, yellow ring, "!".
          s("circle", { cx: q[0], cy: q[1], r: 2.3 * r, fill: LATE_HALO, "fill-opacity": 0.55, stroke: LATE_INK, "stroke-width": 3,
            "vector-effect": "non-scaling-stroke", "class": "late-halo", "data-tech": rt.technician_id, "data-job": st.job_id }, gStops, T.late_mark + title);
        }
        s("circle", { cx: q[0], cy: q[1], r: r, fill: rt.colour, stroke: st.late ? LATE_INK : "#fff", "stroke-width": st.late ? 2 : 1,
          "vector-effect": "non-scaling-stroke", "class": "stop" + (st.late ? " late" : ""), "data-tech": rt.technician_id }, gStops, title);
        if (st.late) {
          var bang = s("text", { x: q[0], y: q[1] + 0.75 * r, "text-anchor": "middle", "font-size": 2.2 * r, "font-weight": 700, fill: LATE_INK, stroke: "#fff",
            "stroke-width": 0.35 * r, "paint-order": "stroke", "class": "late-bang" }, gStops);
          bang.textContent = "!";
        }
      });
    });
    var gDone = s("g", { "class": "done-marks" }, svg);
    (P.done || []).forEach(function (d) {
      if (!d.at) return;
      var q = px(d.at), a = 0.9 * r;
      var g = s("g", { "class": "done-job", "data-job": d.job_id }, gDone, T.done_mark + d.job_id + " \u00b7 " + T.done_item(d));
      s("circle", { cx: q[0], cy: q[1], r: r, fill: DONE_GREY, stroke: "#fff", "stroke-width": 1, "vector-effect": "non-scaling-stroke" }, g);
      s("path", { d: "M" + (q[0] - a * 0.6) + "," + q[1] + "L" + (q[0] - a * 0.1) + "," + (q[1] + a * 0.5) + "L" + (q[0] + a * 0.7) + "," + (q[1] - a * 0.5),
        fill: "none", stroke: "#fff", "stroke-width": 2, "vector-effect": "non-scaling-stroke" }, g);
    });
    var gUn = s("g", { "class": "unassigned-marks" }, svg);
    P.unassigned.forEach(function (u) {
      if (!u.at) return;
      var q = px(u.at), a = 1.4 * r;
      s("path", { d: "M" + (q[0] - a) + "," + (q[1] - a) + "L" + (q[0] + a) + "," + (q[1] + a) + "M" + (q[0] - a) + "," + (q[1] + a) + "L" + (q[0] + a) + "," + (q[1] - a),
        stroke: "#e03131", "stroke-width": 3, "vector-effect": "non-scaling-stroke", "class": "unassigned-job" }, gUn, _t("UNASSIGNED {job}: {reason}", { job: u.job_id, reason: u.reason }));
    });
    $("map-note").textContent = (D.map.source === "road" ? _t("Streets and routes from the road network.") + " " : "") + (D.map.note || "") +
      " " + _t("Red crosses: unassigned jobs; squares: start locations.") + T.map_done + " " + _t("Wheel to zoom, drag to pan.");
    var leg = $("legend"); clear(leg);
    updateScale();
    P.routes.forEach(function (rt) {
      var it = h("div", { "class": "item legend-item", "data-tech": rt.technician_id }, leg);
      h("span", { "class": "sw", style: "background:" + rt.colour }, it);
      h("span", null, it, rt.technician_id);
      h("span", { "class": "n" }, it, _t("{count} jobs", { count: rt.stops.length }) + (rt.breaches ? _t(", ") + _t("{count} late", { count: rt.breaches }) : ""));
      hoverable(it, rt.technician_id);
    });
  }

  // ---- scale bar: map units are metres (px() projects degrees to metres at the map's latitude) --
  var SCALE_STEPS = [1, 2, 5];
  function niceLength(m) {
    var k = Math.pow(10, Math.floor(Math.log(m) / Math.LN10)), best = k;
    SCALE_STEPS.forEach(function (f) { if (f * k <= m) best = f * k; });
    return best;
  }
  function updateScale() {
    var svg = $("map"), box = $("scale-bar");
    var rect = svg.getBoundingClientRect();
    if (!B || !view || !rect.width || !rect.height) { box.style.display = "none"; return; }
    box.style.display = "";
    var metresPerPx = Math.max(view[2] / rect.width, view[3] / rect.height);
    var len = niceLength(100 * metresPerPx);
    $("scale-bar-line").style.width = (len / metresPerPx).toFixed(1) + "px";
    $("scale-bar-label").textContent = len >= 1000 ? (len / 1000) + " km" : len + " m";
    box.setAttribute("data-metres", String(len));
  }

  function enableZoom() {
    var svg = $("map"), drag = null;
    function toView(ev) {
      var rect = svg.getBoundingClientRect();
      var sc = Math.max(view[2] / rect.width, view[3] / rect.height);
      var ox = (rect.width * sc - view[2]) / 2, oy = (rect.height * sc - view[3]) / 2;
      return [view[0] - ox + (ev.clientX - rect.left) * sc, view[1] - oy + (ev.clientY - rect.top) * sc, sc];
    }
    svg.addEventListener("wheel", function (ev) {
      if (!view) return;
      ev.preventDefault();
      var p = toView(ev), f = ev.deltaY < 0 ? 0.8 : 1.25;
      view = [p[0] - (p[0] - view[0]) * f, p[1] - (p[1] - view[1]) * f, view[2] * f, view[3] * f];
      svg.setAttribute("viewBox", view.join(" "));
      updateScale();
    }, { passive: false });
    svg.addEventListener("mousedown", function (ev) { if (view) { drag = [ev.clientX, ev.clientY, view.slice()]; svg.classList.add("drag"); } });
    window.addEventListener("mouseup", function () { drag = null; svg.classList.remove("drag"); });
    window.addEventListener("mousemove", function (ev) {
      if (!drag) return;
      var p = toView(ev), sc = p[2];
      view = [drag[2][0] - (ev.clientX - drag[0]) * sc, drag[2][1] - (ev.clientY - drag[1]) * sc, view[2], view[3]];
      svg.setAttribute("viewBox", view.join(" "));
    });
  }

  // ---- Gantt -----------------------------------------------------------------------------------
  function renderGantt(P) {
    var svg = $("gantt"); clear(svg);
    var t0 = Infinity, t1 = -Infinity;
    // Several days (technicians with shifts): one day at a time, chosen in a selector; a row per technician-day.
    var routes = P.routes, days = P.days || [], sel = $("gantt-day");
    if (sel) sel.parentNode.removeChild(sel);
    if (days.length > 1) {
      if (!D.gantt_day || days.indexOf(D.gantt_day) < 0) D.gantt_day = days[0];
      sel = h("select", { id: "gantt-day", "aria-label": _t("Day") }, null);
      days.forEach(function (d) { var o = h("option", { value: d }, sel, d); if (d === D.gantt_day) o.selected = true; });
      svg.parentNode.insertBefore(sel, svg);
      sel.addEventListener("change", function () { D.gantt_day = sel.value; renderGantt(P); });
      routes = P.routes.filter(function (rt) { return rt.day === D.gantt_day; });
    }
    routes.forEach(function (rt) {
      if (rt.shift) { t0 = Math.min(t0, rt.shift[0]); t1 = Math.max(t1, rt.shift[1]); }
      rt.segments.forEach(function (g) { t0 = Math.min(t0, g[1]); t1 = Math.max(t1, g[2]); });
    });
    if (!isFinite(t0)) { t0 = 0; t1 = 3600; }
    var off = D.origin_clock_min * 60;
    t0 = Math.floor((t0 + off) / 3600) * 3600 - off; t1 = Math.ceil((t1 + off) / 3600) * 3600 - off;
    var W = 1200, L = 150, R = 10, top = 24, rowH = 22, H = top + rowH * routes.length + 6;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("height", H);
    function X(t) { return L + (t - t0) / (t1 - t0) * (W - L - R); }
    var defs = s("defs", null, svg);
    var pat = s("pattern", { id: "late-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
    s("rect", { width: 6, height: 6, fill: LATE_HALO }, pat);
    s("rect", { width: 3, height: 6, fill: LATE_INK }, pat);
    var grid = s("g", { "class": "grid" }, svg);
    for (var t = t0; t <= t1 + 1; t += 3600) {
      s("line", { x1: X(t), x2: X(t), y1: top - 6, y2: H, stroke: "#e3e6eb" }, grid);
      var lab = s("text", { x: X(t), y: top - 10, "text-anchor": "middle", "font-size": 11, fill: "#687385" }, grid);
      lab.textContent = clock(t);
    }
    routes.forEach(function (rt, i) {
      var y = top + i * rowH;
      var g = s("g", { "class": "gantt-row", "data-tech": rt.technician_id, "data-day": rt.day || "" }, svg);
      var tt = rt.totals_s;
      var label = s("text", { x: 6, y: y + rowH * 0.68, "font-size": 12, fill: "#1d2330" }, g,
        _t("{tech}: {jobs} jobs; travel {travel}, service {service}, breaks {breaks}, idle {idle}", { tech: rt.technician_id, jobs: rt.stops.length,
          travel: mins(tt.travel), service: mins(tt.service), breaks: mins(tt["break"]), idle: mins(tt.idle) }));
      label.textContent = rt.technician_id + " (" + rt.stops.length + ")";
      s("rect", { x: 2, y: y + 5, width: 10, height: 10, fill: rt.colour, rx: 2 }, g);
      label.setAttribute("x", 16);
      if (rt.shift) s("rect", { x: X(rt.shift[0]), y: y + 3, width: Math.max(0, X(rt.shift[1]) - X(rt.shift[0])), height: rowH - 6,
        fill: "#fff", stroke: "#c4cad3", "stroke-dasharray": "3,2", "class": "shift" }, g, _t("shift {from}\u2013{to}", { from: clock(rt.shift[0]), to: clock(rt.shift[1]) }));
      (rt.done || []).forEach(function (d) {
        s("rect", { x: X(d[0]), y: y + 4, width: Math.max(0.5, X(d[1]) - X(d[0])), height: rowH - 8, fill: DONE_GREY, stroke: "#fff", "stroke-width": 0.6,
          "class": "seg done", "data-job": d[2] }, g, T.done_seg + d[2] + " " + clock(d[0]) + "\u2013" + clock(d[1]));
      });
      rt.segments.forEach(function (seg) {
        var kind = seg[0], a = seg[1], b = seg[2], job = seg[3], late = seg[4];
        var fill = kind === "service" ? rt.colour : KIND_COLOUR[kind];
        var inset = kind === "idle" ? 7 : (kind === "travel" ? 6 : 4);
        var title = _t(kind) + (job ? " " + job : "") + " " + clock(a) + "\u2013" + clock(b) + " (" + mins(b - a) + ")" + (late ? " \u2013 " + _t("SLA breach") : "");
        s("rect", { x: X(a), y: y + inset, width: Math.max(0.5, X(b) - X(a)), height: rowH - 2 * inset, fill: fill,
          stroke: late ? LATE_INK : (kind === "service" ? "#fff" : "none"), "stroke-width": late ? 2 : (kind === "service" ? 0.6 : 0), "class": "seg " + kind + (late ? " late" : "") }, g, title);
        if (late) {
          // Hatched black and yellow over the route colour: visible on a red or yellow route too.
          s("rect", { x: X(a), y: y + 1, width: Math.max(2, X(b) - X(a)), height: rowH - 2, fill: "url(#late-hatch)", stroke: LATE_INK, "stroke-width": 1.5,
            "class": "late-overlay", "data-job": job }, g, title);
          s("path", { d: "M" + (X(b) - 4) + "," + (y + 1) + "l8,0l-4,5z", fill: LATE_INK, "class": "breach-mark" }, g, title);
        }
      });
      hoverable(g, rt.technician_id);
    });
    var R0 = D.replan && Number(document.body.getAttribute("data-plan") || 0) === 0 ? D.replan : null;
    if (R0 && R0.now_s !== null && R0.now_s >= t0 && R0.now_s <= t1) {
      var nowG = s("g", { "class": "now-line" }, svg);
      s("line", { x1: X(R0.now_s), x2: X(R0.now_s), y1: top - 8, y2: H, stroke: "#d6336c", "stroke-width": 2, "stroke-dasharray": "5,3" }, nowG, T.now + clock(R0.now_s));
      var nl = s("text", { x: X(R0.now_s) + 3, y: 10, "font-size": 11, fill: "#d6336c", "class": "now-label" }, nowG);
      nl.textContent = T.now + clock(R0.now_s);
    }
    var legend = $("gantt-legend"); clear(legend);
    var keys = [[_t("service (route colour)"), "#4c6ef5"], [_t("travel"), KIND_COLOUR.travel], [_t("break"), KIND_COLOUR["break"]], [_t("idle / waiting"), KIND_COLOUR.idle],
      [T.legend_late, "repeating-linear-gradient(45deg," + LATE_INK + " 0 3px," + LATE_HALO + " 3px 6px)"]];
    if (P.done && P.done.length) keys.push([T.legend_done, DONE_GREY]);
    if (R0 && R0.now_s !== null) keys.push([T.legend_now, "#d6336c"]);
    keys.forEach(function (k) {
      var it = h("span", null, legend); h("span", { "class": "sw", style: "background:" + k[1] + ";vertical-align:-2px;margin-right:4px" }, it); it.appendChild(document.createTextNode(k[0]));
    });
  }

  function renderUnassigned(P) {
    var box = $("unassigned"); clear(box);
    $("unassigned-count").textContent = String(P.unassigned.length);
    if (!P.unassigned.length) { h("li", null, box, _t("none")); return; }
    P.unassigned.forEach(function (u) {
      var li = h("li", null, box); h("b", null, li, u.job_id + " ");
      h("span", null, li, (u.priority ? "(" + _t(u.priority) + ") " : "") + u.reason);
    });
  }

  function renderLate(P) {
    var box = $("late"); clear(box);
    $("late-count").textContent = String((P.late || []).length);
    if (!P.late || !P.late.length) { h("li", null, box, T.late_none); return; }
    P.late.forEach(function (x) {
      var li = h("li", { "data-tech": x.technician_id, "class": "late-job" }, box);
      h("span", { "class": "sw", style: "background:" + x.colour + ";vertical-align:-2px;margin-right:4px" }, li);
      h("b", null, li, x.job_id); h("span", null, li, T.late_item(x));
    });
  }

  function renderDone(P) {
    var sec = $("done-box"), box = $("done"); clear(box);
    if (!P.done || !P.done.length) { sec.style.display = "none"; return; }
    sec.style.display = "";
    $("done-count").textContent = String(P.done.length);
    P.done.forEach(function (d) { var li = h("li", null, box); h("b", null, li, d.job_id + " "); h("span", null, li, T.done_item(d)); });
  }

  function renderChanges(i) {
    var sec = $("changes-section");
    if (!D.replan || i !== 0) { sec.style.display = "none"; return; }
    sec.style.display = "";
    var R = D.replan, tbl = $("changes"); clear(tbl);
    $("changes-count").textContent = String(R.changes.length);
    var w = $("replan-warnings"); clear(w);
    R.warnings.forEach(function (t) { h("div", { "class": "warn" }, w, "\u26a0 " + t); });
    var tr = h("tr", null, h("thead", null, tbl));
    T.changes_head.forEach(function (c) { h("th", null, tr, c); });
    var body = h("tbody", null, tbl);
    function at(iso) { return iso ? iso.slice(11, 16) : "\u2013"; }
    R.changes.forEach(function (c) {
      var row = h("tr", { "class": "change", "data-job": c.job_id }, body);
      h("td", null, row, c.job_id); h("td", null, row, _t(c.kind));
      h("td", null, row, (c.from_technician || "\u2013") + (c.to_technician && c.to_technician !== c.from_technician ? " \u2192 " + c.to_technician : ""));
      h("td", null, row, at(c.old_start) + " \u2192 " + at(c.new_start));
      h("td", null, row, c.shift_min === null || c.shift_min === undefined ? "" : (c.shift_min >= 0 ? "+" : "") + mins(c.shift_min * 60));
      h("td", { "class": "cause", title: c.text || "" }, row, c.cause === null || c.cause === undefined ? T.cause_none : T.cause_event(c));
    });
  }

  // ---- scenario comparison ---------------------------------------------------------------------
  function renderComparison() {
    var C = D.comparison, sec = $("comparison");
    if (!C) { sec.style.display = "none"; return; }
    var tbl = $("cmp-table"); clear(tbl);
    var tr = h("tr", null, h("thead", null, tbl)); h("th", null, tr, _t("KPI"));
    C.runs.forEach(function (n) { h("th", null, tr, n); });
    var body = h("tbody", null, tbl);
    C.metrics.forEach(function (m) {
      var row = h("tr", null, body); h("td", null, row, _t(m.label));
      m.values.forEach(function (v, i) {
        var td = h("td", null, row, num(v, m.digits));
        if (i > 0 && m.deltas[i] !== null) {
          var d = m.deltas[i];
          h("span", { "class": "d" + (m.better[i] === true ? " better" : m.better[i] === false ? " worse" : "") }, td, (d >= 0 ? "+" : "") + num(d, m.digits));
        }
      });
    });
    if (C.wall_times_s) {
      var wr = h("tr", null, body); h("td", null, wr, _t("solve wall s"));
      C.wall_times_s.forEach(function (t) { h("td", null, wr, num(t, 1)); });
    }
    var charts = $("charts"); clear(charts);
    ["jobs_assigned", "sla_met_pct", "sla_breaches", "travel_h", "utilization_pct", "workload_stddev_min", "overtime_min", "technicians_used"].forEach(function (key) {
      var m = C.metrics.filter(function (x) { return x.key === key; })[0];
      if (!m) return;
      var box = h("div", { "class": "chart" }, charts);
      h("h3", null, box, _t(m.label) + (m.higher_is_better === true ? " " + _t("(higher is better)") : m.higher_is_better === false ? " " + _t("(lower is better)") : ""));
      var n = C.runs.length, bh = 18, W = 320, L = 120, Hh = n * bh + 4;
      var svg = s("svg", { viewBox: "0 0 " + W + " " + Hh, width: "100%", "class": "bar-chart", "data-metric": key }, box);
      var vals = m.values.map(function (v) { return v === null ? 0 : v; });
      var max = Math.max.apply(null, vals.concat([1e-9]));
      C.runs.forEach(function (run, i) {
        var y = 2 + i * bh, v = m.values[i];
        var lab = s("text", { x: L - 6, y: y + bh * 0.7, "text-anchor": "end", "font-size": 11, fill: "#1d2330" }, svg);
        lab.textContent = run.length > 18 ? run.slice(0, 17) + "\u2026" : run;
        var colour = i === 0 ? "#868e96" : (m.better[i] === true ? "#2b8a3e" : m.better[i] === false ? "#e03131" : "#4c6ef5");
        var wv = v === null ? 0 : Math.max(0, v) / max * (W - L - 95);
        s("rect", { x: L, y: y + 2, width: Math.max(0.5, wv), height: bh - 5, fill: colour, rx: 2 }, svg, run + ": " + num(v, m.digits));
        var t = s("text", { x: L + wv + 4, y: y + bh * 0.7, "font-size": 11, fill: "#495057" }, svg);
        t.textContent = num(v, m.digits) + (i > 0 && m.deltas[i] !== null ? " (" + (m.deltas[i] >= 0 ? "+" : "") + num(m.deltas[i], m.digits) + ")" : "");
      });
    });
  }

  // ---- page ------------------------------------------------------------------------------------
  function render(i) {
    var P = D.plans[i];
    $("plan-title").textContent = P.name + (P.description ? " \u2013 " + P.description : "");
    document.body.setAttribute("data-plan", String(i));
    renderKpis(P); renderMap(P); renderGantt(P); renderUnassigned(P); renderLate(P); renderDone(P); renderChanges(i);
  }
  document.title = D.title;
  $("title").textContent = D.title;
  $("meta").textContent = _t("generated {at} \u00b7 times in UTC{offset}", { at: D.generated_at, offset: D.utc_offset.slice(0, 3) + ":" + D.utc_offset.slice(3) });
  document.querySelectorAll("[data-t]").forEach(function (e) { e.textContent = _t(e.getAttribute("data-t")); });
  $("plan-select").setAttribute("aria-label", _t("plan shown"));
  var sel = $("plan-select");
  if (D.plans.length > 1) {
    D.plans.forEach(function (P, i) { h("option", { value: String(i) }, sel, P.name); });
    sel.addEventListener("change", function () { render(Number(sel.value)); });
  } else sel.style.display = "none";
  renderComparison();
  render(0);
  enableZoom();
  window.addEventListener("resize", updateScale);
  document.body.setAttribute("data-ready", "1");
})();
"""

BODY = r"""
<header>
  <h1 id="title"></h1>
  <select id="plan-select" aria-label="plan shown"></select>
  <span class="meta" id="meta"></span>
</header>
<main>
  <section id="comparison"><h2 data-t="Scenario comparison (deltas against the base)">Scenario comparison (deltas against the base)</h2>
    <table class="cmp" id="cmp-table"></table>
    <div class="charts" id="charts"></div>
  </section>
  <section><h2 id="plan-title"></h2><div class="cards" id="kpis"></div><div class="note" id="solver-meta"></div><div id="warnings"></div></section>
  <section><h2 data-t="Map">Map</h2>
    <div class="row2">
      <div><div class="mapbox"><svg id="map" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet"></svg>
        <div class="scale" id="scale-bar"><div class="bar" id="scale-bar-line"></div><span id="scale-bar-label"></span></div></div><div class="note" id="map-note"></div></div>
      <div class="legend"><div id="legend"></div>
        <h2 style="margin-top:12px"><span data-t="Late jobs">Late jobs</span> (<span id="late-count"></span>)</h2><ul class="late" id="late"></ul>
        <h2 style="margin-top:12px"><span data-t="Unassigned">Unassigned</span> (<span id="unassigned-count"></span>)</h2><ul class="unassigned" id="unassigned"></ul>
        <div id="done-box"><h2 style="margin-top:12px"><span data-t="Done before now">Done before now</span> (<span id="done-count"></span>)</h2><ul class="done" id="done"></ul></div></div>
    </div>
  </section>
  <section><h2 data-t="Schedule">Schedule</h2><div class="gantt-legend" id="gantt-legend"></div><svg id="gantt" xmlns="http://www.w3.org/2000/svg"></svg></section>
  <section id="changes-section"><h2><span data-t="Changes against the previous plan">Changes against the previous plan</span> (<span id="changes-count"></span>)</h2><div id="replan-warnings"></div>
    <table class="changes" id="changes"></table></section>
</main>
"""
