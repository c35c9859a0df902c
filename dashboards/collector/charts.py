"""The charts, drawn from stored records (plain dicts) to PNG files.

Each function takes the records it needs and a path, and writes one PNG of a
fixed pixel size (FIGSIZE x DPI). They use matplotlib's object API with the
Agg canvas, never pyplot's global state, so renders in different threads do
not share a figure. No records is not an error: the chart says so instead.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

import matplotlib
import numpy

matplotlib.use("Agg")

from matplotlib import dates as mdates  # noqa: E402  (after the backend choice)
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from .models import parse_timestamp  # noqa: E402

#: Every chart is FIGSIZE inches at DPI dots per inch: 1200 x 600 pixels.
FIGSIZE = (12.0, 6.0)
DPI = 100
PIXELS = (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI))

CLASS_COLOURS = {"high": "#c0392b", "low": "#2471a3"}
ACTION_STYLE = {
    # action: (colour, label)
    "kill": ("#c0392b", "killed"),
    "keep": ("#1e8449", "kept"),
}
CLASS_MARKERS = {"high": "^", "low": "o"}
KILL_COLOUR = "#c0392b"
#: Above this many cycles, kills-per-cycle bars each sum several cycles.
MAX_BARS = 150
#: Up to this many kill cycles the memory chart labels each with its counts;
#: up to MAX_KILL_MARKS it marks them on the line; beyond, along the bottom.
MAX_KILL_LABELS = 30
MAX_KILL_MARKS = 200


def _figure(title: str) -> Tuple[Figure, "matplotlib.axes.Axes"]:
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=14, fontweight="bold")
    ax.grid(True, alpha=0.3)
    return fig, ax


def _no_data(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} stored yet", ha="center", va="center", fontsize=14, color="grey",
            transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _save(fig: Figure, path: Path) -> None:
    """Writes the PNG beside its final name, then renames: readers never see half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fig.savefig(tmp, format="png", dpi=DPI)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _memory_unit(max_kb: float) -> Tuple[float, str]:
    """Divisor and name that keep memory figures readable."""
    if max_kb >= 4 * 1024 * 1024:
        return 1024.0 * 1024.0, "GiB"
    return 1024.0, "MiB"


def _rows(records: Iterable[dict], *keys: str) -> List[dict]:
    """The records that carry `keys` (a hand-edited file may hold others)."""
    return [r for r in records if all(k in r for k in keys)]


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))
    ax.set_xlabel("time (UTC)")


def kill_events(process: Sequence[dict]) -> List[Tuple[datetime, int, Dict[str, int]]]:
    """Per cycle with kills: its first kill's time, the cycle and the kills by class."""
    by_cycle: Dict[int, Tuple[str, Dict[str, int]]] = {}
    for r in _rows(process, "timestamp", "cycle", "action", "class"):
        if r["action"] != "kill":
            continue
        first, counts = by_cycle.get(r["cycle"], (r["timestamp"], defaultdict(int)))
        counts[r["class"]] += 1
        by_cycle[r["cycle"]] = (min(first, r["timestamp"]), counts)
    return sorted((parse_timestamp(t), c, dict(n)) for c, (t, n) in by_cycle.items())


def memory_used(memory: Sequence[dict], process: Sequence[dict], path: Path) -> None:
    """Host memory in use over time, with the cycles that killed containers marked."""
    fig, ax = _figure("Host memory in use, with kill events")
    rows = sorted(_rows(memory, "timestamp", "used_kb", "total_kb"), key=lambda r: r["timestamp"])
    if not rows:
        _no_data(ax, "memory records")
        _save(fig, path)
        return
    divisor, unit = _memory_unit(max(r["total_kb"] for r in rows))
    times = [parse_timestamp(r["timestamp"]) for r in rows]
    used = [r["used_kb"] / divisor for r in rows]
    total = [r["total_kb"] / divisor for r in rows]
    ax.fill_between(times, used, color="#5d6d7e", alpha=0.15, linewidth=0)
    ax.plot(times, used, color="#34495e", linewidth=1.8, label="used (total - available)")
    ax.plot(times, total, color="#7f8c8d", linewidth=1.2, linestyle="--", label="total")

    events = kill_events(process)
    if 0 < len(events) <= MAX_KILL_MARKS:
        # One mark per cycle that killed, on the memory line at that moment,
        # sized (and, when there is room, labelled) by how many it killed.
        x = [mdates.date2num(t) for t in times]
        et = [t for t, _, _ in events]
        ey = numpy.interp([mdates.date2num(t) for t in et], x, used)
        counts = [sum(n.values()) for _, _, n in events]
        ax.vlines(et, 0, 1, transform=ax.get_xaxis_transform(), color=KILL_COLOUR, alpha=0.18,
                  linewidth=1, zorder=1)
        labelled = len(events) <= MAX_KILL_LABELS
        ax.scatter(
            et, ey, s=[50 + 18 * n for n in counts], marker="v", color=KILL_COLOUR,
            edgecolors="white", linewidths=0.8, zorder=3,
            label="cycle that killed containers" + (" (number = how many: high + low)" if labelled else
                                                     " (size = how many)"),
        )
        if labelled:
            for t, y, (_, _, n) in zip(et, ey, events):
                ax.annotate(
                    f"{n.get('high', 0)}+{n.get('low', 0)}", (t, y), xytext=(0, 10),
                    textcoords="offset points", ha="center", fontsize=8, color=KILL_COLOUR,
                )
    elif events:
        # Too many to mark on the line without hiding it: a rug of ticks along
        # the bottom, one per cycle that killed (kills-per-cycle has the counts).
        ax.plot(
            [t for t, _, _ in events], [0.015] * len(events), linestyle="none", marker="|", markersize=14,
            color=KILL_COLOUR, alpha=0.5, transform=ax.get_xaxis_transform(), zorder=3,
            label=f"cycle that killed containers ({len(events)}, one tick each)",
        )
    ax.set_ylim(bottom=0, top=max(total) * 1.08)
    ax.set_ylabel(f"memory ({unit})")
    _date_axis(ax)
    ax.legend(loc="center right", framealpha=0.9)
    _save(fig, path)


