"""Stores keep the mock's data; `open_store` picks one from a URL-ish setting."""

from __future__ import annotations

from .base import DuplicateId, IdempotencyRecord, Store, StoreUnavailable
from .memory import MemoryStore

__all__ = ["DuplicateId", "IdempotencyRecord", "MemoryStore", "Store", "StoreUnavailable", "open_store"]


def open_store(url: str, journal_size: int = 1000) -> Store:
    if url in ("memory", "memory://", ""):
        return MemoryStore(journal_size=journal_size)
    raise ValueError(f"unknown store {url!r}: use 'memory'")
