"""How TestAble launches Chromium: the system browser when the machine has one, otherwise
Playwright's own download.

Debian's ``chromium`` package is the reliable choice on locked-down machines (Playwright's
CDN may be unreachable); elsewhere ``playwright install chromium`` provides the browser.
``TESTABLE_BROWSER_EXECUTABLE`` names another binary explicitly.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

SYSTEM_CHROMIUM_CANDIDATES: tuple[str, ...] = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

# Flags that keep a system Chromium quiet and deterministic inside containers: no sandbox
# (containers usually lack user namespaces), no GPU, no background traffic or updates.
SYSTEM_CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def system_chromium() -> str | None:
    """The Chromium binary to use instead of Playwright's own, or None."""
    explicit = os.environ.get("TESTABLE_BROWSER_EXECUTABLE")
    if explicit:
        found = shutil.which(explicit) or (explicit if Path(explicit).is_file() else None)
        if found is None:
            raise FileNotFoundError(
                f"TESTABLE_BROWSER_EXECUTABLE={explicit!r} does not name an executable file"
            )
        return found
    for candidate in SYSTEM_CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def launch_options(base: dict[str, Any] | None = None, *, headless: bool = True) -> dict[str, Any]:
    """Keyword arguments for ``browser_type.launch``.

    ``base`` (e.g. pytest-playwright's ``browser_type_launch_args``) is kept; the system
    executable and its flags are added when present. Without a system Chromium the
    options are returned unchanged and Playwright uses its managed browser.
    """
    options: dict[str, Any] = {"headless": headless, **(base or {})}
    executable = system_chromium()
    if executable is not None and not options.get("channel"):
        options.setdefault("executable_path", executable)
        args = list(options.get("args") or [])
        options["args"] = args + [flag for flag in SYSTEM_CHROMIUM_ARGS if flag not in args]
    return options
