"""Regenerate tests/defects/github_issues_subset.json: the GitHub Issues calls defects make
(create an issue, update one) and the ``issues`` webhook payloads they read, from GitHub's
published OpenAPI descriptions as Octokit publishes them on npm.

It reuses scripts/extract-github-schemas.py (the reporters' subset: same conversion of
OpenAPI 3.0 ``nullable`` into JSON Schema) with the Issues operations, and adds the
``issues`` webhook schemas from the webhooks description::

    npm pack @octokit/openapi@23.0.2 @octokit/openapi-webhooks@12.1.0
    mkdir rest hooks
    tar xzf octokit-openapi-23.0.2.tgz -C rest
    tar xzf octokit-openapi-webhooks-12.1.0.tgz -C hooks
    python tests/defects/extract_issue_schemas.py \\
        rest/package/generated/api.github.com.json hooks/package/generated/api.github.com.json
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = Path(__file__).with_name("github_issues_subset.json")
OPERATIONS = [
    ("issues/create", "post", "/repos/{owner}/{repo}/issues"),
    ("issues/update", "patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
]
WEBHOOKS = ["issues-opened", "issues-closed", "issues-reopened", "issues-edited", "issues-assigned"]
WEBHOOKS_PACKAGE = "@octokit/openapi-webhooks@12.1.0"


def _extractor() -> Any:
    spec = importlib.util.spec_from_file_location(
        "extract_github_schemas", ROOT / "scripts" / "extract-github-schemas.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(rest_path: str, hooks_path: str) -> int:
    extractor = _extractor()
    extractor.OPERATIONS = OPERATIONS
    rest = json.loads(Path(rest_path).read_text(encoding="utf-8"))
    subset = extractor.extract(rest)
    hooks = json.loads(Path(hooks_path).read_text(encoding="utf-8"))
    webhooks: dict[str, Any] = {}
    needed: set[str] = set()
    for name in WEBHOOKS:
        body = hooks["webhooks"][name]["post"]["requestBody"]["content"]["application/json"]
        schema = extractor._to_json_schema(extractor._resolve(hooks, body["schema"]))
        webhooks[name] = schema
        extractor._schema_refs(schema, needed)
    schemas: dict[str, Any] = {}
    while needed:
        name = needed.pop()
        if name in schemas:
            continue
        schemas[name] = extractor._to_json_schema(hooks["components"]["schemas"][name])
        more: set[str] = set()
        extractor._schema_refs(schemas[name], more)
        needed |= more - schemas.keys()
    subset["source"]["regenerate"] = "python tests/defects/extract_issue_schemas.py REST HOOKS"
    subset["webhooks"] = {
        "source": WEBHOOKS_PACKAGE,
        "payloads": webhooks,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }
    OUTPUT.write_text(json.dumps(subset, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
