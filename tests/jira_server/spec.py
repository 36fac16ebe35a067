"""Atlassian's OpenAPI description of the endpoints the server emulates, for validating answers.

The full specification (2.4 MB) lives outside the repository; `openapi-subset.json` beside
this module keeps only the served paths and the schemas they reach, so the check runs on any
checkout. Regenerate it with `python -m tests.jira_server.spec PATH/TO/jira-platform-openapi.json`.

The spec describes REST v3, whose paths and shapes equal v2's apart from rich-text bodies
(which are plain strings in v2 and only appear in schemas the spec leaves open).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.jira_server.app import ROUTES

SUBSET = Path(__file__).with_name("openapi-subset.json")
BASE = "urn:jira-platform-openapi"


def spec_path(template: str) -> str:
    return template.replace("/rest/api/2/", "/rest/api/3/", 1)


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    """The served paths of `spec` and every component schema they reference, transitively."""
    paths = {
        spec_path(r.template): spec["paths"][spec_path(r.template)]
        for r in ROUTES
        if spec_path(r.template) in spec["paths"]
    }
    schemas = spec["components"]["schemas"]
    wanted: set[str] = set()
    pending = [paths]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
                name = reference.rsplit("/", 1)[1]
                if name not in wanted:
                    wanted.add(name)
                    pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    subset = {
        "info": spec["info"],
        "paths": paths,
        "components": {"schemas": {n: schemas[n] for n in sorted(wanted)}},
    }
    terse: dict[str, Any] = _terse(subset)
    return terse


_PROSE = {"description", "example", "examples", "summary", "x-atlassian-connect-scope"}


def _terse(node: Any, naming: bool = False) -> Any:
    """`node` without prose and examples, which validation does not use.

    `naming` marks maps whose keys are names (properties, paths, responses), kept whole.
    """
    if isinstance(node, dict):
        return {
            k: _terse(v, naming=k in ("properties", "paths", "schemas", "responses", "content"))
            for k, v in node.items()
            if naming or k not in _PROSE
        }
    if isinstance(node, list):
        return [_terse(v) for v in node]
    return node


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type."""
    if isinstance(node, dict):
        converted = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable") and isinstance(node.get("type"), str):
            converted["type"] = [node["type"], "null"]
        return converted
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@cache
def _loaded() -> tuple[dict[str, Any], Registry[Any]]:
    spec = _nullable(json.loads(SUBSET.read_text()))
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    return spec, Registry().with_resource(BASE, resource)


def response_schema(method: str, template: str, status: int) -> dict[str, Any] | None:
    """The spec's schema for this answer, or None when it declares no JSON body."""
    spec, _ = _loaded()
    operation = spec["paths"].get(spec_path(template), {}).get(method.lower())
    if operation is None:
        raise KeyError(f"the spec has no {method} {spec_path(template)}")
    answer = operation["responses"].get(str(status))
    if answer is None:
        raise KeyError(f"the spec declares no {status} answer for {method} {spec_path(template)}")
    content = answer.get("content", {}).get("application/json")
    return None if content is None else _anchor(content["schema"])


def _anchor(schema: dict[str, Any]) -> dict[str, Any]:
    """Point the schema's local references at the registered spec document."""
    text = json.dumps(schema).replace('"#/components/', f'"{BASE}#/components/')
    result: dict[str, Any] = json.loads(text)
    return result


def validate(method: str, template: str, status: int, body: Any) -> None:
    """Raise jsonschema.ValidationError if `body` does not match the spec's response schema."""
    schema = response_schema(method, template, status)
    if schema is None:
        raise KeyError(f"the spec declares no JSON body for {status} on {method} {template}")
    _, registry = _loaded()
    jsonschema.Draft202012Validator(schema, registry=registry).validate(body)


if __name__ == "__main__":
    full = json.loads(Path(sys.argv[1]).read_text())
    SUBSET.write_text(json.dumps(extract(full), indent=1, sort_keys=True) + "\n")
