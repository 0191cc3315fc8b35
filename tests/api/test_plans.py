"""Live plans through a real server (``dispatch serve``, real SQLite, real worker processes):
versions, events with If-Match and idempotent ids, recommendations against the stored version,
the change feed, and the plan surviving a crash of the server."""

from __future__ import annotations

import signal
import threading

from optimizer.models import Problem, Solution
from optimizer.validate import validate
from tests import factories as f
from tests.api.conftest import wait_for
from tests.api.server import ApiServer


def live_problem() -> dict:
    """Two technicians, six jobs in central Helsinki (haversine), deterministic search."""
    techs = [f.tech("t1", loc=f.point(0, 0)), f.tech("t2", loc=f.point(2, 0))]
    jobs = [f.job(f"j{i}", loc=f.point(i % 3, i // 3), duration_min=40, sla_deadline=f.at(9 + i * 0.6),
                  priority=["urgent", "high", "normal"][i % 3]) for i in range(6)]
    return f.problem(techs, jobs, max_iterations=200).model_dump(mode="json", exclude_none=True)


SETTINGS = {"replan": {"time_limit_s": 0.3}}


def _valid(version: dict) -> None:
    assert validate(Problem.model_validate(version["problem"]), Solution.model_validate(version["solution"])) == []


def _create(c) -> str:
    r = c.post("/v1/plans", json={"problem": live_problem(), "settings": SETTINGS})
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"' and r.headers["location"] == f"/v1/plans/{r.json()['plan_id']}"
    return r.json()["plan_id"]


def _feed(c, plan_id: str, last: int = 0) -> list[tuple[int, str]]:
    r = c.get(f"/v1/plans/{plan_id}/stream", params={"follow": "false"}, headers={"Last-Event-ID": str(last)} if last else {})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    ids = [int(line[4:]) for line in r.text.splitlines() if line.startswith("id: ")]
    kinds = [line[7:] for line in r.text.splitlines() if line.startswith("event: ")]
    return list(zip(ids, kinds))


def test_versions_events_conflicts_and_replays(client):
    plan_id = _create(client)
    v1 = client.get(f"/v1/plans/{plan_id}").json()
    assert v1["version"] == 1 and v1["changes"] == []
    _valid(v1)
    sick = {"now": f.at(8.5), "events": [{"id": "sick-1", "event": {"type": "technician_unavailable", "technician_id": "t1"}}]}
    r = client.post(f"/v1/plans/{plan_id}/events", json=sick, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    head = r.json()
    assert head["version"] == 2 and head["event_ids"] == ["sick-1"] and r.headers["etag"] == '"2"'
    moved = [c for c in head["changes"] if c["from_technician"] == "t1" and c["kind"] in ("reassigned", "unassigned")]
    assert moved and all(c["cause_event_id"] == "sick-1" for c in moved)
    v2 = client.get(f"/v1/plans/{plan_id}").json()
    _valid(v2)
    assert all(not r["stops"] for r in v2["solution"]["routes"] if r["technician_id"] == "t1")  # t1 is off after 08:30
    assert client.get(f"/v1/plans/{plan_id}/versions/1").json() == v1  # old versions stay as they were

    # The same event again (a client retrying): nothing new, the version that applied it.
    again = client.post(f"/v1/plans/{plan_id}/events", json=sick, headers={"If-Match": "1"})
    assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["version"] == 2
    assert again.headers["idempotent-replay"] == "true"
    # A new event against version 1: stale.
    stale = client.post(f"/v1/plans/{plan_id}/events", headers={"If-Match": "1"},
                        json={"events": [{"id": "late-1", "event": {"type": "technician_delayed", "technician_id": "t2", "minutes": 10}}]})
    assert stale.status_code == 409 and stale.headers["etag"] == '"2"'
    assert "version 2" in stale.json()["error"]["message"]
    # One old id and one new: only the new one is applied.
    mixed = {"events": sick["events"] + [{"id": "late-1", "event": {"type": "technician_delayed", "technician_id": "t2", "minutes": 10}}]}
    r = client.post(f"/v1/plans/{plan_id}/events", json=mixed, headers={"If-Match": "2"})
    assert r.status_code == 200 and r.json()["version"] == 3
    assert r.json()["event_ids"] == ["late-1"] and r.json()["skipped_event_ids"] == ["sick-1"]
    assert client.get(f"/v1/plans/{plan_id}").json()["now"] == v2["now"]  # clock kept when no now is sent

    feed = _feed(client, plan_id)
    assert [seq for seq, _ in feed] == list(range(1, len(feed) + 1))
    assert [k for _, k in feed].count("version") == 3
    after = _feed(client, plan_id, last=feed[0][0])
    assert after == feed[1:]  # Last-Event-ID resumes right after the entry


def test_bad_input_is_a_field_error(client):
    plan_id = _create(client)
    cases = [
        ({"events": [{"id": "x", "event": {"type": "job_cancelled", "job_id": "nope"}}]}, "$.events[0].event.job_id"),
        ({"events": [{"id": "x", "event": {"type": "teleport", "job_id": "j1"}}]}, "$.events[0].event"),
        ({"events": [{"id": "x", "event": {"type": "job_cancelled", "job_id": "j1"}},
                     {"id": "x", "event": {"type": "job_cancelled", "job_id": "j2"}}]}, "$.events[1].id"),
        ({"events": []}, "$.events"),
        ({"now": f.at(6), "events": [{"id": "y", "event": {"type": "job_cancelled", "job_id": "j1"}}]}, "$.now"),
    ]
    for body, path in cases[:4]:
        r = client.post(f"/v1/plans/{plan_id}/events", json=body)
        assert r.status_code == 422 and r.json()["error"]["details"][0]["path"] == path, (body, r.text)
    first = client.post(f"/v1/plans/{plan_id}/events", json={"now": f.at(9), "events": [{"id": "c1", "event": {"type": "technician_delayed", "technician_id": "t2", "minutes": 5}}]})
    assert first.status_code == 200, first.text
    r = client.post(f"/v1/plans/{plan_id}/events", json=cases[4][0])  # the clock cannot go back
    assert r.status_code == 422 and r.json()["error"]["details"][0]["path"] == "$.now"
    assert client.get("/v1/plans/0000/versions/1").status_code == 404
    assert client.get(f"/v1/plans/{plan_id}/versions/99").status_code == 404
    assert client.post("/v1/plans/nope/events", json={"events": [{"id": "a", "event": {"type": "job_cancelled", "job_id": "j1"}}]}).status_code == 404
    r = client.post(f"/v1/plans/{plan_id}/events", headers={"If-Match": "abc"}, json={"events": [{"id": "z", "event": {"type": "job_cancelled", "job_id": "j1"}}]})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["path"] == "header.If-Match"
    r = client.post("/v1/plans", json={"settings": SETTINGS})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["path"] == "$.problem"


def test_recommendations_against_the_stored_plan(client):
    plan_id = _create(client)
    new = f.job("new-1", loc=f.point(1, 1), duration_min=20, priority="urgent", sla_deadline=f.at(12))
    r = client.post(f"/v1/plans/{plan_id}/recommendations", json={"jobs": [new], "max_results": 3})
    assert r.status_code == 200, r.text
    [rec] = r.json()["recommendations"]
    assert rec["job_id"] == "new-1" and 1 <= len(rec["options"]) <= 3
    best = rec["options"][0]
    assert best["sla_met"] is True and [o["rank"] for o in rec["options"]] == list(range(1, len(rec["options"]) + 1))
    costs = [o["cost"] for o in rec["options"]]
    assert costs == sorted(costs)
    # Inserting the best option into the stored plan gives a valid plan (independent check).
    from optimizer.recommend import accept_recommendation

    version = client.get(f"/v1/plans/{plan_id}").json()
    problem = Problem.model_validate({**version["problem"], "jobs": version["problem"]["jobs"] + [new]})
    plan = accept_recommendation(problem, Solution.model_validate(version["solution"]), "new-1", best["technician_id"], best["position"])
    assert validate(problem, plan) == []
    assert next(s.start for r in plan.routes for s in r.stops if s.job_id == "new-1").isoformat() == best["start"]
    r = client.post(f"/v1/plans/{plan_id}/recommendations", json={"jobs": [f.job("j1")]})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["path"] == "$.jobs[0].id"


def test_plan_from_a_finished_optimization(client):
    job_id = client.post("/v1/optimizations", json=live_problem()).json()["id"]
    done = wait_for(client, job_id)
    r = client.post("/v1/plans", json={"optimization_id": job_id})
    assert r.status_code == 201, r.text
    version = client.get(f"/v1/plans/{r.json()['plan_id']}").json()
    assert version["solution"]["routes"] == done["solution"]["routes"]
    assert client.post("/v1/plans", json={"optimization_id": "f" * 32}).status_code == 404


def test_concurrent_posts_on_one_version_one_wins(client):
    plan_id = _create(client)
    answers: list[int] = []

    def post(i: int) -> None:
        body = {"events": [{"id": f"d{i}", "event": {"type": "technician_delayed", "technician_id": "t2", "minutes": 5}}]}
        answers.append(client.post(f"/v1/plans/{plan_id}/events", json=body, headers={"If-Match": "1"}).status_code)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 409, 409]
    assert client.get(f"/v1/plans/{plan_id}").json()["version"] == 2


def test_plan_and_feed_survive_a_crash(tmp_path):
    db = tmp_path / "plans.db"
    srv = ApiServer(db, how="cli", workers=1).start()
    try:
        with srv.client() as c:
            plan_id = _create(c)
            body = {"now": f.at(8.2), "events": [{"id": "o1", "event": {"type": "technician_delayed", "technician_id": "t1", "minutes": 15}}]}
            assert c.post(f"/v1/plans/{plan_id}/events", json=body).status_code == 200
            before = c.get(f"/v1/plans/{plan_id}").json()
            feed = _feed(c, plan_id)
    finally:
        srv.stop(signal.SIGKILL)
    srv = ApiServer(db, how="cli", workers=1).start()
    try:
        with srv.client() as c:
            assert c.get(f"/v1/plans/{plan_id}").json() == before
            again = c.post(f"/v1/plans/{plan_id}/events", json=body)
            assert again.json()["replayed"] is True and again.json()["version"] == 2
            nxt = {"events": [{"id": "o2", "event": {"type": "job_cancelled", "job_id": "j4"}}]}
            r = c.post(f"/v1/plans/{plan_id}/events", json=nxt, headers={"If-Match": "2"})
            assert r.status_code == 200 and r.json()["version"] == 3
            _valid(c.get(f"/v1/plans/{plan_id}").json())
            rest = _feed(c, plan_id, last=feed[-1][0])
            assert rest[0][0] == feed[-1][0] + 1 and ("version" in [k for _, k in rest])
    finally:
        srv.stop()


def test_a_promise_alone_makes_a_version_and_recommendations_still_work(client):
    plan_id = _create(client)
    v1 = client.get(f"/v1/plans/{plan_id}").json()
    planned = {s["job_id"]: s["start"] for r in v1["solution"]["routes"] for s in r["stops"]}
    r = client.post(f"/v1/plans/{plan_id}/events", json={"events": [{"id": "p1", "event": {"type": "job_confirmed", "job_id": "j3"}}]})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["promises"] >= 1  # (+ dispatched jobs, confirm_on_dispatch)
    v2 = client.get(f"/v1/plans/{plan_id}").json()
    assert v2["promises"]["j3"]["start"] == planned["j3"]  # default: its planned start
    rec = client.post(f"/v1/plans/{plan_id}/recommendations", json={"jobs": [f.job("late-1", loc=f.point(1, 0))]})
    assert rec.status_code == 200 and rec.json()["version"] == 2 and rec.json()["recommendations"][0]["options"]
    r = client.post(f"/v1/plans/{plan_id}/events", json={"events": [{"id": "p2", "event": {"type": "job_confirmed", "job_id": "zz"}}]})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["path"] == "$.events[0].event.job_id"


def test_the_feed_pushes_a_new_version_to_a_connected_client(server, client):
    import httpx

    plan_id = _create(client)
    got: list[str] = []
    connected = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{server.url}/v1/plans/{plan_id}/stream", timeout=httpx.Timeout(5.0, read=30.0)) as r:
            connected.set()
            for line in r.iter_lines():
                got.append(line)
                if line.startswith("data: ") and '"version": 2' in line:
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert connected.wait(10)
    r = client.post(f"/v1/plans/{plan_id}/events", json={"events": [{"id": "d1", "event": {"type": "technician_delayed", "technician_id": "t1", "minutes": 10}}]})
    assert r.status_code == 200
    thread.join(20)
    assert not thread.is_alive(), got
    ids = [int(line[4:]) for line in got if line.startswith("id: ")]
    assert ids == sorted(ids) and ids[0] == 1 and "event: version" in got


def test_escalation_rules_in_the_problem_decide_and_are_recorded_in_the_feed(client):
    """The problem's escalation_rules replace the settings' (default: urgent at risk -> a
    proposal): with every deadline job at risk (600 min thresholds), each one is escalated by
    the problem's rule, in the version's summary, the stored version and the feed."""
    problem = live_problem()
    problem["escalation_rules"] = [{"name": "everyone to a person", "when": {"priorities": ["urgent", "high", "normal"]}, "action": "escalate"}]
    settings = {**SETTINGS, "risk_threshold_min": {"urgent": 600, "high": 600, "normal": 600}, "risk_confirm_versions": 1}
    r = client.post("/v1/plans", json={"problem": problem, "settings": settings})
    assert r.status_code == 201, r.text
    head = r.json()
    assert sorted(e["job_id"] for e in head["escalations"]) == [f"j{i}" for i in range(6)]
    assert {(e["rule"], e["action"]) for e in head["escalations"]} == {("everyone to a person", "escalated")}
    plan_id = head["plan_id"]
    v1 = client.get(f"/v1/plans/{plan_id}").json()
    assert v1["problem"]["escalation_rules"][0]["name"] == "everyone to a person" and len(v1["escalations"]) == 6
    r = client.get(f"/v1/plans/{plan_id}/stream", params={"follow": "false"})
    kinds = [line[7:] for line in r.text.splitlines() if line.startswith("event: ")]
    assert kinds[:3] == ["version", "risk", "escalation"]
    bad = dict(problem, escalation_rules=[{"name": "x", "when": {"level": "sometimes"}}])
    r = client.post("/v1/plans", json={"problem": bad, "settings": SETTINGS})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["path"] == "$.problem.escalation_rules[0].when.level"
