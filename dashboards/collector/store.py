"""The durable log store: one append-only JSON Lines file per stream.

    <root>/memory.jsonl    <root>/memory.jsonl.lock
    <root>/process.jsonl   <root>/process.jsonl.lock

Each line is one record exactly as validated. Writers take an exclusive
`flock` on the stream's lock file, so any number of threads, uvicorn workers or
processes sharing the directory append safely; a batch goes out in one write
and is fsync'd before it is acknowledged. Readers take no lock: every line
ending in a newline is a whole record, and a last line without one is a write
in progress or one torn by a crash. The next writer, holding the lock, knows no
write is in progress and cuts such a tail off (its batch was never
acknowledged, so the client sends it again and the ids sort out what was kept).

Record ids are indexed in memory. The index is built from the files at start
and brought up to date under the lock before every append, by reading what
other processes added since; so a retried batch is stored once even when two
workers receive it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

log = logging.getLogger("corral.collector.store")


class Stream(str, Enum):
    MEMORY = "memory"
    PROCESS = "process"


@dataclass(frozen=True)
class AppendResult:
    stored: int
    duplicates: int


class StoreError(Exception):
    """The store could not do what was asked; the message names the file."""


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


class _StreamFile:
    """One stream's file, its lock and the index of the ids it holds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.mutex = threading.Lock()  # flock alone does not order this process's threads
        self.ids: Set[str] = set()
        self.indexed = 0  # bytes of whole lines already in `ids`

    def refresh(self, repair: bool) -> None:
        """Indexes whole lines added since the last call.

        With `repair` (only under the exclusive lock, when no write can be in
        progress) a tail without a newline is a torn write: cut it off.
        """
        try:
            size = os.stat(self.path).st_size
        except FileNotFoundError:
            size = 0
        if size < self.indexed:
            # Shorter than what was indexed: replaced or truncated by hand.
            log.warning("%s shrank from %d to %d bytes; rebuilding its id index", self.path, self.indexed, size)
            self.ids.clear()
            self.indexed = 0
        if size > self.indexed:
            with open(self.path, "rb") as f:
                f.seek(self.indexed)
                data = f.read(size - self.indexed)
            lines, span = _complete_lines(data)
            for line in lines:
                record = _decode(line, self.path)
                if record is not None:
                    self.ids.add(record["id"])
            self.indexed += span
        if repair and size > self.indexed:
            log.warning(
                "%s ends in a torn line (%d bytes after the last newline, from an interrupted write); cutting it off",
                self.path,
                size - self.indexed,
            )
            with open(self.path, "r+b") as f:
                f.truncate(self.indexed)
                os.fsync(f.fileno())

    def append(self, records: Sequence[dict]) -> AppendResult:
        with self.mutex, exclusive_lock(self.lock_path):
            self.refresh(repair=True)
            fresh: List[dict] = []
            seen: Set[str] = set()
            for record in records:
                rid = record["id"]
                if rid in self.ids or rid in seen:
                    continue
                seen.add(rid)
                fresh.append(record)
            if fresh:
                data = b"".join(
                    json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" for r in fresh
                )
                self._write(data)
                self.ids.update(seen)
                self.indexed += len(data)
            return AppendResult(stored=len(fresh), duplicates=len(records) - len(fresh))

    def _write(self, data: bytes) -> None:
        created = not self.path.exists()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise StoreError(f"cannot open {self.path} for appending: {e.strerror}") from e
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except OSError as e:
            raise StoreError(f"cannot append to {self.path}: {e.strerror}") from e
        finally:
            os.close(fd)
        if created:
            _fsync_dir(self.path.parent)

    def records(self) -> Iterator[dict]:
        """Every whole, readable record in file order."""
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return
        lines, _ = _complete_lines(data)
        for line in lines:
            record = _decode(line, self.path)
            if record is not None:
                yield record

    def count(self) -> int:
        with self.mutex:
            self.refresh(repair=False)
            return len(self.ids)


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


class LogStore:
    """The store in one directory; see the module's documentation."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the store directory {self.root}: {e.strerror}") from e
        self._streams: Dict[Stream, _StreamFile] = {s: _StreamFile(self.root / f"{s.value}.jsonl") for s in Stream}
        for stream in self._streams.values():
            with stream.mutex:
                stream.refresh(repair=False)

    @property
    def graphs_dir(self) -> Path:
        return self.root / "graphs"

    def path(self, stream: Stream) -> Path:
        return self._streams[stream].path

    def append(self, stream: Stream, records: Sequence[dict]) -> AppendResult:
        """Stores the records whose ids are not stored yet, durably, all at once."""
        return self._streams[stream].append(records)

    def records(self, stream: Stream) -> List[dict]:
        """All readable records of `stream`, in the order they were stored."""
        return list(self._streams[stream].records())

    def count(self, stream: Stream) -> int:
        return self._streams[stream].count()

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
        matching = [
            r
            for r in self._streams[stream].records()
            if (since is None or r.get("timestamp", "") >= since)
            and (until is None or r.get("timestamp", "") < until)
            and (where is None or where(r))
        ]
        return matching[offset : offset + limit], len(matching)
