"""Resolver lookup by name and resolver settings from the environment."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from pydantic import SecretStr

from backend.ai import registry
from backend.ai.errors import ResolverConfigurationError
from backend.ai.llm import LLMResolver
from backend.ai.local import LocalResolver
from backend.ai.settings import LLMProvider, ResolverSettings
from backend.ai.stagehand import StagehandResolver


class EchoResolver:
    """A third-party resolver, as an entry point would provide it."""

    name = "echo"

    def __init__(self, settings: ResolverSettings) -> None:
        self.settings = settings

    async def resolve(self, request: object, page: object) -> object:
        return None


def test_builtin_resolvers_by_name() -> None:
    settings = ResolverSettings(llm_api_key=SecretStr("k"), stagehand_cdp_url="http://x:1")
    assert isinstance(registry.get_resolver("local", settings), LocalResolver)
    assert isinstance(registry.get_resolver("LLM", settings), LLMResolver)
    assert isinstance(registry.get_resolver("stagehand", settings), StagehandResolver)


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(ResolverConfigurationError, match=r"unknown resolver 'magic'.*local"):
        registry.get_resolver("magic", ResolverSettings())


def test_entry_point_resolvers_are_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint(
        name="echo", value="tests.ai.test_registry:EchoResolver", group=registry.ENTRY_POINT_GROUP
    )
    monkeypatch.setattr(registry, "plugin_factories", lambda: {"echo": point})
    settings = ResolverSettings()

    resolver = registry.get_resolver("echo", settings)

    assert isinstance(resolver, EchoResolver)
    assert resolver.settings is settings
    assert "echo" in registry.available()


def test_a_broken_entry_point_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint(
        name="broken", value="tests.ai.no_such_module:Nothing", group=registry.ENTRY_POINT_GROUP
    )
    monkeypatch.setattr(registry, "plugin_factories", lambda: {"broken": point})
    with pytest.raises(ResolverConfigurationError, match="cannot be loaded"):
        registry.get_resolver("broken", ResolverSettings())


def test_settings_come_from_testable_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTABLE_RESOLVER", "llm")
    monkeypatch.setenv("TESTABLE_LLM_PROVIDER", "anthropic")
    monkeypatch.setenv("TESTABLE_LLM_MODEL", "claude-x")
    monkeypatch.setenv("TESTABLE_LLM_API_KEY", "secret-key")
    monkeypatch.setenv("TESTABLE_LLM_BASE_URL", "http://127.0.0.1:8080")
    monkeypatch.setenv("TESTABLE_LLM_TOP_K", "5")
    monkeypatch.setenv("TESTABLE_LLM_TIMEOUT_SECONDS", "12.5")

    settings = ResolverSettings()

    assert settings.resolver == "llm"
    assert settings.llm_provider is LLMProvider.ANTHROPIC
    assert settings.llm_model == "claude-x"
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == "secret-key"
    assert "secret-key" not in repr(settings)
    assert settings.llm_base_url == "http://127.0.0.1:8080"
    assert settings.llm_top_k == 5
    assert settings.llm_timeout_seconds == 12.5


def test_settings_do_not_need_the_platform_configuration() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import backend.ai.registry, backend.ai.local, backend.ai.settings; "
        "sys.exit(1 if 'backend.config' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
