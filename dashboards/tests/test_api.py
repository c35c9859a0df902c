"""The HTTP API, against the real application on a temporary store."""

import json

import pytest
from conftest import memory_record, process_record, stored_lines

from collector.app import create_app
from fastapi.testclient import TestClient

STREAMS = [("memory", memory_record), ("process", process_record)]


# --- POST /v1/logs/{stream} --------------------------------------------------


@pytest.mark.parametrize("stream, make", STREAMS)
def test_a_batch_is_stored_and_acknowledged(client, store_dir, stream, make):
    batch = [make(cycle=c) for c in range(3)]
    response = client.post(f"/v1/logs/{stream}", json={"records": batch})
    assert response.status_code == 200
    assert response.json() == {"stored": 3, "duplicates": 0}
    assert [json.loads(line) for line in stored_lines(store_dir, stream)] == batch


@pytest.mark.parametrize("stream, make", STREAMS)
def test_a_retried_batch_is_stored_once(client, store_dir, stream, make):
    batch = {"records": [make(), make()]}
    assert client.post(f"/v1/logs/{stream}", json=batch).json() == {"stored": 2, "duplicates": 0}
    assert client.post(f"/v1/logs/{stream}", json=batch).json() == {"stored": 0, "duplicates": 2}
    assert len(stored_lines(store_dir, stream)) == 2


def test_a_batch_partly_seen_before_stores_only_the_new_records(client, store_dir):
    old, new = memory_record(), memory_record()
    client.post("/v1/logs/memory", json={"records": [old]})
    assert client.post("/v1/logs/memory", json={"records": [old, new]}).json() == {"stored": 1, "duplicates": 1}
    assert [json.loads(line)["id"] for line in stored_lines(store_dir, "memory")] == [old["id"], new["id"]]


def test_an_id_repeated_inside_one_batch_is_stored_once(client, store_dir):
    record = memory_record()
    assert client.post("/v1/logs/memory", json={"records": [record, record]}).json() == {
        "stored": 1,
        "duplicates": 1,
    }
    assert len(stored_lines(store_dir, "memory")) == 1


def test_the_same_uuid_in_another_case_is_the_same_record(client, store_dir):
    record = memory_record()
    client.post("/v1/logs/memory", json={"records": [record]})
    shouted = dict(record, id=record["id"].upper())
    assert client.post("/v1/logs/memory", json={"records": [shouted]}).json()["duplicates"] == 1


def test_an_empty_batch_stores_nothing(client, store_dir):
    assert client.post("/v1/logs/process", json={"records": []}).json() == {"stored": 0, "duplicates": 0}
    assert stored_lines(store_dir, "process") == []


@pytest.mark.parametrize(
    "stream, make, field, value",
    [
        ("memory", memory_record, "timestamp", "2026-11-21T21:07:15+00:00"),
        ("memory", memory_record, "used_kb", -1),
        ("process", process_record, "class", "medium"),
        ("process", process_record, "action", "delete"),
        ("process", process_record, "pid", "42"),
    ],
)
def test_an_invalid_record_is_refused_naming_its_index_and_field(client, store_dir, stream, make, field, value):
    batch = [make(), make(), make(**{field: value}), make()]
    response = client.post(f"/v1/logs/{stream}", json={"records": batch})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["record"] == 2
    assert error["field"] == field
    assert error["loc"] == ["body", "records", 2, field]
    assert error["msg"]
    # Nothing of the batch was stored, not even the valid records before it.
    assert stored_lines(store_dir, stream) == []


def test_every_invalid_record_of_a_batch_is_reported(client):
    batch = [memory_record(cycle=-1), memory_record(), memory_record(extra=True)]
    detail = client.post("/v1/logs/memory", json={"records": batch}).json()["detail"]
    assert sorted((e["record"], e["field"]) for e in detail) == [(0, "cycle"), (2, "extra")]


def test_a_missing_field_is_named(client):
    record = process_record()
    del record["reason"]
    [error] = client.post("/v1/logs/process", json={"records": [record]}).json()["detail"]
    assert (error["record"], error["field"]) == (0, "reason")


@pytest.mark.parametrize(
    "body",
    [
        [memory_record()],  # a bare list: the batch is an object
        {"record": [memory_record()]},
        {"records": memory_record()},
        {"records": [memory_record()], "sender": "enforcer"},
    ],
)
def test_a_body_not_shaped_as_a_batch_is_refused(client, store_dir, body):
    assert client.post("/v1/logs/memory", json=body).status_code == 422
    assert stored_lines(store_dir, "memory") == []


