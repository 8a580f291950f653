"""Request bodies checked against the contract's own schemas (never re-typed here)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from .errors import ApiError, validation_failed


def request_schema(spec: dict[str, Any], operation_id: str) -> tuple[dict[str, Any], bool]:
    """The JSON request-body schema of an operation in the resolved spec, and whether a body is required."""
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                body = operation["requestBody"]
                return body["content"]["application/json"]["schema"], body.get("required", False)
    raise KeyError(operation_id)


class BodyCheck:
    """A request body's check, compiled from its schema in the contract.

    jsonschema-rs answers "valid?" in under a microsecond on the hot path; only an invalid body
    pays for jsonschema's detailed error, which names the field and rule.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self._fast = jsonschema_rs.Draft202012Validator(schema)
        self._detailed = Draft202012Validator(schema)

    def is_valid(self, body: Any) -> bool:
        return self._fast.is_valid(body)

    def __call__(self, body: Any) -> dict[str, Any]:
        """The body, or 422 naming the field and the rule broken."""
        if self._fast.is_valid(body):
            return body
        error = best_match(self._detailed.iter_errors(body))
        if error is not None:
            raise _describe(error)
        return body  # the two validators disagree only on values jsonschema accepts


def _describe(error: ValidationError) -> ApiError:
    rule = str(error.validator)
    if rule == "required":
        field = next(f for f in error.validator_value if f not in error.instance)
        return validation_failed(f"{field} is required.", field=field, rule="required")
    field = ".".join(map(str, error.absolute_path)) or "body"
    if rule == "type":
        expected = error.validator_value
        return validation_failed(f"{field} must be of type {expected}.", field=field, rule="type", expected=expected)
    if rule in ("minLength", "maxLength"):
        limit = error.validator_value
        bound = "at least" if rule == "minLength" else "at most"
        unit = "character" if limit == 1 else "characters"
        return validation_failed(f"{field} must be {bound} {limit} {unit}.", field=field, rule=rule, limit=limit)
    return validation_failed(f"{field}: {error.message}", field=field, rule=rule)


def parse_json(data: bytes) -> Any:
    """The body as JSON, or 422 `{field: body, rule: json}`; never an exception of another kind."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise validation_failed("Body is not valid JSON.", field="body", rule="json") from exc
