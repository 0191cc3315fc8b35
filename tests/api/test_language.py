"""Accept-Language and options.language over a real server: error messages and unassigned
reasons in Chinese, codes, types and paths the same as in English."""

from __future__ import annotations

from tests.api.conftest import small_problem


def test_validation_errors_follow_accept_language(client):
    problem = small_problem()
    problem["jobs"][2]["duration_min"] = -5
    problem["jobs"][0]["pinned_technician"] = "T99"
    en = client.post("/v1/optimize", json=problem).json()["error"]
    zh = client.post("/v1/optimize", json=problem, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).json()["error"]
    assert (zh["status"], zh["code"]) == (en["status"], en["code"]) == (422, "validation_error")
    assert [(d["path"], d["type"]) for d in zh["details"]] == [(d["path"], d["type"]) for d in en["details"]]
    zh_by_path = {d["path"]: d["message"] for d in zh["details"]}
    en_by_path = {d["path"]: d["message"] for d in en["details"]}
    assert en_by_path["$.jobs[2].duration_min"] == "$.jobs[2].duration_min: Input should be greater than or equal to 0."
    assert zh_by_path["$.jobs[2].duration_min"] == "$.jobs[2].duration_min：输入应大于或等于 0。"


def test_cross_reference_error_in_chinese(client):
    problem = small_problem()
    problem["jobs"][0]["pinned_technician"] = "T99"
    zh = client.post("/v1/optimize", json=problem, headers={"Accept-Language": "zh"}).json()["error"]
    assert zh["details"][0]["path"] == "$.jobs[0].pinned_technician"
    assert zh["details"][0]["message"] == "$.jobs[0].pinned_technician：未知的技术员 'T99'。"
    assert zh["message"] == zh["details"][0]["message"]


def test_not_found_in_chinese(client):
    zh = client.get("/v1/optimizations/nope", headers={"Accept-Language": "zh-CN"}).json()["error"]
    assert (zh["code"], zh["message"]) == ("not_found", "没有优化作业 'nope'")


def test_unassigned_reasons_follow_accept_language_unless_the_problem_sets_one(client):
    problem = small_problem(n_jobs=2)
    problem["options"]["max_iterations"] = 20
    del problem["options"]["language"]  # the factory writes every default out
    zh = client.post("/v1/optimize", json=problem, headers={"Accept-Language": "zh-CN"}).json()
    (jx,) = [u for u in zh["unassigned"] if u["job_id"] == "jx"]
    assert (jx["code"], jx["reason"]) == ("skill", "没有技术员具备技能 plumbing（3 级）")
    problem["options"]["language"] = "en"
    en = client.post("/v1/optimize", json=problem, headers={"Accept-Language": "zh-CN"}).json()
    (jx,) = [u for u in en["unassigned"] if u["job_id"] == "jx"]
    assert (jx["code"], jx["reason"]) == ("skill", "no technician has skill plumbing at level 3")
