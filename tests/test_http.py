"""End to end over real HTTP (waitress, as `layers-mock` serves): bad input, concurrency, the seed's examples."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from conftest import PENDING, LiveServer
from contract_tests.scenarios import all_at_once
from layers_mock.demo import REVIEWER_KEY

REQUEST_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")
KEY = {"X-Api-Key": REVIEWER_KEY}
JSON_KEY = KEY | {"Content-Type": "application/json"}
REJECT = f"/v1/content/{PENDING}/reject"


def raw(live: LiveServer, request: bytes) -> http.client.HTTPResponse:
    """Send bytes as they are (no client-side fixing up) and parse the answer."""
    port = urlsplit(live.url).port
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(request)
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.body = response.read()
    sock.close()
    return response


def state(live: LiveServer) -> dict:
    return {"container": requests.get(f"{live.url}/_mock/containers/{PENDING}").json(),
            "journal-size": len(requests.get(f"{live.url}/_mock/journal?limit=10000").json()["entries"])}


def assert_envelope(status: int, headers, body: bytes, expected_status: int | tuple[int, ...], code: str | None = None) -> None:
    allowed = expected_status if isinstance(expected_status, tuple) else (expected_status,)
    assert status in allowed, body
    error = json.loads(body)["error"]
    assert REQUEST_ID.match(error["requestId"]) and error["requestId"] == headers["X-Request-Id"]
    assert error["message"] and "details" in error
    if code:
        assert error["code"] == code


BAD_BODIES = {
    "malformed JSON": (JSON_KEY, b'{"reason": ', 422, "VALIDATION_FAILED"),
    "JSON array": (JSON_KEY, b'["reason"]', 422, "VALIDATION_FAILED"),
    "JSON string": (JSON_KEY, b'"reason"', 422, "VALIDATION_FAILED"),
    "JSON null": (JSON_KEY, b"null", 422, "VALIDATION_FAILED"),
    "JSON number": (JSON_KEY, b"1e999", 422, "VALIDATION_FAILED"),
    "reason wrong type": (JSON_KEY, b'{"reason": {"text": "x"}}', 422, "VALIDATION_FAILED"),
    "reason too long": (JSON_KEY, json.dumps({"reason": "x" * 1025}).encode(), 422, "VALIDATION_FAILED"),
    "invalid UTF-8": (JSON_KEY, b'{"reason": "\xff\xfe\xfa"}', 422, "VALIDATION_FAILED"),
    "deeply nested": (JSON_KEY, b"[" * 30000 + b"]" * 30000, 422, "VALIDATION_FAILED"),
    "huge integer": (JSON_KEY, b'{"reason": ' + b"9" * 5000 + b"}", 422, "VALIDATION_FAILED"),
    "text/plain": (KEY | {"Content-Type": "text/plain"}, b'{"reason": "x"}', 415, "UNSUPPORTED_MEDIA_TYPE"),
    "form": (KEY | {"Content-Type": "application/x-www-form-urlencoded"}, b"reason=x", 415, "UNSUPPORTED_MEDIA_TYPE"),
    "no Content-Type": (KEY, b'{"reason": "x"}', 415, "UNSUPPORTED_MEDIA_TYPE"),
    "over 64 KiB": (JSON_KEY, json.dumps({"reason": "x" * 70000}).encode(), 413, "PAYLOAD_TOO_LARGE"),
    "valid body, no key": ({"Content-Type": "application/json"}, b'{"reason": "x"}', 401, "UNAUTHENTICATED"),
    "bad key, good Bearer (X-Api-Key wins)": ({"Content-Type": "application/json", "X-Api-Key": "lp_test_bad",
                                              "Authorization": f"Bearer {REVIEWER_KEY}"}, b'{"reason": "x"}', 401, "UNAUTHENTICATED"),
    "non-ASCII key": ({"Content-Type": "application/json", "X-Api-Key": "lp_tést_ключ".encode().decode("latin-1")},
                      b'{"reason": "x"}', 401, "UNAUTHENTICATED"),
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_request_bodies(live: LiveServer, name: str) -> None:
    headers, body, status, code = BAD_BODIES[name]
    before = state(live)
    r = requests.post(live.url + REJECT, data=body, headers=headers)
    assert_envelope(r.status_code, r.headers, r.content, status, code)
    after = state(live)
    assert after["container"] == before["container"]
    assert after["journal-size"] == before["journal-size"] + 1


ODD_IDS = ["x" * 5000, "cnt_%C3%A9t%C3%A9", "..%2F..%2Fetc%2Fpasswd", "%00", "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T%20",
           "%F0%9F%92%A9", "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T;drop", "%25", "%FF%FE", "%20", "cnt_01hxz9g7kmv2qx8y1s5rjw3b7t"]


@pytest.mark.parametrize("container_id", ODD_IDS)
def test_odd_ids(live: LiveServer, container_id: str) -> None:
    before = state(live)
    r = raw(live, (f"POST /v1/content/{container_id}/reject HTTP/1.1\r\nHost: x\r\nX-Api-Key: {REVIEWER_KEY}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n").encode() + b'{"reason": "x"}')
    assert_envelope(r.status, r.headers, r.body, (400, 404), None)
    assert state(live)["container"] == before["container"]


@pytest.mark.parametrize("path", ["/v1/content//reject", "/v1/content/a/b/reject", "/v1/content/%2F/reject"])
def test_empty_and_extra_path_segments(live: LiveServer, path: str) -> None:
    r = requests.post(live.url + path, json={"reason": "x"}, headers=KEY)
    assert_envelope(r.status_code, r.headers, r.content, 404, "NOT_FOUND")


def test_post_to_the_container_itself(live: LiveServer) -> None:
    r = requests.post(live.url + "/v1/content/reject", json={"reason": "x"}, headers=KEY)  # id "reject", GET only
    assert_envelope(r.status_code, r.headers, r.content, 405, "METHOD_NOT_ALLOWED")


def test_duplicate_api_key_headers(live: LiveServer) -> None:
    before = state(live)
    r = raw(live, (f"POST {REJECT} HTTP/1.1\r\nHost: x\r\nX-Api-Key: {REVIEWER_KEY}\r\nX-Api-Key: {REVIEWER_KEY}\r\n"
                   "Content-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n").encode() + b'{"reason": "x"}')
    assert_envelope(r.status, r.headers, r.body, 401, "UNAUTHENTICATED")
    assert state(live)["container"] == before["container"]


def test_chunked_body_over_the_limit(live: LiveServer) -> None:
    chunk = b"x" * 8192
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10)) + b"0\r\n\r\n"
    r = raw(live, (f"POST {REJECT} HTTP/1.1\r\nHost: x\r\nX-Api-Key: {REVIEWER_KEY}\r\nContent-Type: application/json\r\n"
                   "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode() + body)
    assert_envelope(r.status, r.headers, r.body, 413, "PAYLOAD_TOO_LARGE")


def test_every_method_gets_an_envelope(live: LiveServer) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"):
        r = requests.request(method, live.url + REJECT, headers=KEY)
        assert_envelope(r.status_code, r.headers, r.content, 405, "METHOD_NOT_ALLOWED")
        assert r.headers["Allow"] == "POST"


def test_concurrent_rejects_one_winner(live: LiveServer) -> None:
    cid = requests.post(f"{live.url}/_mock/containers", json={"projectId": "prj_demo"}).json()["id"]
    statuses = all_at_once(50, lambda i: requests.post(f"{live.url}/v1/content/{cid}/reject", json={"reason": f"r{i}"},
                                                        headers=KEY).status_code)
    assert sorted(statuses) == [200] + [409] * 49
    container = requests.get(f"{live.url}/_mock/containers/{cid}").json()
    # The stored stamp is whole: the winner's reason with the winner's stamp.
    assert container["approvalStatus"] == "rejected" and container["rejectionReason"].startswith("r")


def test_concurrent_idempotent_retries_apply_once(live: LiveServer) -> None:
    cid = requests.post(f"{live.url}/_mock/containers", json={"projectId": "prj_demo"}).json()["id"]

    def attempt(i: int) -> tuple[int, str | None]:
        r = requests.post(f"{live.url}/v1/content/{cid}/reject", json={"reason": "r"}, headers=KEY | {"Idempotency-Key": "same"})
        return r.status_code, (r.json()["error"]["code"] if r.status_code != 200 else None)

    answers = all_at_once(20, attempt)
    # Each retry either replays the one 200 or is told the first is still running; never a second decision.
    assert {a for a in answers} <= {(200, None), (409, "IDEMPOTENCY_CONFLICT")}
    assert (200, None) in answers


# The seed's three examples, with only the host changed.
SEED_CURL = """curl -s -X POST {base}/v1/content/{cid}/reject \
  -H "X-Api-Key: $LAYERS_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{{ "reason": "Hook is off-brand; want something punchier." }}'"""

