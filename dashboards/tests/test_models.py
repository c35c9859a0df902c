"""What a record is: the models accept the contract's shape and nothing else."""

import pytest
from conftest import memory_record, process_record

from collector._compat import parse, to_jsonable
from collector.models import MemoryRecord, ProcessRecord, query_bound


def errors_of(model, data):
    with pytest.raises(Exception) as caught:
        parse(model, data)
    return [(tuple(e["loc"]), e["msg"]) for e in caught.value.errors()]


def test_a_memory_record_in_the_contract_shape_is_accepted():
    record = memory_record()
    assert to_jsonable(parse(MemoryRecord, record)) == record


def test_a_process_record_keeps_its_class_field_named_class():
    record = process_record()
    assert to_jsonable(parse(ProcessRecord, record)) == record


def test_an_upper_case_uuid_is_stored_in_lower_case():
    record = memory_record(id="1B4E28BA-2FA1-11D2-883F-0016D3CCA427")
    assert to_jsonable(parse(MemoryRecord, record))["id"] == "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


@pytest.mark.parametrize(
    "timestamp",
    [
        "2026-11-21T21:07:15Z",  # no milliseconds
        "2026-11-21T21:07:15.1234Z",  # microseconds
        "2026-11-21T21:07:15.123+00:00",  # an offset, even a zero one
        "2026-11-21T22:07:15.123+01:00",
        "2026-11-21 21:07:15.123Z",  # a space for the T
        "2026-11-21T21:07:15.123z",
        "2026-11-21T21:07:15.123",  # no zone
        "2026-02-30T21:07:15.123Z",  # no such day
        "2026-11-21T24:00:00.000Z",
        "1795294035123",  # epoch milliseconds
        "",
    ],
)
def test_only_rfc3339_utc_with_milliseconds_is_a_timestamp(timestamp):
    assert [loc for loc, _ in errors_of(MemoryRecord, memory_record(timestamp=timestamp))] == [("timestamp",)]


@pytest.mark.parametrize(
    "field, value",
    [
        ("id", "not-a-uuid"),
        ("id", "{1b4e28ba-2fa1-11d2-883f-0016d3cca427}"),
        ("id", "1b4e28ba2fa111d2883f0016d3cca427"),
        ("id", 12),
        ("cycle", -1),
        ("cycle", 1.5),
        ("cycle", "7"),
        ("cycle", True),
        ("total_kb", None),
        ("free_kb", -5),
        ("used_kb", 9_000_000),  # more than total_kb
        ("available_kb", 9_000_000),
        ("used_percent", 100.5),
        ("used_percent", -0.1),
        ("used_percent", "62.5"),
        ("used_percent", False),
    ],
)
def test_a_bad_memory_field_is_named(field, value):
    locs = [loc for loc, _ in errors_of(MemoryRecord, memory_record(**{field: value}))]
    assert locs == [(field,)]


@pytest.mark.parametrize(
    "field, value",
    [
        ("class", "medium"),
        ("class", "HIGH"),
        ("action", "stop"),
        ("container_id", "short"),
        ("container_id", "3F" * 32),
        ("container_id", "3f" * 33),
        ("name", ""),
        ("image", 5),
        ("reason", ""),
        ("pid", -1),
        ("vsz_kb", 1.0),
        ("rss_kb", "8000"),
        ("mem_percent", 101),
        ("cpu_percent", -1),
        ("created_at", -1),
        ("created_at", "yesterday"),
        ("class_source", "guess"),
    ],
)
def test_a_bad_process_field_is_named(field, value):
    locs = [loc for loc, _ in errors_of(ProcessRecord, process_record(**{field: value}))]
    assert locs == [(field,)]


def test_a_process_record_from_before_replay_without_created_at_or_class_source_is_accepted():
    record = process_record()
    del record["created_at"], record["class_source"]
    stored = to_jsonable(parse(ProcessRecord, record))
    assert stored["created_at"] is None and stored["class_source"] is None


def test_cpu_percent_may_exceed_one_core():
    assert parse(ProcessRecord, process_record(cpu_percent=390.0)).cpu_percent == 390.0


@pytest.mark.parametrize("model, maker", [(MemoryRecord, memory_record), (ProcessRecord, process_record)])
def test_fields_outside_the_contract_are_refused(model, maker):
    assert [loc for loc, _ in errors_of(model, maker(hostname="h1"))] == [("hostname",)]


@pytest.mark.parametrize("model, maker", [(MemoryRecord, memory_record), (ProcessRecord, process_record)])
def test_every_contract_field_is_required(model, maker):
    record = maker()
    del record["timestamp"]
    assert [loc for loc, _ in errors_of(model, record)] == [("timestamp",)]


@pytest.mark.parametrize(
    "bound, expected",
    [
        ("2026-11-21T21:07:15.123Z", "2026-11-21T21:07:15.123Z"),
        ("2026-11-21T21:07:15Z", "2026-11-21T21:07:15.000Z"),
        ("2026-11-21T22:07:15.123+01:00", "2026-11-21T21:07:15.123Z"),
        ("2026-11-21T21:07:15.123001Z", "2026-11-21T21:07:15.124Z"),  # rounded up, never down
    ],
)
def test_query_bounds_are_any_zoned_rfc3339_time_in_record_shape(bound, expected):
    assert query_bound(bound) == expected


@pytest.mark.parametrize("bound", ["yesterday", "2026-11-21T21:07:15", ""])
def test_a_query_bound_without_a_zone_is_refused(bound):
    with pytest.raises(ValueError):
        query_bound(bound)
