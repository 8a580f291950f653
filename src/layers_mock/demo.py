"""The data `layers-mock` starts with: one of everything the docs describe, with fixed keys and ids
so the README's commands can be copied as they are."""

from __future__ import annotations

from typing import Any

ALL_SCOPES = ["content:read", "content:approve", "content:write", "publish:write"]

REVIEWER_KEY = "lp_test_c2037bb9a41f_demoReviewerKey0000000000000001"
SECOND_REVIEWER_KEY = "lp_test_7b41e09c5d23_demoReviewerKey0000000000000002"
READ_ONLY_KEY = "lp_test_5a1d0e7f9b20_demoReadOnlyKey0000000000000001"
REVOKED_KEY = "lp_test_9e8d7c6b5a40_demoRevokedKey00000000000000001"
OTHER_ORG_KEY = "lp_test_0f0e0d0c0b0a_demoOtherOrgKey0000000000000001"

# The first pending container has the docs' example id.
DOCS_EXAMPLE_ID = "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T"


def _cid(n: int) -> str:
    return f"cnt_01JDEM{n:020d}"


def _container(n: int, name: str, status: str = "completed", approval: str = "pending") -> dict[str, Any]:
    return {"id": _cid(n), "name": name, "status": status, "approvalStatus": approval}


DEMO_FIXTURES: dict[str, Any] = {
    "orgs": [
        {
            "id": "org_demo",
            "name": "Demo Org",
            "keys": [
                {"name": "reviewer (all scopes)", "key": REVIEWER_KEY, "scopes": ALL_SCOPES},
                {"name": "second reviewer (all scopes)", "key": SECOND_REVIEWER_KEY, "scopes": ALL_SCOPES},
                {"name": "read-only (no content:approve)", "key": READ_ONLY_KEY, "scopes": ["content:read"]},
                {"name": "revoked", "key": REVOKED_KEY, "scopes": ALL_SCOPES, "revoked": True},
            ],
            "projects": [
                {
                    "id": "prj_demo",
                    "policy": "review_all",
                    "containers": [
                        {"id": DOCS_EXAMPLE_ID, "name": "pending (the docs' example id)"},
                        *(_container(n, "pending") for n in range(1, 5)),
                        _container(5, "already approved", approval="approved"),
                        _container(6, "already rejected", approval="rejected"),
                        _container(7, "approval not required", approval="not_required"),
                        _container(8, "queued", status="queued"),
                        _container(9, "processing", status="processing"),
                        _container(10, "failed", status="failed"),
                        _container(11, "canceled", status="canceled"),
                    ],
                },
                {
                    "id": "prj_demo_first_n",
                    "policy": "review_first_n",
                    "firstN": 10,
                    "containers": [_container(12, "pending (first-N project)"), _container(13, "pending (first-N project)")],
                },
            ],
        },
        {
            "id": "org_other",
            "name": "Other Org",
            "keys": [{"name": "other org's reviewer", "key": OTHER_ORG_KEY, "scopes": ALL_SCOPES}],
            "projects": [{"id": "prj_other", "containers": [_container(14, "other org's pending")]}],
        },
    ]
}
