"""The charts, drawn from stored records to PNG files.

Each function takes the records it needs and a path, and writes one PNG of a
fixed pixel size (FIGSIZE x DPI). They use matplotlib's object API with the
Agg canvas, never pyplot's global state, so renders in different threads do
not share a figure. No records is not an error: the chart says so instead.

Records come as columns (`memory_columns`, `process_columns`: a few numpy
arrays, tens of bytes a record, built while the store streams the window) or
as plain dicts, which are turned into columns first.

Whatever the window holds, a chart stays readable: up to a few times more
points than it has pixels it draws every record; beyond, it aggregates into
time buckets of a round width (a band from the minimum to the maximum with the
mean for lines, bars summed per bucket) and draws the CPU-against-RSS
scatter as density (a 2-D histogram per decision) instead of overdrawn dots.
"""

from __future__ import annotations

import math
import os
from array import array
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

import matplotlib
import numpy

matplotlib.use("Agg")

from matplotlib import dates as mdates  # noqa: E402  (after the backend choice)
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from .models import format_timestamp  # noqa: E402

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
#: Above this many cycles, kills-per-cycle bars each sum several cycles (or a
#: time bucket, when the records have timestamps).
MAX_BARS = 150
#: Up to this many kill cycles the memory chart labels each with its counts;
#: up to MAX_KILL_MARKS it marks them on the line; beyond, along the bottom.
MAX_KILL_LABELS = 30
MAX_KILL_MARKS = 200
#: Above this many memory records the memory line is drawn per time bucket
#: (about one bucket per four pixels: at most MAX_BUCKETS).
MAX_LINE_POINTS = 1200
MAX_BUCKETS = 300
#: Above this many process records the CPU-against-RSS chart shows density.
MAX_SCATTER_POINTS = 5000
#: Cells of the density chart across (RSS) and up (CPU): big enough to see a small cluster.
DENSITY_BINS = (64, 40)
#: Bucket widths, in seconds, that read as round times.
NICE_SECONDS = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400,
                2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)
NAN = float("nan")


# --- columns ---------------------------------------------------------------------


class MemoryColumns(NamedTuple):
    """Memory records as arrays (NaN where a record lacks the figure)."""

    t: numpy.ndarray  # ms since the epoch
    cycle: numpy.ndarray
    used_kb: numpy.ndarray
    total_kb: numpy.ndarray
    used_percent: numpy.ndarray

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.t)


class ProcessColumns(NamedTuple):
    """Process records as arrays; class and action as codes into the names."""

    t: numpy.ndarray  # ms since the epoch
    cycle: numpy.ndarray
    rss_kb: numpy.ndarray
    cpu_percent: numpy.ndarray
    klass: numpy.ndarray  # index into class_names, -1 without one
    action: numpy.ndarray  # index into action_names, -1 without one
    class_names: Tuple[str, ...]
    action_names: Tuple[str, ...]

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.t)

    def code(self, kind: str, name: str) -> int:
        names = self.class_names if kind == "class" else self.action_names
        return names.index(name) if name in names else -2  # -2 matches nothing


