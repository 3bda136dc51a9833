"""A local fake Notion (API version 2025-09-03) that checks paths, headers and bodies
against Notion's documented API, for the real notion-client to talk to."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import jsonschema

from tests.reports.destinations.fake_http import Answer, FakeService, Recorded

DATABASE_ID = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
DATA_SOURCE_ID = "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9"
NOTION_VERSION = "2025-09-03"
TOKEN = "ntn_destination_secret_of_this_org"

# From developers.notion.com/reference: "Create a page", "Update page properties",
# "Query a data source" and the page property value objects we write.
_RICH_TEXT = {
    "type": "array",
    "maxItems": 100,
    "items": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "type": {"enum": ["text"]},
            "text": {
                "type": "object",
                "required": ["content"],
                "properties": {"content": {"type": "string", "maxLength": 2000}},
            },
        },
    },
}
_PROPERTY_VALUE = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        "title": _RICH_TEXT,
        "rich_text": _RICH_TEXT,
        "select": {
            "type": ["object", "null"],
            "required": ["name"],
            "properties": {"name": {"type": "string", "maxLength": 100, "pattern": "^[^,]*$"}},
        },
        "number": {"type": ["number", "null"]},
        "url": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
_PROPERTIES = {"type": "object", "additionalProperties": _PROPERTY_VALUE}
PAGE_CREATE = {
    "type": "object",
    "required": ["parent", "properties"],
    "properties": {
        "parent": {
            "type": "object",
            "required": ["type", "data_source_id"],
            "properties": {
                "type": {"enum": ["data_source_id"]},
                "data_source_id": {"type": "string", "format": "uuid"},
            },
        },
        "properties": _PROPERTIES,
    },
}
PAGE_UPDATE = {
    "type": "object",
    "required": ["properties"],
    "properties": {"properties": _PROPERTIES},
}
_PROPERTY_FILTER = {
    "type": "object",
    "required": ["property"],
    "properties": {
        "property": {"type": "string"},
        "rich_text": {"type": "object", "minProperties": 1},
        "title": {"type": "object", "minProperties": 1},
    },
}
QUERY = {
    "type": "object",
    "properties": {
        "filter": {
            "oneOf": [
                _PROPERTY_FILTER,
                {
                    "type": "object",
                    "required": ["and"],
                    "properties": {"and": {"type": "array", "items": _PROPERTY_FILTER}},
                },
            ]
        },
        "page_size": {"type": "integer", "minimum": 1, "maximum": 100},
        "start_cursor": {"type": "string"},
    },
}


class FakeNotion:
    """Notion's database, data source and page endpoints; only ``token`` (a Notion
    integration's secret, sent as ``Authorization: Bearer <token>``) is let in."""

    def __init__(self, fake: FakeService, token: str = TOKEN) -> None:
        self.token = token
        self.pages: dict[str, dict[str, Any]] = {}
        self.violations: list[str] = []
        self._ids = itertools.count(1)
        fake.route("GET", r"/v1/databases/(?P<id>[0-9a-f-]+)")(self.retrieve_database)
        fake.route("POST", r"/v1/data_sources/(?P<id>[0-9a-f-]+)/query")(self.query)
        fake.route("POST", r"/v1/pages")(self.create)
        fake.route("PATCH", r"/v1/pages/(?P<id>[0-9a-f-]+)")(self.update)

    def _check(self, request: Recorded, schema: dict[str, Any] | None) -> Answer | None:
        if request.header("authorization") != f"Bearer {self.token}":
            return Answer(401, _error(401, "unauthorized", "API token is invalid."))
        if request.header("notion-version") != NOTION_VERSION:
            self.violations.append(f"Notion-Version {request.header('notion-version')}")
        if schema is not None:
            validator = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.FormatChecker()
            )
            self.violations += [e.message for e in validator.iter_errors(request.body)]
        return None

    def retrieve_database(self, request: Recorded, match: re.Match[str]) -> Answer:
        denied = self._check(request, None)
        if denied:
            return denied
        if match["id"] != DATABASE_ID:
            return Answer(404, _error(404, "object_not_found", "Could not find database."))
        sources = [{"id": DATA_SOURCE_ID, "name": "Runs"}]
        return Answer(200, {"object": "database", "id": DATABASE_ID, "data_sources": sources})

    def query(self, request: Recorded, match: re.Match[str]) -> Answer:
        denied = self._check(request, QUERY)
        if denied:
            return denied
        conditions = request.body["filter"].get("and", [request.body["filter"]])
        results = [p for p in self.pages.values() if all(_holds(p, c) for c in conditions)]
        return Answer(
            200, {"object": "list", "results": results, "has_more": False, "next_cursor": None}
        )

    def create(self, request: Recorded, match: re.Match[str]) -> Answer:
        denied = self._check(request, PAGE_CREATE)
        if denied:
            return denied
        page_id = str(uuid.UUID(int=next(self._ids)))
        page = {
            "object": "page",
            "id": page_id,
            "parent": request.body["parent"],
            "properties": request.body["properties"],
            "url": f"https://www.notion.so/{page_id.replace('-', '')}",
        }
        self.pages[page_id] = page
        return Answer(200, page)

    def update(self, request: Recorded, match: re.Match[str]) -> Answer:
        denied = self._check(request, PAGE_UPDATE)
        if denied:
            return denied
        page = self.pages.get(match["id"])
        if page is None:
            return Answer(404, _error(404, "object_not_found", "Could not find page."))
        page["properties"].update(request.body["properties"])
        return Answer(200, page)


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"object": "error", "status": status, "code": code, "message": message}


def plain_text(value: dict[str, Any]) -> str:
    items = value.get("title") or value.get("rich_text") or []
    return "".join(item["text"]["content"] for item in items)


def _holds(page: dict[str, Any], condition: dict[str, Any]) -> bool:
    value = plain_text(page["properties"].get(condition["property"], {}))
    kind = "title" if "title" in condition else "rich_text"
    test = condition[kind]
    if "equals" in test:
        return bool(value == test["equals"])
    return value.startswith(test["starts_with"])
