"""The one place that reads `openapi/`: resolved by prance, validated by openapi-spec-validator."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import prance
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

PARTNER_API = "layers-partner-api.yaml"
MOCK_ADMIN = "mock-admin.yaml"


class SpecError(Exception):
    """The OpenAPI document at `path` is broken at JSON pointer `pointer`."""

    def __init__(self, path: Path, pointer: str, problem: str) -> None:
        super().__init__(f"{path}: {pointer or '/'}: {problem}")
        self.path, self.pointer, self.problem = path, pointer, problem


def spec_dir() -> Path:
    """`openapi/` as shipped in the wheel, else the source checkout's top-level folder."""
    packaged = Path(str(resources.files("layers_mock"))) / "openapi"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "openapi"


def spec_path(name: str = PARTNER_API) -> Path:
    return spec_dir() / name


@functools.cache
def load_spec(name: str = PARTNER_API) -> dict[str, Any]:
    """The document `name` with every `$ref` inlined, validated; cached per process."""
    path = spec_path(name)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(path, "", str(exc)) from exc
    try:
        validate(raw, base_uri=path.as_uri())
    except OpenAPIValidationError as exc:
        raise SpecError(path, _locate(raw, list(exc.absolute_path), exc.instance), exc.message) from exc
    try:
        parser = prance.ResolvingParser(str(path), backend="openapi-spec-validator")
    except Exception as exc:  # prance raises several unrelated types for bad refs
        raise SpecError(path, "", f"cannot resolve: {exc}") from exc
    return parser.specification


def _locate(doc: Any, local: list[Any], instance: Any) -> str:
    """JSON pointer of the failing node.

    openapi-spec-validator reports errors inside schema objects relative to that schema, so we
    find the node in the whole document whose path ends with the reported one and holds the
    reported value.
    """
    for path in _paths(doc, []):
        if path[len(path) - len(local):] == local and _get(doc, path) == instance:
            return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return "/" + "/".join(map(str, local))


def _paths(node: Any, prefix: list[Any]) -> Iterator[list[Any]]:
    yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield from _paths(child, [*prefix, key])


def _get(doc: Any, path: list[Any]) -> Any:
    for key in path:
        doc = doc[key]
    return doc
