"""Notion: one page per run and commit in a chosen database, through the official
``notion-client`` (its AsyncClient, with ``base_url`` from ``settings.notion_api_url`` so
tests talk to a local fake).

The token belongs to the destination, not to the deployment: each organisation connects
its own Notion integration, so a workflow can only reach databases that its organisation's
integration was shared with (a deployment-wide token let anyone write, or update by title
and commit, pages in another organisation's database). The token is a secret setting:
stored encrypted and never shown again (backend.workflows.secrets).

Notion API 2025-09-03 (the version notion-client 3 speaks) puts a database's rows in a
*data source*: we read the database's first data source (unless one is configured), query
it for a page of the same project and commit, and update that page instead of adding a
second one. The database needs the properties named in ``properties`` (defaults: Name,
Status, Branch, Commit, Duration, Passed, Failed, Cache hit rate, Report).
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

import httpx
from notion_client import AsyncClient
from notion_client.errors import APIResponseError, HTTPResponseError, RequestTimeoutError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.reports.base import (
    DeliveryError,
    DeliveryResult,
    DeliveryState,
    Reporter,
    ReporterContext,
    RunReport,
)
from backend.reports.destinations._common import cache_figures, coerce_settings, cut_chars

RICH_TEXT_MAX = 2_000  # Notion: characters per text object
TIMEOUT_MS = 15_000
log = logging.getLogger(__name__)
_ID = re.compile(r"([0-9a-f]{32})$")


def normalise_id(value: str) -> str:
    """A Notion id from an id with or without dashes, or from a database URL."""
    compact = value.strip().lower().split("?")[0].replace("-", "")
    match = _ID.search(compact)
    if match is None:
        raise ValueError("expected a Notion id (32 hexadecimal digits) or a database URL")
    h = match.group(1)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class NotionPropertyNames(BaseModel):
    """The database's property names, for databases whose columns are named differently."""

    model_config = ConfigDict(extra="forbid")

    title: str = "Name"
    status: str = "Status"  # select
    branch: str = "Branch"  # rich text
    commit: str = "Commit"  # rich text (full SHA; the page is found by it)
    duration: str = "Duration"  # number, seconds
    passed: str = "Passed"  # number
    failed: str = "Failed"  # number (failed + errors)
    cache_hit_rate: str = "Cache hit rate"  # number, 0..1 (format it as percent)
    report: str = "Report"  # URL


class NotionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_id: str = Field(description="The database's id or URL.")
    token: str = Field(
        min_length=1,
        max_length=500,
        repr=False,
        description="Your Notion integration's secret (ntn_… or secret_…); share the "
        "database with that integration. Stored encrypted, never shown again.",
        json_schema_extra={"secret": True},
    )
    data_source_id: str | None = Field(
        default=None, description="Which of the database's data sources; default: the first."
    )
    properties: NotionPropertyNames = Field(default_factory=NotionPropertyNames)

    @field_validator("database_id", "data_source_id")
    @classmethod
    def _notion_id(cls, value: str | None) -> str | None:
        return normalise_id(value) if value is not None else None

    @field_validator("token")
    @classmethod
    def _one_word(cls, value: str) -> str:
        # A pasted secret often carries a newline or "Bearer "; sent as is it only fails later.
        value = value.strip()
        if not value or any(char.isspace() for char in value):
            raise ValueError("expected the integration secret alone (ntn_… or secret_…)")
        return value


def title_prefix(report: RunReport) -> str:
    """What every page title of the project starts with (the same-commit query uses it)."""
    return f"{report.project_name} · "


def page_title(report: RunReport) -> str:
    sha = f"@{report.commit_sha[:7]}" if report.commit_sha else f" (run {report.run_id})"
    return f"{title_prefix(report)}{report.branch or '-'}{sha}"


