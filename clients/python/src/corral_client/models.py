"""The admin API's documents as typed values (the OpenAPI document's schemas)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional


class JobState(str, enum.Enum):
    RECEIVED = "received"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED)


class DesiredState(str, enum.Enum):
    RUNNING = "running"
    STOPPED = "stopped"
    DELETED = "deleted"


class ActualState(str, enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    STOPPED = "stopped"
    EXITED = "exited"
    LOST = "lost"


class NodeState(str, enum.Enum):
    READY = "ready"
    DRAINING = "draining"
    DOWN = "down"


def _strings(value: Any) -> Dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


@dataclass(frozen=True)
class ContainerSpec:
    """What a container was asked to be."""

    image: str
    arguments: List[str] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    labels: Dict[str, str] = field(default_factory=dict)
    name: Optional[str] = None
    cpus: Optional[float] = None
    memory_bytes: Optional[int] = None
    node_labels: Dict[str, str] = field(default_factory=dict)
    runtime: Optional[str] = None
    strategy: Optional[str] = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ContainerSpec":
        return cls(
            image=str(data["image"]),
            arguments=[str(a) for a in data.get("arguments") or []],
            env=_strings(data.get("env")),
            labels=_strings(data.get("labels")),
            name=data.get("name"),
            cpus=data.get("cpus"),
            memory_bytes=data.get("memory_bytes"),
            node_labels=_strings(data.get("node_labels")),
            runtime=data.get("runtime"),
            strategy=data.get("strategy"),
        )

    def to_json(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {"image": self.image, "arguments": list(self.arguments), "env": dict(self.env), "labels": dict(self.labels)}
        if self.node_labels:
            body["node_labels"] = dict(self.node_labels)
        for key in ("name", "cpus", "memory_bytes", "runtime", "strategy"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        return body


@dataclass(frozen=True)
class Container:
    """A container as the service knows it: what it should be and what it is."""

    id: str
    name: str
    spec: ContainerSpec
    desired: DesiredState
    actual: ActualState
    created_at: str
    updated_at: str
    node: Optional[str] = None
    runtime_id: Optional[str] = None
    exit_code: Optional[int] = None
    reason: Optional[str] = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Container":
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            spec=ContainerSpec.from_json(data["spec"]),
            desired=DesiredState(data["desired"]),
            actual=ActualState(data["actual"]),
            created_at=str(data["created_at"]),
            updated_at=str(data["updated_at"]),
            node=data.get("node"),
            runtime_id=data.get("runtime_id"),
            exit_code=data.get("exit_code"),
            reason=data.get("reason"),
        )


@dataclass(frozen=True)
class JobAccepted:
    """The answer to a create, stop or delete: the job that will do it."""

    job_id: str
    container_id: str
    state: JobState

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "JobAccepted":
        return cls(job_id=str(data["job_id"]), container_id=str(data["container_id"]), state=JobState(data["state"]))


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    container_id: str
    state: JobState
    attempts: int
    created_at: str
    updated_at: str
    reason: Optional[str] = None
    node: Optional[str] = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Job":
        return cls(
            id=str(data["id"]),
            kind=str(data["kind"]),
            container_id=str(data["container_id"]),
            state=JobState(data["state"]),
            attempts=int(data["attempts"]),
            created_at=str(data["created_at"]),
            updated_at=str(data["updated_at"]),
            reason=data.get("reason"),
            node=data.get("node"),
        )


@dataclass(frozen=True)
class Resources:
    millicpus: int
    memory_bytes: int
    containers: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Resources":
        return cls(millicpus=int(data["millicpus"]), memory_bytes=int(data["memory_bytes"]), containers=int(data["containers"]))


@dataclass(frozen=True)
class Node:
    id: str
    runtime: str
    labels: Dict[str, str]
    state: NodeState
    capacity: Resources
    allocated: Resources
    running: int
    last_heartbeat: str
    registered_at: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Node":
        return cls(
            id=str(data["id"]),
            runtime=str(data["runtime"]),
            labels=_strings(data.get("labels")),
            state=NodeState(data["state"]),
            capacity=Resources.from_json(data["capacity"]),
            allocated=Resources.from_json(data["allocated"]),
            running=int(data["running"]),
            last_heartbeat=str(data["last_heartbeat"]),
            registered_at=str(data["registered_at"]),
        )
