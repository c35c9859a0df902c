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
    def __init__(self, state: pathlib.Path, node: str) -> None:
        self.state = state
        self.node = node
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


@pytest.fixture(scope="session")
def service() -> Iterator[Service]:
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"no corral binary at {BINARY}: run 'swift build' (or set CORRAL_BINARY)")
    node = "sdk-" + uuid.uuid4().hex[:8]
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
                agent = subprocess.Popen(
                    [BINARY, "agent", "--config", "/dev/null", "--control", (state / "subscribe.url").read_text().strip(),
                     "--token-file", str(state / "agent.token"), "--node-id", node, "--state", str(root / "agent")],
                    stdout=agent_log, stderr=subprocess.STDOUT)
                processes.append(agent)
                yield Service(state, node)
            finally:
                for process in reversed(processes):
                    _stop(process)
                # Whatever a failed test left on the engine, by this node's label.
                left = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=corral.node={node}"], capture_output=True, text=True)
                for container in left.stdout.split():
                    subprocess.run(["docker", "rm", "-f", container], capture_output=True)
