"""Shared fixtures: a real application on a temporary store, record makers, the
fixed log set, and a real uvicorn server on 127.0.0.1."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

DASHBOARDS = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The package under test is the one beside these tests, wherever pytest runs from.
sys.path.insert(0, str(DASHBOARDS))

from fastapi.testclient import TestClient  # noqa: E402

from collector import store as store_module  # noqa: E402
from collector.app import create_app  # noqa: E402

#: The day the tests live on: the fixed records (2026-11-21) are a day old,
#: well within the default retention, whatever the machine's clock says.
TODAY = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch):
    """The store dates its retention by this clock; tests move it with `.now`."""

    class Clock:
        now = TODAY

    clock = Clock()
    monkeypatch.setattr(store_module, "utc_now", lambda: clock.now)
    return clock


def memory_record(**changes):
    record = {
        "id": str(uuid.uuid4()),
        "timestamp": "2026-11-21T21:07:15.123Z",
        "cycle": 7,
        "total_kb": 8_000_000,
        "free_kb": 1_000_000,
        "available_kb": 3_000_000,
        "used_kb": 5_000_000,
        "used_percent": 62.5,
    }
    record.update(changes)
    return record


def process_record(**changes):
    record = {
        "id": str(uuid.uuid4()),
        "timestamp": "2026-11-21T21:07:15.124Z",
        "cycle": 7,
        "container_id": "3f" * 32,
        "name": "corral-high-cpu-001",
        "image": "corral/high-cpu",
        "class": "high",
        "pid": 4242,
        "vsz_kb": 12_000,
        "rss_kb": 8_000,
        "mem_percent": 0.1,
        "cpu_percent": 187.25,
        "action": "kill",
        "reason": "killed: over the high-class quota (rank 3)",
        "created_at": 1795294158.452,
        "class_source": "label",
    }
    record.update(changes)
    return record


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "logs"


@pytest.fixture
def client(store_dir):
    with TestClient(create_app(store_dir)) as c:
        yield c


@pytest.fixture
def fixture_store(tmp_path):
    """A store directory holding the fixed log set (tests/fixtures)."""
    root = tmp_path / "fixture-logs"
    root.mkdir()
    for name in ("memory.jsonl", "process.jsonl"):
        # In the layout from before rotation: the store splits them into day files.
        shutil.copy(FIXTURES / name, root / name)
    return root


def segment_files(root, stream):
    """A stream's files, in order (by day, then number), found by name."""
    pattern = re.compile(rf"{stream}-(\d{{4}}-\d{{2}}-\d{{2}})(?:\.(\d+))?\.jsonl")
    found = []
    if not Path(root).is_dir():
        return []
    for path in Path(root).iterdir():
        m = pattern.fullmatch(path.name)
        if m:
            found.append((m.group(1), int(m.group(2) or 0), path))
    return [path for _, _, path in sorted(found)]


def stored_lines(root, stream):
    """Every whole line of a stream's files, in file order."""
    return [line for path in segment_files(root, stream) for line in path.read_bytes().splitlines()]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, process, url, store, log):
        self.process, self.url, self.store, self.log = process, url, store, log

    def output(self):
        return self.log.read_text(errors="replace")


@pytest.fixture
def server(tmp_path):
    """`python3 -m collector` with two uvicorn workers on 127.0.0.1, configured
    through the environment the way the image is."""
    port = free_port()
    store = tmp_path / "served-logs"
    log = tmp_path / "server.log"
    env = dict(
        os.environ,
        PYTHONPATH=str(DASHBOARDS),
        MPLBACKEND="Agg",
        CORRAL_COLLECTOR_HOST="127.0.0.1",
        CORRAL_COLLECTOR_PORT=str(port),
        CORRAL_COLLECTOR_STORE=str(store),
        CORRAL_COLLECTOR_WORKERS="2",
        CORRAL_COLLECTOR_LOG_LEVEL="warning",
        # A subprocess has the real clock: keep the fixed-date records whatever it says.
        CORRAL_COLLECTOR_RETENTION_DAYS="0",
    )
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "collector"], cwd=str(tmp_path), env=env, stdout=out, stderr=subprocess.STDOUT
        )
    srv = Server(process, f"http://127.0.0.1:{port}", store, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the collector exited with {process.returncode}:\n{srv.output()}")
            try:
                if httpx.get(srv.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the collector did not answer on {srv.url} within 60 s:\n{srv.output()}")
            time.sleep(0.2)
        yield srv
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
