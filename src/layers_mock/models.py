"""The records a store keeps. Field names follow the API's; views decide what is public."""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

from ulid import ULID

SCOPES = ("content:read", "content:approve", "content:write", "publish:write")


def now_iso() -> str:
    """ISO 8601 UTC with `Z`, second precision, as in the docs' examples."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def new_id(prefix: str) -> str:
    return f"{prefix}_{ULID()}"


def new_request_id() -> str:
    return new_id("req")


_ALNUM = string.ascii_letters + string.digits


def new_key(env: str = "test") -> str:
    """`lp_<env>_<keyId>_<secret>`, the documented key shape."""
    secret = "".join(secrets.choice(_ALNUM) for _ in range(32))
    return f"lp_{env}_{secrets.token_hex(6)}_{secret}"


@dataclass(slots=True)
class Org:
    id: str
    name: str = ""


@dataclass(slots=True)
class ApiKey:
    key: str
    org_id: str
    scopes: tuple[str, ...]
    env: str = "test"
    revoked: bool = False
    name: str = ""

    @property
    def key_id(self) -> str:
        return self.key.split("_")[2]

    @property
    def reviewer_stamp(self) -> str:
        return f"api_key_{self.key_id}"


@dataclass(slots=True)
class Project:
    id: str
    org_id: str
    policy: str = "review_all"
    first_n: int | None = None


class Container(NamedTuple):
    """A container is immutable: a change swaps in a new record, so readers never see half a stamp."""

    id: str
    org_id: str
    project_id: str
    status: str = "completed"
    approval_status: str = "pending"
    creative_type: str = "generated"
    created_at: str = ""
    name: str | None = None
    approved_at: str | None = None
    approved_by: str | None = None
    approval_note: str | None = None
    rejected_at: str | None = None
    rejected_by: str | None = None
    rejection_reason: str | None = None

    def changed(self, changes: dict[str, Any]) -> Container:
        return self._replace(**changes)


# Container field → API name; stamps only appear once set.
_PUBLIC_NAMES = {
    "id": "id",
    "project_id": "projectId",
    "status": "status",
    "approval_status": "approvalStatus",
    "creative_type": "creativeType",
    "created_at": "createdAt",
    "approved_at": "approvedAt",
    "approved_by": "approvedBy",
    "approval_note": "approvalNote",
    "rejected_at": "rejectedAt",
    "rejected_by": "rejectedBy",
    "rejection_reason": "rejectionReason",
}


def public_container(c: Container) -> dict[str, Any]:
    """The container as `GET /v1/content/{id}` shows it."""
    out = {}
    for attr, name in _PUBLIC_NAMES.items():
        value = getattr(c, attr)
        if value is not None:
            out[name] = value
    return out


def admin_container(c: Container) -> dict[str, Any]:
    """The container as the provisioning API shows it: public view plus owner and label."""
    return {"orgId": c.org_id, "name": c.name} | public_container(c)
