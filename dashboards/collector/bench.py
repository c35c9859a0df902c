"""`python3 -m collector.bench`: the collector on a store of a month.

Writes a store of DAYS simulated days of a deployed host straight into day
files, the way the collector itself lays them out (no HTTP: a month takes
seconds to write, not hours): a cycle every 10 s, each with one memory record
and one process record per ranked container; the generator adds 10 containers
every 30 s, and the cycle after it keeps 5 (the first 2 high-class and the
last 3 low-class by consumption) and kills the rest, so a cycle ranks 15 or 5
containers. Records are shaped as the enforcer sends them (CONTRACTS.md,
"Collector records").

Then it runs `python3 -m collector` on that store on 127.0.0.1 and measures:
how long it takes to answer /healthz, its RSS at rest, a live batch and a
batch resent from the oldest day (it must be all duplicates), and a render of
the graphs the way the enforcer asks at shutdown (POST /v1/graphs with `{}`),
its time and the peak RSS, then the same for the whole month.

Prints one `name=value` line per figure on stdout (progress on stderr) and
exits 1 when a check fails (a resend stored twice, a render that fails).

    python3 -m collector.bench [--days 30] [--store DIR] [--keep] [--port P]

In the image (no network needed; the store goes to a temporary directory):

    docker run --rm --network none corral/collector:latest python3 -m collector.bench
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .models import format_timestamp
from .store import DEFAULT_MAX_FILE_BYTES

CYCLE_SECONDS = 10
TOTAL_KB = 16 * 1024 * 1024
#: image: (class, CPU% range, RSS KiB range)
IMAGES = {
    "corral/high-cpu": ("high", (90.0, 195.0), (4_000, 30_000)),
    "corral/high-ram": ("high", (4.0, 30.0), (200_000, 900_000)),
    "corral/low-idle": ("low", (0.0, 0.8), (500, 2_000)),
    "corral/low-tick": ("low", (0.5, 4.0), (900, 3_000)),
}
MARKER = ".bench-store"


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


class _Files:
    """Appends lines to a stream's day files, rotating as the store does."""

    def __init__(self, root: Path, stream: str, max_bytes: int) -> None:
        self.root, self.stream, self.max_bytes = root, stream, max_bytes
        self.day: Optional[str] = None
        self.number = 0
        self.size = 0
        self.f = None
        self.buffer: List[str] = []

    def write(self, day: str, line: str) -> None:
        if day != self.day:
            self._open(day, 0)
        elif self.size + len(line) > self.max_bytes:
            self._open(day, self.number + 1)
        self.buffer.append(line)
        self.size += len(line)
        if len(self.buffer) >= 4096:
            self._flush()

    def _flush(self) -> None:
        if self.f is not None and self.buffer:
            self.f.write("".join(self.buffer))
        self.buffer = []

    def _open(self, day: str, number: int) -> None:
        self.close()
        suffix = f".{number}" if number else ""
        self.f = open(self.root / f"{self.stream}-{day}{suffix}.jsonl", "w", encoding="utf-8")
        self.day, self.number, self.size = day, number, 0

    def close(self) -> None:
        self._flush()
        if self.f is not None:
            self.f.close()
            self.f = None


