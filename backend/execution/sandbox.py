"""The test process's sandbox: bubblewrap (``bwrap``) around the user's pytest.

The test process runs code from the user's repository, so it must not reach what the
worker holds: the data directory (database file, ``keys/``, other runs' checkouts and
folders), the home directory, the worker's environment and its processes. ``Sandbox``
describes what the test process may see; ``Sandbox.argv`` turns that into a bwrap
command line:

- a fresh root with only read-only system directories (``/usr``, the ``/bin``-style
  links, a short list of ``/etc`` files for DNS, certificates, fonts and Chromium), the
  interpreter and the platform's packages it needs, read-only;
- writable: the run's checkout and the run's folder (reports, artifacts, the event
  channel, the test process's ``HOME``); ``/tmp`` and ``/dev/shm`` are private tmpfs;
- its own PID, IPC and UTS namespaces and ``/proc`` (no view of the worker or other
  runs), ``--die-with-parent`` (a killed runner takes the whole namespace with it);
- an unprivileged user: when the worker runs as root, the test process runs as ``uid``
  (65534, "nobody", by default) without capabilities or a way to regain them; when the
  worker is an ordinary user, as that user inside a user namespace.

The network is shared with the worker on purpose: tests must reach the app under test.

This module also holds the one list of environment variables a run may not set
(``reserved_variable``): they change how the interpreter, pytest or the dynamic loader
start, or they are the platform's own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from backend.config import SandboxMode as SandboxMode  # defined with the settings that choose it

NOBODY = 65534

INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
    "bubblewrap; or scripts/install-bubblewrap.sh) so test processes run sandboxed, or set "
    "TESTABLE_SANDBOX=off to run them unsandboxed with the worker's own rights (not safe "
    "for repositories you do not trust)"
)


class SandboxUnavailable(Exception):
    """bubblewrap cannot run here; the message says why and what to do."""


# --------------------------------------------------------------------------- variables

# Variables that change how Python, pytest or the dynamic loader start: a run's options or
# saved variables may not set them (they would run code or load files before the suite's
# own code, or outside what the run selected). Documented in SECURITY.md. Every PYTHON*,
# PYTEST_* and LD_* name is refused by its prefix (RESERVED_PREFIXES); these are the rest.
RESERVED_NAMES = frozenset(
    {
        # pytest
        "PY_COLORS",
        # the dynamic loader, the shell and the process itself
        "GCONV_PATH",
        "GETCONF_DIR",
        "HOSTALIASES",
        "LOCALDOMAIN",
        "MALLOC_TRACE",
        "NLSPATH",
        "RESOLV_HOST_CONF",
        "RES_OPTIONS",
        "TZDIR",
        "BASH_ENV",
        "ENV",
        "SHELLOPTS",
        "PS4",
        "IFS",
        "PLAYWRIGHT_DRIVER_PATH",
        "NODE_OPTIONS",
    }
)
# Set by the runner for every test process (``runner.build_env``).
RUNNER_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "VIRTUAL_ENV",
        "PYTHONUNBUFFERED",
        "PLAYWRIGHT_BROWSERS_PATH",
    }
)
# Every name beginning with one of these is refused too.
RESERVED_PREFIXES = ("LD_", "PYTHON", "PYTEST_", "TESTABLE_", "COV_CORE_")
# TESTABLE_* names a run may set: the plugin's own knobs (which resolver, the cache on or
# off, timeouts) and the example suite's settings. Everything else under TESTABLE_ is the
# platform's (the worker's settings, TESTABLE_RUN_*, where the cache and artifacts go).
ALLOWED_TESTABLE_NAMES = frozenset(
    {
        "TESTABLE_BRANCH_SCOPE",
        "TESTABLE_CACHE",
        "TESTABLE_CACHE_MASK_PERSONAL_DATA",
        "TESTABLE_RESOLVER",
        "TESTABLE_ACTION_TIMEOUT_MS",
        "TESTABLE_BROWSER_EXECUTABLE",
    }
)
ALLOWED_TESTABLE_PREFIXES = ("TESTABLE_DEMO_", "TESTABLE_APP_")


def reserved_variable(name: str) -> str | None:
    """Why a run may not set ``name`` (None when it may). Case-insensitive: the loader and
    Python read upper case, but a lower-case twin would be confusing at best."""
    upper = name.upper()
    if upper.startswith("TESTABLE_"):
        if upper in ALLOWED_TESTABLE_NAMES or upper.startswith(ALLOWED_TESTABLE_PREFIXES):
            return None
        return f"{name} is set by TestAble and cannot be given (TESTABLE_* names are its own)"
    if upper in RUNNER_NAMES:
        return f"{name} is set by TestAble and cannot be given"
    if upper in RESERVED_NAMES or upper.startswith(RESERVED_PREFIXES):
        return (
            f"{name} changes how the interpreter, pytest or the loader start and cannot be "
            "given (SECURITY.md, 'The test sandbox', lists these names)"
        )
    return None


def without_reserved(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without reserved names: the runner's defence in depth (values stored before
    the rule existed, or set by a path that forgot to check)."""
    return {key: value for key, value in env.items() if reserved_variable(key) is None}


