"""A step the lenient resolver accepted by containment (issue #11 point 8) is marked in the
PR comment and on the report page, so a reviewer sees it was not an exact match."""

from __future__ import annotations

from backend.reports.base import TestLine
from backend.reports.destinations.pr_comment import comment_body
from tests.reports.destinations.conftest import make_report

STEP = {
    "kind": "act",
    "instruction": "click the create account button",
    "decision": "resolver",
    "confidence": 60.0,
    "matched_by": "containment",
    "explanation": 'the resolver chose button "Create account for a friend"',
}


def test_the_pr_comment_lists_steps_matched_by_containment() -> None:
    report = make_report()
    report.tests.append(
        TestLine(
            node_id="tests/e2e/test_signup.py::test_signup",
            outcome="passed",
            duration=1.0,
            steps=[STEP],
        )
    )
    body = comment_body(report, "normal")
    assert "#### Matched by containment (1)" in body
    assert "test_signup.py::test_signup`: `click the create account button`" in body


def test_no_section_without_such_steps() -> None:
    assert "Matched by containment" not in comment_body(make_report(), "normal")
