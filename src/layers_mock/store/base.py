"""What the rules need from a store: data, and state changes that are atomic.

No rule lives here: a store never decides who may do what or which error follows. It keeps
records, applies a change only while the record still looks as expected (compare-and-set), and
keeps the small counters and logs the mock needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Protocol

from ..models import ApiKey, Container, Org, Project


class DuplicateId(Exception):
    """An id to be created already exists; nothing was created."""


class StoreUnavailable(Exception):
    """The backing service cannot be reached; answered as 503."""


@dataclass(slots=True)
class IdempotencyRecord:
    fingerprint: str
    status: int | None = None  # None while the first request is still running
    body: str = ""
    request_id: str = ""


class Store(Protocol):
    def first_start(self) -> bool:
        """True for the first process to start on this (possibly shared) state: it loads the start-up data."""

    def reset(self) -> None:
        """Forget everything in this store's namespace."""

    def add(
        self,
        orgs: Iterable[Org] = (),
        keys: Iterable[ApiKey] = (),
        projects: Iterable[Project] = (),
        containers: Iterable[Container] = (),
    ) -> None:
        """Create all of them or none (DuplicateId)."""

    def key(self, secret: str) -> ApiKey | None: ...

    def project(self, project_id: str) -> Project | None: ...

    def container(self, container_id: str) -> Container | None: ...

    def update_container(self, container_id: str, expect: dict[str, Any], changes: dict[str, Any]) -> Container | None:
        """Apply `changes` only if every `expect` field still holds; the updated container, else None."""

    def approval_counts(self, project_id: str) -> dict[str, int]:
        """Number of the project's containers per approvalStatus."""

    def idempotency_claim(self, scope: str, fingerprint: str, ttl: int) -> IdempotencyRecord | None:
        """None when this call now owns `scope`; else the record already there (finished or not)."""

    def idempotency_save(self, scope: str, record: IdempotencyRecord, ttl: int) -> None: ...

    def idempotency_release(self, scope: str) -> None: ...

    def log(self, entry: dict[str, Any]) -> None:
        """Append to the bounded request journal."""

    def journal(self, limit: int) -> list[dict[str, Any]]:
        """Newest first."""

    def faults(self) -> dict[str, Any]: ...

    def set_faults(self, faults: dict[str, Any]) -> None: ...

    def take_fault(self) -> dict[str, Any] | None:
        """The faults for one request, counting it against `failCount`; None when there are none."""

    def count_hit(self, bucket: str, window_seconds: int) -> tuple[int, int]:
        """Count one hit in the current fixed window: (hits so far, seconds until the window ends)."""
