"""The durable log store: append-only JSON Lines files, one set per stream,
rotated by day and by size, old days removed after a retention.

    <root>/memory-2026-11-21.jsonl      the memory records stamped that UTC day
    <root>/memory-2026-11-21.1.jsonl    more of that day, once the first file is full
    <root>/process-2026-11-21.jsonl     ...
    <root>/memory.jsonl.lock            one writers' lock per stream

A record goes to the files of the UTC day of its own `timestamp` (not of its
arrival), into the day's last file unless that would grow past the size limit,
when the day gets a new file. Days older than the retention are removed
(checked at start and whenever the date changes), and a record older than the
retention is acknowledged but not kept (`expired`): its day is gone already.

Each line is one record exactly as validated. Writers take an exclusive
`flock` on the stream's lock file, so any number of threads, uvicorn workers or
processes sharing the directory append safely; a day's part of a batch goes out
in one write and is fsync'd before the batch is acknowledged. Readers take no
lock: every line ending in a newline is a whole record, and a last line without
one is a write in progress or one torn by a crash. The next writer of that day,
holding the lock, knows no write is in progress and cuts such a tail off (its
batch was never acknowledged, so the client sends it again and the ids sort
out what was kept).

Exactly once, with a bounded index: a record can only ever be stored in the
files of its own timestamp's day, so whether an id is stored already is decided
by the ids of that one day, whatever else the store holds. The index keeps the
ids of at most INDEX_DAYS days per stream in memory (the most recently used:
in practice today and yesterday); a batch for another day (an enforcer that
sends a backlog after an outage, or resends a batch days later from its spool)
loads that day's ids from its files first. So a retry is recognised however
late it comes, as long as its day is within the retention, and memory holds a
few days of ids, not months. Under the lock the index of each day a batch
touches is brought up to date with whatever other processes appended, so a
retried batch is stored once even when two workers receive it.

A store written before rotation (one `memory.jsonl` and one `process.jsonl`)
is split into day files once, at start, under the lock.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

log = logging.getLogger("corral.collector.store")

#: Days of records kept; older days' files are removed. 0 keeps everything.
DEFAULT_RETENTION_DAYS = 30
#: A day's file is not grown past this; the day gets a further file instead.
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
#: Days of ids each stream's index keeps in memory (most recently used).
INDEX_DAYS = 3

_SEGMENT = re.compile(r"(?P<stream>[a-z]+)-(?P<day>\d{4}-\d{2}-\d{2})(?:\.(?P<n>\d+))?\.jsonl")
_DAY = re.compile(rb"\d{4}-\d{2}-\d{2}")
_STAMP_DAY = re.compile(rb'"timestamp"\s*:\s*"(\d{4}-\d{2}-\d{2})')
_READ_CHUNK = 1024 * 1024


def utc_now() -> datetime:
    """The clock the store dates retention by (tests replace it)."""
    return datetime.now(timezone.utc)


class Stream(str, Enum):
    MEMORY = "memory"
    PROCESS = "process"


@dataclass(frozen=True)
class AppendResult:
    stored: int
    duplicates: int
    expired: int = 0


class StoreError(Exception):
    """The store could not do what was asked; the message names the file."""


@dataclass(frozen=True, order=True)
class Segment:
    """One file of a stream: its day, its number within the day, its path."""

    day: str
    number: int
    path: Path = field(compare=False)


@contextmanager
def exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Holds an exclusive flock on `lock_path` (created if missing)."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _complete_lines(data: bytes) -> Tuple[List[bytes], int]:
    """The newline-terminated lines of `data` and how many bytes they span."""
    end = data.rfind(b"\n") + 1
    return data[:end].splitlines(), end


def _decode(line: bytes, path: Path) -> Optional[dict]:
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except ValueError:
        log.warning("skipping a line of %s that is not JSON: %.80r", path, line)
        return None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        log.warning("skipping a line of %s that is not a record: %.80r", path, line)
        return None
    return record


def _decode_block(lines: List[bytes], path: Path) -> List[dict]:
    """The records of whole lines: parsed as one JSON array when they all are
    records (much faster than line by line), else line by line, skipping and
    reporting the lines that are not."""
    if not lines:
        return []
    try:
        records = json.loads(b"[" + b",".join(lines) + b"]")
        if all(isinstance(r, dict) and isinstance(r.get("id"), str) for r in records):
            return records
    except ValueError:
        pass
    return [r for r in (_decode(line, path) for line in lines) if r is not None]


_ID_PREFIX = b'{"id":"'


def _line_id(line: bytes, path: Path) -> Optional[str]:
    """The id of a stored line. The store writes `id` first, so the common
    case needs no JSON parsing; anything else is parsed in full."""
    if line.startswith(_ID_PREFIX) and line.endswith(b"}"):
        end = line.find(b'"', len(_ID_PREFIX))
        if end > 0 and b"\\" not in line[len(_ID_PREFIX) : end]:
            return line[len(_ID_PREFIX) : end].decode("utf-8", "replace")
    record = _decode(line, path)
    return None if record is None else record["id"]


def record_day(record: dict) -> Optional[str]:
    """The UTC day of a record's timestamp (`YYYY-MM-DD`), None without one."""
    stamp = record.get("timestamp")
    if isinstance(stamp, str) and len(stamp) >= 10 and _DAY.fullmatch(stamp[:10].encode("ascii", "replace")):
        return stamp[:10]
    return None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as e:  # some file systems refuse fsync on directories
        if e.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


