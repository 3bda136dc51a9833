"""Failure fingerprints: the same failure gets the same hash whatever the run, the test's
parameters, the machine or the moment.

``normalise`` rewrites what changes between two occurrences of one failure — uuids, hex
ids and addresses, timestamps, durations, temporary names and directories, absolute
paths (the file name stays), numbers, and the volatile parts of selectors (generated
class names like ``css-1q2w3e``, ``:nth-child(3)``, ``#ember123``) — into placeholders.
The fingerprint hashes the normalised message plus the traceback's frames (file name and
what the frame line says, normalised the same way; the source lines pytest prints are
left out: they are code, not the failure). ``message_fingerprint`` hashes the message
alone: failures with the same message from other code paths share it, which is how a
decision made on one cluster is suggested for a new, similar one.
"""

from __future__ import annotations

import hashlib
import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        "<uuid>",
    ),
    (
        re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"),
        "<ts>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b"), "<time>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<hex>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"), "<hex>"),
    # temporary directories and names (pytest's tmp_path, mkdtemp, macOS' /var/folders)
    (re.compile(r"(/private)?/(tmp|var/folders|var/tmp)(/[^\s'\"):,]*)?"), "<tmp>"),
    (re.compile(r"[A-Za-z]:\\[^\s'\"):,]*\\(Temp|tmp)\\[^\s'\"):,]*"), "<tmp>"),
    (re.compile(r"\bpytest-of-[\w.-]+(/pytest-\d+)?"), "<tmp>"),
    (re.compile(r"\btmp[\w-]{4,}"), "<tmp>"),
    # absolute paths keep their last part (the file), not where the checkout lives
    (re.compile(r"(?:/[\w.@+-]+)+/([\w.@+-]+)"), r"\1"),
    (re.compile(r"(?:[A-Za-z]:)?(?:\\[\w.@+ -]+)+\\([\w.@+-]+)"), r"\1"),
    # volatile selector parts
    (re.compile(r"\b(css|sc|jsx|emotion|styled)-[\w-]*\d[\w-]*"), r"\1-<id>"),
    (re.compile(r"#(ember|react|mui|radix|headlessui)[\w:-]*"), r"#\1-<id>"),
    (
        re.compile(
            r"\b(id|data-reactid|data-testid|aria-controls|aria-labelledby)=(['\"])[^'\"]*\d[^'\"]*\2"
        ),
        r"\1=\2<id>\2",
    ),
    # durations and numbers
    (
        re.compile(r"\b\d+(\.\d+)?\s*(ms|milliseconds?|s|sec|secs|seconds?|m|min|minutes?)\b"),
        "<duration>",
    ),
    (re.compile(r"\b\d+(\.\d+)?\b"), "<n>"),
)
_SPACES = re.compile(r"\s+")
_FRAME = re.compile(r"^(?P<path>[^\s:]+\.py):\d+: (?P<what>.*)$")
_MAX_MESSAGE = 2000


def normalise(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text).strip()


def _message(error_message: str | None, traceback: str | None) -> str:
    if error_message and error_message.strip():
        return error_message.strip()[:_MAX_MESSAGE]
    lines = [ln[1:].strip() for ln in (traceback or "").splitlines() if ln.startswith("E ")]
    return "\n".join(lines)[:_MAX_MESSAGE] or "(no message)"


def _frames(traceback: str | None) -> list[str]:
    frames = []
    for line in (traceback or "").splitlines():
        match = _FRAME.match(line.strip())
        if match:
            name = match["path"].replace("\\", "/").rsplit("/", 1)[-1]
            frames.append(f"{name}: {normalise(match['what'])}")
    return frames


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def fingerprint(error_message: str | None, traceback: str | None) -> tuple[str, str, str]:
    """(fingerprint, message fingerprint, normalised text) of one failure."""
    message = normalise(_message(error_message, traceback))
    text = "\n".join([message, *_frames(traceback)])
    return _hash(text), _hash(message), text
