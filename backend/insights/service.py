"""A project at a glance for the dashboard's home page: pass rate and cache hit rate per
day, the tests failing now and the flaky ones, the next scheduled runs.

No run is loaded into Python. The runs, results and passes per day are analytics'
per-project-per-day rollup (``analytics_project_days``, kept when a run finishes: the
figures of ``/api/projects/{id}/analytics/trends``). The cache figures per day are one SQL
aggregate over the window's runs' ``cache_stats`` (the rollup keeps no lookups; the one
definition stays ``backend.cache.rates``). Failing and flaky tests are one SQL aggregate
over the results of the newest ``RECENT_RUNS`` runs (their own definition below, a
shorter-term one than the analytics monitors' statuses). Same answers on SQLite and
PostgreSQL: no dialect-specific SQL, days bucketed by explicit UTC bounds."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics.models import ProjectDay
from backend.analytics.rollups import FAILED
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
FINISHED = tuple(
    s.value for s in (RunState.PASSED, RunState.FAILED, RunState.ERROR, RunState.TIMED_OUT)
)


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


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def _daily(session: AsyncSession, project_id: uuid.UUID, today: date) -> list[DayPoint]:
    """One point per day of the window, oldest first; days without runs have no rates."""
    days = [today - timedelta(days=offset) for offset in range(DAYS - 1, -1, -1)]
    rollup = {
        day: (runs, results, passed)
        for day, runs, results, passed in await session.execute(
            select(ProjectDay.day, ProjectDay.runs, ProjectDay.results, ProjectDay.passed).where(
                ProjectDay.project_id == project_id,
                ProjectDay.day >= days[0],
                ProjectDay.day <= today,
            )
        )
    }
    # The day of a run's finish as the index of its day in the window, by UTC bounds
    # (``date()`` of a timestamp follows the session's time zone on PostgreSQL).
    bucket = case(
        *(
            (Run.finished_at >= _day_start(day), index)
            for index, day in reversed(list(enumerate(days)))
        ),
        else_=-1,
    ).label("bucket")
    hit_count, lookup_count = rates.run_figures_sql(Run.cache_stats)
    cache = {
        int(index): (int(hits or 0), int(lookups or 0))
        for index, hits, lookups in await session.execute(
            select(bucket, func.sum(hit_count), func.sum(lookup_count))
            .where(
                Run.project_id == project_id,
                Run.status.in_(FINISHED),
                Run.finished_at >= _day_start(days[0]),
                Run.finished_at < _day_start(today + timedelta(days=1)),
            )
            .group_by(bucket)
        )
    }
    points = []
    for index, day in enumerate(days):
        runs, tests, passed = rollup.get(day, (0, 0, 0))
        hits, steps = cache.get(index, (0, 0))  # lookups: the one hit rate of rates
        points.append(
            DayPoint(
                day=day,
                runs=runs,
                tests=tests,
                passed=passed,
                pass_rate=_rate(passed, tests),
                cache_steps=steps,
                cache_hits=hits,
                cache_hit_rate=rates.hit_rate(hits, steps),
            )
        )
    return points


async def _test_trends(
    session: AsyncSession, project_id: uuid.UUID, since: datetime
) -> tuple[int, list[TestTrend], list[TestTrend]]:
    """(runs judged, failing, flaky) over the newest ``RECENT_RUNS`` finished runs.
    Failing: the newest result is a failure. Flaky: passed after a retry at least once,
    or failed and then passed again in a newer run (a test that passed and now fails is a
    regression, listed under ``failing`` only)."""
    recent = (
        select(Run.id, Run.finished_at)
        .where(
            Run.project_id == project_id,
            Run.status.in_(FINISHED),
            Run.finished_at.is_not(None),
            Run.finished_at >= since,
        )
        .order_by(Run.finished_at.desc())
        .limit(RECENT_RUNS)
        .subquery("recent")
    )
    judged = int(await session.scalar(select(func.count()).select_from(recent)) or 0)
    if not judged:
        return 0, [], []
    failed = RunTest.outcome.in_(sorted(FAILED))
    per_test = (
        select(
            RunTest.node_id.label("node_id"),
            func.count().label("runs"),
            func.sum(case((failed, 1), else_=0)).label("failures"),
            func.sum(case((RunTest.flaky.is_(True), 1), else_=0)).label("flaky"),
            func.min(case((failed, recent.c.finished_at), else_=None)).label("first_failure"),
            func.max(case((RunTest.outcome == "passed", recent.c.finished_at), else_=None)).label(
                "last_pass"
            ),
            func.max(recent.c.finished_at).label("last_at"),
        )
        .join(recent, RunTest.run_id == recent.c.id)
        .group_by(RunTest.node_id)
        .subquery("per_test")
    )
    newest = (
        select(
            per_test.c.node_id,
            per_test.c.runs,
            per_test.c.failures,
            per_test.c.flaky,
            case((per_test.c.first_failure < per_test.c.last_pass, 1), else_=0),
            RunTest.outcome,
            RunTest.run_id,
        )
        .join(RunTest, RunTest.node_id == per_test.c.node_id)
        .join(
            recent,
            and_(RunTest.run_id == recent.c.id, recent.c.finished_at == per_test.c.last_at),
        )
        .order_by(per_test.c.node_id, RunTest.run_id)
    )
    failing, flaky = [], []
    seen: set[str] = set()
    for node_id, runs, failures, flagged, recovered, outcome, run_id in await session.execute(
        newest
    ):
        if node_id in seen:  # two runs finished at the same instant: one is taken
            continue
        seen.add(node_id)
        trend = TestTrend(
            node_id=node_id,
            failures=int(failures or 0),
            runs=int(runs),
            last_outcome=outcome,
            last_run_id=run_id,
        )
        if outcome in FAILED:
            failing.append(trend)
        if flagged or recovered:
            flaky.append(trend)
    key = lambda t: (-t.failures, t.node_id)  # noqa: E731 - a sort key
    return judged, sorted(failing, key=key), sorted(flaky, key=key)


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
    judged, failing, flaky = await _test_trends(session, project_id, now - timedelta(days=DAYS))
    return ProjectInsights(
        days=DAYS,
        recent_runs=judged,
        daily=await _daily(session, project_id, now.date()),
        failing=failing,
        flaky=flaky,
        schedules=await _schedules(session, project_id, now),
    )