def _text(value: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": cut_chars(value, RICH_TEXT_MAX)}}]


def page_properties(report: RunReport, names: NotionPropertyNames) -> dict[str, Any]:
    failed = report.counts.get("failed", 0) + report.counts.get("errors", 0)
    hit_rate = cache_figures(report).hit_rate
    return {
        names.title: {"title": _text(page_title(report))},
        names.status: {"select": {"name": report.status}},
        names.branch: {"rich_text": _text(report.branch or "")},
        names.commit: {"rich_text": _text(report.commit_sha or "")},
        names.duration: {
            "number": round(report.duration, 1) if report.duration is not None else None
        },
        names.passed: {"number": report.counts.get("passed", 0)},
        names.failed: {"number": failed},
        names.cache_hit_rate: {"number": round(hit_rate, 4) if hit_rate is not None else None},
        names.report: {"url": report.report_url},
    }


def same_commit_filter(report: RunReport, names: NotionPropertyNames) -> dict[str, Any]:
    """Pages of this project (by title prefix) on this commit."""
    assert report.commit_sha is not None
    return {
        "and": [
            {"property": names.commit, "rich_text": {"equals": report.commit_sha}},
            {"property": names.title, "title": {"starts_with": title_prefix(report)}},
        ]
    }


class NotionReporter(Reporter):
    kind: ClassVar[str] = "notion"
    settings_model: ClassVar[type[BaseModel]] = NotionSettings

    def key(self, settings: BaseModel) -> str:
        return f"notion:{coerce_settings(NotionSettings, settings).database_id}"

    async def deliver(
        self,
        report: RunReport,
        settings: BaseModel,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult:
        cfg = coerce_settings(NotionSettings, settings)
        properties = page_properties(report, cfg.properties)
        # notion-client rewrites the base URL and headers of the httpx client it is given,
        # so it gets its own (closed on exit), not the shared ctx.http. Its own retries are
        # off: the delivery service retries with backoff and records every attempt.
        async with AsyncClient(
            auth=cfg.token,
            base_url=str(getattr(ctx.settings, "notion_api_url", "https://api.notion.com")),
            timeout_ms=TIMEOUT_MS,
            retry=False,
            # notion-client's default logger adds a console handler per client instance.
            logger=log,
        ) as notion:
            try:
                return await _upsert(notion, report, cfg, state, properties)
            except APIResponseError as error:
                code = getattr(error.code, "value", error.code)
                raise DeliveryError(
                    f"Notion answered {error.status} {code}: {error}",
                    retryable=error.status == 429 or error.status >= 500,
                ) from error
            except HTTPResponseError as error:
                status = int(getattr(error, "status", 0) or 0)
                raise DeliveryError(
                    f"Notion failed: {error}", retryable=status == 429 or status >= 500
                ) from error
            except (RequestTimeoutError, httpx.HTTPError) as error:
                raise DeliveryError(f"Notion unreachable: {error}") from error


async def _upsert(
    notion: AsyncClient,
    report: RunReport,
    cfg: NotionSettings,
    state: DeliveryState,
    properties: dict[str, Any],
) -> DeliveryResult:
    page_id = state.external_id
    data_source_id: str | None = None
    if page_id is None and report.commit_sha:
        data_source_id = await _data_source(notion, cfg)
        found = await notion.data_sources.query(
            data_source_id=data_source_id,
            filter=same_commit_filter(report, cfg.properties),
            page_size=1,
        )
        results = found.get("results", [])
        page_id = results[0]["id"] if results else None
    if page_id is not None:
        try:
            page = await notion.pages.update(page_id=page_id, properties=properties)
            return DeliveryResult(page["id"], page.get("url"))
        except APIResponseError as error:
            if error.status != 404:
                raise  # a page deleted meanwhile is re-created below; anything else is not
    data_source_id = data_source_id or await _data_source(notion, cfg)
    page = await notion.pages.create(
        parent={"type": "data_source_id", "data_source_id": data_source_id},
        properties=properties,
    )
    return DeliveryResult(page["id"], page.get("url"))


async def _data_source(notion: AsyncClient, cfg: NotionSettings) -> str:
    if cfg.data_source_id:
        return cfg.data_source_id
    database = await notion.databases.retrieve(database_id=cfg.database_id)
    sources = database.get("data_sources") or []
    if not sources:
        raise DeliveryError(
            f"Notion database {cfg.database_id} has no data source", retryable=False
        )
    return str(sources[0]["id"])
