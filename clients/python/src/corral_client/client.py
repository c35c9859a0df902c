"""Client(url, token): containers, jobs and nodes over the admin API, with
retries (429, 503, connection errors) and an idempotency key on every create."""

from __future__ import annotations

import random
import time
import uuid
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union
from urllib.parse import quote

import httpx

from .errors import CorralConnectionError, CorralError, JobFailed, WaitTimeout, for_status
from .models import Container, ContainerSpec, Job, JobAccepted, JobState, Node, PublishedPort

RETRIED_STATUSES = (429, 503)


class Client:
    """The admin API at `url` with the bearer `token` (the control plane's admin.token)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 10.0,
        retries: int = 5,
        backoff: float = 0.2,
        max_backoff: float = 5.0,
        transport: Optional[httpx.BaseTransport] = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout, transport=transport
        )
        self.containers = Containers(self)
        self.jobs = Jobs(self)
        self.nodes = Nodes(self)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, *, json: Any = None, headers: Optional[Mapping[str, str]] = None,
                params: Optional[List[tuple[str, str]]] = None) -> Any:
        """Sends a request, retrying 429, 503 and connection errors with
        back-off (Retry-After when the server gives one); answers the JSON
        body, or raises the error the server named."""
        attempt = 0
        while True:
            try:
                query = httpx.QueryParams(tuple(params)) if params else None
                response = self._http.request(method, path, json=json, headers=headers, params=query)
            except httpx.TransportError as error:
                if attempt >= self.retries:
                    raise CorralConnectionError(f"cannot reach {self.url}{path}: {error}") from error
                self._sleep(attempt, None)
                attempt += 1
                continue
            if response.status_code in RETRIED_STATUSES and attempt < self.retries:
                self._sleep(attempt, _retry_after(response))
                attempt += 1
                continue
            if response.status_code >= 400:
                raise _error(response)
            if response.status_code == 204 or not response.content:
                return None
            return response.json()

    def _sleep(self, attempt: int, retry_after: Optional[float]) -> None:
        delay = min(self.max_backoff, self.backoff * (2 ** attempt)) * (1 + random.random() * 0.5)
        if retry_after is not None:
            delay = max(delay, retry_after)
        time.sleep(delay)


class Containers:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        image: str,
        *,
        arguments: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
        labels: Optional[Mapping[str, str]] = None,
        name: Optional[str] = None,
        cpus: Optional[float] = None,
        memory_bytes: Optional[int] = None,
        node_labels: Optional[Mapping[str, str]] = None,
        runtime: Optional[str] = None,
        strategy: Optional[str] = None,
        network: Optional[str] = None,
        ports: Sequence[Union[str, PublishedPort]] = (),
        idempotency_key: Optional[str] = None,
    ) -> JobAccepted:
        """Creates a container; answers once the job is stored. Every create
        carries an idempotency key (a new UUID unless given), so the retries
        of one call never create twice. ``network="bridge"`` or ``ports``
        (``"8080:80"`` or PublishedPort) put it on its node's bridge: a box,
        with an address of its own and those ports published on the node."""
        spec = ContainerSpec(
            image=image, arguments=list(arguments), env=dict(env or {}), labels=dict(labels or {}), name=name, cpus=cpus,
            memory_bytes=memory_bytes, node_labels=dict(node_labels or {}), runtime=runtime, strategy=strategy, network=network,
            ports=[p if isinstance(p, PublishedPort) else PublishedPort.parse(p) for p in ports],
        )
        key = idempotency_key or str(uuid.uuid4())
        data = self._client.request("POST", "/v1/containers", json=spec.to_json(), headers={"Idempotency-Key": key})
        return JobAccepted.from_json(data)

    def list(self, *, node: Optional[str] = None, state: Optional[str] = None, labels: Optional[Mapping[str, str]] = None) -> List[Container]:
        params: List[tuple[str, str]] = []
        if node is not None:
            params.append(("node", node))
        if state is not None:
            params.append(("state", str(getattr(state, "value", state))))
        for key, value in (labels or {}).items():
            params.append(("label", f"{key}={value}"))
        data = self._client.request("GET", "/v1/containers", params=params)
        return [Container.from_json(item) for item in data["containers"]]

    def get(self, container: str) -> Container:
        """One container, by id or name."""
        return Container.from_json(self._client.request("GET", f"/v1/containers/{quote(container, safe='')}"))

    def stop(self, container: str) -> JobAccepted:
        return JobAccepted.from_json(self._client.request("POST", f"/v1/containers/{quote(container, safe='')}/stop"))

    def delete(self, container: str) -> JobAccepted:
        return JobAccepted.from_json(self._client.request("DELETE", f"/v1/containers/{quote(container, safe='')}"))


class Jobs:
    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self, job: str) -> Job:
        return Job.from_json(self._client.request("GET", f"/v1/jobs/{quote(job, safe='')}"))

    def wait(self, job: "str | JobAccepted", timeout: float = 60.0, interval: float = 0.1) -> Job:
        """Polls a job until it succeeds (answered) or fails (JobFailed);
        WaitTimeout when it is still going after `timeout` seconds."""
        job_id = job.job_id if isinstance(job, JobAccepted) else job
        deadline = time.monotonic() + timeout
        while True:
            current = self.get(job_id)
            if current.state == JobState.FAILED:
                raise JobFailed(job_id, current.reason)
            if current.state == JobState.SUCCEEDED:
                return current
            if time.monotonic() >= deadline:
                raise WaitTimeout(job_id, current.state.value, timeout)
            time.sleep(interval)


class Nodes:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self) -> List[Node]:
        return [Node.from_json(item) for item in self._client.request("GET", "/v1/nodes")["nodes"]]

    def drain(self, node: str, enabled: bool = True) -> Node:
        """Drains a node (it keeps its containers, takes no new ones), or lets it take work again."""
        params: List[tuple[str, str]] = [] if enabled else [("enabled", "false")]
        return Node.from_json(self._client.request("POST", f"/v1/nodes/{quote(node, safe='')}/drain", params=params))


def _retry_after(response: httpx.Response) -> Optional[float]:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _error(response: httpx.Response) -> CorralError:
    code = f"http_{response.status_code}"
    message = response.text[:500]
    try:
        body: Dict[str, Any] = response.json()
        detail = body.get("error") or {}
        code = str(detail.get("code", code))
        message = str(detail.get("message", message))
    except ValueError:
        pass
    return for_status(response.status_code, code, message, _retry_after(response))