class _DayIndex:
    """The ids stored in one day's files, and how far each file is indexed."""

    def __init__(self, day: str) -> None:
        self.day = day
        self.ids: Set[str] = set()
        self.indexed: Dict[str, int] = {}  # file name -> bytes of whole lines in `ids`

    def clear(self) -> None:
        self.ids.clear()
        self.indexed.clear()


class _StreamFiles:
    """One stream's files, its lock, and the bounded index of the ids they hold."""

    def __init__(self, store: "LogStore", stream: Stream) -> None:
        self.store = store
        self.stream = stream
        self.root = store.root
        self.lock_path = self.root / f"{stream.value}.jsonl.lock"
        self.mutex = threading.Lock()  # flock alone does not order this process's threads
        self.days: "OrderedDict[str, _DayIndex]" = OrderedDict()
        self.counts: Dict[str, Tuple[int, int]] = {}  # file name -> (bytes counted, lines)
        self.count_mutex = threading.Lock()  # counting reads files: not under `mutex`, which writers wait on
        self.swept_cutoff: Optional[str] = None

    # --- the files -------------------------------------------------------------

    def path_of(self, day: str, number: int) -> Path:
        suffix = f".{number}" if number else ""
        return self.root / f"{self.stream.value}-{day}{suffix}.jsonl"

    def segments(self, first_day: Optional[str] = None, last_day: Optional[str] = None) -> List[Segment]:
        """The stream's files of days first_day .. last_day (inclusive), in
        order of day, then number."""
        found = []
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return []
        for entry in entries:
            m = _SEGMENT.fullmatch(entry.name)
            if not m or m.group("stream") != self.stream.value:
                continue
            day = m.group("day")
            if (first_day is not None and day < first_day) or (last_day is not None and day > last_day):
                continue
            found.append(Segment(day, int(m.group("n") or 0), Path(entry.path)))
        return sorted(found)

    # --- the index -------------------------------------------------------------

    def day_index(self, day: str, repair: bool) -> _DayIndex:
        """The index of `day`, brought up to date with its files (loaded first
        when it is not in memory); the least recently used day beyond
        INDEX_DAYS is forgotten.

        With `repair` (only under the exclusive lock, when no write can be in
        progress) a tail without a newline is a torn write: cut it off.
        """
        index = self.days.pop(day, None) or _DayIndex(day)
        self.days[day] = index
        while len(self.days) > INDEX_DAYS:
            self.days.popitem(last=False)
        segments = self.segments(day, day)
        names = {s.path.name for s in segments}
        if any(name not in names for name in index.indexed):
            # A file of the day went away (retention, or by hand): start over.
            index.clear()
        for segment in segments:
            self._index_file(index, segment.path, repair)
        return index

    def _index_file(self, index: _DayIndex, path: Path, repair: bool) -> None:
        name = path.name
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            index.indexed.pop(name, None)
            return
        done = index.indexed.get(name, 0)
        if size < done:
            # Shorter than what was indexed: replaced or truncated by hand.
            log.warning("%s shrank from %d to %d bytes; rebuilding the id index of its day", path, done, size)
            index.clear()
            for segment in self.segments(index.day, index.day):
                self._index_file(index, segment.path, repair)
            return
        if size > done:
            with open(path, "rb") as f:
                f.seek(done)
                data = f.read(size - done)
            lines, span = _complete_lines(data)
            for line in lines:
                if line.strip():
                    rid = _line_id(line, path)
                    if rid is not None:
                        index.ids.add(rid)
            done += span
            index.indexed[name] = done
        if repair and size > done:
            log.warning(
                "%s ends in a torn line (%d bytes after the last newline, from an interrupted write); cutting it off",
                path,
                size - done,
            )
            with open(path, "r+b") as f:
                f.truncate(done)
                os.fsync(f.fileno())

    # --- writing ---------------------------------------------------------------

    def append(self, records: Sequence[dict]) -> AppendResult:
        with self.mutex, exclusive_lock(self.lock_path):
            cutoff = self.store.cutoff_day()
            self.sweep(cutoff)
            today = utc_now().date().isoformat()
            by_day: "OrderedDict[str, List[dict]]" = OrderedDict()
            seen: Set[str] = set()
            expired = duplicates = 0
            indexes: Dict[str, _DayIndex] = {}
            for record in records:
                rid = record["id"]
                # The API always gives a timestamp; a bare record is dated by its arrival.
                day = record_day(record) or today
                if cutoff is not None and day < cutoff:
                    expired += 1
                    continue
                if day not in indexes:
                    indexes[day] = self.day_index(day, repair=True)
                if rid in indexes[day].ids or rid in seen:
                    duplicates += 1
                    continue
                seen.add(rid)
                by_day.setdefault(day, []).append(record)
            for day, fresh in by_day.items():
                data = b"".join(
                    json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" for r in fresh
                )
                path = self._file_for(day, len(data))
                self._write(path, data)
                index = indexes[day]
                index.ids.update(r["id"] for r in fresh)
                index.indexed[path.name] = index.indexed.get(path.name, 0) + len(data)
            stored = sum(len(v) for v in by_day.values())
            return AppendResult(stored=stored, duplicates=duplicates, expired=expired)

    def _file_for(self, day: str, size: int) -> Path:
        """The day's last file, or a new one when `size` more bytes would take
        the last past the limit (a single larger batch still goes in whole)."""
        segments = self.segments(day, day)
        if not segments:
            return self.path_of(day, 0)
        last = segments[-1]
        try:
            current = os.stat(last.path).st_size
        except FileNotFoundError:
            current = 0
        if current > 0 and current + size > self.store.max_file_bytes:
            return self.path_of(day, last.number + 1)
        return last.path

    def _write(self, path: Path, data: bytes) -> None:
        created = not path.exists()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise StoreError(f"cannot open {path} for appending: {e.strerror}") from e
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except OSError as e:
            raise StoreError(f"cannot append to {path}: {e.strerror}") from e
        finally:
            os.close(fd)
        if created:
            _fsync_dir(path.parent)

    def sweep(self, cutoff: Optional[str]) -> None:
        """Removes the files of days before `cutoff` (under the lock), once per cutoff."""
        if cutoff is None or cutoff == self.swept_cutoff:
            return
        removed = 0
        for segment in self.segments(last_day=(date.fromisoformat(cutoff) - timedelta(days=1)).isoformat()):
            try:
                segment.path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as e:
                log.warning("cannot remove %s past the retention: %s", segment.path, e.strerror)
            self.counts.pop(segment.path.name, None)
        for day in [d for d in self.days if d < cutoff]:
            del self.days[day]
        if removed:
            log.info("removed %d %s file(s) of days before %s (retention)", removed, self.stream.value, cutoff)
            _fsync_dir(self.root)
        self.swept_cutoff = cutoff

    # --- reading ---------------------------------------------------------------

    def records(self, since: Optional[str] = None, until: Optional[str] = None) -> Iterator[dict]:
        """Whole, readable records with `since <= timestamp < until`, reading
        only the files of the days that overlap; by day, then stored order."""
        first = since[:10] if since else None
        last = until[:10] if until else None
        for segment in self.segments(first, last):
            try:
                f = open(segment.path, "rb")
            except FileNotFoundError:  # removed by the retention meanwhile
                continue
            with f:
                while True:
                    block = f.readlines(_READ_CHUNK)
                    if not block:
                        break
                    torn = not block[-1].endswith(b"\n")  # a write in progress, or torn by a crash
                    if torn:
                        block.pop()
                    for record in _decode_block(block, segment.path):
                        if since is not None or until is not None:
                            stamp = record.get("timestamp", "")
                            if not isinstance(stamp, str):
                                continue
                            if (since is not None and stamp < since) or (until is not None and stamp >= until):
                                continue
                        yield record
                    if torn:
                        break

    def count(self) -> int:
        """Whole lines in the stream's files, counted once per file and then
        only what was added since."""
        with self.count_mutex:
            total = 0
            segments = self.segments()
            live = {s.path.name for s in segments}
            for name in [n for n in self.counts if n not in live]:
                del self.counts[name]
            for segment in segments:
                name = segment.path.name
                counted, lines = self.counts.get(name, (0, 0))
                try:
                    size = os.stat(segment.path).st_size
                    if size < counted:
                        counted, lines = 0, 0
                    if size > counted:
                        with open(segment.path, "rb") as f:
                            f.seek(counted)
                            while counted < size:
                                chunk = f.read(min(_READ_CHUNK, size - counted))
                                if not chunk:
                                    break
                                lines += chunk.count(b"\n")
                                counted += len(chunk)
                except FileNotFoundError:
                    continue
                self.counts[name] = (counted, lines)
                total += lines
            return total

    def newest_timestamp(self) -> Optional[str]:
        """The latest timestamp among the last records of the newest day."""
        segments = self.segments()
        if not segments:
            return None
        newest_day = segments[-1].day
        best: Optional[str] = None
        for segment in reversed([s for s in segments if s.day == newest_day]):
            try:
                with open(segment.path, "rb") as f:
                    size = f.seek(0, os.SEEK_END)
                    f.seek(max(0, size - 256 * 1024))
                    tail = f.read()
            except FileNotFoundError:
                continue
            for stamp in re.findall(rb'"timestamp"\s*:\s*"([^"]{10,40})"', tail):
                text = stamp.decode("ascii", "replace")
                if best is None or text > best:
                    best = text
            if best is not None:
                break
        return best

    # --- the store before rotation ---------------------------------------------

    def migrate_legacy(self) -> None:
        """Splits a pre-rotation `<stream>.jsonl` into day files, once.

        Crash-safe: the day files are written under temporary names first; the
        old file is renamed aside (the commit), then the new ones into place and
        the old one removed. A start that finds the old file renamed aside
        finishes the job; one that finds it still in place starts over.
        """
        legacy = self.root / f"{self.stream.value}.jsonl"
        aside = self.root / f"{self.stream.value}.jsonl.migrated"
        prefix = f".{self.stream.value}-"
        with self.mutex, exclusive_lock(self.lock_path):
            pending = sorted(p for p in self.root.iterdir() if p.name.startswith(prefix) and p.name.endswith(".migrating"))
            if aside.exists():
                self._finish_migration(pending, aside)
                return
            if not legacy.exists():
                for p in pending:  # left by a crash before there was anything to commit
                    p.unlink()
                return
            for p in pending:  # a crash before the commit: start over
                p.unlink()
            started = time.monotonic()
            out: Dict[str, Tuple[object, int, int]] = {}  # day -> (file, number, size)
            temps: List[Path] = []
            fallback = datetime.fromtimestamp(legacy.stat().st_mtime, timezone.utc).date().isoformat()
            lines = 0
            try:
                with open(legacy, "rb") as src:
                    for line in src:
                        if not line.endswith(b"\n"):
                            break  # torn: never acknowledged
                        found = _STAMP_DAY.search(line)
                        day = found.group(1).decode("ascii") if found else fallback
                        f, number, size = out.get(day, (None, -1, 0))
                        if f is None or (size > 0 and size + len(line) > self.store.max_file_bytes):
                            if f is not None:
                                f.flush()
                                os.fsync(f.fileno())
                                f.close()
                            number = self._next_number(day, number)
                            temp = self.root / f".{self.path_of(day, number).name}.migrating"
                            f = open(temp, "wb")
                            temps.append(temp)
                            size = 0
                        f.write(line)
                        out[day] = (f, number, size + len(line))
                        lines += 1
            finally:
                for f, _, _ in out.values():
                    f.flush()
                    os.fsync(f.fileno())
                    f.close()
            _fsync_dir(self.root)
            os.replace(legacy, aside)  # the commit
            _fsync_dir(self.root)
            self._finish_migration(temps, aside)
            log.info("split %s (%d lines) into %d day file(s) in %.1f s", legacy, lines, len(temps),
                     time.monotonic() - started)

    def _next_number(self, day: str, after: int) -> int:
        existing = [s.number for s in self.segments(day, day)]
        return max([after, *existing]) + 1 if (existing or after >= 0) else 0

    def _finish_migration(self, temps: Iterable[Path], aside: Path) -> None:
        for temp in temps:
            final = temp.with_name(temp.name[1 : -len(".migrating")])
            os.chmod(temp, 0o644)
            os.replace(temp, final)
        _fsync_dir(self.root)
        aside.unlink()
        _fsync_dir(self.root)


