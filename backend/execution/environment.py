"""An isolated Python environment with the repository's own dependencies.

One virtual environment per distinct set of dependency files, cached under
``cache_dir/envs/<hash>``: the hash covers the files' names and bytes, the interpreter
version and the layout version below, so a cache hit is a directory lookup and never
calls uv. A repository without a dependency file runs in the current environment (the
worker's, or the one ``testable run`` was started from): it has pytest, the plugin and
everything else the bridge below would give, and nothing needs building.

uv is found as: the ``uv`` argument, ``$UV``, ``uv`` on PATH, then the binary of the ``uv``
package from PyPI (a TestAble dependency, so a ``pip install``ed TestAble has it). Without
any of them the environment is built with the standard library's ``venv`` and ``pip``.

How the TestAble side gets in: the environment's ``site-packages`` holds a
``_testable_platform.pth`` that calls ``site.addsitedir`` on the worker's own
site-packages. That is ``--system-site-packages`` with the worker's environment as the
"system": Python puts the repository's packages first and the platform's after them, so

- the repository's pins win (their ``requests==2.20`` is the one imported);
- pytest, pytest-json-report, pytest-xdist and the TestAble plugin (``backend``, found
  through its ``pytest11`` entry point) are always there, at exactly the worker's version,
  so the event contract between plugin and runner cannot drift;
- nothing of the platform is installed into the environment, so the platform's own
  dependency pins can never make a user's install fail, and no network is needed for it.

The one cost: a repository that pins an old pytest gets the platform's pytest plugins
loaded against it. The environment uses the worker's interpreter (same version and ABI),
which the bridge requires.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import sysconfig
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from backend.execution.masking import Masker
from backend.execution.process import SAFE_PATH, network_env, run_captured, tail
from backend.kit.locks import file_lock

# Bump when the layout of a built environment changes: old cache entries are then unused.
LAYOUT_VERSION = "1"
READY_MARKER = ".testable-ready"
BRIDGE_FILE = "_testable_platform.pth"
# Extras and dependency groups of a pyproject that are about running the tests.
TEST_GROUPS = ("test", "tests", "testing", "dev")


class DependencyError(Exception):
    """The repository's dependencies could not be installed; the message says why."""


@dataclass(frozen=True)
class PythonEnvironment:
    path: Path
    python: Path
    cache_key: str
    dependency_files: tuple[str, ...]
    reused: bool


def find_dependency_files(repo: Path, configured: str | None = None) -> list[Path]:
    """The configured file, else every root ``requirements*.txt``, else ``pyproject.toml``."""
    repo = repo.resolve()
    if configured is not None:
        path = (repo / configured).resolve()
        if not path.is_relative_to(repo):
            raise DependencyError(f"dependency file {configured!r} is outside the repository")
        if not path.is_file():
            raise DependencyError(f"dependency file {configured!r} not found in the repository")
        if not os.access(path, os.R_OK):
            raise DependencyError(f"dependency file {configured!r} is not readable")
        return [path]
    requirements = sorted(repo.glob("requirements*.txt"))
    if requirements:
        return requirements
    pyproject = repo / "pyproject.toml"
    return [pyproject] if pyproject.is_file() else []


def pyproject_requirements(pyproject: Path) -> list[str]:
    """The project's dependencies plus its test-ish extras and dependency groups."""
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DependencyError(f"{pyproject.name} cannot be read: {exc}") from exc
    project = document.get("project", {})
    requirements = list(project.get("dependencies", []))
    extras = project.get("optional-dependencies", {})
    groups = document.get("dependency-groups", {})
    for name in TEST_GROUPS:
        requirements += extras.get(name, [])
        # Group entries may be {include-group = ...} tables; plain strings are requirements.
        requirements += [item for item in groups.get(name, []) if isinstance(item, str)]
    return [item for item in requirements if isinstance(item, str)]


