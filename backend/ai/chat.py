"""One JSON-answering chat call over the official OpenAI or Anthropic SDK.

Shared by the ``llm`` resolver and by the Stagehand bridge, so both speak to any OpenAI,
OpenAI-compatible or Anthropic endpoint the same way, with the same timeouts and the same
clear errors. It returns the model's raw text; callers parse and validate it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import anthropic
import openai
from anthropic.types import MessageParam
from openai.types.chat import ChatCompletionMessageParam

from backend.ai.errors import ResolverConfigurationError, ResolverError
from backend.ai.settings import LLMProvider, ResolverSettings

_FENCE_RE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class ImagePart:
    data: str  # base64
    mime_type: str


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["user", "assistant"]
    parts: list[str | ImagePart] = field(default_factory=list)


class ChatModel:
    """A configured client for one provider and model."""

    def __init__(self, settings: ResolverSettings) -> None:
        self.settings = settings
        self.provider = settings.llm_provider
        self.model = settings.llm_model
        api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        common: dict[str, Any] = {
            "api_key": api_key,
            "timeout": settings.llm_timeout_seconds,
            "max_retries": settings.llm_max_retries,
        }
        if settings.llm_base_url:
            common["base_url"] = settings.llm_base_url
        try:
            if self.provider is LLMProvider.OPENAI:
                self._openai: openai.AsyncOpenAI | None = openai.AsyncOpenAI(**common)
                self._anthropic: anthropic.AsyncAnthropic | None = None
            else:
                self._openai = None
                self._anthropic = anthropic.AsyncAnthropic(**common)
        except (openai.OpenAIError, anthropic.AnthropicError) as error:
            env = "OPENAI_API_KEY" if self.provider is LLMProvider.OPENAI else "ANTHROPIC_API_KEY"
            raise ResolverConfigurationError(
                f"the {self.provider} model client cannot be created ({error}); "
                f"set TESTABLE_LLM_API_KEY (or {env})"
            ) from error

    @property
    def endpoint(self) -> str:
        return self.settings.llm_base_url or f"the default {self.provider} endpoint"

    async def complete_json(
        self,
        *,
        system: str,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        schema_name: str,
    ) -> str:
        """Ask for one JSON object matching ``schema``; return the model's text."""
        try:
            if self._openai is not None:
                return await self._complete_openai(
                    self._openai, system, messages, schema, schema_name
                )
            assert self._anthropic is not None
            return await self._complete_anthropic(self._anthropic, system, messages, schema)
        except (openai.OpenAIError, anthropic.AnthropicError) as error:
            raise self._failure(error) from error

    async def complete_text(
        self, *, system: str, messages: list[ChatMessage], stop: list[str] | None = None
    ) -> str:
        """A plain text answer (Stagehand asks for these besides JSON ones)."""
        try:
            if self._openai is not None:
                response = await self._openai.chat.completions.create(
                    model=self.model,
                    messages=_openai_messages(system, messages),
                    temperature=0,
                    stop=stop or openai.omit,
                )
                return (response.choices[0].message.content or "") if response.choices else ""
            assert self._anthropic is not None
            answer = await self._anthropic.messages.create(
                model=self.model,
                max_tokens=self.settings.llm_max_tokens,
                system=system,
                messages=_anthropic_messages(messages),
                stop_sequences=stop or anthropic.omit,
            )
            return "".join(block.text for block in answer.content if block.type == "text")
        except (openai.OpenAIError, anthropic.AnthropicError) as error:
            raise self._failure(error) from error

    def _failure(self, error: Exception) -> ResolverError:
        """One clear message per kind of failure; the SDK error stays chained."""
        if isinstance(error, (openai.APITimeoutError, anthropic.APITimeoutError)):
            return ResolverError(
                f"{self.provider} model {self.model} at {self.endpoint} did not answer within "
                f"{self.settings.llm_timeout_seconds:g}s"
            )
        if isinstance(error, (openai.APIConnectionError, anthropic.APIConnectionError)):
            return ResolverError(
                f"{self.provider} model {self.model}: cannot reach {self.endpoint} ({error})"
            )
        if isinstance(error, (openai.APIStatusError, anthropic.APIStatusError)):
            return ResolverError(
                f"{self.provider} model {self.model} at {self.endpoint} answered HTTP "
                f"{error.status_code}: {_short(str(error.message))}"
            )
        return ResolverError(f"{self.provider} model {self.model} failed: {error}")

    async def _complete_openai(
        self,
        client: openai.AsyncOpenAI,
        system: str,
        messages: list[ChatMessage],
        schema: dict[str, Any],
        schema_name: str,
    ) -> str:
        response = await client.chat.completions.create(
            model=self.model,
            messages=_openai_messages(system, messages),
            temperature=0,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema},
            },
        )
        if not response.choices:
            raise ResolverError(f"openai model {self.model} returned no choices")
        return response.choices[0].message.content or ""

    async def _complete_anthropic(
        self,
        client: anthropic.AsyncAnthropic,
        system: str,
        messages: list[ChatMessage],
        schema: dict[str, Any],
    ) -> str:
        # The Messages API has no portable JSON mode: the schema goes into the system prompt
        # and the answer is parsed (and validated by the caller) like any other text.
        instructions = (
            f"{system}\n\nAnswer with exactly one JSON object, no prose, matching this JSON "
            f"schema:\n{json.dumps(schema, separators=(',', ':'))}"
        )
        response = await client.messages.create(
            model=self.model,
            max_tokens=self.settings.llm_max_tokens,
            system=instructions,
            messages=_anthropic_messages(messages),
        )
        return "".join(block.text for block in response.content if block.type == "text")


def parse_json_object(answer: str) -> dict[str, Any] | None:
    """The JSON object in a model's answer (bare, or fenced in ```json), else None."""
    for text in (answer, *_FENCE_RE.findall(answer)):
        try:
            value = json.loads(text.strip())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    start, end = answer.find("{"), answer.rfind("}")
    if 0 <= start < end:
        try:
            value = json.loads(answer[start : end + 1])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    return None


def _openai_messages(system: str, messages: list[ChatMessage]) -> list[ChatCompletionMessageParam]:
    payload: list[dict[str, Any]] = [{"role": "system", "content": system}]
    payload += [{"role": m.role, "content": _openai_content(m)} for m in messages]
    # Plain dicts in the documented wire shape; the SDK's TypedDicts describe the same.
    return cast("list[ChatCompletionMessageParam]", payload)


def _anthropic_messages(messages: list[ChatMessage]) -> list[MessageParam]:
    payload = [{"role": m.role, "content": _anthropic_content(m)} for m in messages]
    return cast("list[MessageParam]", payload)


def _openai_content(message: ChatMessage) -> str | list[dict[str, Any]]:
    if all(isinstance(p, str) for p in message.parts):
        return "\n".join(p for p in message.parts if isinstance(p, str))
    return [
        {"type": "text", "text": p}
        if isinstance(p, str)
        else {"type": "image_url", "image_url": {"url": f"data:{p.mime_type};base64,{p.data}"}}
        for p in message.parts
    ]


def _anthropic_content(message: ChatMessage) -> list[dict[str, Any]]:
    return [
        {"type": "text", "text": p}
        if isinstance(p, str)
        else {
            "type": "image",
            "source": {"type": "base64", "media_type": p.mime_type, "data": p.data},
        }
        for p in message.parts
    ]


def _short(value: str, limit: int = 200) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."
