"""Trigger matching (pure): branch strategies with globs and regexes, push and pull-request
rules, drafts, labels, [skip ci] markers, manual and schedule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from backend.workflows.config import parse_config
from backend.workflows.triggers import TriggerEvent, glob_to_regex, matches, pattern_matches

PUSH = TriggerEvent(
    kind="push",
    repository_full_name="octo/shop",
    github_repo_id=1,
    branch="main",
    commit_sha="a" * 40,
    commit_message="Add basket",
)
PR = TriggerEvent(
    kind="pull_request",
    repository_full_name="octo/shop",
    github_repo_id=1,
    branch="feature/basket",
    base_branch="main",
    commit_sha="b" * 40,
    pr_number=7,
    pr_action="opened",
    pr_title="Basket",
)


def config(**data: Any) -> Any:
    return parse_config(data)


@pytest.mark.parametrize(
    ("pattern", "branch", "expected"),
    [
        ("main", "main", True),
        ("main", "main2", False),
        ("release/*", "release/1.2", True),
        ("release/*", "release/1.2/hotfix", False),
        ("release/**", "release/1.2/hotfix", True),
        ("feature-?", "feature-a", True),
        ("feature-?", "feature-ab", False),
        ("v1.0", "v1x0", False),  # a dot is a dot in a glob
        ("re:^hotfix-\\d+$", "hotfix-12", True),
        ("re:^hotfix-\\d+$", "hotfix-x", False),
        ("re:dependabot", "chore/dependabot/npm", True),  # regexes search
    ],
)
def test_branch_patterns(pattern: str, branch: str, expected: bool) -> None:
    assert pattern_matches(pattern, branch) is expected


def test_glob_translation_is_anchored() -> None:
    assert glob_to_regex("a*") == "^a[^/]*$"


def test_all_branches_except_exclusions() -> None:
    rules = config(branches={"strategy": "all", "exclude": ["dependabot/**", "re:^wip-"]})
    assert matches(rules, PUSH, []).ok
    blocked = matches(rules, replace(PUSH, branch="dependabot/npm/x"), [])
    assert not blocked.ok
    assert "excluded" in blocked.reason
    assert not matches(rules, replace(PUSH, branch="wip-login"), []).ok


def test_branch_list_strategy() -> None:
    rules = config(branches={"strategy": "list", "include": ["main", "release/*"]})
    assert matches(rules, replace(PUSH, branch="release/2"), []).ok
    assert not matches(rules, replace(PUSH, branch="feature/x"), []).ok


def test_protected_strategy_uses_githubs_protected_branches() -> None:
    rules = config(branches={"strategy": "protected"})
    assert matches(rules, PUSH, ["main"]).ok
    assert not matches(rules, PUSH, ["production"]).ok
    excluded = config(branches={"strategy": "protected", "exclude": ["main"]})
    assert not matches(excluded, PUSH, ["main"]).ok


def test_push_trigger_off_and_deleted_branches() -> None:
    assert not matches(config(triggers={"push": False}), PUSH, []).ok
    assert not matches(config(), replace(PUSH, deleted=True), []).ok


@pytest.mark.parametrize("message", ["Fix typo [skip ci]", "[CI SKIP] docs", "x\n\n[skip ci]"])
def test_skip_ci_markers_in_commit_messages(message: str) -> None:
    skipped = matches(config(), replace(PUSH, commit_message=message), [])
    assert not skipped.ok
    assert "skip" in skipped.reason
    honoured_off = config(triggers={"skip_ci_markers": False})
    assert matches(honoured_off, replace(PUSH, commit_message=message), []).ok


def test_pull_request_actions() -> None:
    only_opened = config(triggers={"pr_actions": ["opened"]})
    assert matches(only_opened, PR, []).ok
    assert not matches(only_opened, replace(PR, pr_action="synchronize"), []).ok
    assert not matches(config(), replace(PR, pr_action="closed"), []).ok
    assert not matches(config(triggers={"pull_request": False}), PR, []).ok


def test_drafts_are_skipped_unless_included() -> None:
    draft = replace(PR, pr_draft=True)
    assert not matches(config(), draft, []).ok
    assert matches(config(triggers={"include_drafts": True}), draft, []).ok
    # Marking a draft ready sends ready_for_review with draft=false.
    ready = replace(PR, pr_action="ready_for_review", pr_draft=False)
    assert matches(config(), ready, []).ok


def test_required_labels_must_all_be_present() -> None:
    rules = config(triggers={"required_labels": ["qa", "e2e"]})
    missing = matches(rules, replace(PR, pr_labels=("qa",)), [])
    assert not missing.ok
    assert "e2e" in missing.reason
    assert matches(rules, replace(PR, pr_labels=("e2e", "qa", "other")), []).ok


def test_labelling_starts_a_run_only_for_workflows_that_require_labels() -> None:
    labelled = replace(PR, pr_action="labeled", pr_labels=("qa",), added_label="qa")
    assert matches(config(triggers={"required_labels": ["qa"]}), labelled, []).ok
    assert not matches(config(triggers={"required_labels": ["qa", "e2e"]}), labelled, []).ok
    assert not matches(config(), labelled, []).ok  # no label required: labels change nothing


def test_only_adding_a_required_label_starts_a_run() -> None:
    rules = config(triggers={"required_labels": ["qa"]})
    # "qa" was there already; adding "docs" must not start another run.
    other = replace(PR, pr_action="labeled", pr_labels=("qa", "docs"), added_label="docs")
    refused = matches(rules, other, [])
    assert not refused.ok
    assert "'docs'" in refused.reason
    unknown = replace(PR, pr_action="labeled", pr_labels=("qa",), added_label=None)
    assert not matches(rules, unknown, []).ok
    both = config(triggers={"required_labels": ["qa", "e2e"]})
    last = replace(PR, pr_action="labeled", pr_labels=("e2e", "qa"), added_label="e2e")
    assert matches(both, last, []).ok


def test_pull_request_branch_rules_apply_to_the_base_branch() -> None:
    rules = config(branches={"strategy": "list", "include": ["main"]})
    assert matches(rules, PR, []).ok  # head feature/basket -> base main
    assert not matches(rules, replace(PR, base_branch="develop"), []).ok


def test_skip_ci_in_a_pull_request_title() -> None:
    assert not matches(config(), replace(PR, pr_title="WIP [skip ci]"), []).ok


def test_manual_and_schedule_events() -> None:
    manual = replace(PUSH, kind="manual", branch="anything")
    schedule = replace(PUSH, kind="schedule")
    assert matches(config(branches={"strategy": "list", "include": ["main"]}), manual, []).ok
    assert not matches(config(triggers={"manual": False}), manual, []).ok
    assert not matches(config(), schedule, []).ok
    assert matches(config(triggers={"schedule": {"cron": "0 * * * *"}}), schedule, []).ok


def test_trigger_info_keeps_what_reports_need_and_drops_empty_values() -> None:
    info = replace(PR, author="mona", delivery_id="d-1").info()
    assert info == {
        "kind": "pull_request",
        "repository": "octo/shop",
        "pr_title": "Basket",
        "pr_action": "opened",
        "author": "mona",
        "head_ref": "feature/basket",
        "base_ref": "main",
        "delivery_id": "d-1",
    }
