"""Flaky monitors: each test's status (broken > flaky > healthy) and the evidence.

A test is judged on its results (passed / failed / error; skips do not count) in finished
runs of its project, leaving out the runs that were an infrastructure failure (more than
``infra_failure_share`` of their results failed, with at least
``rollups.INFRA_MIN_TESTS`` results):

- **broken**: every result in the last ``rate_window_days`` failed, and there are at
  least ``BROKEN_MIN_RESULTS`` of them. Never quarantined automatically.
- **flaky**, when any monitor fires (each gives its evidence):
  - ``same_commit`` (when on): passed on a re-run after failing in the same run, or passed
    and failed on the same commit, within the window;
  - ``failure_rate``: at least ``rate_min_results`` results in the window and a failure
    share at or above ``rate_threshold``;
  - ``flips``: at least ``flips_min`` pass/fail changes over the test's last
    ``flips_last_runs`` results (whatever their age).
- **healthy** otherwise.

Statuses are evaluated for the tests of each finished run (a test that stops running
keeps its last status); every change is stored with its reason and evidence runs.
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics.models import MonitorSettings, ProcessedRun, StatusChange, TestSummary
from backend.analytics.rollups import COUNTED, FAILED, chunks
from backend.analytics.schemas import MonitorSettingsIn
from backend.runs.models import Run, RunTest

BROKEN_MIN_RESULTS = 3
EVIDENCE_RUNS = 10  # run ids kept per piece of evidence


async def settings_for(session: AsyncSession, project_id: uuid.UUID) -> MonitorSettingsIn:
    row = await session.get(MonitorSettings, project_id)
    stored = row.monitors if row is not None else {}
    known = {k: v for k, v in stored.items() if k in MonitorSettingsIn.model_fields}
    return MonitorSettingsIn.model_validate(known)


@dataclass(frozen=True)
class _Result:
    run_id: uuid.UUID
    at: datetime
    outcome: str
    flaky: bool
    commit_sha: str | None


def _not_infra() -> Any:
    return or_(ProcessedRun.infra.is_(None), ProcessedRun.infra.is_(False))


async def _window(
    session: AsyncSession,
    project_id: uuid.UUID,
    nodes: Sequence[str],
    since: datetime,
    until: datetime,
) -> dict[str, list[_Result]]:
    rows = await session.execute(
        select(
            RunTest.node_id,
            RunTest.run_id,
            Run.finished_at,
            RunTest.outcome,
            RunTest.flaky,
            Run.commit_sha,
        )
        .join(Run, Run.id == RunTest.run_id)
        .outerjoin(ProcessedRun, ProcessedRun.run_id == Run.id)
        .where(
            Run.project_id == project_id,
            Run.finished_at >= since,
            Run.finished_at <= until,
            RunTest.node_id.in_(nodes),
            RunTest.outcome.in_(sorted(COUNTED)),
            _not_infra(),
        )
    )
    found: dict[str, list[_Result]] = defaultdict(list)
    for node, run_id, at, outcome, flaky, sha in rows:
        if at is not None:
            found[node].append(_Result(run_id, at, outcome, bool(flaky), sha))
    for results in found.values():
        results.sort(key=lambda r: (r.at, str(r.run_id)))
    return found


async def _last_runs(
    session: AsyncSession, project_id: uuid.UUID, nodes: Sequence[str], count: int, until: datetime
) -> dict[str, list[_Result]]:
    number = (
        func.row_number()
        .over(partition_by=RunTest.node_id, order_by=(Run.finished_at.desc(), Run.id.desc()))
        .label("number")
    )
    ranked = (
        select(
            RunTest.node_id,
            RunTest.run_id,
            Run.finished_at,
            RunTest.outcome,
            RunTest.flaky,
            Run.commit_sha,
            number,
        )
        .join(Run, Run.id == RunTest.run_id)
        .outerjoin(ProcessedRun, ProcessedRun.run_id == Run.id)
        .where(
            Run.project_id == project_id,
            Run.finished_at.is_not(None),
            Run.finished_at <= until,
            RunTest.node_id.in_(nodes),
            RunTest.outcome.in_(sorted(COUNTED)),
            _not_infra(),
        )
        .subquery()
    )
    rows = await session.execute(select(ranked).where(ranked.c.number <= count))
    found: dict[str, list[_Result]] = defaultdict(list)
    for node, run_id, at, outcome, flaky, sha, _ in rows:
        found[node].append(_Result(run_id, at, outcome, bool(flaky), sha))
    for results in found.values():
        results.sort(key=lambda r: (r.at, str(r.run_id)))
    return found


def _ids(results: Sequence[_Result]) -> list[str]:
    return [str(r.run_id) for r in results[-EVIDENCE_RUNS:]]


def _short(sha: str | None) -> str:
    return sha[:8] if sha else "(no commit)"


def judge(
    window: Sequence[_Result], last: Sequence[_Result], settings: MonitorSettingsIn
) -> tuple[str, list[dict[str, Any]]]:
    """(status, evidence) from the results in the window and the last N results, both
    oldest first and already without infrastructure-failure runs."""
    days = settings.rate_window_days
    failed = [r for r in window if r.outcome in FAILED]
    if len(window) >= BROKEN_MIN_RESULTS and len(failed) == len(window):
        return "broken", [
            {
                "kind": "always_failing",
                "text": f"failed all {len(window)} results in the last {days} days",
                "run_ids": _ids(window),
                "commit_sha": None,
            }
        ]
    evidence: list[dict[str, Any]] = []
    if settings.same_commit:
        for result in reversed(window):
            if result.flaky:
                evidence.append(
                    {
                        "kind": "same_commit",
                        "text": "failed, then passed on retry in run "
                        f"{str(result.run_id)[:8]} on commit {_short(result.commit_sha)}",
                        "run_ids": [str(result.run_id)],
                        "commit_sha": result.commit_sha,
                    }
                )
                break
        by_commit: dict[str, list[_Result]] = defaultdict(list)
        for result in window:
            if result.commit_sha:
                by_commit[result.commit_sha].append(result)
        for sha, results in sorted(by_commit.items(), key=lambda kv: kv[1][-1].at, reverse=True):
            outcomes = {"failed" if r.outcome in FAILED else "passed" for r in results}
            if len(outcomes) == 2:
                evidence.append(
                    {
                        "kind": "same_commit",
                        "text": f"passed and failed on commit {_short(sha)} "
                        f"({len(results)} results)",
                        "run_ids": _ids(results),
                        "commit_sha": sha,
                    }
                )
                break
    if window and len(window) >= settings.rate_min_results:
        rate = len(failed) / len(window)
        if rate >= settings.rate_threshold:
            evidence.append(
                {
                    "kind": "failure_rate",
                    "text": f"failed {len(failed)} of {len(window)} results ({rate:.0%}) "
                    f"in the last {days} days",
                    "run_ids": _ids(failed),
                    "commit_sha": None,
                }
            )
    flips = [
        b for a, b in itertools.pairwise(last) if (a.outcome in FAILED) != (b.outcome in FAILED)
    ]
    if len(flips) >= settings.flips_min:
        evidence.append(
            {
                "kind": "flips",
                "text": f"flipped between pass and fail {len(flips)} times over the last "
                f"{len(last)} runs",
                "run_ids": _ids(flips),
                "commit_sha": None,
            }
        )
    return ("flaky", evidence) if evidence else ("healthy", [])


def _reason(status: str, evidence: list[dict[str, Any]]) -> str:
    if status == "healthy":
        return "no monitor fires any more"
    return f"{status} because: " + "; ".join(e["text"] for e in evidence)


async def evaluate(
    session: AsyncSession,
    project_id: uuid.UUID,
    nodes: Sequence[str],
    settings: MonitorSettingsIn,
    now: datetime,
) -> list[tuple[str, str, str]]:
    """Judge the tests again; store their status and evidence and record each change.
    Returns the changes as (node id, previous status, new status)."""
    changes = []
    since = now - timedelta(days=settings.rate_window_days)
    for part in chunks(list(nodes)):
        window = await _window(session, project_id, part, since, now)
        last = await _last_runs(session, project_id, part, settings.flips_last_runs, now)
        summaries = await session.scalars(
            select(TestSummary).where(
                TestSummary.project_id == project_id, TestSummary.node_id.in_(part)
            )
        )
        for summary in summaries:
            status, evidence = judge(
                window.get(summary.node_id, []), last.get(summary.node_id, []), settings
            )
            summary.evidence = evidence
            if status == summary.status:
                continue
            changes.append((summary.node_id, summary.status, status))
            session.add(
                StatusChange(
                    project_id=project_id,
                    node_id=summary.node_id,
                    status=status,
                    previous=summary.status,
                    at=now,
                    reason=_reason(status, evidence),
                    evidence=evidence,
                )
            )
            summary.status = status
            summary.status_since = now
    return changes
