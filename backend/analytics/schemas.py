"""API shapes of /api/projects/{project_id}/analytics (docs/analytics.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.kit.text import Name

Status = Literal["healthy", "flaky", "broken"]
Decision = Literal["product_bug", "automation_bug", "environment", "to_investigate"]
EvidenceKind = Literal["same_commit", "failure_rate", "flips", "always_failing"]


class MonitorSettingsIn(BaseModel):
    """A project's monitors (the defaults are the documented ones, docs/analytics.md)."""

    model_config = ConfigDict(extra="forbid")

    same_commit: bool = True
    rate_threshold: float = Field(0.3, gt=0, le=1)
    rate_window_days: int = Field(7, ge=1, le=365)
    rate_min_results: int = Field(10, ge=1, le=10_000)
    flips_last_runs: int = Field(20, ge=2, le=500)
    flips_min: int = Field(4, ge=1, le=500)
    infra_failure_share: float = Field(0.8, gt=0, le=1)
    auto_quarantine: bool = False
    release_after_passes: int = Field(10, ge=1, le=1000)
    release_after_quiet_days: int = Field(14, ge=1, le=365)


class Evidence(BaseModel):
    kind: EvidenceKind
    text: str
    run_ids: list[uuid.UUID]
    commit_sha: str | None = None


class TestItem(BaseModel):
    __test__ = False

    test: str
    file: str
    name: str
    markers: list[str]
    owner: str | None
    last_outcome: str
    last_run_id: uuid.UUID | None
    last_seen_at: datetime
    results: int
    failure_rate: float
    p50_ms: float | None
    p95_ms: float | None
    status: Status
    quarantined: bool


class FlakyItem(TestItem):
    evidence: list[Evidence]


class TestPage(BaseModel):
    __test__ = False

    items: list[TestItem]
    total: int


class FlakyPage(BaseModel):
    items: list[FlakyItem]
    total: int


class StepSummary(BaseModel):
    text: str
    decision: str | None
    matched_by: str | None = None


class HistoryItem(BaseModel):
    run_id: uuid.UUID
    run_number: int | None
    branch: str | None
    commit_sha: str | None
    trigger: str
    outcome: str
    duration_ms: float
    retries: int
    flaky: bool
    error_message: str | None
    finished_at: datetime | None
    steps: list[StepSummary]


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    total: int


class QuarantineItem(BaseModel):
    test: str
    reason: str
    by: Literal["user", "monitor"]
    by_user: str | None
    since: datetime
    consecutive_passes: int


class QuarantinePage(BaseModel):
    items: list[QuarantineItem]
    total: int


class QuarantineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    test: Name = Field(min_length=1, max_length=2000)
    reason: str = Field(min_length=1, max_length=2000)


class StatusChangeOut(BaseModel):
    status: Status
    at: datetime
    reason: str


class TestStatus(BaseModel):
    __test__ = False

    test: str
    status: Status
    since: datetime | None
    quarantined: bool
    quarantine: QuarantineItem | None
    evidence: list[Evidence]
    changes: list[StatusChangeOut]


class CompareItem(BaseModel):
    test: str
    outcome_base: str | None
    outcome_head: str | None
    error_message: str | None


class DurationDelta(BaseModel):
    test: str
    base_ms: float
    head_ms: float
    delta_ms: float


class RunRef(BaseModel):
    id: uuid.UUID
    branch: str | None
    commit_sha: str | None
    status: str
    finished_at: datetime | None
    total: int


class Comparison(BaseModel):
    base: RunRef
    head: RunRef
    new_failures: list[CompareItem]
    fixed: list[CompareItem]
    still_failing: list[CompareItem]
    flaky: list[CompareItem]
    added: list[CompareItem]
    removed: list[CompareItem]
    duration_deltas: list[DurationDelta]


class TrendPoint(BaseModel):
    bucket_start: date
    results: int
    p50_ms: float | None
    p95_ms: float | None
    pass_rate: float | None


class Regression(BaseModel):
    test: str
    recent_p50_ms: float
    baseline_p50_ms: float
    ratio: float


class Trends(BaseModel):
    test: str | None
    bucket: Literal["day", "week"]
    points: list[TrendPoint]
    regressions: list[Regression]


class ClusterItem(BaseModel):
    id: uuid.UUID
    fingerprint: str
    sample_error: str
    tests_count: int
    failures_count: int
    first_seen: datetime
    last_seen: datetime
    decision: Decision | None
    note: str | None
    defect_id: uuid.UUID | None
    suggested_decision: Decision | None


class ClusterPage(BaseModel):
    items: list[ClusterItem]
    total: int


class ClusterFailureOut(BaseModel):
    run_id: uuid.UUID
    test: str
    at: datetime
    error_message: str | None
    suggested_decision: Decision | None


class ClusterDetail(ClusterItem):
    normalized: str
    tests: list[str]
    failures: list[ClusterFailureOut]


class ClusterDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision | None
    note: str | None = Field(None, max_length=5000)
    defect_id: uuid.UUID | None = None


class Cost(BaseModel):
    since: datetime
    retry_seconds: float
    failed_flaky_run_seconds: float
    flaky_failures: int
    resolver_calls_avoided: int
    resolver_seconds_avoided: float | None
    resolver_ms_measured: float | None


def as_evidence(raw: list[Any]) -> list[Evidence]:
    return [Evidence.model_validate(item) for item in raw if isinstance(item, dict)]
