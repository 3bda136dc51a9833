"""GitHub Checks against a fake GitHub that validates every body with GitHub's REST description."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backend.reports.base import DeliveryError, DeliveryState, ReporterContext
from backend.reports.destinations.github_checks import (
    SUMMARY_MAX_BYTES,
    GitHubChecksReporter,
    GitHubChecksSettings,
    annotations_for,
    summary,
)
from tests.reports.destinations.conftest import SHA, failing_test, make_report
from tests.reports.destinations.fake_http import FakeService
from tests.reports.destinations.github_fake import FakeGitHub, request_errors

CHECK_RUNS = r"/repos/octo/shop/check-runs"
CHECK_RUN = r"/repos/octo/shop/check-runs/\d+"


async def test_check_run_goes_in_progress_at_start_then_completes_with_annotations(
    fake: FakeService, ctx: ReporterContext
) -> None:
    github = FakeGitHub(fake)
    reporter, cfg = GitHubChecksReporter(), GitHubChecksSettings()
    report = make_report()

    started = await reporter.start(replace(report, status="running"), cfg, DeliveryState(), ctx)
    assert started is not None
    assert started.external_id is not None
    (create,) = fake.calls("POST", CHECK_RUNS)
    assert create.body["status"] == "in_progress"
    assert create.body["head_sha"] == SHA
    assert create.body["external_id"] == str(report.run_id)
    assert create.body["details_url"] == report.report_url

    done = await reporter.deliver(report, cfg, DeliveryState(started.external_id, 1), ctx)
    assert done.external_id == started.external_id
    assert done.link
    assert done.link.startswith("https://github.com/octo/shop/runs/")
    (complete,) = fake.calls("PATCH", CHECK_RUN)
    assert complete.path.endswith(f"/{started.external_id}")
    assert complete.body["status"] == "completed"
    assert complete.body["conclusion"] == "failure"
    assert complete.body["output"]["title"].startswith("3 tests: 2 passed, 1 failed")
    assert report.report_url in complete.body["output"]["summary"]
    failure, flaky = github.annotations[int(started.external_id)]
    # path and line come from the traceback's line in the test file
    assert (failure["path"], failure["start_line"], failure["end_line"]) == (
        "tests/e2e/test_checkout.py",
        42,
        42,
    )
    assert failure["annotation_level"] == "failure"
    assert "14.00" in failure["message"]
    assert flaky["annotation_level"] == "warning"
    assert flaky["path"] == "tests/e2e/test_search.py"
    assert github.check_runs[int(started.external_id)]["conclusion"] == "failure"
    assert github.contract_violations == []
    assert fake.requests[0].header("authorization") == "Bearer ghs_installation_token"


async def test_more_than_50_annotations_are_sent_50_per_request(
    fake: FakeService, ctx: ReporterContext
) -> None:
    github = FakeGitHub(fake)
    report = make_report(tests=[failing_test(i) for i in range(120)])

    result = await GitHubChecksReporter().deliver(
        report, GitHubChecksSettings(annotate_flaky=False), DeliveryState(), ctx
    )

    # no check run yet (start was never called): created completed, then two more PATCHes
    sizes = [
        len(r.body["output"]["annotations"]) for r in fake.requests if r.method in ("POST", "PATCH")
    ]
    assert sizes == [50, 50, 20]
    assert fake.calls("POST", CHECK_RUNS)[0].body["conclusion"] == "failure"
    assert len(github.annotations[int(result.external_id or 0)]) == 120
    assert github.contract_violations == []


async def test_a_retry_after_refused_annotations_updates_the_check_run_it_made(
    fake: FakeService, ctx: ReporterContext
) -> None:
    github = FakeGitHub(fake, fail_request={2: 502})  # the second annotations batch
    report = make_report(tests=[failing_test(i) for i in range(70)])
    reporter, cfg = GitHubChecksReporter(), GitHubChecksSettings()

    with pytest.raises(DeliveryError) as refused:
        await reporter.deliver(report, cfg, DeliveryState(), ctx)
    assert refused.value.retryable
    assert refused.value.external_id is not None
    retried = await reporter.deliver(report, cfg, DeliveryState(refused.value.external_id, 1), ctx)

    assert retried.external_id == refused.value.external_id
    assert len(github.check_runs) == 1
    assert github.contract_violations == []


async def test_a_check_run_deleted_since_start_is_created_again(
    fake: FakeService, ctx: ReporterContext
) -> None:
    github = FakeGitHub(fake)

    result = await GitHubChecksReporter().deliver(
        make_report(status="passed", tests=[]),
        GitHubChecksSettings(),
        DeliveryState(external_id="999999", attempts=1),
        ctx,
    )

    assert [r.method for r in fake.requests] == ["PATCH", "POST"]
    created = github.check_runs[int(result.external_id or 0)]
    assert (created["status"], created["conclusion"]) == ("completed", "success")
    assert github.contract_violations == []


def test_summary_is_cut_at_a_character_boundary_with_a_link_to_the_full_report() -> None:
    huge = "ünïcødé ✓ " * 4_000  # multi-byte characters
    report = make_report(tests=[failing_test(i, traceback=huge) for i in range(10)])

    text = summary(report)

    encoded = text.encode("utf-8")
    assert len(encoded) <= SUMMARY_MAX_BYTES
    assert encoded.decode("utf-8") == text
    assert text.endswith(f"[Full report]({report.report_url})")
    assert "(cut)" in text
    assert text.count("```") % 2 == 0  # no code block left open
    assert request_errors("checks/update", {"output": {"summary": text}}) == []


def test_annotation_location_falls_back_to_the_test_file_without_a_traceback_line() -> None:
    report = make_report(
        tests=[
            failing_test(traceback="Timeout waiting for selector"),
            failing_test(file="/tmp/checkout-xyz/tests/e2e/test_checkout.py", line=9),
        ]
    )

    first, second = annotations_for(report, annotate_flaky=False)

    assert (first["path"], first["start_line"]) == ("tests/e2e/test_checkout.py", 1)
    assert (second["path"], second["start_line"]) == ("tests/e2e/test_checkout.py", 9)


async def test_github_errors_are_retryable_only_when_github_may_recover(
    fake: FakeService, ctx: ReporterContext
) -> None:
    github = FakeGitHub(fake)
    reporter, cfg = GitHubChecksReporter(), GitHubChecksSettings()

    github.fail_next = [502]
    with pytest.raises(DeliveryError) as server_error:
        await reporter.deliver(make_report(), cfg, DeliveryState(), ctx)
    assert server_error.value.retryable

    github.fail_next = [422]
    with pytest.raises(DeliveryError) as invalid:
        await reporter.deliver(make_report(), cfg, DeliveryState(), ctx)
    assert not invalid.value.retryable
    assert "422" in str(invalid.value)

    no_access = replace(ctx, github_token=None)
    with pytest.raises(DeliveryError) as missing:
        await reporter.deliver(make_report(), cfg, DeliveryState(), no_access)
    assert not missing.value.retryable


async def test_a_run_without_a_github_commit_gets_no_check_run(
    fake: FakeService, ctx: ReporterContext
) -> None:
    FakeGitHub(fake)
    report = make_report(repository_full_name=None, trigger="manual")

    assert (
        await GitHubChecksReporter().start(report, GitHubChecksSettings(), DeliveryState(), ctx)
        is None
    )
    result = await GitHubChecksReporter().deliver(
        report, GitHubChecksSettings(), DeliveryState(), ctx
    )

    assert result.external_id is None
    assert fake.requests == []


def test_the_contract_check_rejects_bodies_github_would_reject() -> None:
    # Proves the validation above is not vacuous.
    assert request_errors("checks/create", {"name": "TestAble"})  # no head_sha
    assert request_errors("checks/update", {"status": "completed"})  # no conclusion
    too_many = [
        {
            "path": "a.py",
            "start_line": 1,
            "end_line": 1,
            "annotation_level": "failure",
            "message": "m",
        }
    ] * 51
    assert request_errors("checks/update", {"output": {"summary": "s", "annotations": too_many}})
