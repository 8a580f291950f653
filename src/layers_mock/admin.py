"""The provisioning protocol (openapi/mock-admin.yaml) under /_mock: set up provider states."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Blueprint, Response, request

from . import fixtures
from .app import json_response, mock
from .errors import ApiError
from .models import Project, admin_container
from .validation import parse_json

admin = Blueprint("admin", __name__, url_prefix="/_mock")


def _json_body(schema_name: str) -> dict[str, Any]:
    try:
        return mock().checks[schema_name](parse_json(request.get_data() or b"{}"))
    except ApiError as error:
        raise ApiError(422, "INVALID_REQUEST", error.message, error.details) from error


@admin.get("/info")
def info() -> Response:
    try:
        kit_version = version("layers-contract-kit")
    except PackageNotFoundError:
        kit_version = "unknown"
    return json_response({"name": "layers-mock", "version": kit_version, "protocol": "1",
                          "settings": mock().settings.public()})


@admin.post("/reset")
def reset() -> Response:
    """Back to the start-up data; `?empty=true` leaves the store empty."""
    state = mock()
    state.store.reset()
    if request.args.get("empty", "").lower() not in ("1", "true", "yes") and state.store.first_start():
        fixtures.load(state.store, state.startup_fixtures)
    return Response(status=204)


@admin.post("/fixtures")
def load_fixtures() -> Response:
    return json_response(fixtures.load(mock().store, _json_body("mockLoadFixtures")), 201)


@admin.post("/containers")
def create_container() -> Response:
    spec = _json_body("mockCreateContainer")
    container = fixtures.new_container(spec, _project(spec))
    fixtures.add(mock().store, containers=[container])
    return json_response(admin_container(container), 201)


@admin.post("/containers/batch")
def create_containers() -> Response:
    spec = _json_body("mockCreateContainers")
    project = _project(spec)
    containers = [fixtures.new_container(spec, project) for _ in range(spec["count"])]
    fixtures.add(mock().store, containers=containers)
    return json_response({"ids": [c.id for c in containers]}, 201)


def _project(spec: dict[str, Any]) -> Project:
    project = mock().store.project(str(spec["projectId"]))
    if project is None:
        raise ApiError(404, "NOT_FOUND", "Project not found.", {"projectId": spec["projectId"]})
    return project


@admin.get("/containers/<container_id>")
def get_container(container_id: str) -> Response:
    container = mock().store.container(container_id)
    if container is None:
        raise ApiError(404, "NOT_FOUND", "Container not found.")
    return json_response(admin_container(container))


@admin.get("/journal")
def journal() -> Response:
    limit = request.args.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= 10000:
        raise ApiError(422, "INVALID_REQUEST", "limit must be an integer from 1 to 10000.", {"field": "limit"})
    return json_response({"entries": mock().store.journal(int(limit))})


@admin.get("/faults")
def get_faults() -> Response:
    return json_response(mock().store.faults())


@admin.put("/faults")
def set_faults() -> Response:
    faults = _json_body("mockSetFaults")
    mock().store.set_faults(faults)
    return json_response(mock().store.faults())


@admin.delete("/faults")
def clear_faults() -> Response:
    mock().store.set_faults({})
    return Response(status=204)
