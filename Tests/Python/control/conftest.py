"""A `corral control` of its own for each test session, on loopback."""

import os
import pathlib
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
BINARY = os.environ.get("CORRAL_BINARY", str(ROOT / ".build" / "debug" / "corral"))


class Control:
    def __init__(self, state: pathlib.Path, process: subprocess.Popen):
        self.state = state
        self.process = process
        self.admin = (state / "admin.url").read_text().strip()
        self.token = (state / "admin.token").read_text().strip()

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="session")
def control():
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"no corral binary at {BINARY}: run 'swift build' (or set CORRAL_BINARY)")
    with tempfile.TemporaryDirectory(prefix="corral-control-") as directory:
        state = pathlib.Path(directory) / "state"
        log = open(pathlib.Path(directory) / "control.log", "w")
        process = subprocess.Popen(
            [BINARY, "control", "--config", "/dev/null", "--state", str(state), "--admin-listen", "127.0.0.1:0", "--subscribe-listen", "127.0.0.1:0"],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while not (state / "admin.url").exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("corral control did not start: " + (pathlib.Path(directory) / "control.log").read_text())
                time.sleep(0.05)
            yield Control(state, process)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
