"""The charts and the report, drawn from the fixed log set in tests/fixtures."""

import re
import struct

import pytest

from collector import charts, report
from collector.store import LogStore, Stream

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART_NAMES = ["memory-used.png", "kills-per-cycle.png", "cpu-vs-rss.png"]


def png_size(data):
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def rendered(fixture_store):
    result = report.render_all(LogStore(fixture_store))
    return fixture_store / "graphs", result


def test_every_chart_and_the_report_are_written_to_the_graphs_folder(rendered):
    folder, result = rendered
    assert result.graphs == CHART_NAMES + ["report.html"]
    for name in result.graphs:
        assert (folder / name).is_file(), name
    # Nothing half-written left behind.
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", CHART_NAMES)
def test_each_chart_is_a_png_of_the_fixed_size(rendered, name):
    folder, _ = rendered
    data = (folder / name).read_bytes()
    assert png_size(data) == charts.PIXELS == (1200, 600)
    assert len(data) > 20_000  # drawn, not blank


def test_the_report_shows_every_chart_with_text_for_it(rendered):
    folder, _ = rendered
    page = (folder / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    sources = re.findall(r'<img src="([^"]+)"[^>]* alt="([^"]+)"', page)
    assert [src for src, _ in sources] == CHART_NAMES
    assert all(alt for _, alt in sources)


def test_the_summary_counts_the_fixture(rendered):
    _, result = rendered
    s = result.summary
    assert (s.cycles, s.memory_records, s.process_records) == (40, 40, 335)
    assert (s.kills, s.keeps) == (135, 200)
    assert s.kills_by_class == {"high": 65, "low": 70}
    assert (s.peak_used_kb, s.peak_used_percent, s.peak_at) == (5492331, 65.47, "2026-11-21T20:01:10.330Z")
    assert (s.first, s.last) == ("2026-11-21T20:00:10.269Z", "2026-11-21T20:06:40.295Z")


def test_the_report_table_states_the_summary(rendered):
    folder, _ = rendered
    page = (folder / "report.html").read_text()
    for text in ["Cycles</th><td>40<", "135 (high 65, low 70)", "40 memory, 335 process", "5.24 GiB (65.5 %)"]:
        assert text in page


def test_kill_events_are_one_per_cycle_that_killed(fixture_store):
    store = LogStore(fixture_store)
    events = charts.kill_events(store.records(Stream.PROCESS))
    assert len(events) == 14
    assert sum(sum(n.values()) for _, _, n in events) == 135
    assert [t for t, _, _ in events] == sorted(t for t, _, _ in events)


def test_an_empty_store_still_draws_every_chart(tmp_path):
    result = report.render_all(LogStore(tmp_path))
    for name in CHART_NAMES:
        assert png_size((tmp_path / "graphs" / name).read_bytes()) == charts.PIXELS
    assert "no records yet" in (tmp_path / "graphs" / "report.html").read_text()
    assert result.summary.kills == 0


def test_text_from_the_logs_is_escaped_in_the_report(tmp_path):
    page = report.report_html(
        report.summarize([], [{"cycle": 1, "action": "kill", "class": "<script>"}]), "<now>"
    )
    assert "<script>" not in page and "&lt;script&gt;" in page


def long_run(cycles):
    """`cycles` cycles ten seconds apart, each killing one container of each class."""
    from datetime import datetime, timedelta, timezone

    from collector.models import format_timestamp

    start = datetime(2026, 11, 21, tzinfo=timezone.utc)
    memory, process = [], []
    for c in range(cycles):
        at = format_timestamp(start + timedelta(seconds=10 * c))
        memory.append({"timestamp": at, "cycle": c, "total_kb": 8_000_000, "used_kb": 3_000_000 + c})
        for klass in ("high", "low"):
            process.append({"timestamp": at, "cycle": c, "class": klass, "action": "kill",
                            "rss_kb": 1000 + c, "cpu_percent": 1.0})
    return memory, process


def test_a_day_of_cycles_is_drawn_per_time_bucket(tmp_path, monkeypatch):
    memory, process = long_run(8640)
    drawn = []
    real = charts._memory_used_buckets
    monkeypatch.setattr(charts, "_memory_used_buckets", lambda *a: drawn.append(a) or real(*a))
    charts.kills_per_cycle(process, tmp_path / "kills.png")
    charts.memory_used(memory, process, tmp_path / "memory.png")
    for name in ("kills.png", "memory.png"):
        assert png_size((tmp_path / name).read_bytes()) == charts.PIXELS
    assert len(drawn) == 1  # a band per bucket, not 8640 points


def test_a_short_run_is_drawn_point_by_point(fixture_store, tmp_path, monkeypatch):
    store = LogStore(fixture_store)
    monkeypatch.setattr(charts, "_memory_used_buckets", lambda *a: pytest.fail("aggregated a short run"))
    monkeypatch.setattr(charts, "_cpu_vs_rss_density", lambda *a: pytest.fail("density for a short run"))
    charts.memory_used(store.records(Stream.MEMORY), store.records(Stream.PROCESS), tmp_path / "m.png")
    charts.cpu_vs_rss(store.records(Stream.PROCESS), tmp_path / "c.png")


def test_bucket_widths_are_round_and_bounded():
    assert charts.bucket_seconds(600, 300) == 10
    assert charts.bucket_seconds(86400, 300) == 300  # a day: 5 min buckets, 288 of them
    assert charts.bucket_seconds(30 * 86400, 300) == 3 * 3600
    assert charts.bucket_seconds(5 * 365 * 86400, 300) % 86400 == 0
    assert [charts.width_words(w) for w in (10, 300, 10800, 86400)] == ["10 s", "5 min", "3 h", "day"]


def test_buckets_hold_the_min_mean_and_max_and_leave_gaps_empty():
    import numpy

    # 12:00:00 .. 12:00:50 every 10 s, then nothing until 12:03:00.
    t = numpy.array([0, 10, 20, 30, 40, 50, 180], dtype=float) * 1000 + 29_916_667 * 60_000
    v = numpy.array([5, 1, 9, 2, 2, 8, 7], dtype=float)
    b = charts.bucketize(t, v, 60)
    assert b.start_ms % 60_000 == 0  # aligned to the clock
    assert list(b.count) == [6, 0, 0, 1]
    assert (b.minimum[0], b.mean[0], b.maximum[0]) == (1, 27 / 6, 9)
    assert numpy.isnan(b.mean[1:3]).all() and numpy.isnan(b.minimum[1:3]).all()  # a gap, not a line across it
    assert b.minimum[3] == b.mean[3] == b.maximum[3] == 7


def test_a_million_points_are_drawn_as_density(tmp_path, monkeypatch):
    import random

    rng = random.Random(7)
    process = charts.process_columns(
        {"rss_kb": rng.randrange(500, 900_000), "cpu_percent": rng.random() * 190, "action": rng.choice(["kill", "keep"]),
         "class": rng.choice(["high", "low"]), "cycle": i // 15, "timestamp": "2026-11-21T21:07:15.123Z"}
        for i in range(charts.MAX_SCATTER_POINTS * 4)
    )
    drawn = []
    real = charts._cpu_vs_rss_density
    monkeypatch.setattr(charts, "_cpu_vs_rss_density", lambda *a: drawn.append(a) or real(*a))
    charts.cpu_vs_rss(process, tmp_path / "cpu.png")
    assert drawn and png_size((tmp_path / "cpu.png").read_bytes()) == charts.PIXELS


def test_records_and_columns_draw_the_same_summary(fixture_store):
    store = LogStore(fixture_store)
    memory, process = store.records(Stream.MEMORY), store.records(Stream.PROCESS)
    as_dicts = report.summarize(memory, process)
    as_columns = report.summarize(charts.memory_columns(memory), charts.process_columns(process))
    assert as_dicts == as_columns
