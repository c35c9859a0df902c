"""A corral control and one agent of their own, on loopback, for the SDK's tests."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import tempfile
import time
import uuid
from typing import Iterator, List

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
BINARY = os.environ.get("CORRAL_BINARY", str(ROOT / ".build" / "debug" / "corral"))


class Service:
    """A control plane and two agents: `node` (labelled zone=eu) and
    `other` (zone=us)."""

    def __init__(self, state: pathlib.Path, node: str, other: str) -> None:
        self.state = state
        self.node = node
        self.other = other
        self.url = (state / "admin.url").read_text().strip()
        self.token = (state / "admin.token").read_text().strip()


def _wait_for(path: pathlib.Path, process: "subprocess.Popen[bytes]", log: pathlib.Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{path.name} never appeared: " + log.read_text())
        time.sleep(0.05)


def _stop(process: "subprocess.Popen[bytes]") -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def remove_containers_of(nodes: List[str]) -> None:
    """Whatever the tests left on the engine, by these nodes' label. Four at
    a time: dockerd 20.10 has been seen to lose containers' exit events (and
    hang every later call on them) under 16 concurrent `rm -f` of hundreds;
    a bound on the time turns such a hang into a failure, not a stuck run."""
    for node in nodes:
        left = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=corral.node={node}"], capture_output=True, text=True,
                              timeout=60)
        if left.stdout.split():
            subprocess.run(["xargs", "-r", "-P", "4", "-n", "8", "docker", "rm", "-f"], input=left.stdout, capture_output=True,
                           text=True, timeout=600, check=True)


class Replicas:
    """Two control-plane replicas on one PostgreSQL database, and two agents
    given both replicas' URLs."""

    def __init__(self, states: List[pathlib.Path], nodes: List[str]) -> None:
        self.urls = [(state / "admin.url").read_text().strip() for state in states]
        self.token = (states[0] / "admin.token").read_text().strip()
        self.nodes = nodes


def _psql(database: str, statement: str) -> None:
    subprocess.run(["psql", database, "-v", "ON_ERROR_STOP=1", "-qc", statement], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def replicas() -> Iterator[Replicas]:
    server = os.environ.get("CORRAL_TEST_POSTGRES")
    if not server:
        pytest.fail("CORRAL_TEST_POSTGRES is not set: run under scripts/tests/with-postgres.sh (make control-test does)")
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"no corral binary at {BINARY}: run 'swift build' (or set CORRAL_BINARY)")
    run = uuid.uuid4().hex[:8]
    database = f"corral_sdk_{run}"
    _psql(f"{server}/postgres", f"CREATE DATABASE {database}")
    nodes = [f"load-{run}-a", f"load-{run}-b"]
    processes: List["subprocess.Popen[bytes]"] = []
    try:
        with tempfile.TemporaryDirectory(prefix="corral-sdk-load-") as directory:
            root = pathlib.Path(directory)
            states = [root / "control-a", root / "control-b"]
            with open(root / "processes.log", "wb") as log:
                try:
                    for state in states:
                        control = subprocess.Popen(
                            [BINARY, "control", "--config", "/dev/null", "--state", str(state), "--admin-listen", "127.0.0.1:0",
                             "--subscribe-listen", "127.0.0.1:0", "--store", f"{server}/{database}?sslmode=disable",
                             "--placement-timeout", "30"],
                            stdout=log, stderr=subprocess.STDOUT)
                        processes.append(control)
                        _wait_for(state / "subscribe.url", control, root / "processes.log")
                        _wait_for(state / "admin.url", control, root / "processes.log")
                    subscribe = ",".join((state / "subscribe.url").read_text().strip() for state in states)
                    for node in nodes:
                        processes.append(subprocess.Popen(
                            [BINARY, "agent", "--config", "/dev/null", "--control", subscribe, "--token-file",
                             str(states[0] / "agent.token"), "--node-id", node, "--state", str(root / f"agent-{node}"),
                             "--max-containers", "50", "--workers", "8"],
                            stdout=log, stderr=subprocess.STDOUT))
                    yield Replicas(states, nodes)
                finally:
                    for process in reversed(processes):
                        _stop(process)
                    remove_containers_of(nodes)
    finally:
        _psql(f"{server}/postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


@pytest.fixture(scope="session")
def service() -> Iterator[Service]:
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"no corral binary at {BINARY}: run 'swift build' (or set CORRAL_BINARY)")
    node = "sdk-" + uuid.uuid4().hex[:8]
    other = node + "-b"
    with tempfile.TemporaryDirectory(prefix="corral-sdk-") as directory:
        root = pathlib.Path(directory)
        state = root / "control"
        processes: List["subprocess.Popen[bytes]"] = []
        with open(root / "control.log", "wb") as control_log, open(root / "agent.log", "wb") as agent_log:
            try:
                control = subprocess.Popen(
                    [BINARY, "control", "--config", "/dev/null", "--state", str(state), "--admin-listen", "127.0.0.1:0",
                     "--subscribe-listen", "127.0.0.1:0", "--queue-limit", "3"],
                    stdout=control_log, stderr=subprocess.STDOUT)
                processes.append(control)
                _wait_for(state / "subscribe.url", control, root / "control.log")
                _wait_for(state / "admin.url", control, root / "control.log")
                for name, zone in ((node, "eu"), (other, "us")):
                    processes.append(subprocess.Popen(
                        [BINARY, "agent", "--config", "/dev/null", "--control", (state / "subscribe.url").read_text().strip(),
                         "--token-file", str(state / "agent.token"), "--node-id", name, "--state", str(root / f"agent-{name}"),
                         "--label", f"zone={zone}"],
                        stdout=agent_log, stderr=subprocess.STDOUT))
                yield Service(state, node, other)
            finally:
                for process in reversed(processes):
                    _stop(process)
                remove_containers_of([node, other])
