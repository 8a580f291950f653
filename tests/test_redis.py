"""The Redis store as teams use it: several processes as one service, namespaces, outages, restarts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
import requests

from conftest import PENDING, RedisServer, free_port, mock_process, start_redis
from contract_tests.runner import RunConfig, run
from contract_tests.scenarios import all_at_once
from layers_mock import Settings, create_app
from layers_mock.demo import REVIEWER_KEY

KEY = {"X-Api-Key": REVIEWER_KEY}


def test_two_processes_are_one_service(redis_server: RedisServer) -> None:
    prefix = f"mp-{uuid.uuid4().hex}"
    store = ("--store", redis_server.url, "--store-prefix", prefix)
    with mock_process(*store) as a, mock_process(*store) as b:
        cid = requests.post(f"{a}/_mock/containers", json={"projectId": "prj_demo"}).json()["id"]
        statuses = all_at_once(50, lambda i: requests.post(f"{a if i % 2 else b}/v1/content/{cid}/reject",
                                                            json={"reason": f"r{i}"}, headers=KEY).status_code)
        assert sorted(statuses) == [200] + [409] * 49
        # Rejected through one process is rejected through the other.
        assert requests.post(f"{a}/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=KEY).status_code == 200
        assert requests.get(f"{b}/v1/content/{PENDING}", headers=KEY).json()["approvalStatus"] == "rejected"
        # The second process did not load the demo data twice.
        policy = requests.get(f"{b}/v1/projects/prj_demo/content-review-policy", headers=KEY).json()
        assert policy["pendingCount"] == 8


def test_namespaces_are_isolated_and_reset_clears_only_its_own(redis_server: RedisServer) -> None:
    one = create_app(Settings(store=redis_server.url, store_prefix=f"ns1-{uuid.uuid4().hex}")).test_client()
    two = create_app(Settings(store=redis_server.url, store_prefix=f"ns2-{uuid.uuid4().hex}")).test_client()
    assert one.post(f"/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=KEY).status_code == 200
    assert two.get(f"/v1/content/{PENDING}", headers=KEY).json["approvalStatus"] == "pending"
    two.post("/_mock/reset?empty=true")
    assert one.get(f"/v1/content/{PENDING}", headers=KEY).json["approvalStatus"] == "rejected"


def test_idempotency_expiry_is_redis_ttl(redis_server: RedisServer) -> None:
    prefix = f"ttl-{uuid.uuid4().hex}"
    client = create_app(Settings(store=redis_server.url, store_prefix=prefix, idempotency_ttl_seconds=3600)).test_client()
    client.post(f"/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=KEY | {"Idempotency-Key": "ttl-1"})
    r = redis.Redis.from_url(redis_server.url)
    (name,) = r.keys(f"{prefix}:idem:*")
    assert 3590 <= r.ttl(name) <= 3600


def test_state_survives_a_restart(redis_server: RedisServer) -> None:
    store = ("--store", redis_server.url, "--store-prefix", f"restart-{uuid.uuid4().hex}")
    with mock_process(*store) as url:
        assert requests.post(f"{url}/v1/content/{PENDING}/reject", json={"reason": "kept"}, headers=KEY).status_code == 200
    with mock_process(*store) as url:
        assert requests.get(f"{url}/v1/content/{PENDING}", headers=KEY).json()["rejectionReason"] == "kept"


def test_unreachable_at_start_is_a_clear_error() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "layers_mock", "--store", url], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and url in out.stderr and "cannot connect to Redis" in out.stderr
    assert time.monotonic() - started < 15


def test_outage_during_requests_is_503_envelope() -> None:
    server = start_redis()
    try:
        client = create_app(Settings(store=server.url, store_prefix=f"down-{uuid.uuid4().hex}")).test_client()
        assert client.get(f"/v1/content/{PENDING}", headers=KEY).status_code == 200
    finally:
        server.stop()
    started = time.monotonic()
    for r in (client.post(f"/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=KEY),
              client.get(f"/v1/content/{PENDING}", headers=KEY), client.post("/_mock/reset")):
        assert r.status_code == 503, r.get_data(as_text=True)
        error = r.json["error"]
        assert error["code"] == "SERVICE_UNAVAILABLE" and error["requestId"] == r.headers["X-Request-Id"]
    assert time.monotonic() - started < 15  # bounded by the socket timeouts, never a hang


def test_conformance_suite_passes_a_four_process_mock_on_redis(redis_server: RedisServer, tmp_path: Path) -> None:
    port = free_port()
    env = os.environ | {"LAYERS_MOCK_STORE": redis_server.url, "LAYERS_MOCK_STORE_PREFIX": f"g4-{uuid.uuid4().hex}"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen([gunicorn, "-w", "4", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{port}",
                             "layers_mock.wsgi:app"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/_mock/info", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        report = run(RunConfig(url, revision="older", fuzz="quick", seed=1))
    finally:
        proc.terminate()
        proc.wait(20)
    assert report.exit_code == 0, report.failures()
    assert report.count("skipped") == 0
