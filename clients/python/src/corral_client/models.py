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
class PublishedPort:
    """A port published on the container's node: host_port there reaches
    container_port in the container (boxes on the node's bridge)."""

    host_port: int
    container_port: int
    protocol: str = "tcp"
    host_address: Optional[str] = None

    @classmethod
    def parse(cls, text: str) -> "PublishedPort":
        """``[ADDRESS:]HOSTPORT:PORT[/tcp|/udp]``, as ``corral ctl create --publish`` takes it."""
        body, _, protocol = text.partition("/")
        parts = body.split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts[-2:]):
            raise ValueError(f"port {text!r}: write [ADDRESS:]HOSTPORT:PORT, optionally /tcp or /udp after")
        return cls(int(parts[-2]), int(parts[-1]), protocol or "tcp", parts[0] if len(parts) == 3 else None)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PublishedPort":
        return cls(int(data["host_port"]), int(data["container_port"]), data.get("protocol") or "tcp", data.get("host_address"))

    def to_json(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {"host_port": self.host_port, "container_port": self.container_port, "protocol": self.protocol}
        if self.host_address is not None:
            body["host_address"] = self.host_address
        return body


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
    network: Optional[str] = None
    ports: List[PublishedPort] = field(default_factory=list)

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
            network=data.get("network"),
            ports=[PublishedPort.from_json(p) for p in data.get("ports") or []],
        )

    def to_json(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {"image": self.image, "arguments": list(self.arguments), "env": dict(self.env), "labels": dict(self.labels)}
        if self.node_labels:
            body["node_labels"] = dict(self.node_labels)
        if self.ports:
            body["ports"] = [p.to_json() for p in self.ports]
        for key in ("name", "cpus", "memory_bytes", "runtime", "strategy", "network"):
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
    address: Optional[str] = None

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
            address=data.get("address"),
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
