"""The difference between two JSON documents as a list of changed paths
(``config.execution.timeout``, ``steps[1].expected``), for version histories (workflow
configurations, test cases)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MISSING = object()

Leaf = Callable[[Any], bool]


def json_diff(
    old: Any, new: Any, path: str = "", *, leaf: Leaf | None = None
) -> list[dict[str, Any]]:
    """``[{"path", "op": add|remove|replace, "old"?, "new"?}]``, objects compared key by key
    and lists index by index. ``leaf(value)`` true: an object compared as one value (an
    encrypted secret, whose inside means nothing to a reader)."""
    if isinstance(old, dict) and isinstance(new, dict) and not (leaf is not None and leaf(old)):
        changes: list[dict[str, Any]] = []
        for key in sorted(set(old) | set(new), key=str):
            child = f"{path}.{key}" if path else str(key)
            changes.extend(_pair(old.get(key, _MISSING), new.get(key, _MISSING), child, leaf))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else _MISSING
            after = new[index] if index < len(new) else _MISSING
            changes.extend(_pair(before, after, f"{path}[{index}]", leaf))
        return changes
    if old == new:
        return []
    return [{"path": path, "op": "replace", "old": old, "new": new}]


def _pair(old: Any, new: Any, path: str, leaf: Leaf | None) -> list[dict[str, Any]]:
    if old is _MISSING:
        return [{"path": path, "op": "add", "new": new}]
    if new is _MISSING:
        return [{"path": path, "op": "remove", "old": old}]
    return json_diff(old, new, path, leaf=leaf)
