"""A live dispatch day through a real server: a stored plan, status events, disruptions, SLA
risk warnings, recommendations, the change feed, and a server restart mid-day.

The day: 50 technicians x 400 jobs generated over Milan (``benchmarks.fieldservice.generator``,
size L, first 50 technicians and 400 jobs) on the Milan road network (``../shared/regions``),
planned by ``POST /v1/plans``. The simulated clock advances in steps (default 10 min). The plan is
executed as planned except where disruptions say otherwise; at each step

* the status events that fell due are posted as one batch (``job_started`` at the planned start,
  ``job_completed`` at start + duration (+ overrun), ``technician_position`` at the job), for a
  seeded sample of the jobs, 200 events in all: a started job's completion is always reported;
* the disruptions drawn for that step are posted one by one (20 in all: urgent new jobs,
  cancellations, overruns of jobs under way, delays, a technician falling sick, a shift
  extension);
* two recommendation requests for jobs that are not added (``POST /v1/plans/{id}/recommendations``).

At mid-day the server is killed (``SIGKILL``) while an event post is in flight, restarted on
the same SQLite file, and the post is sent again with the same event ids. A feed reader follows
``GET /v1/plans/{id}/stream`` the whole day and reconnects with ``Last-Event-ID``.

Checked at the end: every version validates (``optimizer.validate``, road matrix); every posted
event id is applied by exactly one version; the feed delivered every version once, in order.
Measured: event-to-new-version latency (client round trip), recommendation latency, how many
SLA breaches were warned in advance (at risk or predicted breach, before the deadline) and how
far ahead (median minutes), and how many warnings were false alarms (the job ended on time).

    .venv/bin/python -m benchmarks.live_day [--seed 7] [--step-min 10] [--replan-time-limit 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.fieldservice.generator import DAY, default_region, generate  # noqa: E402
from optimizer.models import Problem, Solution  # noqa: E402
from optimizer.validate import validate  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


class Server:
    """``dispatch serve`` on a free loopback port over one SQLite file; restartable."""

    def __init__(self, db: Path, workers: int, env: dict[str, str]):
        self.db, self.workers, self.env = db, workers, env
        self.proc: Optional[subprocess.Popen] = None
        self.url = ""

    def start(self) -> "Server":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, **self.env, "DISPATCH_DB": str(self.db), "DISPATCH_WORKERS": str(self.workers)}
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self.log = open(self.db.with_suffix(".log"), "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "optimizer.cli", "serve", "--port", str(port), "--log-level", "warning"],
                                     cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).json()["workers_ready"] == self.workers:
                    return self
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(30)
        try:
            if self.proc is not None:
                os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc = None
        self.log.close()


class FeedReader(threading.Thread):
    """Follows a plan's change feed; reconnects with ``Last-Event-ID`` after any failure."""

    def __init__(self, server: Server, plan_id: str):
        super().__init__(daemon=True)
        self.server, self.plan_id = server, plan_id
        self.entries: list[tuple[int, str, dict]] = []
        self.reconnects = 0
        self.done = threading.Event()

    def run(self) -> None:
        last = 0
        while not self.done.is_set():
            try:
                headers = {"Last-Event-ID": str(last)} if last else {}
                with httpx.stream("GET", f"{self.server.url}/v1/plans/{self.plan_id}/stream", headers=headers,
                                  timeout=httpx.Timeout(5.0, read=30.0)) as r:
                    seq, kind = None, None
                    for line in r.iter_lines():
                        if line.startswith("id: "):
                            seq = int(line[4:])
                        elif line.startswith("event: "):
                            kind = line[7:]
                        elif line.startswith("data: ") and seq is not None and kind is not None:
                            self.entries.append((seq, kind, json.loads(line[6:])))
                            last = seq
                        if self.done.is_set():
                            return
            except (httpx.HTTPError, OSError, ValueError):
                pass
            if not self.done.is_set():
                self.reconnects += 1
                time.sleep(0.3)


