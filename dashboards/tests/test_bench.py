"""The bench's simulated month: records shaped as the enforcer sends them, in
the store's own layout (the bench itself is run by hand or by a bench row:
python3 -m collector.bench)."""

from collections import Counter
from datetime import datetime, timezone

from collector import bench
from collector._compat import parse
from collector.models import MemoryRecord, ProcessRecord
from collector.store import LogStore, Stream


def test_a_simulated_day_is_valid_records_in_day_files(tmp_path):
    info = bench.generate(tmp_path, 1, datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc))
    assert info["cycles"] == 8640
    store = LogStore(tmp_path, retention_days=0)
    memory, process = store.records(Stream.MEMORY), store.records(Stream.PROCESS)
    assert len(memory) == 8640 and len(process) == info["process_records"]
    for record in memory[:50]:
        parse(MemoryRecord, record)
    for record in process[:200]:
        parse(ProcessRecord, record)
    # 10 new containers every 30 s: cycles rank 15, 5, 5 in turn; 5 kept each time.
    per_cycle = Counter(r["cycle"] for r in process)
    assert [per_cycle[c] for c in range(1, 8)] == [10, 5, 5, 15, 5, 5, 15]
    assert Counter(per_cycle.values()) == {15: 2879, 5: 5760, 10: 1}
    kept = Counter(r["cycle"] for r in process if r["action"] == "keep")
    assert set(kept.values()) == {5}
    assert {p.name for p in tmp_path.glob("*.jsonl")} == {
        "memory-2026-11-21.jsonl", "memory-2026-11-22.jsonl", "process-2026-11-21.jsonl", "process-2026-11-22.jsonl"}
    # The store's fast id path reads every line the bench writes.
    assert len(store._streams[Stream.PROCESS].day_index("2026-11-21", repair=False).ids) == sum(
        1 for r in process if r["timestamp"].startswith("2026-11-21"))
