"""The report: every chart plus one HTML page that shows them with a summary.

`render_all` reads the whole store, draws each chart into `<store>/graphs/`
and writes `report.html` beside them; the page refers to the PNGs by their
bare names, so it reads the same opened from that folder or served by the API
under /v1/graphs/. Renders are serialised (a thread lock and a flock), and each
file is replaced whole, so a reader never sees a half-drawn chart.
"""

from __future__ import annotations

import html
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Sequence

from . import charts
from .models import GraphsRendered, Summary, format_timestamp
from .store import LogStore, Stream, exclusive_lock


class Chart(NamedTuple):
    name: str
    alt: str
    caption: str
    draw: Callable[[Sequence[dict], Sequence[dict], Path], None]


CHARTS: List[Chart] = [
    Chart(
        "memory-used.png",
        "Chart: host memory in use over time, with kill events",
        "Host memory in use (total minus available) over time. Each cycle that killed containers "
        "is marked on the line, sized and labelled high+low by how many it killed; on long runs, "
        "by a tick along the bottom instead.",
        lambda memory, process, path: charts.memory_used(memory, process, path),
    ),
    Chart(
        "kills-per-cycle.png",
        "Chart: containers killed per cycle, by class",
        "Containers killed at each enforcer cycle, stacked by consumption class; on long runs "
        "each bar sums a run of cycles, as its title says.",
        lambda memory, process, path: charts.kills_per_cycle(process, path),
    ),
    Chart(
        "cpu-vs-rss.png",
        "Chart: CPU against resident memory, killed versus kept",
        "Every ranked container at every cycle: its CPU use against its resident memory, "
        "killed in red and kept in green; triangles are high class, circles low class.",
        lambda memory, process, path: charts.cpu_vs_rss(process, path),
    ),
]
REPORT = "report.html"

#: Every name GET /v1/graphs/{name} may serve, with its media type.
GRAPH_NAMES: Dict[str, str] = {**{c.name: "image/png" for c in CHARTS}, REPORT: "text/html; charset=utf-8"}

_render_mutex = threading.Lock()


def summarize(memory: Sequence[dict], process: Sequence[dict]) -> Summary:
    """The figures in the report's table."""
    cycles = {r["cycle"] for r in (*memory, *process) if isinstance(r.get("cycle"), int)}
    kills = [r for r in process if r.get("action") == "kill"]
    by_class = {"high": 0, "low": 0}
    for r in kills:
        by_class[r.get("class", "unknown")] = by_class.get(r.get("class", "unknown"), 0) + 1
    usable = [r for r in memory if isinstance(r.get("used_kb"), int) and "timestamp" in r]
    peak = None
    for r in sorted(usable, key=lambda r: r["timestamp"]):
        if peak is None or r["used_kb"] > peak["used_kb"]:  # the first time memory got that high
            peak = r
    stamps = sorted(r["timestamp"] for r in (*memory, *process) if isinstance(r.get("timestamp"), str))
    return Summary(
        cycles=len(cycles),
        memory_records=len(memory),
        process_records=len(process),
        kills=len(kills),
        kills_by_class=by_class,
        keeps=sum(1 for r in process if r.get("action") == "keep"),
        peak_used_kb=peak["used_kb"] if peak else None,
        peak_used_percent=peak.get("used_percent") if peak else None,
        peak_at=peak["timestamp"] if peak else None,
        first=stamps[0] if stamps else None,
        last=stamps[-1] if stamps else None,
    )


def _kib(kb: int) -> str:
    if kb >= 1024 * 1024:
        return f"{kb / 1024 / 1024:.2f} GiB"
    return f"{kb / 1024:.1f} MiB"


def report_html(summary: Summary, generated_at: str) -> str:
    """The page: a summary table, then each chart with its caption."""
    e = html.escape
    peak = "none yet"
    if summary.peak_used_kb is not None:
        percent = f" ({summary.peak_used_percent:.1f} %)" if summary.peak_used_percent is not None else ""
        peak = f"{_kib(summary.peak_used_kb)}{percent} at {summary.peak_at}"
    span = f"{summary.first} to {summary.last}" if summary.first else "no records yet"
    classes = ", ".join(f"{k} {v}" for k, v in sorted(summary.kills_by_class.items()))
    rows = [
        ("Period (UTC)", span),
        ("Cycles", f"{summary.cycles}"),
        ("Records", f"{summary.memory_records} memory, {summary.process_records} process"),
        ("Containers killed", f"{summary.kills} ({classes})"),
        ("Keep decisions", f"{summary.keeps} (one per container per cycle it survived)"),
        ("Peak memory in use", peak),
    ]
    table = "\n".join(f"      <tr><th scope=\"row\">{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    figures = "\n".join(
        f"""    <figure>
      <img src="{e(c.name)}" width="{charts.PIXELS[0]}" height="{charts.PIXELS[1]}" alt="{e(c.alt)}">
      <figcaption>{e(c.caption)}</figcaption>
    </figure>"""
        for c in CHARTS
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Corral report</title>
  <style>
    body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1240px; padding: 0 1rem; color: #1c2833; }}
    h1 {{ margin-bottom: 0.2rem; }}
    .generated {{ color: #5d6d7e; margin-top: 0; }}
    table {{ border-collapse: collapse; margin: 1.5rem 0; }}
    th, td {{ text-align: left; padding: 0.4rem 1rem; border-bottom: 1px solid #d5d8dc; }}
    th {{ color: #5d6d7e; font-weight: 600; }}
    figure {{ margin: 2rem 0; }}
    img {{ max-width: 100%; height: auto; border: 1px solid #d5d8dc; }}
    figcaption {{ color: #5d6d7e; margin-top: 0.4rem; }}
  </style>
</head>
<body>
  <h1>Corral report</h1>
  <p class="generated">Generated {e(generated_at)} from the collector's logs.</p>
  <table>
    <tbody>
{table}
    </tbody>
  </table>
{figures}
</body>
</html>
"""


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_all(store: LogStore) -> GraphsRendered:
    """Draws every chart and the report from everything stored."""
    out = store.graphs_dir
    out.mkdir(parents=True, exist_ok=True)
    with _render_mutex, exclusive_lock(out / ".render.lock"):
        memory = store.records(Stream.MEMORY)
        process = store.records(Stream.PROCESS)
        for chart in CHARTS:
            chart.draw(memory, process, out / chart.name)
        summary = summarize(memory, process)
        _write_text(out / REPORT, report_html(summary, format_timestamp(datetime.now(timezone.utc))))
    return GraphsRendered(graphs=[c.name for c in CHARTS] + [REPORT], summary=summary)
