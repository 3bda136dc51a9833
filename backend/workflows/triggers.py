"""Which workflows an event starts.

``matches`` is pure: a workflow's config, an event and the repository's protected branches
in, a yes/no with the reason out. ``service.trigger_runs`` applies it to every enabled
workflow of the repositories an event names and queues a run for each match; the caller
records the runs' jobs on the outbox, which sends them after the commit.

Branch patterns are globs (``*`` within one path segment, ``**`` across segments, ``?``
one character) or ``re:<regex>`` (Python syntax, searched: anchor with ``^``/``$``).
For pull requests the rules apply to the *base* branch, as GitHub Actions does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from backend.workflows.config import REGEX_PREFIX, BranchConfig, WorkflowConfig

EventKind = Literal["push", "pull_request", "manual", "schedule"]
SKIP_CI_MARKERS = ("[skip ci]", "[ci skip]")


@dataclass(frozen=True)
class TriggerEvent:
    kind: EventKind
    repository_full_name: str | None
    github_repo_id: int | None
    branch: str
    commit_sha: str | None
    commit_message: str | None = None
    pr_number: int | None = None
    pr_action: str | None = None
    pr_draft: bool = False
    pr_labels: tuple[str, ...] = ()
    pr_title: str | None = None
    author: str | None = None
    base_branch: str | None = None
    delivery_id: str | None = None
    deleted: bool = False
    added_label: str | None = None  # the label a ``labeled`` pull request event added

    def info(self) -> dict[str, Any]:
        """What a run records about its trigger (``Run.trigger_info``)."""
        values = {
            "kind": self.kind,
            "repository": self.repository_full_name,
            "commit_message": self.commit_message,
            "pr_title": self.pr_title,
            "pr_action": self.pr_action,
            "author": self.author,
            "head_ref": self.branch,
            "base_ref": self.base_branch,
            "delivery_id": self.delivery_id,
            "added_label": self.added_label,
        }
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Match:
    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


# --------------------------------------------------------------------------- patterns


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern.startswith(REGEX_PREFIX):
        return re.compile(pattern[len(REGEX_PREFIX) :])
    return re.compile(glob_to_regex(pattern))


def glob_to_regex(glob: str) -> str:
    """An anchored regex for a branch glob (``**`` crosses ``/``, ``*`` does not)."""
    out = ["^"]
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
        i += 1
    out.append("$")
    return "".join(out)


def pattern_matches(pattern: str, branch: str) -> bool:
    return _compiled(pattern).search(branch) is not None


def branch_allowed(rules: BranchConfig, branch: str, protected: Sequence[str]) -> Match:
    for pattern in rules.exclude:
        if pattern_matches(pattern, branch):
            return Match(False, f"branch {branch!r} is excluded by {pattern!r}")
    if rules.strategy == "all":
        return Match(True, "every branch")
    if rules.strategy == "list":
        for pattern in rules.include:
            if pattern_matches(pattern, branch):
                return Match(True, f"branch {branch!r} matches {pattern!r}")
        return Match(False, f"branch {branch!r} is not in the branch list")
    # "protected": GitHub's protected branches, plus any listed pattern.
    if branch in protected:
        return Match(True, f"branch {branch!r} is protected")
    for pattern in rules.include:
        if pattern_matches(pattern, branch):
            return Match(True, f"branch {branch!r} matches {pattern!r}")
    return Match(False, f"branch {branch!r} is not protected")


def has_skip_marker(*texts: str | None) -> str | None:
    for text in texts:
        if not text:
            continue
        lowered = text.lower()
        for marker in SKIP_CI_MARKERS:
            if marker in lowered:
                return marker
    return None


# --------------------------------------------------------------------------- matching


def matches(config: WorkflowConfig, event: TriggerEvent, protected: Sequence[str]) -> Match:
    """Whether ``event`` starts a run of a workflow with this ``config``, and why (not)."""
    triggers = config.triggers
    if event.kind == "manual":
        return Match(True, "manual run") if triggers.manual else Match(False, "manual runs off")
    if event.kind == "schedule":
        if triggers.schedule is None:
            return Match(False, "no schedule")
        return Match(True, "scheduled")
    if event.deleted:
        return Match(False, "the branch was deleted")
    if event.kind == "push":
        if not triggers.push:
            return Match(False, "push trigger off")
        if triggers.skip_ci_markers and (marker := has_skip_marker(event.commit_message)):
            return Match(False, f"commit message says {marker}")
        return branch_allowed(config.branches, event.branch, protected)
    # pull_request
    if not triggers.pull_request:
        return Match(False, "pull request trigger off")
    if event.pr_action == "labeled":
        # Adding the last missing required label starts a run, as if the PR had been pushed
        # again; any other label (or one added when a required one is still missing) not.
        if not triggers.required_labels:
            return Match(False, "labels added: the workflow requires no label")
        if event.added_label not in triggers.required_labels:
            return Match(False, f"label {event.added_label!r} added is not a required label")
    elif event.pr_action not in triggers.pr_actions:
        return Match(False, f"pull request action {event.pr_action!r} not selected")
    if event.pr_draft and not triggers.include_drafts:
        return Match(False, "draft pull request")
    missing = [label for label in triggers.required_labels if label not in event.pr_labels]
    if missing:
        return Match(False, f"missing required label(s): {', '.join(missing)}")
    if triggers.skip_ci_markers and (
        marker := has_skip_marker(event.commit_message, event.pr_title)
    ):
        return Match(False, f"pull request says {marker}")
    return branch_allowed(config.branches, event.base_branch or event.branch, protected)
