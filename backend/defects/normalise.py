"""The "similar error" of the no-duplicates rule: a failure's test plus its normalised
message.

The normalising is analytics' (``backend/analytics/fingerprint.py``: uuids, hex ids,
timestamps, durations, temporary and absolute paths, volatile selector parts and numbers
become placeholders), so a defect and a failure cluster agree on what "the same failure"
is. Only the message counts, not the traceback's frames (analytics' message
fingerprint): a traceback moves with unrelated edits of the test.
"""

from __future__ import annotations

import hashlib

from backend.analytics.fingerprint import fingerprint as failure_fingerprint
from backend.analytics.fingerprint import normalise


def normalise_error(message: str | None) -> str:
    """``AssertionError: expected 3 items, got 5`` and ``… expected 4 items, got 1`` are one
    error; an empty message normalises to ``""``."""
    return normalise(message.strip()) if message and message.strip() else ""


def fingerprint(node_id: str | None, message: str | None) -> str:
    """The same test and a similar error give the same 64-hex fingerprint."""
    _, message_print, _ = failure_fingerprint(message or "", None)
    key = f"{node_id or ''}\n{message_print}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
