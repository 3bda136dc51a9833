"""The ``stagehand`` resolver: Stagehand 4.x's ``observe()`` proposes, our pipeline decides.

How Stagehand 4.x runs here (no hosted service, nothing downloaded): the Python SDK
connects to the Chromium the tests already drive through its CDP endpoint, loads the
Stagehand runtime *extension* bundled in the SDK wheel (``Extensions.loadUnpacked``), and
talks to it over CDP. That Chromium must therefore be started with a remote-debugging
port and the flags in ``STAGEHAND_CHROMIUM_ARGS``, without Playwright's default
``--disable-extensions`` (see ``stagehand_launch_options``).

The model: in 4.x a model *name* (``"openai/gpt-…"``) is called from inside the browser
with the provider's fixed public URL — there is no base-URL setting — so a local or
OpenAI-compatible endpoint cannot be reached that way. We always use the SDK's *client
model* mode instead: Stagehand sends each LLM request back to Python, and a callback
answers it — by default through ``ChatModel`` (official OpenAI / Anthropic SDK, base URL,
timeout and key from ``ResolverSettings``), or any callback you pass in.

Stagehand's choice (an XPath) is mapped back onto our candidate list, so it is verified
and cached like every other decision. ``replay`` performs an observed action with
Stagehand's ``act(Action)`` — deterministic, no model call.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from stagehand import Action, Stagehand, local_browser
from stagehand import Page as StagehandPage
from stagehand._generated.models import (
    LLMMessageGenerateResult,
    LLMStructuredGenerateResult,
)

from backend.ai.base import Resolution, ResolveRequest
from backend.ai.chat import ChatMessage, ChatModel, ImagePart, parse_json_object
from backend.ai.errors import ResolverConfigurationError, ResolverError
from backend.ai.local import LocalResolver, describe
from backend.ai.settings import ResolverSettings
from backend.cache.records import ActionSpec

if TYPE_CHECKING:
    from playwright.async_api import Page
    from stagehand import ActResult, LLMGenerateCallback, LLMGenerateInput, LLMGenerateOutput

# What the shared Chromium needs so Stagehand can attach: its extension loaded over CDP,
# and the extension's own CDP WebSocket accepted from a chrome-extension:// origin.
STAGEHAND_CHROMIUM_ARGS = ("--enable-unsafe-extension-debugging", "--remote-allow-origins=*")
STAGEHAND_IGNORE_DEFAULT_ARGS = ("--disable-extensions",)

# Stagehand's observe methods, mapped onto our action vocabulary.
_METHODS: dict[str, str] = {
    "click": "click",
    "doubleClick": "click",
    "fill": "fill",
    "type": "type",
    "press": "press",
    "hover": "hover",
    "selectOptionFromDropdown": "select",
}

# Which candidate the element Stagehand named is: the same node, or the nearest candidate
# containing it (Stagehand may name the <span> inside a <button>).
_MAP_SELECTOR_JS = """
([selector, xpaths]) => {
  const find = (sel) => {
    const xpath = sel.startsWith('xpath=') ? sel.slice(6) : sel;
    if (xpath.startsWith('/') || xpath.startsWith('(')) {
      return document.evaluate(xpath, document, null,
        XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
    }
    try { return document.querySelector(sel); } catch (e) { return null; }
  };
  const element = find(selector);
  if (!element) return null;
  const nodes = xpaths.map((x) => (x ? find('xpath=' + x) : null));
  const same = nodes.findIndex((n) => n === element);
  if (same >= 0) return same;
  let best = -1, bestDepth = Infinity;
  nodes.forEach((node, i) => {
    if (!node || !node.contains(element)) return;
    let depth = 0;
    for (let n = element; n && n !== node; n = n.parentNode) depth++;
    if (depth < bestDepth) { best = i; bestDepth = depth; }
  });
  return best;
}
"""


def stagehand_launch_options(cdp_port: int) -> dict[str, Any]:
    """Extra ``chromium.launch`` options so Stagehand can attach on ``cdp_port``."""
    return {
        "args": [f"--remote-debugging-port={cdp_port}", *STAGEHAND_CHROMIUM_ARGS],
        "ignore_default_args": list(STAGEHAND_IGNORE_DEFAULT_ARGS),
    }


def chat_model_callback(model: ChatModel) -> LLMGenerateCallback:
    """A Stagehand client-model callback answered by our OpenAI/Anthropic client."""

    async def generate(params: LLMGenerateInput) -> LLMGenerateOutput:
        if getattr(params, "tools", None):
            raise ResolverError("Stagehand asked for tool calls, which this bridge does not offer")
        messages = [_chat_message(message) for message in params.messages]
        system = params.system_prompt or ""
        response_format = params.response_format
        if response_format is not None and response_format.type == "json_schema":
            schema = (
                response_format.schema_.model_dump(mode="json", by_alias=True)
                if response_format.schema_ is not None
                else {"type": "object"}
            )
            answer = await model.complete_json(
                system=system, messages=messages, schema=schema, schema_name=response_format.name
            )
            parsed = parse_json_object(answer)
            if parsed is None:
                raise ResolverError(f"the model's answer is not JSON: {answer[:200]!r}")
            return LLMStructuredGenerateResult.model_validate(
                {
                    "role": "assistant",
                    "content": [{"type": "text", "text": answer}],
                    "output_format": "json_schema",
                    "structured_content": parsed,
                }
            )
        text = await model.complete_text(
            system=system, messages=messages, stop=params.stop_sequences
        )
        return LLMMessageGenerateResult.model_validate(
            {
                "role": "assistant",
                "content": [{"type": "text", "text": text}],
                "output_format": "text",
            }
        )

    return generate


def _chat_message(message: Any) -> ChatMessage:
    blocks = message.content if isinstance(message.content, list) else [message.content]
    parts: list[str | ImagePart] = []
    for block in blocks:
        inner: Any = getattr(block, "root", block)
        if inner.type == "text":
            parts.append(inner.text)
        elif inner.type == "image":
            parts.append(ImagePart(data=inner.data, mime_type=inner.mime_type))
        else:
            raise ResolverError(
                f"Stagehand sent a {inner.type} block, which this bridge cannot pass"
            )
    return ChatMessage(role=message.role.value, parts=parts)


class StagehandResolver:
    name = "stagehand"

    def __init__(
        self,
        settings: ResolverSettings | None = None,
        *,
        model: LLMGenerateCallback | None = None,
        cdp_url: str | None = None,
        local: LocalResolver | None = None,
    ) -> None:
        self.settings = settings or ResolverSettings()
        self.cdp_url = cdp_url or self.settings.stagehand_cdp_url
        if not self.cdp_url:
            raise ResolverConfigurationError(
                "the stagehand resolver needs the CDP URL of the Chromium the tests drive: set "
                "TESTABLE_STAGEHAND_CDP_URL (e.g. http://127.0.0.1:9222) and launch Chromium "
                "with backend.ai.stagehand.stagehand_launch_options(port)"
            )
        self._model = model or chat_model_callback(ChatModel(self.settings))
        self.local = local or LocalResolver(self.settings)
        self._stagehand: Stagehand | None = None
        self._lock = asyncio.Lock()

    async def resolve(self, request: ResolveRequest, page: Page | None) -> Resolution:
        if page is None:
            # The sync client cannot lend its page to another event loop; mapping
            # Stagehand's choice back onto our candidates needs it.
            raise ResolverError(
                "the stagehand resolver needs the async client (AsyncAI / the async_ai "
                "fixture); use the local or llm resolver with the sync `ai` fixture"
            )
        ranked = {r.index: r for r in self.local.rank(request)}
        closest = [r.as_candidate() for r in sorted(ranked.values(), key=lambda r: -r.score)[:5]]
        scope = sorted(ranked)
        xpaths = [request["candidates"][i].get("xpath", "") for i in scope]
        if not any(xpaths):
            raise ResolverError(
                "the candidates carry no XPath: Stagehand's choice cannot be mapped"
            )

        stagehand = await self._session()
        target_page = await self._stagehand_page(stagehand, page)
        instruction = request["target"] or request["instruction"]
        timeout = self.settings.stagehand_timeout_seconds
        try:
            observed = await asyncio.wait_for(
                stagehand.observe(instruction, page=target_page, timeout=timeout * 1000),
                timeout=timeout + 5,
            )
        except ResolverError:
            raise
        except TimeoutError as error:
            raise ResolverError(
                f"Stagehand observe() did not finish within {timeout:g}s"
            ) from error
        except Exception as error:
            raise ResolverError(f"Stagehand observe() failed: {error}") from error

        mapped: list[tuple[int, Action]] = []
        unmapped: list[str] = []
        for action in observed.data:
            position = await page.evaluate(_MAP_SELECTOR_JS, [action.selector, xpaths])
            if isinstance(position, int) and position >= 0:
                index = scope[position]
                if index not in (i for i, _ in mapped):
                    mapped.append((index, action))
            else:
                unmapped.append(f"{action.description!r} ({action.selector})")

        if not mapped:
            detail = "; ".join(unmapped) if unmapped else "it found no element"
            return _abstain(
                request, closest, f"Stagehand named no candidate for {instruction!r}: {detail}"
            )
        index, action = mapped[0]
        chosen = ranked[index]
        if len(mapped) > 1:
            others = max(ranked[i].score for i, _ in mapped[1:])
            if chosen.score - others < self.settings.local_min_margin:
                named = ", ".join(describe(request["candidates"][i]) for i, _ in mapped)
                return _abstain(
                    request, closest, f"Stagehand found several matching elements: {named}"
                )
        if not chosen.compatible:
            return _abstain(request, closest, f"Stagehand chose {chosen.why}")
        veto = self.local.contradiction(request, index)
        if veto:
            return _abstain(
                request, closest, f"Stagehand chose #{index} ({action.description}), but {veto}"
            )
        return Resolution(
            index=index,
            action=_action(request["action"], action),
            confidence=round(min(95.0, 70.0 + 0.25 * chosen.score), 1),
            reasons=[
                f"Stagehand observe() chose {describe(request['candidates'][index])}: "
                f"{action.description} (method {action.method or 'unknown'})",
                f"local score {chosen.score:.0f}",
            ],
            closest=closest,
        )

    async def replay(
        self, page: Page, selector: str, method: str, arguments: list[str] | None = None
    ) -> ActResult:
        """Perform one action on ``selector`` with Stagehand's ``act(Action)`` (no model)."""
        stagehand = await self._session()
        target_page = await self._stagehand_page(stagehand, page)
        action = Action(
            selector=selector,
            description=f"{method} {selector}",
            method=method,
            arguments=arguments or [],
        )
        return await stagehand.act(action, page=target_page)

    async def aclose(self) -> None:
        """Detach Stagehand (the browser stays: it belongs to the tests)."""
        async with self._lock:
            if self._stagehand is not None:
                stagehand, self._stagehand = self._stagehand, None
                with contextlib.suppress(Exception):
                    await stagehand.close()

    async def _session(self) -> Stagehand:
        async with self._lock:
            if self._stagehand is None:
                assert self.cdp_url is not None
                try:
                    browser = await local_browser.connect(cdp_url=self.cdp_url)
                    self._stagehand = await Stagehand.create(
                        browser=browser, model=self._model, logging={"level": "error"}
                    )
                except Exception as error:
                    raise ResolverError(
                        f"Stagehand cannot attach to Chromium at {self.cdp_url}: {error}. "
                        "Launch it with stagehand_launch_options(port) (remote debugging, "
                        "extensions allowed)."
                    ) from error
            return self._stagehand

    async def _stagehand_page(self, stagehand: Stagehand, page: Page) -> StagehandPage:
        # Stagehand names pages by their CDP target id; Playwright can tell us this page's.
        session = await page.context.new_cdp_session(page)
        try:
            info = await session.send("Target.getTargetInfo")
        finally:
            await session.detach()
        target_id = info["targetInfo"]["targetId"]
        for candidate in await stagehand.browser.context.pages():
            if candidate.page_id == target_id:
                return candidate
        raise ResolverError(f"Stagehand does not see the test's page (target {target_id})")


def _action(requested: ActionSpec, observed: Action) -> ActionSpec:
    """Keep the step's own action; fill it in from Stagehand only when the step had none."""
    if requested["method"] != "none" or not observed.method:
        return requested
    method = _METHODS.get(observed.method)
    if method is None:
        return requested
    # A typed value proposed by the model is never kept: values are not stored in the cache.
    keeps_argument = method in ("press", "select")
    argument = observed.arguments[0] if observed.arguments and keeps_argument else None
    return ActionSpec(method=method, argument=argument)  # type: ignore[typeddict-item]


def _abstain(request: ResolveRequest, closest: list[Any], reason: str) -> Resolution:
    return Resolution(
        index=None, action=request["action"], confidence=0.0, reasons=[reason], closest=closest
    )
