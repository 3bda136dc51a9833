"""The reporter contract: what a destination receives (a masked ``RunReport``) and what it
returns (``DeliveryResult``), so destinations stay plug-ins that know nothing of the database.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from pydantic import BaseModel

if TYPE_CHECKING:
    from backend.config import Settings


@dataclass(frozen=True)
class TestLine:
    """One test's result, ready to show (``file``/``line`` come from the traceback)."""

    __test__ = False  # not a pytest test class despite the name

    node_id: str
    outcome: str
    duration: float
    error_message: str | None = None
    traceback: str | None = None
    flaky: bool = False
    file: str | None = None
    line: int | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    # Quarantined when the run started: a failure is shown but does not fail the run.
    quarantined: bool = False


@dataclass(frozen=True)
class RunReport:
    """Everything a reporter needs about one run, ALREADY MASKED: reporters may send any of
    it anywhere without looking for secrets themselves."""

    run_id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    status: str
    trigger: str
    branch: str | None
    commit_sha: str | None
    pr_number: int | None
    started_at: datetime | None
    finished_at: datetime | None
    duration: float | None
    counts: dict[str, int]
    cache_stats: dict[str, Any]
    reason: str | None
    tests: list[TestLine]
    report_url: str
    repository_full_name: str | None = None
    repository_id: uuid.UUID | None = None
    commit_message: str | None = None

    @property
    def failures(self) -> list[TestLine]:
        """Failures that count: a quarantined test's are in ``quarantined_failures``."""
        return [t for t in self.tests if t.outcome in ("failed", "error") and not t.quarantined]

    @property
    def quarantined_failures(self) -> list[TestLine]:
        return [t for t in self.tests if t.outcome in ("failed", "error") and t.quarantined]

    @property
    def flaky_tests(self) -> list[TestLine]:
        return [t for t in self.tests if t.flaky]

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass(frozen=True)
class DeliveryState:
    """What earlier attempts left behind: a retry updates ``external_id``, never duplicates."""

    external_id: str | None = None
    attempts: int = 0
    link: str | None = None


@dataclass(frozen=True)
class DeliveryResult:
    external_id: str | None = None
    link: str | None = None


SendEmail = Callable[[list[str], str, str, str], Awaitable[None]]


@dataclass(frozen=True)
class ReporterContext:
    """Shared resources handed to reporters (one HTTP client per delivery round)."""

    settings: Settings
    http: httpx.AsyncClient
    # An installation token (or PAT) for the run's repository; None when it has none.
    github_token: Callable[[], Awaitable[str]] | None = None
    # send_email(to, subject, text, html): Resend or the local outbox.
    send_email: SendEmail | None = None


class DeliveryError(Exception):
    """A delivery failed in a way worth retrying later (``retryable``) or not.

    ``external_id``/``link``: what the attempt already created before failing (a check run
    made, its annotations refused), so the retry updates that object instead of making
    a second one."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        external_id: str | None = None,
        link: str | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.external_id = external_id
        self.link = link


class Reporter(ABC):
    """One destination. ``settings`` is an instance of ``settings_model`` (already validated);
    it is typed ``Any`` here so each subclass can annotate its own settings model."""

    kind: ClassVar[str]
    settings_model: ClassVar[type[BaseModel]]

    async def start(
        self,
        report: RunReport,
        settings: Any,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult | None:
        """Called when the run starts (e.g. a GitHub check ``in_progress``); None = nothing."""
        return None

    @abstractmethod
    async def deliver(
        self,
        report: RunReport,
        settings: Any,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult:
        """Send (or, when ``state.external_id`` is set, update) the finished run's report."""

    def key(self, settings: Any) -> str:
        """Identity of this destination within a run (``UNIQUE(run_id, key)``): the kind, plus
        whatever tells two destinations of the same kind apart (e.g. ``slack:#qa``)."""
        return self.kind
