"""``AI`` (sync, over pytest-playwright's ``page``) and ``AsyncAI`` (async Playwright).

Both are thin: they parse nothing and decide nothing, they hand the engine's step flows
to a driver. Every call appends its ``StepResult`` to ``.steps`` (failed steps too), which
the pytest plugin writes into the JSON report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from backend.ai.base import Resolver
from backend.cache.store.base import ElementStore
from backend.client import engine
from backend.client.drivers import AsyncDriver, LoopThread, SyncDriver
from backend.client.errors import TestAbleStepError
from backend.client.extraction import extract_flow
from backend.client.observation import observe_flow
from backend.client.results import ObservedElement, StepResult
from backend.client.settings import ClientSettings

if TYPE_CHECKING:
    from playwright.async_api import Page as AsyncPage
    from playwright.sync_api import Page as SyncPage

T = TypeVar("T")
StepListener = Callable[[StepResult], None]


def make_resolver(name: str) -> Resolver:
    """The resolver called ``name`` (``local`` by default; see ``backend.ai.registry``)."""
    from backend.ai.registry import get_resolver

    return get_resolver(name)


async def open_client_store(settings: ClientSettings) -> ElementStore:
    """Open the store ``settings`` names (no platform settings involved)."""
    from backend.cache.store.factory import open_store

    token = settings.run_token.get_secret_value() if settings.run_token else None
    return await open_store(settings.store_url, settings, token=token)


def engine_config(
    settings: ClientSettings, *, project: str | None = None, rootdir: Path | None = None
) -> engine.EngineConfig:
    return engine.EngineConfig(
        project=project or settings.project_name(rootdir),
        scope=settings.scope(rootdir),
        use_cache=settings.cache,
        mask_personal_data=settings.cache_mask_personal_data,
        action_timeout_ms=settings.action_timeout_ms,
        run_id=settings.run_id,
    )


class _StepLog:
    def __init__(self, listener: StepListener | None) -> None:
        self.steps: list[StepResult] = []
        self._listener = listener

    def _record(self, result: StepResult) -> None:
        self.steps.append(result)
        if self._listener is not None:
            self._listener(result)

    @property
    def last_result(self) -> StepResult | None:
        return self.steps[-1] if self.steps else None


class AI(_StepLog):
    """The sync client: ``ai.act("click the login button")`` in a pytest-playwright test.

    ``store`` and ``resolver`` default to what ``settings`` (``TESTABLE_*``) names; a store
    the client opened itself is closed by ``close()``. ``loop`` runs the async store and
    resolver; pass the session's ``LoopThread`` when the store was opened on it.
    """

    def __init__(
        self,
        page: SyncPage,
        *,
        store: ElementStore | None = None,
        resolver: Resolver | None = None,
        settings: ClientSettings | None = None,
        config: engine.EngineConfig | None = None,
        loop: LoopThread | None = None,
        on_step: StepListener | None = None,
    ) -> None:
        super().__init__(on_step)
        self.settings = settings or ClientSettings()
        self.config = config or engine_config(self.settings)
        self._own_loop = loop is None
        self._loop = loop or LoopThread()
        self._own_store = store is None and self.config.use_cache
        if store is None and self.config.use_cache:
            store = self._loop.run(open_client_store(self.settings))
        self.store = store
        self.resolver = resolver or make_resolver(self.settings.resolver)
        self.page = page
        self._driver = SyncDriver(page, store, self.resolver, self._loop)

    def _run(self, flow: engine.Flow[StepResult]) -> StepResult:
        try:
            result = self._driver.run(flow)
        except TestAbleStepError as error:
            if error.result is not None:
                self._record(error.result)
            raise
        self._record(result)
        return result

    def act(self, instruction: str, variables: Mapping[str, str] | None = None) -> StepResult:
        return self._run(engine.act(self.config, instruction, variables))

    def goto(self, url: str) -> StepResult:
        return self._run(engine.goto(url))

    def observe(self, instruction: str) -> list[ObservedElement]:
        observed, result = self._driver.run(observe_flow(self.config, instruction))
        self._record(result)
        return observed

    def extract(self, instruction: str, schema: type[BaseModel] | Mapping[str, Any]) -> Any:
        try:
            data, result = self._driver.run(extract_flow(self.config, instruction, schema))
        except TestAbleStepError as error:
            if error.result is not None:
                self._record(error.result)
            raise
        self._record(result)
        return data

    def close(self) -> None:
        if self._own_store and self.store is not None:
            self._loop.run(self.store.close())
            self.store = None
        if self._own_loop:
            self._loop.close()

    def __enter__(self) -> AI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncAI(_StepLog):
    """The async client over an async Playwright ``Page``. Create it with
    ``await AsyncAI.create(page)`` to open the configured store, or pass ``store=``."""

    def __init__(
        self,
        page: AsyncPage,
        *,
        store: ElementStore | None = None,
        resolver: Resolver | None = None,
        settings: ClientSettings | None = None,
        config: engine.EngineConfig | None = None,
        on_step: StepListener | None = None,
    ) -> None:
        super().__init__(on_step)
        self.settings = settings or ClientSettings()
        self.config = config or engine_config(self.settings)
        if store is None and self.config.use_cache:
            raise ValueError("AsyncAI needs store= (or use `await AsyncAI.create(page)`)")
        self.store = store
        self._own_store = False
        self.resolver = resolver or make_resolver(self.settings.resolver)
        self.page = page
        self._driver = AsyncDriver(page, store, self.resolver)

    @classmethod
    async def create(
        cls,
        page: AsyncPage,
        *,
        resolver: Resolver | None = None,
        settings: ClientSettings | None = None,
        config: engine.EngineConfig | None = None,
    ) -> AsyncAI:
        settings = settings or ClientSettings()
        config = config or engine_config(settings)
        store = await open_client_store(settings) if config.use_cache else None
        client = cls(page, store=store, resolver=resolver, settings=settings, config=config)
        client._own_store = store is not None
        return client

    async def _run(self, flow: engine.Flow[StepResult]) -> StepResult:
        try:
            result = await self._driver.run(flow)
        except TestAbleStepError as error:
            if error.result is not None:
                self._record(error.result)
            raise
        self._record(result)
        return result

    async def act(self, instruction: str, variables: Mapping[str, str] | None = None) -> StepResult:
        return await self._run(engine.act(self.config, instruction, variables))

    async def goto(self, url: str) -> StepResult:
        return await self._run(engine.goto(url))

    async def observe(self, instruction: str) -> list[ObservedElement]:
        observed, result = await self._driver.run(observe_flow(self.config, instruction))
        self._record(result)
        return observed

    async def extract(self, instruction: str, schema: type[BaseModel] | Mapping[str, Any]) -> Any:
        try:
            data, result = await self._driver.run(extract_flow(self.config, instruction, schema))
        except TestAbleStepError as error:
            if error.result is not None:
                self._record(error.result)
            raise
        self._record(result)
        return data

    async def close(self) -> None:
        if self._own_store and self.store is not None:
            await self.store.close()
            self.store = None

    async def __aenter__(self) -> AsyncAI:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
