"""What a verified GitHub delivery asks of us, decided from its event name and payload.

Pure: ``interpret`` turns a payload into one of

* :class:`StartRuns` — a push or pull request as D's :class:`TriggerEvent`, for
  ``trigger_runs`` to match against the workflows;
* :class:`InstallationChange` — the GitHub App was installed, removed, suspended, or its
  repository selection changed;
* :class:`Pong` — the ping GitHub sends when a hook is created;
* :class:`Ignore` — nothing to do, with the reason stored on the delivery.

The payload models read only the fields we use and ignore the rest, so GitHub adding
fields never breaks us; a signed payload lacking a field we need is ignored with a reason
naming that field, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from backend.workflows.triggers import TriggerEvent

ZERO_SHA = "0" * 40
BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"
# Pull request actions that can start runs; each workflow then decides (pr_actions,
# required labels, drafts). "labeled" matters for workflows with required labels.
PR_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review", "labeled"})


@dataclass(frozen=True)
class StartRuns:
    event: TriggerEvent


@dataclass(frozen=True)
class RepositoryRef:
    github_repo_id: int | None
    full_name: str | None


@dataclass(frozen=True)
class InstallationChange:
    """``attach``: these repositories are now reachable through the installation;
    ``detach``: they no longer are (``repositories=None``: every repository of it);
    ``restore``: the suspended App works again, for the repositories its suspension
    disconnected."""

    installation_id: int
    change: Literal["attach", "detach", "restore"]
    repositories: tuple[RepositoryRef, ...] | None
    reason: str


@dataclass(frozen=True)
class Pong:
    zen: str | None
    hook_id: int | None


@dataclass(frozen=True)
class Ignore:
    reason: str


Outcome = StartRuns | InstallationChange | Pong | Ignore


# --------------------------------------------------------------------------- payload shapes


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Account(_Lenient):
    login: str | None = None


class _Repository(_Lenient):
    id: int
    full_name: str


class _Author(_Lenient):
    name: str | None = None
    username: str | None = None


class _HeadCommit(_Lenient):
    message: str | None = None
    author: _Author | None = None


class _Pusher(_Lenient):
    name: str | None = None


class PushPayload(_Lenient):
    ref: str
    after: str
    deleted: bool = False
    repository: _Repository
    head_commit: _HeadCommit | None = None
    pusher: _Pusher | None = None
    sender: _Account | None = None


class _Label(_Lenient):
    name: str


class _Branch(_Lenient):
    ref: str
    sha: str
    repo: _Repository | None = None  # null when the head fork was deleted


class _PullRequest(_Lenient):
    number: int
    title: str | None = None
    draft: bool = False
    labels: list[_Label] = []
    user: _Account | None = None
    head: _Branch
    base: _Branch


class PullRequestPayload(_Lenient):
    action: str
    number: int
    pull_request: _PullRequest
    repository: _Repository
    label: _Label | None = None  # the label added (``labeled``) or removed (``unlabeled``)


class _InstallationRepository(_Lenient):
    id: int | None = None
    full_name: str | None = None


class _Installation(_Lenient):
    id: int


class InstallationPayload(_Lenient):
    action: str
    installation: _Installation
    repositories: list[_InstallationRepository] | None = None


class InstallationRepositoriesPayload(_Lenient):
    action: str
    installation: _Installation
    repositories_added: list[_InstallationRepository] = []
    repositories_removed: list[_InstallationRepository] = []


class PingPayload(_Lenient):
    zen: str | None = None
    hook_id: int | None = None


# --------------------------------------------------------------------------- interpretation


def _missing_fields(exc: ValidationError) -> str:
    fields = sorted({".".join(str(p) for p in error["loc"]) for error in exc.errors()})
    return ", ".join(fields[:5])


def interpret(event: str, payload: dict[str, Any], *, delivery_id: str | None) -> Outcome:
    handler = _HANDLERS.get(event)
    if handler is None:
        return Ignore(f"the {event!r} event is not handled")
    try:
        return handler(payload, delivery_id)
    except ValidationError as exc:
        return Ignore(f"the {event} payload lacks or mistypes: {_missing_fields(exc)}")


def _push(payload: dict[str, Any], delivery_id: str | None) -> Outcome:
    push = PushPayload.model_validate(payload)
    if push.ref.startswith(TAG_PREFIX):
        return Ignore(f"tag push ({push.ref[len(TAG_PREFIX) :]}): tags do not start runs")
    if not push.ref.startswith(BRANCH_PREFIX):
        return Ignore(f"push to {push.ref!r}, which is not a branch")
    branch = push.ref[len(BRANCH_PREFIX) :]
    if push.deleted or push.after == ZERO_SHA:
        return Ignore(f"branch {branch!r} was deleted")
    head = push.head_commit
    author = None
    if head is not None and head.author is not None:
        author = head.author.username or head.author.name
    if author is None:
        author = (push.sender.login if push.sender else None) or (
            push.pusher.name if push.pusher else None
        )
    return StartRuns(
        TriggerEvent(
            kind="push",
            repository_full_name=push.repository.full_name,
            github_repo_id=push.repository.id,
            branch=branch,
            commit_sha=push.after,
            commit_message=head.message if head is not None else None,
            author=author,
            delivery_id=delivery_id,
        )
    )


def _pull_request(payload: dict[str, Any], delivery_id: str | None) -> Outcome:
    body = PullRequestPayload.model_validate(payload)
    pr = body.pull_request
    if body.action not in PR_ACTIONS:
        return Ignore(f"pull request action {body.action!r} does not start runs")
    head_repo = pr.head.repo
    if head_repo is None or head_repo.id != body.repository.id:
        # A fork's code would run with the workflow's environment variables (secrets):
        # like GitHub Actions, we do not hand them to outside contributors' code.
        source = head_repo.full_name if head_repo is not None else "a deleted fork"
        return Ignore(f"pull request #{body.number} comes from a fork ({source})")
    return StartRuns(
        TriggerEvent(
            kind="pull_request",
            repository_full_name=body.repository.full_name,
            github_repo_id=body.repository.id,
            branch=pr.head.ref,
            commit_sha=pr.head.sha,
            pr_number=body.number,
            pr_action=body.action,
            pr_draft=pr.draft,
            pr_labels=tuple(label.name for label in pr.labels),
            pr_title=pr.title,
            author=pr.user.login if pr.user else None,
            base_branch=pr.base.ref,
            delivery_id=delivery_id,
            added_label=body.label.name if body.action == "labeled" and body.label else None,
        )
    )


def _refs(items: list[_InstallationRepository]) -> tuple[RepositoryRef, ...]:
    return tuple(RepositoryRef(github_repo_id=i.id, full_name=i.full_name) for i in items)


def _installation(payload: dict[str, Any], delivery_id: str | None) -> Outcome:
    body = InstallationPayload.model_validate(payload)
    installation_id = body.installation.id
    if body.action == "created":
        if not body.repositories:
            return Ignore("installation created without a repository list")
        return InstallationChange(
            installation_id, "attach", _refs(body.repositories), "app installed"
        )
    if body.action in ("deleted", "suspend"):
        verb = "uninstalled" if body.action == "deleted" else "suspended"
        return InstallationChange(installation_id, "detach", None, f"app {verb}")
    if body.action == "unsuspend":
        return InstallationChange(installation_id, "restore", None, "app unsuspended")
    return Ignore(f"installation action {body.action!r} needs nothing from us")


def _installation_repositories(payload: dict[str, Any], delivery_id: str | None) -> Outcome:
    body = InstallationRepositoriesPayload.model_validate(payload)
    installation_id = body.installation.id
    if body.action == "added" and body.repositories_added:
        return InstallationChange(
            installation_id, "attach", _refs(body.repositories_added), "repositories added"
        )
    if body.action == "removed" and body.repositories_removed:
        return InstallationChange(
            installation_id, "detach", _refs(body.repositories_removed), "repositories removed"
        )
    return Ignore(f"installation_repositories {body.action!r} lists no repositories")


def _ping(payload: dict[str, Any], delivery_id: str | None) -> Outcome:
    body = PingPayload.model_validate(payload)
    return Pong(zen=body.zen, hook_id=body.hook_id)


_HANDLERS = {
    "push": _push,
    "pull_request": _pull_request,
    "installation": _installation,
    "installation_repositories": _installation_repositories,
    "ping": _ping,
}