def stamp_ms(text: object) -> float:
    """Milliseconds since the epoch of an RFC 3339 timestamp; NaN if it is not one."""
    if not isinstance(text, str):
        return NAN
    try:
        instant = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return NAN
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return float((instant - _EPOCH) // _MS)


def ms_stamp(ms: float) -> str:
    """The record-shaped timestamp of `ms` since the epoch."""
    return format_timestamp(_EPOCH + timedelta(milliseconds=int(round(ms))))


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return NAN
    return float(value)


def _integer(value: object) -> float:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else NAN


def _floats(values: array) -> numpy.ndarray:
    return numpy.frombuffer(values, dtype=numpy.float64) if len(values) else numpy.zeros(0)


def memory_columns(records: Iterable[dict]) -> MemoryColumns:
    """The columns of memory records, read in one pass (records may stream)."""
    if isinstance(records, MemoryColumns):
        return records
    t, cycle, used, total, percent = (array("d") for _ in range(5))
    for r in records:
        t.append(stamp_ms(r.get("timestamp")))
        cycle.append(_integer(r.get("cycle")))
        used.append(_integer(r.get("used_kb")))
        total.append(_integer(r.get("total_kb")))
        percent.append(_number(r.get("used_percent")))
    return MemoryColumns(*(_floats(a) for a in (t, cycle, used, total, percent)))


def process_columns(records: Iterable[dict]) -> ProcessColumns:
    """The columns of process records, read in one pass (records may stream)."""
    if isinstance(records, ProcessColumns):
        return records
    t, cycle, rss, cpu = (array("d") for _ in range(4))
    klass, action = array("b"), array("b")
    class_codes: Dict[str, int] = {"high": 0, "low": 1}
    action_codes: Dict[str, int] = {"kill": 0, "keep": 1}

    def code(codes: Dict[str, int], value: object) -> int:
        if not isinstance(value, str):
            return -1
        found = codes.get(value)
        if found is None:
            if len(codes) >= 100:  # a hand-edited file full of odd values: lump the rest
                return -1
            found = codes[value] = len(codes)
        return found

    for r in records:
        t.append(stamp_ms(r.get("timestamp")))
        cycle.append(_integer(r.get("cycle")))
        rss.append(_integer(r.get("rss_kb")))
        cpu.append(_number(r.get("cpu_percent")))
        klass.append(code(class_codes, r.get("class")))
        action.append(code(action_codes, r.get("action")))
    return ProcessColumns(
        *(_floats(a) for a in (t, cycle, rss, cpu)),
        numpy.frombuffer(klass, dtype=numpy.int8) if len(klass) else numpy.zeros(0, dtype=numpy.int8),
        numpy.frombuffer(action, dtype=numpy.int8) if len(action) else numpy.zeros(0, dtype=numpy.int8),
        tuple(class_codes),
        tuple(action_codes),
    )


MemoryInput = Union[MemoryColumns, Iterable[dict]]
ProcessInput = Union[ProcessColumns, Iterable[dict]]


# --- buckets ---------------------------------------------------------------------


def bucket_seconds(span_seconds: float, max_buckets: int) -> int:
    """The roundest width that cuts `span_seconds` into at most `max_buckets`."""
    for width in NICE_SECONDS:
        if span_seconds / width <= max_buckets:
            return width
    return int(math.ceil(span_seconds / max_buckets / 86400)) * 86400


def width_words(seconds: int) -> str:
    """A bucket width in words: '5 min', '3 h', '1 day'."""
    if seconds % 86400 == 0:
        days = seconds // 86400
        return "day" if days == 1 else f"{days} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


class Buckets(NamedTuple):
    """Per-bucket reductions over a time series; NaN for empty buckets."""

    start_ms: float  # start of the first bucket
    width_ms: float
    count: numpy.ndarray
    minimum: numpy.ndarray
    mean: numpy.ndarray
    maximum: numpy.ndarray

    def centres(self) -> numpy.ndarray:
        return self.start_ms + (numpy.arange(len(self.count)) + 0.5) * self.width_ms


def bucketize(t_ms: numpy.ndarray, values: numpy.ndarray, width_seconds: int,
              start_ms: Optional[float] = None, end_ms: Optional[float] = None) -> Buckets:
    """Count, minimum, mean and maximum of `values` per time bucket of
    `width_seconds`, buckets aligned to round clock times (UTC)."""
    width = width_seconds * 1000.0
    lo = float(numpy.min(t_ms)) if start_ms is None else start_ms
    hi = float(numpy.max(t_ms)) if end_ms is None else end_ms
    first = math.floor(lo / width) * width
    n = int((hi - first) // width) + 1
    index = ((t_ms - first) // width).astype(numpy.int64)
    keep = (index >= 0) & (index < n)
    index, values = index[keep], values[keep]
    count = numpy.bincount(index, minlength=n).astype(numpy.float64)
    minimum = numpy.full(n, NAN)
    maximum = numpy.full(n, NAN)
    mean = numpy.full(n, NAN)
    if len(index):
        order = numpy.argsort(index, kind="stable")
        index, values = index[order], values[order]
        starts = numpy.flatnonzero(numpy.r_[True, index[1:] != index[:-1]])
        present = index[starts]
        minimum[present] = numpy.minimum.reduceat(values, starts)
        maximum[present] = numpy.maximum.reduceat(values, starts)
        mean[present] = numpy.add.reduceat(values, starts) / count[present]
    return Buckets(first, width, count, minimum, mean, maximum)


def _dates(t_ms: numpy.ndarray) -> numpy.ndarray:
    """matplotlib date numbers for ms since the epoch."""
    return mdates.date2num(numpy.asarray(numpy.round(t_ms), dtype=numpy.int64).astype("datetime64[ms]"))


# --- drawing helpers ---------------------------------------------------------------


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


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))
    ax.set_xlabel("time (UTC)")


# --- the charts ----------------------------------------------------------------------


def kill_events(process: ProcessInput) -> List[Tuple[datetime, int, Dict[str, int]]]:
    """Per cycle with kills: its first kill's time, the cycle and the kills by class."""
    p = process_columns(process)
    kill = p.code("action", "kill")
    rows = numpy.flatnonzero((p.action == kill) & ~numpy.isnan(p.t) & ~numpy.isnan(p.cycle) & (p.klass >= 0))
    by_cycle: Dict[int, Tuple[float, Dict[str, int]]] = {}
    for i in rows:
        c = int(p.cycle[i])
        first, counts = by_cycle.get(c, (p.t[i], defaultdict(int)))
        counts[p.class_names[p.klass[i]]] += 1
        by_cycle[c] = (min(first, p.t[i]), counts)
    return sorted((_EPOCH + timedelta(milliseconds=float(t)), c, dict(n)) for c, (t, n) in by_cycle.items())


def memory_used(memory: MemoryInput, process: ProcessInput, path: Path) -> None:
    """Host memory in use over time, with the cycles that killed containers marked."""
    m = memory_columns(memory)
    ok = ~(numpy.isnan(m.t) | numpy.isnan(m.used_kb) | numpy.isnan(m.total_kb))
    if not ok.any():
        fig, ax = _figure("Host memory in use, with kill events")
        _no_data(ax, "memory records")
        _save(fig, path)
        return
    order = numpy.argsort(m.t[ok], kind="stable")
    t, used_kb, total_kb = m.t[ok][order], m.used_kb[ok][order], m.total_kb[ok][order]
    if len(t) > MAX_LINE_POINTS:
        _memory_used_buckets(t, used_kb, total_kb, process_columns(process), path)
        return
    fig, ax = _figure("Host memory in use, with kill events")
    divisor, unit = _memory_unit(float(total_kb.max()))
    times = _dates(t)
    used = used_kb / divisor
    total = total_kb / divisor
    ax.fill_between(times, used, color="#5d6d7e", alpha=0.15, linewidth=0)
    ax.plot(times, used, color="#34495e", linewidth=1.8, label="used (total - available)")
    ax.plot(times, total, color="#7f8c8d", linewidth=1.2, linestyle="--", label="total")

    events = kill_events(process)
    if 0 < len(events) <= MAX_KILL_MARKS:
        # One mark per cycle that killed, on the memory line at that moment,
        # sized (and, when there is room, labelled) by how many it killed.
        et = [mdates.date2num(e) for e, _, _ in events]
        ey = numpy.interp(et, times, used)
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
            for x, y, (_, _, n) in zip(et, ey, events):
                ax.annotate(
                    f"{n.get('high', 0)}+{n.get('low', 0)}", (x, y), xytext=(0, 10),
                    textcoords="offset points", ha="center", fontsize=8, color=KILL_COLOUR,
                )
    elif events:
        # Too many to mark on the line without hiding it: a rug of ticks along
        # the bottom, one per cycle that killed (kills-per-cycle has the counts).
        ax.plot(
            [mdates.date2num(e) for e, _, _ in events], [0.015] * len(events), linestyle="none", marker="|",
            markersize=14, color=KILL_COLOUR, alpha=0.5, transform=ax.get_xaxis_transform(), zorder=3,
            label=f"cycle that killed containers ({len(events)}, one tick each)",
        )
    ax.set_ylim(bottom=0, top=float(total.max()) * 1.08)
    ax.set_ylabel(f"memory ({unit})")
    _date_axis(ax)
    ax.legend(loc="lower right", framealpha=0.9)  # below the line, clear of the kill marks
    _save(fig, path)


def _memory_used_buckets(t: numpy.ndarray, used_kb: numpy.ndarray, total_kb: numpy.ndarray,
                         p: ProcessColumns, path: Path) -> None:
    """The long-window memory chart: per bucket the range and mean of memory
    in use, and below it the containers killed in each bucket, by class."""
    width = bucket_seconds((t[-1] - t[0]) / 1000.0, MAX_BUCKETS)
    words = width_words(width)
    used = bucketize(t, used_kb, width)
    total = bucketize(t, total_kb, width, used.start_ms, t[-1])
    divisor, unit = _memory_unit(float(numpy.nanmax(total.maximum)))
    x = _dates(used.centres())

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax, kills_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax.set_title(f"Host memory in use per {words} (mean, and min to max), with kills", fontsize=14,
                 fontweight="bold")
    ax.grid(True, alpha=0.3)
    ax.fill_between(x, used.minimum / divisor, used.maximum / divisor, color="#5d6d7e", alpha=0.3, linewidth=0,
                    label=f"used: lowest to highest in each {words}")
    ax.plot(x, used.mean / divisor, color="#34495e", linewidth=1.6, label=f"used: mean of each {words}")
    ax.plot(x, total.maximum / divisor, color="#7f8c8d", linewidth=1.2, linestyle="--", label="total")
    ax.set_ylim(bottom=0, top=float(numpy.nanmax(total.maximum)) / divisor * 1.08)
    ax.set_ylabel(f"memory ({unit})")
    ax.legend(loc="lower right", framealpha=0.9)

    kills_ax.grid(True, axis="y", alpha=0.3)
    kill = p.code("action", "kill")
    bottom = numpy.zeros(len(used.count))
    end_ms = used.start_ms + len(used.count) * used.width_ms
    drawn = False
    for klass in ("high", "low"):
        rows = (p.action == kill) & (p.klass == p.code("class", klass)) & ~numpy.isnan(p.t)
        if not rows.any():
            continue
        n = bucketize(p.t[rows], numpy.ones(int(rows.sum())), width, used.start_ms, end_ms - 1).count
        n = n[: len(bottom)]
        kills_ax.bar(x, n, width=width / 86400.0 * 0.9, bottom=bottom, color=CLASS_COLOURS[klass],
                     label=f"{klass} class", linewidth=0)
        bottom = bottom + n
        drawn = True
    if drawn:
        kills_ax.legend(loc="upper right", framealpha=0.9, fontsize=8, ncol=2)
        kills_ax.set_ylim(0, max(1.0, float(bottom.max())) * 1.3)
    else:
        kills_ax.text(0.5, 0.5, "no containers killed", ha="center", va="center", color="grey",
                      transform=kills_ax.transAxes)
    kills_ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=3))
    kills_ax.set_ylabel(f"killed per {words}")
    half = width / 86400.0 / 2
    kills_ax.set_xlim(x[0] - half, x[-1] + half)
    _date_axis(kills_ax)
    _save(fig, path)


