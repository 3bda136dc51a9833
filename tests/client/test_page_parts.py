"""Parts of the page that used to go unread (issue #11 point 6), in real Chromium: open
shadow roots (web components), same-origin iframes and elements rendered after ``load``;
and hash routes (point 7): a step learnt on ``index.html`` is found after the redirect to
``index.html#/``."""

from __future__ import annotations

from typing import Any

import pytest

from backend.client import TestAbleStepError

from .conftest import CountingResolver, Site

pytestmark = pytest.mark.browser

# A web component as Lit and friends make them: its input and button live in an open
# shadow root, invisible to document.querySelectorAll.
TASK_FORM = """
<h1>Tasks</h1>
<task-form></task-form>
<ul id="tasks"></ul>
<script>
customElements.define("task-form", class extends HTMLElement {
  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = `
      <form>
        <label for="title">New task</label>
        <input id="title" class="task-input" placeholder="What should be done?">
        <button type="submit" class="add">Add task</button>
      </form>`;
    root.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = root.querySelector("input");
      const li = document.createElement("li");
      li.textContent = input.value;
      document.getElementById("tasks").append(li);
      window.clicked.push("add:" + input.value);
      input.value = "";
    });
  }
});
</script>
"""


def tasks(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("#tasks li", "els => els.map(e => e.textContent)"))


def test_elements_in_an_open_shadow_root_are_found_cold_and_warm(
    page: Any, site: Site, make_ai: Any, resolver: CountingResolver
) -> None:
    url = site.serve("shadow", TASK_FORM)
    page.goto(url)
    ai = make_ai()
    typed = ai.act('type "pay rent" into the new task field')
    added = ai.act("click the add task button")
    assert (typed.decision, added.decision) == ("resolver", "resolver")
    assert tasks(page) == ["pay rent"]
    # The stored selectors reach into the shadow root (Playwright's engines pierce it).
    assert added.selector is not None
    assert page.locator(added.selector).evaluate("el => el.getRootNode() !== document")

    page.goto(url)
    calls = len(resolver.calls)
    ai = make_ai()
    warm_typed = ai.act('type "buy milk" into the new task field')
    warm_added = ai.act("click the add task button")
    assert (warm_typed.decision, warm_added.decision) == ("cache_hit", "cache_hit")
    assert len(resolver.calls) == calls
    assert tasks(page) == ["buy milk"]


def test_shadow_elements_get_labels_and_headings_from_their_own_tree(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("shadow-observe", TASK_FORM))
    found = make_ai().observe("the new task field")
    assert found, "observe() found nothing inside the shadow root"
    fingerprint = found[0].fingerprint or {}
    assert fingerprint.get("label") == "New task"
    assert fingerprint.get("attributes", {}).get("placeholder") == "What should be done?"
    # The section a person would name: the heading before the component's host.
    assert "Tasks" in (fingerprint.get("neighbour_text") or "")
    # XPath does not pierce shadow roots: no XPath selector is offered for it.
    assert all(s["kind"] != "xpath" for s in found[0].selectors)


def test_container_text_is_null_outside_rows_and_cards(page: Any, site: Site) -> None:
    from backend.cache.collect import page_expression, request

    page.goto(
        site.serve(
            "containers",
            '<button id="lone">Save</button>'
            "<ul><li>Pay rent <button>Delete</button></li><li>Buy milk <button>Delete</button>"
            "</li></ul>",
        )
    )
    snapshot = page.evaluate(page_expression(), request("snapshot"))
    by_text = {(c["tag"], c["text"], c.get("container_text")) for c in snapshot["candidates"]}
    assert ("button", "Save", None) in by_text
    assert ("button", "Delete", "Pay rent Delete") in by_text


# The page builds its form 500 ms after load, as scripts that fetch first do.
LATE = """
<div id="app">Loading…</div>
<script>
window.addEventListener("load", () => setTimeout(() => {
  document.getElementById("app").innerHTML =
    '<label for="q">Search</label><input id="q">' +
    '<button onclick="window.clicked.push(\\'go:\\' + document.getElementById(\\'q\\').value)">' +
    "Go</button>";
}, 500));
</script>
"""


def test_an_element_rendered_after_load_is_waited_for(page: Any, site: Site, make_ai: Any) -> None:
    url = site.serve("late", LATE)
    page.goto(url)
    ai = make_ai()
    typed = ai.act('type "rent" into the search field')
    ai.act("click the go button")
    assert typed.decision == "resolver"
    assert clicked(page) == ["go:rent"]

    page.goto(url)  # warm: the stored selectors match nothing until the form is there
    warm = make_ai().act('type "milk" into the search field')
    assert warm.decision == "cache_hit"
    assert page.input_value("#q") == "milk"


def test_a_missing_element_fails_after_the_action_timeout_saying_it_waited(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("late-missing", LATE))
    with pytest.raises(TestAbleStepError) as failure:
        make_ai().act("click the checkout button")
    assert "waited" in str(failure.value)
    assert "for the page to show a matching element" in str(failure.value)


def clicked(page: Any) -> list[str]:
    return list(page.evaluate("window.clicked"))


# A same-origin iframe (an embedded form, a preview pane) and a page button with the
# same words outside it.
FRAME_CHILD = """
<h2>Payment</h2>
<label for="card">Card number</label><input id="card">
<button onclick="parent.clicked.push('pay')">Pay now</button>
"""


def test_elements_in_a_same_origin_iframe_are_found_cold_and_warm(
    page: Any, site: Site, make_ai: Any, resolver: CountingResolver
) -> None:
    site.serve("frame-child", FRAME_CHILD)
    url = site.serve(
        "frame-parent",
        '<h1>Checkout</h1><iframe name="payment" src="/frame-child"></iframe>',
    )
    page.goto(url)
    ai = make_ai()
    typed = ai.act('type "4242" into the card number field')
    paid = ai.act("click the pay now button")
    assert (typed.decision, paid.decision) == ("resolver", "resolver")
    assert clicked(page) == ["pay"]
    assert paid.selector is not None
    assert "enter-frame" in paid.selector
    assert page.frame("payment").input_value("#card") == "4242"

    page.goto(url)
    calls = len(resolver.calls)
    ai = make_ai()
    warm = [ai.act('type "4000" into the card number field'), ai.act("click the pay now button")]
    assert [step.decision for step in warm] == ["cache_hit", "cache_hit"]
    assert len(resolver.calls) == calls
    assert clicked(page) == ["pay"]
    assert page.frame("payment").input_value("#card") == "4000"


SPA = """
<nav><a href="#/">All</a> <a href="#/active">Active</a></nav>
<button onclick="window.clicked.push('clear:' + location.hash)">Clear completed</button>
<script>addEventListener("hashchange", () => { document.title = location.hash; });</script>
"""


def test_a_step_learnt_on_index_html_is_found_after_the_redirect_to_the_hash_root(
    page: Any, site: Site, make_ai: Any, resolver: CountingResolver
) -> None:
    url = site.serve("spa/index.html", SPA)
    page.goto(url)
    assert make_ai().act("click the clear completed button").decision == "resolver"

    page.goto(url + "#/")  # what a hash router does on load
    warm = make_ai().act("click the clear completed button")
    assert warm.decision == "cache_hit"
    assert len(resolver.calls) == 1

    # A hash path is a route of its own: its steps are learnt there.
    page.goto(url + "#/active")
    other = make_ai().act("click the clear completed button")
    assert other.decision == "resolver"
    assert clicked(page)[-1] == "clear:#/active"
