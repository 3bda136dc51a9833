"""Issue #12 in real Chromium: a warm run passes wherever a cold run passes on a
redesigned login page, and removing the real button fails clearly without clicking the
decoy that appeared beside it."""

from __future__ import annotations

from typing import Any

import pytest

from backend.client import TestAbleStepError

from .conftest import Site

pytestmark = pytest.mark.browser

OLD = """
<form onsubmit="return false">
  <label for="user">Username</label><input id="user" name="user" type="text"
    oninput="window.clicked.push('typed:' + this.value)">
  <label for="pw">Password</label><input id="pw" name="pw" type="password">
  <button id="login" onclick="window.clicked.push('login')">Log in</button>
</form>
"""
# Label reworded, ids renamed, a "Continue as guest" button added beside "Log in".
NEW = """
<form onsubmit="return false" class="auth">
  <label for="f1">Email or username</label><input id="f1" name="login" type="text"
    oninput="window.clicked.push('typed:' + this.value)">
  <label for="f2">Password</label><input id="f2" name="secret" type="password">
  <div class="row">
    <button id="b-guest" onclick="window.clicked.push('guest')">Continue as guest</button>
    <button id="b-submit" onclick="window.clicked.push('login')">Log in</button>
  </div>
</form>
"""
WITHOUT_LOGIN = NEW.replace(
    """<button id="b-submit" onclick="window.clicked.push('login')">Log in</button>""", ""
)
STEPS = ('type "bob" into the username field', "click the log in button")


def run(page: Any, make_ai: Any) -> list[Any]:
    client = make_ai()
    return [client.act(step) for step in STEPS]


def test_cold_run_passes_on_the_redesign(page: Any, site: Site, make_ai: Any) -> None:
    page.goto(site.serve("redesign-cold", NEW))
    run(page, make_ai)
    assert page.evaluate("window.clicked")[-1] == "login"


def test_warm_run_learnt_on_the_old_page_passes_on_the_redesign(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("redesign", OLD))
    run(page, make_ai)  # learnt on the old page
    page.goto(site.serve("redesign", NEW))
    results = run(page, make_ai)
    events = page.evaluate("window.clicked")
    assert "typed:bob" in events
    assert events[-1] == "login"
    assert "guest" not in events
    assert all(r.decision != "failed" for r in results)


def test_removed_button_fails_clearly_and_the_decoy_is_never_clicked(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("redesign-removed", NEW))
    run(page, make_ai)  # learnt with "Continue as guest" beside "Log in": a rival
    page.goto(site.serve("redesign-removed", WITHOUT_LOGIN))
    client = make_ai()
    client.act(STEPS[0])
    with pytest.raises(TestAbleStepError) as failure:
        client.act(STEPS[1])
    assert "guest" not in page.evaluate("window.clicked")
    assert "Log in" in failure.value.explanation
