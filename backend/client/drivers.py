"""Run the engine's step generators with Playwright: ``AsyncDriver`` (async Playwright,
store and resolver awaited on the caller's loop) and ``SyncDriver`` (sync Playwright; the
async store and resolver run on a private event-loop thread, ``LoopThread``).

Both translate Playwright's errors into the engine's two exceptions: ``StaleElement``
(detached / replaced element: the engine re-runs the lookup once) and ``ActionFailed``.

**Frames.** A snapshot is the main frame's candidates followed by those of every
same-origin iframe (nested up to ``MAX_FRAME_DEPTH``), as Playwright's own locators reach
into frames. An element in a frame is addressed by Playwright's frame-entering selector
chain: ``css=iframe[name="pay"] >> internal:control=enter-frame >> <selector in the
frame>`` (what ``page.frame_locator(...).locator(...)`` builds). Every selector of such an
element carries that prefix, its fingerprint's ``frame`` names it, and all commands that
take a selector (identities, pin, act, read) work on it unchanged. Cross-origin frames
(ads, payment widgets) are not collected: their content is not the application's.

**Auto-wait.** ``WaitForChange`` polls the same snapshot until the page's candidates
differ from the last snapshot the engine saw (see ``engine._locate_waiting``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

from playwright.async_api import ElementHandle as AsyncElementHandle
from playwright.async_api import Error as PlaywrightError
from playwright.sync_api import ElementHandle as SyncElementHandle

from backend.ai.base import Resolver
from backend.ai.errors import ResolverError
from backend.cache.collect import (
    PINNED_JS,
    all_identities_expression,
    element_expression,
    identity_expression,
    page_expression,
    pin_expression,
    request,
    snapshot_signature,
)
from backend.cache.store.base import ElementStore
from backend.client import commands as cmd
from backend.client.engine import Flow
from backend.client.errors import TestAbleStepError

if TYPE_CHECKING:
    from playwright.async_api import Frame as AsyncFrame
    from playwright.async_api import Page as AsyncPage
    from playwright.sync_api import Frame as SyncFrame
    from playwright.sync_api import Page as SyncPage

T = TypeVar("T")

# Pinning an element that the selectors just found: it is there or it is not.
PIN_TIMEOUT_MS = 2_000

_STATE_JS = """(el) => ({
  connected: el.isConnected,
  value: 'value' in el && el.tagName !== 'BUTTON' && el.tagName !== 'LI' ? String(el.value) : null,
  checked: 'checked' in el ? !!el.checked : null,
  selected: el.selectedOptions ? [...el.selectedOptions].map((o) => [o.value, o.label]) : null,
})"""


@cache
def _reading_js() -> str:
    """backend/client/reading.js: the extract() readers (texts, lists)."""
    return Path(__file__).with_name("reading.js").read_text(encoding="utf-8")


def _texts_expression(mode: str) -> str:
    return f"(els) => ({_reading_js()}).texts([els, {json.dumps(mode)}])"


def _lists_expression() -> str:
    return f"() => ({_reading_js()}).lists()"


_TABLE_JS = """(table) => {
  const text = (c) => (c.innerText || c.textContent || '').replace(/\\s+/g, ' ').trim();
  const rows = [...table.querySelectorAll('tr')];
  const head = rows.find((tr) => tr.querySelector('th'));
  return {
    headers: head ? [...head.children].map(text) : [],
    rows: rows.filter((tr) => tr.querySelector('td')).map((tr) => [...tr.children].map(text)),
  };
}"""
_DETACHED_MARKERS = ("not attached", "detached", "Execution context was destroyed")

# --- frames -------------------------------------------------------------------------------
ENTER_FRAME = " >> internal:control=enter-frame >> "
MAX_FRAME_DEPTH = 3
# Attributes that name an iframe for a person and survive reloads, most telling first.
_FRAME_ATTRIBUTES_JS = """(el) => ({tag: el.tagName.toLowerCase(), name: el.getAttribute('name'),
  id: el.id || null, title: el.getAttribute('title'), src: el.getAttribute('src'),
  position: [...el.ownerDocument.querySelectorAll(el.tagName)].indexOf(el)})"""
# Auto-wait polling, as Playwright's own retries: quick at first, then every second.
_POLL_MS = (100, 250, 500, 1000)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _same_origin(page_url: str, frame_url: str) -> bool:
    # about:blank and srcdoc frames run with their parent's origin.
    if frame_url in ("about:blank", "about:srcdoc"):
        return True
    return _origin(frame_url) == _origin(page_url)


def _frame_selectors(attributes: dict[str, Any]) -> list[str]:
    """Ways to name one iframe within its parent document, most stable first; the caller
    keeps the first that matches exactly one frame element."""
    tag = attributes.get("tag") or "iframe"
    out = []
    for attr in ("name", "id", "title", "src"):
        value = attributes.get(attr)
        if value:
            out.append(f"css={tag}[{attr}={json.dumps(value)}]")
    out.append(f"css={tag} >> nth={attributes.get('position', 0)}")
    return out


def split_frame(selector: str) -> tuple[str, str]:
    """("<frame prefix> >> internal:control=enter-frame >> ", rest) of a selector; the
    prefix is "" for an element of the main frame."""
    at = selector.rfind(ENTER_FRAME)
    if at < 0:
        return "", selector
    end = at + len(ENTER_FRAME)
    return selector[:end], selector[end:]


def _in_frame(prefix: str, raw: Any) -> Any:
    """A frame's raw {identity, selectors} with the frame prefix on every selector."""
    if raw is None or not prefix:
        return raw
    data = dict(raw)
    data["selectors"] = [
        {**s, "value": prefix + str(s["value"])} for s in data.get("selectors", [])
    ]
    return data


