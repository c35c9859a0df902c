"""The collector's records and API bodies: the single truth for what it accepts.

Records are what the enforcer sends each cycle (CONTRACTS.md, "Collector
records"): one memory record for the host, one process record per container it
decided on. Each carries a UUID `id`, so a retried batch is stored once, and a
`timestamp` in one exact shape, RFC 3339 in UTC with milliseconds
(2026-11-21T21:07:15.123Z), so stored timestamps sort as text. Anything else,
including fields the contract does not name, is refused with the field named.
"""

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Literal, Optional
from uuid import UUID

from pydantic import Field, conint, constr

from ._compat import StrictModel, field_check

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
TIMESTAMP_EXAMPLE = "2026-11-21T21:07:15.123Z"
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CONTAINER_ID = re.compile(r"[0-9a-f]{12,64}")

#: Largest batch one request may carry.
MAX_BATCH = 10_000

NonNegativeInt = conint(strict=True, ge=0)


def parse_timestamp(text: str) -> datetime:
    """The UTC instant of a record timestamp (already validated)."""
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)


def format_timestamp(instant: datetime) -> str:
    """`instant` in the record shape, truncated to the millisecond."""
    utc = instant.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def query_bound(text: str) -> str:
    """The record-shaped timestamp to compare stored ones against, for a query
    bound given as any RFC 3339 time with a zone.

    Stored timestamps have exactly millisecond precision and sort as text, so
    rounding the bound up to the millisecond keeps `record >= bound` and
    `record < bound` exact for a finer bound.
    """
    instant = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError("needs a time zone (Z or +hh:mm)")
    if instant.microsecond % 1000:
        instant += timedelta(microseconds=1000 - instant.microsecond % 1000)
    return format_timestamp(instant)


def _check_id(cls, value):
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise ValueError("must be a UUID in its 8-4-4-4-12 hex form")
    return value.lower()


def _check_timestamp(cls, value):
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        raise ValueError(f"must be RFC 3339 UTC with milliseconds, like {TIMESTAMP_EXAMPLE}")
    try:
        parse_timestamp(value)
    except ValueError:
        raise ValueError(f"is not a real date and time: {value}") from None
    return value


def _check_number(cls, value):
    # JSON numbers only: pydantic would otherwise take "12.5" or true.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a JSON number")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


class MemoryRecord(StrictModel):
    """The host's memory at one enforcer cycle."""

    id: UUID = Field(..., description="Unique per record; a record whose id is stored is not stored again.")
    timestamp: str = Field(..., description=f"RFC 3339, UTC, milliseconds, like {TIMESTAMP_EXAMPLE}.")
    cycle: NonNegativeInt = Field(..., description="Enforcer cycle number since it started.")
    total_kb: NonNegativeInt
    free_kb: NonNegativeInt
    available_kb: NonNegativeInt
    used_kb: NonNegativeInt = Field(..., description="total_kb - available_kb.")
    used_percent: float = Field(..., ge=0, le=100, description="used_kb / total_kb x 100.")

    check_id = field_check("id", before=True)(_check_id)
    check_timestamp = field_check("timestamp", before=True)(_check_timestamp)
    check_numbers = field_check("used_percent", before=True)(_check_number)

    @field_check("free_kb", "available_kb", "used_kb", with_values=True)
    def within_total(cls, value, values):
        total = values.get("total_kb")
        if total is not None and value > total:
            raise ValueError(f"{value} exceeds total_kb ({total})")
        return value


