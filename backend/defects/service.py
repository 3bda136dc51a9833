"""Defects: filing from a failed result (or by hand), the no-duplicates rule, changes,
GitHub's ``issues`` events coming back, and what a finished run says about them.

Never commits. Whatever must reach GitHub is left for the sync job (``tasks.py``), which
the router enqueues on the outbox of the same transaction: the issue is created or closed
only once the defect is committed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cases.models import PlanRun, PlanRunCase, PlanRunResult, TestCase
from backend.config import Settings
from backend.defects.models import (
    Defect,
    DefectOccurrence,
    DefectSettings,
    DefectStatus,
    SyncState,
    TrackerChoice,
)
from backend.defects.normalise import fingerprint
from backend.github.handlers import Handled
from backend.kit.errors import Conflict, NotFound, Unprocessable
from backend.kit.time import utcnow
from backend.orgs.service import find_membership
from backend.projects.models import Project
from backend.repositories.models import Repository
from backend.runs.models import Run, RunArtifact, RunTest

FAILED_OUTCOMES = frozenset({"failed", "error"})
MAX_TITLE = 256
MAX_ERROR_IN_BODY = 4000
ARTIFACT_KINDS = ("screenshot", "trace")


def defect_key(defect: Defect) -> str:
    return f"D-{defect.number}"


# --------------------------------------------------------------------------- settings


async def project_settings(session: AsyncSession, project_id: uuid.UUID) -> DefectSettings:
    """The project's tracker settings (defaults when never saved; not added)."""
    found = await session.get(DefectSettings, project_id)
    return found or DefectSettings(project_id=project_id, tracker="auto", default_labels=[])


async def save_settings(
    session: AsyncSession, project_id: uuid.UUID, *, tracker: TrackerChoice, labels: list[str]
) -> DefectSettings:
    found = await session.get(DefectSettings, project_id)
    if found is None:
        found = DefectSettings(project_id=project_id)
        session.add(found)
    found.tracker = tracker.value
    found.default_labels = list(labels)
    await session.flush()
    return found


async def repository_of(session: AsyncSession, project_id: uuid.UUID) -> Repository | None:
    return (
        await session.execute(select(Repository).where(Repository.project_id == project_id))
    ).scalar_one_or_none()


def has_github_access(repository: Repository | None) -> bool:
    return (
        repository is not None
        and repository.provider == "github"
        and repository.disconnected_at is None
        and bool(repository.full_name)
        and (repository.installation_id is not None or repository.token_encrypted is not None)
    )


async def tracker_for(session: AsyncSession, project_id: uuid.UUID) -> Repository | None:
    """The repository new defects go to as issues, or None for local defects.

    ``auto``: GitHub Issues when the project's repository is a connected GitHub repository
    with an App installation or a token; ``github`` insists (409 otherwise); ``local``
    never files issues."""
    chosen = (await project_settings(session, project_id)).tracker
    if chosen == TrackerChoice.LOCAL.value:
        return None
    repository = await repository_of(session, project_id)
    if has_github_access(repository):
        return repository
    if chosen == TrackerChoice.GITHUB.value:
        raise Conflict(
            "the project's tracker is GitHub Issues but its repository has no GitHub access "
            "(connect a GitHub repository with the App or a token, or choose local defects)",
            code="tracker_unavailable",
        )
    return None


# --------------------------------------------------------------------------- filing


@dataclass(frozen=True)
class Failure:
    """What a defect is filed from: an automated result (``run_test``) or a manual one."""

    node_id: str | None
    error_message: str | None
    traceback: str | None
    steps: list[str]
    run: Run | None
    run_test: RunTest | None
    manual_result_id: uuid.UUID | None = None
    outcome: str = "failed"