SEED_PY = """import os, httpx
container_id = os.environ["CONTAINER_ID"]
r = httpx.post(
    f"{base}/v1/content/{{container_id}}/reject",
    headers={{
        "X-Api-Key": os.environ["LAYERS_API_KEY"],
        "Content-Type": "application/json",
    }},
    json={{"reason": "Off-brand hook."}},
)
result = r.json()
print(json.dumps(result))
"""

SEED_JS = """const containerId = process.env.CONTAINER_ID;
const res = await fetch(
  `{base}/v1/content/${{containerId}}/reject`,
  {{
    method: 'POST',
    headers: {{
      'X-Api-Key': process.env.LAYERS_API_KEY,
      'Content-Type': 'application/json',
    }},
    body: JSON.stringify({{ reason: 'Needs a new angle.' }}),
  }},
);
const result = await res.json();
console.log(JSON.stringify(result));
"""


def _fresh(live: LiveServer) -> dict[str, str]:
    cid = requests.post(f"{live.url}/_mock/containers", json={"projectId": "prj_demo"}).json()["id"]
    return os.environ | {"LAYERS_API_KEY": REVIEWER_KEY, "CONTAINER_ID": cid}


def _assert_rejected(stdout: str, reason: str) -> None:
    result = json.loads(stdout)
    assert result["approvalStatus"] == "rejected" and result["reason"] == reason


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_seed_curl_example(live: LiveServer) -> None:
    env = _fresh(live)
    out = subprocess.run(["bash", "-c", SEED_CURL.format(base=live.url, cid=env["CONTAINER_ID"])], env=env,
                         capture_output=True, text=True, check=True)
    _assert_rejected(out.stdout, "Hook is off-brand; want something punchier.")


def test_seed_python_example(live: LiveServer) -> None:
    env = _fresh(live)
    code = "import json\n" + SEED_PY.format(base=live.url)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    _assert_rejected(out.stdout, "Off-brand hook.")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_seed_node_example(live: LiveServer, tmp_path: Path) -> None:
    env = _fresh(live)
    script = tmp_path / "reject.mjs"
    script.write_text(SEED_JS.format(base=live.url))
    out = subprocess.run(["node", str(script)], env=env, capture_output=True, text=True, check=True)
    _assert_rejected(out.stdout, "Needs a new angle.")
