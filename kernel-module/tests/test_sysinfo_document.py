"""The corral.sysinfo/v1 document's shape, without a kernel.

Checks the JSON Schema itself and how it judges documents, and the
cmdline rule the module and its procfs twin share (guest_console).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema  # a hard requirement (python3-jsonschema): a missing validator must fail, not skip
import pytest

from guest_console import expected_cmdline

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "corral.sysinfo.v1.schema.json"
ID = "3f" * 32

VALID = {
    "schema": "corral.sysinfo/v1",
    "source": "kernel",
    "taken_at_ns": 1795294158452569000,
    "boot_ns": 189770881000,
    "memory": {"total_kb": 2048000, "free_kb": 1024000, "available_kb": 1536000, "used_kb": 512000},
    "containers": [
        {
            "id": ID,
            "cgroup": f"/docker/{ID}",
            "processes": [
                {
                    "pid": 4242,
                    "ppid": 4200,
                    "name": "stress",
                    "cmdline": "stress --vm 1 \u00ff",
                    "vsz_kb": 33760,
                    "rss_kb": 33328,
                    "mem_percent": 1.62,
                    "cpu_time_ns": 4290314853,
                    "start_time_ns": 5121336320,
                    "cpu_percent": 138.52,
                }
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def mutated(change):
    document = copy.deepcopy(VALID)
    change(document)
    return document


def process(document):
    return document["containers"][0]["processes"][0]


def test_a_full_document_is_valid(validator):
    validator.validate(VALID)


def test_an_empty_host_is_valid(validator):
    validator.validate(mutated(lambda d: d.update(containers=[])))


@pytest.mark.parametrize(
    "cgroup",
    [
        f"/docker/{ID}",
        f"/system.slice/docker-{ID}.scope",
        f"/kubepods/docker/{ID}",
        f"/corral/parent/{ID}",  # cgroup_parent=corral/parent
    ],
)
def test_docker_cgroup_paths_are_valid(validator, cgroup):
    validator.validate(mutated(lambda d: d["containers"][0].update(cgroup=cgroup)))


def test_a_bounded_document_says_what_it_left_out(validator):
    def bounded(d):
        d["containers"][0]["processes_omitted"] = 4718
        d["containers_omitted"] = 8

    validator.validate(mutated(bounded))


def test_the_procfs_twin_is_a_valid_source(validator):
    validator.validate(mutated(lambda d: d.update(source="procfs")))


@pytest.mark.parametrize(
    "why, change",
    [
        ("unknown top-level field", lambda d: d.update(extra=1)),
        ("unknown process field", lambda d: process(d).update(threads=2)),
        ("unknown memory field", lambda d: d["memory"].update(swap_kb=0)),
        ("other schema", lambda d: d.update(schema="corral.sysinfo/v2")),
        ("other source", lambda d: d.update(source="guess")),
        ("upper-case id", lambda d: d["containers"][0].update(id=ID.upper())),
        ("short id", lambda d: d["containers"][0].update(id=ID[:63])),
        ("cgroup not a container's", lambda d: d["containers"][0].update(cgroup="/system.slice")),
        ("negative rss", lambda d: process(d).update(rss_kb=-1)),
        ("fractional vsz", lambda d: process(d).update(vsz_kb=1.5)),
        ("string pid", lambda d: process(d).update(pid="4242")),
        ("pid zero", lambda d: process(d).update(pid=0)),
        ("negative cpu percent", lambda d: process(d).update(cpu_percent=-0.01)),
        ("missing cmdline", lambda d: process(d).pop("cmdline")),
        ("missing memory", lambda d: d.pop("memory")),
        ("container without processes", lambda d: d["containers"][0].update(processes=[])),
        ("null containers", lambda d: d.update(containers=None)),
        ("a scope at the root", lambda d: d["containers"][0].update(cgroup=f"/docker-{ID}.scope")),
        ("an id at the root", lambda d: d["containers"][0].update(cgroup=f"/{ID}")),
        ("zero processes omitted", lambda d: d["containers"][0].update(processes_omitted=0)),
        ("negative processes omitted", lambda d: d["containers"][0].update(processes_omitted=-1)),
        ("fractional processes omitted", lambda d: d["containers"][0].update(processes_omitted=1.5)),
        ("zero containers omitted", lambda d: d.update(containers_omitted=0)),
        ("string containers omitted", lambda d: d.update(containers_omitted="8")),
    ],
)
def test_the_schema_rejects(validator, why, change):
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(mutated(change))


@pytest.mark.parametrize(
    "raw, text",
    [
        (b"sleep\x00100\x00", "sleep 100"),
        (b"a\x00\x00b\x00\x00\x00", "a  b"),
        (b"", ""),
        (b"caf\xc3\xa9\x00", "café"),
        (b"bad\xff\x00", "bad\u00ff"),
        (b"half\xe2\x82\x00", "half\u00e2\u0082"),
        (b"surrogate\xed\xa0\x80", "surrogate\u00ed\u00a0\u0080"),
        (b"overlong\xc0\xaf", "overlong\u00c0\u00af"),
        (b"x" * 255 + b"\xc3\xa9", "x" * 255 + "\u00c3"),
        (b"y" * 300, "y" * 256),
    ],
)
def test_the_cmdline_rule(raw, text):
    assert expected_cmdline(raw) == text
