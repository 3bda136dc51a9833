"""The TestAble client: ``AI`` (sync) and ``AsyncAI`` over Playwright, with the verified
element cache. Exports are loaded lazily: the pytest plugin (``backend.client.plugin``) is
imported in every pytest session and must stay cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.client.api import AI, AsyncAI
    from backend.client.errors import InstructionError, TestAbleStepError
    from backend.client.results import ObservedElement, StepResult
    from backend.client.settings import ClientSettings

__all__ = [
    "AI",
    "AsyncAI",
    "ClientSettings",
    "InstructionError",
    "ObservedElement",
    "StepResult",
    "TestAbleStepError",
]

_HOMES = {
    "AI": "backend.client.api",
    "AsyncAI": "backend.client.api",
    "ClientSettings": "backend.client.settings",
    "InstructionError": "backend.client.errors",
    "ObservedElement": "backend.client.results",
    "StepResult": "backend.client.results",
    "TestAbleStepError": "backend.client.errors",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'backend.client' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
