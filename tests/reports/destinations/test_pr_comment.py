"""The pull-request comment: one per PR and project, found by its hidden marker, updated."""

from __future__ import annotations

from dataclasses import replace

from backend.reports.base import DeliveryState, ReporterContext
from backend.reports.destinations.pr_comment import (
    PullRequestCommentReporter,
    PullRequestCommentSettings,
    comment_body,
    marker,
)
from tests.reports.destinations.conftest import failing_test, make_report
from tests.reports.destinations.fake_http import FakeService
from tests.reports.destinations.github_fake import FakeGitHub

COMMENTS = r"/repos/octo/shop/issues/7/comments"
COMMENT = r"/repos/octo/shop/issues/comments/\d+"


async def test_one_comment_per_pull_request_is_updated_in_place_run_after_run(
    fake: FakeService, ctx: ReporterContext
) -> None:
    github = FakeGitHub(fake)
    for i in range(130):  # a busy PR: the marker search must page (100 per page)
        github.add_comment(7, f"review remark {i}")
    reporter, cfg = PullRequestCommentReporter(), PullRequestCommentSettings()

    first = await reporter.deliver(make_report(), cfg, DeliveryState(), ctx)
    # next run, the comment id not known (a new run has a fresh delivery record)
    second = await reporter.deliver(
        make_report(status="passed", tests=[]), cfg, DeliveryState(), ctx
    )
    # a retry of that run's delivery knows the id: no search at all
    listed_before = len(fake.calls("GET", COMMENTS))
    third = await reporter.deliver(
        make_report(status="passed", tests=[]), cfg, DeliveryState(second.external_id, 1), ctx
    )

    ours = [c for c in github.comments_on(7) if marker(make_report()) in c["body"]]
    assert len(ours) == 1
    assert first.external_id == second.external_id == third.external_id == str(ours[0]["id"])
    assert "passed" in ours[0]["body"]
    assert len(fake.calls("POST", COMMENTS)) == 1
    assert len(fake.calls("PATCH", COMMENT)) == 2
    assert len(fake.calls("GET", COMMENTS)) == listed_before
    # the second search went through both pages to find the marker on page 2
    pages = [r.query.get("page", ["1"])[0] for r in fake.calls("GET", COMMENTS)]
    assert pages == ["1", "2", "1", "2"]
    assert first.link
    assert first.link.endswith(f"#issuecomment-{ours[0]['id']}")
    assert github.contract_violations == []


async def test_a_deleted_comment_is_replaced_by_a_new_one(
    fake: FakeService, ctx: ReporterContext
) -> None:
    github = FakeGitHub(fake)

    result = await PullRequestCommentReporter().deliver(
        make_report(), PullRequestCommentSettings(), DeliveryState("424242", 1), ctx
    )

    assert [r.method for r in fake.requests] == ["PATCH", "POST"]
    assert [c["id"] for c in github.comments_on(7)] == [int(result.external_id or 0)]
    assert github.contract_violations == []


async def test_another_projects_comment_on_the_same_pr_is_left_alone(
    fake: FakeService, ctx: ReporterContext
) -> None:
    github = FakeGitHub(fake)
    other = github.add_comment(7, "<!-- testable:report project=someone-else -->\nold")

    await PullRequestCommentReporter().deliver(
        make_report(), PullRequestCommentSettings(), DeliveryState(), ctx
    )

    assert github.comments[other["id"]]["body"].endswith("old")
    assert len(github.comments_on(7)) == 2


def test_comment_content_follows_the_verbosity() -> None:
    report = make_report(
        tests=[*make_report().tests, failing_test(1, traceback="Traceback: the full story")],
        counts={"total": 4, "passed": 2, "failed": 2, "flaky": 1},
    )

    minimal = comment_body(report, "minimal")
    normal = comment_body(report, "normal")
    full = comment_body(report, "full")

    for body in (minimal, normal, full):
        assert body.startswith(marker(report))
        assert "2 passed, 2 failed" in body
        assert report.report_url in body
    assert "Failures" not in minimal
    assert "85%" in minimal
    assert "#### Failures (2)" in normal
    assert "test_checkout_total[1]" in normal
    assert "#### Flaky (1)" in normal
    assert "test_search" in normal
    # cache statistics: hit rate, resolver calls avoided
    assert "| 85% | 17/20 | 17 | 3 |" in normal
    assert "the full story" not in normal
    assert "the full story" in full


async def test_a_push_run_gets_no_comment(fake: FakeService, ctx: ReporterContext) -> None:
    FakeGitHub(fake)

    result = await PullRequestCommentReporter().deliver(
        replace(make_report(), pr_number=None, trigger="push"),
        PullRequestCommentSettings(),
        DeliveryState(),
        ctx,
    )

    assert result.external_id is None
    assert fake.requests == []


def test_text_from_tests_is_shown_as_code_so_it_cannot_ping_or_render() -> None:
    report = make_report(
        tests=[failing_test(error_message="ping @octo/qa `now` <img src=x>")],
    )

    body = comment_body(report, "normal")

    assert ": `ping @octo/qa ʼnowʼ <img src=x>`" in body
