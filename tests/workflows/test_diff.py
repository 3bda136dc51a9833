"""Version diffs as JSON paths (pure)."""

from __future__ import annotations

from backend.workflows.diff import json_diff


def test_changed_added_and_removed_paths() -> None:
    old = {"config": {"execution": {"timeout": 60}, "branches": {"include": ["main"]}}, "name": "a"}
    new = {
        "config": {"execution": {"timeout": 120}, "branches": {"include": ["main", "dev"]}},
        "enabled": True,
    }
    assert json_diff(old, new) == [
        {"path": "config.branches.include[1]", "op": "add", "new": "dev"},
        {"path": "config.execution.timeout", "op": "replace", "old": 60, "new": 120},
        {"path": "enabled", "op": "add", "new": True},
        {"path": "name", "op": "remove", "old": "a"},
    ]


def test_equal_documents_have_no_diff() -> None:
    assert json_diff({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}) == []