class _FramePart:
    """One frame's slice of the last snapshot: candidates ``start .. start+count``."""

    __slots__ = ("count", "frame", "prefix", "start")

    def __init__(self, frame: Any, prefix: str, start: int, count: int) -> None:
        self.frame = frame
        self.prefix = prefix
        self.start = start
        self.count = count


def _merge(parts: list[tuple[Any, str, Any]]) -> tuple[dict[str, Any], list[_FramePart]]:
    """One snapshot from each frame's raw snapshot (main frame first): candidates
    renumbered, each knowing its frame."""
    candidates: list[dict[str, Any]] = []
    slices: list[_FramePart] = []
    context: Any = {}
    for frame, prefix, raw in parts:
        if not prefix:
            context = raw.get("context", {})
        found = raw.get("candidates", [])
        slices.append(_FramePart(frame, prefix, len(candidates), len(found)))
        for fp in found:
            fp["index"] = len(candidates)
            candidates.append(fp)
    return {"context": context, "candidates": candidates}, slices


def _part_of(slices: list[_FramePart], index: int) -> tuple[_FramePart, int] | None:
    for part in slices:
        if part.start <= index < part.start + part.count:
            return part, index - part.start
    return None


def _is_detached(error: Exception) -> bool:
    return any(marker in str(error) for marker in _DETACHED_MARKERS)


def _short(error: Exception) -> str:
    # Playwright's messages carry a long call log; the first lines say what happened.
    lines = str(error).strip().splitlines()
    return " ".join(lines[:2]) if lines else type(error).__name__


# The option a step names, as people name it: its value or label exactly, else whatever
# the case, else the one option whose label starts with (or holds as whole words) the
# asked words ("Dr. Okafor" for "Dr. Okafor (Physiotherapy)", "Savings" for "Savings ··
# 9020"). Two such options, or none: null, and Playwright's own matching decides (and
# fails naming the value) — an option is never guessed.
OPTION_JS = """(el, wanted) => {
  if (!el.options || typeof wanted !== 'string') return null;
  const norm = (s) => s.replace(/\\s+/g, ' ').trim().toLowerCase();
  const options = [...el.options];
  const want = norm(wanted);
  const exact = options.filter((o) => o.value === wanted || o.label === wanted);
  if (exact.length) return null;
  const same = options.filter((o) => norm(o.label) === want || norm(o.value) === want);
  if (same.length === 1) return same[0].value;
  const escaped = want.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&');
  const words = new RegExp('(^|[^a-z0-9])' + escaped + '($|[^a-z0-9])');
  const starts = options.filter((o) => norm(o.label).startsWith(want) && words.test(norm(o.label)));
  if (starts.length === 1) return starts[0].value;
  if (starts.length > 1) return null;
  const holds = options.filter((o) => words.test(norm(o.label)));
  return holds.length === 1 ? holds[0].value : null;
}"""


def _selector_error(error: Exception) -> bool:
    text = str(error)
    return "Unexpected token" in text or ("selector" in text.lower() and "parse" in text.lower())


