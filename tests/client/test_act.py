"""act() against real headless Chromium: cold (resolver), warm (cache), healing, and the
cases where it must refuse to act."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.cache.store.base import ElementStore
from backend.client import TestAbleStepError
from backend.client.drivers import LoopThread
from backend.client.engine import EngineConfig

from .conftest import CountingResolver, Site

pytestmark = pytest.mark.browser

REAL_BUTTON = (
    '<button id="login" class="btn primary" onclick="window.clicked.push(\'login\')">'
    "Log in</button>"
)
LOOK_ALIKE = (
    '<button id="promo" class="banner" onclick="window.clicked.push(\'look-alike\')">'
    "Log in to win a prize</button>"
)
SEARCH = (
    '<input id="search" placeholder="Search" '
    "onkeydown=\"if(event.key==='Enter')window.clicked.push('search')\">"
)
LOGIN = """
<form onsubmit="return false">
  <label for="email">E-mail</label><input id="email" name="email" type="email">
  <label for="password">Password</label><input id="password" name="password" type="password">
  <label><input type="checkbox" id="remember"> Remember me</label>
  <select id="country" aria-label="Country"><option>France</option><option>Germany</option></select>
  <button id="login" class="btn primary" onclick="window.clicked.push('login')">Log in</button>
  <a href="#signup" id="signup" onclick="window.clicked.push('signup')">Sign up</a>
