"""Where provider states come from: the target's provisioning API, or a fixtures file (staging)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests
import yaml

# The roles scenarios need. A fixtures file names a key per role.
KEY_ROLES = {
    "reviewer": "full scope (content:read + content:approve)",
    "reviewer2": "a second full-scope key of the same organisation",
    "no_scope": "content:read only, without content:approve",
    "other_org": "full scope, in another organisation",
}

# Container states a scenario may ask for: name → (status, approvalStatus).
STATES = {
    "pending": ("completed", "pending"),
    "approved": ("completed", "approved"),
    "rejected": ("completed", "rejected"),
    "not_required": ("completed", "not_required"),
    "queued": ("queued", "pending"),
    "processing": ("processing", "pending"),
    "failed": ("failed", "pending"),
    "canceled": ("canceled", "pending"),
    "other_org": ("completed", "pending"),  # pending, in the other organisation
}


class Skip(Exception):
    """A scenario cannot run on this target: the reason is reported, never a pass."""


class SetupError(Exception):
    """The target cannot be prepared at all (usage or setup error, exit 2)."""


class Provisioner(Protocol):
    keys: dict[str, str]
    description: str

    def container(self, state: str) -> str:
        """A fresh container id in `state` (one of STATES), or Skip."""


@dataclass
class ProvisioningApi:
    """A target that speaks the kit's provisioning protocol (openapi/mock-admin.yaml)."""

    base_url: str
    keys: dict[str, str] = field(default_factory=dict)
    projects: dict[str, str] = field(default_factory=dict)
    description: str = "provisioning API"

    @classmethod
    def probe(cls, base_url: str) -> ProvisioningApi | None:
        try:
            info = requests.get(f"{base_url}/_mock/info", timeout=5)
        except requests.RequestException as exc:
            raise SetupError(f"cannot reach {base_url}: {exc}") from exc
        if info.status_code != 200 or (info.json() if _is_json(info) else {}).get("protocol") != "1":
            return None
        return cls(base_url).setup()

    def setup(self) -> ProvisioningApi:
        full = ["content:read", "content:approve"]
        doc = {"orgs": [
            {"name": "layers-contract", "keys": [{"name": "reviewer", "scopes": full}, {"name": "reviewer2", "scopes": full},
                                                 {"name": "no_scope", "scopes": ["content:read"]}],
             "projects": [{"policy": "review_all"}]},
            {"name": "layers-contract other org", "keys": [{"name": "other_org", "scopes": full}],
             "projects": [{"policy": "review_all"}]},
        ]}
        r = requests.post(f"{self.base_url}/_mock/fixtures", json=doc, timeout=15)
        if r.status_code != 201:
            raise SetupError(f"provisioning failed: POST /_mock/fixtures → {r.status_code} {r.text[:300]}")
        orgs = r.json()["orgs"]
        self.keys = {k["name"]: k["key"] for org in orgs for k in org["keys"]}
        self.projects = {"own": orgs[0]["projects"][0]["id"], "other_org": orgs[1]["projects"][0]["id"]}
        return self

    def container(self, state: str) -> str:
        status, approval = STATES[state]
        project = self.projects["other_org" if state == "other_org" else "own"]
        r = requests.post(f"{self.base_url}/_mock/containers", timeout=15,
                          json={"projectId": project, "status": status, "approvalStatus": approval})
        if r.status_code != 201:
            raise SetupError(f"provisioning failed: POST /_mock/containers → {r.status_code} {r.text[:300]}")
        return r.json()["id"]


@dataclass
class FixturesFile:
    """A target without the provisioning API: keys and container ids listed in a YAML file.

    Rejects are destructive, so each listed container is handed out at most once per run.
    """

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    pools: dict[str, list[str]] = field(default_factory=dict)
    description: str = ""

    @classmethod
    def load(cls, path: Path) -> FixturesFile:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SetupError(f"cannot read fixtures file {path}: {exc}") from exc
        keys, containers = data.get("keys") or {}, data.get("containers") or {}
        unknown = (set(keys) - set(KEY_ROLES)) | (set(containers) - set(STATES))
        if not isinstance(keys, dict) or not isinstance(containers, dict) or unknown:
            raise SetupError(f"{path}: expected `keys:` with roles {sorted(KEY_ROLES)} and `containers:` with "
                             f"states {sorted(STATES)}; unknown: {sorted(unknown)}")
        pools = {state: [str(i) for i in ids or []] for state, ids in containers.items()}
        return cls(Path(path), {k: str(v) for k, v in keys.items() if v}, pools, f"fixtures file {path}")

    def container(self, state: str) -> str:
        pool = self.pools.get(state) or []
        if not pool:
            raise Skip(f"no unused container in state '{state}' in {self.path}")
        return pool.pop(0)


def require_keys(keys: dict[str, Any], *roles: str) -> None:
    missing = [r for r in roles if r not in keys]
    if missing:
        raise Skip("no key for " + ", ".join(f"'{r}' ({KEY_ROLES[r]})" for r in missing))


def _is_json(response: requests.Response) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/json")