class LogStore:
    """The store in one directory; see the module's documentation."""

    def __init__(
        self,
        root: Path,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        if retention_days < 0:
            raise ValueError(f"retention_days must be 0 (keep everything) or more, not {retention_days}")
        if max_file_bytes < 1:
            raise ValueError(f"max_file_bytes must be at least 1, not {max_file_bytes}")
        self.root = Path(root)
        self.retention_days = retention_days
        self.max_file_bytes = max_file_bytes
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the store directory {self.root}: {e.strerror}") from e
        self._streams: Dict[Stream, _StreamFiles] = {s: _StreamFiles(self, s) for s in Stream}
        for files in self._streams.values():
            try:
                files.migrate_legacy()
                with files.mutex, exclusive_lock(files.lock_path):
                    files.sweep(self.cutoff_day())
            except OSError as e:
                raise StoreError(f"cannot prepare the {files.stream.value} files in {self.root}: {e}") from e

    @property
    def graphs_dir(self) -> Path:
        return self.root / "graphs"

    def cutoff_day(self) -> Optional[str]:
        """The oldest day kept (`YYYY-MM-DD`), None when everything is kept."""
        if not self.retention_days:
            return None
        return (utc_now() - timedelta(days=self.retention_days)).date().isoformat()

    def segments(self, stream: Stream) -> List[Segment]:
        """The stream's files, oldest first."""
        return self._streams[stream].segments()

    def append(self, stream: Stream, records: Sequence[dict]) -> AppendResult:
        """Stores the records whose ids are not stored yet, durably, all at once."""
        return self._streams[stream].append(records)

    def iter_records(self, stream: Stream, since: Optional[str] = None, until: Optional[str] = None) -> Iterator[dict]:
        """Readable records of `stream` with `since <= timestamp < until`
        (bounds in record shape), reading only the files that overlap."""
        return self._streams[stream].records(since, until)

    def records(self, stream: Stream, since: Optional[str] = None, until: Optional[str] = None) -> List[dict]:
        """All readable records of `stream` (within the bounds), by day, then in
        the order they were stored."""
        return list(self.iter_records(stream, since, until))

    def count(self, stream: Stream) -> int:
        return self._streams[stream].count()

    def indexed_days(self, stream: Stream) -> List[str]:
        """The days whose ids this process holds in memory (at most INDEX_DAYS)."""
        return list(self._streams[stream].days)

    def newest_timestamp(self) -> Optional[str]:
        """The latest record timestamp in the store (from the newest day's tail)."""
        stamps = [s for s in (f.newest_timestamp() for f in self._streams.values()) if s]
        return max(stamps) if stamps else None

    def query(
        self,
        stream: Stream,
        since: Optional[str] = None,
        until: Optional[str] = None,
        limit: int = 100,
        offset: int = 0,
        where: Optional[Callable[[dict], bool]] = None,
    ) -> Tuple[List[dict], int]:
        """One page of the records with `since <= timestamp < until` (bounds in
        record shape), in stored order, and how many match in all."""
        page: List[dict] = []
        total = 0
        for r in self.iter_records(stream, since, until):
            if where is not None and not where(r):
                continue
            if offset <= total < offset + limit:
                page.append(r)
            total += 1
        return page, total
