"""HTTP to the target, with every exchange kept so a failure can show it and a curl that repeats it."""

from __future__ import annotations

import json
import shlex
import threading
from dataclasses import dataclass, field
from typing import Any

import requests

TIMEOUT = 15


@dataclass
class Exchange:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    status: int
    response_headers: dict[str, str]  # names lower-cased
    response_body: bytes
    key_name: str | None = None
    key: str = field(default="", repr=False)

    def json(self) -> Any:
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    @property
    def request_id(self) -> str | None:
        return self.response_headers.get("x-request-id")

    def curl(self) -> str:
        """A command that repeats the request; the key shows as $LAYERS_KEY_<NAME>, never in clear."""
        parts = ["curl", "-i", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.headers.items():
            if self.key and self.key in value:
                parts += ["-H", '"' + f"{name}: {value}".replace(self.key, "$" + key_variable(self.key_name or "")) + '"']
            else:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.body is not None:
            parts += ["--data-binary", shlex.quote(self.body.decode("utf-8", "backslashreplace"))]
        return " ".join(parts)

    def summary(self, limit: int = 400) -> str:
        text = self.response_body.decode("utf-8", "replace")
        return f"{self.status} {text[:limit]}{'…' if len(text) > limit else ''}"


def key_variable(name: str) -> str:
    return "LAYERS_KEY_" + name.upper().replace("-", "_")


class Client:
    """Calls the target; `auth` picks how the key travels (`x-api-key` or `bearer`)."""

    def __init__(self, base_url: str, keys: dict[str, str], auth: str = "bearer") -> None:
        self.base_url = base_url.rstrip("/")
        self.keys = keys
        self.auth = auth
        self.exchanges: list[Exchange] = []
        self._local = threading.local()  # one Session per thread: scenarios call concurrently

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def auth_headers(self, key_name: str | None, via: str | None = None) -> dict[str, str]:
        if key_name is None:
            return {}
        key = self.keys[key_name]
        return {"X-Api-Key": key} if (via or self.auth) == "x-api-key" else {"Authorization": f"Bearer {key}"}

    def call(
        self,
        method: str,
        path: str,
        *,
        key: str | None = "reviewer",
        via: str | None = None,
        json_body: Any = ...,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        all_headers = self.auth_headers(key, via)
        body = data
        if json_body is not ...:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers |= headers or {}
        url = self.base_url + path
        answer = self.session.request(method, url, headers=all_headers, data=body, timeout=TIMEOUT)
        exchange = Exchange(method, url, all_headers, body, answer.status_code,
                            {k.lower(): v for k, v in answer.headers.items()}, answer.content,
                            key_name=key, key=self.keys[key] if key else "")
        self.exchanges.append(exchange)
        return exchange

    def reject(self, container_id: str, reason: Any = "Off-brand hook.", **kw: Any) -> Exchange:
        kw.setdefault("json_body", {"reason": reason})
        return self.call("POST", f"/v1/content/{container_id}/reject", **kw)

    def approve(self, container_id: str, **kw: Any) -> Exchange:
        return self.call("POST", f"/v1/content/{container_id}/approve", **kw)

    def get(self, container_id: str, **kw: Any) -> Exchange:
        return self.call("GET", f"/v1/content/{container_id}", **kw)

    def policy(self, project_id: str, **kw: Any) -> Exchange:
        return self.call("GET", f"/v1/projects/{project_id}/content-review-policy", **kw)