def _nice_cycles(span: int) -> int:
    """1, 2, 5, 10, 20, 50 ... at least `span`."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= span:
                return step * m
        step *= 10


def kills_per_cycle(process: ProcessInput, path: Path) -> None:
    """Containers killed in each cycle, stacked by class; on long runs summed
    per time bucket (or per run of cycles, without timestamps)."""
    p = process_columns(process)
    fig, ax = _figure("Containers killed per cycle, by class")
    has = ~numpy.isnan(p.cycle) & (p.action >= 0) & (p.klass >= 0)
    if not has.any():
        _no_data(ax, "process records")
        _save(fig, path)
        return
    cycles = p.cycle[has].astype(numpy.int64)
    first, last = int(cycles.min()), int(cycles.max())
    kill = (p.action == p.code("action", "kill")) & has
    timed = ~numpy.isnan(p.t) & has
    if last - first + 1 > MAX_BARS and timed.all():
        # Long runs (perhaps several enforcer runs, whose cycle numbers restart):
        # bars per round time bucket on a time axis.
        t = p.t[timed]
        width = bucket_seconds((t.max() - t.min()) / 1000.0, MAX_BARS)
        words = width_words(width)
        lo, hi = float(t.min()), float(t.max())
        bottom = None
        for klass in ("high", "low"):
            rows = kill & (p.klass == p.code("class", klass))
            b = bucketize(p.t[rows] if rows.any() else numpy.array([lo]), numpy.ones(max(1, int(rows.sum()))),
                          width, lo, hi)
            n = b.count if rows.any() else numpy.zeros(len(b.count))
            x = _dates(b.centres())
            ax.bar(x, n, width=width / 86400.0 * 0.85, bottom=bottom, color=CLASS_COLOURS[klass],
                   label=f"{klass} class", linewidth=0)
            bottom = n if bottom is None else bottom + n
        ax.set_xlim(x[0] - width / 86400.0 / 2, x[-1] + width / 86400.0 / 2)
        ax.set_title(f"Containers killed per {words}, by class", fontsize=14, fontweight="bold")
        ax.set_ylabel(f"containers killed in {words}")
        _date_axis(ax)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(1.0, float(bottom.max())) * 1.15)
        ax.grid(True, axis="y", alpha=0.3)
        ax.grid(False, axis="x")
        ax.legend(loc="upper right", framealpha=0.9)
        _save(fig, path)
        return
    # Past MAX_BARS cycles one bar each would be thinner than a pixel: each bar
    # then sums a run of `span` consecutive cycles (a round number of them).
    span = 1 if last - first + 1 <= MAX_BARS else _nice_cycles(math.ceil((last - first + 1) / MAX_BARS))
    starts_all = first + (cycles - first) // span * span
    starts = numpy.unique(starts_all)
    position = {int(c): i for i, c in enumerate(starts)}
    high = numpy.zeros(len(starts))
    low = numpy.zeros(len(starts))
    for klass, out in (("high", high), ("low", low)):
        rows = kill[has] & (p.klass[has] == p.code("class", klass))
        for c, k in zip(*numpy.unique(starts_all[rows], return_counts=True)):
            out[position[int(c)]] = k
    # A bar covers cycles start .. start + span - 1: centre it on them.
    centres = starts + (span - 1) / 2
    ax.bar(centres, high, width=0.8 * span, color=CLASS_COLOURS["high"], label="high class")
    ax.bar(centres, low, width=0.8 * span, bottom=high, color=CLASS_COLOURS["low"], label="low class")
    if span > 1:
        ax.set_title(f"Containers killed per {span} cycles, by class", fontsize=14, fontweight="bold")
    ax.set_ylabel("containers killed" if span == 1 else f"containers killed in {span} cycles")
    ax.set_xlabel("enforcer cycle")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=20))
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)  # cycle 259144, not 44 + 2.591e5
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(first - 0.6 * span, int(starts[-1]) + span - 1 + 0.6 * span)
    ax.set_ylim(0, max(1.0, float((high + low).max())) * 1.15)
    ax.grid(True, axis="y", alpha=0.3)
    ax.grid(False, axis="x")
    ax.legend(loc="upper right", framealpha=0.9)
    _save(fig, path)


def cpu_vs_rss(process: ProcessInput, path: Path) -> None:
    """Each ranked container at each cycle: CPU% against RSS, killed versus
    kept; as density when there are too many points to see."""
    p = process_columns(process)
    ok = ~(numpy.isnan(p.rss_kb) | numpy.isnan(p.cpu_percent)) & (p.action >= 0) & (p.klass >= 0)
    if int(ok.sum()) > MAX_SCATTER_POINTS:
        _cpu_vs_rss_density(p, ok, path)
        return
    fig, ax = _figure("CPU against resident memory, per container and cycle")
    if not ok.any():
        _no_data(ax, "process records")
        _save(fig, path)
        return
    divisor, unit = _memory_unit(float(p.rss_kb[ok].max()))
    for action in ("kill", "keep"):  # kept drawn last, on top: there are fewer of them
        colour, verb = ACTION_STYLE[action]
        for klass in ("high", "low"):
            pts = ok & (p.action == p.code("action", action)) & (p.klass == p.code("class", klass))
            if not pts.any():
                continue
            ax.scatter(
                p.rss_kb[pts] / divisor, p.cpu_percent[pts],
                marker=CLASS_MARKERS[klass], s=46, color=colour, alpha=0.6,
                edgecolors="white", linewidths=0.5, label=f"{verb}, {klass} class",
            )
    rss = p.rss_kb[ok & (p.rss_kb > 0)] / divisor
    scale = ""
    if len(rss) and rss.max() / rss.min() > 100:
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


def _cpu_vs_rss_density(p: ProcessColumns, ok: numpy.ndarray, path: Path) -> None:
    """Side by side, killed and kept: how many container-cycles fell in each
    cell of CPU against RSS (a 2-D histogram, colour on a log scale)."""
    divisor, unit = _memory_unit(float(p.rss_kb[ok].max()))
    rss = p.rss_kb / divisor
    positive = ok & (p.rss_kb > 0)
    log_x = bool(positive.any()) and rss[positive].max() / rss[positive].min() > 100
    if log_x:
        ok = positive
        x_edges = numpy.geomspace(rss[ok].min() * 0.95, rss[ok].max() * 1.05, DENSITY_BINS[0] + 1)
    else:
        x_edges = numpy.linspace(0, rss[ok].max() * 1.05 or 1.0, DENSITY_BINS[0] + 1)
    y_top = float(p.cpu_percent[ok].max()) * 1.05 or 1.0
    y_edges = numpy.linspace(0, y_top, DENSITY_BINS[1] + 1)

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    fig.suptitle(f"CPU against resident memory: density of {int(ok.sum()):,} container-cycles",
                 fontsize=14, fontweight="bold")
    hists = {}
    for action in ("kill", "keep"):
        rows = ok & (p.action == p.code("action", action))
        hists[action] = numpy.histogram2d(rss[rows], p.cpu_percent[rows], bins=(x_edges, y_edges))[0]
    peak = max(1.0, max(float(h.max()) for h in hists.values()))
    for ax, action, cmap in zip(axes, ("kill", "keep"), ("Reds", "Greens")):
        _, verb = ACTION_STYLE[action]
        counts = hists[action]
        rows = ok & (p.action == p.code("action", action))
        by_class = ", ".join(
            f"{k} {int((rows & (p.klass == p.code('class', k))).sum()):,}" for k in ("high", "low")
        )
        ax.set_title(f"{verb}: {int(rows.sum()):,} ({by_class})", fontsize=12)
        if counts.sum():
            mesh = ax.pcolormesh(x_edges, y_edges, numpy.ma.masked_equal(counts.T, 0), cmap=cmap,
                                 norm=LogNorm(vmin=1, vmax=peak), shading="flat")
            fig.colorbar(mesh, ax=ax, label="container-cycles in the cell", pad=0.01)
        else:
            ax.text(0.5, 0.5, f"none {verb}", ha="center", va="center", color="grey", transform=ax.transAxes)
        ax.grid(True, alpha=0.3)
        if log_x:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel(f"resident set size, RSS ({unit}{', log scale' if log_x else ''})")
    axes[0].set_ylabel("CPU (% of one core)")
    axes[0].set_xlim(x_edges[0], x_edges[-1])
    axes[0].set_ylim(0, y_top)
    _save(fig, path)
