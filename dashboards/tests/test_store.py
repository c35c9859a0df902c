"""The JSON Lines store: durable, deduplicated, safe with concurrent writers,
and tolerant of a line torn by a crash."""

import json
import os
import subprocess
import sys
import threading
import uuid

import pytest
from conftest import DASHBOARDS, segment_files

from collector.store import LogStore, StoreError, Stream

DAY = "2026-11-21"


def rec(**extra):
    return {"id": str(uuid.uuid4()), "timestamp": "2026-11-21T21:07:15.123Z", **extra}


def lines(path):
    return path.read_bytes().split(b"\n")


def all_lines(root, stream):
    """The lines of every file of a stream, each file ending in a newline."""
    out = []
    for path in segment_files(root, stream):
        raw = lines(path)
        assert raw[-1] == b"", f"{path} does not end with a newline"
        out += raw[:-1]
    return out


def test_one_file_per_stream_and_day_one_record_per_line(tmp_path):
    store = LogStore(tmp_path)
    m, p = rec(kind="m"), rec(kind="p")
    store.append(Stream.MEMORY, [m])
    store.append(Stream.PROCESS, [p])
    assert (tmp_path / f"memory-{DAY}.jsonl").read_text() == json.dumps(m, separators=(",", ":")) + "\n"
    assert (tmp_path / f"process-{DAY}.jsonl").read_text() == json.dumps(p, separators=(",", ":")) + "\n"


def test_files_are_readable_by_others(tmp_path):
    store = LogStore(tmp_path)
    store.append(Stream.MEMORY, [rec()])
    assert (tmp_path / f"memory-{DAY}.jsonl").stat().st_mode & 0o044 == 0o044


def test_a_second_store_on_the_same_directory_sees_the_first_ones_ids(tmp_path):
    # Two uvicorn workers are two stores on one directory.
    a, b = LogStore(tmp_path), LogStore(tmp_path)
    record = rec()
    assert a.append(Stream.MEMORY, [record]).stored == 1
    result = b.append(Stream.MEMORY, [record])
    assert (result.stored, result.duplicates) == (0, 1)
    assert b.count(Stream.MEMORY) == 1


def test_the_index_is_rebuilt_from_the_files_at_start(tmp_path):
    records = [rec() for _ in range(5)]
    LogStore(tmp_path).append(Stream.PROCESS, records)
    restarted = LogStore(tmp_path)
    assert restarted.count(Stream.PROCESS) == 5
    assert restarted.append(Stream.PROCESS, records).duplicates == 5


def test_a_torn_last_line_is_ignored_when_reading(tmp_path):
    store = LogStore(tmp_path)
    whole = [rec(n=i) for i in range(3)]
    store.append(Stream.MEMORY, whole)
    with open(tmp_path / f"memory-{DAY}.jsonl", "ab") as f:
        f.write(b'{"id":"c0ffee00-0000-4000-8000-00000000000')  # the crash came mid-line
    restarted = LogStore(tmp_path)
    assert restarted.records(Stream.MEMORY) == whole
    assert restarted.count(Stream.MEMORY) == 3


