"""Synthetic test history for benchmarks and demos:

    python -m backend.analytics.synthetic --runs 10000 --tests 2000 \\
        --database-url postgresql://localhost/testable_bench

Creates (or reuses) a user ``bench@example.com`` (password ``--password``), an
organisation and a project ``bench``, then bulk-inserts finished runs and their results
(default: 100 results per run, so 1,000,000 for 10,000 runs) spread over ``--days``, and
folds them into the analytics rollups with the same code a finished run goes through
(``rollups.Accumulator``), judging the monitors once at the end.

What the history looks like (seeded, so the same arguments give the same data): each run
executes one of ``tests / per-run`` shards of the suite; a test's duration is
log-normal around its own median (50 ms .. 5 s), 3 % of tests get 2.5x slower in the last
week; 86 % of tests are stable (0.2 % failures), 10 % flaky (5-30 %, and 60 % of their
failures pass on a retry), 2 % broken for the last 8 days, 2 % fail on one branch; 0.5 % of
runs are an outage (90 % of their tests error out). Failures come from a handful of
error templates with volatile parts (ids, timings, temp paths), a fifth of the results
carry browser steps with cache decisions and resolver timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics import monitors
from backend.analytics.rollups import Accumulator, refresh_summaries
from backend.analytics.schemas import MonitorSettingsIn
from backend.auth.models import User
from backend.auth.security import hash_password
from backend.config import normalise_database_url
from backend.db import Database
from backend.kit.time import utcnow
from backend.orgs.models import Membership, Organization
from backend.projects.models import Project
from backend.runs.models import Run, RunTest
from backend.workflows import models as _workflows  # noqa: F401 - runs.workflow_id's table

EMAIL = "bench@example.com"
ERRORS = (
    (
        "TimeoutError: Timeout {ms}ms exceeded waiting for locator('#row-{n} .css-{h}')",
        "tests/{file}:{line}: in {name}\n    page.click(sel)\nE   TimeoutError\n"
        "/tmp/pytest-of-ci/pytest-{n}/{name}0/trace.zip",
    ),
    (
        "AssertionError: assert {a} == {b}",
        "tests/{file}:{line}: in {name}\n    assert total == expected\nE   AssertionError",
    ),
    (
        "requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port={port})",
        "/home/ci/venv/lib/python3.11/site-packages/requests/adapters.py:{line}: ConnectionError",
    ),
    (
        "KeyError: 'order-{h}'",
        "tests/{file}:{line}: in {name}\n    order = orders[key]\nE   KeyError",
    ),
    (
        "ValueError: session {uuid} expired after {sec}s",
        "app/session.py:{line}: in refresh\nE   ValueError",
    ),
)
OUTAGE = ("ConnectionRefusedError: [Errno 111] Connection refused", "conftest.py:12: in app")


@dataclass
class _Test:
    node_id: str
    file: str
    name: str
    median_s: float
    fail_p: float
    kind: str  # stable | flaky | broken | branch | slower
    error: int


@dataclass
class _RunRow:
    id: uuid.UUID
    finished_at: datetime


@dataclass
class _ResultRow:
    id: uuid.UUID
    node_id: str
    outcome: str
    duration: float
    error_message: str | None
    traceback: str | None
    retries: int
    flaky: bool
    steps: list[Any] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def _suite(count: int, rng: random.Random) -> list[_Test]:
    tests = []
    for i in range(count):
        file = f"tests/area_{i // 50:02d}/test_feature_{i // 10:03d}.py"
        name = f"test_case_{i:04d}" + (f"[chromium-{i % 3}]" if i % 7 == 0 else "")
        roll = rng.random()
        if roll < 0.10:
            kind, fail_p = "flaky", rng.uniform(0.05, 0.3)
        elif roll < 0.12:
            kind, fail_p = "broken", 0.002
        elif roll < 0.14:
            kind, fail_p = "branch", 0.002
        elif roll < 0.17:
            kind, fail_p = "slower", 0.002
        else:
            kind, fail_p = "stable", 0.002
        tests.append(
            _Test(
                node_id=f"{file}::{name}",
                file=file,
                name=name,
                median_s=math.exp(rng.uniform(math.log(0.05), math.log(5.0))),
                fail_p=fail_p,
                kind=kind,
                error=rng.randrange(len(ERRORS)),
            )
        )
    return tests


def _error(test: _Test, rng: random.Random) -> tuple[str, str]:
    message, traceback = ERRORS[test.error]
    values = {
        "ms": rng.choice([5000, 10000, 30000]),
        "n": rng.randrange(1, 500),
        "h": f"{rng.getrandbits(32):08x}",
        "a": rng.randrange(100),
        "b": rng.randrange(100),
        "port": rng.randrange(1024, 65000),
        "uuid": uuid.UUID(int=rng.getrandbits(128)),
        "sec": round(rng.uniform(1, 90), 2),
        "file": test.file.split("/", 1)[1],
        "line": rng.randrange(10, 400),
        "name": test.name.split("[")[0],
    }
    return message.format(**values), traceback.format(**values)


def _steps(rng: random.Random) -> list[dict[str, Any]]:
    steps = []
    for index in range(3):
        decision = rng.choices(
            ["cache_hit", "cache_hit_verified", "healed", "resolver", "navigated"],
            weights=[70, 10, 5, 10, 5],
        )[0]
        steps.append(
            {
                "kind": "act",
                "instruction": f"click the button number {index}",
                "decision": decision,
                "duration_ms": round(rng.uniform(700, 2500), 1)
                if decision == "resolver"
                else round(rng.uniform(5, 60), 1),
                "resolver_calls": 1 if decision == "resolver" else 0,
            }
        )
    return steps


async def _bulk(session: AsyncSession, model: type[Run] | type[RunTest], rows: list[Any]) -> None:
    """COPY on PostgreSQL (a million rows in minutes, not tens of them), INSERT elsewhere."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        for part in range(0, len(rows), 5000):
            await session.execute(insert(model), rows[part : part + 5000])
        return
    table: Any = model.__table__
    columns = list(rows[0])
    json_columns = {
        c.name for c in table.columns if c.name in columns and "JSON" in type(c.type).__name__
    }
    records = [
        tuple(json.dumps(row[c]) if c in json_columns else row[c] for c in columns) for row in rows
    ]
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table.name, records=records, columns=columns)