def kills_per_cycle(process: Sequence[dict], path: Path) -> None:
    """Containers killed in each cycle, stacked by class."""
    fig, ax = _figure("Containers killed per cycle, by class")
    rows = _rows(process, "cycle", "action", "class")
    if not rows:
        _no_data(ax, "process records")
        _save(fig, path)
        return
    cycles = [r["cycle"] for r in rows]
    first, last = min(cycles), max(cycles)
    # Past MAX_BARS cycles one bar each would be thinner than a pixel: each bar
    # then sums a run of `span` consecutive cycles.
    span = max(1, math.ceil((last - first + 1) / MAX_BARS))
    kills = {k: defaultdict(int) for k in ("high", "low")}
    for r in rows:
        if r["action"] == "kill" and r["class"] in kills:
            kills[r["class"]][first + (r["cycle"] - first) // span * span] += 1
    starts = sorted({first + (c - first) // span * span for c in cycles})
    high = [kills["high"][c] for c in starts]
    low = [kills["low"][c] for c in starts]
    # A bar covers cycles start .. start + span - 1: centre it on them.
    centres = [c + (span - 1) / 2 for c in starts]
    ax.bar(centres, high, width=0.8 * span, color=CLASS_COLOURS["high"], label="high class")
    ax.bar(centres, low, width=0.8 * span, bottom=high, color=CLASS_COLOURS["low"], label="low class")
    if span > 1:
        ax.set_title(f"Containers killed per {span} cycles, by class", fontsize=14, fontweight="bold")
    ax.set_ylabel("containers killed" if span == 1 else f"containers killed in {span} cycles")
    ax.set_xlabel("enforcer cycle")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=20))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(first - 0.6 * span, starts[-1] + span - 1 + 0.6 * span)
    ax.set_ylim(0, max(1, max(h + lo for h, lo in zip(high, low))) * 1.15)
    ax.grid(True, axis="y", alpha=0.3)
    ax.grid(False, axis="x")
    ax.legend(loc="upper right", framealpha=0.9)
    _save(fig, path)


def cpu_vs_rss(process: Sequence[dict], path: Path) -> None:
    """Each ranked container at each cycle: CPU% against RSS, killed versus kept."""
    fig, ax = _figure("CPU against resident memory, per container and cycle")
    rows = _rows(process, "rss_kb", "cpu_percent", "action", "class")
    if not rows:
        _no_data(ax, "process records")
        _save(fig, path)
        return
    divisor, unit = _memory_unit(max(r["rss_kb"] for r in rows))
    for action in ("kill", "keep"):  # kept drawn last, on top: there are fewer of them
        colour, verb = ACTION_STYLE[action]
        for klass in ("high", "low"):
            pts = [r for r in rows if r["action"] == action and r["class"] == klass]
            if not pts:
                continue
            ax.scatter(
                [r["rss_kb"] / divisor for r in pts], [r["cpu_percent"] for r in pts],
                marker=CLASS_MARKERS[klass], s=46, color=colour, alpha=0.6,
                edgecolors="white", linewidths=0.5, label=f"{verb}, {klass} class",
            )
    rss = [r["rss_kb"] / divisor for r in rows if r["rss_kb"] > 0]
    scale = ""
    if rss and max(rss) / min(rss) > 100:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        scale = ", log scale"
    else:
        ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"resident set size, RSS ({unit}{scale})")
    ax.set_ylabel("CPU (% of one core)")
    ax.legend(loc="upper right", framealpha=0.9)
    _save(fig, path)
