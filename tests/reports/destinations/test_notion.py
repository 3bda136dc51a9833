"""Notion through the real notion-client against a local fake Notion that checks paths,
headers and bodies against Notion's documented API (version 2025-09-03)."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import replace
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from backend.reports.base import DeliveryError, DeliveryState, ReporterContext
from backend.reports.destinations.notion import NotionReporter, NotionSettings
from tests.reports.destinations.conftest import make_report
from tests.reports.destinations.fake_http import Answer, FakeService, Recorded

DATABASE_ID = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
DATA_SOURCE_ID = "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9"
NOTION_VERSION = "2025-09-03"

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
    def __init__(self, fake: FakeService) -> None:
        self.pages: dict[str, dict[str, Any]] = {}
        self.violations: list[str] = []
        self._ids = itertools.count(1)
        fake.route("GET", r"/v1/databases/(?P<id>[0-9a-f-]+)")(self.retrieve_database)
        fake.route("POST", r"/v1/data_sources/(?P<id>[0-9a-f-]+)/query")(self.query)
        fake.route("POST", r"/v1/pages")(self.create)
        fake.route("PATCH", r"/v1/pages/(?P<id>[0-9a-f-]+)")(self.update)

    def _check(self, request: Recorded, schema: dict[str, Any] | None) -> Answer | None:
        if request.header("authorization") != "Bearer secret_notion_token":
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


def _plain(value: dict[str, Any]) -> str:
    items = value.get("title") or value.get("rich_text") or []
    return "".join(item["text"]["content"] for item in items)


def _holds(page: dict[str, Any], condition: dict[str, Any]) -> bool:
    value = _plain(page["properties"].get(condition["property"], {}))
    kind = "title" if "title" in condition else "rich_text"
    test = condition[kind]
    if "equals" in test:
        return bool(value == test["equals"])
    return value.startswith(test["starts_with"])


@pytest.fixture
def notion(fake: FakeService) -> FakeNotion:
    return FakeNotion(fake)


async def test_a_page_per_commit_is_created_then_updated_not_duplicated(
    fake: FakeService, notion: FakeNotion, ctx: ReporterContext
) -> None:
    reporter = NotionReporter()
    cfg = NotionSettings(database_id=f"https://www.notion.so/team/{DATABASE_ID.replace('-', '')}")

    first = await reporter.deliver(make_report(), cfg, DeliveryState(), ctx)
    # a re-run of the same commit (new run, no stored page id) finds the page by commit
    second = await reporter.deliver(make_report(status="passed"), cfg, DeliveryState(), ctx)

    assert len(notion.pages) == 1
    assert first.external_id == second.external_id
    page = notion.pages[first.external_id or ""]
    assert page["parent"] == {"type": "data_source_id", "data_source_id": DATA_SOURCE_ID}
    props = page["properties"]
    assert props["Status"] == {"select": {"name": "passed"}}
    assert _plain(props["Name"]) == "shop · feature/cart@6dcb09b"
    assert _plain(props["Branch"]) == "feature/cart"
    assert _plain(props["Commit"]) == make_report().commit_sha
    assert props["Duration"] == {"number": 90.0}
    assert (props["Passed"], props["Failed"]) == ({"number": 2}, {"number": 1})
    assert props["Cache hit rate"] == {"number": 0.85}
    assert props["Report"] == {"url": make_report().report_url}
    assert first.link == page["url"]
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", f"/v1/databases/{DATABASE_ID}"),
        ("POST", f"/v1/data_sources/{DATA_SOURCE_ID}/query"),
        ("POST", "/v1/pages"),
        ("GET", f"/v1/databases/{DATABASE_ID}"),
        ("POST", f"/v1/data_sources/{DATA_SOURCE_ID}/query"),
        ("PATCH", f"/v1/pages/{first.external_id}"),
    ]
    assert notion.violations == []


async def test_another_commit_gets_its_own_page_and_a_retry_updates_by_page_id(
    fake: FakeService, notion: FakeNotion, ctx: ReporterContext
) -> None:
    cfg = NotionSettings(database_id=DATABASE_ID, data_source_id=DATA_SOURCE_ID)
    reporter = NotionReporter()

    first = await reporter.deliver(make_report(), cfg, DeliveryState(), ctx)
    other = await reporter.deliver(make_report(commit_sha="f" * 40), cfg, DeliveryState(), ctx)
    retry = await reporter.deliver(make_report(), cfg, DeliveryState(first.external_id, 1), ctx)

    # a project whose name starts the same ("shop" / "shopfront") keeps its own page
    front = await reporter.deliver(make_report(project_name="shopfront"), cfg, DeliveryState(), ctx)

    assert len(notion.pages) == 3
    assert len({first.external_id, other.external_id, front.external_id}) == 3
    assert retry.external_id == first.external_id
    assert fake.calls("PATCH")[-1].path == f"/v1/pages/{first.external_id}"
    assert fake.calls("GET") == []  # the configured data source needs no lookup
    assert notion.violations == []


async def test_notion_errors_say_what_went_wrong(
    fake: FakeService, notion: FakeNotion, ctx: ReporterContext
) -> None:
    missing = NotionSettings(database_id="0" * 32)
    with pytest.raises(DeliveryError) as not_found:
        await NotionReporter().deliver(make_report(), missing, DeliveryState(), ctx)
    assert "object_not_found" in str(not_found.value)
    assert not not_found.value.retryable

    no_token = replace(ctx, settings=ctx.settings.model_copy(update={"notion_token": None}))
    with pytest.raises(DeliveryError) as unset:
        await NotionReporter().deliver(
            make_report(), NotionSettings(database_id=DATABASE_ID), DeliveryState(), no_token
        )
    assert "TESTABLE_NOTION_TOKEN" in str(unset.value)


def test_database_id_must_be_a_notion_id() -> None:
    with pytest.raises(ValidationError) as bad:
        NotionSettings(database_id="my database")
    assert bad.value.errors()[0]["loc"] == ("database_id",)
    assert NotionSettings(database_id=DATABASE_ID.replace("-", "")).database_id == DATABASE_ID
