"""The "similar error" of the no-duplicates rule: one failure message reduced to what stays
the same between two failures of the same bug.

Our own small normaliser (``backend/analytics/fingerprint.py`` did not exist when this was
written): numbers, hexadecimal ids, UUIDs, quoted values, temporary paths, memory addresses
and durations change between runs of the same failure and are replaced by placeholders;
whitespace and case are folded. Only the message's first line (the exception and its
text) counts: a traceback's frames move with unrelated edits.
"""

from __future__ import annotations

import hashlib
import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"0x[0-9a-f]+", re.I), "<addr>"),
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
        "<uuid>",
    ),
    (re.compile(r"\b[0-9a-f]{12,}\b", re.I), "<hex>"),
    (re.compile(r"(/tmp|/var/folders|/private/var)/\S+"), "<path>"),
    (re.compile(r"'[^'\n]*'"), "'<s>'"),
    (re.compile(r'"[^"\n]*"'), '"<s>"'),
    (re.compile(r"\d+(\.\d+)?\s*(ms|s|sec|seconds)\b"), "<duration>"),
    (re.compile(r"\d+(\.\d+)?"), "<n>"),
    (re.compile(r"\s+"), " "),
)
MAX_CHARS = 500


def normalise_error(message: str | None) -> str:
    """``AssertionError: expected 3 items, got 5`` and ``… expected 4 items, got 1`` are one
    error; an empty message normalises to ``""``."""
    if not message:
        return ""
    first = next((line for line in message.strip().splitlines() if line.strip()), "")
    text = first.strip().lower()
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text.strip()[:MAX_CHARS]


def fingerprint(node_id: str | None, message: str | None) -> str:
    """The same test and a similar error give the same 64-hex fingerprint."""
    key = f"{node_id or ''}\n{normalise_error(message)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
