"""Regenerate tests/reports/destinations/github_rest_subset.json from GitHub's published
REST API description.

The GitHub reporters' tests validate every request body they send (and the fake server's
answers) against GitHub's own OpenAPI description, as published by Octokit on npm. The
full description is ~28 MB; this script keeps only the operations TestAble calls, their
request-body and success-response schemas, GitHub's example responses (the fake server
answers with them) and the component schemas these reference, transitively.

OpenAPI 3.0 writes "may be null" as ``nullable: true``, which JSON Schema validators do not
understand; it is rewritten into plain JSON Schema (``type: [T, "null"]``) so that
``jsonschema`` validates GitHub's own example responses.

Usage (from the repository root)::

    npm pack @octokit/openapi@23.0.2          # writes octokit-openapi-23.0.2.tgz
    tar xzf octokit-openapi-23.0.2.tgz         # unpacks into ./package
    python scripts/extract-github-schemas.py package/generated/api.github.com.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

SOURCE_PACKAGE = "@octokit/openapi"
SOURCE_VERSION = "23.0.2"
SOURCE_FILE = "generated/api.github.com.json"
OUTPUT = Path(__file__).resolve().parents[1] / (
    "tests/reports/destinations/github_rest_subset.json"
)

# (name used by the tests, HTTP method, path template) of every GitHub call TestAble makes.
OPERATIONS: list[tuple[str, str, str]] = [
    ("checks/create", "post", "/repos/{owner}/{repo}/check-runs"),
    ("checks/update", "patch", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
    ("issues/list-comments", "get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("issues/create-comment", "post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("issues/update-comment", "patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
]


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local ``$ref`` (parameters, examples, responses) to its target."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema: ``nullable`` becomes an explicit null type."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        if "type" in converted and isinstance(converted["type"], str):
            converted["type"] = [converted["type"], "null"]
            if "enum" in converted and None not in converted["enum"]:
                converted["enum"] = [*converted["enum"], None]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def _schema_refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.removeprefix("#/components/schemas/"))
        for value in node.values():
            _schema_refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _schema_refs(item, found)


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for name, method, path in OPERATIONS:
        operation = spec["paths"][path][method]
        entry: dict[str, Any] = {
            "method": method.upper(),
            "path": path,
            "operationId": operation.get("operationId"),
            "documentation_url": operation.get("externalDocs", {}).get("url"),
            "query_parameters": {},
            "request_body": None,
            "responses": {},
            "example_responses": {},
        }
        for parameter in operation.get("parameters", []):
            parameter = _resolve(spec, parameter)
            if parameter["in"] == "query":
                entry["query_parameters"][parameter["name"]] = _to_json_schema(parameter["schema"])
        body = operation.get("requestBody")
        if body is not None:
            entry["request_body"] = _to_json_schema(body["content"]["application/json"]["schema"])
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            content = _resolve(spec, response).get("content", {}).get("application/json")
            if content is None:
                continue
            entry["responses"][status] = _to_json_schema(content["schema"])
            examples = content.get("examples", {})
            if examples:
                first = _resolve(spec, next(iter(examples.values())))
                entry["example_responses"][status] = first["value"]
        operations[name] = entry

    needed: set[str] = set()
    _schema_refs(operations, needed)
    schemas: dict[str, Any] = {}
    while needed:
        name = needed.pop()
        if name in schemas:
            continue
        schemas[name] = _to_json_schema(spec["components"]["schemas"][name])
        more: set[str] = set()
        _schema_refs(schemas[name], more)
        needed |= more - schemas.keys()

    return {
        "source": {
            "package": SOURCE_PACKAGE,
            "version": SOURCE_VERSION,
            "file": SOURCE_FILE,
            "openapi": spec["openapi"],
            "regenerate": "python scripts/extract-github-schemas.py "
            "package/generated/api.github.com.json",
        },
        "operations": operations,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("description", type=Path, help=f"path to {SOURCE_FILE}")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    spec = json.loads(args.description.read_text(encoding="utf-8"))
    if spec.get("info", {}).get("version") != SOURCE_VERSION:
        print(
            f"warning: expected {SOURCE_PACKAGE}@{SOURCE_VERSION}, "
            f"got {spec.get('info', {}).get('version')}; update SOURCE_VERSION",
            file=sys.stderr,
        )
    subset = extract(spec)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(subset, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({len(subset['components']['schemas'])} component schemas)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
