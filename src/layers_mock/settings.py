"""What a layers-mock serves, where Layers' two doc revisions (or real deployments) differ."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

Revision = Literal["older", "newer"]


@dataclass(frozen=True)
class Settings:
    # The older revision is the reject page's own (X-Api-Key, VALIDATION_FAILED); the newer one
    # accepts Bearer only and names the code VALIDATION. `revision` only picks defaults.
    revision: Revision = "older"
    bearer_only: bool = False
    validation_code: str = "VALIDATION_FAILED"
    validation_status: int = 422
    # The newer docs count rejections toward the first-N review gate; the older ones do not.
    first_n_counts_rejections: bool = False
    max_body_bytes: int = 64 * 1024
    # Requests per minute per key for write-light calls (reject, approve); None = off.
    # Layers' standard tier is 60.
    write_light_per_minute: int | None = None
    journal_size: int = 1000
    idempotency_ttl_seconds: int = 24 * 3600
    # None loads the demo data; a path loads that YAML fixtures file instead.
    fixtures: Path | None = None
    # "memory", or "redis://host:port/db" to share one state between processes and hosts.
    store: str = "memory"
    # Namespace of every Redis key, so several mocks can share one Redis; reset clears only its own.
    store_prefix: str = "layers-mock"
    admin_api: bool = True
    # Answer a review decision that succeeds before Flask's request cycle, at about 5× the throughput
    # (in-memory store only; see hot_path.py). Off: every request goes through Flask.
    hot_path: bool = True

    @classmethod
    def for_revision(cls, revision: Revision, **overrides: Any) -> Settings:
        defaults: dict[str, Any] = {"revision": revision}
        if revision == "newer":
            defaults |= {"bearer_only": True, "validation_code": "VALIDATION", "first_n_counts_rejections": True}
        return cls(**(defaults | overrides))

    @classmethod
    def from_file(cls, path: Path, **overrides: Any) -> Settings:
        """A YAML mapping of the field names above (dashes or underscores)."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: settings must be a YAML mapping")
        values = {key.replace("-", "_"): value for key, value in data.items()}
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"{path}: unknown settings {sorted(unknown)}")
        values |= overrides
        return cls.for_revision(values.pop("revision", "older"), **values)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """LAYERS_MOCK_<FIELD> variables (e.g. LAYERS_MOCK_STORE), for WSGI servers that take no flags."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f"LAYERS_MOCK_{f.name.upper()}")
            if raw is not None:
                values[f.name] = raw if f.name in ("store", "store_prefix", "fixtures") else yaml.safe_load(raw)
        return cls.for_revision(values.pop("revision", "older"), **values)

    def public(self) -> dict[str, Any]:
        """The settings as `GET /_mock/info` reports them."""
        data = dataclasses.asdict(self)
        data["fixtures"] = str(self.fixtures) if self.fixtures else None
        return data
