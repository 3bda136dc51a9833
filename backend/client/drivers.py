"""Run the engine's step generators with Playwright: ``AsyncDriver`` (async Playwright,
store and resolver awaited on the caller's loop) and ``SyncDriver`` (sync Playwright; the
async store and resolver run on a private event-loop thread, ``LoopThread``).

Both translate Playwright's errors into the engine's two exceptions: ``StaleElement``
(detached / replaced element: the engine re-runs the lookup once) and ``ActionFailed``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar, cast

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
)
from backend.cache.store.base import ElementStore
from backend.client import commands as cmd
from backend.client.engine import Flow
from backend.client.errors import TestAbleStepError

if TYPE_CHECKING:
    from playwright.async_api import Page as AsyncPage
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
_TEXTS_JS = """(els) => els.map((el) =>
  ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)
    ? String(el.value) : (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim())"""
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


def _is_detached(error: Exception) -> bool:
    return any(marker in str(error) for marker in _DETACHED_MARKERS)


def _short(error: Exception) -> str:
    # Playwright's messages carry a long call log; the first lines say what happened.
    lines = str(error).strip().splitlines()
    return " ".join(lines[:2]) if lines else type(error).__name__


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

    async def _execute(self, command: cmd.Command) -> Any:
        page = self.page
        match command:
            case cmd.PageUrl():
                return page.url
            case cmd.Goto(url=url):
                await page.goto(url)
                return None
            case cmd.Snapshot(frame=frame):
                return await page.evaluate(page_expression(), request("snapshot", frame=frame))
            case cmd.SnapshotSelectors(index=index):
                return await page.evaluate(page_expression(), request("selectors", index=index))
            case cmd.ElementSelectors(selector=selector):
                try:
                    return await page.locator(selector).evaluate(
                        element_expression(), request("selectors"), timeout=PIN_TIMEOUT_MS
                    )
                except PlaywrightError:
                    return None
            case cmd.Identities(selector=selector):
                try:
                    return await page.locator(selector).evaluate_all(all_identities_expression())
                except PlaywrightError:
                    return None
            case cmd.ReadTexts(selector=selector):
                try:
                    return await page.locator(selector).evaluate_all(_TEXTS_JS)
                except PlaywrightError:
                    return None
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
                    else:
                        await handle.click(timeout=timeout)
                case "fill":
                    await handle.fill(value, timeout=timeout)
                case "type":
                    await handle.fill("", timeout=timeout)
                    await handle.type(value, timeout=timeout)
                case "select":
                    await handle.select_option(value, timeout=timeout)
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

    def _execute(self, command: cmd.Command) -> Any:
        page = self.page
        match command:
            case cmd.PageUrl():
                return page.url
            case cmd.Goto(url=url):
                page.goto(url)
                return None
            case cmd.Snapshot(frame=frame):
                return page.evaluate(page_expression(), request("snapshot", frame=frame))
            case cmd.SnapshotSelectors(index=index):
                return page.evaluate(page_expression(), request("selectors", index=index))
            case cmd.ElementSelectors(selector=selector):
                try:
                    return page.locator(selector).evaluate(
                        element_expression(), request("selectors"), timeout=PIN_TIMEOUT_MS
                    )
                except PlaywrightError:
                    return None
            case cmd.Identities(selector=selector):
                try:
                    return page.locator(selector).evaluate_all(all_identities_expression())
                except PlaywrightError:
                    return None
            case cmd.ReadTexts(selector=selector):
                try:
                    return page.locator(selector).evaluate_all(_TEXTS_JS)
                except PlaywrightError:
                    return None
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
                    else:
                        handle.click(timeout=timeout)
                case "fill":
                    handle.fill(value, timeout=timeout)
                case "type":
                    handle.fill("", timeout=timeout)
                    handle.type(value, timeout=timeout)
                case "select":
                    handle.select_option(value, timeout=timeout)
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