class AsyncDriver:
    def __init__(self, page: AsyncPage, store: ElementStore | None, resolver: Resolver) -> None:
        self.page = page
        self.store = store
        self.resolver = resolver
        self._pinned: AsyncElementHandle | None = None
        # Identity of the element ResolveCached left in window.__testablePinned (the handle
        # is only fetched when acting: an observe() or a failed verification needs none).
        self._stashed: int | None = None
        # The last snapshot's frames (which frame holds which candidate index) and what
        # it showed (for WaitForChange).
        self._frames: list[_FramePart] = []
        self._last_signature: int | None = None

    async def run(self, flow: Flow[T]) -> T:
        try:
            command = next(flow)
            while True:
                try:
                    result = await self._execute(command)
                except (cmd.StaleElement, cmd.ActionFailed, ResolverError) as error:
                    command = flow.throw(error)
                else:
                    command = flow.send(result)
        except StopIteration as stop:
            return cast(T, stop.value)
        except ResolverError as error:  # a flow that does not handle it: fail the step
            raise TestAbleStepError(f"the resolver failed: {error}") from error
        finally:
            await self._unpin()

    async def _unpin(self) -> None:
        # The handle is dropped, not disposed: Playwright releases element handles itself
        # when their frame navigates or the page closes, and an explicit dispose() is one
        # more round trip per step (10+ ms on a loaded machine, bench/bench_act.py) for
        # releasing a single DOM reference a little earlier.
        self._stashed = None
        self._pinned = None

    # --- snapshots through frames, and auto-wait ------------------------------------------

    async def _snapshot(self) -> dict[str, Any]:
        main = self.page.main_frame
        raw = await main.evaluate(page_expression(), request("snapshot", frame=""))
        parts: list[tuple[Any, str, Any]] = [(main, "", raw)]
        if main.child_frames:
            parts += await self._frame_snapshots(main, "", 1)
        merged, self._frames = _merge(parts)
        self._last_signature = snapshot_signature(merged)
        return merged

    async def _frame_snapshots(
        self, parent: AsyncFrame, prefix: str, depth: int
    ) -> list[tuple[Any, str, Any]]:
        out: list[tuple[Any, str, Any]] = []
        if depth > MAX_FRAME_DEPTH:
            return out
        for child in parent.child_frames:
            if child.is_detached() or not _same_origin(self.page.url, child.url):
                continue
            try:
                element = await child.frame_element()
                attributes = await element.evaluate(_FRAME_ATTRIBUTES_JS)
                named = None
                for selector in _frame_selectors(attributes):
                    if await self.page.locator(prefix + selector).count() == 1:
                        named = prefix + selector + ENTER_FRAME
                        break
                if named is None:
                    continue
                raw = await child.evaluate(page_expression(), request("snapshot", frame=named))
            except PlaywrightError:
                continue  # navigated or detached meanwhile: not part of this snapshot
            out.append((child, named, raw))
            out += await self._frame_snapshots(child, named, depth + 1)
        return out

    async def _snapshot_selectors(self, index: int) -> Any:
        found = _part_of(self._frames, index)
        if found is None:
            return await self.page.evaluate(page_expression(), request("selectors", index=index))
        part, local = found
        try:
            raw = await part.frame.evaluate(page_expression(), request("selectors", index=local))
        except PlaywrightError:
            return None  # its frame went away
        return _in_frame(part.prefix, raw)

    async def _wait_for_change(self, timeout_ms: float) -> bool:
        deadline = time.monotonic() + timeout_ms / 1000
        base = self._last_signature
        if base is None:
            base = snapshot_signature(await self._snapshot())
        for attempt in range(1_000_000):
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0:
                return False
            await self.page.wait_for_timeout(min(_POLL_MS[min(attempt, 3)], remaining_ms))
            try:
                raw = await self._snapshot()
            except PlaywrightError:
                continue  # a navigation in progress: look again
            if snapshot_signature(raw) != base:
                return True
        return False

    async def _execute(self, command: cmd.Command) -> Any:
        page = self.page
        match command:
            case cmd.PageUrl():
                return page.url
            case cmd.Goto(url=url):
                await page.goto(url)
                return None
            case cmd.Snapshot():
                # The frame label is the collector's own; the snapshot covers the page
                # and its same-origin frames (see the module's docstring).
                return await self._snapshot()
            case cmd.WaitForChange(timeout_ms=timeout_ms):
                return await self._wait_for_change(timeout_ms)
            case cmd.SnapshotSelectors(index=index):
                return await self._snapshot_selectors(index)
            case cmd.ElementSelectors(selector=selector):
                try:
                    raw = await page.locator(selector).evaluate(
                        element_expression(), request("selectors"), timeout=PIN_TIMEOUT_MS
                    )
                except PlaywrightError:
                    return None
                return _in_frame(split_frame(selector)[0], raw)
            case cmd.Identities(selector=selector):
                try:
                    return await page.locator(selector).evaluate_all(all_identities_expression())
                except PlaywrightError:
                    return None
            case cmd.ReadTexts(selector=selector, mode=mode):
                try:
                    return await page.locator(selector).evaluate_all(_texts_expression(mode))
                except PlaywrightError:
                    return None
            case cmd.FindLists():
                try:
                    return await page.evaluate(_lists_expression())
                except PlaywrightError:
                    return []
            case cmd.ReadTable(selector=selector):
                try:
                    return await page.locator(selector).evaluate(_TABLE_JS, timeout=PIN_TIMEOUT_MS)
                except PlaywrightError:
                    return None
            case cmd.ResolveCached(selectors=selectors):
                await self._unpin()
                data = await page.evaluate(
                    page_expression(), request("resolve", selectors=list(selectors))
                )
                if data.get("identity") is not None:
                    self._stashed = data["identity"]
                return data
            case cmd.Pin(selector=selector):
                await self._unpin()
                try:
                    handle = await page.locator(selector).element_handle(timeout=PIN_TIMEOUT_MS)
                    data = await handle.evaluate(pin_expression())
                except PlaywrightError as error:
                    raise cmd.StaleElement(_short(error)) from error
                self._pinned = handle
                return data
            case cmd.Perform():
                await self._perform(command)
                return None
            case cmd.PressOnPage(key=key):
                await page.keyboard.press(key)
                return None
            case cmd.GoBack(timeout_ms=timeout_ms):
                await page.go_back(timeout=timeout_ms)
                return None
            case cmd.DragAndDrop(source=source, target=target, timeout_ms=timeout_ms):
                try:
                    await page.drag_and_drop(source, target, timeout=timeout_ms)
                except PlaywrightError as error:
                    raise cmd.ActionFailed(_short(error)) from error
                return None
            case cmd.ReadState():
                if self._pinned is None:
                    return {}
                try:
                    return await self._pinned.evaluate(_STATE_JS)
                except PlaywrightError:
                    return {}  # navigated away after a click: nothing to check on the element
            case cmd.StoreCall(method=method, args=args, kwargs=kwargs):
                if self.store is None:
                    raise RuntimeError("the cache is on but no store was given")
                return await getattr(self.store, method)(*args, **kwargs)
            case cmd.Resolve(request=resolve_request):
                return await self.resolver.resolve(resolve_request, page)
        raise TypeError(f"unknown command {command!r}")

    async def _perform(self, command: cmd.Perform) -> None:
        fresh = self._pinned is None and self._stashed == command.expected_identity
        if fresh:
            # The very element ResolveCached checked (an object reference, not a selector
            # resolved again): its identity needs no second check.
            try:
                self._pinned = (await self.page.evaluate_handle(PINNED_JS)).as_element()
            except PlaywrightError as error:
                raise cmd.StaleElement(_short(error)) from error
            self._stashed = None
        handle = self._pinned
        if handle is None:
            raise cmd.StaleElement("no element pinned")
        try:
            if not fresh:
                identity = await handle.evaluate(identity_expression())
                if identity != command.expected_identity:
                    raise cmd.StaleElement("the element was replaced before acting")
            timeout = command.timeout_ms
            value = command.value or ""
            match command.method:
                case "click":
                    if command.double:
                        await handle.dblclick(timeout=timeout)
                    elif value == "right":
                        await handle.click(timeout=timeout, button="right")
                    else:
                        await handle.click(timeout=timeout)
                case "scroll":
                    await handle.scroll_into_view_if_needed(timeout=timeout)
                case "fill":
                    await handle.fill(value, timeout=timeout)
                case "type":
                    await handle.fill("", timeout=timeout)
                    await handle.type(value, timeout=timeout)
                case "select":
                    chosen = await handle.evaluate(OPTION_JS, value)
                    await handle.select_option(chosen or value, timeout=timeout)
                case "check":
                    await handle.check(timeout=timeout)
                case "uncheck":
                    await handle.uncheck(timeout=timeout)
                case "press":
                    await handle.press(value, timeout=timeout)
                case "hover":
                    await handle.hover(timeout=timeout)
                case "upload":
                    await handle.set_input_files(value, timeout=timeout)
                case other:
                    raise cmd.ActionFailed(f"unknown action {other!r}")
        except PlaywrightError as error:
            if _is_detached(error):
                raise cmd.StaleElement(_short(error)) from error
            raise cmd.ActionFailed(_short(error)) from error