@dataclass
class Day:
    """What the client knows: the truth of the simulated day and the measurements."""

    rng: random.Random
    status_budget: int
    started: dict[str, datetime] = field(default_factory=dict)  # reported job_started: job -> start
    truth_end: dict[str, datetime] = field(default_factory=dict)  # reported jobs: actual end
    completed: set[str] = field(default_factory=set)
    overrun_min: dict[str, float] = field(default_factory=dict)
    posted_ids: list[str] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    status_latencies_s: list[float] = field(default_factory=list)
    disruption_latencies_s: list[float] = field(default_factory=list)
    rec_ms: list[float] = field(default_factory=list)
    rec_server_ms: list[float] = field(default_factory=list)
    rec_loads: int = 0
    rec_refused: int = 0  # answered 422 (the probe's location is outside the road region)
    burst_ms: list[float] = field(default_factory=list)
    status_sent: int = 0
    disruptions_sent: int = 0
    counter: int = 0

    def next_id(self, kind: str) -> str:
        self.counter += 1
        return f"{kind}-{self.counter:04d}"


def _iso(t: datetime) -> str:
    return t.isoformat()


def status_events(day: Day, version: dict, prev: datetime, now: datetime, p_report: float) -> list[dict]:
    """Status events that fell due in (prev, now] on the current plan (seeded sample)."""
    out: list[dict] = []
    jobs = {j["id"]: j for j in version["problem"]["jobs"]}
    for jid in sorted(day.started):
        if jid not in day.completed and day.truth_end[jid] <= now:
            out.append({"id": day.next_id("done"), "event": {"type": "job_completed", "job_id": jid, "at": _iso(day.truth_end[jid])}})
            day.completed.add(jid)
    for route in version["solution"]["routes"]:
        for stop in route["stops"]:
            start = datetime.fromisoformat(stop["start"])
            jid = stop["job_id"]
            if not (prev < start <= now) or jid in day.started or jobs[jid]["status"] in ("completed", "in_progress"):
                continue
            if day.status_budget - len(out) < 3 or day.rng.random() >= p_report:
                continue
            day.started[jid] = start
            end = start + timedelta(minutes=day.overrun_min.get(jid, 0.0) + float(jobs[jid]["duration_min"]))
            day.truth_end[jid] = end
            out.append({"id": day.next_id("start"), "event": {"type": "job_started", "job_id": jid, "at": _iso(start),
                                                                "technician_id": route["technician_id"]}})
            out.append({"id": day.next_id("pos"), "event": {"type": "technician_position", "technician_id": route["technician_id"],
                                                              "location": jobs[jid]["location"], "at": _iso(start)}})
            if end <= now:
                out.append({"id": day.next_id("done"), "event": {"type": "job_completed", "job_id": jid, "at": _iso(end)}})
                day.completed.add(jid)
    day.status_budget -= len(out)
    return out


