"""Health, version, OpenAPI and the matrix endpoint through the real server."""

from __future__ import annotations

from tests import factories as f


def test_health_and_version(client, server):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["workers"] == 2 and health["workers_ready"] == 2
    assert health["queue_capacity"] == 4
    version = client.get("/v1/version").json()
    assert version["api"] == "v1" and "ortools" in version["engines"] and version["ortools"]


def test_openapi_documents_every_endpoint(client):
    schema = client.get("/openapi.json").json()
    assert {"/v1/optimize", "/v1/optimizations", "/v1/optimizations/{job_id}", "/v1/recommendations", "/v1/matrix", "/healthz", "/v1/version"} <= set(schema["paths"])
    assert "X-API-Key" in str(schema["components"]["securitySchemes"])
    assert client.get("/docs").status_code == 200


def test_haversine_matrix(client):
    locations = [f.point(), f.point(1, 0), f.point(0, 2)]
    body = client.post("/v1/matrix", json={"locations": locations, "source": "haversine"}).json()
    assert body["source"] == "haversine"
    d, m = body["durations_s"], body["distances_m"]
    assert len(d) == 3 and all(len(row) == 3 for row in d)
    assert all(d[i][i] == 0 and m[i][i] == 0 for i in range(3))
    # 2 km north is further than 1 km east, by distance and by time.
    assert m[0][2] > m[0][1] > 900 and d[0][2] > d[0][1] > 0


def test_matrix_refuses_explicit_source(client):
    response = client.post("/v1/matrix", json={"locations": [f.point()], "source": "explicit"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["path"] == "$.source"
