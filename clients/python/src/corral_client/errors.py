"""Errors as exceptions that carry the server's status, code and message."""

from __future__ import annotations

from typing import Optional


class CorralError(Exception):
    """The control plane answered with an error (or could not be reached)."""

    def __init__(self, message: str, status: Optional[int] = None, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __str__(self) -> str:
        if self.status is None:
            return self.message
        return f"{self.status} {self.code}: {self.message}"


class CorralConnectionError(CorralError):
    """No answer: refused, timed out, cut (after the retries)."""


class BadRequest(CorralError):
    """400 or 422: the request named something wrong (the message says what)."""


class Unauthorized(CorralError):
    """401: no token, or the wrong one."""


class NotFound(CorralError):
    """404: no such container, job or node."""


class Conflict(CorralError):
    """409: an idempotency key reused with another body, a name taken, a container being deleted."""


class QueueFull(CorralError):
    """429 after the retries: too many jobs wait to be scheduled."""

    def __init__(self, message: str, status: Optional[int] = None, code: Optional[str] = None, retry_after: Optional[float] = None) -> None:
        super().__init__(message, status, code)
        self.retry_after = retry_after


class Unavailable(CorralError):
    """503 after the retries: the control plane's store failed."""


class JobFailed(CorralError):
    """A job waited for ended `failed`; `reason` says why."""

    def __init__(self, job_id: str, reason: Optional[str]) -> None:
        super().__init__(f"job {job_id} failed: {reason or 'no reason given'}")
        self.job_id = job_id
        self.reason = reason


class WaitTimeout(CorralError):
    """A job did not finish within the time given."""

    def __init__(self, job_id: str, state: str, timeout: float) -> None:
        super().__init__(f"job {job_id} still {state} after {timeout} s")
        self.job_id = job_id
        self.state = state
        self.timeout = timeout


def for_status(status: int, code: str, message: str, retry_after: Optional[float]) -> CorralError:
    """The exception for an error answer."""
    if status == 401:
        return Unauthorized(message, status, code)
    if status == 404:
        return NotFound(message, status, code)
    if status == 409:
        return Conflict(message, status, code)
    if status == 429:
        return QueueFull(message, status, code, retry_after)
    if status == 503:
        return Unavailable(message, status, code)
    if status in (400, 413, 422):
        return BadRequest(message, status, code)
    return CorralError(message, status, code)