def disruption(day: Day, kind: str, version: dict, now: datetime, new_jobs: list[dict]) -> Optional[dict]:
    """One disruption of ``kind`` on the current state (None when nothing fits)."""
    jobs = version["problem"]["jobs"]
    techs = [t for t in version["problem"]["technicians"]
             if datetime.fromisoformat(t["shift"]["start"]) <= now < datetime.fromisoformat(t["shift"]["end"]) - timedelta(hours=1)]
    routed = {s["job_id"]: r["technician_id"] for r in version["solution"]["routes"] for s in r["stops"]}
    pending = sorted(j["id"] for j in jobs if j["status"] == "pending" and j["id"] in routed)
    running = sorted(j["id"] for j in jobs if j["status"] == "in_progress" and j["id"] not in day.completed)
    pick = day.rng.random()
    if kind == "new_job" and new_jobs:
        job = dict(new_jobs.pop(0))
        job["priority"] = "urgent"
        job["sla_deadline"] = _iso(now + timedelta(hours=2))
        job["time_windows"] = []
        return {"type": "new_job", "job": job}
    if kind == "cancel" and pending:
        return {"type": "job_cancelled", "job_id": pending[int(pick * len(pending))]}
    if kind == "overrun" and running:
        jid = running[int(pick * len(running))]
        minutes = day.rng.choice([20, 30, 45])
        day.overrun_min[jid] = day.overrun_min.get(jid, 0.0) + minutes
        if jid in day.truth_end:
            day.truth_end[jid] += timedelta(minutes=minutes)
        return {"type": "job_overrun", "job_id": jid, "minutes": minutes}
    if kind == "delay" and techs:
        return {"type": "technician_delayed", "technician_id": techs[int(pick * len(techs))]["id"], "minutes": day.rng.choice([20, 30, 40])}
    if kind == "sick" and techs:
        return {"type": "technician_unavailable", "technician_id": techs[int(pick * len(techs))]["id"], "reason": "sick"}
    if kind == "extend" and techs:
        tech = techs[int(pick * len(techs))]
        return {"type": "shift_extended", "technician_id": tech["id"], "new_end": _iso(datetime.fromisoformat(tech["shift"]["end"]) + timedelta(hours=1))}
    return None


def post(c: httpx.Client, plan_id: str, events: list[dict], now: datetime, day: Day, bucket: list[float]) -> dict:
    t = time.perf_counter()
    r = c.post(f"/v1/plans/{plan_id}/events", json={"events": events, "now": _iso(now)})
    elapsed = time.perf_counter() - t
    if r.status_code != 200:
        raise RuntimeError(f"event post failed {r.status_code}: {r.text[:500]}")
    day.latencies_s.append(elapsed)
    bucket.append(elapsed)
    day.posted_ids += [e["id"] for e in events]
    return r.json()