# --------------------------------------------------------------------------- selections


def _path_part(value: str) -> str:
    """The file or folder of a test path or node id (``tests/x.py::C::test``: ``tests/x.py``)."""
    return value.split("::", 1)[0]


def outside_checkout(value: str) -> str | None:
    """Why the test path or node id ``value`` points outside the checkout, seen without
    the checkout (absolute, ``~``, or climbing out with ``..``); None when it stays in."""
    path = _path_part(value)
    if path.startswith(("/", "~", "\\")) or re.match(r"^[A-Za-z]:", path):
        return f"{value!r} is outside the checkout: give a path relative to the repository"
    depth = 0
    for part in re.split(r"[/\\]+", path):
        if part == "..":
            depth -= 1
            if depth < 0:
                return f"{value!r} is outside the checkout ('..' climbs out of the repository)"
        elif part not in ("", "."):
            depth += 1
    return None


def resolves_outside(checkout: Path, value: str) -> str | None:
    """Like ``outside_checkout``, on the checked-out files: a symbolic link on the way
    out of the repository counts too."""
    if (reason := outside_checkout(value)) is not None:
        return reason
    root = checkout.resolve()
    target = (root / _path_part(value)).resolve()
    if not target.is_relative_to(root):
        return f"{value!r} is outside the checkout (a symbolic link leads out of the repository)"
    return None


# --------------------------------------------------------------------------- the sandbox

# /etc entries the test process needs (users, DNS, TLS certificates, fonts, time zone, the
# loader's cache, Chromium's launcher settings); the rest of /etc stays out of sight.
ETC_ENTRIES = (
    "passwd",
    "group",
    "nsswitch.conf",
    "hosts",
    "host.conf",
    "resolv.conf",
    "gai.conf",
    "services",
    "protocols",
    "ssl",
    "ca-certificates",
    "ca-certificates.conf",
    "pki",
    "crypto-policies",
    "fonts",
    "localtime",
    "timezone",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "mime.types",
    "chromium",
    "chromium.d",
    "os-release",
    "machine-id",
    "mailcap",
    "xdg",
)
# Top-level system folders, bound read-only (or recreated as links on merged-/usr systems).
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/opt")


@dataclass(frozen=True)
class Sandbox:
    """What the test process may see. Paths are bound at the same place inside."""

    workdir: Path  # the checkout: writable, the working directory
    writable: tuple[Path, ...] = ()  # the run's folder (reports, artifacts, channel, HOME)
    readonly: tuple[Path, ...] = ()  # the environment, the interpreter, platform packages
    uid: int = NOBODY  # used when the worker runs as root
    gid: int = NOBODY

    @property
    def drops_to_uid(self) -> bool:
        """The worker is root: the test process becomes ``uid`` inside the sandbox."""
        return os.geteuid() == 0

    def argv(self, command: Sequence[str]) -> list[str]:
        """``env --ignore-signal=INT bwrap ... -- [setpriv ...] command``.

        bwrap itself must not die of the runner's soft stop (SIGINT to the process group):
        with ``--die-with-parent`` its death would SIGKILL pytest before it wrote its
        reports. The ignore is inherited, so the command must reset SIGINT (the runner's
        pytest entry point does)."""
        args = [*_env_ignoring_sigint(), "bwrap"]
        args += [
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--hostname",
            "testable-run",
        ]
        if not self.drops_to_uid:
            # An ordinary worker user: bwrap needs a user namespace to mount anything.
            args += ["--unshare-user"]
        for name in SYSTEM_DIRS:
            args += _bind_system(Path(name))
        # Private, empty /tmp and /dev/shm (Chromium's shared memory) inside the sandbox.
        args += ["--proc", "/proc", "--dev", "/dev"]
        args += ["--perms", "1777", "--tmpfs", "/dev/shm"]  # noqa: S108
        args += ["--perms", "1777", "--tmpfs", "/tmp"]  # noqa: S108
        made = {Path("/"), Path("/tmp")}  # noqa: S108
        args += _parents(Path("/etc/passwd"), made)
        for entry in ETC_ENTRIES:
            args += ["--ro-bind-try", f"/etc/{entry}", f"/etc/{entry}"]
        # Parents before children (a folder inside a bound one is bound after it).
        binds = [("--ro-bind", path) for path in _unique(self.readonly)]
        binds += [("--bind", path) for path in _unique([self.workdir, *self.writable])]
        for option, path in sorted(binds, key=lambda bind: len(bind[1].parts)):
            args += [*_parents(path, made), option, str(path), str(path)]
            made.add(path)
        args += ["--chdir", str(self.workdir), "--"]
        if self.drops_to_uid:
            # Root would be root inside too: become an unprivileged user for good, with no
            # capabilities (bounding set empty, no-new-privs: a setuid binary gains nothing).
            args += [
                _setpriv(),
                f"--reuid={self.uid}",
                f"--regid={self.gid}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
                "--",
            ]
        return [*args, *command]

    def prepare(self) -> None:
        """Make the writable folders the test user's (when the worker is root)."""
        if not self.drops_to_uid:
            return
        for root in _unique([self.workdir, *self.writable]):
            chown_tree(root, self.uid, self.gid)

    def prepare_folder(self, folder: Path) -> None:
        """A folder the runner made after ``prepare`` (a re-run's report folder)."""
        if self.drops_to_uid:
            chown_tree(folder, self.uid, self.gid)


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """chown -R without following links (a link in a checkout may point anywhere)."""
    os.chown(root, uid, gid, follow_symlinks=False)
    for directory, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            os.chown(os.path.join(directory, name), uid, gid, follow_symlinks=False)


