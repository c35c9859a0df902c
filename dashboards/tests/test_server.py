"""The service as it runs: `python3 -m collector` under uvicorn with two
worker processes on 127.0.0.1, configured by environment variables."""

import json
import signal
import subprocess
import sys
import threading

import httpx
import pytest
from conftest import DASHBOARDS, memory_record, process_record, stored_lines

from collector.__main__ import DEFAULT_HOST, DEFAULT_PORT, parse_args


def test_twenty_concurrent_clients_each_sending_100_records_are_stored_exactly_once(server):
    writers, per_writer, batch = 20, 100, 10
    sent = [[process_record(cycle=n, pid=w + 1) for n in range(per_writer)] for w in range(writers)]
    barrier = threading.Barrier(writers)
    acks, failures = [], []

    def send(records):
        try:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                barrier.wait()
                for i in range(0, per_writer, batch):
                    body = {"records": records[i : i + batch]}
                    for _ in range(2):  # every batch is retried once
                        response = http.post("/v1/logs/process", json=body)
                        response.raise_for_status()
                        acks.append(response.json())
        except Exception as e:  # reported below, with the server's output
            failures.append(repr(e))

    threads = [threading.Thread(target=send, args=(r,)) for r in sent]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [], server.output()

    assert sum(a["stored"] for a in acks) == writers * per_writer
    assert sum(a["duplicates"] for a in acks) == writers * per_writer
    lines = stored_lines(server.store, "process")
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == len(set(ids)) == writers * per_writer
    assert set(ids) == {r["id"] for records in sent for r in records}
    # Both workers see everything, whichever one answers.
    for _ in range(4):
        assert httpx.get(server.url + "/healthz").json()["records"]["process"] == writers * per_writer


def test_the_served_api_stores_reads_and_draws(server):
    records = [memory_record(cycle=c, timestamp=f"2026-11-21T21:07:{c:02d}.000Z") for c in range(5)]
    assert httpx.post(server.url + "/v1/logs/memory", json={"records": records}).json() == {
        "stored": 5,
        "duplicates": 0,
    }
    page = httpx.get(server.url + "/v1/logs/memory", params={"limit": 2, "offset": 2}).json()
    assert [r["cycle"] for r in page["records"]] == [2, 3] and page["next_offset"] == 4
    names = httpx.post(server.url + "/v1/graphs", timeout=60).json()["graphs"]
    assert "report.html" in names
    png = httpx.get(server.url + "/v1/graphs/memory-used.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert (server.store / "graphs" / "memory-used.png").is_file()
    assert httpx.get(server.url + "/openapi.json").json()["info"]["title"] == "Corral log collector"


def test_the_health_check_command_answers_for_a_running_collector(server):
    port = server.url.rsplit(":", 1)[1]
    check = subprocess.run(
        [sys.executable, "-m", "collector", "--check", "--port", port],
        cwd=str(DASHBOARDS), capture_output=True, timeout=30,
    )
    assert check.returncode == 0, check.stderr.decode()


def test_the_collector_stops_cleanly_on_sigterm(server):
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=20) == 0, server.output()


def test_the_health_check_fails_when_nothing_listens():
    from conftest import free_port

    check = subprocess.run(
        [sys.executable, "-m", "collector", "--check", "--port", str(free_port())],
        cwd=str(DASHBOARDS), capture_output=True, timeout=30,
    )
    assert check.returncode == 1
    assert b"no healthy answer" in check.stderr


def test_defaults_are_loopback_9410_and_the_container_store(monkeypatch):
    for name in ["HOST", "PORT", "STORE", "WORKERS", "LOG_LEVEL", "RETENTION_DAYS", "MAX_FILE_MIB",
                 "GRAPH_WINDOW_SECONDS"]:
        monkeypatch.delenv(f"CORRAL_COLLECTOR_{name}", raising=False)
    args = parse_args([])
    assert (args.host, args.port, args.store, args.workers) == (DEFAULT_HOST, DEFAULT_PORT, "/var/lib/corral/logs", 1)
    assert (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 9410)
    # Thirty days kept, in files of at most 64 MiB; graphs of the last 24 h.
    assert (args.retention_days, args.max_file_mib, args.graph_window) == (30, 64, 86400)


def test_the_store_and_window_settings_come_from_the_environment(monkeypatch):
    from collector.app import settings_from_env

    monkeypatch.setenv("CORRAL_COLLECTOR_RETENTION_DAYS", "7")
    monkeypatch.setenv("CORRAL_COLLECTOR_MAX_FILE_MIB", "16")
    monkeypatch.setenv("CORRAL_COLLECTOR_GRAPH_WINDOW_SECONDS", "3600")
    args = parse_args([])
    assert (args.retention_days, args.max_file_mib, args.graph_window) == (7, 16, 3600)
    assert parse_args(["--graph-window", "600"]).graph_window == 600
    # What each uvicorn worker reads.
    assert settings_from_env() == {"retention_days": 7, "max_file_bytes": 16 * 1024 * 1024,
                                   "graph_window_seconds": 3600}
    monkeypatch.setenv("CORRAL_COLLECTOR_GRAPH_WINDOW_SECONDS", "ten")
    with pytest.raises(ValueError, match="CORRAL_COLLECTOR_GRAPH_WINDOW_SECONDS"):
        settings_from_env()


def test_environment_variables_configure_and_arguments_override(monkeypatch):
    monkeypatch.setenv("CORRAL_COLLECTOR_PORT", "9555")
    monkeypatch.setenv("CORRAL_COLLECTOR_STORE", "/tmp/x")
    assert (parse_args([]).port, parse_args([]).store) == (9555, "/tmp/x")
    assert parse_args(["--port", "9600"]).port == 9600


@pytest.mark.parametrize("argv", [["--port", "0"], ["--port", "70000"], ["--port", "http"], ["--workers", "0"],
                                  ["--retention-days", "-1"], ["--max-file-mib", "0"], ["--graph-window", "10"],
                                  ["--graph-window", "day"]])
def test_bad_options_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2


def test_a_store_that_cannot_be_created_stops_the_collector_with_its_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = subprocess.run(
        [sys.executable, "-m", "collector", "--store", str(blocker / "logs"), "--port", "9"],
        cwd=str(DASHBOARDS), capture_output=True, timeout=30,
    )
    assert run.returncode == 1
    assert str(blocker) in run.stderr.decode()
