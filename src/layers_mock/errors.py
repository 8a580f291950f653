"""The Layers error envelope and the errors the rules raise."""

from __future__ import annotations

from typing import Any

# Codes whose status and name a deployment may change (see Settings).
VALIDATION_FAILED = "VALIDATION_FAILED"


class ApiError(Exception):
    """An error answered as `{"error": {code, message, requestId, details}}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers or {}

    def envelope(self, request_id: str) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "requestId": request_id, "details": self.details}}


def unauthenticated(message: str) -> ApiError:
    return ApiError(401, "UNAUTHENTICATED", message)


def forbidden_scope(scope: str) -> ApiError:
    return ApiError(403, "FORBIDDEN_SCOPE", f"Key lacks {scope}.", {"requiredScope": scope})


def not_found(what: str = "Container") -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} not found.")


def conflict(approval_status: str) -> ApiError:
    message = {
        "rejected": "Container is already rejected.",
        "approved": "Container is already approved.",
        "not_required": "Container does not require approval.",
    }[approval_status]
    return ApiError(409, "CONFLICT", message, {"approvalStatus": approval_status})


def validation_failed(message: str, **details: Any) -> ApiError:
    """422 VALIDATION_FAILED by default; the app renders it per Settings."""
    return ApiError(422, VALIDATION_FAILED, message, details)


def payload_too_large(limit: int) -> ApiError:
    return ApiError(413, "PAYLOAD_TOO_LARGE", f"Body is larger than {limit} bytes.", {"limit": limit})
