"""The OpenAPI documents: valid, self-consistent, and faithful to the reject page."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from layers_mock.spec import MOCK_ADMIN, PARTNER_API, SpecError, load_spec, spec_path

REJECT = "/v1/content/{containerId}/reject"
DOCUMENTED = {  # the reject page's Errors table, plus unauthenticated, with the statuses we chose
    "CONFLICT": "409",
    "VALIDATION_FAILED": "422",
    "NOT_FOUND": "404",
    "FORBIDDEN_SCOPE": "403",
    "UNAUTHENTICATED": "401",
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                yield path, method, op


def examples(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every example next to a schema, anywhere in the document."""

    def walk(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
        if isinstance(node, dict):
            if "schema" in node:
                for name, ex in (node.get("examples") or {}).items():
                    yield f"{where}/examples/{name}", node["schema"], ex["value"]
                if "example" in node:
                    yield f"{where}/example", node["schema"], node["example"]
            for key, child in node.items():
                yield from walk(child, f"{where}/{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                yield from walk(child, f"{where}/{i}")

    yield from walk(spec, "")


def error_codes(schema: dict[str, Any]) -> set[str]:
    """Codes an error response schema allows (the `code` enums under `error`, through allOf)."""
    found: set[str] = set()
    for part in schema["properties"]["error"].get("allOf", [schema["properties"]["error"]]):
        found.update(part.get("properties", {}).get("code", {}).get("enum", []))
    return found


@pytest.mark.parametrize("name", [PARTNER_API, MOCK_ADMIN])
def test_documents_validate(name: str) -> None:
    resolved = load_spec(name)
    assert resolved["openapi"] == "3.1.0"
    assert "$ref" not in yaml.safe_dump(resolved), "prance left a $ref unresolved"


@pytest.mark.parametrize("name", [PARTNER_API, MOCK_ADMIN])
def test_every_example_validates_against_its_schema(name: str) -> None:
    found = list(examples(load_spec(name)))
    assert len(found) >= (15 if name == PARTNER_API else 3)
    for where, schema, example in found:
        errors = list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(example))
        assert not errors, f"{name}{where}: {errors[0].message}"


def test_examples_are_checked_for_real(spec: dict[str, Any]) -> None:
    """The walk above would catch a broken example: break one and see it fail."""
    where, schema, example = next(e for e in examples(spec) if e[0].endswith("alreadyRejected"))
    broken = {"error": dict(example["error"], code="OOPS")}
    assert list(Draft202012Validator(schema).iter_errors(broken))


@pytest.mark.parametrize("code,status", DOCUMENTED.items())
def test_reject_documents_every_error_code(spec: dict[str, Any], code: str, status: str) -> None:
    response = spec["paths"][REJECT]["post"]["responses"][status]
    assert code in error_codes(response["content"]["application/json"]["schema"])


def test_newer_revision_statuses_and_codes_are_admitted(spec: dict[str, Any]) -> None:
    responses = spec["paths"][REJECT]["post"]["responses"]
    for status in ("400", "422"):
        assert {"VALIDATION_FAILED", "VALIDATION"} <= error_codes(responses[status]["content"]["application/json"]["schema"])
    assert "IDEMPOTENCY_CONFLICT" in error_codes(responses["409"]["content"]["application/json"]["schema"])
    assert "RATE_LIMITED" in error_codes(responses["429"]["content"]["application/json"]["schema"])
    assert "Retry-After" in responses["429"]["headers"]


def test_seed_examples_are_encoded(spec: dict[str, Any]) -> None:
    responses = spec["paths"][REJECT]["post"]["responses"]
    ok = responses["200"]["content"]["application/json"]["examples"]["rejected"]["value"]
    assert ok["approvalStatus"] == "rejected" and ok["rejectedBy"].startswith("api_key_")
    conflict = responses["409"]["content"]["application/json"]["examples"]["alreadyRejected"]["value"]["error"]
    assert conflict["code"] == "CONFLICT" and conflict["message"] == "Container is already rejected."
    assert conflict["details"] == {"approvalStatus": "rejected"}


def test_reject_body_rules(spec: dict[str, Any]) -> None:
    op = spec["paths"][REJECT]["post"]
    assert op["requestBody"]["required"] is True
    assert list(op["requestBody"]["content"]) == ["application/json"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["reason"]
    reason = schema["properties"]["reason"]
    assert (reason["type"], reason["minLength"], reason["maxLength"]) == ("string", 1, 1024)
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"reason": "é" * 1024}) and validator.is_valid({"reason": "x", "extra": 1})
    for bad in ({}, {"reason": ""}, {"reason": "x" * 1025}, {"reason": None}, {"reason": 5}, []):
        assert not validator.is_valid(bad), bad


