"""A workflow version's diff: ``backend.kit.jsondiff`` with an encrypted destination
secret compared as one value (its token's inside means nothing to a reader)."""

from __future__ import annotations

from typing import Any

from backend.kit import jsondiff
from backend.workflows.secrets import is_encrypted


def json_diff(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    return jsondiff.json_diff(old, new, path, leaf=is_encrypted)
