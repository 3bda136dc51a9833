"""Small helpers for child processes that run in their own process group.

Everything the worker starts (git, uv, pytest) gets its own session so a timeout or a
cancellation can kill the whole tree, grandchildren included, with one ``killpg``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Directories a child process may find tools in; never the worker's own PATH, which can
# point at the platform's virtual environment.
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# How this machine reaches the network (proxies, private certificate authorities):
# machine configuration, not secrets, passed to git and uv so they work behind a proxy.
_NETWORK_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "GIT_SSL_CAINFO",
    "GIT_SSL_CAPATH",
)


def network_env(*, include_uv: bool = False) -> dict[str, str]:
    """The worker's network settings (and its ``UV_*`` settings when asked)."""
    names = {*_NETWORK_VARIABLES, *(name.lower() for name in _NETWORK_VARIABLES)}
    return {
        key: value
        for key, value in os.environ.items()
        if key in names or (include_uv and key.startswith("UV_"))
    }


def signal_group(pgid: int, signum: int) -> None:
    """Send a signal to a process group that may already be gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def has_exited(process: subprocess.Popen[bytes]) -> bool:
    """True once the child exited, without reaping it.

    The unreaped (zombie) leader keeps its process-group id reserved, so a ``killpg``
    after this returns True still reaches the group's leftovers and never a stranger
    that happened to be given the same id.
    """
    try:
        result = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return result is not None


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may contain spaces) start at ") ".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def kill_group(pgid: int, *, wait: float = 5.0) -> None:
    """SIGKILL a process group and wait (bounded) until none of its processes is alive."""
    deadline = time.monotonic() + wait
    while True:
        signal_group(pgid, signal.SIGKILL)
        if not group_members(pgid) or time.monotonic() >= deadline:
            return
        time.sleep(0.01)


@dataclass(frozen=True)
class Completed:
    returncode: int
    output: str
    timed_out: bool


def run_captured(
    args: Sequence[str],
    *,
    cwd: Path | None,
    env: Mapping[str, str],
    timeout: float,
) -> Completed:
    """Run a command in its own process group, capture stdout+stderr, kill the group on timeout."""
    process = subprocess.Popen(  # noqa: S603 - argv list, no shell
        list(args),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        signal_group(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        timed_out = True
    finally:
        # Leftovers (a credential helper, a build backend) go with the group.
        signal_group(process.pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
            process.wait()
    return Completed(process.returncode, output.decode("utf-8", "replace"), timed_out)


def tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
