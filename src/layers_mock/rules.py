"""The documented behaviour: who may see, reject and approve what, and which error follows.

Every rule lives here once; stores only keep data and apply changes atomically.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError, conflict, forbidden_scope, not_found, unauthenticated, validation_failed
from .models import ApiKey, Container, now_iso
from .settings import Settings
from .store import Store

# A decision applies only to a container that still looks like this (compare-and-set).
_REVIEWABLE = {"approval_status": "pending", "status": "completed"}


def authorize(store: Store, token: str, scope: str) -> ApiKey:
    """The key behind `token`, if it is live and holds `scope`."""
    key = store.key(token)
    if key is None or key.revoked:
        raise unauthenticated("Invalid API key.")
    if scope not in key.scopes:
        raise forbidden_scope(scope)
    return key


def visible_container(store: Store, caller: ApiKey, container_id: str) -> Container:
    """The caller's container; another organisation's is NOT_FOUND too, so existence never leaks."""
    container = store.container(container_id)
    if container is None or container.org_id != caller.org_id:
        raise not_found()
    return container


def check_reviewable(container: Container) -> None:
    if container.approval_status != "pending":
        raise conflict(container.approval_status)
    if container.status != "completed":
        raise validation_failed("Container isn't completed.", status=container.status)


def reject(store: Store, caller: ApiKey, container: Container, reason: str) -> dict[str, Any]:
    # No regeneration: `status` is left as it is.
    updated = _decide(store, container, {
        "approval_status": "rejected",
        "rejected_at": now_iso(),
        "rejected_by": caller.reviewer_stamp,
        "rejection_reason": reason,
    })
    return {
        "id": updated.id,
        "approvalStatus": "rejected",
        "rejectedAt": updated.rejected_at,
        "rejectedBy": updated.rejected_by,
        "reason": updated.rejection_reason,
    }


def approve(store: Store, caller: ApiKey, container: Container, note: str | None) -> dict[str, Any]:
    updated = _decide(store, container, {
        "approval_status": "approved",
        "approved_at": now_iso(),
        "approved_by": caller.reviewer_stamp,
        "approval_note": note,
    })
    result = {
        "id": updated.id,
        "approvalStatus": "approved",
        "approvedAt": updated.approved_at,
        "approvedBy": updated.approved_by,
    }
    if note is not None:
        result["note"] = note
    return result


def _decide(store: Store, container: Container, changes: dict[str, Any]) -> Container:
    check_reviewable(container)
    updated = store.update_container(container.id, _REVIEWABLE, changes)
    if updated is None:
        # Lost a race: another request decided first. Answer as if we had come second.
        current = store.container(container.id) or container
        check_reviewable(current)
        raise ApiError(409, "CONFLICT", "Container changed while being reviewed.", {"approvalStatus": current.approval_status})
    return updated


def review_policy(store: Store, settings: Settings, caller: ApiKey, project_id: str) -> dict[str, Any]:
    project = store.project(project_id)
    if project is None or project.org_id != caller.org_id:
        raise not_found("Project")
    counts = store.approval_counts(project_id)
    approved = counts.get("approved", 0)
    if settings.first_n_counts_rejections:
        approved += counts.get("rejected", 0)
    return {
        "projectId": project.id,
        "policy": project.policy,
        "firstN": project.first_n,
        "approvedCount": approved,
        "pendingCount": counts.get("pending", 0),
    }

