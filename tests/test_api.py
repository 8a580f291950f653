"""Every documented rule of the reject endpoint and its neighbours, through the Flask app."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from flask import Flask
from flask.testing import FlaskClient

from conftest import PENDING, auth, provision, reject, snapshot
from layers_mock import Settings, create_app
from layers_mock.demo import OTHER_ORG_KEY, READ_ONLY_KEY, REVIEWER_KEY, REVOKED_KEY, SECOND_REVIEWER_KEY

REQUEST_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] == code
    assert error["message"]
    assert REQUEST_ID.match(error["requestId"]) and error["requestId"] == response.headers["X-Request-Id"]
    assert "details" in error
    return error


def test_reject_pending_completed(client: FlaskClient) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    r = reject(client, reason="Hook is off-brand; want something punchier.")
    assert r.status_code == 200
    body = r.json
    assert body["id"] == PENDING and body["approvalStatus"] == "rejected"
    assert body["rejectedBy"] == "api_key_c2037bb9a41f"
    assert body["reason"] == "Hook is off-brand; want something punchier."
    stamped = datetime.strptime(body["rejectedAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before <= stamped <= datetime.now(timezone.utc)
    assert REQUEST_ID.match(r.headers["X-Request-Id"])
    assert r.headers["X-RateLimit-Endpoint-Class"] == "write-light"


def test_rejection_is_stored_and_status_kept(client: FlaskClient) -> None:
    reject(client, reason="Needs a new angle.")
    c = client.get(f"/v1/content/{PENDING}", headers=auth()).json
    assert c["approvalStatus"] == "rejected" and c["status"] == "completed"
    assert c["rejectionReason"] == "Needs a new angle." and c["rejectedBy"] == "api_key_c2037bb9a41f"
    assert "rejectedAt" in c


@pytest.mark.parametrize("reason", ["x", "é" * 1024, "👍🏽 émoji – ünïcode", "  spaces kept  ", "a\u0000b"])
def test_reason_stored_verbatim(client: FlaskClient, reason: str) -> None:
    cid = provision(client)
    assert reject(client, cid, reason).json["reason"] == reason
    assert client.get(f"/v1/content/{cid}", headers=auth()).json["rejectionReason"] == reason


def test_two_keys_two_stamps(client: FlaskClient) -> None:
    a, b = provision(client), provision(client)
    assert reject(client, a).json["rejectedBy"] != reject(client, b, key=SECOND_REVIEWER_KEY).json["rejectedBy"]


def test_bearer_works_and_x_api_key_wins(client: FlaskClient) -> None:
    cid = provision(client)
    r = client.post(f"/v1/content/{cid}/reject", json={"reason": "r"},
                    headers={"X-Api-Key": SECOND_REVIEWER_KEY, "Authorization": f"Bearer {REVIEWER_KEY}"})
    assert r.json["rejectedBy"] == "api_key_7b41e09c5d23"
    cid = provision(client)
    r = client.post(f"/v1/content/{cid}/reject", json={"reason": "r"}, headers={"Authorization": f"bearer {REVIEWER_KEY}"})
    assert r.status_code == 200


def test_second_reject_conflicts(client: FlaskClient) -> None:
    reject(client)
    error = assert_error(reject(client), 409, "CONFLICT")
    assert error["message"] == "Container is already rejected."
    assert error["details"] == {"approvalStatus": "rejected"}


@pytest.mark.parametrize("approval,message", [
    ("approved", "Container is already approved."),
    ("not_required", "Container does not require approval."),
    ("rejected", "Container is already rejected."),
])
def test_decided_containers_conflict(client: FlaskClient, approval: str, message: str) -> None:
    cid = provision(client, approvalStatus=approval)
    error = assert_error(reject(client, cid), 409, "CONFLICT")
    assert error["message"] == message and error["details"] == {"approvalStatus": approval}


@pytest.mark.parametrize("status", ["queued", "processing", "failed", "canceled"])
def test_not_completed_is_validation_failed(client: FlaskClient, status: str) -> None:
    cid = provision(client, status=status)
    error = assert_error(reject(client, cid), 422, "VALIDATION_FAILED")
    assert error["details"] == {"status": status}
    assert client.get(f"/_mock/containers/{cid}").json["approvalStatus"] == "pending"


@pytest.mark.parametrize("body,details", [
    ({}, {"field": "reason", "rule": "required"}),
    ({"reason": None}, {"field": "reason", "rule": "type", "expected": "string"}),
    ({"reason": ""}, {"field": "reason", "rule": "minLength", "limit": 1}),
    ({"reason": "x" * 1025}, {"field": "reason", "rule": "maxLength", "limit": 1024}),
    ({"reason": 42}, {"field": "reason", "rule": "type", "expected": "string"}),
    ({"reason": ["a"]}, {"field": "reason", "rule": "type", "expected": "string"}),
    ([], {"field": "body", "rule": "type", "expected": "object"}),
    ("reason", {"field": "body", "rule": "type", "expected": "object"}),
])
def test_reason_rules(client: FlaskClient, body, details) -> None:
    before = snapshot(client)
    r = client.post(f"/v1/content/{PENDING}/reject", json=body, headers=auth())
    assert assert_error(r, 422, "VALIDATION_FAILED")["details"] == details
    assert snapshot(client) == before


def test_unknown_fields_are_ignored(client: FlaskClient) -> None:
    r = client.post(f"/v1/content/{PENDING}/reject", json={"reason": "r", "regenerate": True}, headers=auth())
    assert r.status_code == 200


def test_unknown_id_and_other_org_are_not_found(client: FlaskClient) -> None:
    before = snapshot(client)
    assert_error(reject(client, "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7Z"), 404, "NOT_FOUND")
    other = client.post("/_mock/containers", json={"projectId": "prj_other"}).json["id"]
    before = snapshot(client)
    for response in (reject(client, other), client.get(f"/v1/content/{other}", headers=auth())):
        error = assert_error(response, 404, "NOT_FOUND")
        assert error["message"] == "Container not found."
    assert snapshot(client) == before
    assert client.get(f"/_mock/containers/{other}").json["approvalStatus"] == "pending"
    # The other org's own key sees it.
    assert reject(client, other, key=OTHER_ORG_KEY).status_code == 200


@pytest.mark.parametrize("headers,message", [
    ({}, "Missing API key"),
    ({"X-Api-Key": "lp_test_000000000000_unknownKey000000000"}, "Invalid API key"),
    ({"X-Api-Key": "not a key"}, "Invalid API key"),
    ({"X-Api-Key": REVOKED_KEY}, "Invalid API key"),
    ({"Authorization": f"Basic {REVIEWER_KEY}"}, "Bearer"),
    ({"Authorization": "Bearer "}, "Bearer"),
    ({"X-Api-Key": ""}, "Missing API key"),
])
def test_unauthenticated(client: FlaskClient, headers: dict, message: str) -> None:
    before = snapshot(client)
    r = client.post(f"/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=headers)
    assert message in assert_error(r, 401, "UNAUTHENTICATED")["message"]
    assert snapshot(client) == before


def test_key_without_scope_is_forbidden(client: FlaskClient) -> None:
    before = snapshot(client)
    error = assert_error(reject(client, key=READ_ONLY_KEY), 403, "FORBIDDEN_SCOPE")
    assert error["details"] == {"requiredScope": "content:approve"}
    assert snapshot(client) == before
    assert client.get(f"/v1/content/{PENDING}", headers=auth(READ_ONLY_KEY)).status_code == 200


def test_order_of_checks(client: FlaskClient) -> None:
    # Several rules broken at once: the first in auth → scope → 404 → body → state wins.
    assert reject(client, "cnt_unknown", reason="", key="bad").status_code == 401
    assert reject(client, "cnt_unknown", reason="", key=READ_ONLY_KEY).status_code == 403
    assert reject(client, "cnt_unknown", reason="").status_code == 404
    decided = provision(client, approvalStatus="approved")
    assert reject(client, decided, reason="").status_code == 422
    assert reject(client, decided).status_code == 409


def test_request_ids_are_unique(client: FlaskClient) -> None:
    ids = {reject(client).headers["X-Request-Id"] for _ in range(20)}
    assert len(ids) == 20
    assert client.get("/_mock/info").headers["X-Request-Id"]


def test_client_request_id_is_not_trusted(client: FlaskClient) -> None:
    r = client.post(f"/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=auth() | {"X-Request-Id": "req_evil"})
    assert r.headers["X-Request-Id"] != "req_evil"


def test_approve(client: FlaskClient) -> None:
    cid = provision(client)
    r = client.post(f"/v1/content/{cid}/approve", json={"note": "Great."}, headers=auth())
    assert r.status_code == 200 and r.json["approvalStatus"] == "approved" and r.json["note"] == "Great."
    assert r.json["approvedBy"] == "api_key_c2037bb9a41f"
    assert client.post(f"/v1/content/{cid}/approve", headers=auth()).status_code == 409
    # Approved → rejected isn't supported.
    error = assert_error(reject(client, cid), 409, "CONFLICT")
    assert error["details"] == {"approvalStatus": "approved"}
    cid = provision(client)
    assert client.post(f"/v1/content/{cid}/approve", headers=auth()).status_code == 200  # body optional
    r = client.post(f"/v1/content/{provision(client)}/approve", json={"note": "x" * 1025}, headers=auth())
    assert assert_error(r, 422, "VALIDATION_FAILED")["details"]["rule"] == "maxLength"


def test_review_policy_pending_count_and_first_n_gate(client: FlaskClient) -> None:
    url = "/v1/projects/prj_demo_first_n/content-review-policy"
    before = client.get(url, headers=auth()).json
    assert before["policy"] == "review_first_n" and before["firstN"] == 10 and before["pendingCount"] == 2
    assert reject(client, "cnt_01JDEM00000000000000000012").status_code == 200
    after = client.get(url, headers=auth()).json
    assert after["pendingCount"] == before["pendingCount"] - 1
    assert after["approvedCount"] == before["approvedCount"]  # rejection does not move the gate
    client.post("/v1/content/cnt_01JDEM00000000000000000013/approve", headers=auth())
    assert client.get(url, headers=auth()).json["approvedCount"] == before["approvedCount"] + 1
    assert_error(client.get("/v1/projects/prj_other/content-review-policy", headers=auth()), 404, "NOT_FOUND")


def test_newer_revision_counts_rejections_toward_the_gate() -> None:
    client = create_app(Settings.for_revision("newer")).test_client()
    url = "/v1/projects/prj_demo_first_n/content-review-policy"
    headers = {"Authorization": f"Bearer {REVIEWER_KEY}"}
    before = client.get(url, headers=headers).json["approvedCount"]
    client.post("/v1/content/cnt_01JDEM00000000000000000012/reject", json={"reason": "r"}, headers=headers)
    assert client.get(url, headers=headers).json["approvedCount"] == before + 1


def test_newer_revision_settings() -> None:
    client = create_app(Settings.for_revision("newer")).test_client()
    error = assert_error(reject(client), 401, "UNAUTHENTICATED")
    assert "Bearer" in error["message"]
    r = client.post(f"/v1/content/{PENDING}/reject", json={"reason": ""}, headers={"Authorization": f"Bearer {REVIEWER_KEY}"})
    assert_error(r, 422, "VALIDATION")


def test_validation_status_400() -> None:
    client = create_app(Settings(validation_status=400)).test_client()
    assert_error(reject(client, reason=""), 400, "VALIDATION_FAILED")


class TestIdempotency:
    def test_replay_is_verbatim(self, client: FlaskClient) -> None:
        headers = auth() | {"Idempotency-Key": "k-1"}
        first = client.post(f"/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=headers)
        again = client.post(f"/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=headers)
        assert first.status_code == again.status_code == 200
        assert first.get_data() == again.get_data()
        assert first.headers["X-Request-Id"] == again.headers["X-Request-Id"]

    def test_errors_replay_too(self, client: FlaskClient) -> None:
        headers = auth() | {"Idempotency-Key": "k-2"}
        first = client.post(f"/v1/content/{PENDING}/reject", json={"reason": ""}, headers=headers)
        again = client.post(f"/v1/content/{PENDING}/reject", json={"reason": ""}, headers=headers)
        assert first.status_code == again.status_code == 422 and first.json == again.json

    def test_same_key_different_body_conflicts(self, client: FlaskClient) -> None:
        headers = auth() | {"Idempotency-Key": "k-3"}
        client.post(f"/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=headers)
        before = snapshot(client)
        r = client.post(f"/v1/content/{PENDING}/reject", json={"reason": "other"}, headers=headers)
        assert_error(r, 409, "IDEMPOTENCY_CONFLICT")
        assert snapshot(client) == before

    def test_keys_are_per_api_key(self, client: FlaskClient) -> None:
        a, b = provision(client), provision(client)
        client.post(f"/v1/content/{a}/reject", json={"reason": "r"}, headers=auth() | {"Idempotency-Key": "k-4"})
        r = client.post(f"/v1/content/{b}/reject", json={"reason": "r"}, headers=auth(SECOND_REVIEWER_KEY) | {"Idempotency-Key": "k-4"})
        assert r.status_code == 200 and r.json["id"] == b

    def test_json_compared_by_value(self, client: FlaskClient) -> None:
        headers = auth() | {"Idempotency-Key": "k-5", "Content-Type": "application/json"}
        first = client.post(f"/v1/content/{PENDING}/reject", data='{"reason":"r"}', headers=headers)
        again = client.post(f"/v1/content/{PENDING}/reject", data='{ "reason" : "r" }', headers=headers)
        assert first.get_data() == again.get_data()

    def test_bad_key_header(self, client: FlaskClient) -> None:
        r = client.post(f"/v1/content/{PENDING}/reject", json={"reason": "r"}, headers=auth() | {"Idempotency-Key": "has space"})
        assert assert_error(r, 422, "VALIDATION_FAILED")["details"]["field"] == "Idempotency-Key"


def test_unknown_path_and_wrong_method(client: FlaskClient) -> None:
    assert_error(client.get("/v1/nope"), 404, "NOT_FOUND")
    assert_error(client.get("/"), 404, "NOT_FOUND")
    r = client.get(f"/v1/content/{PENDING}/reject", headers=auth())
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["Allow"] == "POST"
    r = client.delete(f"/v1/content/{PENDING}", headers=auth())
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in r.headers["Allow"]


def test_crash_is_an_internal_envelope(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("planted")

    monkeypatch.setattr(app.extensions["layers_mock"].store, "container", boom)
    r = reject(client)
    assert_error(r, 500, "INTERNAL")
    assert r.mimetype == "application/json"


def test_store_unavailable_is_503(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from layers_mock.store import StoreUnavailable

    def down(*args, **kwargs):
        raise StoreUnavailable("redis://127.0.0.1:1")

    monkeypatch.setattr(app.extensions["layers_mock"].store, "key", down)
    r = reject(client)
    assert_error(r, 503, "SERVICE_UNAVAILABLE")


class TestFaultsAndLimits:
    def test_injected_429_then_recovers(self, client: FlaskClient) -> None:
        assert client.put("/_mock/faults", json={"failWith": 429, "failCount": 2, "retryAfter": 7}).status_code == 200
        for _ in range(2):
            r = reject(client)
            assert_error(r, 429, "RATE_LIMITED")
            assert r.headers["Retry-After"] == "7"
        assert reject(client).status_code == 200
        assert client.get("/_mock/faults").json == {}

    def test_injected_503_until_cleared(self, client: FlaskClient) -> None:
        client.put("/_mock/faults", json={"failWith": 503})
        assert_error(reject(client), 503, "SERVICE_UNAVAILABLE")
        assert_error(reject(client), 503, "SERVICE_UNAVAILABLE")
        assert client.delete("/_mock/faults").status_code == 204
        assert reject(client).status_code == 200

    def test_latency(self, client: FlaskClient) -> None:
        client.put("/_mock/faults", json={"latencyMs": 120})
        r = reject(client)
        assert r.status_code == 200
        assert client.get("/_mock/journal?limit=1").json["entries"][0]["durationMs"] >= 120

    def test_invalid_faults(self, client: FlaskClient) -> None:
        assert client.put("/_mock/faults", json={"failWith": 500}).status_code == 422

    def test_rate_limit_setting(self) -> None:
        client = create_app(Settings(write_light_per_minute=3)).test_client()
        statuses = [reject(client, provision(client)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        # Per key: another key still has its budget; reads are another class.
        assert reject(client, provision(client), key=SECOND_REVIEWER_KEY).status_code == 200
        assert client.get(f"/v1/content/{PENDING}", headers=auth()).status_code == 200


def test_journal(client: FlaskClient) -> None:
    reject(client)
    reject(client)
    entries = client.get("/_mock/journal?limit=2").json["entries"]
    assert [e["status"] for e in entries] == [409, 200]
    assert entries[0]["code"] == "CONFLICT" and entries[1]["code"] is None
    assert entries[0]["keyId"] == "c2037bb9a41f" and entries[0]["path"].endswith("/reject")
    assert client.get("/_mock/journal?limit=0").status_code == 422


def test_journal_is_bounded() -> None:
    client = create_app(Settings(journal_size=3)).test_client()
    for _ in range(5):
        reject(client)
    assert len(client.get("/_mock/journal?limit=100").json["entries"]) == 3
