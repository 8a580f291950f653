"""The public Layers endpoints. Order of checks: gateway (413/415) → auth (401) → scope (403) →
rate limit (429) → idempotent replay → container in caller's org (404) → body (422) → state."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Callable

from flask import Blueprint, Response, g, request

from . import rules
from .app import JSON, Mock, json_response, mock, render_error
from .errors import ApiError, payload_too_large, unauthenticated, validation_failed
from .models import ApiKey, Container, public_container
from .store import IdempotencyRecord, Store
from .validation import parse_json

api = Blueprint("public", __name__, url_prefix="/v1")

# Who may take a review decision, and the rate-limit class it counts against.
REVIEW_SCOPE, REVIEW_CLASS = "content:approve", "write-light"
# Layers rate-limits per key and endpoint class, and names the class on every response.
_ENDPOINT_CLASS = {"public.reject": REVIEW_CLASS, "public.approve": REVIEW_CLASS,
                   "public.get_content": "read", "public.review_policy": "read"}


@api.before_request
def _gateway() -> None:
    state = mock()
    faults = state.store.take_fault()
    if faults:
        _apply(faults)
    length = request.content_length
    if length and length > state.settings.max_body_bytes:
        raise payload_too_large(state.settings.max_body_bytes)
    if (length or request.headers.get("Transfer-Encoding")) and not _is_json(request.mimetype):
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as Content-Type: application/json.",
                       {"contentType": request.mimetype or None})


@api.after_request
def _endpoint_class(response: Response) -> Response:
    endpoint_class = _ENDPOINT_CLASS.get(request.endpoint or "")
    if endpoint_class:
        response.headers["X-RateLimit-Endpoint-Class"] = endpoint_class
    return response


# A review decision: the operation whose request body it takes, and the rule it applies.
Decide = Callable[[Store, ApiKey, Container, dict[str, Any]], dict[str, Any]]
REVIEWS: dict[str, tuple[str, Decide]] = {
    "reject": ("rejectContent", lambda store, caller, container, body: rules.reject(store, caller, container, body["reason"])),
    "approve": ("approveContent", lambda store, caller, container, body: rules.approve(store, caller, container, body.get("note"))),
}


@api.post("/content/<container_id>/reject")
def reject(container_id: str) -> Response:
    return _review(container_id, "reject")


@api.post("/content/<container_id>/approve")
def approve(container_id: str) -> Response:
    return _review(container_id, "approve")


def _review(container_id: str, action: str) -> Response:
    """A review decision: checks in the documented order, then the rule, behind Idempotency-Key."""
    state = mock()
    caller = _authorize(state, REVIEW_SCOPE, REVIEW_CLASS)
    operation_id, decide = REVIEWS[action]

    def run() -> dict[str, Any]:
        container = rules.visible_container(state.store, caller, container_id)
        body = _body(state, operation_id)
        return decide(state.store, caller, container, body)

    return _idempotent(state, caller, run)


@api.get("/content/<container_id>")
def get_content(container_id: str) -> Response:
    state = mock()
    caller = _authorize(state, "content:read", "read")
    return json_response(public_container(rules.visible_container(state.store, caller, container_id)))


@api.get("/projects/<project_id>/content-review-policy")
def review_policy(project_id: str) -> Response:
    state = mock()
    caller = _authorize(state, "content:read", "read")
    return json_response(rules.review_policy(state.store, state.settings, caller, project_id))


def _authorize(state: Mock, scope: str, endpoint_class: str) -> ApiKey:
    settings = state.settings
    token = presented_key(request.headers.get("X-Api-Key"), request.headers.get("Authorization"), settings.bearer_only)
    key = rules.authorize(state.store, token, scope)
    g.key_id = key.key_id
    if endpoint_class == REVIEW_CLASS and settings.write_light_per_minute:
        _limit_rate(state, key, endpoint_class, settings.write_light_per_minute)
    return key


def presented_key(api_key: str | None, authorization: str | None, bearer_only: bool) -> str:
    """The key a request presents. X-Api-Key wins over Authorization when both are sent (older
    docs), even when it is empty; Bearer only when told."""
    if api_key is not None and not bearer_only:
        if not api_key.strip():
            raise unauthenticated("Missing API key: X-Api-Key is empty.")
        return api_key.strip()
    authorization = (authorization or "").strip()
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated("Authorization must be 'Bearer <key>'.")
        return token.strip()
    if api_key is not None:
        raise unauthenticated("This API accepts Authorization: Bearer <key> only.")
    hint = "Authorization: Bearer <key>" if bearer_only else "X-Api-Key or Authorization: Bearer <key>"
    raise unauthenticated(f"Missing API key. Send {hint}.")


def _limit_rate(state: Mock, key: ApiKey, endpoint_class: str, per_minute: int) -> None:
    hits, reset_in = state.store.count_hit(f"{key.key_id}:{endpoint_class}", 60)
    if hits > per_minute:
        raise ApiError(429, "RATE_LIMITED", f"Rate limit exceeded for {endpoint_class} calls.",
                       {"endpointClass": endpoint_class, "limit": per_minute, "retryAfter": reset_in},
                       {"Retry-After": str(reset_in)})


def _apply(faults: dict[str, Any]) -> None:
    if faults.get("latencyMs"):
        time.sleep(faults["latencyMs"] / 1000)
    fail_with, retry_after = faults.get("failWith"), str(faults.get("retryAfter", 1))
    if fail_with == 429:
        raise ApiError(429, "RATE_LIMITED", "Rate limit exceeded (injected fault).",
                       {"retryAfter": int(retry_after)}, {"Retry-After": retry_after})
    if fail_with == 503:
        raise ApiError(503, "SERVICE_UNAVAILABLE", "Service unavailable (injected fault).", None,
                       {"Retry-After": retry_after})


def _is_json(mimetype: str) -> bool:
    return mimetype == JSON or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _body(state: Mock, operation_id: str) -> dict[str, Any]:
    data = request.get_data()
    return state.checks[operation_id](parse_json(data) if data else {})


def _idempotent(state: Mock, caller: ApiKey, run: Callable[[], dict[str, Any]]) -> Response:
    """Same Idempotency-Key and body within the TTL replays the first response verbatim."""
    idempotency_key = request.headers.get("Idempotency-Key")
    if idempotency_key is None:
        return json_response(run())
    if not (0 < len(idempotency_key) <= 255 and idempotency_key.isascii() and idempotency_key.isprintable()
            and " " not in idempotency_key):
        raise validation_failed("Idempotency-Key must be 1–255 printable ASCII characters.",
                                field="Idempotency-Key", rule="pattern")
    store, ttl = state.store, state.settings.idempotency_ttl_seconds
    scope = f"{caller.key_id}:{idempotency_key}"
    fingerprint = _fingerprint()
    held = store.idempotency_claim(scope, fingerprint, ttl)
    if held is not None:
        if held.fingerprint != fingerprint:
            raise ApiError(409, "IDEMPOTENCY_CONFLICT",
                           "Idempotency-Key was already used with a different request body.",
                           {"idempotencyKey": idempotency_key})
        if held.status is None:
            raise ApiError(409, "IDEMPOTENCY_CONFLICT", "A request with this Idempotency-Key is still in progress.",
                           {"idempotencyKey": idempotency_key})
        g.request_id = held.request_id
        return Response(held.body, held.status, mimetype=JSON)
    try:
        try:
            response = json_response(run())
        except ApiError as error:
            response = render_error(error)
    except BaseException:
        store.idempotency_release(scope)
        raise
    if response.status_code >= 500:
        store.idempotency_release(scope)
    else:
        store.idempotency_save(scope, IdempotencyRecord(fingerprint, response.status_code,
                                                        response.get_data(as_text=True), g.request_id), ttl)
    return response


def _fingerprint() -> str:
    """The request as the replay rule compares it: path and body, JSON compared by value."""
    data = request.get_data()
    try:
        canonical = json.dumps(json.loads(data), sort_keys=True).encode() if data else b""
    except (ValueError, RecursionError):
        canonical = data
    return hashlib.sha256(request.path.encode() + b"\0" + canonical).hexdigest()
