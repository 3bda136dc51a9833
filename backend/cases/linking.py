"""Linking automated tests to cases when a run has finished (a hook registered with
``backend.runs.hooks``: runs never import cases).

For every test result of the run:

* a ``@pytest.mark.case("TC-12")`` marker links the test to that case (the marker moving
  with a renamed test keeps the case);
* else a test already linked keeps its case;
* else a renamed test is recognised: a linked test of the same file and the same body
  (hash of its source without its name) that this run did not report keeps its case,
  now under the new name;
* else, unless the project turned it off, a case is created (automated; the title from
  the test's name and the first line of its docstring).

Each linked result is added to the case's history, and to every open plan run holding
the case (an automated result).
"""

from __future__ import annotations

import uuid
from typing import Any

from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cases import service
from backend.cases.models import (
    CaseLink,
    CaseResult,
    PlanRun,
    PlanRunCase,
    PlanRunResult,
    TestCase,
)
from backend.kit.time import utcnow
from backend.projects.models import Project
from backend.runs.models import Run, RunTest

# A run's outcome -> a plan run's result.
PLAN_STATUS = {"passed": "passed", "failed": "failed", "error": "failed", "skipped": "skipped"}


def _name_and_params(node_id: str) -> tuple[str, str]:
    """``tests/a.py::Cls::test_x[1-2]`` -> (``test_x``, ``[1-2]``)."""
    last = node_id.rsplit("::", 1)[-1]
    name, bracket, params = last.partition("[")
    return name, f"{bracket}{params}"


def title_for(node_id: str, doc: str | None) -> str:
    name, params = _name_and_params(node_id)
    words = name.removeprefix("test_").removeprefix("test").replace("_", " ").strip() or name
    title = words[:1].upper() + words[1:] + (f" {params}" if params else "")
    first = (doc or "").strip().splitlines()[0].strip() if (doc or "").strip() else ""
    return f"{title}: {first}"[:500] if first else title[:500]


def _meta(test: RunTest) -> dict[str, Any]:
    meta = test.meta if isinstance(test.meta, dict) else {}
    return meta


def _file(test: RunTest) -> str:
    meta = _meta(test)
    return str(meta.get("file") or test.node_id.split("::", 1)[0])


async def _follow_merges(session: AsyncSession, case: TestCase) -> TestCase:
    seen = {case.id}
    while case.merged_into_id is not None:
        target = await session.get(TestCase, case.merged_into_id)
        if target is None or target.id in seen:
            break
        seen.add(target.id)
        case = target
    return case


async def _link(
    session: AsyncSession,
    project_id: uuid.UUID,
    links: dict[str, CaseLink],
    test: RunTest,
    case_id: uuid.UUID,
    source: str,
) -> CaseLink:
    meta = _meta(test)
    link = links.get(test.node_id)
    if link is None:
        link = CaseLink(
            id=uuid.uuid4(),
            project_id=project_id,
            case_id=case_id,
            node_id=test.node_id,
            file=_file(test),
            body_hash=meta.get("body_hash"),
            source=source,
        )
        session.add(link)
        links[test.node_id] = link
    else:
        if link.case_id != case_id:
            link.case_id = case_id
            link.source = source
        link.file = _file(test)
        link.body_hash = meta.get("body_hash") or link.body_hash
        link.last_seen_at = utcnow()
    return link


async def link_run(session: AsyncSession, run: Run) -> int:
    """Link the run's tests and record their results; the number of results recorded."""
    project = await session.get(Project, run.project_id)
    if project is None:
        return 0
    tests = list(
        await session.scalars(
            select(RunTest).where(RunTest.run_id == run.id).order_by(RunTest.node_id)
        )
    )
    if not tests:
        return 0
    settings = await service.project_settings(session, project.id)
    links = {
        link.node_id: link
        for link in await session.scalars(select(CaseLink).where(CaseLink.project_id == project.id))
    }
    reported = {t.node_id for t in tests}
    recorded = 0
    for test in tests:
        if "::" not in test.node_id:
            continue  # a collection error of a file, not a test
        case = await _case_for(session, project, settings.auto_create, links, reported, test)
        if case is None:
            continue
        await _record(session, run, test, case)
        recorded += 1
    await session.flush()
    return recorded


