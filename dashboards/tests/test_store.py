"""The JSON Lines store: durable, deduplicated, safe with concurrent writers,
and tolerant of a line torn by a crash."""

import json
import os
import subprocess
import sys
import threading
import uuid

import pytest
from conftest import DASHBOARDS

from collector.store import LogStore, StoreError, Stream


def rec(**extra):
    return {"id": str(uuid.uuid4()), "timestamp": "2026-11-21T21:07:15.123Z", **extra}


def lines(path):
    return path.read_bytes().split(b"\n")


def test_one_file_per_stream_one_record_per_line(tmp_path):
    store = LogStore(tmp_path)
    m, p = rec(kind="m"), rec(kind="p")
    store.append(Stream.MEMORY, [m])
    store.append(Stream.PROCESS, [p])
    assert (tmp_path / "memory.jsonl").read_text() == json.dumps(m, separators=(",", ":")) + "\n"
    assert (tmp_path / "process.jsonl").read_text() == json.dumps(p, separators=(",", ":")) + "\n"


def test_files_are_readable_by_others(tmp_path):
    store = LogStore(tmp_path)
    store.append(Stream.MEMORY, [rec()])
    assert (tmp_path / "memory.jsonl").stat().st_mode & 0o044 == 0o044


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
    with open(tmp_path / "memory.jsonl", "ab") as f:
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
    with open(tmp_path / "memory.jsonl", "ab") as f:
        f.write(line[: len(line) // 2])

    restarted = LogStore(tmp_path)
    # The client never had its acknowledgement, so it sends the batch again.
    result = restarted.append(Stream.MEMORY, [whole[2], torn])
    assert (result.stored, result.duplicates) == (1, 1)

    raw = lines(tmp_path / "memory.jsonl")
    assert raw[-1] == b""  # ends with a newline
    assert [json.loads(x) for x in raw[:-1]] == whole + [torn]


def test_a_torn_line_left_by_another_process_is_repaired_under_the_lock(tmp_path):
    store = LogStore(tmp_path)
    store.append(Stream.PROCESS, [rec()])
    with open(tmp_path / "process.jsonl", "ab") as f:
        f.write(b'{"id": "half')
    store.append(Stream.PROCESS, [rec()])
    assert len([json.loads(x) for x in lines(tmp_path / "process.jsonl")[:-1]]) == 2


def test_a_corrupt_line_in_the_middle_is_skipped_not_fatal(tmp_path):
    path = tmp_path / "memory.jsonl"
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
    ids = [json.loads(x)["id"] for x in lines(tmp_path / "process.jsonl")[:-1]]
    assert len(ids) == 2000
    assert set(ids) == {r["id"] for b in batches for r in b}


WRITER = """
import json, sys, uuid
from pathlib import Path
from collector.store import LogStore, StoreError, Stream
root, writer, shared = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
store = LogStore(root)
records = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"w{writer}-{n}")), "writer": writer, "n": n} for n in range(100)]
# Every writer also sends the same shared records: only one may store each.
shared = [{"id": i, "writer": writer, "n": -1} for i in shared]
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

    raw = lines(tmp_path / "memory.jsonl")
    assert raw[-1] == b""
    records = [json.loads(x) for x in raw[:-1]]
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == stored == 20 * 100 + 5
    assert {(r["writer"], r["n"]) for r in records if r["n"] >= 0} == {(w, n) for w in range(20) for n in range(100)}


def test_a_store_directory_that_cannot_be_made_is_reported_with_its_path(tmp_path):
    blocker = tmp_path / "logs"
    blocker.write_text("a file where the directory should be")
    with pytest.raises(StoreError, match=str(blocker)):
        LogStore(blocker / "inner")
