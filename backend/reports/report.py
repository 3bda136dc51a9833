"""The report of a run as every destination and the report page see it: a ``RunReport``
with each test's file and line taken from its traceback, and every string masked with the
values of the run's secret environment variables."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from loguru import logger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.envvars.service import run_environment
from backend.execution.masking import Masker
from backend.kit.errors import NotFound
from backend.kit.keys import KeyRing
from backend.projects.models import Project
from backend.reports.base import (
    RunReport,
    TestLine,
)
from backend.repositories.models import Repository
from backend.runs.models import Run, RunTest
from backend.runs.quarantine import quarantined_of
from backend.runs.service import counts_of

# "tests/test_shop.py:12: AssertionError" (pytest's long and short formats) and
# 'File "/x/tests/test_shop.py", line 12, in test_add' (native tracebacks).
_PYTEST_LOCATION = re.compile(r"^(?P<file>[^\s:\"][^:\n\"]*\.py):(?P<line>\d+):", re.MULTILINE)
_NATIVE_LOCATION = re.compile(r'File "(?P<file>[^"\n]+\.py)", line (?P<line>\d+)')


# --- building the report -------------------------------------------------------------


def location_of(node_id: str, traceback: str | None) -> tuple[str | None, int | None]:
    """The test's file (repository-relative, from the node id) and the line in that file
    where it failed: the innermost traceback frame in the test's own file, else the
    innermost frame in any repository file."""
    test_file = node_id.split("::", 1)[0] or None
    if not traceback:
        return test_file, None
    frames = [
        (m.start(), m.group("file"), int(m.group("line")))
        for pattern in (_PYTEST_LOCATION, _NATIVE_LOCATION)
        for m in pattern.finditer(traceback)
    ]
    frames.sort()
    if test_file is not None:
        for _, path, line in reversed(frames):
            if path == test_file or path.endswith("/" + test_file):
                return test_file, line
    for _, path, line in reversed(frames):
        if not path.startswith("/") and "site-packages" not in path:
            return path, line
    return test_file, None


def test_line(test: RunTest, masker: Masker, *, quarantined: bool) -> TestLine:
    traceback = masker.mask(test.traceback) if test.traceback else None
    file, line = location_of(test.node_id, traceback)
    return TestLine(
        node_id=masker.mask(test.node_id),
        outcome=test.outcome,
        duration=test.duration,
        error_message=masker.mask(test.error_message) if test.error_message else None,
        traceback=traceback,
        flaky=test.flaky,
        file=file,
        line=line,
        steps=[masker.mask_json(step) for step in test.steps if isinstance(step, dict)],
        quarantined=quarantined,
    )


def report_url(settings: Settings, run_id: uuid.UUID) -> str:
    return f"{settings.public_url.rstrip('/')}/reports/{run_id}"


async def run_secrets(session: AsyncSession, run: Run, keyring: KeyRing | None) -> tuple[str, ...]:
    """Secret values of the run's environment (E's ``run_environment``), to mask with."""
    if keyring is None:
        return ()
    try:
        environment = await run_environment(session, run, keyring=keyring)
    except Exception:  # a report without masking data would leak nothing new: the runner masked
        logger.exception("run {}: reading its secrets for masking failed", run.id)
        return ()
    return tuple(environment.secret_values)


async def _repository_of(session: AsyncSession, project_id: uuid.UUID) -> Repository | None:
    return (
        await session.execute(select(Repository).where(Repository.project_id == project_id))
    ).scalar_one_or_none()


async def build_report(
    session: AsyncSession,
    run_id: uuid.UUID,
    *,
    settings: Settings,
    keyring: KeyRing | None = None,
    extra_secrets: Sequence[str] = (),
) -> RunReport:
    """The run as reporters and report pages see it, every string masked."""
    run = await session.get(Run, run_id)
    if run is None:
        raise NotFound("No such run.")
    project = await session.get(Project, run.project_id)
    assert project is not None
    masker = Masker([*await run_secrets(session, run, keyring), *extra_secrets])
    tests = list(
        await session.scalars(
            select(RunTest).where(RunTest.run_id == run_id).order_by(RunTest.node_id)
        )
    )
    repository = await _repository_of(session, run.project_id)
    trigger_info: dict[str, Any] = dict(run.trigger_info or {})
    commit_message = trigger_info.get("commit_message")
    quarantined = quarantined_of(run.options)
    return RunReport(
        run_id=run.id,
        project_id=run.project_id,
        project_name=masker.mask(project.name),
        status=run.status,
        trigger=run.trigger,
        branch=masker.mask(run.branch) if run.branch else None,
        commit_sha=run.commit_sha,
        pr_number=run.pr_number,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration=run.duration,
        counts=counts_of(run),
        cache_stats=masker.mask_json(dict(run.cache_stats or {})),
        reason=masker.mask(run.reason) if run.reason else None,
        tests=[test_line(test, masker, quarantined=test.node_id in quarantined) for test in tests],
        report_url=report_url(settings, run.id),
        repository_full_name=getattr(repository, "full_name", None),
        repository_id=getattr(repository, "id", None),
        commit_message=masker.mask(str(commit_message)) if commit_message else None,
    )
