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


def test_a_day_of_cycles_is_drawn_in_summed_bars_and_a_rug_of_kills(tmp_path):
    memory, process = long_run(8640)
    charts.kills_per_cycle(process, tmp_path / "kills.png")
    charts.memory_used(memory, process, tmp_path / "memory.png")
    for name in ("kills.png", "memory.png"):
        assert png_size((tmp_path / name).read_bytes()) == charts.PIXELS