class LoopThread:
    """An event loop on a daemon thread, for the async store and resolver of sync clients."""

    def __init__(self, name: str = "testable-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class SyncDriver:
    def __init__(
        self, page: SyncPage, store: ElementStore | None, resolver: Resolver, loop: LoopThread
    ) -> None:
        self.page = page
        self.store = store
        self.resolver = resolver
        self.loop = loop
        self._pinned: SyncElementHandle | None = None
        self._stashed: int | None = None  # as in AsyncDriver
        self._frames: list[_FramePart] = []
        self._last_signature: int | None = None

    def run(self, flow: Flow[T]) -> T:
        try:
            command = next(flow)
            while True:
                try:
                    result = self._execute(command)
                except (cmd.StaleElement, cmd.ActionFailed, ResolverError) as error:
                    command = flow.throw(error)
                else:
                    command = flow.send(result)
        except StopIteration as stop:
            return cast(T, stop.value)
        except ResolverError as error:  # a flow that does not handle it: fail the step
            raise TestAbleStepError(f"the resolver failed: {error}") from error
        finally:
            self._unpin()

    def _unpin(self) -> None:
        self._stashed = None  # see AsyncDriver._unpin
        self._pinned = None

    # --- snapshots through frames, and auto-wait ------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        main = self.page.main_frame
        raw = main.evaluate(page_expression(), request("snapshot", frame=""))
        parts: list[tuple[Any, str, Any]] = [(main, "", raw)]
        if main.child_frames:
            parts += self._frame_snapshots(main, "", 1)
        merged, self._frames = _merge(parts)
        self._last_signature = snapshot_signature(merged)
        return merged

    def _frame_snapshots(
        self, parent: SyncFrame, prefix: str, depth: int
    ) -> list[tuple[Any, str, Any]]:
        out: list[tuple[Any, str, Any]] = []
        if depth > MAX_FRAME_DEPTH:
            return out
        for child in parent.child_frames:
            if child.is_detached() or not _same_origin(self.page.url, child.url):
                continue
            try:
                element = child.frame_element()
                attributes = element.evaluate(_FRAME_ATTRIBUTES_JS)
                named = None
                for selector in _frame_selectors(attributes):
                    if self.page.locator(prefix + selector).count() == 1:
                        named = prefix + selector + ENTER_FRAME
                        break
                if named is None:
                    continue
                raw = child.evaluate(page_expression(), request("snapshot", frame=named))
            except PlaywrightError:
                continue  # navigated or detached meanwhile: not part of this snapshot
            out.append((child, named, raw))
            out += self._frame_snapshots(child, named, depth + 1)
        return out

    def _snapshot_selectors(self, index: int) -> Any:
        found = _part_of(self._frames, index)
        if found is None:
            return self.page.evaluate(page_expression(), request("selectors", index=index))
        part, local = found
        try:
            raw = part.frame.evaluate(page_expression(), request("selectors", index=local))
        except PlaywrightError:
            return None  # its frame went away
        return _in_frame(part.prefix, raw)

    def _wait_for_change(self, timeout_ms: float) -> bool:
        deadline = time.monotonic() + timeout_ms / 1000
        base = self._last_signature
        if base is None:
            base = snapshot_signature(self._snapshot())
        for attempt in range(1_000_000):
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0:
                return False
            self.page.wait_for_timeout(min(_POLL_MS[min(attempt, 3)], remaining_ms))
            try:
                raw = self._snapshot()
            except PlaywrightError:
                continue  # a navigation in progress: look again
            if snapshot_signature(raw) != base:
                return True
        return False

    def _execute(self, command: cmd.Command) -> Any:
        page = self.page
        match command:
            case cmd.PageUrl():
                return page.url
            case cmd.Goto(url=url):
                page.goto(url)
                return None
            case cmd.Snapshot():
                # The frame label is the collector's own; the snapshot covers the page
                # and its same-origin frames (see the module's docstring).
                return self._snapshot()
            case cmd.WaitForChange(timeout_ms=timeout_ms):
                return self._wait_for_change(timeout_ms)
            case cmd.SnapshotSelectors(index=index):
                return self._snapshot_selectors(index)
            case cmd.ElementSelectors(selector=selector):
                try:
                    raw = page.locator(selector).evaluate(
                        element_expression(), request("selectors"), timeout=PIN_TIMEOUT_MS
                    )
                except PlaywrightError:
                    return None
                return _in_frame(split_frame(selector)[0], raw)
            case cmd.Identities(selector=selector):
                try:
                    return page.locator(selector).evaluate_all(all_identities_expression())
                except PlaywrightError:
                    return None
            case cmd.ReadTexts(selector=selector, mode=mode):
                try:
                    return page.locator(selector).evaluate_all(_texts_expression(mode))
                except PlaywrightError:
                    return None
            case cmd.FindLists():
                try:
                    return page.evaluate(_lists_expression())
                except PlaywrightError:
                    return []
            case cmd.ReadTable(selector=selector):
                try:
                    return page.locator(selector).evaluate(_TABLE_JS, timeout=PIN_TIMEOUT_MS)
                except PlaywrightError:
                    return None
            case cmd.ResolveCached(selectors=selectors):
                self._unpin()
                data = page.evaluate(
                    page_expression(), request("resolve", selectors=list(selectors))
                )
                if data.get("identity") is not None:
                    self._stashed = data["identity"]
                return data
            case cmd.Pin(selector=selector):
                self._unpin()
                try:
                    handle = page.locator(selector).element_handle(timeout=PIN_TIMEOUT_MS)
                    data = handle.evaluate(pin_expression())
                except PlaywrightError as error:
                    raise cmd.StaleElement(_short(error)) from error
                self._pinned = handle
                return data
            case cmd.Perform():
                self._perform(command)
                return None
            case cmd.PressOnPage(key=key):
                page.keyboard.press(key)
                return None
            case cmd.GoBack(timeout_ms=timeout_ms):
                page.go_back(timeout=timeout_ms)
                return None
            case cmd.DragAndDrop(source=source, target=target, timeout_ms=timeout_ms):
                try:
                    page.drag_and_drop(source, target, timeout=timeout_ms)
                except PlaywrightError as error:
                    raise cmd.ActionFailed(_short(error)) from error
                return None
            case cmd.ReadState():
                if self._pinned is None:
                    return {}
                try:
                    return self._pinned.evaluate(_STATE_JS)
                except PlaywrightError:
                    return {}
            case cmd.StoreCall(method=method, args=args, kwargs=kwargs):
                if self.store is None:
                    raise RuntimeError("the cache is on but no store was given")
                return self.loop.run(getattr(self.store, method)(*args, **kwargs))
            case cmd.Resolve(request=resolve_request):
                # A sync page cannot be used from the loop thread: resolvers that need the
                # page (stagehand) get None and must work from the candidates or CDP.
                return self.loop.run(self.resolver.resolve(resolve_request, None))
        raise TypeError(f"unknown command {command!r}")

    def _perform(self, command: cmd.Perform) -> None:
        fresh = self._pinned is None and self._stashed == command.expected_identity
        if fresh:  # see AsyncDriver._perform
            try:
                self._pinned = self.page.evaluate_handle(PINNED_JS).as_element()
            except PlaywrightError as error:
                raise cmd.StaleElement(_short(error)) from error
            self._stashed = None
        handle = self._pinned
        if handle is None:
            raise cmd.StaleElement("no element pinned")
        try:
            if not fresh:
                identity = handle.evaluate(identity_expression())
                if identity != command.expected_identity:
                    raise cmd.StaleElement("the element was replaced before acting")
            timeout = command.timeout_ms
            value = command.value or ""
            match command.method:
                case "click":
                    if command.double:
                        handle.dblclick(timeout=timeout)
                    elif value == "right":
                        handle.click(timeout=timeout, button="right")
                    else:
                        handle.click(timeout=timeout)
                case "scroll":
                    handle.scroll_into_view_if_needed(timeout=timeout)
                case "fill":
                    handle.fill(value, timeout=timeout)
                case "type":
                    handle.fill("", timeout=timeout)
                    handle.type(value, timeout=timeout)
                case "select":
                    chosen = handle.evaluate(OPTION_JS, value)
                    handle.select_option(chosen or value, timeout=timeout)
                case "check":
                    handle.check(timeout=timeout)
                case "uncheck":
                    handle.uncheck(timeout=timeout)
                case "press":
                    handle.press(value, timeout=timeout)
                case "hover":
                    handle.hover(timeout=timeout)
                case "upload":
                    handle.set_input_files(value, timeout=timeout)
                case other:
                    raise cmd.ActionFailed(f"unknown action {other!r}")
        except PlaywrightError as error:
            if _is_detached(error):
                raise cmd.StaleElement(_short(error)) from error
            raise cmd.ActionFailed(_short(error)) from error