def generate(root: Path, days: int, end: datetime, seed: int = 20261201) -> Dict[str, float]:
    """Writes `days` days of cycles ending at `end`; returns what it wrote."""
    rng = random.Random(seed)
    memory = _Files(root, "memory", DEFAULT_MAX_FILE_BYTES)
    process = _Files(root, "process", DEFAULT_MAX_FILE_BYTES)
    cycles = days * 86400 // CYCLE_SECONDS
    start = end - timedelta(seconds=cycles * CYCLE_SECONDS)
    alive: List[dict] = []
    serial = 0
    process_records = 0
    stamps: Dict[int, str] = {}
    for cycle in range(1, cycles + 1):
        at = start + timedelta(seconds=cycle * CYCLE_SECONDS)
        if cycle % 3 == 1:  # the generator's turn: ten new containers
            for _ in range(10):
                serial += 1
                image = rng.choice(sorted(IMAGES))
                klass, cpu, rss = IMAGES[image]
                cid = f"{rng.getrandbits(256):064x}"
                alive.append({
                    "container_id": cid, "name": f"corral-{image.split('/')[1]}-{serial:06d}", "image": image,
                    "class": klass, "pid": 1000 + serial % 60000, "cpu": rng.uniform(*cpu), "rss": rng.randint(*rss),
                })
        # Measure: a little noise around each container's own level.
        for c in alive:
            c["cpu_now"] = max(0.0, c["cpu"] * rng.uniform(0.85, 1.15))
            c["rss_now"] = int(c["rss"] * rng.uniform(0.95, 1.05))
        ranked = sorted(alive, key=lambda c: (-c["cpu_now"], -c["rss_now"]))
        highs = [c for c in ranked if c["class"] == "high"]
        lows = [c for c in ranked if c["class"] == "low"]
        keep = {id(c) for c in highs[:2]} | {id(c) for c in lows[-3:]}
        base_ms = rng.randrange(0, 300)
        ms = base_ms
        lines = []
        for rank, c in enumerate(ranked, 1):
            stamp = format_timestamp(at + timedelta(milliseconds=ms))
            ms += 1
            kept = id(c) in keep
            verb = "kept" if kept else "killed"
            where = (f"among the first 2 high-class (rank {rank})" if c["class"] == "high" and kept else
                     f"among the last 3 low-class (rank {rank})" if kept else
                     f"over the {c['class']}-class quota (rank {rank})")
            lines.append((stamp[:10],
                f'{{"id":"{_uuid(rng)}","timestamp":"{stamp}","cycle":{cycle},"container_id":"{c["container_id"]}",'
                f'"name":"{c["name"]}","image":"{c["image"]}","class":"{c["class"]}","pid":{c["pid"]},'
                f'"vsz_kb":{c["rss_now"] * 3 + 40_000},"rss_kb":{c["rss_now"]},'
                f'"mem_percent":{round(c["rss_now"] / TOTAL_KB * 100, 2)},"cpu_percent":{round(c["cpu_now"], 2)},'
                f'"action":"{"keep" if kept else "kill"}","reason":"{verb}: {where}"}}\n'
            ))
        for day, line in lines:
            process.write(day, line)
        process_records += len(lines)
        alive = [c for c in alive if id(c) in keep]
        # Host memory: a daily swell, noise, and what the kept containers hold.
        hour = (at.hour + at.minute / 60) / 24
        used = int(TOTAL_KB * (0.42 + 0.08 * abs(((hour * 2) % 2) - 1)) + sum(c["rss_now"] for c in alive)
                   + rng.randint(-150_000, 150_000) + (600_000 if cycle % 3 == 1 else 0))
        used = max(0, min(TOTAL_KB, used))
        available = TOTAL_KB - used
        free = max(0, available - rng.randint(500_000, 1_500_000))
        stamp = format_timestamp(at + timedelta(milliseconds=base_ms + 100))
        stamps[cycle] = stamp
        memory.write(stamp[:10], (
            f'{{"id":"{_uuid(rng)}","timestamp":"{stamp}","cycle":{cycle},"total_kb":{TOTAL_KB},'
            f'"free_kb":{free},"available_kb":{available},"used_kb":{used},'
            f'"used_percent":{round(used / TOTAL_KB * 100, 2)}}}\n'
        ))
    memory.close()
    process.close()
    return {"cycles": cycles, "process_records": process_records, "memory_records": cycles}


