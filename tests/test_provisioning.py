"""The /_mock provisioning protocol (openapi/mock-admin.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from conftest import PENDING, auth, reject
from layers_mock import Settings, create_app

DOC = {
    "orgs": [{
        "name": "Acme",
        "keys": [{"name": "reviewer"}, {"name": "reader", "scopes": ["content:read"], "env": "live"}],
        "projects": [
            {"policy": "review_all", "containers": [{"name": "p"}, {"status": "processing"}]},
            {"policy": "auto_approve", "containers": [{}]},
        ],
    }]
}


def test_fixtures_fill_in_ids_keys_and_defaults(client: FlaskClient) -> None:
    r = client.post("/_mock/fixtures", json=DOC)
    assert r.status_code == 201
    org = r.json["orgs"][0]
    assert org["id"].startswith("org_")
    reviewer, reader = org["keys"]
    assert reviewer["key"].startswith("lp_test_") and reader["key"].startswith("lp_live_")
    assert reviewer["scopes"] == ["content:read", "content:approve"]
    assert reviewer["reviewerStamp"] == f"api_key_{reviewer['keyId']}"
    review_all, auto = org["projects"]
    assert [c["approvalStatus"] for c in review_all["containers"]] == ["pending", "pending"]
    assert [c["status"] for c in review_all["containers"]] == ["completed", "processing"]
    assert auto["containers"][0]["approvalStatus"] == "not_required"
    # The provisioned state is live: its key rejects its container, and only its own.
    cid = review_all["containers"][0]["id"]
    assert reject(client, cid, key=reviewer["key"]).json["rejectedBy"] == reviewer["reviewerStamp"]
    assert reject(client, cid, key=reader["key"]).status_code == 403
    assert reject(client, PENDING, key=reviewer["key"]).status_code == 404


def test_duplicate_ids_create_nothing(client: FlaskClient) -> None:
    doc = {"orgs": [{"id": "org_new", "projects": [{"containers": [{"id": PENDING}]}]}]}
    r = client.post("/_mock/fixtures", json=doc)
    assert r.status_code == 409 and r.json["error"]["code"] == "DUPLICATE_ID"
    assert client.post("/_mock/fixtures", json={"orgs": [{"id": "org_new"}]}).status_code == 201


@pytest.mark.parametrize("doc", [
    {"orgs": [{"projects": [{"policy": "review_first_n"}]}]},
    {"orgs": [{"projects": [{"policy": "review_all", "firstN": 3}]}]},
    {"orgs": [{"keys": [{"scopes": ["admin:all"]}]}]},
    {"orgs": [{"projects": [{"containers": [{"status": "done"}]}]}]},
    {"orgs": [{"projects": [{"containers": [{"id": "cnt_bad"}]}]}]},
    {"orgz": []},
    [],
])
def test_invalid_documents_are_refused(client: FlaskClient, doc) -> None:
    r = client.post("/_mock/fixtures", json=doc)
    assert r.status_code == 422 and r.json["error"]["requestId"]


def test_create_container(client: FlaskClient) -> None:
    r = client.post("/_mock/containers", json={"projectId": "prj_demo", "status": "queued", "name": "q"})
    assert r.status_code == 201 and r.json["status"] == "queued" and r.json["orgId"] == "org_demo"
    uuid_id = "0b6f7d1e-3c1a-4f7e-9a51-2c1d9e0f4a11"
    assert client.post("/_mock/containers", json={"projectId": "prj_demo", "id": uuid_id}).status_code == 201
    assert reject(client, uuid_id).status_code == 200  # bare uuid ids work where the store holds them
    assert client.post("/_mock/containers", json={"projectId": "prj_nope"}).status_code == 404
    assert client.post("/_mock/containers", json={"projectId": "prj_demo", "id": uuid_id}).status_code == 409


def test_reset_restores_start_up_data_or_empties(client: FlaskClient) -> None:
    reject(client)
    assert client.post("/_mock/reset").status_code == 204
    assert reject(client).status_code == 200
    assert client.post("/_mock/reset?empty=true").status_code == 204
    assert reject(client).status_code == 401  # no keys any more
    assert client.get(f"/_mock/containers/{PENDING}").status_code == 404


def test_info(client: FlaskClient) -> None:
    info = client.get("/_mock/info").json
    assert info["name"] == "layers-mock" and info["protocol"] == "1"
    assert info["settings"]["validation_code"] == "VALIDATION_FAILED"


def test_fixtures_file_replaces_demo_data(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text("""
orgs:
  - id: org_file
    keys:
      - key: lp_test_aaaaaaaaaaaa_fileKey000000000000001
    projects:
      - id: prj_file
        containers:
          - id: cnt_01JF0000000000000000000001
""")
    client = create_app(Settings(fixtures=path)).test_client()
    assert reject(client, "cnt_01JF0000000000000000000001", key="lp_test_aaaaaaaaaaaa_fileKey000000000000001").status_code == 200
    assert reject(client).status_code == 401  # no demo keys


def test_broken_fixtures_file_fails_at_start(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text("orgs:\n  - keys:\n      - scopes: [nope]\n")
    with pytest.raises(Exception, match="scopes"):
        create_app(Settings(fixtures=path))


def test_no_admin_setting() -> None:
    client = create_app(Settings(admin_api=False)).test_client()
    assert client.post("/_mock/reset").status_code == 404
    assert reject(client).status_code == 200


def test_public_api_unaffected_by_admin_validation_settings() -> None:
    client = create_app(Settings(validation_status=400, validation_code="VALIDATION")).test_client()
    r = client.post("/_mock/fixtures", json={"orgz": []})
    assert r.status_code == 422 and r.json["error"]["code"] == "INVALID_REQUEST"
    assert auth()  # the public API follows the settings: see test_api


def test_create_containers_in_batch(client: FlaskClient) -> None:
    r = client.post("/_mock/containers/batch", json={"projectId": "prj_demo", "count": 3, "status": "queued"})
    assert r.status_code == 201 and len(r.json["ids"]) == 3
    assert client.get(f"/_mock/containers/{r.json['ids'][0]}").json["status"] == "queued"
    assert reject(client, r.json["ids"][1]).status_code == 422  # queued: not completed
    assert client.post("/_mock/containers/batch", json={"projectId": "prj_demo", "count": 0}).status_code == 422
    assert client.post("/_mock/containers/batch", json={"projectId": "prj_x", "count": 1}).status_code == 404
