"""The default store: process memory, one lock for every write."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any, Iterable

from ..models import ApiKey, Container, Org, Project
from .base import DuplicateId, IdempotencyRecord


class MemoryStore:
    def __init__(self, journal_size: int = 1000) -> None:
        self._lock = threading.Lock()
        self._journal_size = journal_size
        self.reset()

    def first_start(self) -> bool:
        return True  # process memory is never shared

    def reset(self) -> None:
        with self._lock:
            self._orgs: dict[str, Org] = {}
            self._keys: dict[str, ApiKey] = {}
            self._projects: dict[str, Project] = {}
            # Plain tuples, not Container objects: CPython's collector stops tracking a tuple of
            # strings (only exact tuples), so a million containers add nothing to each full collection.
            self._containers: dict[str, tuple] = {}
            self._counts: Counter[tuple[str, str]] = Counter()
            self._idempotency: dict[str, tuple[float, IdempotencyRecord]] = {}
            self._journal: deque[dict[str, Any]] = deque(maxlen=self._journal_size)
            self._faults: dict[str, Any] = {}
            self._hits: dict[str, tuple[int, int]] = {}

    def add(
        self,
        orgs: Iterable[Org] = (),
        keys: Iterable[ApiKey] = (),
        projects: Iterable[Project] = (),
        containers: Iterable[Container] = (),
    ) -> None:
        containers = list(containers)
        batches = [(self._orgs, list(orgs), "id"), (self._keys, list(keys), "key"),
                   (self._projects, list(projects), "id"), (self._containers, containers, "id")]
        with self._lock:
            for table, records, attr in batches:
                ids = [getattr(r, attr) for r in records]
                taken = [i for i in ids if i in table]
                if taken or len(set(ids)) != len(ids):
                    raise DuplicateId(taken[0] if taken else "duplicate id in request")
            for table, records, attr in batches[:3]:
                table.update((getattr(r, attr), r) for r in records)
            for c in containers:
                self._containers[c.id] = tuple(c)
                self._counts[c.project_id, c.approval_status] += 1

    def key(self, secret: str) -> ApiKey | None:
        return self._keys.get(secret)

    def project(self, project_id: str) -> Project | None:
        return self._projects.get(project_id)

    def container(self, container_id: str) -> Container | None:
        stored = self._containers.get(container_id)
        return None if stored is None else Container._make(stored)

    def update_container(self, container_id: str, expect: dict[str, Any], changes: dict[str, Any]) -> Container | None:
        with self._lock:
            current = self.container(container_id)
            if current is None or any(getattr(current, k) != v for k, v in expect.items()):
                return None
            updated = current.changed(changes)
            self._containers[container_id] = tuple(updated)  # one assignment: never half a stamp
            self._counts[current.project_id, current.approval_status] -= 1
            self._counts[updated.project_id, updated.approval_status] += 1
            return updated

    def approval_counts(self, project_id: str) -> dict[str, int]:
        with self._lock:
            return {status: n for (pid, status), n in self._counts.items() if pid == project_id and n}

    def idempotency_claim(self, scope: str, fingerprint: str, ttl: int) -> IdempotencyRecord | None:
        now = time.monotonic()
        with self._lock:
            held = self._idempotency.get(scope)
            if held and held[0] > now:
                return held[1]
            self._idempotency[scope] = (now + ttl, IdempotencyRecord(fingerprint))
            return None

    def idempotency_save(self, scope: str, record: IdempotencyRecord, ttl: int) -> None:
        with self._lock:
            self._idempotency[scope] = (time.monotonic() + ttl, record)

    def idempotency_release(self, scope: str) -> None:
        with self._lock:
            self._idempotency.pop(scope, None)

    def log(self, entry: dict[str, Any]) -> None:
        self._journal.append(entry)  # deque.append is atomic

    def journal(self, limit: int) -> list[dict[str, Any]]:
        entries = list(self._journal)
        return entries[::-1][:limit]

    def faults(self) -> dict[str, Any]:
        return dict(self._faults)

    def set_faults(self, faults: dict[str, Any]) -> None:
        with self._lock:
            self._faults = dict(faults)

    def take_fault(self) -> dict[str, Any] | None:
        if not self._faults:
            return None
        with self._lock:
            faults = dict(self._faults)
            count = faults.get("failCount")
            if faults.get("failWith") and count is not None:
                if count <= 1:  # the last counted failure: the fault is used up
                    for name in ("failWith", "failCount", "retryAfter"):
                        self._faults.pop(name, None)
                else:
                    self._faults["failCount"] = count - 1
        return faults if faults.get("latencyMs") or faults.get("failWith") else None

    def count_hit(self, bucket: str, window_seconds: int) -> tuple[int, int]:
        now = int(time.time())
        window = now - now % window_seconds
        with self._lock:
            start, hits = self._hits.get(bucket, (window, 0))
            hits = hits + 1 if start == window else 1
            self._hits[bucket] = (window, hits)
        return hits, window + window_seconds - now
