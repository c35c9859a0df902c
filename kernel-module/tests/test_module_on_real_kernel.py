"""corral_sysinfo.ko on a real kernel.

Boots Debian's kernel under qemu once per cgroup layout (v1: Docker's
cgroupfs driver on memory and cpuacct hierarchies; v2: the systemd driver's
docker-<id>.scope, plus the cgroupfs driver's /docker/<id>), through
kernel-module/qemu/prove.sh, and checks /proc/sysinfo_corral the way a user
relies on it: against the schema and against the guest's own /proc.

Without qemu, Debian's kernel or its headers the tests are skipped, except
under CI=true, where that is a failure.

Environment:
  CORRAL_BINARY=PATH      also run `corral sysinfo --source procfs` in the guest
                          and compare its document with the module's
  CORRAL_QEMU_ACCEL=tcg   skip prove.sh's KVM probe where KVM is known broken
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from guest_console import (
    USER_HZ_NS,
    GuestRun,
    expected_cmdline,
    processes_by_pid,
)

MODULE_DIR = Path(__file__).resolve().parents[1]
PROVE = MODULE_DIR / "qemu" / "prove.sh"
SCHEMA_PATH = MODULE_DIR.parent / "schemas" / "corral.sysinfo.v1.schema.json"
# the kernel's own words for a warning, an oops, a slab corruption (slub_debug)
KERNEL_TROUBLE = re.compile(
    r"WARNING:|Oops|BUG:|BUG \S+ \(|Call Trace|KASAN|general protection"
)
DOCUMENTS = [
    "doc-empty-start", "doc-main", "doc-parent", "doc-bounded", "doc-tiny", "doc-empty-end",
]
BIG_PROCESSES = 5001  # corral-swarm and its 5,000 children


def cid(name: str) -> str:
    """init.sh's cid(): the proof's container id for a name."""
    return hashlib.sha256(f"corral-proof-{name}\n".encode()).hexdigest()


def _missing_prerequisites() -> list[str]:
    missing = []
    for tool in ("qemu-system-x86_64", "cpio", "gcc", "make", "gzip"):
        if shutil.which(tool) is None:
            missing.append(tool)
    kernels = [
        k
        for k in glob.glob("/boot/vmlinuz-*")
        if os.path.isdir("/usr/src/linux-headers-" + k[len("/boot/vmlinuz-"):])
    ]
    if not kernels:
        missing.append("a /boot/vmlinuz-VER with /usr/src/linux-headers-VER")
    if not os.access("/bin/busybox", os.X_OK):
        missing.append("/bin/busybox (busybox-static)")
    return missing


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


@pytest.fixture(scope="module", params=["v1", "v2"], ids=lambda mode: f"cgroup-{mode}")
def guest(request, tmp_path_factory) -> GuestRun:
    """One boot of the proof per cgroup layout, shared by every test."""
    missing = _missing_prerequisites()
    if missing:
        message = "the qemu proof needs: " + ", ".join(missing) + " (scripts/install-deps.sh kernel)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)

    mode = request.param
    out = tmp_path_factory.mktemp(f"prove-{mode}")
    command = [str(PROVE), "--cgroup", mode, "--out", str(out)]
    accel = os.environ.get("CORRAL_QEMU_ACCEL")
    if accel:
        command += ["--accel", accel]
    binary = os.environ.get("CORRAL_BINARY")
    if binary:
        command += ["--corral-binary", binary]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    console = out / "console.log"
    if not console.exists():
        pytest.fail(f"prove.sh left no console log:\n{result.stdout}\n{result.stderr}")
    run = GuestRun.parse(console.read_bytes())
    run.prove_result = result
    run.mode = mode
    run.used_corral_binary = bool(binary)
    return run


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def test_the_guest_verdict_is_pass(guest):
    result = guest.prove_result
    assert guest.verdict is not None, (
        "the guest printed no verdict; console tail:\n" + guest.console[-3000:]
    )
    assert guest.verdict.startswith("CORRAL-VERDICT: PASS"), guest.verdict
    assert result.returncode == 0, f"prove.sh failed:\n{result.stdout}\n{result.stderr}"


def test_the_kernel_log_has_no_warning_or_oops(guest):
    trouble = [line for line in guest.console.splitlines() if KERNEL_TROUBLE.search(line)]
    assert not trouble, "kernel trouble on the console:\n" + "\n".join(trouble[:20])


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_document_validates_against_the_schema(guest, schema, name):
    import jsonschema  # a hard requirement (python3-jsonschema): a missing validator must fail, not skip

    jsonschema.Draft202012Validator(schema).validate(guest.document(name))


@pytest.mark.parametrize("name", ["doc-empty-start", "doc-empty-end"])
def test_a_host_without_container_processes_reads_no_containers(guest, name):
    document = guest.document(name)
    assert document["containers"] == []
    assert document["source"] == "kernel"


def test_every_container_appears_with_exactly_the_pids_started_in_it(guest):
    expect = guest.expectation()
    document = guest.document("doc-main")
    found = {c["id"]: c for c in document["containers"]}
    populated = {cid for cid, members in expect.members.items() if members}

    assert set(found) == populated, "containers in the document differ from those populated"
    for cid in populated:
        container = found[cid]
        assert container["cgroup"] == expect.containers[cid]
        pids = [p["pid"] for p in container["processes"]]
        assert sorted(pids) == sorted(pid for pid, _ in expect.members[cid]), cid
        assert pids == sorted(pids), "processes are listed by pid"
    assert [c["id"] for c in document["containers"]] == sorted(found), "containers by id"


def test_the_cgroup_paths_are_those_both_docker_drivers_create(guest):
    expect = guest.expectation()
    paths = set()
    for cid, path in expect.containers.items():
        assert path in (f"/system.slice/docker-{cid}.scope", f"/docker/{cid}")
        paths.add(path.split("/")[1])
    assert paths == {"docker", "system.slice"}, "both of Docker's cgroup drivers are covered"


def test_no_process_outside_a_container_appears(guest):
    expect = guest.expectation()
    listed = processes_by_pid(guest.document("doc-main"))
    for pid, role in expect.outside:
        assert pid not in listed, f"{role} (pid {pid}) is outside every container"
    # the decoy calls itself "docker" and carries container ids in its argv
    assert all(p["name"] != "docker" for _, p in listed.values())


def test_a_process_in_a_cgroup_below_a_container_belongs_to_it(guest):
    expect = guest.expectation()
    cid, pid = expect.role("nested")
    listed = processes_by_pid(guest.document("doc-main"))
    assert listed[pid][0] == cid


def test_vsz_and_rss_match_the_guests_status_for_the_memory_holder(guest):
    _, pid = guest.expectation().role("holder")
    _, process = processes_by_pid(guest.document("doc-main"))[pid]
    status = guest.process(pid)
    assert process["vsz_kb"] == status.status_kb("VmSize")
    assert process["rss_kb"] == status.status_kb("VmRSS")
    assert process["rss_kb"] >= 32 * 1024, "the holder touched 32 MiB"


def test_vsz_and_rss_match_status_for_every_sleeping_process(guest):
    listed = processes_by_pid(guest.document("doc-main"))
    for pid, (_, process) in listed.items():
        status = guest.process(pid)
        if status.state not in ("S", "T"):
            continue
        # a group leader that exited before its threads has no mm: /proc
        # shows no VmSize and the module reports zeros
        assert process["vsz_kb"] == (status.status_kb("VmSize") or 0), pid
        assert process["rss_kb"] == (status.status_kb("VmRSS") or 0), pid


def test_cpu_time_agrees_with_stat_within_a_tick(guest):
    """utime and stime are each whole ticks rounded down: under two ticks in all."""
    listed = processes_by_pid(guest.document("doc-main"))
    _, burner = guest.expectation().role("burner")
    assert guest.process(burner).state == "T", "the burner was stopped for the comparison"
    for pid, (_, process) in listed.items():
        status = guest.process(pid)
        if status.state not in ("S", "T", "Z"):
            continue
        ticks_ns = (status.utime_ticks + status.stime_ticks) * USER_HZ_NS
        difference = process["cpu_time_ns"] - ticks_ns
        assert 0 <= difference < 2 * USER_HZ_NS, (pid, process["cpu_time_ns"], ticks_ns)


def test_identity_and_start_time_agree_with_stat(guest):
    for pid, (_, process) in processes_by_pid(guest.document("doc-main")).items():
        status = guest.process(pid)
        assert process["name"] == status.comm
        assert process["ppid"] == status.ppid
        assert process["start_time_ns"] // USER_HZ_NS == status.start_ticks


def test_the_tricky_argv_round_trips_through_json(guest):
    _, pid = guest.expectation().role("tricky")
    _, process = processes_by_pid(guest.document("doc-main"))[pid]
    raw = guest.process(pid).cmdline_raw
    assert process["cmdline"] == expected_cmdline(raw)
    assert process["name"] == 'tr"ck\\é', "comm goes through the same escaping"
    for piece in ['say "hi"', "back\\slash", "new\nline", "tab\tctl\x01\x1f del\x7f", "café € 🐎"]:
        assert piece in process["cmdline"]
    # bytes that are not UTF-8 come back as the Latin-1 characters of those bytes
    assert "bad \u00ff\u00fe \u00c3( \u00ed\u00a0\u0080 \u00c0\u00af end" in process["cmdline"]


def test_a_long_cmdline_is_cut_at_256_bytes_even_inside_a_character(guest):
    _, pid = guest.expectation().role("long")
    _, process = processes_by_pid(guest.document("doc-main"))[pid]
    raw = guest.process(pid).cmdline_raw
    assert len(raw) > 512
    assert process["cmdline"] == expected_cmdline(raw)
    assert process["cmdline"].endswith("é\u00c3"), "the cut fell inside é"


def test_every_cmdline_matches_the_guests_proc_cmdline(guest):
    for pid, (_, process) in processes_by_pid(guest.document("doc-main")).items():
        assert process["cmdline"] == expected_cmdline(guest.process(pid).cmdline_raw), pid


def test_a_leader_that_exited_before_its_threads_is_listed_with_zero_memory(guest):
    cid, pid = guest.expectation().role("leader")
    listed = processes_by_pid(guest.document("doc-main"))
    assert listed[pid][0] == cid
    process = listed[pid][1]
    assert guest.process(pid).state == "Z"
    assert (process["vsz_kb"], process["rss_kb"], process["cmdline"]) == (0, 0, "")
    assert process["cpu_time_ns"] > 0, "its live thread's CPU time still counts"


def test_the_cpu_burner_shows_a_high_cpu_percent(guest):
    _, pid = guest.expectation().role("burner")
    _, process = processes_by_pid(guest.document("doc-main"))[pid]
    assert process["cpu_percent"] >= 50.0, process
    _, holder = guest.expectation().role("holder")
    idle = processes_by_pid(guest.document("doc-main"))[holder][1]
    assert process["cpu_percent"] > 5 * idle["cpu_percent"]


def test_percentages_are_the_documented_arithmetic_truncated_to_hundredths(guest):
    document = guest.document("doc-main")
    total = document["memory"]["total_kb"]
    for _, process in processes_by_pid(document).values():
        assert process["mem_percent"] == (process["rss_kb"] * 10000 // total) / 100
        alive = document["boot_ns"] - process["start_time_ns"]
        assert alive > 0
        expected = (process["cpu_time_ns"] * 10000 // alive) / 100
        assert process["cpu_percent"] == expected, process


def test_memory_totals_match_meminfo(guest):
    memory = guest.document("doc-main")["memory"]
    meminfo = {}
    for line in guest.sections["meminfo"].splitlines():
        key, value = line.split(":", 1)
        meminfo[key] = int(value.split()[0])
    assert memory["total_kb"] == meminfo["MemTotal"]
    assert memory["used_kb"] == memory["total_kb"] - memory["available_kb"]
    assert 0 < memory["free_kb"] <= memory["total_kb"]
    assert 0 < memory["available_kb"] <= memory["total_kb"]


def test_the_document_carries_both_clocks(guest):
    document = guest.document("doc-main")
    assert document["schema"] == "corral.sysinfo/v1"
    assert document["taken_at_ns"] > 1_600_000_000 * 10**9, "CLOCK_REALTIME in ns"
    starts = [p["start_time_ns"] for _, p in processes_by_pid(document).values()]
    assert max(starts) < document["boot_ns"], "CLOCK_BOOTTIME, after every start"


GUEST_CPUS = 2  # prove.sh boots the guest with -smp 2


def test_the_procfs_twin_agrees_with_the_module(guest, schema):
    if not guest.used_corral_binary:
        message = "CORRAL_BINARY not set: no procfs twin to compare (make kernel-test sets it)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    import jsonschema  # a hard requirement: a missing validator must fail, not skip

    assert "corral-procfs" in guest.sections, guest.sections.get("corral-procfs-stderr")
    twin = json.loads(guest.sections["corral-procfs"])
    jsonschema.Draft202012Validator(schema).validate(twin)
    assert twin["source"] == "procfs"
    module = guest.document("doc-main")
    assert {c["id"]: c["cgroup"] for c in twin["containers"]} == {
        c["id"]: c["cgroup"] for c in module["containers"]
    }
    theirs = processes_by_pid(twin)
    ours = processes_by_pid(module)
    assert set(theirs) == set(ours)
    for pid, (cid, process) in ours.items():
        other = theirs[pid][1]
        assert theirs[pid][0] == cid
        for key in ("ppid", "name", "cmdline", "vsz_kb", "rss_kb"):
            assert other[key] == process[key], (pid, key)
        assert abs(other["start_time_ns"] - process["start_time_ns"]) < USER_HZ_NS
        # The twin read after the module. /proc gives utime and stime in
        # ticks, each truncated, so their sum may be up to a tick short per
        # field; and the time may have grown by at most the wall time between
        # the two reads on each of the guest's CPUs.
        between = twin["boot_ns"] - module["boot_ns"]
        assert between >= 0, "the twin read after the module"
        low = process["cpu_time_ns"] - 2 * USER_HZ_NS
        high = process["cpu_time_ns"] + between * GUEST_CPUS + USER_HZ_NS
        assert low <= other["cpu_time_ns"] <= high, (pid, process["cpu_time_ns"], other["cpu_time_ns"], between)


# ---- least exposed: who may open it ----------------------------------------

@pytest.mark.parametrize(
    "reader, outcome",
    [
        ("root", "read"),
        ("nobody", "Permission denied"),
        ("nocap", "Operation not permitted"),
        ("userns", "Operation not permitted"),
        ("pidns", "Operation not permitted"),
    ],
)
def test_only_a_privileged_reader_in_the_initial_namespaces_opens_it(guest, reader, outcome):
    lines = [l for l in guest.console.splitlines() if l.startswith(f"corral-openas: {reader}: ")]
    assert lines, f"the guest ran no corral-openas {reader}"
    if outcome == "read":
        assert re.search(r": read [1-9][0-9]* bytes of /proc/sysinfo_corral$", lines[-1]), lines
    else:
        assert lines[-1].endswith(f"open /proc/sysinfo_corral: {outcome}"), lines
    if reader == "pidns":
        # the file does show in the new namespace's own proc: refused, not hidden
        assert any("pid 1, /proc/self -> 1, /proc/sysinfo_corral mode 400" in l for l in lines), lines


def test_the_file_is_mode_0400_and_shell_tools_are_refused_too(guest):
    for check in (
        "/proc/sysinfo_corral exists, mode 0400",
        "unshare --pid --fork --mount-proc cat fails",
        "a user in setpriv --reuid=65534 cannot cat it",
    ):
        assert f"corral-proof: ok   {check}" in guest.console, check


# ---- argv as /proc/<pid>/cmdline reads it -----------------------------------

def test_a_file_mapped_over_the_argument_area_is_not_read(guest):
    """FOLL_ANON: the pages of a file (a hung FUSE or NFS one, say) are not faulted in."""
    cid_, pid = guest.expectation().role("filemapped")
    listed = processes_by_pid(guest.document("doc-main"))
    assert listed[pid][0] == cid_
    args = bytes.fromhex(guest.sections["filemapped-args"].strip())
    assert args.startswith(b"corral-argv\0filemapped\0"), "the argument area holds the args"
    assert guest.process(pid).cmdline_raw == b"", "/proc/<pid>/cmdline reads nothing there"
    assert listed[pid][1]["cmdline"] == "", "nor does the module"


# ---- membership anchored where Docker puts containers ------------------------

def _impostors(guest) -> list[tuple[int, str]]:
    found = []
    for line in guest.sections.get("expect", "").splitlines():
        kind, *rest = line.split()
        if kind == "impostor":
            found.append((int(rest[0]), rest[1]))
    return found


def test_user_made_cgroups_carrying_a_containers_id_are_not_counted(guest):
    impostors = _impostors(guest)
    assert len(impostors) >= 6
    document = guest.document("doc-main")
    populated = {c["id"] for c in document["containers"]}
    listed = processes_by_pid(document)
    for pid, cgroup in impostors:
        # each carries the id of a container that is in the document
        assert any(i in cgroup for i in populated), cgroup
        assert pid not in listed, f"pid {pid} in {cgroup} was counted"
    paths = {cgroup.split("/")[1] for _, cgroup in impostors}
    assert {"user.slice", "foo", "system.slice"} <= paths


def test_another_cgroup_parent_anchors_there_instead(guest):
    document = guest.document("doc-parent")
    cgroups = {c["id"]: c["cgroup"] for c in document["containers"]}
    assert cgroups.get(cid("seven")) == f"/corral/parent/{cid('seven')}"
    assert not [p for p in cgroups.values() if p.startswith("/docker/")]
    # the systemd driver's scopes stay where they are
    scopes = {
        c["id"] for c in guest.document("doc-main")["containers"]
        if c["cgroup"].startswith("/system.slice/")
    }
    assert scopes and scopes <= set(cgroups)


# ---- 5,000 processes and the size bound ----------------------------------------

def _summary(guest, name: str) -> tuple[dict[str, tuple[int, int]], int, int]:
    """{id: (listed, omitted)}, containers_omitted, bytes from a summary dump."""
    assert name in guest.sections, f"the guest printed no {name!r} section"
    containers, omitted, size = {}, None, None
    for line in guest.sections[name].splitlines():
        words = line.split()
        if words[0] == "container":
            containers[words[1]] = (int(words[2]), int(words[3]))
        elif words[0] == "containers_omitted":
            omitted = int(words[1])
        elif words[0] == "bytes":
            size = int(words[1])
    return containers, omitted, size


def test_a_container_with_5000_processes_is_listed_whole_within_the_default_bound(guest):
    assert guest.sections["big-procs"].split() == ["big-cgroup-procs", str(BIG_PROCESSES)]
    containers, omitted, size = _summary(guest, "summary-big")
    assert containers[cid("eight")] == (BIG_PROCESSES, 0)
    assert omitted == 0
    assert 1_000_000 < size <= 4 * 1024 * 1024
    assert list(containers) == sorted(containers), "containers by id"
    for check in (
        "5,000 processes: one valid document of at most 4 MiB (the default bound)",
        "5,000 processes: 10 reads, each a whole valid document",
    ):
        assert f"corral-proof: ok   {check}" in guest.console, check


def _listed_and_omitted(document: dict) -> dict[str, tuple[int, int]]:
    return {
        c["id"]: (len(c["processes"]), c.get("processes_omitted", 0))
        for c in document["containers"]
    }


def test_a_small_bound_leaves_processes_out_and_says_how_many(guest):
    text = guest.sections["doc-bounded"]
    assert len(text.encode()) <= 65536
    document = json.loads(text)
    full, _, _ = _summary(guest, "summary-big")
    bounded = _listed_and_omitted(document)
    assert set(bounded) == set(full), "every container is still there"
    assert "containers_omitted" not in document
    for container_id, (listed, omitted) in bounded.items():
        assert listed >= 1
        assert listed + omitted == full[container_id][0], container_id
    listed, omitted = bounded[cid("eight")]
    assert omitted > 0 and listed > 10, (listed, omitted)
    big = next(c for c in document["containers"] if c["id"] == cid("eight"))
    pids = [p["pid"] for p in big["processes"]]
    assert pids == sorted(pids)


def test_a_tiny_bound_leaves_the_last_containers_out_and_says_how_many(guest):
    text = guest.sections["doc-tiny"]
    assert len(text.encode()) <= 16384
    document = json.loads(text)
    everything, none_omitted, _ = _summary(guest, "summary-all")
    assert none_omitted == 0 and len(everything) >= 15
    tiny = _listed_and_omitted(document)
    assert list(tiny) == sorted(everything)[: len(tiny)], "the first containers by id"
    assert document["containers_omitted"] == len(everything) - len(tiny)
    for container_id, (listed, omitted) in tiny.items():
        assert listed >= 1
        assert listed + omitted == everything[container_id][0], container_id
