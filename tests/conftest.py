from __future__ import annotations

import threading
from typing import Any, Iterator

import pytest
import waitress
from flask import Flask
from flask.testing import FlaskClient

from layers_mock import Settings, create_app
from layers_mock.demo import DEMO_FIXTURES, OTHER_ORG_KEY, READ_ONLY_KEY, REVIEWER_KEY

PENDING = "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T"


@pytest.fixture
def app() -> Flask:
    return create_app(Settings())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def auth(key: str = REVIEWER_KEY) -> dict[str, str]:
    return {"X-Api-Key": key}


def reject(client: FlaskClient, container_id: str = PENDING, reason: Any = "Off-brand hook.", key: str = REVIEWER_KEY, **kw: Any):
    return client.post(f"/v1/content/{container_id}/reject", json={"reason": reason}, headers=auth(key), **kw)


def provision(client: FlaskClient, **container: Any) -> str:
    """A fresh container in the demo project (pending and completed unless told otherwise)."""
    r = client.post("/_mock/containers", json={"projectId": "prj_demo"} | container)
    assert r.status_code == 201, r.json
    return r.json["id"]


DEMO_IDS = [c["id"] for org in DEMO_FIXTURES["orgs"] for p in org["projects"] for c in p["containers"]]


def snapshot(client: FlaskClient) -> dict[str, Any]:
    """Every demo container and the demo project's counters, to prove a request changed nothing."""
    state = {cid: client.get(f"/_mock/containers/{cid}").json for cid in DEMO_IDS}
    state["policy"] = client.get("/v1/projects/prj_demo/content-review-policy", headers=auth()).json
    return state


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    yield server
    server.close()


__all__ = ["OTHER_ORG_KEY", "READ_ONLY_KEY", "REVIEWER_KEY", "PENDING"]
