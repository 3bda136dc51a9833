"""prepare_environment where no uv is found (a pip-installed TestAble on a bare machine):
the standard library's venv + pip build it; a suite without dependency files runs in the
current environment and builds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backend.execution import environment
from backend.execution.environment import prepare_environment
from tests.execution.conftest import build_wheel, write_files


@pytest.fixture
def no_uv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No uv anywhere: an empty PATH entry, no $UV, and the PyPI package's binary gone."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("UV", raising=False)

    def missing() -> str:
        raise FileNotFoundError("uv")

    monkeypatch.setattr("uv.find_uv_bin", missing)


def test_without_uv_requirements_are_installed_with_venv_and_pip(
    tmp_path: Path, no_uv: None
) -> None:
    assert environment._uv_binary(None) is None
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "tinydep", "1.0", "ANSWER = 42\n")
    repo = tmp_path / "repo"
    write_files(repo, {"requirements.txt": f"--no-index\n--find-links {wheels}\ntinydep==1.0\n"})

    built = prepare_environment(repo, cache_dir=tmp_path / "cache")

    assert not built.reused
    assert (built.path / "bin" / "pip").exists()  # made by venv (ensurepip), not by uv
    answer = subprocess.run(
        [str(built.python), "-c", "import tinydep, pytest; print(tinydep.ANSWER)"],
        check=True,
        capture_output=True,
        text=True,
        env={},
    ).stdout.strip()
    assert answer == "42"  # the repository's package, and pytest through the bridge


def test_the_uv_package_binary_is_used_when_uv_is_not_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uv import find_uv_bin

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("UV", raising=False)

    assert environment._uv_binary(None) == find_uv_bin()


def test_a_suite_without_dependency_files_runs_in_the_current_environment(
    tmp_path: Path, no_uv: None
) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"test_a.py": "def test_a():\n    pass\n"})

    env = prepare_environment(repo, cache_dir=tmp_path / "cache")

    assert env.python == Path(sys.executable)
    assert env.reused
    assert env.dependency_files == ()
    assert not (tmp_path / "cache").exists()  # nothing was built
