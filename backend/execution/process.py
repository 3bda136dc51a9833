"""Small helpers for child processes that run in their own process group.

Everything the worker starts (git, uv, pytest) gets its own session so a timeout or a
cancellation can kill the whole tree, grandchildren included, with one ``killpg``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Directories a child process may find tools in; never the worker's own PATH, which can
# point at the platform's virtual environment.
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


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
