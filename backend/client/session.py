"""The pytest session's TestAble state (``TestAbleSession``: store, resolver, loop and every
test's steps) and the per-test report registry (``REPORTS``). Apart from the plugin
(which registers the session) and the fixtures (which use it), so neither imports the
other."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from backend.client.testinfo import describe_test

if TYPE_CHECKING:
    from backend.cache.store.base import ElementStore
    from backend.client.drivers import LoopThread
    from backend.client.engine import EngineConfig
    from backend.client.results import StepResult

REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()  # phase -> report, per test


class TestAbleSession:
    """Per-session state: store, resolver, loop, and every test's steps."""

    __test__ = False
    NAME = "testable-session"

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.loop: LoopThread | None = None
        self.store: ElementStore | None = None
        self.resolver: Any = None
        self.engine_config: EngineConfig | None = None
        self.steps: dict[str, list[StepResult]] = {}
        self.store_stats: dict[str, Any] | None = None
        self.artifacts_root: Path | None = None  # from the settings (a run's artifacts)

    # --- lazy set-up ---------------------------------------------------------------------

    def ensure_started(self) -> None:
        if self.loop is not None:
            return
        from backend.client.api import engine_config, make_resolver, open_client_store
        from backend.client.drivers import LoopThread
        from backend.client.settings import ClientSettings

        settings = ClientSettings()
        self.artifacts_root = settings.artifacts_folder
        if self.config.getoption("--testable-no-cache"):
            settings.cache = False
        self.engine_config = engine_config(settings, rootdir=Path(str(self.config.rootpath)))
        self.resolver = make_resolver(settings.resolver)
        self.loop = LoopThread("testable-store")
        if self.engine_config.use_cache:
            self.store = self.loop.run(open_client_store(settings))

    def record(self, nodeid: str, result: StepResult) -> None:
        from backend.client.events import step_event

        steps = self.steps.setdefault(nodeid, [])
        steps.append(result)
        step_event(nodeid, len(steps) - 1, result)

    def test_metadata(self, nodeid: str) -> dict[str, Any]:
        steps = self.steps.get(nodeid, [])
        # Which resolver decided a step it answered ("local" is the offline one): the
        # dashboard says "resolver: offline" rather than "asked the AI" when no model ran.
        resolver = getattr(self.resolver, "name", None)
        return {
            "steps": [
                {**s.model_dump(mode="json"), "resolver": resolver}
                if s.decision in ("resolver", "healed") and resolver
                else s.model_dump(mode="json")
                for s in steps
            ],
            "stats": _count(steps),
        }

    # --- hooks ---------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        item.stash.setdefault(REPORTS, {})[report.when] = report
        return report

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_runtest_metadata(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> dict[str, Any]:
        # The test's description (markers, file, docstring, body hash) has its own key:
        # pytest-json-report merges hook results with a top-level dict.update, so sharing
        # "testable" with a conftest that also reports steps would drop one of the two.
        described: dict[str, Any] = {"testable_test": describe_test(item)}
        if item.nodeid not in self.steps:
            return described
        return {"testable": self.test_metadata(item.nodeid), **described}

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_modifyreport(self, json_report: dict[str, Any]) -> None:
        if self.loop is None:
            return
        json_report["testable"] = {"summary": self.summary(), "cache": self.fetch_store_stats()}

    def fetch_store_stats(self) -> dict[str, Any] | None:
        """The project's cache statistics from the store (once per session)."""
        if self.store_stats is None and self.store is not None and self.loop is not None:
            assert self.engine_config is not None
            try:
                stats = self.loop.run(self.store.stats(self.engine_config.project), timeout=30)
                self.store_stats = dict(stats)
            except Exception as error:  # statistics must never fail the run
                self.store_stats = {"error": str(error)}
        return self.store_stats

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.loop is None:
            return
        s = self.summary()
        terminalreporter.write_line(
            f"TestAble: {s['steps']} steps, {s['cache_hits']} cache hits, {s['heals']} heals, "
            f"{s['resolver_calls']} resolver calls, {s['failed']} failed"
        )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.loop is None:
            return
        try:
            aclose = getattr(self.resolver, "aclose", None)
            if aclose is not None:  # e.g. an HTTP client or a Stagehand session
                self.loop.run(aclose(), timeout=30)
        finally:
            if self.store is not None:
                try:
                    self.loop.run(self.store.close(), timeout=30)
                finally:
                    self.store = None
            self.loop.close()
        self.loop = None

    def summary(self) -> dict[str, int]:
        return _count([s for steps in self.steps.values() for s in steps])


def _count(steps: list[StepResult]) -> dict[str, int]:
    decisions = Counter(s.decision for s in steps)
    return {
        "steps": len(steps),
        "cache_hits": decisions["cache_hit"] + decisions["cache_hit_verified"],
        "cache_hit": decisions["cache_hit"],
        "cache_hit_verified": decisions["cache_hit_verified"],
        "heals": decisions["healed"],
        "resolver": decisions["resolver"],
        "resolver_calls": sum(s.resolver_calls for s in steps),
        "failed": decisions["failed"],
    }
