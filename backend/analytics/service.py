"""The analytics queries (no commits). Lists read the rollup tables (``models``) and the
raw results through their indexes; every figure is computed the same way on SQLite and
PostgreSQL (aggregates in SQL, percentiles from merged histograms in Python)."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, Uuid, cast, column, func, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from backend.analytics import sketch
from backend.analytics.models import (
    ClusterFailure,
    FailureCluster,
    MonitorSettings,
    ProjectDay,
    Quarantine,
    StatusChange,
    TestDay,
    TestSummary,
)
from backend.analytics.monitors import settings_for
from backend.analytics.quarantine import active, quarantined_tests
from backend.analytics.rollups import FAILED, chunks
from backend.analytics.schemas import (
    ClusterDetail,
    ClusterFailureOut,
    ClusterItem,
    ClusterPage,
    CompareItem,
    Comparison,
    Cost,
    DurationDelta,
    FlakyItem,
    FlakyPage,
    HistoryItem,
    HistoryPage,
    MonitorSettingsIn,
    QuarantineItem,
    QuarantinePage,
    Regression,
    RunRef,
    StatusChangeOut,
    StepSummary,
    TestItem,
    TestPage,
    TestStatus,
    TrendPoint,
    Trends,
    as_evidence,
)
from backend.auth.models import User
from backend.kit.errors import BadRequest, NotFound
from backend.kit.time import utcnow
from backend.runs.models import Run, RunTest
from backend.runs.states import RunState

REGRESSION_RATIO = 1.5
REGRESSION_MIN_MS = 50.0  # below this, a test "twice as slow" is noise
DEFAULT_DAYS = 30
COMPARE_DELTAS = 100
FINISHED = tuple(
    s.value for s in (RunState.PASSED, RunState.FAILED, RunState.ERROR, RunState.TIMED_OUT)
)


# --------------------------------------------------------------------------- tests


def _item(row: TestSummary, quarantined: set[str]) -> dict[str, Any]:
    return {
        "test": row.node_id,
        "file": row.file,
        "name": row.name,
        "markers": [m for m in row.markers or [] if isinstance(m, str)],
        "owner": row.owner,
        "last_outcome": row.last_outcome,
        "last_run_id": row.last_run_id,
        "last_seen_at": row.last_seen_at,
        "results": row.results,
        "failure_rate": row.failure_rate,
        "p50_ms": row.p50_ms,
        "p95_ms": row.p95_ms,
        "status": row.status,
        "quarantined": row.node_id in quarantined,
    }


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def _page(
    session: AsyncSession, query: Select[Any], limit: int, offset: int
) -> tuple[list[TestSummary], int]:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = await session.scalars(query.limit(limit).offset(offset))
    return list(rows), int(total or 0)


async def search_tests(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    q: str | None = None,
    file: str | None = None,
    marker: str | None = None,
    outcome: str | None = None,
    owner: str | None = None,
    status: str | None = None,
    quarantined: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> TestPage:
    query = select(TestSummary).where(TestSummary.project_id == project_id)
    if q:
        query = query.where(func.lower(TestSummary.node_id).like(_like(q), escape="\\"))
    if file:
        query = query.where(func.lower(TestSummary.file).like(_like(file), escape="\\"))
    if marker:
        # The markers JSON as text contains the quoted name on both databases.
        query = query.where(
            func.lower(cast(TestSummary.markers, String)).like(_like(f'"{marker}"'), escape="\\")
        )
    if outcome:
        query = query.where(TestSummary.last_outcome == outcome)
    if owner:
        query = query.where(TestSummary.owner == owner)
    if status:
        query = query.where(TestSummary.status == status)
    active_ids = select(Quarantine.node_id).where(
        Quarantine.project_id == project_id, Quarantine.released_at.is_(None)
    )
    if quarantined is True:
        query = query.where(TestSummary.node_id.in_(active_ids))
    elif quarantined is False:
        query = query.where(TestSummary.node_id.not_in(active_ids))
    rows, total = await _page(session, query.order_by(TestSummary.node_id), limit, offset)
    current = await quarantined_tests(session, project_id)
    return TestPage(items=[TestItem(**_item(r, current)) for r in rows], total=total)


async def flaky_tests(
    session: AsyncSession, project_id: uuid.UUID, *, limit: int = 50, offset: int = 0
) -> FlakyPage:
    query = (
        select(TestSummary)
        .where(TestSummary.project_id == project_id, TestSummary.status.in_(["flaky", "broken"]))
        .order_by(TestSummary.status, TestSummary.status_since.desc(), TestSummary.node_id)
    )
    rows, total = await _page(session, query, limit, offset)
    current = await quarantined_tests(session, project_id)
    return FlakyPage(
        items=[
            FlakyItem(**_item(r, current), evidence=as_evidence(r.evidence or [])) for r in rows
        ],
        total=total,
    )


def _steps(steps: Sequence[Any]) -> list[StepSummary]:
    out = []
    for step in steps or []:
        if not isinstance(step, dict):
            continue
        text = step.get("instruction") or step.get("text") or ""
        decision = step.get("decision")
        matched_by = step.get("matched_by")
        out.append(
            StepSummary(
                text=str(text),
                decision=str(decision) if decision is not None else None,
                matched_by=str(matched_by) if matched_by else None,
            )
        )
    return out


def _history_query(
    project_id: uuid.UUID,
    test: str,
    branch: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    query = (
        select(RunTest, Run)
        .join(Run, Run.id == RunTest.run_id)
        .where(RunTest.node_id == test, Run.project_id == project_id)
    )
    if branch:
        query = query.where(Run.branch == branch)
    if since:
        query = query.where(Run.finished_at >= since)
    if until:
        query = query.where(Run.finished_at <= until)
    return query


async def history(
    session: AsyncSession,
    project_id: uuid.UUID,
    test: str,
    *,
    branch: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> HistoryPage:
    query = _history_query(project_id, test, branch, since, until)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(Run.finished_at.desc(), Run.created_at.desc(), Run.id)
        .limit(limit)
        .offset(offset)
    )
    items = [
        HistoryItem(
            run_id=run.id,
            run_number=None,
            branch=run.branch,
            commit_sha=run.commit_sha,
            trigger=run.trigger,
            outcome=result.outcome,
            duration_ms=round(result.duration * 1000, 1),
            retries=result.retries,
            flaky=result.flaky,
            error_message=result.error_message,
            finished_at=run.finished_at,
            steps=_steps(result.steps),
        )
        for result, run in rows
    ]
    return HistoryPage(items=items, total=int(total or 0))


def _quarantine_item(row: Quarantine, names: dict[uuid.UUID, str]) -> QuarantineItem:
    return QuarantineItem(
        test=row.node_id,
        reason=row.reason,
        by="monitor" if row.by == "monitor" else "user",
        by_user=names.get(row.by_user_id) if row.by_user_id else None,
        since=row.since,
        consecutive_passes=row.consecutive_passes,
    )


async def _user_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {user_id: email for user_id, email in rows}


async def test_status(session: AsyncSession, project_id: uuid.UUID, test: str) -> TestStatus:
    summary = await session.scalar(
        select(TestSummary).where(TestSummary.project_id == project_id, TestSummary.node_id == test)
    )
    quarantine = await session.scalar(
        select(Quarantine).where(
            Quarantine.project_id == project_id,
            Quarantine.node_id == test,
            Quarantine.released_at.is_(None),
        )
    )
    if summary is None and quarantine is None:
        raise NotFound("No results of this test in the project.", details={"field": "test"})
    changes = await session.scalars(
        select(StatusChange)
        .where(StatusChange.project_id == project_id, StatusChange.node_id == test)
        .order_by(StatusChange.at.desc())
        .limit(100)
    )
    names = await _user_names(
        session, {quarantine.by_user_id} if quarantine and quarantine.by_user_id else set()
    )
    return TestStatus(
        test=test,
        status=summary.status if summary else "healthy",
        since=summary.status_since if summary else None,
        quarantined=quarantine is not None,
        quarantine=_quarantine_item(quarantine, names) if quarantine else None,
        evidence=as_evidence(summary.evidence if summary else []),
        changes=[StatusChangeOut(status=c.status, at=c.at, reason=c.reason) for c in changes],
    )


# --------------------------------------------------------------------------- compare


async def project_run(session: AsyncSession, project_id: uuid.UUID, run_id: uuid.UUID) -> Run:
    run = await session.get(Run, run_id)
    if run is None or run.project_id != project_id:
        raise NotFound("No such run in this project.", details={"run_id": str(run_id)})
    return run


def _ref(run: Run) -> RunRef:
    return RunRef(
        id=run.id,
        branch=run.branch,
        commit_sha=run.commit_sha,
        status=run.status,
        finished_at=run.finished_at,
        total=run.total,
    )


async def compare(
    session: AsyncSession, project_id: uuid.UUID, base_id: uuid.UUID, head_id: uuid.UUID
) -> Comparison:
    base = await project_run(session, project_id, base_id)
    head = await project_run(session, project_id, head_id)

    async def results(run: Run) -> dict[str, tuple[str, float, str | None, bool]]:
        rows = await session.execute(
            select(
                RunTest.node_id,
                RunTest.outcome,
                RunTest.duration,
                RunTest.error_message,
                RunTest.flaky,
            ).where(RunTest.run_id == run.id)
        )
        return {n: (o, d or 0.0, e, bool(f)) for n, o, d, e, f in rows}

    before, after = await results(base), await results(head)
    lists: dict[str, list[CompareItem]] = defaultdict(list)
    deltas = []
    for node in sorted(set(before) | set(after)):
        b, a = before.get(node), after.get(node)
        item = CompareItem(
            test=node,
            outcome_base=b[0] if b else None,
            outcome_head=a[0] if a else None,
            error_message=(a[2] if a and a[0] in FAILED else None) or (b[2] if b else None),
        )
        if b is None:
            lists["added"].append(item)
            continue
        if a is None:
            lists["removed"].append(item)
            continue
        if a[3] or b[3]:
            lists["flaky"].append(item)
        failed_before, failed_after = b[0] in FAILED, a[0] in FAILED
        if failed_after and failed_before:
            lists["still_failing"].append(item)
        elif failed_after:
            lists["new_failures"].append(item)
        elif failed_before and a[0] == "passed":
            lists["fixed"].append(item)
        if b[0] in ("passed", "failed", "error") and a[0] in ("passed", "failed", "error"):
            base_ms, head_ms = round(b[1] * 1000, 1), round(a[1] * 1000, 1)
            deltas.append(
                DurationDelta(
                    test=node,
                    base_ms=base_ms,
                    head_ms=head_ms,
                    delta_ms=round(head_ms - base_ms, 1),
                )
            )
    deltas.sort(key=lambda d: (-abs(d.delta_ms), d.test))
    return Comparison(
        base=_ref(base),
        head=_ref(head),
        new_failures=lists["new_failures"],
        fixed=lists["fixed"],
        still_failing=lists["still_failing"],
        flaky=lists["flaky"],
        added=lists["added"],
        removed=lists["removed"],
        duration_deltas=deltas[:COMPARE_DELTAS],
    )


# --------------------------------------------------------------------------- trends


def _bucket_start(day: date, bucket: str) -> date:
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


async def trends(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    test: str | None,
    since: datetime | None,
    bucket: str,
) -> Trends:
    start = (since or utcnow() - timedelta(days=DEFAULT_DAYS)).date()
    rows: Sequence[tuple[date, int, int, dict[str, Any]]]
    if test:
        found = await session.execute(
            select(TestDay.day, TestDay.results, TestDay.passed, TestDay.histogram).where(
                TestDay.project_id == project_id,
                TestDay.node_id == test,
                TestDay.day >= start,
            )
        )
        rows = [(d, r, p, h) for d, r, p, h in found]
    else:
        found = await session.execute(
            select(
                ProjectDay.day, ProjectDay.results, ProjectDay.passed, ProjectDay.histogram
            ).where(ProjectDay.project_id == project_id, ProjectDay.day >= start)
        )
        rows = [(d, r, p, h) for d, r, p, h in found]
    grouped: dict[date, list[tuple[date, int, int, dict[str, Any]]]] = defaultdict(list)
    for row in rows:
        grouped[_bucket_start(row[0], bucket)].append(row)
    points = []
    for key in sorted(grouped):
        group = grouped[key]
        results = sum(r[1] for r in group)
        passed = sum(r[2] for r in group)
        merged = sketch.merge(r[3] for r in group)
        points.append(
            TrendPoint(
                bucket_start=key,
                results=results,
                p50_ms=sketch.percentile(merged, 0.5),
                p95_ms=sketch.percentile(merged, 0.95),
                pass_rate=round(passed / results, 4) if results else None,
            )
        )
    query = (
        select(TestSummary.node_id, TestSummary.recent_p50_ms, TestSummary.baseline_p50_ms)
        .where(
            TestSummary.project_id == project_id,
            TestSummary.baseline_p50_ms.is_not(None),
            TestSummary.recent_p50_ms >= REGRESSION_MIN_MS,
            TestSummary.recent_p50_ms >= TestSummary.baseline_p50_ms * REGRESSION_RATIO,
        )
        .order_by((TestSummary.recent_p50_ms / TestSummary.baseline_p50_ms).desc())
        .limit(50)
    )
    if test:
        query = query.where(TestSummary.node_id == test)
    regressions = [
        Regression(
            test=node,
            recent_p50_ms=recent,
            baseline_p50_ms=baseline,
            ratio=round(recent / baseline, 2),
        )
        for node, recent, baseline in await session.execute(query)
        if recent is not None and baseline
    ]
    return Trends(test=test, bucket=bucket, points=points, regressions=regressions)


# --------------------------------------------------------------------------- settings


async def get_settings(session: AsyncSession, project_id: uuid.UUID) -> MonitorSettingsIn:
    return await settings_for(session, project_id)


async def put_settings(
    session: AsyncSession, project_id: uuid.UUID, body: MonitorSettingsIn, user_id: uuid.UUID
) -> MonitorSettingsIn:
    row = await session.get(MonitorSettings, project_id)
    if row is None:
        row = MonitorSettings(project_id=project_id)
        session.add(row)
    row.monitors = body.model_dump()
    row.updated_at = utcnow()
    row.updated_by_id = user_id
    await session.flush()
    return body


# --------------------------------------------------------------------------- quarantine


async def quarantine_list(
    session: AsyncSession, project_id: uuid.UUID, *, limit: int, offset: int
) -> QuarantinePage:
    rows = await active(session, project_id)
    names = await _user_names(session, {r.by_user_id for r in rows if r.by_user_id})
    page = rows[offset : offset + limit]
    return QuarantinePage(items=[_quarantine_item(r, names) for r in page], total=len(rows))


async def quarantine_item(session: AsyncSession, row: Quarantine) -> QuarantineItem:
    names = await _user_names(session, {row.by_user_id} if row.by_user_id else set())
    return _quarantine_item(row, names)


# --------------------------------------------------------------------------- clusters


async def _suggestions(
    session: AsyncSession, project_id: uuid.UUID, clusters: Sequence[FailureCluster]
) -> dict[uuid.UUID, str]:
    """For an undecided cluster: the decision of the latest decided cluster with the same
    message (another code path, same failure)."""
    undecided = [c for c in clusters if c.decision is None]
    if not undecided:
        return {}
    rows = await session.execute(
        select(
            FailureCluster.message_fingerprint, FailureCluster.decision, FailureCluster.decided_at
        )
        .where(
            FailureCluster.project_id == project_id,
            FailureCluster.decision.is_not(None),
            FailureCluster.message_fingerprint.in_({c.message_fingerprint for c in undecided}),
        )
        .order_by(FailureCluster.decided_at)
    )
    by_message = {fp: decision for fp, decision, _ in rows if decision is not None}
    return {
        c.id: by_message[c.message_fingerprint]
        for c in undecided
        if c.message_fingerprint in by_message
    }


def _cluster_item(row: FailureCluster, suggested: dict[uuid.UUID, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "fingerprint": row.fingerprint,
        "sample_error": row.sample_error,
        "tests_count": row.tests_count,
        "failures_count": row.failures_count,
        "first_seen": row.first_seen,
        "last_seen": row.last_seen,
        "decision": row.decision,
        "note": row.note,
        "defect_id": row.defect_id,
        "suggested_decision": suggested.get(row.id),
    }


async def clusters(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    decision: str | None,
    limit: int,
    offset: int,
) -> ClusterPage:
    query = select(FailureCluster).where(FailureCluster.project_id == project_id)
    if decision == "none":
        query = query.where(FailureCluster.decision.is_(None))
    elif decision:
        query = query.where(FailureCluster.decision == decision)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(
        await session.scalars(
            query.order_by(FailureCluster.last_seen.desc(), FailureCluster.id)
            .limit(limit)
            .offset(offset)
        )
    )
    suggested = await _suggestions(session, project_id, rows)
    return ClusterPage(
        items=[ClusterItem(**_cluster_item(r, suggested)) for r in rows], total=int(total or 0)
    )


async def project_cluster(
    session: AsyncSession, project_id: uuid.UUID, cluster_id: uuid.UUID
) -> FailureCluster:
    row = await session.get(FailureCluster, cluster_id)
    if row is None or row.project_id != project_id:
        raise NotFound("No such failure cluster in this project.")
    return row


async def cluster_detail(
    session: AsyncSession, project_id: uuid.UUID, cluster_id: uuid.UUID, *, limit: int = 50
) -> ClusterDetail:
    row = await project_cluster(session, project_id, cluster_id)
    failures = await session.execute(
        select(ClusterFailure, RunTest.error_message)
        .join(RunTest, RunTest.id == ClusterFailure.run_test_id)
        .where(ClusterFailure.cluster_id == row.id)
        .order_by(ClusterFailure.at.desc(), ClusterFailure.id)
        .limit(limit)
    )
    tests = await session.scalars(
        select(ClusterFailure.node_id)
        .where(ClusterFailure.cluster_id == row.id)
        .group_by(ClusterFailure.node_id)
        .order_by(ClusterFailure.node_id)
        .limit(500)
    )
    suggested = await _suggestions(session, project_id, [row])
    return ClusterDetail(
        **_cluster_item(row, suggested),
        normalized=row.normalized,
        tests=list(tests),
        failures=[
            ClusterFailureOut(
                run_id=f.run_id,
                test=f.node_id,
                at=f.at,
                error_message=error,
                suggested_decision=f.suggested_decision,
            )
            for f, error in failures
        ],
    )


# The defects table (QA management, backend.defects) read as a Core view: defects import
# the fingerprint module, so importing their models back would make a package cycle.
_DEFECTS = table("defects", column("id", Uuid()), column("project_id", Uuid()))


async def decide_cluster(
    session: AsyncSession,
    project_id: uuid.UUID,
    cluster_id: uuid.UUID,
    *,
    decision: str | None,
    note: str | None,
    defect_id: uuid.UUID | None,
    user_id: uuid.UUID,
) -> ClusterDetail:
    row = await project_cluster(session, project_id, cluster_id)
    if defect_id is not None:
        owner = await session.scalar(
            select(_DEFECTS.c.project_id).where(_DEFECTS.c.id == defect_id)
        )
        if owner != project_id:
            raise BadRequest(
                "No such defect in this project.",
                code="unknown_defect",
                details={"field": "defect_id"},
            )
    row.decision = decision
    row.note = note
    row.defect_id = defect_id
    row.decided_by_id = user_id if decision else None
    row.decided_at = utcnow() if decision else None
    await session.flush()
    return await cluster_detail(session, project_id, cluster_id)


# --------------------------------------------------------------------------- cost


async def cost(session: AsyncSession, project_id: uuid.UUID, since: datetime | None) -> Cost:
    start = since or utcnow() - timedelta(days=DEFAULT_DAYS)
    day = start.date()
    retry = await session.scalar(  # the project's daily rows carry the suite's sum
        select(func.coalesce(func.sum(ProjectDay.retry_s), 0.0)).where(
            ProjectDay.project_id == project_id, ProjectDay.day >= day
        )
    )
    flaky_nodes = list(
        await session.scalars(
            select(TestSummary.node_id).where(
                TestSummary.project_id == project_id, TestSummary.status == "flaky"
            )
        )
    )
    flaky_seconds, flaky_failures = 0.0, 0
    for part in chunks(flaky_nodes):
        found = (
            await session.execute(
                select(
                    func.coalesce(func.sum(TestDay.failed_duration_s), 0.0),
                    func.coalesce(func.sum(TestDay.failures), 0),
                ).where(
                    TestDay.project_id == project_id,
                    TestDay.node_id.in_(part),
                    TestDay.day >= day,
                )
            )
        ).one()
        flaky_seconds += float(found[0])
        flaky_failures += int(found[1])
    avoided = await session.scalar(
        select(func.coalesce(func.sum(ProjectDay.cache_hits), 0)).where(
            ProjectDay.project_id == project_id, ProjectDay.day >= day
        )
    )
    measured = (
        await session.execute(
            select(
                func.coalesce(func.sum(ProjectDay.resolver_ms), 0.0),
                func.coalesce(func.sum(ProjectDay.resolver_calls), 0),
            ).where(ProjectDay.project_id == project_id)
        )
    ).one()
    per_call = round(float(measured[0]) / int(measured[1]), 1) if int(measured[1]) else None
    calls = int(avoided or 0)
    return Cost(
        since=start,
        retry_seconds=round(float(retry or 0.0), 3),
        failed_flaky_run_seconds=round(flaky_seconds, 3),
        flaky_failures=flaky_failures,
        resolver_calls_avoided=calls,
        resolver_seconds_avoided=round(calls * per_call / 1000, 3)
        if per_call is not None
        else None,
        resolver_ms_measured=per_call,
    )


# --------------------------------------------------------------------------- export


def _csv_lines(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()


async def export_rows(
    session: AsyncSession, query: Any, header: Sequence[str]
) -> AsyncIterator[str]:
    """CSV lines of a query, streamed from a server-side cursor in batches."""
    yield _csv_lines([header])
    result = await session.stream(query.execution_options(yield_per=2000))
    async for partition in result.partitions(2000):
        yield _csv_lines(partition)


RUN_COLUMNS = (
    "run_id",
    "created_at",
    "finished_at",
    "status",
    "trigger",
    "branch",
    "commit_sha",
    "total",
    "passed",
    "failed",
    "errors",
    "skipped",
    "flaky",
    "duration_s",
)


def runs_query(project_id: uuid.UUID) -> Any:
    return (
        select(
            Run.id,
            Run.created_at,
            Run.finished_at,
            Run.status,
            Run.trigger,
            Run.branch,
            Run.commit_sha,
            Run.total,
            Run.passed,
            Run.failed,
            Run.errors,
            Run.skipped,
            Run.flaky,
            Run.duration,
        )
        .where(Run.project_id == project_id)
        .order_by(Run.created_at.desc(), Run.id)
    )


RESULT_COLUMNS = (
    "run_id",
    "finished_at",
    "branch",
    "commit_sha",
    "test",
    "outcome",
    "duration_s",
    "retries",
    "flaky",
    "error_message",
)


def results_query(
    project_id: uuid.UUID, *, since: datetime | None = None, test: str | None = None
) -> Any:
    query = (
        select(
            Run.id,
            Run.finished_at,
            Run.branch,
            Run.commit_sha,
            RunTest.node_id,
            RunTest.outcome,
            RunTest.duration,
            RunTest.retries,
            RunTest.flaky,
            RunTest.error_message,
        )
        .join(Run, Run.id == RunTest.run_id)
        .where(Run.project_id == project_id)
    )
    if since is not None:
        query = query.where(Run.finished_at >= since)
    if test is not None:
        query = query.where(RunTest.node_id == test)
    return query.order_by(Run.finished_at.desc(), Run.id, RunTest.node_id)
