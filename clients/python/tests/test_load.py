"""1,000 creates through the SDK from 10 threads across two replicas on one
PostgreSQL: every create acknowledged, none lost, none doubled (against
Docker's own list), every job ended, succeeded or failed with a reason."""

from __future__ import annotations

import subprocess
import threading
import time
from typing import Dict, List

from corral_client import Client, Job, JobAccepted, JobState


THREADS = 10
PER_THREAD = 100


def test_1000_creates_from_10_threads_across_two_replicas(replicas) -> None:
    with Client(replicas.urls[0], replicas.token) as probe:
        deadline = time.monotonic() + 30
        while sum(1 for n in probe.nodes.list() if n.id in replicas.nodes and n.state.value == "ready") < 2:
            assert time.monotonic() < deadline, "the agents never came up"
            time.sleep(0.1)

    accepted: List[JobAccepted] = []
    failures: List[str] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        # Each thread its own client, half of them on each replica.
        with Client(replicas.urls[index % 2], replicas.token) as corral:
            for _ in range(PER_THREAD):
                try:
                    job = corral.containers.create("corral/low-idle", labels={"test": "load"})
                except Exception as error:  # recorded, not lost: the test fails below
                    with lock:
                        failures.append(repr(error))
                    continue
                with lock:
                    accepted.append(job)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    print(f"\n1000 creates acknowledged in {took:.1f} s ({1000 / took:.0f}/s) through two replicas")
    assert failures == []
    assert len(accepted) == THREADS * PER_THREAD
    assert len({a.job_id for a in accepted}) == len(accepted), "every create its own job"
    assert len({a.container_id for a in accepted}) == len(accepted), "every create its own container"

    # Every job ends: placed and run, or failed (50 a node: the rest wait
    # for room, then fail after the placement timeout, with the reason).
    ended: Dict[str, Job] = {}
    deadline = time.monotonic() + 600
    with Client(replicas.urls[1], replicas.token) as corral:
        while len(ended) < len(accepted):
            assert time.monotonic() < deadline, f"{len(accepted) - len(ended)} jobs never ended"
            for job in accepted:
                if job.job_id in ended:
                    continue
                current = corral.jobs.get(job.job_id)
                if current.state in (JobState.SUCCEEDED, JobState.FAILED):
                    ended[job.job_id] = current
            time.sleep(0.5)
    succeeded = [job for job in ended.values() if job.state == JobState.SUCCEEDED]
    failed = [job for job in ended.values() if job.state == JobState.FAILED]
    print(f"{len(succeeded)} succeeded, {len(failed)} failed; a failure's reason: {failed[0].reason if failed else None}")
    assert all(job.reason for job in failed), "every failed job says why"
    assert len(succeeded) == 100, "both nodes filled to their 50"

    # Docker's own list: exactly the succeeded jobs' containers, once each.
    in_docker: List[str] = []
    for node in replicas.nodes:
        listed = subprocess.run(
            ["docker", "ps", "-a", "--filter", f"label=corral.node={node}", "--format", '{{.Label "corral.container"}}'],
            capture_output=True, text=True, check=True, timeout=60)
        in_docker += listed.stdout.split()
    assert len(in_docker) == len(set(in_docker)), "no container doubled"
    assert sorted(in_docker) == sorted(job.container_id for job in succeeded), "no container lost, none extra"
