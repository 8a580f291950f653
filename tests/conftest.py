from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

import pytest
import waitress
from flask import Flask
from flask.testing import FlaskClient

from layers_mock import Settings, create_app
from layers_mock.cli import free_port
from layers_mock.demo import DEMO_FIXTURES, OTHER_ORG_KEY, READ_ONLY_KEY, REVIEWER_KEY

PENDING = "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T"


class RedisServer:
    """A throwaway redis-server on a free loopback port (Debian package `redis-server`)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def start_redis() -> RedisServer:
    """A redis-server, or a skip saying why; in CI (CI set) not starting is a failure, not a skip."""
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed (Debian package redis-server; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return RedisServer()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = start_redis()
    yield server
    server.stop()


@pytest.fixture(params=["memory", "redis"])
def store_url(request: pytest.FixtureRequest) -> str:
    """The same behaviour tests run on both stores, so the Redis one cannot drift."""
    return "memory" if request.param == "memory" else request.getfixturevalue("redis_server").url


@pytest.fixture
def app(store_url: str) -> Flask:
    # A fresh namespace per test: tests sharing one Redis never see each other's state.
    return create_app(Settings(store=store_url, store_prefix=f"test-{uuid.uuid4().hex}"))


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


@contextmanager
def serve(*argv: str) -> Iterator[str]:
    """`python *argv` (a layers-mock) running until the block ends; its base URL."""
    proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield read_url(proc)
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def mock_process(*args: str) -> Any:
    """The real mock as `layers-mock --port 0 --quiet ARGS` serves it."""
    return serve("-m", "layers_mock", "--port", "0", "--quiet", *args)


def read_url(proc: subprocess.Popen) -> str:
    """The base URL a starting layers-mock prints. Its later output (logs) is drained in the
    background: a full pipe would block the server."""
    lines = []
    for line in proc.stdout:
        lines.append(line)
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        if match:
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return match.group(0)
    raise AssertionError("layers-mock exited without serving:\n" + "".join(lines))


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