async def failure_of_run_test(
    session: AsyncSession, project_id: uuid.UUID, run_test_id: uuid.UUID
) -> Failure:
    row = (
        await session.execute(
            select(RunTest, Run)
            .join(Run, Run.id == RunTest.run_id)
            .where(RunTest.id == run_test_id, Run.project_id == project_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(
            "No such test result in this project.",
            details=[{"field": "run_test_id", "message": "not a result of this project"}],
        )
    test, run = row
    if test.outcome not in FAILED_OUTCOMES:
        raise Unprocessable(
            f"run_test_id: the test {test.outcome}; defects are filed from failed results",
            details=[{"field": "run_test_id", "message": f"outcome is {test.outcome}"}],
        )
    return Failure(
        node_id=test.node_id,
        error_message=test.error_message,
        traceback=test.traceback,
        steps=_step_lines(test.steps),
        run=run,
        run_test=test,
        outcome=test.outcome,
    )


async def failure_of_manual_result(
    session: AsyncSession, project_id: uuid.UUID, result_id: uuid.UUID
) -> Failure:
    """A failed manual result of a plan run (``backend/cases``): the case stands for the
    test (``case:TC-12``), the tester's comment for the error, the case's steps for the
    steps."""
    row = (
        await session.execute(
            select(PlanRunResult, TestCase)
            .join(PlanRunCase, PlanRunCase.id == PlanRunResult.plan_run_case_id)
            .join(PlanRun, PlanRun.id == PlanRunCase.plan_run_id)
            .join(TestCase, TestCase.id == PlanRunCase.case_id)
            .where(PlanRunResult.id == result_id, PlanRun.project_id == project_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(
            "No such manual result in this project.",
            details=[{"field": "manual_result_id", "message": "not a result of this project"}],
        )
    result, case = row
    if result.status != "failed":
        raise Unprocessable(
            f"manual_result_id: the result is {result.status}; defects are filed from failures",
            details=[{"field": "manual_result_id", "message": f"status is {result.status}"}],
        )
    steps = [
        f"{s.get('action', '')} (expected: {s.get('expected', '')})".strip()
        for s in case.steps
        if isinstance(s, dict) and s.get("action")
    ]
    run = await session.get(Run, result.run_id) if result.run_id is not None else None
    return Failure(
        node_id=f"case:TC-{case.number}",
        error_message=result.comment.strip() or f"TC-{case.number} {case.title} failed",
        traceback=None,
        steps=steps,
        run=run,
        run_test=None,
        manual_result_id=result.id,
    )


def _step_lines(steps: Sequence[Any]) -> list[str]:
    lines = []
    for step in steps:
        if not isinstance(step, dict):
            continue
        text = step.get("instruction") or step.get("name") or step.get("action")
        if isinstance(text, str) and text.strip():
            mark = " (failed here)" if step.get("error") or step.get("status") == "failed" else ""
            lines.append(text.strip() + mark)
    return lines


def default_title(failure: Failure) -> str:
    test = (failure.node_id or "a test").rsplit("::", 1)[-1]
    first = (failure.error_message or "").strip().splitlines()
    error = first[0] if first else "failed"
    return f"{test}: {error}"[:MAX_TITLE]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def artifacts_of_test(
    artifacts: Sequence[RunArtifact], node_id: str | None, failed_tests: int
) -> list[RunArtifact]:
    """The screenshots and traces of one test: Playwright names a test's output folder
    after the test (``tests-test-shop-py-test-checkout-chromium``). When nothing is named
    after it and it was the run's only failure, every screenshot and trace is its."""
    wanted = [a for a in artifacts if a.kind in ARTIFACT_KINDS]
    if node_id:
        slug = _slug(node_id)
        named = [a for a in wanted if any(_slug(p).startswith(slug) for p in a.path.split("/"))]
        if named:
            return named
    return wanted if failed_tests == 1 else []


def report_url(settings: Settings, run_id: uuid.UUID) -> str:
    return f"{settings.public_url.rstrip('/')}/reports/{run_id}"


async def issue_body(
    session: AsyncSession, failure: Failure, settings: Settings, description: str
) -> str:
    """The defect's text (and the GitHub issue's): test, run link, error, steps, links to
    the screenshots and traces."""
    parts: list[str] = []
    if description.strip():
        parts.append(description.strip())
    if failure.node_id:
        parts.append(f"**Failing test:** `{failure.node_id}`")
    run = failure.run
    if run is not None:
        where = " ".join(
            x
            for x in (
                run.branch and f"on `{run.branch}`",
                run.commit_sha and f"at `{run.commit_sha[:12]}`",
            )
            if x
        )
        parts.append(f"**Run:** [{run.id}]({report_url(settings, run.id)}) {where}".strip())
    if failure.error_message or failure.traceback:
        error = (failure.traceback or failure.error_message or "")[-MAX_ERROR_IN_BODY:]
        parts.append("**Error**\n\n```\n" + error.replace("```", "`\u200b``") + "\n```")
    if failure.steps:
        parts.append(
            "**Steps**\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(failure.steps, 1))
        )
    if run is not None:
        artifacts = list(
            (
                await session.execute(select(RunArtifact).where(RunArtifact.run_id == run.id))
            ).scalars()
        )
        failed = int(
            await session.scalar(
                select(func.count())
                .select_from(RunTest)
                .where(RunTest.run_id == run.id, RunTest.outcome.in_(FAILED_OUTCOMES))
            )
            or 0
        )
        links = [
            f"- {a.kind}: [{a.path.rsplit('/', 1)[-1]}]"
            f"({report_url(settings, run.id)}/artifacts/{a.id})"
            for a in artifacts_of_test(artifacts, failure.node_id, failed)
        ]
        if links:
            parts.append("**Screenshots and traces**\n\n" + "\n".join(links))
    parts.append("_Filed by TestAble._")
    return "\n\n".join(parts)


async def open_duplicate(
    session: AsyncSession, project_id: uuid.UUID, print_: str
) -> Defect | None:
    return (
        await session.execute(
            select(Defect)
            .where(
                Defect.project_id == project_id,
                Defect.fingerprint == print_,
                Defect.status == DefectStatus.OPEN.value,
            )
            .order_by(Defect.number)
            .limit(1)
        )
    ).scalar_one_or_none()


async def add_occurrence(session: AsyncSession, defect: Defect, failure: Failure) -> bool:
    """Link one more failure to the defect (once per result); True when it was new."""
    if failure.run_test is not None:
        exists = await session.scalar(
            select(DefectOccurrence.id).where(
                DefectOccurrence.defect_id == defect.id,
                DefectOccurrence.run_test_id == failure.run_test.id,
            )
        )
        if exists is not None:
            return False
    at = (failure.run.finished_at if failure.run is not None else None) or utcnow()
    session.add(
        DefectOccurrence(
            defect_id=defect.id,
            run_id=failure.run.id if failure.run is not None else None,
            run_test_id=failure.run_test.id if failure.run_test is not None else None,
            outcome=failure.outcome,
            error_message=failure.error_message,
            at=at,
        )
    )
    if failure.run is not None and (defect.last_failed_at is None or at >= defect.last_failed_at):
        defect.last_failed_run_id = failure.run.id
        defect.last_failed_at = at
        # It fails again: whatever passed since is history.
        defect.passing_since_run_id = None
        defect.passing_since_at = None
    await session.flush()
    return True


async def check_assignee(session: AsyncSession, project: Project, user_id: uuid.UUID) -> None:
    if await find_membership(session, project.org_id, user_id) is None:
        raise Unprocessable(
            "assignee_id: not a member of the project's organisation",
            details=[{"field": "assignee_id", "message": "not a member of the organisation"}],
        )


async def _next_number(session: AsyncSession, project_id: uuid.UUID) -> int:
    # The project row's lock serialises numbering on PostgreSQL (SQLite writes one at a time).
    await session.execute(select(Project.id).where(Project.id == project_id).with_for_update())
    highest = await session.scalar(
        select(func.max(Defect.number)).where(Defect.project_id == project_id)
    )
    return int(highest or 0) + 1


@dataclass(frozen=True)
class Filed:
    defect: Defect
    created: bool  # False: linked to the open defect with the same test and similar error
    needs_sync: bool


async def file_defect(
    session: AsyncSession,
    project: Project,
    failure: Failure | None,
    *,
    title: str | None,
    description: str,
    severity: str,
    assignee_id: uuid.UUID | None,
    labels: list[str],
    user_id: uuid.UUID | None,
    settings: Settings,
) -> Filed:
    print_ = fingerprint(failure.node_id, failure.error_message) if failure else None
    if failure is not None and print_ is not None:
        existing = await open_duplicate(session, project.id, print_)
        if existing is not None:
            await add_occurrence(session, existing, failure)
            return Filed(existing, created=False, needs_sync=False)
    if assignee_id is not None:
        await check_assignee(session, project, assignee_id)
    repository = await tracker_for(session, project.id)
    defaults = (await project_settings(session, project.id)).default_labels or []
    chosen_title = (title or "").strip() or (default_title(failure) if failure else "")
    if not chosen_title:
        raise Unprocessable(
            "title: required when the defect is not filed from a result",
            details=[{"field": "title", "message": "required"}],
        )
    body = (
        await issue_body(session, failure, settings, description)
        if failure is not None
        else description
    )
    defect = Defect(
        project_id=project.id,
        number=await _next_number(session, project.id),
        title=chosen_title[:MAX_TITLE],
        body=body,
        error_message=failure.error_message if failure else None,
        test_node_id=failure.node_id if failure else None,
        fingerprint=print_,
        source="manual" if failure is not None and failure.manual_result_id else "automated",
        manual_result_id=failure.manual_result_id if failure else None,
        severity=severity,
        status=DefectStatus.OPEN.value,
        assignee_id=assignee_id,
        labels=_unique([*defaults, *labels]),
        tracker="github" if repository is not None else "local",
        repository_id=repository.id if repository is not None else None,
        repository_full_name=repository.full_name if repository is not None else None,
        sync_state=SyncState.PENDING.value if repository is not None else SyncState.NONE.value,
        first_run_id=failure.run.id if failure and failure.run else None,
        created_by_id=user_id,
        github_assignees=[],
    )
    if failure is None:
        defect.source = "manual"
    session.add(defect)
    await session.flush()
    if failure is not None:
        await add_occurrence(session, defect, failure)
    return Filed(defect, created=True, needs_sync=repository is not None)


def _unique(labels: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for label in labels:
        if label.strip():
            seen.setdefault(label.strip(), None)
    return list(seen)


# --------------------------------------------------------------------------- reading


async def get_defect(session: AsyncSession, defect_id: uuid.UUID, *, lock: bool = False) -> Defect:
    statement = select(Defect).where(Defect.id == defect_id)
    if lock:
        statement = statement.with_for_update()
    defect = (await session.execute(statement)).scalar_one_or_none()
    if defect is None:
        raise NotFound("No such defect.")
    return defect


async def list_defects(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    status: str | None,
    severity: str | None,
    assignee_id: uuid.UUID | None,
    milestone_id: uuid.UUID | None,
    test: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Defect], int]:
    statement = select(Defect).where(Defect.project_id == project_id)
    if status is not None:
        statement = statement.where(Defect.status == status)
    if severity is not None:
        statement = statement.where(Defect.severity == severity)
    if assignee_id is not None:
        statement = statement.where(Defect.assignee_id == assignee_id)
    if milestone_id is not None:
        statement = statement.where(Defect.milestone_id == milestone_id)
    if test:
        statement = statement.where(Defect.test_node_id.contains(test, autoescape=True))
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    page = statement.order_by(Defect.number.desc()).limit(limit).offset(offset)
    return list((await session.execute(page)).scalars()), int(total or 0)


async def occurrences(
    session: AsyncSession, defect_id: uuid.UUID
) -> list[tuple[DefectOccurrence, Run | None]]:
    rows = await session.execute(
        select(DefectOccurrence, Run)
        .outerjoin(Run, Run.id == DefectOccurrence.run_id)
        .where(DefectOccurrence.defect_id == defect_id)
        .order_by(DefectOccurrence.at.desc())
    )
    return [(o, r) for o, r in rows.all()]


async def occurrence_counts(
    session: AsyncSession, defect_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    if not defect_ids:
        return {}
    rows = await session.execute(
        select(DefectOccurrence.defect_id, func.count())
        .where(DefectOccurrence.defect_id.in_(defect_ids))
        .group_by(DefectOccurrence.defect_id)
    )
    return {defect_id: int(count) for defect_id, count in rows.all()}


# --------------------------------------------------------------------------- changing


def close(defect: Defect, reason: str) -> bool:
    if defect.status == DefectStatus.CLOSED.value:
        return False
    defect.status = DefectStatus.CLOSED.value
    defect.closed_at = utcnow()
    defect.closed_reason = reason
    return True


def reopen(defect: Defect, reason: str) -> bool:
    if defect.status == DefectStatus.OPEN.value:
        return False
    defect.status = DefectStatus.OPEN.value
    defect.closed_at = None
    defect.closed_reason = reason
    return True


async def update_defect(
    session: AsyncSession,
    project: Project,
    defect: Defect,
    changes: dict[str, Any],
    *,
    actor: str,
) -> bool:
    """Apply the fields given; True when GitHub must hear of it (title, labels, state)."""
    synced = False
    if "assignee_id" in changes:
        if changes["assignee_id"] is not None:
            await check_assignee(session, project, changes["assignee_id"])
        defect.assignee_id = changes["assignee_id"]
    if changes.get("severity") is not None:
        defect.severity = str(changes["severity"])
    if changes.get("title") is not None and changes["title"] != defect.title:
        defect.title = str(changes["title"])
        synced = True
    if changes.get("labels") is not None and list(changes["labels"]) != list(defect.labels):
        defect.labels = _unique(changes["labels"])
        synced = True
    status = changes.get("status")
    if status == DefectStatus.CLOSED.value:
        synced = close(defect, f"closed in TestAble by {actor}") or synced
    elif status == DefectStatus.OPEN.value:
        synced = reopen(defect, f"reopened in TestAble by {actor}") or synced
    if synced and defect.tracker == "github":
        defect.sync_state = SyncState.PENDING.value
        defect.sync_error = None
    await session.flush()
    return synced and defect.tracker == "github"


# --------------------------------------------------------------------------- GitHub's issues events


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Login(_Lenient):
    login: str


class _Label(_Lenient):
    name: str


class _Issue(_Lenient):
    number: int
    title: str
    state: str
    html_url: str | None = None
    labels: list[_Label] = []
    assignees: list[_Login] = []
    pull_request: dict[str, Any] | None = None


class _Repository(_Lenient):
    id: int | None = None
    full_name: str


class IssuesPayload(_Lenient):
    action: str
    issue: _Issue
    repository: _Repository
    sender: _Login | None = None


HANDLED_ACTIONS = frozenset(
    {"opened", "closed", "reopened", "edited", "assigned", "unassigned", "labeled", "unlabeled"}
)


async def defects_of_issue(session: AsyncSession, payload: IssuesPayload) -> list[Defect]:
    """Defects mirroring this issue: the repository by GitHub id when both sides know it
    (a repository deleted and created again under the name is another one), else by name."""
    repo = payload.repository
    by_id = Repository.github_repo_id == repo.id if repo.id is not None else None
    by_name = func.lower(Defect.repository_full_name) == repo.full_name.lower()
    match = (
        or_(by_id, (Repository.github_repo_id.is_(None) & by_name))
        if by_id is not None
        else by_name
    )
    rows = await session.execute(
        select(Defect)
        .join(Repository, Repository.id == Defect.repository_id)
        .where(
            Defect.tracker == "github",
            Defect.issue_number == payload.issue.number,
            match,
        )
        .with_for_update(of=Defect)
    )
    return list(rows.scalars())


async def apply_issues_event(
    session: AsyncSession, payload: dict[str, Any], settings: Settings
) -> Handled:
    """GitHub's ``issues`` webhook: the registered handler (see ``hooks.py``)."""
    del settings
    try:
        body = IssuesPayload.model_validate(payload)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        return Handled(False, "the issues payload lacks or mistypes: " + ", ".join(fields[:5]))
    if body.issue.pull_request is not None:
        return Handled(False, "a pull request, not an issue")
    if body.action not in HANDLED_ACTIONS:
        return Handled(False, f"issues action {body.action!r} changes no defect")
    defects = await defects_of_issue(session, body)
    if not defects:
        return Handled(False, f"no defect mirrors {body.repository.full_name}#{body.issue.number}")
    who = body.sender.login if body.sender is not None else "someone"
    changed = []
    for defect in defects:
        if body.action == "closed" or (body.action != "reopened" and body.issue.state == "closed"):
            close(defect, f"closed on GitHub by {who}")
        elif body.action == "reopened" or body.issue.state == "open":
            reopen(defect, f"reopened on GitHub by {who}")
        defect.title = body.issue.title[:MAX_TITLE]
        defect.labels = [label.name for label in body.issue.labels]
        defect.github_assignees = [a.login for a in body.issue.assignees]
        if body.issue.html_url:
            defect.issue_url = body.issue.html_url
        changed.append(defect_key(defect))
    await session.flush()
    return Handled(True, f"issues {body.action}: updated {', '.join(changed)}")


# --------------------------------------------------------------------------- finished runs


async def note_finished_run(session: AsyncSession, run_id: uuid.UUID) -> None:
    """A finished run links its similar failures to open defects (no duplicates), and a
    passing result of a defect's test marks "passing since" that run."""
    run = await session.get(Run, run_id)
    if run is None or run.finished_at is None:
        return
    tests = list((await session.execute(select(RunTest).where(RunTest.run_id == run_id))).scalars())
    if not tests:
        return
    open_defects = list(
        (
            await session.execute(
                select(Defect).where(
                    Defect.project_id == run.project_id,
                    Defect.status == DefectStatus.OPEN.value,
                    Defect.test_node_id.in_({t.node_id for t in tests}),
                )
            )
        ).scalars()
    )
    if not open_defects:
        return
    by_print = {d.fingerprint: d for d in open_defects if d.fingerprint}
    for test in tests:
        if test.outcome in FAILED_OUTCOMES:
            defect = by_print.get(fingerprint(test.node_id, test.error_message))
            if defect is not None:
                failure = Failure(
                    node_id=test.node_id,
                    error_message=test.error_message,
                    traceback=test.traceback,
                    steps=[],
                    run=run,
                    run_test=test,
                    outcome=test.outcome,
                )
                await add_occurrence(session, defect, failure)
        elif test.outcome == "passed":
            for defect in open_defects:
                if defect.test_node_id != test.node_id or defect.passing_since_run_id:
                    continue
                if defect.last_failed_at and run.finished_at < defect.last_failed_at:
                    continue  # an older run finishing late says nothing new
                defect.passing_since_run_id = run.id
                defect.passing_since_at = run.finished_at
    await session.flush()
