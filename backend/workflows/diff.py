"""The difference between two JSON documents as a list of changed paths
(``config.execution.timeout``, ``config.reporting.destinations[1]``), for version history."""

from __future__ import annotations

from typing import Any

from backend.workflows.secrets import is_encrypted

_MISSING = object()


def json_diff(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """``[{"path", "op": add|remove|replace, "old"?, "new"?}]``, objects compared key by key
    and lists index by index (a list is short here: destinations, patterns, labels)."""
    # An encrypted value is one leaf: its token's inside means nothing to a reader.
    if isinstance(old, dict) and isinstance(new, dict) and not is_encrypted(old):
        changes: list[dict[str, Any]] = []
        for key in sorted(set(old) | set(new), key=str):
            child = f"{path}.{key}" if path else str(key)
            changes.extend(_pair(old.get(key, _MISSING), new.get(key, _MISSING), child))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else _MISSING
            after = new[index] if index < len(new) else _MISSING
            changes.extend(_pair(before, after, f"{path}[{index}]"))
        return changes
    if old == new:
        return []
    return [{"path": path, "op": "replace", "old": old, "new": new}]


def _pair(old: Any, new: Any, path: str) -> list[dict[str, Any]]:
    if old is _MISSING:
        return [{"path": path, "op": "add", "new": new}]
    if new is _MISSING:
        return [{"path": path, "op": "remove", "old": old}]
    return json_diff(old, new, path)
