"""Stores keep the mock's data; `open_store` picks one from a URL-ish setting."""

from __future__ import annotations

from .base import DuplicateId, IdempotencyRecord, Store, StoreUnavailable
from .memory import MemoryStore

__all__ = ["DuplicateId", "IdempotencyRecord", "MemoryStore", "Store", "StoreUnavailable", "open_store"]


def open_store(url: str, journal_size: int = 1000, prefix: str = "layers-mock") -> Store:
    """`memory` (default), or `redis://host:port/db` (also `rediss://`, `unix://`) shared by several processes."""
    if url in ("memory", "memory://", ""):
        return MemoryStore(journal_size=journal_size)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisStore  # redis-py is only imported when asked for

        return RedisStore(url, prefix=prefix, journal_size=journal_size)
    raise ValueError(f"unknown store {url!r}: use 'memory' or 'redis://host:port/db'")