def test_auth_and_scopes(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == schemes["ApiKeyAuth"] | {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
    assert schemes["BearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"ApiKeyAuth": []}, {"BearerAuth": []}]
    scopes = {op["operationId"]: op["x-required-scopes"] for _, _, op in operations(spec)}
    assert scopes == {
        "rejectContent": ["content:approve"],
        "approveContent": ["content:approve"],
        "getContent": ["content:read"],
        "getContentReviewPolicy": ["content:read"],
    }


def test_every_response_carries_request_id(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            header = response.get("headers", {}).get("X-Request-Id")
            assert header and header["required"], f"{method.upper()} {path} {status}"
            if status >= "400":
                body = response["content"]["application/json"]["schema"]
                assert body["required"] == ["error"], f"{method.upper()} {path} {status}: not the envelope"


def test_reject_is_linked_for_stateful_tools(spec: dict[str, Any]) -> None:
    links = spec["paths"][REJECT]["post"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} >= {"getContent", "rejectContent"}
    get_links = spec["paths"]["/v1/content/{containerId}"]["get"]["responses"]["200"]["links"]
    assert get_links["RejectContent"]["parameters"] == {"containerId": "$response.body#/id"}


def test_container_id_shapes(spec: dict[str, Any]) -> None:
    param = spec["paths"][REJECT]["post"]["parameters"][0]
    validator = Draft202012Validator(param["schema"])
    for ok in ("cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7T", "cnt_0b6f7d1e-3c1a-4f7e-9a51-2c1d9e0f4a11", "0b6f7d1e-3c1a-4f7e-9a51-2c1d9e0f4a11"):
        assert validator.is_valid(ok), ok
    for bad in ("", "cnt_", "../etc", "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7", "cnt_01HXZ9G7KMV2QX8Y1S5RJW3B7TI"):
        assert not validator.is_valid(bad), bad


def test_broken_document_names_file_and_pointer(tmp_path: Path) -> None:
    doc = yaml.safe_load(spec_path().read_text())
    doc["paths"][REJECT]["post"]["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "strin"}
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(doc))
    with pytest.raises(SpecError) as info:
        load_spec(str(broken))
    assert str(broken) in str(info.value)
    assert info.value.pointer == "/paths/~1v1~1content~1{containerId}~1reject/post/responses/200/content/application~1json/schema/type"


def test_unparseable_document_is_a_spec_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: [3.1.0\n")
    with pytest.raises(SpecError, match="broken.yaml"):
        load_spec(str(broken))


def test_spec_loads_from_any_working_directory(tmp_path: Path) -> None:
    code = "from layers_mock.spec import load_spec; print(len(load_spec()['paths']))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "4"


def test_wheel_ships_the_spec_and_loads_it_outside_the_repo(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    if shutil.which("pip") is None and not (Path(sys.executable).parent / "pip").exists():
        pytest.skip("pip is not available")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(root)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("layers_contract_kit-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {"layers_mock/openapi/layers-partner-api.yaml", "layers_mock/openapi/mock-admin.yaml"} <= names
        zf.extractall(tmp_path / "site")
    code = "import layers_mock.spec as s; d = s.spec_dir(); print(d); print(len(s.load_spec()['paths']))"
    out = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); {code}"],
                         cwd=tmp_path, capture_output=True, text=True, check=True)
    where, count = out.stdout.split()
    assert where.startswith(str(tmp_path / "site")) and count == "4"