async def _owner(database: Database, password: str) -> uuid.UUID:
    async with database.session() as session:
        user = await session.scalar(select(User).where(User.email == EMAIL))
        if user is None:
            user = User(
                email=EMAIL,
                password_hash=await hash_password(password, 4),
                email_verified_at=utcnow(),
            )
            session.add(user)
            await session.flush()
        project = await session.scalar(
            select(Project)
            .join(Membership, Membership.org_id == Project.org_id)
            .where(Membership.user_id == user.id, Project.name == "bench")
        )
        if project is None:
            org = Organization(name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}")
            session.add(org)
            await session.flush()
            session.add(Membership(org_id=org.id, user_id=user.id, role="owner"))
            project = Project(org_id=org.id, name="bench", repository="file:///nowhere")
            session.add(project)
            await session.flush()
        return project.id


async def generate(
    url: str,
    *,
    runs: int,
    tests: int,
    per_run: int,
    days: int,
    seed: int,
    password: str,
    batch: int = 200,
) -> uuid.UUID:
    rng = random.Random(seed)
    database = Database(normalise_database_url(url))
    try:
        project_id = await _owner(database, password)
        suite = _suite(tests, rng)
        shards = max(1, tests // per_run)
        end = utcnow().replace(microsecond=0)
        start = end - timedelta(days=days)
        step = (end - start) / runs
        settings = MonitorSettingsIn()
        commit = uuid.uuid4().hex
        inserted = 0
        began = time.perf_counter()
        # One accumulator for the whole history, flushed once at the end: every rollup row
        # is then one INSERT (no read-merge-update per batch).
        accumulator = Accumulator(project_id)
        for first in range(0, runs, batch):
            run_rows: list[dict[str, Any]] = []
            result_rows: list[dict[str, Any]] = []
            for index in range(first, min(runs, first + batch)):
                finished = start + step * (index + 1)
                age_days = (end - finished).total_seconds() / 86400
                if rng.random() < 0.2:
                    commit = f"{rng.getrandbits(160):040x}"
                branch = "main" if rng.random() < 0.8 else "feature/checkout"
                outage = rng.random() < 0.005
                shard = suite[(index % shards) * per_run : (index % shards + 1) * per_run]
                run_id = uuid.uuid4()
                results = []
                for test in shard:
                    duration = test.median_s * math.exp(rng.gauss(0, 0.25))
                    if test.kind == "slower" and age_days < 7:
                        duration *= 2.5
                    fail_p = test.fail_p
                    if test.kind == "broken" and age_days < 8:
                        fail_p = 1.0
                    if test.kind == "branch" and branch != "main":
                        fail_p = 0.6
                    outcome, retries, flaky, error, traceback = "passed", 0, False, None, None
                    if outage and rng.random() < 0.9:
                        outcome, (error, traceback) = "error", OUTAGE
                    elif rng.random() < fail_p:
                        error, traceback = _error(test, rng)
                        outcome = "failed"
                        if test.kind == "flaky" and rng.random() < 0.6:
                            outcome, retries, flaky, error, traceback = (
                                "passed",
                                1,
                                True,
                                None,
                                None,
                            )
                    elif rng.random() < 0.01:
                        outcome = "skipped"
                    results.append(
                        _ResultRow(
                            id=uuid.uuid4(),
                            node_id=test.node_id,
                            outcome=outcome,
                            duration=round(duration, 4),
                            error_message=error,
                            traceback=traceback,
                            retries=retries,
                            flaky=flaky,
                            steps=_steps(rng) if rng.random() < 0.2 else [],
                        )
                    )
                outcomes = [r.outcome for r in results]
                failed, errors = outcomes.count("failed"), outcomes.count("error")
                run_rows.append(
                    {
                        "id": run_id,
                        "project_id": project_id,
                        "trigger": rng.choice(["push", "schedule", "manual", "pull_request"]),
                        "branch": branch,
                        "commit_sha": commit,
                        "status": "failed" if failed or errors else "passed",
                        "selection": {},
                        "options": {},
                        "trigger_info": {},
                        "queued_at": finished - timedelta(seconds=60),
                        "started_at": finished - timedelta(seconds=50),
                        "finished_at": finished,
                        "duration": round(sum(r.duration for r in results), 2),
                        "total": len(results),
                        "passed": outcomes.count("passed"),
                        "failed": failed,
                        "errors": errors,
                        "skipped": outcomes.count("skipped"),
                        "flaky": sum(r.flaky for r in results),
                        "cache_stats": {},
                        "cancel_requested": False,
                        "attempts": 1,
                        "pinned": False,
                        "last_seq": 0,
                        "created_at": finished - timedelta(seconds=60),
                        "updated_at": finished,
                    }
                )
                result_rows.extend(
                    {
                        "id": r.id,
                        "run_id": run_id,
                        "node_id": r.node_id,
                        "outcome": r.outcome,
                        "duration": r.duration,
                        "error_message": r.error_message,
                        "traceback": r.traceback,
                        "retries": r.retries,
                        "flaky": r.flaky,
                        "steps": r.steps,
                        **({"meta": {}} if hasattr(RunTest, "meta") else {}),
                    }
                    for r in results
                )
                accumulator.add_run(
                    cast(Run, _RunRow(run_id, finished)),
                    cast(list[RunTest], results),
                    settings.infra_failure_share,
                )
            async with database.session() as session:
                await _bulk(session, Run, run_rows)
                await _bulk(session, RunTest, result_rows)
            inserted += len(result_rows)
            rate = inserted / (time.perf_counter() - began)
            print(
                f"{first + len(run_rows)} runs, {inserted} results ({rate:.0f}/s)",
                file=sys.stderr,
                flush=True,
            )
        async with database.session() as session:
            await accumulator.flush(session)
        print("rollups written", file=sys.stderr, flush=True)
        node_ids = [t.node_id for t in suite]
        async with database.session() as session:
            await refresh_summaries(session, project_id, node_ids, end.date())
            await monitors.evaluate(session, project_id, node_ids, settings, end)
        if database.engine.dialect.name == "postgresql":
            # Fresh statistics after a bulk load, as autovacuum would make them later.
            async with database.engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("ANALYZE"))
        return project_id
    finally:
        await database.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--tests", type=int, default=2_000)
    parser.add_argument("--per-run", type=int, default=100, help="results per run")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--password", default="bench-Password-16")
    args = parser.parse_args(argv)
    if args.per_run > args.tests:
        parser.error("--per-run cannot exceed --tests")
    project_id = asyncio.run(
        generate(
            args.database_url,
            runs=args.runs,
            tests=args.tests,
            per_run=args.per_run,
            days=args.days,
            seed=args.seed,
            password=args.password,
        )
    )
    print(project_id)


if __name__ == "__main__":
    main()
