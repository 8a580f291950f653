"""The hot path answers exactly what Flask would answer, and only the requests it should.

One sequence of requests goes to two mocks on the same demo data: one with the hot path, one
with every request through Flask. Responses (status, headers, body), the journal and the
containers afterwards must match, ids and times aside; each step also says which path answers it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Callable

import pytest
from flask import Flask

from conftest import DEMO_IDS, PENDING
from layers_mock import Settings, create_app
from layers_mock.demo import OTHER_ORG_KEY, READ_ONLY_KEY, REVIEWER_KEY, REVOKED_KEY, SECOND_REVIEWER_KEY
from layers_mock.hot_path import HotPath

JSON = {"Content-Type": "application/json"}
KEY = JSON | {"X-Api-Key": REVIEWER_KEY}
BEARER = JSON | {"Authorization": f"Bearer {SECOND_REVIEWER_KEY}"}
REASON = b'{"reason": "Hook is off-brand; want something punchier."}'


def cid(n: int) -> str:
    return f"cnt_01JDEM{n:020d}"


def post(path: str, headers: dict[str, str], body: bytes = REASON) -> tuple[str, str, dict[str, str], bytes]:
    return "POST", path, headers, body


# (request, answered by the hot path?) in the order sent, with the default settings.
SEQUENCE = [
    (post(f"/v1/content/{PENDING}/reject", KEY), True),
    (post(f"/v1/content/{PENDING}/reject", KEY), False),  # 409: already rejected
    (post(f"/v1/content/{cid(1)}/reject", BEARER), True),
    (post(f"/v1/content/{cid(2)}/approve", KEY, b'{"note": "Ship it."}'), True),
    (post(f"/v1/content/{cid(3)}/approve", {"X-Api-Key": REVIEWER_KEY}, b""), False),  # no body: Flask
    (post(f"/v1/content/{cid(4)}/reject", KEY, b'{"reason": "x", "extra": [1, 2]}'), True),  # unknown fields ignored
    (post(f"/v1/content/{cid(12)}/reject", KEY | {"Content-Type": "application/json; charset=utf-8"}), False),
    (post(f"/v1/content/{cid(13)}/reject", KEY | {"Idempotency-Key": "retry-1"}), False),
    (post(f"/v1/content/{cid(13)}/reject", KEY | {"Idempotency-Key": "retry-1"}), False),  # replay
    (post(f"/v1/content/{cid(5)}/reject", KEY), False),  # approved: 409
    (post(f"/v1/content/{cid(7)}/reject", KEY), False),  # not required: 409
    (post(f"/v1/content/{cid(8)}/reject", KEY), False),  # queued: VALIDATION_FAILED
    (post(f"/v1/content/{cid(14)}/reject", KEY), False),  # another org's: 404
    (post(f"/v1/content/{cid(14)}/reject", JSON | {"X-Api-Key": OTHER_ORG_KEY}), True),
    (post("/v1/content/cnt_unknown/reject", KEY), False),
    (post(f"/v1/content/{cid(9)}/reject", JSON | {"X-Api-Key": READ_ONLY_KEY}), False),  # 403
    (post(f"/v1/content/{cid(9)}/reject", JSON | {"X-Api-Key": REVOKED_KEY}), False),  # 401
    (post(f"/v1/content/{cid(9)}/reject", JSON), False),  # no key
    (post(f"/v1/content/{cid(9)}/reject", JSON | {"X-Api-Key": ""}), False),  # empty key
    (post(f"/v1/content/{cid(9)}/reject", JSON | {"Authorization": f"Basic {REVIEWER_KEY}"}), False),
    (post(f"/v1/content/{cid(9)}/reject", JSON | {"X-Api-Key": "lp_test_bad", "Authorization": f"Bearer {REVIEWER_KEY}"}), False),
    (post(f"/v1/content/{cid(9)}/reject", KEY, b'{"reason": ""}'), False),
    (post(f"/v1/content/{cid(9)}/reject", KEY, json.dumps({"reason": "x" * 1025}).encode()), False),
    (post(f"/v1/content/{cid(9)}/reject", KEY, b'{"reason": null}'), False),
    (post(f"/v1/content/{cid(9)}/reject", KEY, b'{"reason": '), False),
    (post(f"/v1/content/{cid(9)}/reject", KEY, b'{"reason": "\xff"}'), False),
    (post(f"/v1/content/{cid(9)}/reject", KEY, b"[]"), False),
    (post(f"/v1/content/{cid(9)}/reject", KEY, json.dumps({"reason": "x" * 70000}).encode()), False),  # 413
    (post(f"/v1/content/{cid(9)}/reject", {"X-Api-Key": REVIEWER_KEY, "Content-Type": "text/plain"}), False),
    (post("/v1/content//reject", KEY), False),
    (post(f"/v1/content/{PENDING}/x/reject", KEY), False),
    (post(f"/v1/content/{PENDING}/reject/", KEY), False),
    (post(f"/v1/content/{PENDING}/unreject", KEY), False),
    (post("/v1/content/cnt_ünïcode/reject", KEY), False),
    (post(f"/v2/content/{cid(10)}/reject", KEY), False),
    (("GET", f"/v1/content/{PENDING}/reject", KEY, b""), False),  # 405
    (("PUT", f"/v1/content/{cid(10)}/reject", KEY, REASON), False),  # 405
    (("GET", f"/v1/content/{PENDING}", KEY, b""), False),
]

REQUEST_ID = re.compile(r"req_[0-9A-HJKMNP-TV-Z]{26}")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def normal(text: str) -> str:
    return TIME.sub("<time>", REQUEST_ID.sub("<requestId>", text))


def count_flask_calls(app: Flask) -> Callable[[], int]:
    """Flask's own WSGI callable behind the hot path, counting the requests handed to it."""
    assert isinstance(app.wsgi_app, HotPath)
    calls = []
    flask_wsgi = app.wsgi_app.wsgi_app

    def counted(environ: dict[str, Any], start_response: Any) -> Any:
        calls.append(environ["PATH_INFO"])
        return flask_wsgi(environ, start_response)

    app.wsgi_app.wsgi_app = counted
    return lambda: len(calls)


