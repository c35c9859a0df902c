"""The report: every chart plus one HTML page that shows them with a summary.

`render_all` reads a window of the store (by default the last 24 h up to the
newest record, touching only the files of the days it overlaps, as compact
columns rather than records), draws each chart into `<store>/graphs/`
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
from datetime import timedelta
from typing import Callable, Dict, List, NamedTuple, Optional

import numpy

from . import charts
from .charts import MemoryColumns, MemoryInput, ProcessColumns, ProcessInput, memory_columns, ms_stamp, process_columns
from .models import DEFAULT_WINDOW_SECONDS, GraphsRendered, Summary, format_timestamp, parse_timestamp
from .store import LogStore, Stream, exclusive_lock


class Chart(NamedTuple):
    name: str
    alt: str
    caption: str
    draw: Callable[[MemoryColumns, ProcessColumns, Path], None]


CHARTS: List[Chart] = [
    Chart(
        "memory-used.png",
        "Chart: host memory in use over time, with kill events",
        "Host memory in use (total minus available) over time. Each cycle that killed containers "
        "is marked on the line, sized and labelled high+low by how many it killed; on long runs, "
        "by a tick along the bottom instead. On long windows the line becomes a band per time "
        "bucket (lowest to highest, with the mean) above bars of the containers killed in each bucket.",
        lambda memory, process, path: charts.memory_used(memory, process, path),
    ),
    Chart(
        "kills-per-cycle.png",
        "Chart: containers killed per cycle, by class",
        "Containers killed at each enforcer cycle, stacked by consumption class; on long runs "
        "each bar sums a time bucket (or a run of cycles), as its title says.",
        lambda memory, process, path: charts.kills_per_cycle(process, path),
    ),
    Chart(
        "cpu-vs-rss.png",
        "Chart: CPU against resident memory, killed versus kept",
        "Every ranked container at every cycle: its CPU use against its resident memory, "
        "killed in red and kept in green; triangles are high class, circles low class. With more "
        "points than can be told apart, killed and kept are drawn side by side as density: "
        "the darker a cell, the more container-cycles fell in it.",
        lambda memory, process, path: charts.cpu_vs_rss(process, path),
    ),
]
REPORT = "report.html"

#: Every name GET /v1/graphs/{name} may serve, with its media type.
GRAPH_NAMES: Dict[str, str] = {**{c.name: "image/png" for c in CHARTS}, REPORT: "text/html; charset=utf-8"}

_render_mutex = threading.Lock()


def summarize(memory: MemoryInput, process: ProcessInput, window_seconds: Optional[int] = None,
              window_start: Optional[str] = None) -> Summary:
    """The figures in the report's table."""
    m, p = memory_columns(memory), process_columns(process)
    cycles = numpy.unique(numpy.concatenate([m.cycle, p.cycle]))
    cycles = cycles[~numpy.isnan(cycles)]
    kills = p.action == p.code("action", "kill")
    by_class = {"high": 0, "low": 0}
    for code, n in zip(*numpy.unique(p.klass[kills], return_counts=True)):
        name = p.class_names[code] if code >= 0 else "unknown"
        by_class[name] = by_class.get(name, 0) + int(n)
    usable = numpy.flatnonzero(~numpy.isnan(m.used_kb) & ~numpy.isnan(m.t))
    peak = None
    if len(usable):
        ordered = usable[numpy.argsort(m.t[usable], kind="stable")]
        peak = int(ordered[int(numpy.argmax(m.used_kb[ordered]))])  # the first time memory got that high
    stamps = numpy.concatenate([m.t, p.t])
    stamps = stamps[~numpy.isnan(stamps)]
    percent = float(m.used_percent[peak]) if peak is not None and not numpy.isnan(m.used_percent[peak]) else None
    return Summary(
        cycles=len(cycles),
        memory_records=len(m),
        process_records=len(p),
        kills=int(kills.sum()),
        kills_by_class=by_class,
        keeps=int((p.action == p.code("action", "keep")).sum()),
        peak_used_kb=int(m.used_kb[peak]) if peak is not None else None,
        peak_used_percent=percent,
        peak_at=ms_stamp(m.t[peak]) if peak is not None else None,
        first=ms_stamp(stamps.min()) if len(stamps) else None,
        last=ms_stamp(stamps.max()) if len(stamps) else None,
        window_seconds=window_seconds,
        window_start=window_start,
    )


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        return "24 h" if seconds == 86400 else f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


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
    rows = []
    if summary.window_seconds:
        since = f", from {summary.window_start}" if summary.window_start else ""
        rows.append(("Window", f"the last {_duration(summary.window_seconds)} of the logs{since}"))
    rows += [
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


def window_start(store: LogStore, window_seconds: int) -> Optional[str]:
    """The first timestamp of the window of `window_seconds` that ends at the
    store's newest record (None for an empty store)."""
    newest = store.newest_timestamp()
    if newest is None:
        return None
    try:
        end = parse_timestamp(newest)
    except ValueError:
        return None
    return format_timestamp(end - timedelta(seconds=window_seconds))


def render_all(store: LogStore, window_seconds: int = DEFAULT_WINDOW_SECONDS) -> GraphsRendered:
    """Draws every chart and the report from the records of the last
    `window_seconds` up to the newest one."""
    out = store.graphs_dir
    out.mkdir(parents=True, exist_ok=True)
    with _render_mutex, exclusive_lock(out / ".render.lock"):
        since = window_start(store, window_seconds)
        # Streamed into columns: a record is a dict only while it is read.
        memory = memory_columns(store.iter_records(Stream.MEMORY, since=since))
        process = process_columns(store.iter_records(Stream.PROCESS, since=since))
        for chart in CHARTS:
            chart.draw(memory, process, out / chart.name)
        summary = summarize(memory, process, window_seconds, since)
        _write_text(out / REPORT, report_html(summary, format_timestamp(datetime.now(timezone.utc))))
    return GraphsRendered(graphs=[c.name for c in CHARTS] + [REPORT], summary=summary)
