"""Destinations are plug-ins found by entry point; a missing or broken one breaks nothing."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from pydantic import BaseModel

from backend.reports import registry

EXPECTED = {"github_checks", "pr_comment", "slack", "notion", "email"}


def test_the_five_destinations_are_registered_as_entry_points() -> None:
    assert set(registry._entry_points()) >= EXPECTED


def test_destination_types_maps_each_loadable_reporter_to_its_settings_model() -> None:
    registry.clear_cache()
    types = registry.destination_types()
    assert set(types) <= EXPECTED
    for name, model in types.items():
        assert issubclass(model, BaseModel), name
        assert registry.reporter_classes()[name].kind == name


def test_a_plugin_whose_module_is_missing_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    group = registry.ENTRY_POINT_GROUP
    points = {
        "gone": EntryPoint("gone", "backend.reports.destinations.no_such_module:Nope", group),
        "not_a_reporter": EntryPoint("not_a_reporter", "backend.reports.base:TestLine", group),
    }
    monkeypatch.setattr(registry, "_entry_points", lambda: points)
    registry.clear_cache()
    try:
        assert registry.destination_types() == {}
        assert registry.get_reporter("gone") is None
    finally:
        monkeypatch.undo()
        registry.clear_cache()
