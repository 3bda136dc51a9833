"""A project at a glance for the dashboard's home page: pass rate and cache hit rate per
day, the tests failing now and the flaky ones, the next scheduled runs.

Computed in Python from a bounded number of rows (the newest finished runs and their
tests) rather than with SQL aggregates, so SQLite and PostgreSQL answer identically."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cache import rates
from backend.kit.time import utcnow
from backend.runs.models import Run, RunTest
from backend.runs.states import RunState
from backend.workflows.config import config_of
from backend.workflows.models import Workflow
from backend.workflows.schedule import next_slots

DAYS = 30
# Failing and flaky tests are judged on the newest runs only: an old failure fixed since
# is not news, and a bounded window keeps the query small.
RECENT_RUNS = 20
MAX_RUNS_PER_WINDOW = 1000
FAILED_OUTCOMES = frozenset({"failed", "error"})
FINISHED = (RunState.PASSED, RunState.FAILED, RunState.ERROR, RunState.TIMED_OUT)


class DayPoint(BaseModel):
    day: date
    runs: int
    tests: int
    passed: int
    pass_rate: float | None
    cache_steps: int = Field(
        description="Steps that looked an element up in the cache (navigation excluded)."
    )
    cache_hits: int
    cache_hit_rate: float | None


class TestTrend(BaseModel):
    __test__ = False  # not a pytest test class

    node_id: str
    failures: int
    runs: int
    last_outcome: str
    last_run_id: uuid.UUID


class UpcomingSchedule(BaseModel):
    workflow_id: uuid.UUID
    workflow_name: str
    cron: str
    timezone: str
    next_at: datetime


class ProjectInsights(BaseModel):
    days: int
    recent_runs: int
    daily: list[DayPoint]
    failing: list[TestTrend]
    flaky: list[TestTrend]
    schedules: list[UpcomingSchedule]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _daily(runs: list[Run], today: date) -> list[DayPoint]:
    """One point per day of the window, oldest first; days without runs have no rates."""
    by_day: dict[date, list[Run]] = defaultdict(list)
    for run in runs:
        if run.finished_at is not None:
            by_day[run.finished_at.date()].append(run)
    points = []
    for offset in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=offset)
        group = by_day.get(day, [])
        tests = sum(r.total for r in group)
        passed = sum(r.passed for r in group)
        figures = [rates.run_figures(r.cache_stats) for r in group]
        hits = sum(h for h, _ in figures)
        steps = sum(n for _, n in figures)  # lookups: the one hit rate of backend.cache.rates
        points.append(
            DayPoint(
                day=day,
                runs=len(group),
                tests=tests,
                passed=passed,
                pass_rate=_rate(passed, tests),
                cache_steps=steps,
                cache_hits=hits,
                cache_hit_rate=rates.hit_rate(hits, steps),
            )
        )
    return points


def _recovered(newest_first: list[RunTest]) -> bool:
    """A failure with a pass after it (in a newer run)."""
    passed_later = False
    for row in newest_first:
        if row.outcome in FAILED_OUTCOMES and passed_later:
            return True
        passed_later = passed_later or row.outcome == "passed"
    return False


def _test_trends(
    recent: list[Run], results: list[RunTest]
) -> tuple[list[TestTrend], list[TestTrend]]:
    """Failing: the newest result is a failure. Flaky: passed after a retry at least once,
    or failed and then passed again in a newer run (a test that passed and now fails is a
    regression, listed under ``failing`` only)."""
    order = {run.id: index for index, run in enumerate(recent)}  # 0 = newest
    by_test: dict[str, list[RunTest]] = defaultdict(list)
    for result in results:
        by_test[result.node_id].append(result)
    failing, flaky = [], []
    for node_id, rows in by_test.items():
        rows.sort(key=lambda r: order[r.run_id])
        failures = sum(1 for r in rows if r.outcome in FAILED_OUTCOMES)
        trend = TestTrend(
            node_id=node_id,
            failures=failures,
            runs=len(rows),
            last_outcome=rows[0].outcome,
            last_run_id=rows[0].run_id,
        )
        if rows[0].outcome in FAILED_OUTCOMES:
            failing.append(trend)
        if any(r.flaky for r in rows) or _recovered(rows):
            flaky.append(trend)
    key = lambda t: (-t.failures, t.node_id)  # noqa: E731 - a sort key
    return sorted(failing, key=key), sorted(flaky, key=key)


async def _schedules(
    session: AsyncSession, project_id: uuid.UUID, now: datetime
) -> list[UpcomingSchedule]:
    workflows = (
        await session.scalars(
            select(Workflow)
            .where(Workflow.project_id == project_id, Workflow.enabled.is_(True))
            .order_by(Workflow.name)
        )
    ).all()
    upcoming = []
    for workflow in workflows:
        schedule = config_of(workflow).triggers.schedule
        if schedule is None:
            continue
        slots = next_slots(schedule.cron, schedule.timezone, now, 1)
        if slots:
            upcoming.append(
                UpcomingSchedule(
                    workflow_id=workflow.id,
                    workflow_name=workflow.name,
                    cron=schedule.cron,
                    timezone=schedule.timezone,
                    next_at=slots[0],
                )
            )
    return sorted(upcoming, key=lambda s: s.next_at)


async def project_insights(session: AsyncSession, project_id: uuid.UUID) -> ProjectInsights:
    now = utcnow()
    since = now - timedelta(days=DAYS)
    finished = (
        await session.scalars(
            select(Run)
            .where(
                Run.project_id == project_id,
                Run.status.in_([s.value for s in FINISHED]),
                Run.finished_at.is_not(None),
                Run.finished_at >= since,
            )
            .order_by(Run.finished_at.desc())
            .limit(MAX_RUNS_PER_WINDOW)
        )
    ).all()
    recent = list(finished[:RECENT_RUNS])
    results = (
        (
            await session.scalars(select(RunTest).where(RunTest.run_id.in_([r.id for r in recent])))
        ).all()
        if recent
        else []
    )
    failing, flaky = _test_trends(recent, list(results))
    return ProjectInsights(
        days=DAYS,
        recent_runs=len(recent),
        daily=_daily(list(finished), now.date()),
        failing=failing,
        flaky=flaky,
        schedules=await _schedules(session, project_id, now),
    )