def test_a_torn_last_line_is_cut_off_by_the_next_write(tmp_path):
    store = LogStore(tmp_path)
    whole = [rec(n=i) for i in range(3)]
    store.append(Stream.MEMORY, whole)
    torn = rec(n=3)
    line = json.dumps(torn).encode()
    with open(tmp_path / f"memory-{DAY}.jsonl", "ab") as f:
        f.write(line[: len(line) // 2])

    restarted = LogStore(tmp_path)
    # The client never had its acknowledgement, so it sends the batch again.
    result = restarted.append(Stream.MEMORY, [whole[2], torn])
    assert (result.stored, result.duplicates) == (1, 1)

    raw = lines(tmp_path / f"memory-{DAY}.jsonl")
    assert raw[-1] == b""  # ends with a newline
    assert [json.loads(x) for x in raw[:-1]] == whole + [torn]


def test_a_torn_line_left_by_another_process_is_repaired_under_the_lock(tmp_path):
    store = LogStore(tmp_path)
    store.append(Stream.PROCESS, [rec()])
    with open(tmp_path / f"process-{DAY}.jsonl", "ab") as f:
        f.write(b'{"id": "half')
    store.append(Stream.PROCESS, [rec()])
    assert len([json.loads(x) for x in all_lines(tmp_path, "process")]) == 2


def test_a_corrupt_line_in_the_middle_is_skipped_not_fatal(tmp_path):
    path = tmp_path / f"memory-{DAY}.jsonl"
    good = [rec(n=1), rec(n=2)]
    path.write_text(json.dumps(good[0]) + "\n" + "\x00\x00garbage\n" + json.dumps(good[1]) + "\n")
    store = LogStore(tmp_path)
    assert store.records(Stream.MEMORY) == good
    assert store.append(Stream.MEMORY, [good[0]]).duplicates == 1


def test_query_filters_by_time_and_pages(tmp_path):
    store = LogStore(tmp_path)
    store.append(Stream.MEMORY, [rec(n=i, timestamp=f"2026-11-21T21:07:1{i}.000Z") for i in range(10)])
    page, total = store.query(Stream.MEMORY, since="2026-11-21T21:07:12.000Z", until="2026-11-21T21:07:18.000Z",
                              limit=2, offset=1)
    assert total == 6
    assert [r["n"] for r in page] == [3, 4]


def test_twenty_threads_writing_at_once_lose_nothing_and_store_nothing_twice(tmp_path):
    store = LogStore(tmp_path)
    batches = [[rec(writer=w, n=n) for n in range(100)] for w in range(20)]
    barrier = threading.Barrier(20)
    errors = []

    def write(batch):
        try:
            barrier.wait()
            for i in range(0, 100, 10):
                store.append(Stream.PROCESS, batch[i : i + 10])
                store.append(Stream.PROCESS, batch[i : i + 10])  # and its retry
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = [json.loads(x)["id"] for x in all_lines(tmp_path, "process")]
    assert len(ids) == 2000
    assert set(ids) == {r["id"] for b in batches for r in b}


WRITER = """
import json, sys, uuid
from pathlib import Path
from collector.store import LogStore, StoreError, Stream
root, writer, shared = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
store = LogStore(root)
at = "2026-11-21T21:07:15.123Z"
records = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"w{writer}-{n}")), "timestamp": at, "writer": writer, "n": n}
           for n in range(100)]
# Every writer also sends the same shared records: only one may store each.
shared = [{"id": i, "timestamp": at, "writer": writer, "n": -1} for i in shared]
stored = 0
for i in range(0, 100, 10):
    stored += store.append(Stream.MEMORY, records[i:i + 10] + shared).stored
    stored += store.append(Stream.MEMORY, records[i:i + 10]).stored
print(stored)
"""


def test_twenty_processes_writing_at_once_lose_nothing_and_store_nothing_twice(tmp_path):
    shared = [str(uuid.uuid4()) for _ in range(5)]
    env = dict(os.environ, PYTHONPATH=str(DASHBOARDS))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), str(w), json.dumps(shared)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for w in range(20)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err.decode()
    stored = sum(int(out) for out, _ in outputs)

    records = [json.loads(x) for x in all_lines(tmp_path, "memory")]
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == stored == 20 * 100 + 5
    assert {(r["writer"], r["n"]) for r in records if r["n"] >= 0} == {(w, n) for w in range(20) for n in range(100)}


def test_a_store_directory_that_cannot_be_made_is_reported_with_its_path(tmp_path):
    blocker = tmp_path / "logs"
    blocker.write_text("a file where the directory should be")
    with pytest.raises(StoreError, match=str(blocker)):
        LogStore(blocker / "inner")


# --- rotation, retention, the bounded index ---------------------------------------


def at(day, time="12:00:00.000"):
    return f"{day}T{time}Z"


def test_records_go_to_the_file_of_their_own_day(tmp_path):
    store = LogStore(tmp_path)
    before, after = rec(timestamp=at("2026-11-20", "23:59:59.999")), rec(timestamp=at("2026-11-21", "00:00:00.000"))
    assert store.append(Stream.MEMORY, [before, after]).stored == 2
    late = rec(timestamp=at("2026-11-20", "18:00:00.000"))  # sent late, after a collector outage
    store.append(Stream.MEMORY, [late])
    assert [p.name for p in segment_files(tmp_path, "memory")] == ["memory-2026-11-20.jsonl", "memory-2026-11-21.jsonl"]
    assert [json.loads(x) for x in lines(tmp_path / "memory-2026-11-20.jsonl")[:-1]] == [before, late]
    assert store.records(Stream.MEMORY) == [before, late, after]


def test_a_full_file_rotates_into_the_next_one_of_the_day(tmp_path):
    store = LogStore(tmp_path, max_file_bytes=1000)
    records = [rec(timestamp=at(DAY), n=i, pad="x" * 40) for i in range(40)]
    for i in range(0, 40, 4):
        store.append(Stream.PROCESS, records[i : i + 4])
    files = segment_files(tmp_path, "process")
    assert [p.name for p in files[:3]] == [f"process-{DAY}.jsonl", f"process-{DAY}.1.jsonl", f"process-{DAY}.2.jsonl"]
    assert len(files) > 3
    assert all(p.stat().st_size <= 1000 for p in files)
    assert store.records(Stream.PROCESS) == records
    assert store.count(Stream.PROCESS) == 40
    # Ids are checked across every file of the day.
    restarted = LogStore(tmp_path, max_file_bytes=1000)
    assert restarted.append(Stream.PROCESS, records).duplicates == 40


def test_a_batch_larger_than_the_limit_still_goes_out_in_one_write(tmp_path):
    store = LogStore(tmp_path, max_file_bytes=200)
    store.append(Stream.MEMORY, [rec(timestamp=at(DAY))])
    big = [rec(timestamp=at(DAY), n=i) for i in range(10)]
    store.append(Stream.MEMORY, big)
    files = segment_files(tmp_path, "memory")
    assert len(files) == 2 and [json.loads(x) for x in lines(files[1])[:-1]] == big


def test_days_past_the_retention_are_removed_at_start_and_when_the_date_changes(tmp_path, pinned_clock):
    from datetime import timedelta

    keeping = LogStore(tmp_path, retention_days=0)  # written before the retention was set
    for day in ("2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"):
        keeping.append(Stream.MEMORY, [rec(timestamp=at(day))])
        keeping.append(Stream.PROCESS, [rec(timestamp=at(day))])
    # Today is 2026-11-22 12:00: three days back is the 19th, the oldest day kept.
    restarted = LogStore(tmp_path, retention_days=3)
    assert [p.name[7:17] for p in segment_files(tmp_path, "memory")] == ["2026-11-19", "2026-11-20", "2026-11-21",
                                                                        "2026-11-22"]
    assert restarted.count(Stream.PROCESS) == 4
    # A day later the next write sweeps the 19th away.
    pinned_clock.now += timedelta(days=1)
    restarted.append(Stream.PROCESS, [rec(timestamp=at("2026-11-23"))])
    assert [p.name[8:18] for p in segment_files(tmp_path, "process")] == ["2026-11-20", "2026-11-21", "2026-11-22",
                                                                         "2026-11-23"]
    assert restarted.count(Stream.PROCESS) == 4


def test_a_record_older_than_the_retention_is_acknowledged_not_stored(tmp_path):
    store = LogStore(tmp_path, retention_days=3)
    old, new = rec(timestamp=at("2026-11-10")), rec(timestamp=at(DAY))
    result = store.append(Stream.MEMORY, [old, new])
    assert (result.stored, result.duplicates, result.expired) == (1, 0, 1)
    assert store.records(Stream.MEMORY) == [new]
    assert not (tmp_path / "memory-2026-11-10.jsonl").exists()


def test_no_retention_keeps_everything(tmp_path, pinned_clock):
    from datetime import timedelta

    store = LogStore(tmp_path, retention_days=0)
    store.append(Stream.MEMORY, [rec(timestamp=at("2020-01-01"))])
    pinned_clock.now += timedelta(days=4000)
    assert LogStore(tmp_path, retention_days=0).count(Stream.MEMORY) == 1


def test_the_index_holds_a_few_days_and_still_refuses_a_batch_resent_days_later(tmp_path):
    from collector.store import INDEX_DAYS

    store = LogStore(tmp_path)
    days = [f"2026-11-{d:02d}" for d in range(10, 22)]
    batches = {day: [rec(timestamp=at(day, f"12:00:{i:02d}.000")) for i in range(5)] for day in days}
    for day in days:
        assert store.append(Stream.PROCESS, batches[day]).stored == 5
    assert store.indexed_days(Stream.PROCESS) == days[-INDEX_DAYS:]
    # The enforcer resends the first day's batch (its acknowledgement was lost,
    # and its spool kept it through a restart): every record is a duplicate.
    result = store.append(Stream.PROCESS, batches[days[0]])
    assert (result.stored, result.duplicates) == (0, 5)
    assert len(store.indexed_days(Stream.PROCESS)) == INDEX_DAYS
    # Partly new, partly resent, over two old days and today.
    mixed = batches[days[1]][:2] + [rec(timestamp=at(days[1]))] + batches[days[-1]][:1] + [rec(timestamp=at(days[-1]))]
    result = store.append(Stream.PROCESS, mixed)
    assert (result.stored, result.duplicates) == (2, 3)
    ids = [json.loads(x)["id"] for x in all_lines(tmp_path, "process")]
    assert len(ids) == len(set(ids)) == 12 * 5 + 2


def test_a_second_process_resending_to_an_old_day_sees_what_the_first_appended_since(tmp_path):
    a, b = LogStore(tmp_path), LogStore(tmp_path)
    old = rec(timestamp=at("2026-11-15"))
    b.append(Stream.MEMORY, [rec(timestamp=at("2026-11-15"))])  # b indexes the 15th
    assert a.append(Stream.MEMORY, [old]).stored == 1  # a appends to it afterwards
    assert b.append(Stream.MEMORY, [old]).duplicates == 1


def test_reading_a_window_opens_only_the_files_of_its_days(tmp_path, monkeypatch):
    from collector import store as store_module

    store = LogStore(tmp_path)
    for d in range(15, 22):
        store.append(Stream.MEMORY, [rec(timestamp=at(f"2026-11-{d}", f"{h:02d}:00:00.000")) for h in range(24)])
    opened = []
    real_open = open

    def spy(path, *args, **kwargs):
        opened.append(os.path.basename(str(path)))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(store_module, "open", spy, raising=False)
    window = store.records(Stream.MEMORY, since=at("2026-11-20", "22:00:00.000"), until=at("2026-11-21", "03:00:00.000"))
    assert [r["timestamp"][:13] for r in window] == ["2026-11-20T22", "2026-11-20T23", "2026-11-21T00",
                                                      "2026-11-21T01", "2026-11-21T02"]
    assert opened == ["memory-2026-11-20.jsonl", "memory-2026-11-21.jsonl"]
    assert store.newest_timestamp() == at("2026-11-21", "23:00:00.000")


def test_a_store_from_before_rotation_is_split_into_day_files(tmp_path):
    old = [rec(timestamp=at(day, f"0{i}:00:00.000")) for day in ("2026-11-19", "2026-11-21") for i in range(3)]
    (tmp_path / "process.jsonl").write_text("".join(json.dumps(r) + "\n" for r in old) + '{"id": "torn')
    store = LogStore(tmp_path)
    assert not (tmp_path / "process.jsonl").exists()
    assert [p.name for p in segment_files(tmp_path, "process")] == ["process-2026-11-19.jsonl",
                                                                   "process-2026-11-21.jsonl"]
    assert store.records(Stream.PROCESS) == old
    assert store.append(Stream.PROCESS, old).duplicates == 6
    assert not [p.name for p in tmp_path.iterdir() if "migrat" in p.name]


def test_a_split_interrupted_after_its_commit_is_finished_at_the_next_start(tmp_path):
    record = rec(timestamp=at(DAY))
    (tmp_path / "memory.jsonl.migrated").write_text(json.dumps(record) + "\n")
    (tmp_path / f".memory-{DAY}.jsonl.migrating").write_text(json.dumps(record) + "\n")
    store = LogStore(tmp_path)
    assert store.records(Stream.MEMORY) == [record]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("memory")) == [
        f"memory-{DAY}.jsonl", "memory.jsonl.lock"]


def test_a_split_interrupted_before_its_commit_starts_over(tmp_path):
    record = rec(timestamp=at(DAY))
    (tmp_path / "memory.jsonl").write_text(json.dumps(record) + "\n")
    (tmp_path / f".memory-{DAY}.jsonl.migrating").write_text("half of it")
    store = LogStore(tmp_path)
    assert store.records(Stream.MEMORY) == [record]
