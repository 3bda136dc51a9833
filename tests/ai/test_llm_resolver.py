"""The LLM resolver, with the real OpenAI and Anthropic SDKs talking to a local fake server."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import SecretStr

from backend.ai.errors import ResolverConfigurationError, ResolverError
from backend.ai.llm import ANSWER_SCHEMA, LLMResolver
from backend.ai.settings import LLMProvider, ResolverSettings
from tests.ai.fake_openai import FakeModelServer, Recorded, choose_line
from tests.ai.helpers import fp, request

CANDIDATES = [
    fp("button", "button", "Sign up"),
    fp("button", "button", "Log in", attributes={"data-testid": "login"}),
    fp("a", "link", "Forgot password?", attributes={"href": "/reset"}),
    fp("input", "textbox", label="Email", editable=True),
]


def openai_settings(server: FakeModelServer, **overrides: object) -> ResolverSettings:
    values: dict[str, object] = {
        "llm_provider": LLMProvider.OPENAI,
        "llm_model": "gpt-test",
        "llm_api_key": SecretStr("sk-test-key"),
        "llm_base_url": f"{server.url}/v1",
        "llm_max_retries": 0,
        "llm_timeout_seconds": 5,
    }
    values.update(overrides)
    return ResolverSettings.model_validate(values)


def anthropic_settings(server: FakeModelServer, **overrides: object) -> ResolverSettings:
    values: dict[str, object] = {
        "llm_provider": LLMProvider.ANTHROPIC,
        "llm_model": "claude-test",
        "llm_api_key": SecretStr("ak-test-key"),
        "llm_base_url": server.url,
        "llm_max_retries": 0,
        "llm_timeout_seconds": 5,
    }
    values.update(overrides)
    return ResolverSettings.model_validate(values)


def user_prompt(recorded: Recorded) -> str:
    messages = recorded.body["messages"]
    user = [m for m in messages if m["role"] == "user"][-1]
    content = user["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


async def test_openai_request_follows_the_chat_completions_contract(
    model_server: FakeModelServer,
) -> None:
    model_server.reply = lambda r: json.dumps(
        {"index": choose_line(user_prompt(r), "Log in"), "reason": "the login button"}
    )
    resolver = LLMResolver(openai_settings(model_server))

    result = await resolver.resolve(request("the login button", CANDIDATES), None)

    assert result["index"] == 1
    assert "the login button" in result["reasons"][0]
    (sent,) = model_server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test-key"
    assert sent.body["model"] == "gpt-test"
    assert sent.body["temperature"] == 0
    assert sent.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "element_choice", "schema": ANSWER_SCHEMA},
    }
    roles = [m["role"] for m in sent.body["messages"]]
    assert roles == ["system", "user"]
    prompt = user_prompt(sent)
    assert "Element wanted: the login button" in prompt
    assert "Action: click" in prompt
    # A compact numbered list, one line per candidate (a click may go to any of them).
    assert len(re.findall(r"^\d+\. ", prompt, re.MULTILINE)) == 4


async def test_anthropic_request_follows_the_messages_contract(
    model_server: FakeModelServer,
) -> None:
    model_server.reply = lambda r: (
        "```json\n"
        + json.dumps({"index": choose_line(user_prompt(r), "Log in"), "reason": "login"})
        + "\n```"
    )
    resolver = LLMResolver(anthropic_settings(model_server))

    result = await resolver.resolve(request("the login button", CANDIDATES), None)

    assert result["index"] == 1
    (sent,) = model_server.requests
    assert sent.path == "/v1/messages"
    # Anthropic SDKs send the key as x-api-key (1.x) or as a bearer token (2.x).
    assert sent.headers.get("x-api-key") == "ak-test-key" or (
        sent.headers.get("authorization") == "Bearer ak-test-key"
    )
    assert "anthropic-version" in sent.headers
    assert sent.body["model"] == "claude-test"
    assert sent.body["max_tokens"] == 1024
    assert "JSON schema" in sent.body["system"]
    assert [m["role"] for m in sent.body["messages"]] == ["user"]


async def test_only_the_top_k_local_candidates_are_sent(model_server: FakeModelServer) -> None:
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    many = [fp("button", "button", word.title()) for word in words]
    model_server.reply = lambda r: '{"index": null, "reason": "none"}'
    resolver = LLMResolver(openai_settings(model_server, llm_top_k=3))

    await resolver.resolve(request("the hotel button", many), None)

    prompt = user_prompt(model_server.requests[0])
    assert len(re.findall(r"^\d+\. ", prompt, re.MULTILINE)) == 3
    assert '1. button "Hotel"' in prompt  # the local favourite comes first


async def test_only_the_shortlist_is_sent(model_server: FakeModelServer) -> None:
    model_server.reply = lambda r: '{"index": 1, "reason": "first"}'
    resolver = LLMResolver(openai_settings(model_server))

    result = await resolver.resolve(request("the login button", CANDIDATES, shortlist=[2]), None)

    prompt = user_prompt(model_server.requests[0])
    assert "Forgot password?" in prompt
    assert "Log in" not in prompt
    assert result["index"] == 2


async def test_fill_lists_only_editable_fields(model_server: FakeModelServer) -> None:
    model_server.reply = lambda r: '{"index": 1, "reason": "the only field"}'
    resolver = LLMResolver(openai_settings(model_server))

    result = await resolver.resolve(request("email", CANDIDATES, "fill"), None)

    prompt = user_prompt(model_server.requests[0])
    assert len(re.findall(r"^\d+\. ", prompt, re.MULTILINE)) == 1
    assert result["index"] == 3


async def test_null_answer_abstains_with_the_models_reason(model_server: FakeModelServer) -> None:
    model_server.reply = lambda r: '{"index": null, "reason": "two buttons look the same"}'
    resolver = LLMResolver(openai_settings(model_server))

    result = await resolver.resolve(request("the login button", CANDIDATES), None)

    assert result["index"] is None
    assert "two buttons look the same" in result["reasons"][0]
    assert result["closest"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"index": 9, "reason": "x"}', "not in the list 1..4"),
        ('{"index": 0, "reason": "x"}', "not in the list 1..4"),
        ('{"index": "2", "reason": "x"}', "not a number from the list"),
        ('{"index": true, "reason": "x"}', "not a number from the list"),
        ('{"choice": 2}', "not a JSON choice"),
        ("I think it is the second one", "not a JSON choice"),
        ("", "not a JSON choice"),
    ],
)
async def test_invalid_answers_abstain(
    model_server: FakeModelServer, answer: str, expected: str
) -> None:
    model_server.reply = lambda r: answer
    resolver = LLMResolver(openai_settings(model_server))

    result = await resolver.resolve(request("the login button", CANDIDATES), None)

    assert result["index"] is None
    assert expected in result["reasons"][0]


async def test_a_contradicted_choice_is_vetoed(model_server: FakeModelServer) -> None:
    model_server.reply = lambda r: json.dumps(
        {"index": choose_line(user_prompt(r), "Sign up"), "reason": "looks right"}
    )
    resolver = LLMResolver(openai_settings(model_server))

    result = await resolver.resolve(request("the login button", CANDIDATES), None)

    assert result["index"] is None
    assert '"login" is not "Sign up"' in result["reasons"][0]


async def test_timeout_raises_a_clear_error(model_server: FakeModelServer) -> None:
    model_server.delay = 2.0
    resolver = LLMResolver(openai_settings(model_server, llm_timeout_seconds=0.3))

    with pytest.raises(ResolverError, match=r"did not answer within 0\.3s"):
        await resolver.resolve(request("the login button", CANDIDATES), None)


async def test_anthropic_timeout_raises_a_clear_error(model_server: FakeModelServer) -> None:
    model_server.delay = 2.0
    resolver = LLMResolver(anthropic_settings(model_server, llm_timeout_seconds=0.3))

    with pytest.raises(ResolverError, match="did not answer within"):
        await resolver.resolve(request("the login button", CANDIDATES), None)


async def test_http_error_raises_a_clear_error(model_server: FakeModelServer) -> None:
    model_server.status = 500
    resolver = LLMResolver(openai_settings(model_server))

    with pytest.raises(ResolverError, match="answered HTTP 500"):
        await resolver.resolve(request("the login button", CANDIDATES), None)


async def test_unreachable_endpoint_raises_a_clear_error() -> None:
    settings = ResolverSettings(
        llm_api_key=SecretStr("k"), llm_base_url="http://127.0.0.1:9/v1", llm_max_retries=0
    )
    with pytest.raises(ResolverError, match=re.escape("cannot reach http://127.0.0.1:9/v1")):
        await LLMResolver(settings).resolve(request("the login button", CANDIDATES), None)


def test_missing_api_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ResolverConfigurationError, match="TESTABLE_LLM_API_KEY"):
        LLMResolver(ResolverSettings(llm_api_key=None))


async def test_no_compatible_candidate_abstains_without_calling_the_model(
    model_server: FakeModelServer,
) -> None:
    resolver = LLMResolver(openai_settings(model_server))
    result = await resolver.resolve(request("terms", CANDIDATES[:3], "check"), None)
    assert result["index"] is None
    assert model_server.requests == []