async def _case_for(
    session: AsyncSession,
    project: Project,
    auto_create: bool,
    links: dict[str, CaseLink],
    reported: set[str],
    test: RunTest,
) -> TestCase | None:
    meta = _meta(test)
    keys = [str(k) for k in meta.get("cases") or [] if isinstance(k, str | int)]
    for key in keys:
        marked = await service.case_by_key(session, project.id, str(key))
        if marked is None:
            logger.info("run test {}: no case {} in the project", test.node_id, key)
            continue
        marked = await _follow_merges(session, marked)
        await _link(session, project.id, links, test, marked.id, "marker")
        if marked.automation != "automated":
            marked.automation = "automated"
        return marked
    link = links.get(test.node_id)
    if link is not None:
        await _link(session, project.id, links, test, link.case_id, link.source)
        linked = await session.get(TestCase, link.case_id)
        return await _follow_merges(session, linked) if linked else None
    renamed = _renamed_from(links, reported, test)
    if renamed is not None:
        del links[renamed.node_id]
        renamed.node_id = test.node_id
        renamed.source = "rename"
        renamed.last_seen_at = utcnow()
        links[test.node_id] = renamed
        linked = await session.get(TestCase, renamed.case_id)
        return await _follow_merges(session, linked) if linked else None
    if not auto_create:
        return None
    created = await service.create_case(
        session,
        project,
        {
            "title": title_for(test.node_id, meta.get("doc")),
            "automation": "automated",
            "status": "ready",
            "tags": [m for m in meta.get("markers") or [] if isinstance(m, str)][:20],
        },
        user_id=None,
        enforce_required=False,
    )
    try:
        async with session.begin_nested():
            await _link(session, project.id, links, test, created.id, "auto")
    except IntegrityError:
        # A concurrent run linked the same new test first: use its case, drop ours.
        links.pop(test.node_id, None)
        await session.delete(created)
        other = await session.scalar(
            select(CaseLink).where(
                CaseLink.project_id == project.id, CaseLink.node_id == test.node_id
            )
        )
        return await session.get(TestCase, other.case_id) if other else None
    return created


def _renamed_from(links: dict[str, CaseLink], reported: set[str], test: RunTest) -> CaseLink | None:
    body_hash = _meta(test).get("body_hash")
    if not body_hash:
        return None
    file = _file(test)
    _, params = _name_and_params(test.node_id)
    candidates = [
        link
        for link in links.values()
        if link.body_hash == body_hash
        and link.file == file
        and link.node_id not in reported
        and _name_and_params(link.node_id)[1] == params
    ]
    return candidates[0] if len(candidates) == 1 else None


async def _record(session: AsyncSession, run: Run, test: RunTest, case: TestCase) -> None:
    exists = await session.scalar(
        select(CaseResult.id).where(
            CaseResult.case_id == case.id, CaseResult.run_test_id == test.id
        )
    )
    if exists is None:
        session.add(
            CaseResult(
                id=uuid.uuid4(),
                case_id=case.id,
                run_id=run.id,
                run_test_id=test.id,
                node_id=test.node_id,
                outcome=test.outcome,
                created_at=run.finished_at or utcnow(),
            )
        )
    status = PLAN_STATUS.get(test.outcome)
    if status is None:
        return
    entries = await session.scalars(
        select(PlanRunCase)
        .join(PlanRun, PlanRun.id == PlanRunCase.plan_run_id)
        .where(
            PlanRunCase.case_id == case.id,
            PlanRun.status == "open",
            PlanRun.project_id == run.project_id,
        )
    )
    now = utcnow()
    for entry in entries:
        entry.status = status
        entry.source = "automated"
        entry.run_id = run.id
        entry.executed_at = now
        entry.executed_by_id = None
        session.add(
            PlanRunResult(
                id=uuid.uuid4(),
                plan_run_case_id=entry.id,
                status=status,
                source="automated",
                comment=(test.error_message or "")[:2000],
                run_id=run.id,
                run_test_id=test.id,
                recorded_at=now,
            )
        )


async def after_run_finished(session: AsyncSession, run: Run) -> None:
    """The hook registered with ``backend.runs.hooks.register_after_finish``."""
    count = await link_run(session, run)
    if count:
        logger.info("run {}: {} results linked to test cases", run.id, count)
