"""Schemathesis hooks and checks for the fuzzing layer, loaded by `st run` via SCHEMATHESIS_HOOKS.

The run's parameters come from LAYERS_CONTRACT_* environment variables set by contract_tests.fuzz.
"""

from __future__ import annotations

import os
import threading

import requests
import schemathesis

from contract_tests.client import Exchange
from contract_tests.expect import VALIDATION, Failure, check_envelope

BASE_URL = os.environ.get("LAYERS_CONTRACT_BASE_URL", "")
PROJECT = os.environ.get("LAYERS_CONTRACT_PROJECT", "")  # set when the target has the provisioning API
REVISION = os.environ.get("LAYERS_CONTRACT_REVISION", "any")
_session = threading.local()


def _exchange(response, case) -> Exchange:
    headers = {name.lower(): values[0] for name, values in response.headers.items()}
    return Exchange(case.method, str(response.request.url), {}, None, response.status_code, headers, response.content)


@schemathesis.check
def error_envelope(ctx, response, case) -> None:
    """Every error is {"error": {code, message, requestId}} with requestId equal to X-Request-Id."""
    if response.status_code >= 400:
        try:
            check_envelope(_exchange(response, case))
        except Failure as failure:
            raise AssertionError(failure.message) from None


@schemathesis.check
def revision_validation_code(ctx, response, case) -> None:
    """Validation errors use the code and status of the doc revision the target is held to."""
    if response.status_code not in (400, 422):
        return
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return  # error_envelope reports it
    if code in ("VALIDATION", "VALIDATION_FAILED") and (response.status_code, code) not in VALIDATION[REVISION]:
        allowed = ", ".join(f"{s} {c}" for s, c in sorted(VALIDATION[REVISION]))
        raise AssertionError(f"{response.status_code} {code} is not the {REVISION} revision's validation error ({allowed})")


def _fresh_container() -> str:
    session = getattr(_session, "s", None) or requests.Session()
    _session.s = session
    r = session.post(f"{BASE_URL}/_mock/containers", json={"projectId": PROJECT}, timeout=10)
    r.raise_for_status()
    return r.json()["id"]


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    """Give generated requests a real, pending container (or our project) so they reach the rules."""
    if not PROJECT or case.meta is None or case.meta.is_negative_at("path"):
        return
    params = case.path_parameters or {}
    if "containerId" in params:
        case.path_parameters = params | {"containerId": _fresh_container()}
    elif "projectId" in params:
        case.path_parameters = params | {"projectId": PROJECT}


@schemathesis.hook
def before_load_schema(context, raw_schema) -> None:
    """Only the older revision makes X-Api-Key an auth scheme; otherwise fuzz auth as Bearer alone.

    Left in, schemathesis's ignored_auth check would send a bad X-Api-Key beside our valid Bearer
    and call a Bearer-only server (the newer docs) wrong for ignoring the header it does not use.
    """
    if REVISION == "older":
        return
    raw_schema["security"] = [s for s in raw_schema.get("security", []) if "ApiKeyAuth" not in s]
