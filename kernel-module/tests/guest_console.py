"""Reads what the proof's guest printed on its serial console.

kernel-module/qemu/init.sh prints dumps between
"==== CORRAL BEGIN <name> ====" and "==== CORRAL END <name> ====" lines and,
last, one "CORRAL-VERDICT: ..." line. This module turns that text into
values the tests can compare.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_SECTION = re.compile(
    r"^==== CORRAL BEGIN (?P<name>[^\n]+?) ====\n(?P<body>.*?)^==== CORRAL END (?P=name) ====$",
    re.MULTILINE | re.DOTALL,
)

USER_HZ_NS = 10_000_000  # /proc/<pid>/stat counts clock ticks of 1/100 s
CMDLINE_MAX = 256  # bytes of the argument area the module reports


@dataclass
class GuestProcess:
    """The guest's own /proc view of one process, read right after the document."""

    pid: int
    comm: str
    state: str
    ppid: int
    utime_ticks: int
    stime_ticks: int
    start_ticks: int
    status: dict[str, str]
    cmdline_raw: bytes

    def status_kb(self, key: str) -> int | None:
        value = self.status.get(key)
        return int(value.split()[0]) if value else None


@dataclass
class Expectation:
    """What the guest set up: containers with their cgroup and member pids."""

    containers: dict[str, str] = field(default_factory=dict)  # id -> cgroup path
    members: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # id -> [(pid, role)]
    outside: list[tuple[int, str]] = field(default_factory=list)

    def role(self, role: str) -> tuple[str, int]:
        """(container id, pid) of the one member with that role."""
        found = [(cid, pid) for cid, ms in self.members.items() for pid, r in ms if r == role]
        assert len(found) == 1, f"expected one process with role {role}, found {found}"
        return found[0]


@dataclass
class GuestRun:
    console: str
    sections: dict[str, str]
    verdict: str | None

    @classmethod
    def parse(cls, raw: bytes) -> "GuestRun":
        console = raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "")
        sections = {m["name"]: m["body"] for m in _SECTION.finditer(console)}
        verdicts = re.findall(r"^CORRAL-VERDICT: .*$", console, re.MULTILINE)
        return cls(console, sections, verdicts[-1] if verdicts else None)

    def document(self, name: str) -> dict:
        assert name in self.sections, f"the guest printed no {name!r} section"
        return json.loads(self.sections[name])

    def expectation(self) -> Expectation:
        exp = Expectation()
        for line in self.sections.get("expect", "").splitlines():
            kind, *rest = line.split()
            if kind == "container":
                exp.containers[rest[0]] = rest[1]
            elif kind == "member" and rest[2] != "churn":
                exp.members.setdefault(rest[0], []).append((int(rest[1]), rest[2]))
            elif kind == "outside" and rest[1] != "churn":
                exp.outside.append((int(rest[0]), rest[1]))
        return exp

    def process(self, pid: int) -> GuestProcess:
        body = self.sections.get(f"proc {pid}")
        assert body is not None, f"the guest dumped no /proc view of pid {pid}"
        stat_line, status, cmdline_hex = "", {}, ""
        for line in body.splitlines():
            if line.startswith("stat: "):
                stat_line = line[len("stat: "):]
            elif line.startswith("cmdline: "):
                cmdline_hex = line[len("cmdline: "):].strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                status[key] = value.strip()
        comm = stat_line[stat_line.index("(") + 1 : stat_line.rindex(")")]
        fields = stat_line[stat_line.rindex(")") + 2 :].split()
        # fields[0] is stat field 3 (state)
        return GuestProcess(
            pid=pid,
            comm=comm,
            state=fields[0],
            ppid=int(fields[1]),
            utime_ticks=int(fields[11]),
            stime_ticks=int(fields[12]),
            start_ticks=int(fields[19]),
            status=status,
            cmdline_raw=bytes.fromhex(cmdline_hex),
        )


def expected_cmdline(raw: bytes) -> str:
    """The cmdline string the module promises for an argument area.

    First CMDLINE_MAX bytes, trailing NULs dropped, other NULs as spaces;
    well-formed UTF-8 kept, every other byte read as Latin-1 (U+0080..U+00FF).
    """
    data = raw[:CMDLINE_MAX].rstrip(b"\0").replace(b"\0", b" ")
    out, i = [], 0
    while i < len(data):
        for n in (4, 3, 2, 1):
            chunk = data[i : i + n]
            if len(chunk) != n:
                continue
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if n == 1 and ord(text) >= 0x80:
                continue
            out.append(text)
            i += n
            break
        else:
            out.append(chr(data[i]))
            i += 1
    return "".join(out)


def processes_by_pid(document: dict) -> dict[int, tuple[str, dict]]:
    """pid -> (container id, process entry)."""
    found = {}
    for container in document["containers"]:
        for process in container["processes"]:
            assert process["pid"] not in found, f"pid {process['pid']} listed twice"
            found[process["pid"]] = (container["id"], process)
    return found