# --- measuring ----------------------------------------------------------------------


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak(pid: int) -> bool:
    """Resets the process's peak RSS (VmHWM), where the kernel allows it."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _request(url: str, body: Optional[dict] = None, timeout: float = 300) -> Tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as e:
        return e.code, {"detail": e.read().decode(errors="replace")}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m collector.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30, help="simulated days (default %(default)s)")
    parser.add_argument("--store", help="store directory (default: a temporary one, removed afterwards)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the store, and reuse one this bench wrote before instead of writing it again")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    args = parser.parse_args(argv)

    root = Path(args.store) if args.store else Path(tempfile.mkdtemp(prefix="corral-bench-", dir="/var/tmp"))
    root.mkdir(parents=True, exist_ok=True)
    figures: List[Tuple[str, object]] = []

    def figure(name: str, value: object) -> None:
        figures.append((name, value))
        print(f"{name}={value}", flush=True)

    failed = []
    server = None
    try:
        marker = root / MARKER
        if args.keep and marker.is_file() and json.loads(marker.read_text()).get("days") == args.days:
            info = json.loads(marker.read_text())
            _say(f"reusing the store of {args.days} days in {root}")
        else:
            for p in root.glob("*.jsonl"):
                p.unlink()
            _say(f"writing {args.days} days of cycles into {root}")
            started = time.monotonic()
            info = generate(root, args.days, datetime.now(timezone.utc).replace(microsecond=0))
            info["generate_seconds"] = round(time.monotonic() - started, 1)
            info["days"] = args.days
            marker.write_text(json.dumps(info))
        size = sum(p.stat().st_size for p in root.glob("*.jsonl"))
        figure("store_days", args.days)
        figure("store_files", len(list(root.glob("*.jsonl"))))
        figure("store_mib", round(size / 2**20, 1))
        figure("store_process_records", info["process_records"])
        figure("store_memory_records", info["memory_records"])
        if "generate_seconds" in info:
            figure("generate_seconds", info["generate_seconds"])

        port = args.port or _free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent), MPLBACKEND="Agg",
                   CORRAL_COLLECTOR_LOG_LEVEL="warning")
        env.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="corral-bench-mpl-"))
        started = time.monotonic()
        server = subprocess.Popen([sys.executable, "-m", "collector", "--store", str(root), "--port", str(port),
                                   "--host", "127.0.0.1"], env=env)
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the collector exited with {server.returncode}")
            try:
                status, health = _request(url + "/healthz", timeout=5)
                if status == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - started > 300:
                raise RuntimeError("the collector did not answer /healthz within 300 s")
            time.sleep(0.05)
        figure("start_seconds", round(time.monotonic() - started, 2))
        time.sleep(3)
        figure("rss_at_rest_mib", round(_rss_kib(server.pid) / 1024, 1))

        # A live cycle's batch, then a batch resent from the oldest day.
        now = format_timestamp(datetime.now(timezone.utc))
        rng = random.Random(1)
        used = TOTAL_KB // 2
        live = [{"id": _uuid(rng), "timestamp": now, "cycle": info["cycles"] + 1, "total_kb": TOTAL_KB,
                 "free_kb": TOTAL_KB - used - 1_000_000, "available_kb": TOTAL_KB - used, "used_kb": used,
                 "used_percent": 50.0}]
        t0 = time.monotonic()
        status, ack = _request(url + "/v1/logs/memory", {"records": live})
        figure("append_live_ms", round((time.monotonic() - t0) * 1000, 1))
        oldest = sorted(root.glob("process-*.jsonl"))[0]
        with open(oldest) as f:
            resent = [json.loads(next(f)) for _ in range(500)]
        t0 = time.monotonic()
        status, ack = _request(url + "/v1/logs/process", {"records": resent})
        figure("resend_oldest_day_ms", round((time.monotonic() - t0) * 1000, 1))
        figure("resend_oldest_day_duplicates", f"{ack.get('duplicates')}/{len(resent)}")
        if status != 200 or ack.get("stored") != 0 or ack.get("duplicates") != len(resent):
            failed.append(f"the resent batch was answered {status} {ack}")
        figure("rss_after_appends_mib", round(_rss_kib(server.pid) / 1024, 1))

        for label, body in (("render", {}), ("render_month", {"window_seconds": args.days * 86400})):
            reset = _reset_peak(server.pid)
            t0 = time.monotonic()
            status, rendered = _request(url + "/v1/graphs", body, timeout=600)
            figure(f"{label}_seconds", round(time.monotonic() - t0, 2))
            figure(f"{label}_peak_rss_mib" if reset else f"{label}_peak_rss_since_start_mib",
                   round(_rss_kib(server.pid, "VmHWM") / 1024, 1))
            if status != 200:
                failed.append(f"{label}: POST /v1/graphs answered {status}: {rendered}")
                continue
            summary = rendered["summary"]
            figure(f"{label}_process_records", summary["process_records"])
            if label == "render":
                keep_copy = root / "graphs-24h"
                shutil.rmtree(keep_copy, ignore_errors=True)
                shutil.copytree(root / "graphs", keep_copy)
        figure("rss_after_render_mib", round(_rss_kib(server.pid) / 1024, 1))
    except Exception as e:  # reported as a failed figure, the store still cleaned up
        failed.append(str(e))
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.store and not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    for failure in failed:
        _say(f"FAILED: {failure}")
    figure("ok", "false" if failed else "true")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