class ProcessRecord(StrictModel):
    """One managed container the enforcer ranked, and what it decided."""

    id: UUID = Field(..., description="Unique per record; a record whose id is stored is not stored again.")
    timestamp: str = Field(..., description=f"RFC 3339, UTC, milliseconds, like {TIMESTAMP_EXAMPLE}.")
    cycle: NonNegativeInt
    container_id: str = Field(..., description="Docker container id, 12 to 64 lowercase hex digits.")
    name: constr(strict=True, min_length=1, max_length=256)
    image: constr(strict=True, min_length=1, max_length=512)
    class_: Literal["high", "low"] = Field(..., alias="class", description="Consumption class.")
    pid: NonNegativeInt
    vsz_kb: NonNegativeInt
    rss_kb: NonNegativeInt
    mem_percent: float = Field(..., ge=0, le=100, description="rss / host total x 100.")
    cpu_percent: float = Field(..., ge=0, description="100 = one core.")
    action: Literal["keep", "kill"]
    reason: constr(strict=True, min_length=1, max_length=1000)
    created_at: Optional[float] = Field(
        None, ge=0, description="Seconds since the epoch the container was created: the ranking's tie-break, for replay."
    )
    class_source: Optional[Literal["label", "image", "threshold"]] = Field(
        None, description="Where the class came from: its label, the policy's image map, or the thresholds."
    )

    check_id = field_check("id", before=True)(_check_id)
    check_timestamp = field_check("timestamp", before=True)(_check_timestamp)
    check_numbers = field_check("mem_percent", "cpu_percent", before=True)(_check_number)

    @field_check("created_at", before=True)
    def check_created_at(cls, value):
        return value if value is None else _check_number(cls, value)

    @field_check("container_id", before=True)
    def check_container_id(cls, value):
        if not isinstance(value, str) or not _CONTAINER_ID.fullmatch(value):
            raise ValueError("must be 12 to 64 lowercase hex digits")
        return value


def _check_batch_size(cls, value):
    if len(value) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH} records, this one {len(value)}")
    return value


class MemoryBatch(StrictModel):
    """The body of POST /v1/logs/memory."""

    records: List[MemoryRecord]

    check_size = field_check("records")(_check_batch_size)


class ProcessBatch(StrictModel):
    """The body of POST /v1/logs/process."""

    records: List[ProcessRecord]

    check_size = field_check("records")(_check_batch_size)


class BatchAck(StrictModel):
    """What happened to a batch: every record is either stored now or was already."""

    stored: int = Field(..., description="Records written by this request.")
    duplicates: int = Field(..., description="Records whose id was already stored (or repeated in the batch).")
    expired: Optional[int] = Field(
        None,
        description="Records older than the store's retention: acknowledged, not kept. Only present when some were.",
    )


class Page(StrictModel):
    total: int = Field(..., description="Records matching the filters, over all pages.")
    limit: int
    offset: int
    next_offset: Optional[int] = Field(None, description="Offset of the next page; null on the last page.")


class MemoryPage(Page):
    records: List[MemoryRecord]


class ProcessPage(Page):
    records: List[ProcessRecord]


class Summary(StrictModel):
    """The figures at the top of the report."""

    cycles: int = Field(..., description="Distinct cycle numbers seen in either stream.")
    memory_records: int
    process_records: int
    kills: int
    kills_by_class: Dict[str, int]
    keeps: int
    peak_used_kb: Optional[int] = None
    peak_used_percent: Optional[float] = None
    peak_at: Optional[str] = Field(None, description="Timestamp of the peak memory record.")
    first: Optional[str] = Field(None, description="Earliest timestamp in either stream.")
    last: Optional[str] = Field(None, description="Latest timestamp in either stream.")
    window_seconds: Optional[int] = Field(None, description="The window drawn, ending at the newest record.")
    window_start: Optional[str] = Field(None, description="Records from this time on were drawn.")


#: The window POST /v1/graphs draws unless told otherwise: the last 24 h.
DEFAULT_WINDOW_SECONDS = 86400
#: The longest window a render may ask for (a year).
MAX_WINDOW_SECONDS = 366 * 86400


class GraphsRequest(StrictModel):
    """The optional body of POST /v1/graphs."""

    window_seconds: Optional[conint(strict=True, ge=60, le=MAX_WINDOW_SECONDS)] = Field(
        None,
        description="Draw the records of this many seconds up to the newest one "
        "(default: the collector's setting, normally 86400, the last 24 h).",
    )


class GraphsRendered(StrictModel):
    """The answer to POST /v1/graphs."""

    graphs: List[str] = Field(..., description="Names to fetch with GET /v1/graphs/{name}.")
    summary: Summary


class Health(StrictModel):
    status: Literal["ok"]
    store: str
    records: Dict[str, int]
