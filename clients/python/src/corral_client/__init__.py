"""corral-client: the Python client of Corral's control plane (its admin API).

    from corral_client import Client

    with Client("http://127.0.0.1:7480", token=open("/var/lib/corral/control/admin.token").read().strip()) as corral:
        job = corral.containers.create("corral/low-idle", labels={"app": "web"})
        done = corral.jobs.wait(job.job_id, timeout=60)
        print(corral.containers.get(job.container_id).actual)
"""

from .client import Client, Containers, Jobs, Nodes
from .errors import (
    BadRequest,
    Conflict,
    CorralConnectionError,
    CorralError,
    JobFailed,
    NotFound,
    QueueFull,
    Unauthorized,
    Unavailable,
    WaitTimeout,
)
from .models import ActualState, Container, ContainerSpec, DesiredState, Job, JobAccepted, JobState, Node, NodeState, PublishedPort, Resources

__all__ = [
    "ActualState",
    "BadRequest",
    "Client",
    "Conflict",
    "Container",
    "ContainerSpec",
    "Containers",
    "CorralConnectionError",
    "CorralError",
    "DesiredState",
    "Job",
    "JobAccepted",
    "JobFailed",
    "JobState",
    "Jobs",
    "Node",
    "NodeState",
    "Nodes",
    "NotFound",
    "PublishedPort",
    "QueueFull",
    "Resources",
    "Unauthorized",
    "Unavailable",
    "WaitTimeout",
]
