"""The common request, a review decision that succeeds, answered before Flask's request cycle.

Flask's request context, routing and Response objects cost about twice what a whole successful
reject costs us (bench/). So, on the in-memory store, such a request is answered here by the
blueprint's own rules, body checks and journal entry, and every other request goes to Flask
untouched: any error (one renderer for errors, Flask's), an Idempotency-Key, injected faults, a
rate limit, a body that is not plain `application/json` with a length, an odd path or method.
The store changes only in the decision itself, the last step, so handing a request on is always
safe. tests/test_hot_path.py holds both paths to the same answers.
"""

from __future__ import annotations

import io
import json
import time
from typing import TYPE_CHECKING, Iterable

from . import rules
from .api import REVIEW_CLASS, REVIEW_SCOPE, REVIEWS, presented_key
from .app import JSON, Mock, journal_entry
from .models import new_request_id
from .validation import parse_json

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PREFIX = "/v1/content/"
Answer = tuple[list[tuple[str, str]], bytes]


class HotPath:
    """WSGI middleware around the Flask app, the way Flask's docs wrap `app.wsgi_app`."""

    def __init__(self, wsgi_app: WSGIApplication, state: Mock) -> None:
        self.wsgi_app = wsgi_app  # Flask's own: every request not answered here
        self.state = state

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        answer = self.answer(environ)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        headers, body = answer
        start_response("200 OK", headers)
        return [body]

    def answer(self, environ: WSGIEnvironment) -> Answer | None:
        """The 200 of a review decision that succeeds; None hands the request to Flask."""
        path = environ.get("PATH_INFO", "")
        container_id, _, action = path[len(PREFIX):].rpartition("/")
        review = REVIEWS.get(action)
        if review is None or not self._plain(environ, path, container_id):
            return None
        started = time.perf_counter()
        settings, store = self.state.settings, self.state.store
        data = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        operation_id, decide = review
        try:
            token = presented_key(environ.get("HTTP_X_API_KEY"), environ.get("HTTP_AUTHORIZATION"), settings.bearer_only)
            caller = rules.authorize(store, token, REVIEW_SCOPE)
            container = rules.visible_container(store, caller, container_id)
            body = parse_json(data)
            # An invalid body is handed on as it is: Flask builds the detailed 422.
            result = decide(store, caller, container, body) if self.state.checks[operation_id].is_valid(body) else None
        except Exception:  # Flask answers every error (and logs a bug as one), from the start
            result = None
        if result is None:
            environ["wsgi.input"] = io.BytesIO(data)  # for Flask to read again
            return None
        request_id = new_request_id()
        payload = json.dumps(result).encode()
        store.log(journal_entry("POST", path, 200, request_id, None, caller.key_id, started))
        return [("Content-Type", JSON), ("Content-Length", str(len(payload))),
                ("X-RateLimit-Endpoint-Class", REVIEW_CLASS), ("X-Request-Id", request_id)], payload

    def _plain(self, environ: WSGIEnvironment, path: str, container_id: str) -> bool:
        """A POST to one container's review path, a JSON body of a stated size, and nothing that
        only Flask handles: no Idempotency-Key, rate limit or injected fault."""
        length, settings = environ.get("CONTENT_LENGTH", ""), self.state.settings
        return (path.startswith(PREFIX) and path.isascii() and container_id != "" and "/" not in container_id
                and environ.get("REQUEST_METHOD") == "POST" and environ.get("CONTENT_TYPE") == JSON
                and length.isascii() and length.isdigit() and 0 < int(length) <= settings.max_body_bytes
                and "HTTP_TRANSFER_ENCODING" not in environ and "HTTP_IDEMPOTENCY_KEY" not in environ
                and not settings.write_light_per_minute and not self.state.store.faults())
