"""Rollups kept when a run finishes (see ``models`` for why): per test per day, per
project per day, per test summary, failure clusters.

``Accumulator`` folds runs into memory; ``Accumulator.flush`` merges that into the
tables (loading the rows it touches, so one run or a batch of a backfill go through the
same code). ``refresh_summaries`` recomputes the per-test figures the search sorts and
filters on from the daily rows.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics import sketch
from backend.analytics.fingerprint import fingerprint
from backend.analytics.models import (
    ClusterFailure,
    FailureCluster,
    ProcessedRun,
    ProjectDay,
    TestDay,
    TestSummary,
)
from backend.cache.rates import HIT_DECISIONS
from backend.kit.time import utcnow
from backend.runs.models import Run, RunTest

COUNTED = frozenset({"passed", "failed", "error"})
FAILED = frozenset({"failed", "error"})
# A run counts as an infrastructure failure only with at least this many results: a
# one-test run that failed is a failure, not an outage.
INFRA_MIN_TESTS = 5
SUMMARY_DAYS = 30  # failure_rate, p50, p95 of the search: the last 30 days
RECENT_DAYS = 7  # regressions: the last 7 days ...
BASELINE_DAYS = 28  # ... against the 28 days before them
MIN_TREND_RESULTS = 5
CHUNK = 500


def split_node_id(node_id: str) -> tuple[str, str]:
    """(file, name) of a pytest node id: ``tests/a.py::Class::test[x]``."""
    file, _, name = node_id.partition("::")
    return file, name or node_id


def is_infra(outcomes: Sequence[str], share: float) -> bool:
    counted = [o for o in outcomes if o in COUNTED]
    failed = sum(1 for o in counted if o in FAILED)
    return len(counted) >= INFRA_MIN_TESTS and failed / len(counted) > share


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Day:
    results: int = 0
    passed: int = 0
    failures: int = 0
    flaky: int = 0
    retries: int = 0
    duration_s: float = 0.0
    failed_duration_s: float = 0.0
    retry_s: float = 0.0
    histogram: dict[str, int] = field(default_factory=dict)


@dataclass
class _SuiteDay(_Day):
    runs: int = 0
    cache_hits: int = 0
    resolver_calls: int = 0
    resolver_steps: int = 0
    resolver_ms: float = 0.0


@dataclass
class _Seen:
    file: str
    name: str
    markers: list[str]
    owner: str | None
    first_at: datetime
    last_at: datetime
    last_outcome: str
    last_run_id: uuid.UUID
    results: int = 0
    failures: int = 0


@dataclass
class _Failure:
    fingerprint: str
    message_fingerprint: str
    normalized: str
    error: str
    node_id: str
    run_id: uuid.UUID
    run_test_id: uuid.UUID
    at: datetime


def _meta(row: RunTest) -> tuple[list[str], str | None]:
    """Markers and owner the plugin reported (``run_tests.meta``, when present)."""
    meta = getattr(row, "meta", None)
    if not isinstance(meta, dict):
        return [], None
    markers = [m for m in meta.get("markers") or [] if isinstance(m, str)]
    owner = meta.get("owner")
    return markers, owner if isinstance(owner, str) else None


class Accumulator:
    def __init__(self, project_id: uuid.UUID) -> None:
        self.project_id = project_id
        self.days: dict[tuple[str, date], _Day] = defaultdict(_Day)
        self.suite: dict[date, _SuiteDay] = defaultdict(_SuiteDay)
        self.seen: dict[str, _Seen] = {}
        self.failures: list[_Failure] = []
        self.processed: list[ProcessedRun] = []

    def add_run(self, run: Run, rows: Sequence[RunTest], infra_share: float) -> bool:
        """Fold one finished run in; returns whether it was an infrastructure failure."""
        at = run.finished_at or utcnow()
        day = at.date()
        infra = is_infra([r.outcome for r in rows], infra_share)
        suite = self.suite[day]
        suite.runs += 1
        for row in rows:
            self._add_result(run, row, at, day, suite)
        self.processed.append(
            ProcessedRun(run_id=run.id, project_id=self.project_id, infra=infra, processed_at=at)
        )
        return infra

    def _add_result(
        self, run: Run, row: RunTest, at: datetime, day: date, suite: _SuiteDay
    ) -> None:
        node = row.node_id
        markers, owner = _meta(row)
        seen = self.seen.get(node)
        if seen is None:
            file, name = split_node_id(node)
            seen = self.seen[node] = _Seen(file, name, markers, owner, at, at, row.outcome, run.id)
        elif at >= seen.last_at:
            seen.last_at, seen.last_outcome, seen.last_run_id = at, row.outcome, run.id
            seen.markers, seen.owner = markers or seen.markers, owner or seen.owner
        for step in row.steps or []:
            if not isinstance(step, dict):
                continue
            decision = step.get("decision")
            if decision in HIT_DECISIONS:
                suite.cache_hits += 1
            elif decision == "resolver":
                calls = step.get("resolver_calls")
                suite.resolver_steps += 1
                suite.resolver_calls += calls if isinstance(calls, int) and calls > 0 else 1
                duration = step.get("duration_ms")
                suite.resolver_ms += float(duration) if isinstance(duration, int | float) else 0.0
        if row.outcome not in COUNTED:
            return
        failed = row.outcome in FAILED
        seen.results += 1
        seen.failures += failed
        duration = max(float(row.duration or 0.0), 0.0)
        # Only the last attempt's duration is stored: each re-run is taken to have lasted
        # as long (an estimate, said so in docs/analytics.md).
        retry_s = duration * (row.retries or 0)
        for target in (self.days[(node, day)], suite):
            target.results += 1
            target.passed += not failed
            target.failures += failed
            target.flaky += bool(row.flaky)
            target.retries += row.retries or 0
            target.duration_s += duration
            target.failed_duration_s += duration if failed else 0.0
            target.retry_s += retry_s
            sketch.add(target.histogram, duration * 1000)
        if failed:
            fp, message_fp, normalized = fingerprint(row.error_message, row.traceback)
            error = (row.error_message or normalized.split("\n", 1)[0])[:2000]
            self.failures.append(
                _Failure(fp, message_fp, normalized, error, node, run.id, row.id, at)
            )

    # ----------------------------------------------------------------------- flushing

    async def flush(self, session: AsyncSession) -> list[str]:
        """Merge what was folded in into the tables; returns the node ids touched."""
        for part in chunks(self.processed, 2000):
            await session.execute(
                insert(ProcessedRun),
                [
                    {
                        "run_id": p.run_id,
                        "project_id": p.project_id,
                        "infra": p.infra,
                        "processed_at": p.processed_at,
                    }
                    for p in part
                ],
            )
        await self._flush_days(session)
        await self._flush_suite(session)
        await self._flush_summaries(session)
        await self._flush_clusters(session)
        await session.flush()
        touched = sorted(self.seen)
        self.__init__(self.project_id)  # type: ignore[misc]  # start afresh
        return touched

    async def _flush_days(self, session: AsyncSession) -> None:
        by_day: dict[date, list[str]] = defaultdict(list)
        for node, day in self.days:
            by_day[day].append(node)
        fresh: list[dict[str, Any]] = []
        for day, nodes in by_day.items():
            existing: dict[str, TestDay] = {}
            for part in chunks(nodes):
                rows = await session.scalars(
                    select(TestDay).where(
                        TestDay.project_id == self.project_id,
                        TestDay.day == day,
                        TestDay.node_id.in_(part),
                    )
                )
                existing.update({r.node_id: r for r in rows})
            for node in nodes:
                folded = self.days[(node, day)]
                row = existing.get(node)
                if row is not None:
                    _merge_day(row, folded)
                    continue
                fresh.append(
                    {
                        "id": uuid.uuid4(),
                        "project_id": self.project_id,
                        "node_id": node,
                        "day": day,
                        "results": folded.results,
                        "passed": folded.passed,
                        "failures": folded.failures,
                        "flaky": folded.flaky,
                        "retries": folded.retries,
                        "duration_s": folded.duration_s,
                        "failed_duration_s": folded.failed_duration_s,
                        "retry_s": folded.retry_s,
                        "histogram": folded.histogram,
                    }
                )
        # New rows in one multi-row INSERT (the ORM's unit of work is the slow part here).
        for part in chunks(fresh, 2000):
            await session.execute(insert(TestDay), list(part))

    async def _flush_suite(self, session: AsyncSession) -> None:
        if not self.suite:
            return
        rows = await session.scalars(
            select(ProjectDay).where(
                ProjectDay.project_id == self.project_id, ProjectDay.day.in_(list(self.suite))
            )
        )
        existing = {r.day: r for r in rows}
        for day, folded in self.suite.items():
            row = existing.get(day)
            if row is None:
                row = ProjectDay(
                    project_id=self.project_id,
                    day=day,
                    runs=0,
                    results=0,
                    passed=0,
                    failures=0,
                    flaky=0,
                    retries=0,
                    duration_s=0.0,
                    retry_s=0.0,
                    histogram={},
                    cache_hits=0,
                    resolver_calls=0,
                    resolver_steps=0,
                    resolver_ms=0.0,
                )
                session.add(row)
            _merge_day(row, folded)
            row.runs += folded.runs
            row.cache_hits += folded.cache_hits
            row.resolver_calls += folded.resolver_calls
            row.resolver_steps += folded.resolver_steps
            row.resolver_ms += folded.resolver_ms

    async def _flush_summaries(self, session: AsyncSession) -> None:
        nodes = sorted(self.seen)
        existing: dict[str, TestSummary] = {}
        for part in chunks(nodes):
            rows = await session.scalars(
                select(TestSummary).where(
                    TestSummary.project_id == self.project_id, TestSummary.node_id.in_(part)
                )
            )
            existing.update({r.node_id: r for r in rows})
        for node in nodes:
            seen = self.seen[node]
            row = existing.get(node)
            if row is None:
                session.add(
                    TestSummary(
                        project_id=self.project_id,
                        node_id=node,
                        file=seen.file,
                        name=seen.name,
                        markers=seen.markers,
                        owner=seen.owner,
                        first_seen_at=seen.first_at,
                        last_seen_at=seen.last_at,
                        last_outcome=seen.last_outcome,
                        last_run_id=seen.last_run_id,
                        results=seen.results,
                        failures=seen.failures,
                        failure_rate=0.0,
                        status="healthy",
                        status_since=seen.first_at,
                        evidence=[],
                    )
                )
                continue
            row.results += seen.results
            row.failures += seen.failures
            row.first_seen_at = min(row.first_seen_at, seen.first_at)
            if seen.last_at >= row.last_seen_at:
                row.last_seen_at = seen.last_at
                row.last_outcome = seen.last_outcome
                row.last_run_id = seen.last_run_id
                row.markers = seen.markers or row.markers
                row.owner = seen.owner or row.owner

    async def _flush_clusters(self, session: AsyncSession) -> None:
        if not self.failures:
            return
        fps = sorted({f.fingerprint for f in self.failures})
        clusters: dict[str, FailureCluster] = {}
        for part in chunks(fps):
            rows = await session.scalars(
                select(FailureCluster).where(
                    FailureCluster.project_id == self.project_id,
                    FailureCluster.fingerprint.in_(part),
                )
            )
            clusters.update({r.fingerprint: r for r in rows})
        for failure in self.failures:
            cluster = clusters.get(failure.fingerprint)
            if cluster is None:
                cluster = clusters[failure.fingerprint] = FailureCluster(
                    id=uuid.uuid4(),
                    project_id=self.project_id,
                    fingerprint=failure.fingerprint,
                    message_fingerprint=failure.message_fingerprint,
                    normalized=failure.normalized[:5000],
                    sample_error=failure.error,
                    tests_count=0,
                    failures_count=0,
                    first_seen=failure.at,
                    last_seen=failure.at,
                )
                session.add(cluster)
        await session.flush()  # the clusters exist before their failures point at them
        fresh: list[dict[str, Any]] = []
        for failure in self.failures:
            cluster = clusters[failure.fingerprint]
            cluster.failures_count += 1
            cluster.first_seen = min(cluster.first_seen, failure.at)
            cluster.last_seen = max(cluster.last_seen, failure.at)
            fresh.append(
                {
                    "id": uuid.uuid4(),
                    "cluster_id": cluster.id,
                    "project_id": self.project_id,
                    "run_id": failure.run_id,
                    "run_test_id": failure.run_test_id,
                    "node_id": failure.node_id,
                    "at": failure.at,
                    # A failure that arrives after its cluster was triaged: the decision
                    # is suggested for it (a person confirms it on the cluster page).
                    "suggested_decision": cluster.decision,
                }
            )
        for part in chunks(fresh, 2000):
            await session.execute(insert(ClusterFailure), list(part))
        await session.flush()
        ids = [c.id for c in clusters.values()]
        for part in chunks(ids):
            counts = await session.execute(
                select(ClusterFailure.cluster_id, func.count(func.distinct(ClusterFailure.node_id)))
                .where(ClusterFailure.cluster_id.in_(part))
                .group_by(ClusterFailure.cluster_id)
            )
            by_id = {c.id: c for c in clusters.values()}
            for cluster_id, count in counts:
                by_id[cluster_id].tests_count = int(count)


def _merge_day(row: TestDay | ProjectDay, folded: _Day) -> None:
    row.results += folded.results
    row.passed += folded.passed
    row.failures += folded.failures
    row.flaky += folded.flaky
    row.retries += folded.retries
    row.duration_s += folded.duration_s
    if isinstance(row, TestDay):
        row.failed_duration_s += folded.failed_duration_s
    row.retry_s += folded.retry_s
    merged = dict(row.histogram or {})
    for key, count in folded.histogram.items():
        merged[key] = int(merged.get(key, 0)) + count
    row.histogram = merged  # a new object: JSON columns track assignment, not mutation


async def refresh_summaries(
    session: AsyncSession, project_id: uuid.UUID, node_ids: Sequence[str], as_of: date
) -> None:
    """failure_rate, p50/p95 (last ``SUMMARY_DAYS``) and the regression pair (median of
    the last ``RECENT_DAYS`` against the ``BASELINE_DAYS`` before) from the daily rows."""
    start = as_of - timedelta(days=RECENT_DAYS + BASELINE_DAYS - 1)
    summary_start = as_of - timedelta(days=SUMMARY_DAYS - 1)
    recent_start = as_of - timedelta(days=RECENT_DAYS - 1)
    for part in chunks(list(node_ids)):
        days = await session.execute(
            select(
                TestDay.node_id, TestDay.day, TestDay.results, TestDay.failures, TestDay.histogram
            ).where(
                TestDay.project_id == project_id,
                TestDay.node_id.in_(part),
                and_(TestDay.day >= start, TestDay.day <= as_of),
            )
        )
        window: dict[str, list[tuple[date, int, int, dict[str, Any]]]] = defaultdict(list)
        for node, day, results, failures, histogram in days:
            window[node].append((day, results, failures, histogram))
        summaries = await session.scalars(
            select(TestSummary).where(
                TestSummary.project_id == project_id, TestSummary.node_id.in_(part)
            )
        )
        for summary in summaries:
            rows = window.get(summary.node_id, [])
            last = [r for r in rows if r[0] >= summary_start]
            results = sum(r[1] for r in last)
            failures = sum(r[2] for r in last)
            merged = sketch.merge(r[3] for r in last)
            summary.failure_rate = round(failures / results, 4) if results else 0.0
            summary.p50_ms = sketch.percentile(merged, 0.5)
            summary.p95_ms = sketch.percentile(merged, 0.95)
            recent = [r for r in rows if r[0] >= recent_start]
            baseline = [r for r in rows if r[0] < recent_start]
            summary.recent_p50_ms = _median(recent)
            summary.baseline_p50_ms = _median(baseline)


def _median(rows: list[tuple[date, int, int, dict[str, Any]]]) -> float | None:
    merged = sketch.merge(r[3] for r in rows)
    if sum(merged.values()) < MIN_TREND_RESULTS:
        return None
    return sketch.percentile(merged, 0.5)
