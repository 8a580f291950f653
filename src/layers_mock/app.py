"""The Flask app factory: one request id per request, the envelope for every error, the journal."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from . import fixtures
from .demo import DEMO_FIXTURES
from .errors import VALIDATION_FAILED, ApiError, payload_too_large
from .models import new_request_id, now_iso
from .settings import Settings
from .spec import MOCK_ADMIN, load_spec
from .store import MemoryStore, Store, StoreUnavailable, open_store
from .validation import BodyCheck, request_schema

log = logging.getLogger("layers_mock")

JSON = "application/json"


@dataclass
class Mock:
    """What the views share: settings, the store and the checks compiled from the contract."""

    settings: Settings
    store: Store
    checks: dict[str, BodyCheck]
    startup_fixtures: dict[str, Any]
    # The start-up data with every id and key filled in, for the start banner.
    loaded: dict[str, Any] | None = None


def mock() -> Mock:
    return current_app.extensions["layers_mock"]


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status, headers, mimetype=JSON)


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    settings = settings or Settings()
    store = store or open_store(settings.store, journal_size=settings.journal_size, prefix=settings.store_prefix)
    spec, admin_spec = load_spec(), load_spec(MOCK_ADMIN)
    checks = {op: BodyCheck(request_schema(spec, op)[0]) for op in ("rejectContent", "approveContent")}
    checks |= {op: BodyCheck(request_schema(admin_spec, op)[0])
               for op in ("mockLoadFixtures", "mockCreateContainer", "mockCreateContainers", "mockSetFaults")}
    startup = fixtures.read_file(settings.fixtures) if settings.fixtures else DEMO_FIXTURES

    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, PROVIDE_AUTOMATIC_OPTIONS=False)
    app.url_map.merge_slashes = False  # `/v1/content//reject` is an empty id (404), not a redirect
    state = app.extensions["layers_mock"] = Mock(settings, store, checks, startup)

    from .admin import admin
    from .api import api
    from .hot_path import HotPath

    app.register_blueprint(api)
    if settings.admin_api:
        app.register_blueprint(admin)
    app.before_request(_start)
    app.after_request(_finish)
    app.register_error_handler(ApiError, render_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StoreUnavailable, _store_down)
    app.register_error_handler(Exception, _crash)
    if settings.hot_path and isinstance(store, MemoryStore):  # on Redis, round trips would dominate anyway
        app.wsgi_app = HotPath(app.wsgi_app, state)

    try:  # a broken fixtures file fails at start, not on first use
        checks["mockLoadFixtures"](startup)
        if store.first_start():  # on a shared store, only the first process loads the data
            state.loaded = fixtures.load(store, startup)
    except ApiError as error:
        raise ValueError(f"{settings.fixtures or 'demo data'}: {error.message}") from error
    return app


def _start() -> None:
    g.request_id = new_request_id()
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    # An idempotent replay keeps the first response's id; every other response gets its own.
    request_id = response.headers["X-Request-Id"] = g.request_id
    if request.blueprint != "admin":
        entry = journal_entry(request.method, request.path, response.status_code, request_id,
                              g.get("error_code"), g.get("key_id"), g.started)
        try:
            mock().store.log(entry)
        except StoreUnavailable as exc:  # the journal is best effort; the response already says 503
            log.warning("journal entry lost (requestId=%s): %s", request_id, exc)
    return response


def journal_entry(method: str, path: str, status: int, request_id: str, code: str | None, key_id: str | None,
                  started: float) -> dict[str, Any]:
    """One request as `GET /_mock/journal` lists it; `started` is its time.perf_counter() at arrival."""
    return {
        "time": now_iso(),
        "method": method,
        "path": path,
        "status": status,
        "requestId": request_id,
        "code": code,
        "keyId": key_id,
        "durationMs": round((time.perf_counter() - started) * 1000, 3),
    }


def render_error(error: ApiError) -> Response:
    status, code = error.status, error.code
    if code == VALIDATION_FAILED and request.blueprint != "admin":
        settings = mock().settings
        status, code = settings.validation_status, settings.validation_code
    g.error_code = code
    body = error.envelope(g.request_id)
    body["error"]["code"] = code
    return json_response(body, status, error.headers)


_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status == 413:  # a chunked body over the limit, found while reading it
        return render_error(payload_too_large(mock().settings.max_body_bytes))
    code = _HTTP_CODES.get(status, (exc.name or "ERROR").upper().replace(" ", "_"))
    message = {
        404: f"No such endpoint: {request.method} {request.path}",
        405: f"{request.method} is not allowed here.",
    }.get(status, exc.description or exc.name)
    headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
    return render_error(ApiError(status, code, message, headers=headers))


def _store_down(exc: StoreUnavailable) -> Response:
    log.error("store unavailable (requestId=%s): %s", g.get("request_id"), exc)
    return render_error(ApiError(503, "SERVICE_UNAVAILABLE", "The mock's store is unavailable.", headers={"Retry-After": "1"}))


def _crash(exc: Exception) -> Response:
    log.exception("unexpected error (requestId=%s)", g.get("request_id"))
    return render_error(ApiError(500, "INTERNAL", "Unexpected error in layers-mock; this is a bug."))
