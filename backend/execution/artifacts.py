"""Collect a run's files (reports, logs, screenshots, traces, videos) as typed artifacts.

Text artifacts are masked in place before they are listed, so whatever stores or uploads
them next never sees a secret. Only regular files are collected: a symbolic link made by
the test code (to a key file, say) is skipped, never followed.
"""

from __future__ import annotations

import mimetypes
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from backend.execution.masking import Masker


class ArtifactKind(StrEnum):
    SCREENSHOT = "screenshot"
    TRACE = "trace"
    VIDEO = "video"
    CONSOLE_LOG = "console_log"
    LOG = "log"
    JUNIT_XML = "junit_xml"
    JSON_REPORT = "json_report"
    HTML_REPORT = "html_report"
    OTHER = "other"


@dataclass(frozen=True)
class Artifact:
    kind: ArtifactKind
    path: Path
    content_type: str
    size: int


_TEXT_SUFFIXES = frozenset(
    {".txt", ".log", ".json", ".jsonl", ".xml", ".html", ".htm", ".csv", ".md"}
)
_CONTENT_TYPES = {
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".log": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".html": "text/html; charset=utf-8",
    ".zip": "application/zip",
    ".webm": "video/webm",
    ".png": "image/png",
}


def classify(path: Path) -> ArtifactKind:
    name = path.name.lower()
    suffix = path.suffix.lower()
    if suffix in (".png", ".jpg", ".jpeg", ".webp"):
        return ArtifactKind.SCREENSHOT
    if suffix in (".webm", ".mp4"):
        return ArtifactKind.VIDEO
    if suffix == ".zip" and "trace" in str(path).lower():
        return ArtifactKind.TRACE
    if suffix == ".xml" and "junit" in name:
        return ArtifactKind.JUNIT_XML
    if suffix == ".json" and "report" in name:
        return ArtifactKind.JSON_REPORT
    if suffix in (".html", ".htm"):
        return ArtifactKind.HTML_REPORT
    if suffix in (".log", ".txt") and "console" in name:
        return ArtifactKind.CONSOLE_LOG
    if suffix == ".log":
        return ArtifactKind.LOG
    return ArtifactKind.OTHER


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def collect_artifacts(
    roots: Iterable[Path], masker: Masker, *, exclude: Iterable[Path] = ()
) -> list[Artifact]:
    """Every regular file under ``roots`` (sorted, no duplicates), text ones masked in place.

    ``exclude`` names directories to leave out (the temporary home of the test process).
    """
    excluded = [path.resolve() for path in exclude]
    seen: set[Path] = set()
    artifacts: list[Artifact] = []
    for root in roots:
        if not root.is_dir() or root.is_symlink():
            continue
        for path in sorted(root.rglob("*")):
            resolved = path.resolve()
            if resolved in seen or any(resolved.is_relative_to(folder) for folder in excluded):
                continue
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or _inside_symlink(path, root):
                continue
            seen.add(resolved)
            if path.suffix.lower() in _TEXT_SUFFIXES:
                masker.mask_file(path)
            artifacts.append(
                Artifact(
                    kind=classify(path),
                    path=path,
                    content_type=content_type(path),
                    size=path.stat().st_size,
                )
            )
    return artifacts


def _inside_symlink(path: Path, root: Path) -> bool:
    """True when a directory between ``root`` and ``path`` is a symbolic link."""
    current = path.parent
    while current != root and root in current.parents:
        if current.is_symlink():
            return True
        current = current.parent
    return False
