"""Milestones: create, change, close with a summary; attach runs, cases and defects; and the
figures read from what is attached — progress, burndown, workload, coverage, the report.

Planned cases are the cases of the milestone's plan runs (``backend/cases``: a plan run
carries ``milestone_id``) and the cases attached directly. A case's status in the
milestone is its latest result there: the plan run's (manual or automated), else the
latest result of a linked test in an attached run. Never commits.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.models import User
from backend.cases.models import (
    CaseResult,
    PlanRun,
    PlanRunCase,
    PlanRunResult,
    TestCase,
    TestPlan,
)
from backend.defects.models import Defect, DefectStatus, Severity
from backend.kit.errors import Conflict, NotFound
from backend.kit.time import utcnow
from backend.milestones.models import (
    Milestone,
    MilestoneCapacity,
    MilestoneCase,
    MilestoneRun,
    MilestoneStatus,
)
from backend.orgs.service import find_membership
from backend.projects.models import Project
from backend.runs.models import Run, RunTest

EXECUTED = frozenset({"passed", "failed", "blocked", "skipped", "retest"})
MAX_BURNDOWN_DAYS = 366
RESOLVER_SAMPLE_RUNS = 200
# An automated outcome as a case status.
_AUTOMATED_STATUS = {
    "passed": "passed",
    "failed": "failed",
    "error": "failed",
    "skipped": "skipped",
}


# --------------------------------------------------------------------------- CRUD


async def get_milestone(
    session: AsyncSession, milestone_id: uuid.UUID, *, lock: bool = False
) -> Milestone:
    statement = select(Milestone).where(Milestone.id == milestone_id)
    if lock:
        statement = statement.with_for_update()
    found = (await session.execute(statement)).scalar_one_or_none()
    if found is None:
        raise NotFound("No such milestone.")
    return found


def _name_taken(name: str) -> Conflict:
    return Conflict(
        f"name: the project already has a milestone named {name!r}",
        details=[{"field": "name", "message": "already used in this project"}],
        code="name_taken",
    )


async def _check_name(
    session: AsyncSession, project_id: uuid.UUID, name: str, except_id: uuid.UUID | None = None
) -> None:
    statement = select(Milestone.id).where(
        Milestone.project_id == project_id, func.lower(Milestone.name) == name.lower()
    )
    if except_id is not None:
        statement = statement.where(Milestone.id != except_id)
    if await session.scalar(statement) is not None:
        raise _name_taken(name)


async def create_milestone(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    name: str,
    goal: str,
    start_date: date | None,
    due_date: date | None,
    user_id: uuid.UUID,
) -> Milestone:
    await _check_name(session, project_id, name)
    milestone = Milestone(
        project_id=project_id,
        name=name,
        goal=goal,
        start_date=start_date,
        due_date=due_date,
        status=MilestoneStatus.OPEN.value,
        created_by_id=user_id,
    )
    session.add(milestone)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent twin
        raise _name_taken(name) from exc
    return milestone


async def list_milestones(
    session: AsyncSession, project_id: uuid.UUID, status: str | None
) -> list[Milestone]:
    statement = select(Milestone).where(Milestone.project_id == project_id)
    if status is not None:
        statement = statement.where(Milestone.status == status)
    statement = statement.order_by(
        Milestone.status.desc(), Milestone.due_date.is_(None), Milestone.due_date, Milestone.name
    )
    return list((await session.execute(statement)).scalars())


async def update_milestone(
    session: AsyncSession, milestone: Milestone, changes: dict[str, Any]
) -> Milestone:
    if changes.get("name") is not None:
        await _check_name(session, milestone.project_id, changes["name"], milestone.id)
        milestone.name = changes["name"]
    if changes.get("goal") is not None:
        milestone.goal = changes["goal"]
    start = changes.get("start_date", milestone.start_date)
    due = changes.get("due_date", milestone.due_date)
    if start and due and due < start:
        raise Conflict(
            "due_date: before start_date",
            details=[{"field": "due_date", "message": "before start_date"}],
            code="dates",
        )
    milestone.start_date, milestone.due_date = start, due
    await session.flush()
    return milestone


async def close_milestone(
    session: AsyncSession, milestone: Milestone, summary: str | None, user_id: uuid.UUID
) -> Milestone:
    if milestone.status == MilestoneStatus.CLOSED.value:
        raise Conflict("the milestone is already closed", code="closed")
    if summary is None or not summary.strip():
        figures = await gather(session, milestone)
        summary = written_summary(figures)
    milestone.status = MilestoneStatus.CLOSED.value
    milestone.summary = summary.strip()
    milestone.closed_at = utcnow()
    milestone.closed_by_id = user_id
    await session.flush()
    return milestone


async def reopen_milestone(session: AsyncSession, milestone: Milestone) -> Milestone:
    if milestone.status == MilestoneStatus.OPEN.value:
        raise Conflict("the milestone is open", code="open")
    milestone.status = MilestoneStatus.OPEN.value
    milestone.closed_at = None
    milestone.closed_by_id = None
    await session.flush()
    return milestone


async def delete_milestone(session: AsyncSession, milestone: Milestone) -> None:
    """Plans and plan runs keep existing without it (their ``milestone_id`` is a plain id);
    defects lose it through their foreign key."""
    for model in (TestPlan, PlanRun):
        await session.execute(
            update(model).where(model.milestone_id == milestone.id).values(milestone_id=None)
        )
    await session.execute(
        update(Defect).where(Defect.milestone_id == milestone.id).values(milestone_id=None)
    )
    await session.delete(milestone)
    await session.flush()


# --------------------------------------------------------------------------- attaching


async def _owned(
    session: AsyncSession,
    model: Any,
    ids: Sequence[uuid.UUID],
    project_id: uuid.UUID,
    field_name: str,
) -> None:
    if not ids:
        return
    found = set(
        await session.scalars(
            select(model.id).where(model.id.in_(set(ids)), model.project_id == project_id)
        )
    )
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise NotFound(
            f"{field_name}: not of this project: {', '.join(missing[:5])}",
            details=[{"field": field_name, "message": "not of this project", "ids": missing}],
        )


async def attach(
    session: AsyncSession,
    milestone: Milestone,
    *,
    run_ids: Sequence[uuid.UUID],
    case_ids: Sequence[uuid.UUID],
    defect_ids: Sequence[uuid.UUID],
) -> None:
    await _owned(session, Run, run_ids, milestone.project_id, "run_ids")
    await _owned(session, TestCase, case_ids, milestone.project_id, "case_ids")
    await _owned(session, Defect, defect_ids, milestone.project_id, "defect_ids")
    have_runs = set(
        await session.scalars(
            select(MilestoneRun.run_id).where(MilestoneRun.milestone_id == milestone.id)
        )
    )
    for run_id in dict.fromkeys(run_ids):
        if run_id not in have_runs:
            session.add(MilestoneRun(milestone_id=milestone.id, run_id=run_id))
    have_cases = set(
        await session.scalars(
            select(MilestoneCase.case_id).where(MilestoneCase.milestone_id == milestone.id)
        )
    )
    for case_id in dict.fromkeys(case_ids):
        if case_id not in have_cases:
            session.add(MilestoneCase(milestone_id=milestone.id, case_id=case_id))
    if defect_ids:
        for defect in await session.scalars(select(Defect).where(Defect.id.in_(set(defect_ids)))):
            defect.milestone_id = milestone.id
    await session.flush()


async def detach(
    session: AsyncSession,
    milestone: Milestone,
    *,
    run_ids: Sequence[uuid.UUID],
    case_ids: Sequence[uuid.UUID],
    defect_ids: Sequence[uuid.UUID],
) -> None:
    if run_ids:
        await session.execute(
            delete(MilestoneRun).where(
                MilestoneRun.milestone_id == milestone.id, MilestoneRun.run_id.in_(set(run_ids))
            )
        )
    if case_ids:
        await session.execute(
            delete(MilestoneCase).where(
                MilestoneCase.milestone_id == milestone.id,
                MilestoneCase.case_id.in_(set(case_ids)),
            )
        )
    if defect_ids:
        defects = await session.scalars(
            select(Defect).where(
                Defect.id.in_(set(defect_ids)), Defect.milestone_id == milestone.id
            )
        )
        for defect in defects:
            defect.milestone_id = None
    await session.flush()


async def set_capacity(
    session: AsyncSession, milestone: Milestone, org_id: uuid.UUID, people: Sequence[Any]
) -> None:
    """Replace the capacities (one row per person; members of the organisation only)."""
    for person in people:
        if await find_membership(session, org_id, person.user_id) is None:
            raise NotFound(
                f"user_id: {person.user_id} is not a member of the organisation",
                details=[{"field": "user_id", "message": "not a member"}],
            )
    await session.execute(
        delete(MilestoneCapacity).where(MilestoneCapacity.milestone_id == milestone.id)
    )
    for person in {p.user_id: p for p in people}.values():
        session.add(
            MilestoneCapacity(
                milestone_id=milestone.id,
                user_id=person.user_id,
                capacity=person.capacity,
                unit=person.unit.value,
            )
        )
    await session.flush()


# --------------------------------------------------------------------------- figures


@dataclass
class CaseState:
    case_id: uuid.UUID
    status: str = "untested"
    at: datetime | None = None  # of the latest result
    first_executed: datetime | None = None
    assignee_id: uuid.UUID | None = None
    seconds: int = 0


@dataclass
class Figures:
    milestone: Milestone
    cases: dict[uuid.UUID, CaseState] = field(default_factory=dict)
    plan_run_ids: list[uuid.UUID] = field(default_factory=list)
    run_ids: list[uuid.UUID] = field(default_factory=list)
    direct_case_ids: list[uuid.UUID] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)
    assignments: list[PlanRunCase] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        statuses = Counter(state.status for state in self.cases.values())
        executed = sum(n for status, n in statuses.items() if status in EXECUTED)
        return {
            "planned": len(self.cases),
            "executed": executed,
            "passed": statuses["passed"],
            "failed": statuses["failed"],
            "blocked": statuses["blocked"],
            "skipped": statuses["skipped"],
            "retest": statuses["retest"],
            "untested": len(self.cases) - executed,
        }

    def run_figures(self) -> dict[str, int]:
        return {
            "runs": len(self.runs),
            "tests": sum(r.total for r in self.runs),
            "passed": sum(r.passed for r in self.runs),
            "failed": sum(r.failed + r.errors for r in self.runs),
            "flaky": sum(r.flaky for r in self.runs),
        }

    def defect_figures(self) -> dict[str, Any]:
        by_severity: dict[str, dict[str, int]] = {
            s.value: {"open": 0, "closed": 0} for s in Severity
        }
        for defect in self.defects:
            by_severity.setdefault(defect.severity, {"open": 0, "closed": 0})[defect.status] += 1
        return {
            "open": sum(d.status == DefectStatus.OPEN.value for d in self.defects),
            "closed": sum(d.status == DefectStatus.CLOSED.value for d in self.defects),
            "by_severity": by_severity,
        }


def _later(a: datetime | None, b: datetime | None) -> bool:
    """Is ``a`` later than ``b`` (None is earliest)?"""
    return a is not None and (b is None or a > b)


async def gather(session: AsyncSession, milestone: Milestone) -> Figures:
    figures = Figures(milestone=milestone)
    figures.plan_run_ids = list(
        await session.scalars(
            select(PlanRun.id)
            .where(PlanRun.milestone_id == milestone.id, PlanRun.project_id == milestone.project_id)
            .order_by(PlanRun.created_at)
        )
    )
    figures.run_ids = list(
        await session.scalars(
            select(MilestoneRun.run_id).where(MilestoneRun.milestone_id == milestone.id)
        )
    )
    figures.direct_case_ids = list(
        await session.scalars(
            select(MilestoneCase.case_id).where(MilestoneCase.milestone_id == milestone.id)
        )
    )
    if figures.run_ids:
        figures.runs = list(
            (
                await session.execute(
                    select(Run).where(Run.id.in_(figures.run_ids)).order_by(Run.queued_at)
                )
            ).scalars()
        )
    figures.defects = list(
        (await session.execute(select(Defect).where(Defect.milestone_id == milestone.id))).scalars()
    )
    # Plan runs: each case's latest status there, its first result, who executes it.
    if figures.plan_run_ids:
        figures.assignments = list(
            (
                await session.execute(
                    select(PlanRunCase).where(PlanRunCase.plan_run_id.in_(figures.plan_run_ids))
                )
            ).scalars()
        )
        firsts = dict(
            (
                await session.execute(
                    select(PlanRunCase.case_id, func.min(PlanRunResult.recorded_at))
                    .join(PlanRunResult, PlanRunResult.plan_run_case_id == PlanRunCase.id)
                    .where(
                        PlanRunCase.plan_run_id.in_(figures.plan_run_ids),
                        PlanRunResult.status.in_(EXECUTED),
                    )
                    .group_by(PlanRunCase.case_id)
                )
            ).all()
        )
        for row in figures.assignments:
            state = figures.cases.setdefault(row.case_id, CaseState(row.case_id))
            state.first_executed = firsts.get(row.case_id)
            state.seconds += row.time_spent_seconds or 0
            if state.assignee_id is None:
                state.assignee_id = row.assignee_id
            if row.status in EXECUTED and _later(row.executed_at, state.at):
                state.status, state.at = row.status, row.executed_at
                state.assignee_id = row.assignee_id or state.assignee_id
    for case_id in figures.direct_case_ids:
        figures.cases.setdefault(case_id, CaseState(case_id))
    # Attached runs: the linked tests' results count for cases no plan run executed later.
    if figures.run_ids and figures.cases:
        results = await session.execute(
            select(CaseResult.case_id, CaseResult.outcome, Run.finished_at)
            .join(Run, Run.id == CaseResult.run_id)
            .where(
                CaseResult.run_id.in_(figures.run_ids),
                CaseResult.case_id.in_(list(figures.cases)),
            )
        )
        for case_id, outcome, finished in results.all():
            state = figures.cases[case_id]
            status = _AUTOMATED_STATUS.get(outcome)
            if status is None:
                continue
            if finished is not None and (
                state.first_executed is None or finished < state.first_executed
            ):
                state.first_executed = finished
            if _later(finished, state.at):
                state.status, state.at = status, finished
    return figures


def written_summary(figures: Figures) -> str:
    counts = figures.counts()
    defects = figures.defect_figures()
    share = (
        f" ({round(100 * counts['executed'] / counts['planned'])} %)" if counts["planned"] else ""
    )
    return (
        f"{counts['executed']} of {counts['planned']} planned cases executed{share}: "
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['blocked']} blocked. "
        f"{len(figures.runs)} run(s) attached. Defects: {defects['open']} open, "
        f"{defects['closed']} closed."
    )


def burndown(figures: Figures, today: date | None = None) -> dict[str, Any]:
    milestone = figures.milestone
    today = today or utcnow().date()
    start = milestone.start_date or milestone.created_at.date()
    end = milestone.due_date or max(today, start)
    if (end - start).days >= MAX_BURNDOWN_DAYS:
        end = start + timedelta(days=MAX_BURNDOWN_DAYS - 1)
    planned = len(figures.cases)
    executed_on = sorted(
        s.first_executed.date()
        for s in figures.cases.values()
        if s.first_executed is not None and s.status in EXECUTED
    )
    span = max((end - start).days, 1)
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        executed = sum(1 for d in executed_on if d <= day)
        days.append(
            {
                "day": day,
                "planned": planned,
                "executed": executed,
                "remaining": planned - executed,
                "ideal": round(planned * max(0.0, 1 - offset / span), 2),
            }
        )
    return {"days": days, "planned": planned}


async def workload(session: AsyncSession, figures: Figures) -> list[dict[str, Any]]:
    people: dict[uuid.UUID, dict[str, Any]] = defaultdict(
        lambda: {
            "cases_assigned": 0,
            "cases_executed": 0,
            "defects_open": 0,
            "seconds": 0,
            "capacity": None,
            "unit": None,
        }
    )
    for row in figures.assignments:
        if row.assignee_id is None:
            continue
        person = people[row.assignee_id]
        person["cases_assigned"] += 1
        person["cases_executed"] += row.status in EXECUTED
        person["seconds"] += row.time_spent_seconds or 0
    for defect in figures.defects:
        if defect.assignee_id is not None and defect.status == DefectStatus.OPEN.value:
            people[defect.assignee_id]["defects_open"] += 1
    capacities = await session.scalars(
        select(MilestoneCapacity).where(MilestoneCapacity.milestone_id == figures.milestone.id)
    )
    for capacity in capacities:
        people[capacity.user_id]["capacity"] = capacity.capacity
        people[capacity.user_id]["unit"] = capacity.unit
    emails = (
        dict(
            (
                await session.execute(select(User.id, User.email).where(User.id.in_(list(people))))
            ).all()
        )
        if people
        else {}
    )
    return [
        {
            "user_id": user_id,
            "email": emails.get(user_id),
            "cases_assigned": p["cases_assigned"],
            "cases_executed": p["cases_executed"],
            "defects_open": p["defects_open"],
            "hours_spent": round(p["seconds"] / 3600, 2),
            "capacity": p["capacity"],
            "unit": p["unit"],
        }
        for user_id, p in sorted(people.items(), key=lambda kv: str(emails.get(kv[0]) or kv[0]))
    ]


def _coverage_rows(groups: dict[str, list[TestCase]], figures: Figures) -> list[dict[str, Any]]:
    rows = []
    for name, cases in sorted(groups.items()):
        automated = sum(c.automation == "automated" for c in cases)
        states = [figures.cases.get(c.id) for c in cases]
        rows.append(
            {
                "name": name,
                "cases": len(cases),
                "automated": automated,
                "automated_share": round(automated / len(cases), 4) if cases else None,
                "executed": sum(1 for s in states if s is not None and s.status in EXECUTED),
                "passing": sum(1 for s in states if s is not None and s.status == "passed"),
            }
        )
    return rows


async def coverage(session: AsyncSession, figures: Figures) -> dict[str, Any]:
    project_id = figures.milestone.project_id
    cases = list(
        (
            await session.execute(
                select(TestCase).where(
                    TestCase.project_id == project_id,
                    TestCase.merged_into_id.is_(None),
                    TestCase.status != "deprecated",
                )
            )
        ).scalars()
    )
    by_tag: dict[str, list[TestCase]] = defaultdict(list)
    by_feature: dict[str, list[TestCase]] = defaultdict(list)
    by_reference: dict[str, list[TestCase]] = defaultdict(list)
    for case in cases:
        for tag in _strings(case.tags):
            by_tag[tag].append(case)
        if case.feature:
            by_feature[case.feature].append(case)
        for reference in case.references or []:
            ref = reference.get("id") if isinstance(reference, dict) else reference
            if isinstance(ref, str) and ref.strip():
                by_reference[ref.strip()].append(case)
    ids = [c.id for c in cases]
    ran = (
        set(await session.scalars(select(CaseResult.case_id).where(CaseResult.case_id.in_(ids))))
        if ids
        else set()
    )
    executed_manually = (
        set(
            await session.scalars(
                select(PlanRunCase.case_id).where(
                    PlanRunCase.case_id.in_(ids), PlanRunCase.status.in_(EXECUTED)
                )
            )
        )
        if ids
        else set()
    )
    never = sorted(
        (c for c in cases if c.id not in ran and c.id not in executed_manually),
        key=lambda c: c.number,
    )
    return {
        "by_tag": _coverage_rows(by_tag, figures),
        "by_feature": _coverage_rows(by_feature, figures),
        "by_reference": _coverage_rows(by_reference, figures),
        "never_run": [f"TC-{c.number}" for c in never],
    }


def _strings(values: Iterable[Any] | None) -> list[str]:
    return [str(v).strip() for v in values or [] if str(v).strip()]


async def time_saved(session: AsyncSession, figures: Figures) -> dict[str, Any]:
    """Resolver calls avoided (the attached runs' cache hits) × the project's measured mean
    time of a step the resolver decided (``duration_ms`` of ``resolver`` steps in its last
    finished runs). Nothing measured: no figure, and the reason."""
    hits = sum(int((r.cache_stats or {}).get("cache_hits", 0) or 0) for r in figures.runs)
    recent = (
        select(Run.id)
        .where(Run.project_id == figures.milestone.project_id, Run.finished_at.is_not(None))
        .order_by(Run.finished_at.desc())
        .limit(RESOLVER_SAMPLE_RUNS)
    )
    durations: list[float] = []
    for steps in await session.scalars(select(RunTest.steps).where(RunTest.run_id.in_(recent))):
        for step in steps or []:
            if not isinstance(step, dict) or step.get("decision") != "resolver":
                continue
            duration = step.get("duration_ms")
            if (
                isinstance(duration, int | float)
                and not isinstance(duration, bool)
                and duration > 0
            ):
                durations.append(float(duration))
    if not durations:
        return {
            "cache_hits": hits,
            "resolver_steps_measured": 0,
            "mean_resolver_ms": None,
            "seconds": None,
            "reason": "no resolver step of this project has a measured duration yet",
        }
    mean = sum(durations) / len(durations)
    return {
        "cache_hits": hits,
        "resolver_steps_measured": len(durations),
        "mean_resolver_ms": round(mean, 1),
        "seconds": round(hits * mean / 1000, 1),
        "reason": None,
    }


async def report(session: AsyncSession, figures: Figures) -> dict[str, Any]:
    counts = figures.counts()
    opened: Counter[str] = Counter(d.severity for d in figures.defects)
    closed: Counter[str] = Counter(
        d.severity for d in figures.defects if d.status == DefectStatus.CLOSED.value
    )
    flaky: list[str] = []
    if figures.run_ids:
        flaky = sorted(
            set(
                await session.scalars(
                    select(RunTest.node_id).where(
                        RunTest.run_id.in_(figures.run_ids), RunTest.flaky.is_(True)
                    )
                )
            )
        )
    return {
        "cases": counts,
        "pass_rate": round(counts["passed"] / counts["executed"], 4)
        if counts["executed"]
        else None,
        "runs": figures.run_figures(),
        "defects_opened": {s.value: opened.get(s.value, 0) for s in Severity},
        "defects_closed": {s.value: closed.get(s.value, 0) for s in Severity},
        "flaky_tests": flaky,
        "time_saved": await time_saved(session, figures),
    }


def report_csv_rows(name: str, body: dict[str, Any]) -> list[list[str]]:
    rows = [["section", "item", "value"], ["milestone", "name", name]]
    for key, value in body["cases"].items():
        rows.append(["cases", key, str(value)])
    rows.append(["cases", "pass_rate", "" if body["pass_rate"] is None else str(body["pass_rate"])])
    for key, value in body["runs"].items():
        rows.append(["runs", key, str(value)])
    for severity, value in body["defects_opened"].items():
        rows.append(["defects_opened", severity, str(value)])
    for severity, value in body["defects_closed"].items():
        rows.append(["defects_closed", severity, str(value)])
    for node_id in body["flaky_tests"]:
        rows.append(["flaky_tests", node_id, "flaky"])
    saved = body["time_saved"]
    rows.append(["time_saved", "cache_hits", str(saved["cache_hits"])])
    rows.append(
        [
            "time_saved",
            "mean_resolver_ms",
            "" if saved["mean_resolver_ms"] is None else str(saved["mean_resolver_ms"]),
        ]
    )
    rows.append(
        ["time_saved", "seconds", "" if saved["seconds"] is None else str(saved["seconds"])]
    )
    if saved["reason"]:
        rows.append(["time_saved", "reason", saved["reason"]])
    return rows


async def project_of(session: AsyncSession, milestone: Milestone) -> Project:
    project = await session.get(Project, milestone.project_id)
    assert project is not None
    return project


async def trend(session: AsyncSession, project_id: uuid.UUID) -> list[dict[str, Any]]:
    """Each milestone of the project, oldest first (by start, due, then creation date)."""
    milestones = list(
        (
            await session.execute(select(Milestone).where(Milestone.project_id == project_id))
        ).scalars()
    )
    milestones.sort(key=lambda m: (m.start_date or m.due_date or m.created_at.date(), m.name))
    points = []
    for milestone in milestones:
        figures = await gather(session, milestone)
        counts = figures.counts()
        automated = 0
        if figures.cases:
            automated = int(
                await session.scalar(
                    select(func.count())
                    .select_from(TestCase)
                    .where(TestCase.id.in_(list(figures.cases)), TestCase.automation == "automated")
                )
                or 0
            )
        points.append(
            {
                "milestone_id": milestone.id,
                "name": milestone.name,
                "status": milestone.status,
                "start_date": milestone.start_date,
                "due_date": milestone.due_date,
                "planned": counts["planned"],
                "executed": counts["executed"],
                "passed": counts["passed"],
                "pass_rate": round(counts["passed"] / counts["executed"], 4)
                if counts["executed"]
                else None,
                "automated_share": round(automated / counts["planned"], 4)
                if counts["planned"]
                else None,
                "defects": len(figures.defects),
            }
        )
    return points
