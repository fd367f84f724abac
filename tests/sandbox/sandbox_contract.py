"""Contract checker: match a real sandbox response to its OpenAPI operation and validate the
status code, declared headers and JSON body against DATEV's response schema (`$ref`s inlined).

Works for OpenAPI 3 (`components`, `content`) and Swagger 2 (`definitions`, `schema`).
"""

from __future__ import annotations

import json
import re
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

SPECS = Path(__file__).resolve().parents[1] / "data" / "openapi"
#: DATEV's OpenAPI files beside the checkout (``../shared``), read there and never copied.
SHARED_SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "datev" / "openapi"
BASES = {
    "/accounting-clients/platform/v2": "accounting-clients-2.0.json",
    "/accounting-dxso-jobs/platform/v2": "accounting_dxso-jobs-2.1.7.json",
    "/accounting-documents/platform/v2": "accounting_documents-2.1.12.json",
    "/accounting-extf-files/platform/v3": "accounting_extf-files-3.0.1.json",
    "/datev/api/master-data/v1": "client_master_data-1.7.1.json",
    "/datev/api/order-management/v1": "order_management-1.4.8.json",
    "/accounting-data-exchange/platform/v1": "accounting_data_exchange-1.5.8.json",
}
CHECKED_HEADERS = {
    "location",
    "retry-after",
    "total-items",
    "x-total-count",
    "x-total-pages",
    "x-current-page",
    "x-page-size",
}
NDJSON = "application/x-ndjson"


class ContractError(AssertionError):
    pass


@cache
def load(name: str) -> dict[str, Any]:
    path = SPECS / name if (SPECS / name).exists() else SHARED_SPECS / name
    if not path.exists():
        pytest.skip(f"DATEV's OpenAPI file {name} is not beside the checkout (../shared)")
    return json.loads(path.read_text("utf-8"))


def inline(spec: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """Replace every local `$ref` by its target (DATEV's schemas are not recursive)."""
    if depth > 40:
        raise ContractError("$ref nesting too deep")
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return inline(spec, target, depth + 1)
        inlined = {
            k: inline(spec, v, depth + 1)
            for k, v in node.items()
            if not k.startswith("x-") and k not in ("example", "examples")
        }
        if inlined.pop("nullable", False) and isinstance(inlined.get("type"), str):
            # OpenAPI 3.0's "nullable" in JSON Schema terms (Draft 4 has no such keyword).
            inlined["type"] = [inlined["type"], "null"]
            if "enum" in inlined:
                inlined["enum"] = [*inlined["enum"], None]
        return inlined
    if isinstance(node, list):
        return [inline(spec, v, depth + 1) for v in node]
    return node


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_required(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [_without_required(v) for v in node]
    return node


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path.rstrip("/"))) + "$")


def operation(method: str, url_path: str) -> tuple[str, str, dict[str, Any]]:
    """(spec file, path template, operation) for a sandbox URL path."""
    for base, name in BASES.items():
        if url_path.startswith(base + "/"):
            spec = load(name)
            rest = url_path[len(base) :]
            matches = [p for p in spec["paths"] if _template(p).match(rest)]
            matches.sort(key=lambda p: p.count("{"))  # literal segments win
            for path in matches:
                op = spec["paths"][path].get(method.lower())
                if op is not None:
                    return name, path, op
            raise ContractError(f"{method} {url_path}: no operation in {name}")
    raise ContractError(f"{url_path} is under no DATEV base URL")


def response_spec(name: str, op: dict[str, Any], status: int) -> dict[str, Any] | None:
    spec = load(name)
    responses = op.get("responses", {})
    declared = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    return None if declared is None else inline(spec, declared)


def body_schema(declared: dict[str, Any], content_type: str) -> dict[str, Any] | None:
    if "schema" in declared:  # Swagger 2
        return declared["schema"]
    content = declared.get("content", {})
    media = content_type.replace(" ", "")
    for key, value in content.items():
        if key.replace(" ", "") == media and "schema" in value:
            return value["schema"]
    for key, value in content.items():
        if "json" in key and "schema" in value:
            return value["schema"]
    return None


def _body(response: httpx.Response, schema: dict[str, Any]) -> Any:
    """The JSON body; NDJSON (one value per line) against an array schema is the list of its
    lines, against any other schema its single line."""
    if not response.headers.get("content-type", "").startswith(NDJSON):
        return response.json()
    lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    if schema.get("type") == "array":
        return lines
    if len(lines) != 1:
        raise ValueError(f"{len(lines)} NDJSON lines where one object is declared")
    return lines[0]


def check(response: httpx.Response, *, strict_status: bool = True) -> str:
    """Validate one response; returns "METHOD template status" for coverage bookkeeping."""
    request = response.request
    name, path, op = operation(request.method, request.url.path)
    declared = response_spec(name, op, response.status_code)
    label = f"{request.method} {path} {response.status_code}"
    if declared is None:
        if strict_status:
            raise ContractError(f"{label}: status not declared in {name}")
        return label
    for header in declared.get("headers", {}):
        if header.lower() in CHECKED_HEADERS and header not in response.headers:
            raise ContractError(f"{label}: header {header} missing")
    schema = body_schema(declared, response.headers.get("content-type", ""))
    if schema is not None and "select" in request.url.params:
        schema = _without_required(schema)  # DATEVconnect's select drops attributes on purpose
    if schema is not None:
        response.read()
        try:
            body = _body(response, schema)
        except ValueError as exc:
            raise ContractError(f"{label}: body is not JSON: {response.text[:200]}") from exc
        with warnings.catch_warnings():
            # ADE's uri-reference patterns put "[" inside a character class, which Python's
            # re flags as a possible future nested set; today it means the literal character.
            warnings.simplefilter("ignore", FutureWarning)
            errors = sorted(
                jsonschema.Draft4Validator(schema).iter_errors(body), key=lambda e: list(e.path)
            )
        if errors:
            where = "/".join(str(p) for p in errors[0].path)
            raise ContractError(f"{label}: {errors[0].message} at /{where}")
    return label
