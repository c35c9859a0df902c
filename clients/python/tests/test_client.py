"""corral-client against a real control plane and agent (the host's dockerd)."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx
import pytest

from corral_client import (
    ActualState,
    BadRequest,
    Client,
    Conflict,
    CorralConnectionError,
    JobFailed,
    JobState,
    NodeState,
    NotFound,
    PublishedPort,
    QueueFull,
    Unauthorized,
)


def wait_for_node(client: Client, node: str) -> None:
    deadline = time.monotonic() + 30
    while not any(n.id == node and n.state == NodeState.READY for n in client.nodes.list()):
        assert time.monotonic() < deadline, "the agent's node never came up"
        time.sleep(0.1)


def test_a_container_created_runs_and_is_listed_stopped_and_deleted(service) -> None:
    with Client(service.url, service.token) as corral:
        wait_for_node(corral, service.node)
        accepted = corral.containers.create("corral/low-idle", name="sdk-web", labels={"app": "sdk"}, node_labels={"zone": "eu"})
        assert accepted.state == JobState.RECEIVED
        job = corral.jobs.wait(accepted, timeout=60)
        assert job.state == JobState.SUCCEEDED and job.node == service.node
        container = corral.containers.get("sdk-web")
        assert container.actual == ActualState.RUNNING and container.spec.labels == {"app": "sdk"}
        assert [c.name for c in corral.containers.list(labels={"app": "sdk"})] == ["sdk-web"]
        assert [c.name for c in corral.containers.list(state="running", node=service.node)] == ["sdk-web"]
        docker = subprocess.run(["docker", "ps", "-q", "--filter", f"label=corral.container={accepted.container_id}"],
                                capture_output=True, text=True, check=True, timeout=60)
        assert len(docker.stdout.split()) == 1

        corral.jobs.wait(corral.containers.stop("sdk-web"), timeout=60)
        assert corral.containers.get(accepted.container_id).actual == ActualState.STOPPED
        corral.jobs.wait(corral.containers.delete(accepted.container_id), timeout=60)
        with pytest.raises(NotFound) as missing:
            corral.containers.get(accepted.container_id)
        assert missing.value.status == 404 and "no container" in missing.value.message


def test_every_create_carries_an_idempotency_key_and_the_same_key_gives_the_same_job(service) -> None:
    sent = []

    def record(request: httpx.Request) -> None:
        sent.append(request.headers.get("Idempotency-Key"))

    with Client(service.url, service.token) as corral:
        corral._http.event_hooks["request"] = [record]
        first = corral.containers.create("corral/low-idle", idempotency_key="sdk-key-1")
        again = corral.containers.create("corral/low-idle", idempotency_key="sdk-key-1")
        # The same job (its state may have moved on meanwhile).
        assert (again.job_id, again.container_id) == (first.job_id, first.container_id)
        with pytest.raises(Conflict) as conflict:
            corral.containers.create("corral/low-tick", idempotency_key="sdk-key-1")
        assert conflict.value.code == "idempotency_conflict"
        other = corral.containers.create("corral/low-idle")
        assert other.job_id != first.job_id
        assert sent[-1] and sent[-1] != "sdk-key-1", "a key of its own by default"
        for accepted in (first, other):
            corral.jobs.wait(accepted, timeout=60)
            corral.jobs.wait(corral.containers.delete(accepted.container_id), timeout=60)


def test_errors_carry_the_servers_status_and_message(service) -> None:
    with Client(service.url, service.token) as corral:
        with pytest.raises(BadRequest) as bad:
            corral.containers.create("has spaces")
        assert bad.value.status == 422 and "image must be" in bad.value.message
        with pytest.raises(NotFound):
            corral.jobs.get("no-such-job")
        with pytest.raises(JobFailed) as failed:
            corral.jobs.wait(corral.containers.create("nowhere/no-such-image"), timeout=60)
        assert "No such image" in str(failed.value.reason)
        with pytest.raises(BadRequest) as docker_ports:
            corral.containers.create("corral/low-idle", runtime="docker", ports=["18080:80"])
        assert "runtime native" in docker_ports.value.message
        with pytest.raises(BadRequest) as bad_port:
            corral.containers.create("corral/low-idle", ports=[PublishedPort(70000, 80)])
        assert "ports[0]: host_port must be from 1 to 65535" in bad_port.value.message
    with Client(service.url, "wrong") as anonymous:
        with pytest.raises(Unauthorized) as denied:
            anonymous.nodes.list()
        assert denied.value.status == 401


def test_the_admin_chooses_between_two_agents(service) -> None:
    with Client(service.url, service.token) as corral:
        wait_for_node(corral, service.node)
        wait_for_node(corral, service.other)
        # Spread: four creates land two on each node.
        spread = [corral.containers.create("corral/low-idle", labels={"test": "choose"}) for _ in range(4)]
        nodes = [corral.jobs.wait(job, timeout=90).node for job in spread]
        assert sorted(nodes) == sorted([service.node, service.node, service.other, service.other])
        # A node label chooses: zone=us is only the other agent.
        chosen = corral.jobs.wait(corral.containers.create("corral/low-idle", node_labels={"zone": "us"}), timeout=90)
        assert chosen.node == service.other
        for job in spread + [chosen]:
            corral.jobs.wait(corral.containers.delete(job.container_id), timeout=60)


def test_nodes_list_and_drain(service) -> None:
    with Client(service.url, service.token) as corral:
        wait_for_node(corral, service.node)
        assert corral.nodes.drain(service.node).state == NodeState.DRAINING
        assert corral.nodes.drain(service.node, enabled=False).state == NodeState.READY
        node = next(n for n in corral.nodes.list() if n.id == service.node)
        assert node.capacity.containers == 100 and node.capacity.memory_bytes > 0


def test_429_is_retried_with_back_off_then_raised_with_the_hint(service) -> None:
    # The fixture's queue holds 3 jobs; the nodes drained, creates pile up.
    with Client(service.url, service.token, retries=2, backoff=0.05) as corral:
        wait_for_node(corral, service.node)
        wait_for_node(corral, service.other)
        corral.nodes.drain(service.node)
        corral.nodes.drain(service.other)
        accepted = []
        try:
            with pytest.raises(QueueFull) as full:
                for _ in range(10):
                    accepted.append(corral.containers.create("corral/low-idle"))
            assert full.value.status == 429 and full.value.retry_after == 1.0
            assert len(accepted) == 3
        finally:
            corral.nodes.drain(service.node, enabled=False)
            corral.nodes.drain(service.other, enabled=False)
            for job in accepted:
                corral.jobs.wait(job, timeout=90)
                corral.jobs.wait(corral.containers.delete(job.container_id), timeout=60)


def test_published_ports_are_written_as_on_the_command_line() -> None:
    assert PublishedPort.parse("8080:80") == PublishedPort(8080, 80, "tcp")
    assert PublishedPort.parse("127.0.0.1:2222:22/udp") == PublishedPort(2222, 22, "udp", "127.0.0.1")
    assert PublishedPort.parse("127.0.0.1:2222:22").to_json() == {
        "host_port": 2222, "container_port": 22, "protocol": "tcp", "host_address": "127.0.0.1"}
    with pytest.raises(ValueError, match="HOSTPORT:PORT"):
        PublishedPort.parse("80")


def test_connection_errors_are_retried_then_raised() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    started = time.monotonic()
    with Client(f"http://127.0.0.1:{port}", "t", retries=3, backoff=0.05) as corral:
        with pytest.raises(CorralConnectionError) as unreachable:
            corral.nodes.list()
    assert f"127.0.0.1:{port}" in str(unreachable.value)
    assert time.monotonic() - started >= 0.05 * (1 + 2 + 4), "it backed off between the tries"
