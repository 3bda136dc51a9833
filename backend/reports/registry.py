"""Reporters by name, registered under the entry-point group ``testable.reporters``
(``name = "package.module:ReporterClass"``), so a new destination is a plug-in.

A destination whose module is missing or broken is left out (and logged), never breaking
the others or the validation of workflow configurations.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from pydantic import BaseModel

from backend.reports.base import Reporter

ENTRY_POINT_GROUP = "testable.reporters"
log = logging.getLogger(__name__)


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _load(ep: EntryPoint) -> type[Reporter] | None:
    try:
        loaded = ep.load()
    except Exception as error:  # a missing or broken plug-in must not break the others
        log.warning("reporter %r (%s) cannot be loaded: %s", ep.name, ep.value, error)
        return None
    if not (isinstance(loaded, type) and issubclass(loaded, Reporter)):
        log.warning("reporter %r (%s) is not a Reporter subclass", ep.name, ep.value)
        return None
    return loaded


@lru_cache(maxsize=1)
def _reporters() -> dict[str, type[Reporter]]:
    found: dict[str, type[Reporter]] = {}
    for name, ep in sorted(_entry_points().items()):
        cls = _load(ep)
        if cls is not None:
            found[name] = cls
    return found


def reporter_classes() -> dict[str, type[Reporter]]:
    """Every loadable reporter class, by destination type name."""
    return dict(_reporters())


def destination_types() -> dict[str, type[BaseModel]]:
    """Each destination type's settings model (workflow configs validate against these)."""
    return {name: cls.settings_model for name, cls in _reporters().items()}


def get_reporter(kind: str) -> Reporter | None:
    cls = _reporters().get(kind)
    return cls() if cls is not None else None


def clear_cache() -> None:
    """Forget loaded plug-ins (tests that install or break one)."""
    _reporters.cache_clear()