def crash_and_retry(server: Server, plan_id: str, events: list[dict], now: datetime, day: Day) -> tuple[str, float]:
    """Post ``events``, SIGKILL the server while the post is in flight, restart it on the same
    file and post the same events again: the retry must be applied once (either it is the first
    application, or the version made before the crash is answered as a replay)."""
    box: dict = {}

    def send() -> None:
        try:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                box["r"] = c.post(f"/v1/plans/{plan_id}/events", json={"events": events, "now": _iso(now)})
        except httpx.HTTPError as exc:
            box["error"] = exc

    thread = threading.Thread(target=send)
    thread.start()
    time.sleep(0.4)
    server.stop(signal.SIGKILL)
    thread.join(30)
    t0 = time.perf_counter()
    server.start()
    restart_s = time.perf_counter() - t0
    with httpx.Client(base_url=server.url, timeout=120) as c:
        r = c.post(f"/v1/plans/{plan_id}/events", json={"events": events, "now": _iso(now)})
        if r.status_code != 200:
            raise RuntimeError(f"retry after restart failed {r.status_code}: {r.text[:300]}")
    day.posted_ids += [e["id"] for e in events]
    first = "answered before the crash" if "r" in box else "lost with the crash"
    return f"first post {first}; retry {'replayed' if r.json().get('replayed') else 'applied'} as version {r.json()['version']}", restart_s


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--techs", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=400)
    parser.add_argument("--status-events", type=int, default=200)
    parser.add_argument("--disruptions", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--plan-time-limit", type=float, default=20.0, help="solve time of the day's plan, s (default 20)")
    parser.add_argument("--replan-time-limit", type=float, default=0.5, help="search time of each re-plan, s (default 0.5, the live default)")
    parser.add_argument("--step-min", type=float, default=10.0, help="simulated minutes per step (default 10)")
    parser.add_argument("--report-share", type=float, default=0.3, help="share of job starts the field app reports (default 0.3)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-restart", action="store_true", help="skip the mid-day crash and restart")
    parser.add_argument("--rec-burst", type=int, default=200, help="recommendations sent back to back after the day (default 200)")
    parser.add_argument("--dump", type=Path, default=None, help="write every version and the day's truth (JSON) into this folder")
    args = parser.parse_args(argv)

    region = default_region()
    if region is None:
        print("the Milan extract (../shared/regions/milan.osm.pbf) is missing", file=sys.stderr)
        return 2
    os.environ["DISPATCH_REGION"] = str(region)  # the validator's road matrix, as the server's
    big = generate("L", seed=args.seed, time_limit_s=args.plan_time_limit, matrix="road")
    problem = big.model_copy(update={"technicians": big.technicians[: args.techs], "jobs": big.jobs[: args.jobs]})
    extra = [json.loads(j.model_dump_json(exclude_none=True)) for j in big.jobs[args.jobs: args.jobs + 200]]
    new_pool, probes = extra[:60], extra[60:]
    rng = random.Random(args.seed)
    day = Day(rng=rng, status_budget=args.status_events)
    start, end = DAY + timedelta(hours=8), DAY + timedelta(hours=17, minutes=30)
    kinds = ["new_job"] * 6 + ["cancel"] * 4 + ["overrun"] * 4 + ["delay"] * 3 + ["sick"] * 2 + ["extend"]
    kinds = (kinds * (args.disruptions // len(kinds) + 1))[: args.disruptions]
    rng.shuffle(kinds)
    slots = sorted(start + timedelta(minutes=rng.randrange(30, 7 * 60)) for _ in kinds)
    schedule = list(zip(slots, kinds))

    with tempfile.TemporaryDirectory() as tmp:
        env = {"DISPATCH_REGION": str(region), "DISPATCH_SYNC_TIME_LIMIT_S": str(max(60, args.plan_time_limit + 5)),
               "DISPATCH_MAX_QUEUE": "64"}
        server = Server(Path(tmp) / "live.db", args.workers, env).start()
        settings = {"replan": {"time_limit_s": args.replan_time_limit}}
        body = {"problem": json.loads(problem.model_dump_json(exclude_none=True)), "settings": settings}
        t0 = time.perf_counter()
        with httpx.Client(base_url=server.url, timeout=300) as c:
            created = c.post("/v1/plans", json=body)
        if created.status_code != 201:
            server.stop()
            raise RuntimeError(created.text[:500])
        plan_id = created.json()["plan_id"]
        print(f"plan {plan_id}: {args.techs} technicians x {args.jobs} jobs (Milan road network), version 1 in "
              f"{time.perf_counter() - t0:.1f} s: {created.json()['kpis']['jobs_assigned']} assigned")
        feed = FeedReader(server, plan_id)
        feed.start()
        restart_note, restart_s = "not tested", 0.0
        restart_at = start + (end - start) / 2
        now, prev = start, start - timedelta(minutes=1)
        try:
            while now <= end:
                with httpx.Client(base_url=server.url, timeout=300) as c:
                    version = c.get(f"/v1/plans/{plan_id}").json()
                    batch = status_events(day, version, prev, now, args.report_share)
                    crash = not args.no_restart and now >= restart_at and restart_note == "not tested"
                    if crash and not batch:  # the crash needs a post in flight: a position report
                        tech = version["problem"]["technicians"][0]
                        batch = [{"id": day.next_id("pos"), "event": {"type": "technician_position", "technician_id": tech["id"],
                                                                        "location": tech["start_location"], "at": _iso(now)}}]
                        day.status_budget -= 1
                    day.status_sent += len(batch)
                    if crash:
                        restart_note, restart_s = crash_and_retry(server, plan_id, batch, now, day)
                    elif batch:
                        post(c, plan_id, batch, now, day, day.status_latencies_s)
                with httpx.Client(base_url=server.url, timeout=300) as c:
                    while schedule and schedule[0][0] <= now:
                        _, kind = schedule.pop(0)
                        version = c.get(f"/v1/plans/{plan_id}").json()
                        event = disruption(day, kind, version, now, new_pool)
                        if event is None:
                            event = disruption(day, "delay", version, now, new_pool)
                        if event is None:
                            continue
                        day.disruptions_sent += 1
                        post(c, plan_id, [{"id": day.next_id(event["type"]), "event": event}], now, day, day.disruption_latencies_s)
                    for _ in range(2):
                        job = dict(probes[rng.randrange(len(probes))])
                        job["id"] = f"probe-{day.next_id('p')}"
                        t = time.perf_counter()
                        r = c.post(f"/v1/plans/{plan_id}/recommendations", json={"jobs": [job]})
                        day.rec_ms.append((time.perf_counter() - t) * 1000)
                        if r.status_code == 422:  # a probe the plan refuses (e.g. a point on the region's edge)
                            day.rec_refused += 1
                            continue
                        if r.status_code != 200:
                            raise RuntimeError(f"recommendation failed {r.status_code}: {r.text[:300]}")
                        day.rec_server_ms.append(r.json()["elapsed_ms"] + r.json()["load_ms"])
                        day.rec_loads += r.json()["load_ms"] > 1.0
                prev, now = now, now + timedelta(minutes=args.step_min)
            time.sleep(1.5)
            burst(server, plan_id, probes, args.rec_burst, day)
            feed.done.set()
            report(server, plan_id, day, feed, restart_note, restart_s, args)
        finally:
            feed.done.set()
            server.stop()
    return 0


def burst(server: Server, plan_id: str, probes: list[dict], count: int, day: Day) -> None:
    """``count`` recommendations back to back against the last version."""
    with httpx.Client(base_url=server.url, timeout=60) as c:
        for k in range(count):
            job = dict(probes[k % len(probes)], id=f"burst-{k}")
            t = time.perf_counter()
            r = c.post(f"/v1/plans/{plan_id}/recommendations", json={"jobs": [job]})
            if r.status_code == 422:
                day.rec_refused += 1
            elif r.status_code != 200:
                raise RuntimeError(f"recommendation failed {r.status_code}: {r.text[:500]}")
            day.burst_ms.append((time.perf_counter() - t) * 1000)


def report(server: Server, plan_id: str, day: Day, feed: FeedReader, restart_note: str, restart_s: float, args) -> None:
    with httpx.Client(base_url=server.url, timeout=300) as c:
        current = c.get(f"/v1/plans/{plan_id}").json()["version"]
        versions = [c.get(f"/v1/plans/{plan_id}/versions/{n}").json() for n in range(1, current + 1)]
    if args.dump is not None:
        args.dump.mkdir(parents=True, exist_ok=True)
        for v in versions:
            (args.dump / f"v{v['version']:03d}.json").write_text(json.dumps(v))
        (args.dump / "truth.json").write_text(json.dumps({j: _iso(t) for j, t in day.truth_end.items()}))
    invalid = 0
    rules: dict[str, int] = {}
    examples: dict[str, str] = {}
    applied: dict[str, int] = {}
    first_warn: dict[str, datetime] = {}
    first_breach: dict[str, datetime] = {}
    last_end: dict[str, datetime] = {}
    deadlines: dict[str, datetime] = {}
    cancelled: set[str] = set()
    for v in versions:
        problem, solution = Problem.model_validate(v["problem"]), Solution.model_validate(v["solution"])
        found = validate(problem, solution)
        invalid += bool(found)
        for v_ in found:
            rules[v_.rule] = rules.get(v_.rule, 0) + 1
            examples.setdefault(v_.rule, f"version {v['version']}: {v_.message}")
        for e in v["events"]:
            applied[e["id"]] = applied.get(e["id"], 0) + 1
        clock = datetime.fromisoformat(v["now"]) if v["now"] else DAY + timedelta(hours=8)
        for job in problem.jobs:
            if job.sla_deadline is not None:
                deadlines[job.id] = job.sla_deadline
        for kind, table in (("at_risk", first_warn), ("breaches", first_breach)):
            for r in v["risk"][kind]:
                table.setdefault(r["job_id"], clock)
                first_warn.setdefault(r["job_id"], clock)
        for route in solution.routes:
            for stop in route.stops:
                last_end[stop.job_id] = stop.end
        cancelled |= {u.job_id for u in solution.unassigned if u.code == "cancelled"}
    for jid, end in day.truth_end.items():
        last_end[jid] = end
    lost = [i for i in day.posted_ids if i not in applied]
    twice = [i for i, n in applied.items() if n > 1]
    seen = [d["version"] for _, kind, d in feed.entries if kind == "version"]
    in_order = seen == list(range(1, current + 1))
    judged = [j for j in deadlines if j in last_end and j not in cancelled]
    breached = [j for j in judged if last_end[j] > deadlines[j]]
    warned = [j for j in breached if j in first_warn and first_warn[j] < deadlines[j]]
    lead = [(deadlines[j] - first_warn[j]).total_seconds() / 60 for j in warned]
    warned_ok = [j for j in first_warn if j in judged and last_end[j] <= deadlines[j]]
    predicted_ok = [j for j in first_breach if j in judged and last_end[j] <= deadlines[j]]
    never = [j for j in deadlines if j not in last_end and j not in cancelled]

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values):.0f} / {percentile(values, 95):.0f}" if values else "-"

    print()
    print(f"| live day (seed {args.seed}, {args.techs} x {args.jobs}, Milan road, re-plan {args.replan_time_limit:g} s, step {args.step_min:g} min) | value |")
    print("|---|---|")
    print(f"| events posted: status / disruptions | {day.status_sent} / {day.disruptions_sent} |")
    print(f"| versions made (incl. version 1) | {current} |")
    print(f"| versions valid (validator, road matrix) | {current - invalid} / {current} |")
    print(f"| event ids applied exactly once / lost / twice | {len(day.posted_ids) - len(lost) - len(twice)} / {len(lost)} / {len(twice)} |")
    print(f"| feed: versions delivered in order, no gap | {'yes' if in_order else 'NO'} ({len(seen)} version entries, {feed.reconnects} reconnects) |")
    print(f"| event -> new version, median / p95 (all posts), ms | {ms([s * 1000 for s in day.latencies_s])} |")
    print(f"| ... status batches / disruptions, median / p95, ms | {ms([s * 1000 for s in day.status_latencies_s])} / {ms([s * 1000 for s in day.disruption_latencies_s])} |")
    print(f"| recommendation round trip median / p95, ms ({len(day.rec_ms)} requests, {day.rec_refused} refused with 422) | {ms(day.rec_ms)} |")
    print(f"| ... server compute (load + rank) median / p95, ms; requests that loaded the version | {ms(day.rec_server_ms)}; {day.rec_loads} |")
    print(f"| recommendations back to back against the last version, median / p95, ms ({len(day.burst_ms)}) | {ms(day.burst_ms)} |")
    print(f"| jobs with a deadline judged (served, not cancelled) | {len(judged)} |")
    print(f"| breaches (ended after the deadline) | {len(breached)} |")
    print(f"| ... warned in advance (at risk or predicted breach before the deadline) | {len(warned)} |")
    print(f"| ... warning lead time, median (min) minutes | {statistics.median(lead):.0f} ({min(lead):.0f}) |" if lead else "| ... warning lead time | - |")
    print(f"| warnings that ended on time (false alarms): at risk or breach / predicted breach | {len(warned_ok)} / {len(predicted_ok)} |")
    print(f"| deadline jobs never served (not cancelled) | {len(never)} |")
    print(f"| mid-day crash (SIGKILL during a post) and restart | {restart_note}; restart {restart_s:.1f} s |")
    for rule, count in sorted(rules.items(), key=lambda kv: -kv[1]):
        print(f"violations {rule}: {count}, e.g. {examples[rule]}")


if __name__ == "__main__":
    sys.exit(main())