def cache_key(repo: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    digest.update(f"layout={LAYOUT_VERSION};python={sys.version_info[:3]}".encode())
    for file in files:
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise DependencyError(f"{file.name} cannot be read: {exc}") from exc
        digest.update(f"\0{file.relative_to(repo)}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()[:24]


def prepare_environment(
    repo: Path,
    *,
    cache_dir: Path,
    dependency_file: str | None = None,
    uv: str | None = None,
    uv_env: Mapping[str, str] | None = None,
    masker: Masker | None = None,
    timeout: float = 900.0,
) -> PythonEnvironment:
    """Return a ready environment for ``repo``, building it on a cache miss.

    uv gets a minimal environment (building a source distribution runs code from the
    repository's dependencies): a safe PATH, HOME (its cache), the worker's proxy and
    certificate settings and ``UV_*`` variables, then ``uv_env`` (``UV_INDEX_URL``,
    ``UV_OFFLINE``...). Raises ``DependencyError``.
    """
    masker = masker or Masker([])
    repo = repo.resolve()
    files = find_dependency_files(repo, dependency_file)
    key = cache_key(repo, files)
    names = tuple(str(file.relative_to(repo)) for file in files)
    if not files:
        # Nothing to install: the current interpreter already has what the bridge would add.
        return PythonEnvironment(
            path=Path(sys.prefix),
            python=Path(sys.executable),
            cache_key=key,
            dependency_files=(),
            reused=True,
        )
    env_dir = cache_dir / "envs" / key
    result = PythonEnvironment(
        path=env_dir,
        python=env_dir / "bin" / "python",
        cache_key=key,
        dependency_files=names,
        reused=True,
    )
    if (env_dir / READY_MARKER).exists():
        return result
    with file_lock(env_dir.with_name(env_dir.name + ".lock")):
        if (env_dir / READY_MARKER).exists():  # built by another worker while we waited
            return result
        shutil.rmtree(env_dir, ignore_errors=True)  # a half-built leftover
        _build(repo, env_dir, files, _uv_binary(uv), uv_env or {}, masker, timeout)
        (env_dir / READY_MARKER).write_text(",".join(names) + "\n")
    return replace(result, reused=False)


def _uv_binary(uv: str | None) -> str | None:
    """uv's path, or None: then ``venv`` + ``pip`` build the environment."""
    candidate = uv or os.environ.get("UV") or shutil.which("uv")
    if candidate:
        return candidate
    try:
        from uv import find_uv_bin  # the PyPI package's binary, beside this interpreter
    except ImportError:
        return None
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return None


def _build(
    repo: Path,
    env_dir: Path,
    files: list[Path],
    uv: str | None,
    uv_env: Mapping[str, str],
    masker: Masker,
    timeout: float,
) -> None:
    env = {
        "PATH": SAFE_PATH,
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - uv's cache lives under it
        "LANG": "C.UTF-8",
        **network_env(include_uv=True),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
        **uv_env,
    }
    if uv is not None:
        create = [uv, "venv", "--quiet", "--python", sys.executable, str(env_dir)]
    else:  # the standard library's venv, with pip in it for the installs below
        create = [sys.executable, "-m", "venv", str(env_dir)]
    created = run_captured(
        create,
        cwd=repo,
        env=env,
        timeout=timeout,
    )
    if created.returncode != 0 or created.timed_out:
        raise DependencyError(
            f"creating the environment failed: {masker.mask(tail(created.output))}"
        )
    _write_bridge(env_dir)

    install_args: list[str] = []
    for file in files:
        if file.name == "pyproject.toml" or file.suffix == ".toml":
            requirements = pyproject_requirements(file)
            if requirements:
                generated = env_dir / "testable-requirements.txt"
                generated.write_text("\n".join(requirements) + "\n")
                install_args += ["-r", str(generated)]
        else:
            install_args += ["-r", str(file)]
    if not install_args:
        return
    env["VIRTUAL_ENV"] = str(env_dir)
    python = str(env_dir / "bin" / "python")
    if uv is not None:
        install = [uv, "pip", "install", "--python", python, *install_args]
    else:
        install = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        install += install_args
    installed = run_captured(
        install,
        cwd=repo,  # requirement lines such as "-e ." are relative to the repository
        env=env,
        timeout=timeout,
    )
    if installed.timed_out:
        raise DependencyError(f"installing dependencies took longer than {timeout:g}s")
    if installed.returncode != 0:
        names = ", ".join(file.name for file in files)
        raise DependencyError(
            f"installing the dependencies of {names} failed:\n{masker.mask(tail(installed.output))}"
        )


def _write_bridge(env_dir: Path) -> None:
    site_packages = next((env_dir / "lib").glob("python*/site-packages"))
    platform_dirs = dict.fromkeys(
        [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    )
    lines = [f"import site; site.addsitedir({directory!r})" for directory in platform_dirs]
    (site_packages / BRIDGE_FILE).write_text("\n".join(lines) + "\n")
