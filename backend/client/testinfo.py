"""What a run reports about each test itself (beside its browser steps): the cases its
``@pytest.mark.case("TC-12")`` markers name, its file, the first line of its docstring,
its other markers and a hash of its body without its name, so that a renamed test is
recognised and keeps its test case (``backend.cases.linking``)."""

from __future__ import annotations

import hashlib
import inspect
import re
import textwrap
from typing import Any

import pytest

CASE_MARKER = "case"
# Markers a suite always has (not tags of a case).
_PLAIN_MARKERS = {"parametrize", "usefixtures", "filterwarnings", "skip", "skipif", "xfail"}
_DEF = re.compile(r"^(\s*)(async\s+)?def\s+\w+", re.MULTILINE)


def body_hash(function: Any) -> str | None:
    """SHA-256 of the function's source from its ``def`` on, its name left out, so the same
    body under a new name has the same hash. None when the source cannot be read."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return None
    match = _DEF.search(source)
    if match is None:
        return None
    body = _DEF.sub(r"\1\2def _", source[match.start() :], count=1)
    return hashlib.sha256(body.encode()).hexdigest()


def describe_test(item: pytest.Item) -> dict[str, Any]:
    cases = [
        str(arg) for mark in item.iter_markers(CASE_MARKER) for arg in mark.args if arg is not None
    ]
    function = getattr(item, "function", None)
    doc = inspect.getdoc(function) if function is not None else None
    markers = sorted({m.name for m in item.iter_markers()} - _PLAIN_MARKERS - {CASE_MARKER})
    info: dict[str, Any] = {
        "cases": list(dict.fromkeys(cases)),
        "file": item.nodeid.split("::", 1)[0],
        "markers": markers,
    }
    if doc:
        info["doc"] = doc.strip().splitlines()[0][:500]
    if function is not None:
        info["body_hash"] = body_hash(function)
    return info