def send(app: Flask, request: tuple[str, str, dict[str, str], bytes]) -> tuple[int, list[tuple[str, str]], str]:
    method, path, headers, body = request
    r = app.test_client().open(path, method=method, headers=headers, data=body)
    return r.status_code, [(k, normal(v)) for k, v in r.headers.items()], normal(r.get_data(as_text=True))


def state(app: Flask) -> tuple[list[str], list[dict[str, Any]]]:
    client = app.test_client()
    containers = [normal(client.get(f"/_mock/containers/{c}").get_data(as_text=True)) for c in DEMO_IDS]
    journal = client.get("/_mock/journal?limit=1000").json["entries"]
    return containers, [normal(json.dumps({k: v for k, v in e.items() if k != "durationMs"})) for e in journal]


@pytest.mark.parametrize("settings", [Settings(), Settings.for_revision("newer"), Settings(validation_status=400)],
                         ids=["default", "newer-revision", "validation-400"])
def test_same_answers_as_flask(settings: Settings) -> None:
    hot, flask_only = create_app(settings), create_app(replace(settings, hot_path=False))
    assert not isinstance(flask_only.wsgi_app, HotPath)
    flask_calls = count_flask_calls(hot)
    for step, (request, served_hot) in enumerate(SEQUENCE):
        # Bearer-only mocks hand X-Api-Key requests to Flask, which refuses them.
        served_hot = served_hot and (not settings.bearer_only or "Authorization" in request[2])
        before = flask_calls()
        assert send(hot, request) == send(flask_only, request), f"step {step}: {request[:2]}"
        assert (flask_calls() == before) == served_hot, f"step {step}: {request[:2]} should be served hot: {served_hot}"
    assert state(hot) == state(flask_only)


def test_rate_limit_sends_everything_to_flask() -> None:
    app = create_app(Settings(write_light_per_minute=60))
    flask_calls = count_flask_calls(app)
    r = app.test_client().post(f"/v1/content/{PENDING}/reject", headers=KEY, data=REASON)
    assert r.status_code == 200 and flask_calls() == 1


def test_injected_faults_send_everything_to_flask() -> None:
    app = create_app()
    flask_calls = count_flask_calls(app)
    client = app.test_client()
    client.put("/_mock/faults", json={"failWith": 503, "failCount": 1})
    r = client.post(f"/v1/content/{PENDING}/reject", headers=KEY, data=REASON)
    assert r.status_code == 503 and r.json["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert flask_calls() == 2  # the PUT, and the reject that took the fault
    assert client.post(f"/v1/content/{PENDING}/reject", headers=KEY, data=REASON).status_code == 200
    assert flask_calls() == 2  # the fault is used up: the hot path answers again


def test_not_installed_on_redis_or_when_off(redis_server: Any) -> None:
    assert not isinstance(create_app(Settings(hot_path=False)).wsgi_app, HotPath)
    assert not isinstance(create_app(Settings(store=redis_server.url, store_prefix="hot-path-test")).wsgi_app, HotPath)
    assert isinstance(create_app().wsgi_app, HotPath)
