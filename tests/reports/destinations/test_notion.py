"""Notion through the real notion-client against a local fake Notion that checks paths,
headers and bodies against Notion's documented API (version 2025-09-03)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.reports.base import DeliveryError, DeliveryState, ReporterContext
from backend.reports.destinations.notion import NotionReporter, NotionSettings
from tests.reports.destinations.conftest import make_report
from tests.reports.destinations.fake_http import FakeService
from tests.reports.destinations.notion_fake import (
    DATA_SOURCE_ID,
    DATABASE_ID,
    TOKEN,
    FakeNotion,
    plain_text,
)


@pytest.fixture
def notion(fake: FakeService) -> FakeNotion:
    return FakeNotion(fake)


async def test_a_page_per_commit_is_created_then_updated_not_duplicated(
    fake: FakeService, notion: FakeNotion, ctx: ReporterContext
) -> None:
    reporter = NotionReporter()
    cfg = NotionSettings(
        database_id=f"https://www.notion.so/team/{DATABASE_ID.replace('-', '')}", token=TOKEN
    )

    first = await reporter.deliver(make_report(), cfg, DeliveryState(), ctx)
    # a re-run of the same commit (new run, no stored page id) finds the page by commit
    second = await reporter.deliver(make_report(status="passed"), cfg, DeliveryState(), ctx)

    assert len(notion.pages) == 1
    assert first.external_id == second.external_id
    page = notion.pages[first.external_id or ""]
    assert page["parent"] == {"type": "data_source_id", "data_source_id": DATA_SOURCE_ID}
    props = page["properties"]
    assert props["Status"] == {"select": {"name": "passed"}}
    assert plain_text(props["Name"]) == "shop · feature/cart@6dcb09b"
    assert plain_text(props["Branch"]) == "feature/cart"
    assert plain_text(props["Commit"]) == make_report().commit_sha
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
    cfg = NotionSettings(database_id=DATABASE_ID, data_source_id=DATA_SOURCE_ID, token=TOKEN)
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
    missing = NotionSettings(database_id="0" * 32, token=TOKEN)
    with pytest.raises(DeliveryError) as not_found:
        await NotionReporter().deliver(make_report(), missing, DeliveryState(), ctx)
    assert "object_not_found" in str(not_found.value)
    assert not not_found.value.retryable

    # The destination's own token is what is sent: another one is refused, and not retried.
    wrong = NotionSettings(database_id=DATABASE_ID, token="ntn_some_other_integration")
    with pytest.raises(DeliveryError) as refused:
        await NotionReporter().deliver(make_report(), wrong, DeliveryState(), ctx)
    assert "401 unauthorized" in str(refused.value)
    assert not refused.value.retryable
    assert fake.requests[-1].header("authorization") == "Bearer ntn_some_other_integration"
    assert notion.pages == {}


def test_settings_name_the_field_that_is_wrong() -> None:
    with pytest.raises(ValidationError) as bad:
        NotionSettings(database_id="my database", token=TOKEN)
    assert bad.value.errors()[0]["loc"] == ("database_id",)
    normalised = NotionSettings(database_id=DATABASE_ID.replace("-", ""), token=f" {TOKEN}\n")
    assert (normalised.database_id, normalised.token) == (DATABASE_ID, TOKEN)
    # No deployment-wide token to fall back on: each destination brings its own.
    with pytest.raises(ValidationError) as no_token:
        NotionSettings.model_validate({"database_id": DATABASE_ID})
    assert [e["loc"] for e in no_token.value.errors()] == [("token",)]
    with pytest.raises(ValidationError) as pasted:
        NotionSettings(database_id=DATABASE_ID, token=f"Bearer {TOKEN}")
    assert pasted.value.errors()[0]["loc"] == ("token",)
    # The secret never shows in a log line that prints the settings.
    assert TOKEN not in repr(normalised)
