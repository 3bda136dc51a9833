"""What each GitHub payload asks of us (pure: no database, no HTTP), and the signature
rule, checked against GitHub's documented example."""

from __future__ import annotations

import copy

import pytest

from backend.github.events import (
    Ignore,
    InstallationChange,
    Pong,
    RepositoryRef,
    StartRuns,
    interpret,
)
from backend.github.webhooks import decode_payload, sign, signature_matches, subject_of
from tests.github.webhook_helpers import HELLO_WORLD, HELLO_WORLD_ID, load


def test_the_signature_matches_githubs_documented_example() -> None:
    # https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign("It's a Secret to Everybody", b"Hello, World!") == expected
    assert signature_matches("It's a Secret to Everybody", b"Hello, World!", expected)
    assert not signature_matches("It's a Secret to Everybody", b"Hello, World?", expected)
    assert not signature_matches("It's a Secret to Everybody", b"Hello, World!", "sha1=abc")
    assert not signature_matches("secret", b"body", "sha256=é")


def test_a_branch_push_starts_runs_with_commit_branch_and_author() -> None:
    outcome = interpret("push", load("push.with-new-branch"), delivery_id="d-1")

    assert isinstance(outcome, StartRuns)
    event = outcome.event
    assert event.kind == "push"
    assert (event.repository_full_name, event.github_repo_id) == (HELLO_WORLD, HELLO_WORLD_ID)
    assert event.branch == "master"
    assert event.commit_sha == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert event.commit_message == "Initial commit"
    assert event.author == "Codertocat"
    assert event.delivery_id == "d-1"


def test_a_tag_push_is_ignored() -> None:
    outcome = interpret("push", load("push"), delivery_id=None)

    assert outcome == Ignore("tag push (simple-tag): tags do not start runs")


def test_a_branch_deletion_is_ignored() -> None:
    payload = load("push.with-new-branch")
    payload.update(deleted=True, after="0" * 40, head_commit=None)

    assert interpret("push", payload, delivery_id=None) == Ignore("branch 'master' was deleted")


def test_a_push_keeps_the_head_commit_message_for_skip_ci() -> None:
    payload = load("push.with-new-branch")
    payload["head_commit"]["message"] = "Fix typo [skip ci]"

    outcome = interpret("push", payload, delivery_id=None)

    assert isinstance(outcome, StartRuns)
    assert outcome.event.commit_message == "Fix typo [skip ci]"


@pytest.mark.parametrize("name", ["pull_request.opened", "pull_request.synchronize"])
def test_a_pull_request_starts_runs_with_head_base_labels_and_number(name: str) -> None:
    outcome = interpret("pull_request", load(name), delivery_id="d-2")

    assert isinstance(outcome, StartRuns)
    event = outcome.event
    assert event.kind == "pull_request"
    assert event.pr_number == 2
    assert event.pr_action == name.split(".")[1]
    assert (event.branch, event.base_branch) == ("changes", "master")
    assert event.commit_sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    assert event.pr_labels == ("bug",)
    assert event.pr_draft is False
    assert event.pr_title == "Update the README with new information."
    assert event.author == "Codertocat"


def test_a_labeled_pull_request_is_passed_on_for_label_rules() -> None:
    outcome = interpret("pull_request", load("pull_request.labeled"), delivery_id=None)

    assert isinstance(outcome, StartRuns)
    assert outcome.event.pr_action == "labeled"


def test_a_draft_flag_is_carried() -> None:
    payload = load("pull_request.opened")
    payload["pull_request"]["draft"] = True

    outcome = interpret("pull_request", payload, delivery_id=None)

    assert isinstance(outcome, StartRuns)
    assert outcome.event.pr_draft is True


def test_a_closed_pull_request_is_ignored() -> None:
    payload = load("pull_request.opened")
    payload["action"] = "closed"

    assert interpret("pull_request", payload, delivery_id=None) == Ignore(
        "pull request action 'closed' does not start runs"
    )


def test_a_pull_request_from_a_fork_is_ignored() -> None:
    payload = load("pull_request.opened")
    head_repo = copy.deepcopy(payload["pull_request"]["head"]["repo"])
    head_repo.update(id=999, full_name="mallory/Hello-World")
    payload["pull_request"]["head"]["repo"] = head_repo

    outcome = interpret("pull_request", payload, delivery_id=None)

    assert outcome == Ignore("pull request #2 comes from a fork (mallory/Hello-World)")


def test_an_installation_attaches_its_repositories() -> None:
    outcome = interpret("installation", load("installation.created"), delivery_id=None)

    assert outcome == InstallationChange(
        installation_id=957387,
        change="attach",
        repositories=(RepositoryRef(186853002, HELLO_WORLD),),
        reason="app installed",
    )


@pytest.mark.parametrize(
    ("action", "reason"), [("deleted", "app uninstalled"), ("suspend", "app suspended")]
)
def test_an_uninstalled_or_suspended_app_detaches_every_repository(
    action: str, reason: str
) -> None:
    payload = load("installation.created")
    payload["action"] = action

    outcome = interpret("installation", payload, delivery_id=None)

    assert outcome == InstallationChange(957387, "detach", None, reason)


def test_repositories_removed_from_an_installation_are_detached() -> None:
    payload = {
        "action": "removed",
        "installation": {"id": 957387},
        "repository_selection": "selected",
        "repositories_added": [],
        "repositories_removed": [{"id": 186853002, "full_name": HELLO_WORLD}],
    }

    outcome = interpret("installation_repositories", payload, delivery_id=None)

    assert outcome == InstallationChange(
        957387, "detach", (RepositoryRef(186853002, HELLO_WORLD),), "repositories removed"
    )


def test_a_ping_is_a_pong() -> None:
    payload = load("ping")
    assert interpret("ping", payload, delivery_id=None) == Pong(payload["zen"], 109948940)


def test_a_signed_payload_lacking_fields_is_ignored_naming_them() -> None:
    outcome = interpret("push", {"ref": "refs/heads/main"}, delivery_id=None)

    assert isinstance(outcome, Ignore)
    assert outcome.reason == "the push payload lacks or mistypes: after, repository"


def test_an_unknown_event_is_ignored() -> None:
    assert interpret("star", {}, delivery_id=None) == Ignore("the 'star' event is not handled")


def test_subjects_are_read_from_any_payload_shape() -> None:
    subject = subject_of(load("pull_request.opened"))
    assert (subject.action, subject.repository_full_name, subject.github_repo_id) == (
        "opened",
        HELLO_WORLD,
        HELLO_WORLD_ID,
    )
    assert subject.installation_id == 1
    odd = subject_of({"action": 3, "repository": "x", "installation": {"id": True}})
    assert (odd.action, odd.repository_full_name, odd.installation_id) == (None, None, None)


def test_form_encoded_bodies_are_decoded() -> None:
    assert decode_payload(b"payload=%7B%22a%22%3A1%7D", "application/x-www-form-urlencoded") == {
        "a": 1
    }