def _unique(paths: Iterable[Path]) -> list[Path]:
    seen: dict[str, Path] = {}
    for path in paths:
        seen.setdefault(str(path), path)
    return list(seen.values())


def _parents(path: Path, made: set[Path]) -> list[str]:
    """``--dir`` for the folders above ``path`` that the sandbox's root does not have yet,
    world-readable: bwrap would make them 0700 (root's), and the test user could not pass."""
    args: list[str] = []
    for parent in reversed(path.parents):
        if parent not in made:
            args += ["--perms", "0755", "--dir", str(parent)]
            made.add(parent)
    return args


def _bind_system(path: Path) -> list[str]:
    if path.is_symlink():
        return ["--symlink", os.readlink(path), str(path)]
    if path.is_dir():
        return ["--ro-bind", str(path), str(path)]
    return []


def _env_ignoring_sigint() -> list[str]:
    return [shutil.which("env", path="/usr/bin:/bin") or "/usr/bin/env", "--ignore-signal=INT"]


def _setpriv() -> str:
    return shutil.which("setpriv", path="/usr/bin:/bin:/usr/sbin:/sbin") or "setpriv"


def platform_paths(python: Path) -> tuple[Path, ...]:
    """What the run's environment needs from outside it, read-only: the environment, the
    base interpreter its ``python`` links to (a uv or venv environment holds links, not a
    copy), the worker's site-packages (the environment's bridge adds them, see
    ``environment``) and the folder of the ``backend`` package (the TestAble plugin), which
    an editable install keeps outside site-packages."""
    venv = python.parent.parent
    paths = [venv]
    home = _pyvenv_home(venv)
    if home is not None:
        paths.append(_prefix_of(home))
    resolved = Path(os.path.realpath(python))
    paths.append(_prefix_of(resolved.parent))
    paths += [Path(sys.base_prefix), Path(os.path.realpath(sys.base_prefix))]
    for key in ("purelib", "platlib"):
        paths.append(Path(sysconfig.get_paths()[key]))
    import backend  # the plugin's package, wherever it is installed

    paths.append(Path(backend.__file__).resolve().parent)
    return tuple(path for path in _unique(paths) if path.exists())


def _pyvenv_home(venv: Path) -> Path | None:
    try:
        text = (venv / "pyvenv.cfg").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home" and value.strip():
            return Path(value.strip())
    return None


def _prefix_of(bin_dir: Path) -> Path:
    """``/x/bin`` -> ``/x`` (an interpreter's prefix holds its bin, lib and include)."""
    return bin_dir.parent if bin_dir.name == "bin" else bin_dir


# --------------------------------------------------------------------------- availability


# bwrap executables seen working in this process: every run asks (``run_pytest``), and a
# working bwrap does not stop working, so it is started once, not once per run. A failure
# is not remembered: installing bubblewrap fixes the next run without a restart.
_WORKING: set[str] = set()


def probe(bwrap: str = "bwrap") -> str | None:
    """None when bubblewrap works here, else why not (with how to fix it)."""
    executable = shutil.which(bwrap, path=os.environ.get("PATH", "") + ":/usr/bin:/bin")
    if executable is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    if executable in _WORKING:
        return None
    args = [*_env_ignoring_sigint(), executable, "--ro-bind", "/", "/"]
    if os.geteuid() != 0:
        args.append("--unshare-user")
    args += ["--unshare-pid", "--die-with-parent", "--proc", "/proc", "true"]
    try:
        done = subprocess.run(  # noqa: S603 - argv list, no shell
            args, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap cannot run here ({exc}): {INSTALL_HINT}"
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip().splitlines()
        detail = why[-1] if why else f"exit code {done.returncode}"
        return f"bubblewrap cannot run here ({detail}): {INSTALL_HINT}"
    _WORKING.add(executable)
    return None


def describe(mode: SandboxMode, bwrap: str = "bwrap") -> str:
    """One line for the start of ``testable up`` and the worker."""
    if mode is SandboxMode.OFF:
        return (
            "test sandbox: OFF (TESTABLE_SANDBOX=off) - test processes run with this "
            "process's rights and can read its data directory and keys"
        )
    problem = probe(bwrap)
    if problem is not None:
        return (
            f"test sandbox: bwrap UNAVAILABLE - runs of repositories will end in error: {problem}"
        )
    who = f"uid {NOBODY}" if os.geteuid() == 0 else "this user in a user namespace"
    return f"test sandbox: bwrap (test processes run as {who}, without the data directory)"
