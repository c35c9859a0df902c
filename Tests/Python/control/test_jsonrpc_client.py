"""JSON-RPC 2.0 at /jrpc through a stock client from PyPI (jsonrpcclient),
which builds the requests and parses the answers by the specification."""

import requests
from jsonrpcclient import Error, Ok, notification, parse, request


def call(control, payload):
    return requests.post(control.admin + "/jrpc", json=payload, headers=control.headers, timeout=10)


def test_create_and_status_as_the_original_service_answered(control):
    created = parse(call(control, request("ContainerService.Create", params=[{"image": "nginx", "arguments": [], "env": {}}])).json())
    assert isinstance(created, Ok), created
    assert set(created.result) == {"job_id", "message"}
    assert created.result["message"] == "Job created successfully"
    job = created.result["job_id"]

    status = parse(call(control, request("ContainerService.Status", params=[{"job_id": job}])).json())
    assert isinstance(status, Ok), status
    assert status.result == {"status": "received", "job_id": job}

    by_name = parse(call(control, request("ContainerService.Status", params={"job_id": job})).json())
    assert isinstance(by_name, Ok) and by_name.result == status.result


def test_list_stop_delete(control):
    created = parse(call(control, request("ContainerService.Create", params={"image": "corral/low-idle", "name": "rpc-client"})).json())
    assert isinstance(created, Ok), created
    listed = parse(call(control, request("ContainerService.List", params={"labels": {}})).json())
    assert isinstance(listed, Ok)
    names = [c["name"] for c in listed.result["containers"]]
    assert "rpc-client" in names
    container = next(c["id"] for c in listed.result["containers"] if c["name"] == "rpc-client")
    for method in ("ContainerService.Stop", "ContainerService.Delete"):
        answer = parse(call(control, request(method, params=[{"container_id": container}])).json())
        assert isinstance(answer, Ok), answer
        assert set(answer.result) == {"job_id", "message"}


def test_errors_carry_the_specification_codes(control):
    missing = parse(call(control, request("ContainerService.Status", params=[{"job_id": "no-such-job"}])).json())
    assert isinstance(missing, Error) and missing.code == -32001
    unknown = parse(call(control, request("ContainerService.Nothing")).json())
    assert isinstance(unknown, Error) and unknown.code == -32601 and unknown.message == "Method not found"
    bad = parse(call(control, request("ContainerService.Create", params=[{"arguments": []}])).json())
    assert isinstance(bad, Error) and bad.code == -32602 and "image: missing" in str(bad.data)


def test_batches_and_notifications(control):
    batch = [
        request("ContainerService.Create", params=[{"image": "corral/low-idle"}]),
        notification("ContainerService.Create", params=[{"image": "corral/low-idle"}]),
        request("ContainerService.Status", params=[{"job_id": "nope"}]),
    ]
    answers = list(parse(call(control, batch).json()))
    assert len(answers) == 2, "the notification is not answered"
    assert sum(isinstance(a, Ok) for a in answers) == 1
    assert sum(isinstance(a, Error) and a.code == -32001 for a in answers) == 1
    only_notifications = call(control, [notification("ContainerService.List")])
    assert only_notifications.status_code == 204 and only_notifications.content == b""
