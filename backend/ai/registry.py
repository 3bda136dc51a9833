"""Resolvers by name: the built-in ones, plus any registered by a third party under the
entry-point group ``testable.resolvers`` (``name = "package.module:factory"``, where the
factory takes a ``ResolverSettings`` and returns an object with ``name`` and
``async resolve(request, page)``). Built-in names cannot be overridden.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from backend.ai.base import Resolver
from backend.ai.errors import ResolverConfigurationError
from backend.ai.settings import ResolverSettings

ENTRY_POINT_GROUP = "testable.resolvers"
ResolverFactory = Callable[[ResolverSettings], Resolver]


def _local(settings: ResolverSettings) -> Resolver:
    from backend.ai.local import LocalResolver

    return LocalResolver(settings)


def _llm(settings: ResolverSettings) -> Resolver:
    from backend.ai.llm import LLMResolver

    return LLMResolver(settings)


def _stagehand(settings: ResolverSettings) -> Resolver:
    # Imported on demand: the Stagehand SDK is only loaded by those who choose it.
    from backend.ai.stagehand import StagehandResolver

    return StagehandResolver(settings)


BUILTIN: dict[str, ResolverFactory] = {"local": _local, "llm": _llm, "stagehand": _stagehand}


def plugin_factories() -> dict[str, Any]:
    """Entry points of the ``testable.resolvers`` group, by name (not loaded yet)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available() -> list[str]:
    return sorted(set(BUILTIN) | set(plugin_factories()))


def get_resolver(name: str, settings: ResolverSettings | None = None) -> Resolver:
    settings = settings or ResolverSettings()
    key = name.strip().lower()
    if key in BUILTIN:
        return BUILTIN[key](settings)
    plugin = plugin_factories().get(key)
    if plugin is None:
        raise ResolverConfigurationError(
            f"unknown resolver {name!r}; available: {', '.join(available())}"
        )
    try:
        factory = plugin.load()
    except Exception as error:
        raise ResolverConfigurationError(
            f"resolver {name!r} ({plugin.value}) cannot be loaded: {error}"
        ) from error
    resolver = factory(settings)
    if not callable(getattr(resolver, "resolve", None)) or not hasattr(resolver, "name"):
        raise ResolverConfigurationError(
            f"resolver {name!r} ({plugin.value}) does not provide name and resolve()"
        )
    return resolver  # type: ignore[no-any-return]
