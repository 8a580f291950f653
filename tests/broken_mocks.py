"""Deliberately broken variants of layers-mock, each planting one realistic bug.

Run one as `python tests/broken_mocks.py VARIANT` (serves on a free port, prints its URL).
Each variant patches the real mock in its own process, so nothing leaks into other tests.
`CAUGHT_BY` names the check of the conformance suite that must fail on it: a scenario, or an
operation of the fuzzing layer.
"""

from __future__ import annotations

import copy
import sys
import time
from dataclasses import replace
from typing import Any, Callable

from flask import request

import layers_mock.api as api
import layers_mock.app as app_module
import layers_mock.rules as rules
import layers_mock.spec as spec
from layers_mock import cli
from layers_mock.errors import ApiError, conflict
from layers_mock.models import SCOPES, ApiKey, Container
from layers_mock.store.memory import MemoryStore

VARIANTS: dict[str, Callable[[], None]] = {}
CAUGHT_BY: dict[str, str] = {}


def variant(check: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        VARIANTS[fn.__name__] = fn
        CAUGHT_BY[fn.__name__] = check
        return fn

    return register


def _wrap(module: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    setattr(module, name, make(getattr(module, name)))


def _rewrite_result(module: Any, name: str, change: Callable[[dict], dict]) -> None:
    _wrap(module, name, lambda original: lambda *a, **kw: change(original(*a, **kw)))


def _spec_without(*keywords: str) -> None:
    """The implementation's copy of the reason schema drifted from the contract."""
    load = spec.load_spec.__wrapped__

    def drifted(name: str = spec.PARTNER_API) -> dict:
        doc = copy.deepcopy(load(name))
        if name == spec.PARTNER_API:
            body = doc["paths"]["/v1/content/{containerId}/reject"]["post"]["requestBody"]
            reason = body["content"]["application/json"]["schema"]["properties"]["reason"]
            for keyword in keywords:
                reason.pop(keyword, None)
        return doc

    app_module.load_spec = drifted


# --- auth ----------------------------------------------------------------------------------------


@variant("no-key-unauthenticated")
def auth_not_enforced() -> None:
    """A missing or unknown key falls back to "the owner of the container"."""
    def make(original):
        def authorize(state, scope, endpoint_class):
            try:
                return original(state, scope, endpoint_class)
            except ApiError as error:
                if error.status != 401:
                    raise
                container = app_module.mock().store.container((request.view_args or {}).get("container_id", ""))
                return ApiKey("lp_test_000000000000_anonymous0000000000", container.org_id if container else "", SCOPES)
        return authorize
    _wrap(api, "_authorize", make)


@variant("no-key-unauthenticated")
def missing_key_is_403() -> None:
    """Unauthenticated answered as 403 FORBIDDEN_SCOPE."""
    api.unauthenticated = rules.unauthenticated = lambda message: ApiError(403, "FORBIDDEN_SCOPE", message)


@variant("no-scope-forbidden")
def scope_not_checked() -> None:
    """Any valid key may reject, whatever its scopes."""
    _wrap(MemoryStore, "key", lambda original: lambda self, secret: (
        replace(k, scopes=SCOPES) if (k := original(self, secret)) else None))


@variant("other-org-not-found")
def other_org_leaks_403() -> None:
    """Another organisation's container answers 403, so its existence leaks."""
    def visible(store, caller, container_id):
        c = store.container(container_id)
        if c is not None and c.org_id != caller.org_id:
            raise ApiError(403, "FORBIDDEN_SCOPE", "Not your container.")
        return original(store, caller, container_id)
    original = rules.visible_container
    rules.visible_container = visible


@variant("other-org-not-found")
def other_org_can_reject() -> None:
    """Organisation isolation is not enforced."""
    def visible(store, caller, container_id):
        c = store.container(container_id)
        if c is None:
            raise ApiError(404, "NOT_FOUND", "Container not found.")
        return c
    rules.visible_container = visible


# --- state rules -----------------------------------------------------------------------------------


def _allow(approval: str | None = None, any_status: bool = False) -> None:
    original = rules.check_reviewable

    def check(c: Container) -> None:
        if c.approval_status == approval or (any_status and c.approval_status == "pending"):
            return
        original(c)
    rules.check_reviewable = check
    rules._REVIEWABLE = {} if any_status else {"status": "completed"}


@variant("second-reject-conflict")
def second_reject_succeeds() -> None:
    """Rejecting a rejected container overwrites the stamp with 200."""
    _allow("rejected")


@variant("approved-conflict")
def approved_can_be_rejected() -> None:
    """Approved → rejected is allowed."""
    _allow("approved")


@variant("not-required-conflict")
def not_required_can_be_rejected() -> None:
    """Approval not required is not checked."""
    _allow("not_required")


@variant("not-completed-queued")
def not_completed_can_be_rejected() -> None:
    """The container's status is not checked."""
    _allow(any_status=True)


@variant("not-completed-processing")
def not_completed_is_409() -> None:
    """A container that isn't completed answers 409 instead of VALIDATION_FAILED."""
    original = rules.check_reviewable

    def check(c: Container) -> None:
        if c.approval_status == "pending" and c.status != "completed":
            raise ApiError(409, "CONFLICT", "Container isn't completed.", {"approvalStatus": "pending"})
        original(c)
    rules.check_reviewable = check


# --- the body --------------------------------------------------------------------------------------


@variant("reason-1025-chars")
def reason_length_unchecked() -> None:
    """Reasons over 1024 characters are accepted."""
    _spec_without("maxLength")


@variant("reason-empty")
def empty_reason_accepted() -> None:
    """An empty reason is accepted."""
    _spec_without("minLength")


@variant("reason-null")
def null_reason_crashes() -> None:
    """A null reason slips past validation and crashes the handler (500)."""
    _spec_without("type")
    _wrap(rules, "reject", lambda original: lambda store, caller, c, reason: original(store, caller, c, reason.strip() and reason))


@variant("reason-verbatim-1024-chars")
def reason_truncated() -> None:
    """The reason is cut to 255 characters (a VARCHAR(255) column)."""
    _wrap(rules, "reject", lambda original: lambda store, caller, c, reason: original(store, caller, c, reason[:255]))


# --- the 200 body ----------------------------------------------------------------------------------


@variant("reject-pending")
def missing_rejected_at() -> None:
    """The 200 body has no rejectedAt."""
    _rewrite_result(rules, "reject", lambda body: {k: v for k, v in body.items() if k != "rejectedAt"})


@variant("reject-pending")
def approval_status_uppercase() -> None:
    """approvalStatus is "REJECTED"."""
    _rewrite_result(rules, "reject", lambda body: body | {"approvalStatus": "REJECTED"})


@variant("rejected-by-calling-key")
def rejected_by_constant() -> None:
    """Every rejection is stamped by the same service account, not the calling key."""
    _wrap(rules, "reject", lambda original: lambda store, caller, c, reason: original(
        store, replace(caller, key="lp_test_5e7v1ce00000_service0000000000000"), c, reason))


@variant("rejected-at-utc-now")
def rejected_at_local_offset() -> None:
    """rejectedAt is local time with an offset, not UTC with Z."""
    rules.now_iso = lambda: time.strftime("%Y-%m-%dT%H:%M:%S+02:00", time.gmtime(time.time() + 7200))


@variant("POST /v1/content/{containerId}/approve")
def approve_body_missing_approved_at() -> None:
    """The approve 200 body has no approvedAt (only the fuzzing layer reads approve bodies)."""
    _rewrite_result(rules, "approve", lambda body: {k: v for k, v in body.items() if k != "approvedAt"})


@variant("GET /v1/content/{containerId}")
def success_as_text_plain() -> None:
    """Successful GETs are served as text/plain."""
    def make(original):
        def respond(payload, status=200, headers=None):
            response = original(payload, status, headers)
            if status == 200 and request.method == "GET":
                response.mimetype = "text/plain"
            return response
        return respond
    _wrap(api, "json_response", make)


# --- persistence and side effects --------------------------------------------------------------


@variant("rejection-persisted")
def rejection_not_persisted() -> None:
    """The 200 is sent but the store is never updated."""
    _wrap(MemoryStore, "update_container", lambda original: lambda self, cid, expect, changes: (
        self.container(cid).changed(changes) if cid in self._containers else None))


@variant("status-unchanged")
def regeneration_kicked_off() -> None:
    """Rejecting re-queues the container for generation."""
    _wrap(MemoryStore, "update_container", lambda original: lambda self, cid, expect, changes: original(
        self, cid, expect, changes | ({"status": "queued"} if changes.get("approval_status") == "rejected" else {})))


@variant("concurrent-rejects-one-winner")
def racy_check_then_act() -> None:
    """Check and write are separate steps without a lock: concurrent rejects both win."""
    def update(self, cid, expect, changes):
        current = self.container(cid)
        if current is None or any(getattr(current, k) != v for k, v in expect.items()):
            return None
        time.sleep(0.05)
        updated = current.changed(changes)
        self._containers[cid] = tuple(updated)
        self._counts[current.project_id, current.approval_status] -= 1
        self._counts[updated.project_id, updated.approval_status] += 1
        return updated
    MemoryStore.update_container = update


@variant("failed-requests-change-nothing")
def refused_request_mutates() -> None:
    """The container is marked rejected before the body is validated."""
    def make(original):
        def body(state, operation_id):
            try:
                return original(state, operation_id)
            except ApiError:
                cid = (request.view_args or {}).get("container_id", "")
                app_module.mock().store.update_container(cid, {}, {"approval_status": "rejected"})
                raise
        return body
    _wrap(api, "_body", make)


@variant("pending-count-drops")
def pending_count_not_lowered() -> None:
    """pendingCount is counted once at start and never changes."""
    frozen: dict[str, int] = {}
    _rewrite_result(rules, "review_policy", lambda body: body | {
        "pendingCount": frozen.setdefault(body["projectId"], body["pendingCount"])})


@variant("idempotency-replay")
def idempotency_ignored() -> None:
    """Idempotency-Key is ignored: a retry is a second reject (409)."""
    _wrap(api, "_idempotent", lambda original: lambda state, caller, run: api.json_response(run()))


# --- errors ----------------------------------------------------------------------------------------


@variant("errors-carry-request-id")
def errors_not_enveloped() -> None:
    """Errors are a flat {code, message} object."""
    def render(error):
        return app_module.json_response({"code": error.code, "message": error.message}, error.status, error.headers)
    app_module.render_error = api.render_error = render


@variant("errors-carry-request-id")
def request_id_missing_in_error() -> None:
    """error.requestId is left out."""
    _wrap(ApiError, "envelope", lambda original: lambda self, rid: {"error": {
        k: v for k, v in original(self, rid)["error"].items() if k != "requestId"}})


@variant("errors-carry-request-id")
def request_id_header_differs() -> None:
    """The X-Request-Id header and error.requestId are generated separately."""
    _wrap(ApiError, "envelope", lambda original: lambda self, rid: original(self, app_module.new_request_id()))


@variant("unknown-id-not-found")
def unknown_id_crashes() -> None:
    """An unknown container id raises KeyError (500)."""
    original = rules.visible_container

    def visible(store, caller, container_id):
        if store.container(container_id) is None:
            raise KeyError(container_id)
        return original(store, caller, container_id)
    rules.visible_container = visible


@variant("second-reject-conflict")
def conflict_details_missing() -> None:
    """409 without details.approvalStatus."""
    rules.conflict = lambda status: ApiError(409, "CONFLICT", conflict(status).message)


def main(argv: list[str]) -> int:
    name, rest = argv[0], argv[1:]
    VARIANTS[name]()
    # Several threads, as a real deployment would have: races need them to show.
    return cli.main(["--port", "0", "--quiet", "--threads", "8", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
