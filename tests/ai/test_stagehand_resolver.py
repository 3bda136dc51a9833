"""The Stagehand resolver: the real Stagehand 4.x SDK attached to headless Chromium, its
model answered through the real OpenAI SDK by the local fake server."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable

import pytest
from playwright.async_api import Page
from pydantic import SecretStr

from backend.ai.errors import ResolverConfigurationError, ResolverError
from backend.ai.settings import LLMProvider, ResolverSettings
from backend.ai.stagehand import StagehandResolver
from tests.ai.conftest import Chromium
from tests.ai.fake_openai import FakeModelServer, Recorded
from tests.ai.helpers import collect, request

pytestmark = pytest.mark.browser

PAGE = """
<h1>Welcome back</h1>
<button id="signup" onclick="document.title='signup clicked'">Sign up</button>
<button id="login" onclick="document.title='login clicked'">Log in</button>
<a href="#help">Help</a>
"""


def tree_id(recorded: Recorded, line_text: str) -> str:
    """The element id Stagehand gave the accessibility-tree line ending in ``line_text``."""
    prompt = json.dumps(recorded.body["messages"])
    match = re.search(r"\[(\d+-\d+)\] " + re.escape(line_text), prompt)
    assert match, f"{line_text!r} not in the accessibility tree sent to the model"
    return match.group(1)


def observation(*line_texts: str) -> Callable[[Recorded], str]:
    def reply(recorded: Recorded) -> str:
        elements = [
            {
                "elementId": tree_id(recorded, text),
                "description": f"the {text} element",
                "method": "click",
                "arguments": [],
            }
            for text in line_texts
        ]
        return json.dumps({"elements": elements})

    return reply


@pytest.fixture
async def resolver(
    chromium: Chromium, model_server: FakeModelServer
) -> AsyncIterator[StagehandResolver]:
    settings = ResolverSettings(
        llm_provider=LLMProvider.OPENAI,
        llm_model="gpt-test",
        llm_api_key=SecretStr("sk-stagehand-test"),
        llm_base_url=f"{model_server.url}/v1",
        llm_max_retries=0,
        llm_timeout_seconds=5,
        stagehand_cdp_url=chromium.cdp_url,
    )
    resolver = StagehandResolver(settings)
    yield resolver
    await resolver.aclose()


async def test_observe_choice_is_mapped_onto_our_candidates(
    resolver: StagehandResolver, model_server: FakeModelServer, page: Page
) -> None:
    await page.set_content(PAGE)
    candidates = await collect(page)
    model_server.reply = observation("button: Log in")

    result = await resolver.resolve(request("the login button", candidates), page)

    assert result["index"] is not None
    assert candidates[result["index"]]["attributes"]["id"] == "login"
    assert "Stagehand observe() chose" in result["reasons"][0]
    # The model request is a real Chat Completions call with Stagehand's JSON schema.
    sent = model_server.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-stagehand-test"
    assert sent.body["model"] == "gpt-test"
    assert sent.body["response_format"]["type"] == "json_schema"
    assert sent.body["response_format"]["json_schema"]["name"] == "Observation"
    assert "elements" in sent.body["response_format"]["json_schema"]["schema"]["properties"]
    assert sent.body["messages"][0]["role"] == "system"
    assert "the login button" in json.dumps(sent.body["messages"])


async def test_a_contradicted_stagehand_choice_is_vetoed(
    resolver: StagehandResolver, model_server: FakeModelServer, page: Page
) -> None:
    await page.set_content(PAGE)
    candidates = await collect(page)
    model_server.reply = observation("button: Sign up")

    result = await resolver.resolve(request("sign in", candidates), page)

    assert result["index"] is None
    assert '"sign in" is not "Sign up"' in result["reasons"][0]


async def test_nothing_observed_abstains(
    resolver: StagehandResolver, model_server: FakeModelServer, page: Page
) -> None:
    await page.set_content(PAGE)
    candidates = await collect(page)
    model_server.reply = observation()

    result = await resolver.resolve(request("the checkout button", candidates), page)

    assert result["index"] is None
    assert "Stagehand named no candidate" in result["reasons"][0]


async def test_a_choice_outside_the_shortlist_abstains(
    resolver: StagehandResolver, model_server: FakeModelServer, page: Page
) -> None:
    await page.set_content(PAGE)
    candidates = await collect(page)
    login = next(i for i, c in enumerate(candidates) if c["attributes"].get("id") == "login")
    others = [i for i in range(len(candidates)) if i != login]
    model_server.reply = observation("button: Log in")

    result = await resolver.resolve(request("log in", candidates, shortlist=others), page)

    assert result["index"] is None


async def test_several_equal_observations_abstain(
    resolver: StagehandResolver, model_server: FakeModelServer, page: Page
) -> None:
    await page.set_content("<button>Delete</button><button>Delete</button>")
    candidates = await collect(page)

    def both(recorded: Recorded) -> str:
        prompt = json.dumps(recorded.body["messages"])
        ids = re.findall(r"\[(\d+-\d+)\] button: Delete", prompt)
        elements = [
            {"elementId": i, "description": "Delete", "method": "click", "arguments": []}
            for i in ids
        ]
        return json.dumps({"elements": elements})

    model_server.reply = both

    result = await resolver.resolve(request("the delete button", candidates), page)

    assert result["index"] is None
    assert "several matching elements" in result["reasons"][0]


async def test_model_timeout_is_a_clear_failure(
    resolver: StagehandResolver, model_server: FakeModelServer, page: Page
) -> None:
    await page.set_content(PAGE)
    candidates = await collect(page)
    model_server.delay = 8.0  # beyond llm_timeout_seconds=5

    with pytest.raises(ResolverError, match=r"did not answer within 5s") as failure:
        await resolver.resolve(request("the login button", candidates), page)
    assert "Stagehand observe() failed" in str(failure.value)


async def test_replay_performs_an_observed_action_without_the_model(
    resolver: StagehandResolver, model_server: FakeModelServer, page: Page
) -> None:
    await page.set_content(PAGE)
    candidates = await collect(page)
    login = next(c for c in candidates if c["attributes"].get("id") == "login")

    result = await resolver.replay(page, f"xpath={login['xpath']}", "click")

    assert result.data.success
    assert await page.title() == "login clicked"
    assert model_server.requests == []


def test_a_cdp_url_is_required() -> None:
    with pytest.raises(ResolverConfigurationError, match="TESTABLE_STAGEHAND_CDP_URL"):
        StagehandResolver(ResolverSettings(llm_api_key=SecretStr("k"), stagehand_cdp_url=None))
