"""Test plans (a selection of cases, by suite, section, tags, saved filter or by hand, for a
milestone) and their runs: the selected cases snapshotted, assigned to testers, executed
by hand (passed, failed, blocked, skipped, retest; comment, time spent) or by platform
runs of linked tests (``backend.cases.linking`` attaches those results); progress per
plan run and per assignee."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cases import fields as custom_fields
from backend.cases import service
from backend.cases.models import (
    PlanRun,
    PlanRunCase,
    PlanRunResult,
    SavedFilter,
    TestCase,
    TestPlan,
)
from backend.cases.schemas import (
    AssigneeProgress,
    CaseQuery,
    PlanRunCaseOut,
    PlanRunDetail,
    PlanRunOut,
    PlanSelection,
    Progress,
)
from backend.kit.errors import Conflict, NotFound, Unprocessable
from backend.kit.time import utcnow
from backend.projects.models import Project

EXECUTED = ("passed", "failed", "blocked", "skipped")


async def check_selection(
    session: AsyncSession, project_id: uuid.UUID, selection: PlanSelection
) -> dict[str, Any]:
    """The selection as stored; 422 naming a saved filter or case of another project."""
    if selection.filter_id is not None:
        saved = await session.get(SavedFilter, selection.filter_id)
        if saved is None or saved.project_id != project_id:
            raise Unprocessable(
                "No such saved filter in this project.",
                details=[{"field": "selection.filter_id", "message": "no such saved filter"}],
            )
    if selection.case_ids:
        await service.cases_in_project(
            session, project_id, selection.case_ids, "selection.case_ids"
        )
    return selection.model_dump(mode="json")


async def selected_cases(
    session: AsyncSession, project_id: uuid.UUID, selection: dict[str, Any]
) -> list[TestCase]:
    """The listed cases plus those matching the suites/sections/tags and the saved filter;
    deprecated and merged cases never. Empty selection: no case."""
    chosen = PlanSelection.model_validate(selection)
    found: dict[uuid.UUID, TestCase] = {}
    if chosen.case_ids:
        rows = await session.scalars(
            select(TestCase).where(
                TestCase.project_id == project_id, TestCase.id.in_(chosen.case_ids)
            )
        )
        found.update({c.id: c for c in rows})
    by_query = chosen.suite_ids or chosen.section_ids or chosen.tags or chosen.filter_id
    if by_query:
        base: dict[str, Any] = {}
        if chosen.filter_id is not None:
            saved = await session.get(SavedFilter, chosen.filter_id)
            if saved is not None and saved.project_id == project_id:
                base = dict(saved.query)
        query = CaseQuery.model_validate(base)
        update: dict[str, Any] = {}
        if chosen.suite_ids:
            update["suite_ids"] = chosen.suite_ids
        if chosen.section_ids:
            update["section_ids"] = chosen.section_ids
        if chosen.tags:
            update["tags"] = list(dict.fromkeys([*query.tags, *chosen.tags]))
        query = query.model_copy(update=update)
        found.update({c.id: c for c in await service.search(session, project_id, query)})
    cases = [c for c in found.values() if c.status != "deprecated" and c.merged_into_id is None]
    return sorted(cases, key=lambda c: c.number)


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> TestPlan:
    plan = await session.get(TestPlan, plan_id)
    if plan is None:
        raise NotFound("No such test plan.")
    return plan


async def list_plans(session: AsyncSession, project_id: uuid.UUID) -> list[TestPlan]:
    rows = await session.scalars(
        select(TestPlan).where(TestPlan.project_id == project_id).order_by(TestPlan.created_at)
    )
    return list(rows)


async def create_plan_run(
    session: AsyncSession,
    project: Project,
    plan: TestPlan,
    *,
    name: str | None,
    assignee_id: uuid.UUID | None,
    user_id: uuid.UUID,
) -> PlanRun:
    """A run of the plan: its selected cases now, each untested until a result comes."""
    if assignee_id is not None:
        await check_assignee(session, project, assignee_id, "assignee_id")
    cases = await selected_cases(session, project.id, dict(plan.selection))
    if not cases:
        raise Conflict("The plan selects no case.", code="plan_empty")
    plan_run = PlanRun(
        id=uuid.uuid4(),
        plan_id=plan.id,
        project_id=project.id,
        name=name or f"{plan.name} — {utcnow():%Y-%m-%d %H:%M}",
        milestone_id=plan.milestone_id,
        status="open",
        created_by_id=user_id,
    )
    session.add(plan_run)
    await session.flush()
    for case in cases:
        session.add(
            PlanRunCase(
                id=uuid.uuid4(),
                plan_run_id=plan_run.id,
                case_id=case.id,
                assignee_id=assignee_id,
                status="untested",
                comment="",
            )
        )
    await session.flush()
    return plan_run


async def check_assignee(
    session: AsyncSession, project: Project, user_id: uuid.UUID, field: str
) -> None:
    if user_id not in await custom_fields.project_members(session, project):
        raise Unprocessable(
            "The assignee must be a member of the organisation.",
            details=[{"field": field, "message": "not a member of the organisation"}],
        )


def _open(plan_run: PlanRun) -> None:
    if plan_run.status != "open":
        raise Conflict("The plan run is closed.", code="plan_run_closed")


async def _entries(
    session: AsyncSession, plan_run: PlanRun, case_ids: Sequence[uuid.UUID], field: str
) -> list[PlanRunCase]:
    rows = await session.scalars(
        select(PlanRunCase).where(
            PlanRunCase.plan_run_id == plan_run.id, PlanRunCase.case_id.in_(list(case_ids))
        )
    )
    found = {e.case_id: e for e in rows}
    missing = [str(i) for i in case_ids if i not in found]
    if missing:
        raise Unprocessable(
            f"Not in this plan run: {', '.join(missing[:5])}.",
            details=[{"field": field, "message": "case not in this plan run"}],
        )
    return [found[i] for i in dict.fromkeys(case_ids)]


async def record_result(
    session: AsyncSession,
    plan_run: PlanRun,
    *,
    case_id: uuid.UUID,
    status: str,
    comment: str,
    time_spent_seconds: int | None,
    user_id: uuid.UUID,
) -> PlanRunCase:
    _open(plan_run)
    (entry,) = await _entries(session, plan_run, [case_id], "case_id")
    now = utcnow()
    entry.status = status
    entry.source = "manual"
    entry.comment = comment
    entry.time_spent_seconds = time_spent_seconds
    entry.run_id = None
    entry.executed_by_id = user_id
    entry.executed_at = now
    session.add(
        PlanRunResult(
            id=uuid.uuid4(),
            plan_run_case_id=entry.id,
            status=status,
            source="manual",
            comment=comment,
            time_spent_seconds=time_spent_seconds,
            recorded_by_id=user_id,
            recorded_at=now,
        )
    )
    plan_run.updated_at = now
    await session.flush()
    return entry


async def assign(
    session: AsyncSession,
    project: Project,
    plan_run: PlanRun,
    case_ids: Sequence[uuid.UUID],
    assignee_id: uuid.UUID | None,
) -> None:
    _open(plan_run)
    if assignee_id is not None:
        await check_assignee(session, project, assignee_id, "assignee_id")
    for entry in await _entries(session, plan_run, case_ids, "case_ids"):
        entry.assignee_id = assignee_id
    await session.flush()


async def close(session: AsyncSession, plan_run: PlanRun) -> PlanRun:
    _open(plan_run)
    plan_run.status = "closed"
    plan_run.closed_at = utcnow()
    await session.flush()
    return plan_run


def _count(progress: Progress, status: str) -> None:
    progress.total += 1
    setattr(progress, status, getattr(progress, status) + 1)
    if status in EXECUTED:
        progress.executed += 1


async def _rows(
    session: AsyncSession, plan_run_ids: Sequence[uuid.UUID]
) -> list[tuple[PlanRunCase, TestCase]]:
    if not plan_run_ids:
        return []
    rows = await session.execute(
        select(PlanRunCase, TestCase)
        .join(TestCase, TestCase.id == PlanRunCase.case_id)
        .where(PlanRunCase.plan_run_id.in_(list(plan_run_ids)))
        .order_by(TestCase.number)
    )
    return [(entry, case) for entry, case in rows]


def _summary(plan_run: PlanRun, rows: list[tuple[PlanRunCase, TestCase]]) -> PlanRunOut:
    progress = Progress()
    by_assignee: dict[uuid.UUID | None, AssigneeProgress] = {}
    for entry, _ in rows:
        _count(progress, entry.status)
        person = by_assignee.setdefault(
            entry.assignee_id, AssigneeProgress(assignee_id=entry.assignee_id)
        )
        _count(person, entry.status)
    return PlanRunOut(
        id=plan_run.id,
        plan_id=plan_run.plan_id,
        project_id=plan_run.project_id,
        name=plan_run.name,
        milestone_id=plan_run.milestone_id,
        status=plan_run.status,
        closed_at=plan_run.closed_at,
        created_at=plan_run.created_at,
        progress=progress,
        by_assignee=sorted(by_assignee.values(), key=lambda p: str(p.assignee_id or "")),
    )


async def summaries(session: AsyncSession, plan_runs: Sequence[PlanRun]) -> list[PlanRunOut]:
    rows = await _rows(session, [r.id for r in plan_runs])
    grouped: dict[uuid.UUID, list[tuple[PlanRunCase, TestCase]]] = {}
    for entry, case in rows:
        grouped.setdefault(entry.plan_run_id, []).append((entry, case))
    return [_summary(r, grouped.get(r.id, [])) for r in plan_runs]


async def detail(session: AsyncSession, plan_run: PlanRun) -> PlanRunDetail:
    rows = await _rows(session, [plan_run.id])
    summary = _summary(plan_run, rows)
    cases = [
        PlanRunCaseOut(
            id=entry.id,
            case_id=case.id,
            key=service.key_of(case),
            title=case.title,
            automation=case.automation,
            assignee_id=entry.assignee_id,
            status=entry.status,
            source=entry.source,
            comment=entry.comment,
            time_spent_seconds=entry.time_spent_seconds,
            run_id=entry.run_id,
            executed_by_id=entry.executed_by_id,
            executed_at=entry.executed_at,
        )
        for entry, case in rows
    ]
    return PlanRunDetail(**summary.model_dump(), cases=cases)


async def results_of(
    session: AsyncSession, plan_run: PlanRun, case_id: uuid.UUID
) -> list[PlanRunResult]:
    (entry,) = await _entries(session, plan_run, [case_id], "case_id")
    rows = await session.scalars(
        select(PlanRunResult)
        .where(PlanRunResult.plan_run_case_id == entry.id)
        .order_by(PlanRunResult.recorded_at)
    )
    return list(rows)
