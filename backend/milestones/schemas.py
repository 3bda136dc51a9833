"""API shapes of milestones, their progress, burndown, workload, coverage and report."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from backend.milestones.models import CapacityUnit

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Dates(BaseModel):
    start_date: date | None = None
    due_date: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _Dates:
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise ValueError("due_date is before start_date")
        return self


class MilestoneCreate(_Dates):
    model_config = ConfigDict(extra="forbid")

    name: Name
    goal: str = Field(default="", max_length=10_000)


class MilestoneUpdate(_Dates):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    goal: str | None = Field(default=None, max_length=10_000)


class MilestoneClose(BaseModel):
    """``summary``: what the milestone achieved; written from its figures when left out."""

    model_config = ConfigDict(extra="forbid")

    summary: str | None = Field(default=None, max_length=20_000)


class Attach(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    case_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    defect_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    capacity: float = Field(ge=0, le=100_000)
    unit: CapacityUnit = CapacityUnit.HOURS


class CapacityList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    people: list[CapacityIn] = Field(max_length=500)


class Counts(BaseModel):
    planned: int
    executed: int
    passed: int
    failed: int
    blocked: int
    skipped: int
    retest: int
    untested: int


class RunFigures(BaseModel):
    runs: int
    tests: int
    passed: int
    failed: int
    flaky: int


class DefectFigures(BaseModel):
    open: int
    closed: int
    by_severity: dict[str, dict[str, int]]  # severity -> {"open": n, "closed": n}


class MilestoneOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    goal: str
    start_date: date | None
    due_date: date | None
    status: str
    summary: str | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class MilestoneProgress(MilestoneOut):
    cases: Counts
    runs: RunFigures
    defects: DefectFigures
    run_ids: list[uuid.UUID]
    case_ids: list[uuid.UUID]
    plan_run_ids: list[uuid.UUID]


class BurndownDay(BaseModel):
    day: date
    planned: int
    executed: int  # executed by the end of that day
    remaining: int
    ideal: float  # the straight line from planned at the start to 0 at the due date


class Burndown(BaseModel):
    days: list[BurndownDay]
    planned: int


class PersonLoad(BaseModel):
    user_id: uuid.UUID
    email: str | None
    cases_assigned: int
    cases_executed: int
    defects_open: int
    hours_spent: float
    capacity: float | None
    unit: str | None


class Workload(BaseModel):
    people: list[PersonLoad]


class CoverageRow(BaseModel):
    name: str  # a tag, a feature or a reference id
    cases: int
    automated: int
    automated_share: float | None
    executed: int  # in the milestone
    passing: int  # latest result in the milestone passed


class Coverage(BaseModel):
    by_tag: list[CoverageRow]
    by_feature: list[CoverageRow]
    by_reference: list[CoverageRow]
    never_run: list[str]  # case keys with no result at all


class TimeSaved(BaseModel):
    """Only from measured figures: the milestone runs' cache hits (resolver calls avoided)
    × the project's measured mean resolver step time; null with ``reason`` otherwise."""

    cache_hits: int
    resolver_steps_measured: int
    mean_resolver_ms: float | None
    seconds: float | None
    reason: str | None


class MilestoneReport(BaseModel):
    milestone: MilestoneOut
    cases: Counts
    pass_rate: float | None
    runs: RunFigures
    defects_opened: dict[str, int]  # by severity
    defects_closed: dict[str, int]
    flaky_tests: list[str]
    time_saved: TimeSaved


class TrendPoint(BaseModel):
    """One milestone's figures, for the trend across a project's milestones."""

    milestone_id: uuid.UUID
    name: str
    status: str
    start_date: date | None
    due_date: date | None
    planned: int
    executed: int
    passed: int
    pass_rate: float | None
    automated_share: float | None  # of its planned cases
    defects: int