def test_a_body_that_is_not_json_is_refused(client, store_dir):
    response = client.post("/v1/logs/memory", content=b'{"records": [', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert stored_lines(store_dir, "memory") == []


def test_records_survive_a_restart_and_still_deduplicate(store_dir):
    batch = {"records": [memory_record(), memory_record()]}
    with TestClient(create_app(store_dir)) as first:
        first.post("/v1/logs/memory", json=batch)
    with TestClient(create_app(store_dir)) as second:
        assert second.post("/v1/logs/memory", json=batch).json() == {"stored": 0, "duplicates": 2}
        assert second.get("/v1/logs/memory").json()["total"] == 2


# --- GET /v1/logs/{stream} ---------------------------------------------------


def minute(m):
    return f"2026-11-21T21:{m:02d}:00.000Z"


@pytest.fixture
def ten_minutes(client):
    """Memory and process records at 21:00 .. 21:09, one a minute."""
    client.post("/v1/logs/memory", json={"records": [memory_record(timestamp=minute(m), cycle=m) for m in range(10)]})
    client.post(
        "/v1/logs/process",
        json={
            "records": [
                process_record(
                    timestamp=minute(m), cycle=m, action="kill" if m % 2 else "keep", **{"class": "high" if m < 5 else "low"}
                )
                for m in range(10)
            ]
        },
    )
    return client


@pytest.mark.parametrize("stream", ["memory", "process"])
def test_reading_returns_records_in_stored_order_with_the_total(ten_minutes, stream):
    page = ten_minutes.get(f"/v1/logs/{stream}").json()
    assert page["total"] == 10
    assert page["next_offset"] is None
    assert [r["cycle"] for r in page["records"]] == list(range(10))


def test_since_is_inclusive_and_until_exclusive(ten_minutes):
    page = ten_minutes.get("/v1/logs/memory", params={"since": minute(3), "until": minute(6)}).json()
    assert [r["cycle"] for r in page["records"]] == [3, 4, 5]
    assert page["total"] == 3


def test_time_bounds_accept_other_zones(ten_minutes):
    page = ten_minutes.get("/v1/logs/memory", params={"since": "2026-11-21T22:08:00+01:00"}).json()
    assert [r["cycle"] for r in page["records"]] == [8, 9]


def test_pages_chain_through_next_offset(ten_minutes):
    seen, offset = [], 0
    while offset is not None:
        page = ten_minutes.get("/v1/logs/process", params={"limit": 4, "offset": offset}).json()
        assert page["total"] == 10 and page["limit"] == 4
        seen += [r["cycle"] for r in page["records"]]
        offset = page["next_offset"]
    assert seen == list(range(10))


def test_process_records_filter_by_action_class_and_cycle(ten_minutes):
    kills = ten_minutes.get("/v1/logs/process", params={"action": "kill"}).json()
    assert [r["cycle"] for r in kills["records"]] == [1, 3, 5, 7, 9]
    low_kills = ten_minutes.get("/v1/logs/process", params={"action": "kill", "class": "low"}).json()
    assert [r["cycle"] for r in low_kills["records"]] == [5, 7, 9]
    assert ten_minutes.get("/v1/logs/process", params={"cycle": 4}).json()["total"] == 1


def test_a_read_record_is_the_record_that_was_sent(client):
    record = process_record()
    client.post("/v1/logs/process", json={"records": [record]})
    assert client.get("/v1/logs/process").json()["records"] == [record]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-11-21T21:00:00"}, "until"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_query_parameters_are_refused_by_name(client, params, field):
    response = client.get("/v1/logs/memory", params=params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == [field]


def test_a_bad_filter_value_is_refused(client):
    response = client.get("/v1/logs/process", params={"action": "stop"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "action"


def test_reading_an_empty_store(client):
    assert client.get("/v1/logs/process").json() == {
        "records": [],
        "total": 0,
        "limit": 100,
        "offset": 0,
        "next_offset": None,
    }


# --- graphs --------------------------------------------------------------------


def test_rendering_graphs_returns_their_names_and_each_can_be_fetched(ten_minutes):
    response = ten_minutes.post("/v1/graphs")
    assert response.status_code == 200
    body = response.json()
    assert body["graphs"] == ["memory-used.png", "kills-per-cycle.png", "cpu-vs-rss.png", "report.html"]
    assert body["summary"]["cycles"] == 10
    assert body["summary"]["kills"] == 5
    for name in body["graphs"]:
        fetched = ten_minutes.get(f"/v1/graphs/{name}")
        assert fetched.status_code == 200, name
        if name.endswith(".png"):
            assert fetched.headers["content-type"] == "image/png"
            assert fetched.content.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert fetched.headers["content-type"].startswith("text/html")
            assert "memory-used.png" in fetched.text
    assert ten_minutes.get("/v1/graphs").json() == {"graphs": body["graphs"]}


def test_graphs_draw_the_last_24_hours_unless_the_request_says_otherwise(ten_minutes):
    default = ten_minutes.post("/v1/graphs").json()["summary"]
    assert default["window_seconds"] == 86400
    assert default["window_start"] == "2026-11-20T21:09:00.000Z"  # 24 h before the newest record
    assert ten_minutes.post("/v1/graphs", json={}).json()["summary"] == default  # what the enforcer sends

    # The last three minutes up to the newest record (21:09): 21:06, 21:07, 21:08, 21:09.
    short = ten_minutes.post("/v1/graphs", json={"window_seconds": 180}).json()["summary"]
    assert (short["window_seconds"], short["window_start"]) == (180, "2026-11-21T21:06:00.000Z")
    assert (short["memory_records"], short["process_records"], short["cycles"]) == (4, 4, 4)
    assert short["first"] == "2026-11-21T21:06:00.000Z"
    page = ten_minutes.get("/v1/graphs/report.html").text
    assert "the last 3 min of the logs" in page


def test_the_default_window_is_a_setting_of_the_app(store_dir):
    with TestClient(create_app(store_dir, graph_window_seconds=120)) as c:
        c.post("/v1/logs/memory", json={"records": [memory_record(timestamp=minute(m), cycle=m) for m in range(10)]})
        summary = c.post("/v1/graphs").json()["summary"]
    assert (summary["window_seconds"], summary["memory_records"]) == (120, 3)


@pytest.mark.parametrize("body", [{"window_seconds": 5}, {"window_seconds": "86400"}, {"window_seconds": 1.5},
                                  {"window": 600}, [600]])
def test_a_bad_window_is_refused_naming_the_field(client, body):
    response = client.post("/v1/graphs", json=body)
    assert response.status_code == 422
    assert not (client.app.state.store.graphs_dir / "report.html").exists()


def test_a_record_older_than_the_retention_is_acknowledged_as_expired(store_dir):
    with TestClient(create_app(store_dir, retention_days=3)) as c:
        old, new = memory_record(timestamp="2026-11-01T00:00:00.000Z"), memory_record()
        assert c.post("/v1/logs/memory", json={"records": [old, new]}).json() == {
            "stored": 1, "duplicates": 0, "expired": 1}
        assert c.post("/v1/logs/memory", json={"records": [new]}).json() == {"stored": 0, "duplicates": 1}


def test_graphs_render_from_an_empty_store(client):
    assert client.post("/v1/graphs").json()["summary"]["memory_records"] == 0
    assert client.get("/v1/graphs/memory-used.png").status_code == 200


def test_a_graph_not_rendered_yet_is_not_found(client):
    assert client.get("/v1/graphs").json() == {"graphs": []}
    response = client.get("/v1/graphs/report.html")
    assert response.status_code == 404
    assert "POST /v1/graphs" in response.json()["detail"]


@pytest.mark.parametrize(
    "name",
    [
        "nope.png",
        "memory.jsonl",
        "..%2Fmemory.jsonl",
        "%2E%2E%2Fmemory.jsonl",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        ".render.lock",
        "%2Fetc%2Fpasswd",
    ],
)
def test_only_graph_names_are_served(client, store_dir, name):
    client.post("/v1/logs/memory", json={"records": [memory_record()]})
    client.post("/v1/graphs")
    response = client.get(f"/v1/graphs/{name}")
    assert response.status_code == 404
    assert b"used_kb" not in response.content and b"root:" not in response.content


def test_a_traversal_path_never_reaches_the_store(client):
    client.post("/v1/logs/memory", json={"records": [memory_record()]})
    client.post("/v1/graphs")
    assert client.get("/v1/graphs/../memory.jsonl").status_code == 404


# --- health and the API description ------------------------------------------------


def test_health_reports_the_store_and_its_counts(client, store_dir):
    client.post("/v1/logs/memory", json={"records": [memory_record(), memory_record()]})
    assert client.get("/healthz").json() == {
        "status": "ok",
        "store": str(store_dir),
        "records": {"memory": 2, "process": 0},
    }


def test_the_openapi_document_describes_the_versioned_api(client):
    doc = client.get("/openapi.json").json()
    assert doc["info"]["title"] == "Corral log collector"
    assert {"/v1/logs/memory", "/v1/logs/process", "/v1/graphs", "/v1/graphs/{name}", "/healthz"} <= set(doc["paths"])
    assert set(doc["paths"]["/v1/logs/memory"]) == {"get", "post"}
    schemas = doc["components"]["schemas"]
    assert "class" in schemas["ProcessRecord"]["properties"]
    assert set(schemas["ProcessRecord"]["required"]) >= {"id", "timestamp", "class", "action", "reason"}
