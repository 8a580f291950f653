"""Provisioning documents (the `POST /_mock/fixtures` body and the `--fixtures` YAML file) → records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ApiError
from .models import ApiKey, Container, Org, Project, admin_container, new_id, new_key, now_iso
from .store import DuplicateId, Store

DEFAULT_SCOPES = ("content:read", "content:approve")


@dataclass
class Batch:
    orgs: list[Org] = field(default_factory=list)
    keys: list[ApiKey] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)


def load(store: Store, doc: dict[str, Any]) -> dict[str, Any]:
    """Create everything in `doc` (already schema-valid) at once; the tree with ids filled in."""
    batch = Batch()
    filled = {"orgs": [_org(o, batch) for o in doc.get("orgs", [])]}
    add(store, orgs=batch.orgs, keys=batch.keys, projects=batch.projects, containers=batch.containers)
    return filled


def add(store: Store, **records: Any) -> None:
    """store.add, with a clash answered as 409 DUPLICATE_ID (nothing created)."""
    try:
        store.add(**records)
    except DuplicateId as exc:
        raise ApiError(409, "DUPLICATE_ID", f"Already exists: {exc}.", {"id": str(exc)}) from exc


def read_file(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a fixtures file is a YAML mapping with an `orgs` list")
    return data


def new_container(spec: dict[str, Any], project: Project) -> Container:
    policy_default = "pending" if project.policy.startswith("review_") else "not_required"
    return Container(
        id=spec.get("id") or new_id("cnt"),
        org_id=project.org_id,
        project_id=project.id,
        status=spec.get("status", "completed"),
        approval_status=spec.get("approvalStatus", policy_default),
        creative_type=spec.get("creativeType", "generated"),
        created_at=now_iso(),
        name=spec.get("name"),
    )


def key_view(key: ApiKey) -> dict[str, Any]:
    return {
        "name": key.name,
        "key": key.key,
        "keyId": key.key_id,
        "env": key.env,
        "scopes": list(key.scopes),
        "revoked": key.revoked,
        "reviewerStamp": key.reviewer_stamp,
    }


def _org(spec: dict[str, Any], batch: Batch) -> dict[str, Any]:
    org = Org(id=spec.get("id") or new_id("org"), name=spec.get("name", ""))
    batch.orgs.append(org)
    keys = [_key(k, org) for k in spec.get("keys", [])]
    batch.keys.extend(keys)
    return {
        "id": org.id,
        "name": org.name,
        "keys": [key_view(k) for k in keys],
        "projects": [_project(p, org, batch) for p in spec.get("projects", [])],
    }


def _key(spec: dict[str, Any], org: Org) -> ApiKey:
    secret = spec.get("key") or new_key(spec.get("env", "test"))
    return ApiKey(
        key=secret,
        org_id=org.id,
        scopes=tuple(spec.get("scopes", DEFAULT_SCOPES)),
        env=secret.split("_")[1],
        revoked=spec.get("revoked", False),
        name=spec.get("name", ""),
    )


def _project(spec: dict[str, Any], org: Org, batch: Batch) -> dict[str, Any]:
    policy, first_n = spec.get("policy", "review_all"), spec.get("firstN")
    if (policy == "review_first_n") != (first_n is not None):
        raise ApiError(422, "INVALID_FIXTURES", "firstN is required with review_first_n and only then.",
                       {"field": "firstN", "policy": policy})
    project = Project(id=spec.get("id") or new_id("prj"), org_id=org.id, policy=policy, first_n=first_n)
    batch.projects.append(project)
    containers = [new_container(c, project) for c in spec.get("containers", [])]
    batch.containers.extend(containers)
    return {
        "id": project.id,
        "policy": policy,
        "firstN": first_n,
        "containers": [admin_container(c) for c in containers],
    }
