"""One named scenario per statement of the docs; each sets up its own state and checks one thing."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, TypeVar

from .client import Client, Exchange
from .expect import Failure, Revision, check_envelope, expect_error, expect_schema, expect_status
from .target import Provisioner, Skip, require_keys


T = TypeVar("T")


@dataclass
class Context:
    client: Client
    provisioner: Provisioner
    revision: Revision = "any"
    clock_skew_seconds: float = 120.0
    concurrency: int = 20

    def container(self, state: str = "pending") -> str:
        return self.provisioner.container(state)

    def keys(self, *roles: str) -> None:
        require_keys(self.client.keys, *roles)

    def error(self, exchange: Exchange, *codes: str) -> dict:
        return expect_error(exchange, self.revision, *codes)

    def only(self, revision: Revision, why: str) -> None:
        if self.revision != revision:
            raise Skip(f"only with --revision {revision}: {why}")


@dataclass(frozen=True)
class Scenario:
    name: str
    statement: str
    run: Callable[[Context], None] = field(repr=False)


SCENARIOS: list[Scenario] = []


def scenario(name: str, statement: str) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        SCENARIOS.append(Scenario(name, statement, fn))
        return fn

    return register


def _rejected(ctx: Context, container_id: str, reason: str = "Off-brand hook.", **kw) -> dict:
    exchange = ctx.client.reject(container_id, reason, **kw)
    expect_status(exchange, 200)
    return expect_schema(exchange, "rejectContent")


def _state(ctx: Context, container_id: str) -> dict:
    exchange = ctx.client.get(container_id)
    expect_status(exchange, 200)
    return expect_schema(exchange, "getContent")


# --- The happy path ------------------------------------------------------------------------------


@scenario("reject-pending", "A completed, pending container → 200 with id, approvalStatus, rejectedAt, rejectedBy, reason.")
def reject_pending(ctx: Context) -> None:
    ctx.keys("reviewer")
    cid = ctx.container()
    body = _rejected(ctx, cid, "Hook is off-brand; want something punchier.")
    if body["id"] != cid:
        raise Failure(f"id is {body['id']!r}, not the rejected container {cid!r}", ctx.client.exchanges[-1], cid)


def _verbatim(reason: str) -> Callable[[Context], None]:
    def run(ctx: Context) -> None:
        ctx.keys("reviewer")
        cid = ctx.container()
        body = _rejected(ctx, cid, reason)
        if body["reason"] != reason:
            raise Failure(f"reason came back changed ({len(body['reason'])} of {len(reason)} chars)", ctx.client.exchanges[-1], "the reason as sent")
        stored = _state(ctx, cid).get("rejectionReason", reason)  # undocumented field: checked when shown
        if stored != reason:
            raise Failure("the stored reason differs from the one sent", ctx.client.exchanges[-1], "the reason as sent")

    return run


for _label, _reason in {"1-char": "x", "1024-chars": "é" * 1023 + "!", "multibyte": "Ünïcødé — 你好 👍🏽 \"quoted\"\n"}.items():
    scenario(f"reason-verbatim-{_label}", f"The reason is stored as sent for audit ({_label}).")(_verbatim(_reason))


@scenario("rejected-at-utc-now", "rejectedAt is ISO 8601 UTC with Z, at the time of the call.")
def rejected_at(ctx: Context) -> None:
    ctx.keys("reviewer")
    body = _rejected(ctx, ctx.container())
    stamp = body["rejectedAt"]
    exchange = ctx.client.exchanges[-1]
    if not stamp.endswith("Z"):
        raise Failure(f"rejectedAt {stamp!r} is not UTC with Z", exchange, "…Z")
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    drift = abs((datetime.now(timezone.utc) - when).total_seconds())
    if drift > ctx.clock_skew_seconds:
        raise Failure(f"rejectedAt {stamp} is {drift:.0f}s away from now", exchange, f"within {ctx.clock_skew_seconds:.0f}s")


@scenario("rejected-by-calling-key", "rejectedBy stamps the reviewer: two keys give two different api_key_<keyId> stamps.")
def rejected_by(ctx: Context) -> None:
    ctx.keys("reviewer", "reviewer2")
    first = _rejected(ctx, ctx.container(), key="reviewer")["rejectedBy"]
    second = _rejected(ctx, ctx.container(), key="reviewer2")["rejectedBy"]
    if first == second:
        raise Failure(f"two different keys were both stamped {first!r}", ctx.client.exchanges[-1], "one stamp per key")


@scenario("rejection-persisted", "The rejection is stored: GET shows approvalStatus rejected.")
def persisted(ctx: Context) -> None:
    ctx.keys("reviewer")
    cid = ctx.container()
    _rejected(ctx, cid)
    state = _state(ctx, cid)
    if state["approvalStatus"] != "rejected":
        raise Failure(f"GET shows approvalStatus {state['approvalStatus']!r} after a 200", ctx.client.exchanges[-1], "rejected")


@scenario("status-unchanged", "Rejecting does not kick off a regeneration: the container keeps its status.")
def status_unchanged(ctx: Context) -> None:
    ctx.keys("reviewer")
    cid = ctx.container()
    before = _state(ctx, cid)["status"]
    _rejected(ctx, cid)
    after = _state(ctx, cid)["status"]
    if after != before:
        raise Failure(f"status went {before!r} → {after!r}", ctx.client.exchanges[-1], before)


@scenario("pending-count-drops", "A rejection lowers the project's pendingCount by one.")
def pending_count(ctx: Context) -> None:
    ctx.keys("reviewer")
    cid = ctx.container()
    project = _state(ctx, cid)["projectId"]
    before = ctx.client.policy(project)
    expect_status(before, 200)
    _rejected(ctx, cid)
    after = ctx.client.policy(project)
    expect_status(after, 200)
    b, a = expect_schema(before, "getContentReviewPolicy"), expect_schema(after, "getContentReviewPolicy")
    if a["pendingCount"] != b["pendingCount"] - 1:
        raise Failure(f"pendingCount went {b['pendingCount']} → {a['pendingCount']}", after, str(b["pendingCount"] - 1))
    if ctx.revision == "older" and "approvedCount" in b and a["approvedCount"] != b["approvedCount"]:
        raise Failure("a rejection moved the first-N counter", after, "approvedCount unchanged")


# --- Conflicts and state rules ----------------------------------------------------------------------


def _conflict(state: str, setup: str) -> Callable[[Context], None]:
    def run(ctx: Context) -> None:
        ctx.keys("reviewer")
        cid = ctx.container("pending" if setup == "reject" or setup == "approve" else state)
        if setup == "reject":
            _rejected(ctx, cid)
        elif setup == "approve":
            expect_status(ctx.client.approve(cid, json_body={}), 200)
        exchange = ctx.client.reject(cid)
        error = ctx.error(exchange, "CONFLICT")
        if (error.get("details") or {}).get("approvalStatus") != state:
            raise Failure(f"details.approvalStatus is {(error.get('details') or {}).get('approvalStatus')!r}", exchange, state)

    return run


scenario("second-reject-conflict", "A second reject of the same container → 409 CONFLICT, details.approvalStatus rejected.")(
    _conflict("rejected", "reject"))
scenario("approved-conflict", "Approved → rejected isn't supported: 409 CONFLICT, details.approvalStatus approved.")(
    _conflict("approved", "fixture"))
scenario("approve-then-reject-conflict", "Once approved through the API, rejecting is a 409 CONFLICT.")(
    _conflict("approved", "approve"))
scenario("not-required-conflict", "A container that does not require approval → 409 CONFLICT, details.approvalStatus not_required.")(
    _conflict("not_required", "fixture"))


def _not_completed(status: str) -> Callable[[Context], None]:
    def run(ctx: Context) -> None:
        ctx.keys("reviewer")
        cid = ctx.container(status)
        ctx.error(ctx.client.reject(cid), "VALIDATION")
        if _state(ctx, cid)["approvalStatus"] != "pending":
            raise Failure("a refused reject changed approvalStatus", ctx.client.exchanges[-1], "pending")

    return run


for _status in ("queued", "processing", "failed", "canceled"):
    scenario(f"not-completed-{_status}", f"A {_status} container isn't completed → VALIDATION_FAILED.")(_not_completed(_status))


def _invalid_body(body: object) -> Callable[[Context], None]:
    def run(ctx: Context) -> None:
        ctx.keys("reviewer")
        cid = ctx.container()
        ctx.error(ctx.client.reject(cid, json_body=body), "VALIDATION")

    return run


for _label, _body in {"missing": {}, "null": {"reason": None}, "empty": {"reason": ""}, "1025-chars": {"reason": "x" * 1025},
                      "number": {"reason": 42}, "object": {"reason": {"text": "x"}}, "body-not-object": ["x"]}.items():
    scenario(f"reason-{_label}", f"Reason {_label} → VALIDATION_FAILED (reason is a required string of 1–1024 chars).")(
        _invalid_body(_body))


# --- Who may reject what --------------------------------------------------------------------------


@scenario("unknown-id-not-found", "A container id that does not exist → 404 NOT_FOUND.")
def unknown_id(ctx: Context) -> None:
    ctx.keys("reviewer")
    ctx.error(ctx.client.reject("cnt_" + "0" * 26), "NOT_FOUND")
    ctx.error(ctx.client.reject(str(uuid.uuid4())), "NOT_FOUND")


@scenario("other-org-not-found", "Another organisation's container → 404 NOT_FOUND (never 403), and it stays pending.")
def other_org(ctx: Context) -> None:
    ctx.keys("reviewer", "other_org")
    cid = ctx.container("other_org")
    exchange = ctx.client.reject(cid)
    if exchange.status == 403:
        raise Failure("another org's container answered 403: its existence leaks", exchange, "404 NOT_FOUND")
    ctx.error(exchange, "NOT_FOUND")
    ctx.error(ctx.client.get(cid), "NOT_FOUND")
    owner_view = ctx.client.get(cid, key="other_org")
    expect_status(owner_view, 200)
    if owner_view.json().get("approvalStatus") != "pending":
        raise Failure("another org's reject changed the container", owner_view, "pending")


@scenario("no-key-unauthenticated", "No key → 401 UNAUTHENTICATED.")
def no_key(ctx: Context) -> None:
    ctx.keys("reviewer")
    ctx.error(ctx.client.reject(ctx.container(), key=None), "UNAUTHENTICATED")


@scenario("unknown-key-unauthenticated", "An unknown or malformed key → 401 UNAUTHENTICATED.")
def unknown_key(ctx: Context) -> None:
    cid = ctx.container()
    for key in ("lp_test_000000000000_" + "0" * 32, "not-a-key"):
        ctx.error(ctx.client.reject(cid, key=None, headers={"Authorization": f"Bearer {key}"}), "UNAUTHENTICATED")
    if ctx.revision != "newer":
        ctx.error(ctx.client.reject(cid, key=None, headers={"X-Api-Key": "lp_test_000000000000_" + "1" * 32}),
                  "UNAUTHENTICATED")


@scenario("no-scope-forbidden", "A key without content:approve → 403 FORBIDDEN_SCOPE.")
def no_scope(ctx: Context) -> None:
    ctx.keys("no_scope")
    ctx.error(ctx.client.reject(ctx.container(), key="no_scope"), "FORBIDDEN_SCOPE")


@scenario("bearer-accepted", "Authorization: Bearer <key> authenticates.")
def bearer(ctx: Context) -> None:
    ctx.keys("reviewer")
    _rejected(ctx, ctx.container(), via="bearer")


@scenario("x-api-key-accepted", "X-Api-Key: <key> authenticates, as in the reject page's examples (older revision).")
def x_api_key(ctx: Context) -> None:
    ctx.only("older", "the newer revision accepts Bearer only")
    ctx.keys("reviewer")
    _rejected(ctx, ctx.container(), via="x-api-key")


@scenario("x-api-key-wins", "When both headers are sent, X-Api-Key wins (older revision).")
def x_api_key_wins(ctx: Context) -> None:
    ctx.only("older", "the newer revision accepts Bearer only")
    ctx.keys("reviewer", "reviewer2")
    headers = {"X-Api-Key": ctx.client.keys["reviewer2"], "Authorization": f"Bearer {ctx.client.keys['reviewer']}"}
    body = _rejected(ctx, ctx.container(), key=None, headers=headers)
    expected = _rejected(ctx, ctx.container(), key="reviewer2", via="x-api-key")["rejectedBy"]
    if body["rejectedBy"] != expected:
        raise Failure("the Bearer key was used although X-Api-Key was sent", ctx.client.exchanges[-2], expected)


@scenario("several-rules-broken", "A request that breaks several rules gets one of their codes (order is undocumented).")
def several_rules(ctx: Context) -> None:
    ctx.keys("no_scope")
    cid = ctx.container("approved")
    ctx.error(ctx.client.reject(cid, "", key="no_scope"), "FORBIDDEN_SCOPE", "VALIDATION", "CONFLICT")
    ctx.error(ctx.client.reject("cnt_" + "0" * 26, "", key=None), "UNAUTHENTICATED", "NOT_FOUND", "VALIDATION")


@scenario("failed-requests-change-nothing", "A refused reject leaves the container as it was; it can still be rejected.")
def failed_change_nothing(ctx: Context) -> None:
    ctx.keys("reviewer", "no_scope", "other_org")
    cid = ctx.container()
    before = _state(ctx, cid)
    ctx.error(ctx.client.reject(cid, ""), "VALIDATION")
    ctx.error(ctx.client.reject(cid, key="no_scope"), "FORBIDDEN_SCOPE")
    ctx.error(ctx.client.reject(cid, key="other_org"), "NOT_FOUND")
    ctx.error(ctx.client.reject(cid, key=None), "UNAUTHENTICATED")
    after = _state(ctx, cid)
    if after != before:
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        raise Failure(f"refused requests changed {', '.join(changed)}", ctx.client.exchanges[-1], "no change")
    _rejected(ctx, cid)


# --- Concurrency and retries ---------------------------------------------------------------------


def all_at_once(n: int, call: Callable[[int], T]) -> list[T]:
    """call(0), …, call(n-1) in n threads released together; their results in order.
    The first exception a call raised is raised here, once every thread has finished."""
    barrier, results, errors = threading.Barrier(n), [None] * n, []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = call(i)
        except Exception as exc:  # handed to the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]


@scenario("concurrent-rejects-one-winner", "Concurrent rejects of one container: exactly one 200, the rest 409 CONFLICT.")
def concurrent(ctx: Context) -> None:
    ctx.keys("reviewer")
    cid = ctx.container()
    results = all_at_once(ctx.concurrency, lambda i: ctx.client.reject(cid, f"concurrent {i}"))
    winners = [r for r in results if r.status == 200]
    if len(winners) != 1:
        raise Failure(f"{len(winners)} of {ctx.concurrency} concurrent rejects got 200",
                      winners[-1] if winners else results[0], "exactly one 200")
    for r in results:
        if r is not winners[0]:
            ctx.error(r, "CONFLICT")
    stored = _state(ctx, cid).get("rejectionReason")
    if stored is not None and stored != winners[0].json()["reason"]:
        raise Failure("the stored reason is not the winner's", ctx.client.exchanges[-1], winners[0].json()["reason"])


@scenario("idempotency-replay", "Same Idempotency-Key and body replays the first response; a different body → 409 IDEMPOTENCY_CONFLICT.")
def idempotency(ctx: Context) -> None:
    ctx.keys("reviewer")
    cid = ctx.container()
    headers = {"Idempotency-Key": f"layers-contract-{uuid.uuid4()}"}
    first = ctx.client.reject(cid, "Retry me.", headers=headers)
    expect_status(first, 200)
    again = ctx.client.reject(cid, "Retry me.", headers=headers)
    if (again.status, again.response_body, again.request_id) != (first.status, first.response_body, first.request_id):
        raise Failure(f"the retry was not a verbatim replay (got {again.status}, requestId {again.request_id})", again,
                      f"{first.status}, the same body, requestId {first.request_id}")
    ctx.error(ctx.client.reject(cid, "A different reason.", headers=headers), "IDEMPOTENCY_CONFLICT")


# --- Every error, everywhere ----------------------------------------------------------------------


@scenario("errors-carry-request-id", "Every error is the envelope with a requestId equal to X-Request-Id, unique per request.")
def errors_envelope(ctx: Context) -> None:
    exchanges = [e for e in ctx.client.exchanges if "Idempotency-Key" not in e.headers]  # replays repeat ids
    if not exchanges:
        ctx.keys("reviewer")
        ctx.client.reject("cnt_" + "0" * 26)
        exchanges = ctx.client.exchanges
    seen: dict[str, Exchange] = {}
    for exchange in exchanges:
        if exchange.status >= 400:
            check_envelope(exchange)
        rid = exchange.request_id
        if not rid:
            raise Failure("response without X-Request-Id", exchange, "X-Request-Id on every response")
        if rid in seen:
            raise Failure(f"requestId {rid} was used for two requests", exchange, "a fresh requestId per request")
        seen[rid] = exchange
