"""What the docs promise a response looks like, checked against the contract's own schemas."""

from __future__ import annotations

import functools
from typing import Any, Literal

from jsonschema import Draft202012Validator, FormatChecker

from layers_mock.spec import load_spec

from .client import Exchange

Revision = Literal["older", "newer", "any"]

# Documented error code → HTTP status (team notes). VALIDATION depends on the doc revision.
STATUS_OF = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN_SCOPE": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "IDEMPOTENCY_CONFLICT": 409,
    "RATE_LIMITED": 429,
}
VALIDATION = {
    "older": {(422, "VALIDATION_FAILED")},
    "newer": {(422, "VALIDATION"), (400, "VALIDATION")},
    "any": {(s, c) for s in (400, 422) for c in ("VALIDATION_FAILED", "VALIDATION")},
}


class Failure(AssertionError):
    """A departure from the documented behaviour, with the exchange that shows it."""

    def __init__(self, message: str, exchange: Exchange | None = None, expected: str | None = None) -> None:
        super().__init__(message)
        self.message, self.exchange, self.expected = message, exchange, expected


def accepted(codes: tuple[str, ...], revision: Revision) -> set[tuple[int, str]]:
    """(status, code) pairs that satisfy any of `codes` ("VALIDATION" = the revision's validation error)."""
    pairs: set[tuple[int, str]] = set()
    for code in codes:
        pairs |= VALIDATION[revision] if code == "VALIDATION" else {(STATUS_OF[code], code)}
    return pairs


def expect_status(exchange: Exchange, *statuses: int) -> None:
    if exchange.status not in statuses:
        raise Failure(f"expected HTTP {' or '.join(map(str, statuses))}, got {exchange.status}", exchange,
                      expected=" or ".join(map(str, statuses)))


def expect_error(exchange: Exchange, revision: Revision, *codes: str) -> dict[str, Any]:
    """The documented error (any of `codes` when a request breaks several rules), in the envelope."""
    pairs = accepted(codes, revision)
    expected = " or ".join(f"{s} {c}" for s, c in sorted(pairs))
    error = (exchange.json() or {}).get("error") if isinstance(exchange.json(), dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if (exchange.status, code) not in pairs:
        raise Failure(f"expected {expected}, got {exchange.status} {code or '(no error code)'}", exchange, expected)
    check_envelope(exchange)
    return error


def check_envelope(exchange: Exchange) -> None:
    """Every error: {"error": {code, message, requestId, details?}}, requestId equal to X-Request-Id."""
    body = exchange.json()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        raise Failure("error response is not the envelope {\"error\": {...}}", exchange, "the error envelope")
    for name in ("code", "message", "requestId"):
        if not isinstance(error.get(name), str) or not error[name]:
            raise Failure(f"error.{name} is missing or empty", exchange, f"error.{name}")
    problems = _schema_errors(_request_id_schema(), error["requestId"])
    if problems:
        raise Failure(f"error.requestId {error['requestId']!r}: {problems[0]}", exchange, "req_<ULID>")
    if exchange.request_id != error["requestId"]:
        raise Failure(f"X-Request-Id header {exchange.request_id!r} differs from error.requestId {error['requestId']!r}",
                      exchange, "X-Request-Id == error.requestId")


def expect_schema(exchange: Exchange, operation_id: str) -> Any:
    """Body and headers as the contract documents them for this operation and status."""
    response = _responses(operation_id).get(str(exchange.status))
    if response is None:
        raise Failure(f"status {exchange.status} is not documented for {operation_id}", exchange,
                      "one of " + ", ".join(_responses(operation_id)))
    for name, header in response.get("headers", {}).items():
        value = exchange.response_headers.get(name.lower())
        if value is None:
            if header.get("required"):
                raise Failure(f"response header {name} is missing", exchange, f"header {name}")
            continue
        problems = _schema_errors(header["schema"], value)
        if problems:
            raise Failure(f"response header {name}: {problems[0]}", exchange, f"header {name} per the contract")
    body = exchange.json()
    problems = _schema_errors(response["content"]["application/json"]["schema"], body)
    if problems:
        raise Failure(f"response body does not match the contract: {problems[0]}", exchange, "a body per the contract")
    return body


@functools.cache
def _responses(operation_id: str) -> dict[str, Any]:
    for item in load_spec()["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return op["responses"]
    raise KeyError(operation_id)


def _request_id_schema() -> dict[str, Any]:
    return load_spec()["components"]["schemas"]["RequestId"]


_VALIDATORS: dict[int, Draft202012Validator] = {}


def _schema_errors(schema: dict[str, Any], value: Any) -> list[str]:
    # Schemas come from the cached, resolved spec, so their identity is stable for the process.
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        validator = _VALIDATORS[id(schema)] = Draft202012Validator(schema, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or 'value'}: {e.message}" for e in validator.iter_errors(value)]