</form>
"""


def clicked(page: Any) -> list[str]:
    return list(page.evaluate("window.clicked"))


def stored_text(store: ElementStore, store_loop: LoopThread, project: str) -> str:
    """Everything the store holds for ``project``, as one JSON text."""

    async def dump() -> str:
        elements = await store.list_elements(project)
        versions = [await store.versions(project, e["key"]) for e in elements]
        decisions = await store.decisions(project)
        return json.dumps([elements, versions, decisions], default=str)

    return store_loop.run(dump())


def test_cold_run_asks_the_resolver_and_warm_run_uses_the_cache(
    page: Any, site: Site, make_ai: Any, resolver: CountingResolver
) -> None:
    url = site.serve("login", LOGIN)
    page.goto(url)
    cold = make_ai().act("click the login button")
    assert cold.decision == "resolver"
    assert clicked(page) == ["login"]
    assert len(resolver.calls) == 1

    page.goto(url)
    warm = make_ai().act("click the login button")
    assert warm.decision == "cache_hit"
    assert warm.selector is not None
    assert clicked(page) == ["login"]
    assert len(resolver.calls) == 1  # no second resolver call
    assert warm.scores is not None
    assert set(warm.scores) >= {
        "structural",
        "visual",
        "behavioural",
        "context",
    }


def test_near_identical_instruction_reuses_the_entry(
    page: Any, site: Site, make_ai: Any, resolver: CountingResolver
) -> None:
    page.goto(site.serve("login-synonym", LOGIN))
    make_ai().act("click the login button")
    page.reload()
    again = make_ai().act("press the log in button")
    assert again.decision == "cache_hit"
    assert len(resolver.calls) == 1


def test_renamed_id_and_class_are_healed_or_verified_without_the_resolver(
    page: Any, site: Site, make_ai: Any, resolver: CountingResolver
) -> None:
    page.goto(site.serve("rename", LOGIN))
    make_ai().act("click the login button")
    changed = LOGIN.replace(
        'id="login" class="btn primary"', 'id="sign-in-btn" class="button main"'
    )
    page.goto(site.serve("rename", changed))
    result = make_ai().act("click the login button")
    assert result.decision in ("healed", "cache_hit_verified")
    assert clicked(page) == ["login"]
    assert len(resolver.calls) == 1


def test_inserted_look_alike_is_never_clicked(
    page: Any, site: Site, make_ai: Any, resolver: CountingResolver
) -> None:
    page.goto(site.serve("lookalike", LOGIN))
    make_ai().act("click the login button")
    look_alike = (
        '<button id="promo-login" class="btn promo" '
        "onclick=\"window.clicked.push('look-alike')\">Log in</button>"
    )
    page.goto(site.serve("lookalike", look_alike + LOGIN))
    try:
        result = make_ai().act("click the login button")
    except TestAbleStepError:
        result = None
    assert "look-alike" not in clicked(page)
    if result is not None:
        assert clicked(page) == ["login"]
        assert result.decision != "cache_hit"  # a selector became ambiguous: not a plain hit


def test_removed_element_fails_naming_the_closest_candidates(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("removed", LOGIN))
    make_ai().act("click the login button")
    without = LOGIN.replace(
        REAL_BUTTON,
        "",
    )
    page.goto(site.serve("removed", without))
    client = make_ai()
    with pytest.raises(TestAbleStepError) as failure:
        client.act("click the login button")
    assert clicked(page) == []
    assert "gone" in failure.value.explanation or "no element" in failure.value.explanation
    assert failure.value.closest, "the failure names the closest candidates"
    assert "closest candidates" in str(failure.value)
    assert client.steps[-1].decision == "failed"


def test_removed_element_with_a_look_alike_left_fails_instead_of_clicking_it(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("removed-lookalike", LOGIN))
    make_ai().act("click the login button")
    swapped = LOGIN.replace(
        REAL_BUTTON,
        LOOK_ALIKE,
    )
    page.goto(site.serve("removed-lookalike", swapped))
    with pytest.raises(TestAbleStepError) as failure:
        make_ai().act("click the login button")
    assert clicked(page) == []
    # Clearly: the failure names the element the step was learnt on.
    assert '"Log in"' in failure.value.explanation


def test_password_typed_into_a_field_is_never_stored(
    page: Any,
    site: Site,
    make_ai: Any,
    store: ElementStore,
    store_loop: LoopThread,
    config: EngineConfig,
) -> None:
    page.goto(site.serve("password", LOGIN))
    result = make_ai().act('fill "hunter2-secret" into the password field')
    assert page.input_value("#password") == "hunter2-secret"
    assert "hunter2" not in result.instruction
    page.goto(site.url("password"))
    warm = make_ai().act('type "hunter2-secret" into the password field')
    assert warm.decision.startswith("cache_hit")
    assert "hunter2" not in stored_text(store, store_loop, config.project)


def test_variables_are_stored_as_placeholders_only(
    page: Any,
    site: Site,
    make_ai: Any,
    store: ElementStore,
    store_loop: LoopThread,
    config: EngineConfig,
) -> None:
    page.goto(site.serve("variables", LOGIN))
    make_ai().act("fill %email% into the e-mail field", variables={"email": "alice@example.com"})
    assert page.input_value("#email") == "alice@example.com"
    text = stored_text(store, store_loop, config.project)
    assert "alice@example.com" not in text
    elements = store_loop.run(store.list_elements(config.project))
    assert elements[0]["action"] == {"method": "fill", "argument": "%email%"}


def test_missing_variable_is_a_clear_failure(page: Any, site: Site, make_ai: Any) -> None:
    page.goto(site.serve("missing-variable", LOGIN))
    with pytest.raises(TestAbleStepError, match="needs the variable"):
        make_ai().act("fill %email% into the e-mail field")


def test_selectors_that_disagree_are_not_a_cache_hit(page: Any, site: Site, make_ai: Any) -> None:
    page.goto(
        site.serve(
            "disagree", '<button id="save" onclick="window.clicked.push(\'save\')">Save</button>'
        )
    )
    make_ai().act("click the save button")
    # Now the id names one button and the text another.
    page.goto(
        site.serve(
            "disagree",
            '<button id="save" onclick="window.clicked.push(\'cancel\')">Cancel</button>'
            "<button onclick=\"window.clicked.push('save')\">Save</button>",
        )
    )
    try:
        result = make_ai().act("click the save button")
    except TestAbleStepError:
        result = None
    assert "cancel" not in clicked(page)
    if result is not None:
        assert result.decision not in ("cache_hit", "cache_hit_verified")
        assert clicked(page) == ["save"]


def test_fill_check_select_and_press(page: Any, site: Site, make_ai: Any) -> None:
    page.goto(
        site.serve(
            "forms",
            LOGIN + SEARCH,
        )
    )
    ai = make_ai()
    ai.act('type "bob@example.com" into the e-mail field')
    ai.act("check remember me")
    ai.act('select "Germany" from the country list')
    ai.act("press Enter in the search box")
    assert page.input_value("#email") == "bob@example.com"
    assert page.is_checked("#remember")
    assert page.input_value("#country") == "Germany"
    assert clicked(page) == ["search"]
    ai.act("uncheck remember me")
    assert not page.is_checked("#remember")


def test_unknown_instruction_lists_the_understood_forms(
    page: Any, site: Site, make_ai: Any
) -> None:
    page.goto(site.serve("unknown", LOGIN))
    with pytest.raises(TestAbleStepError, match="understood forms"):
        make_ai().act("dance with the login button")


def test_nothing_matching_fails_and_acts_on_nothing(page: Any, site: Site, make_ai: Any) -> None:
    page.goto(site.serve("nothing", LOGIN))
    with pytest.raises(TestAbleStepError):
        make_ai().act("click the checkout button")
    assert clicked(page) == []


def test_cache_off_never_touches_the_store(
    page: Any,
    site: Site,
    make_ai: Any,
    resolver: CountingResolver,
    store: ElementStore,
    store_loop: LoopThread,
    config: EngineConfig,
) -> None:
    off = EngineConfig(project=config.project, scope=config.scope, use_cache=False)
    page.goto(site.serve("cache-off", LOGIN))
    make_ai(config=off).act("click the login button")
    page.reload()
    make_ai(config=off).act("click the login button")
    assert len(resolver.calls) == 2
    assert store_loop.run(store.list_elements(config.project)) == []


class UnreachableModelResolver:
    """A resolver whose model cannot be reached: it raises ResolverError, as the llm and
    stagehand resolvers do on a timeout or a refused connection."""

    name = "unreachable"

    async def resolve(self, request: Any, page: Any = None) -> Any:
        from backend.ai.errors import ResolverError

        raise ResolverError("the model at http://127.0.0.1:9/v1 did not answer in 30 s")


def test_resolver_error_fails_the_step_with_its_message_and_stores_nothing(
    page: Any,
    site: Site,
    store: ElementStore,
    store_loop: LoopThread,
    config: EngineConfig,
) -> None:
    from backend.client.api import AI

    page.goto(site.serve("login-resolver-error", LOGIN))
    ai = AI(page, store=store, resolver=UnreachableModelResolver(), config=config, loop=store_loop)
    with pytest.raises(TestAbleStepError, match="the resolver failed: the model at") as failed:
        ai.act("click the login button")
    assert failed.value.result is not None
    assert failed.value.result.decision == "failed"
    assert clicked(page) == []
    with pytest.raises(TestAbleStepError, match="the resolver failed"):
        ai.observe("the login button")
    assert "login" not in json.loads(stored_text(store, store_loop, config.project))[0]
