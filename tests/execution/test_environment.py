"""prepare_environment with real uv: cache, the platform bridge, real installs, failures."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from backend.execution.environment import DependencyError, prepare_environment
from backend.execution.masking import Masker
from backend.execution.results import RunStatus
from backend.execution.runner import PytestSpec, run_pytest
from tests.execution.conftest import build_wheel, write_files


def python_says(python: Path, statement: str) -> str:
    return subprocess.run(
        [str(python), "-c", statement], check=True, capture_output=True, text=True, env={}
    ).stdout.strip()


def test_repositories_without_dependency_files_share_the_base_environment(
    tmp_path: Path, env_cache: Path
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    write_files(first, {"test_a.py": ""})
    write_files(second, {"test_b.py": ""})

    env_one = prepare_environment(first, cache_dir=env_cache)
    env_two = prepare_environment(second, cache_dir=env_cache)

    assert env_one.path == env_two.path
    assert env_two.reused
    assert env_two.dependency_files == ()


def test_environment_reaches_pytest_and_the_testable_plugin(base_python: Path) -> None:
    found = python_says(
        base_python,
        "import importlib.metadata as m, pytest, pytest_jsonreport, xdist;"
        "import backend.execution.channel;"
        "print(sorted(ep.name for ep in m.entry_points(group='pytest11')"
        " if ep.name in ('testable', 'pytest_jsonreport', 'xdist')))",
    )

    assert found == "['pytest_jsonreport', 'testable', 'xdist']"


def test_a_local_wheel_is_really_installed_and_cache_hits_do_not_call_uv(
    tmp_path: Path,
) -> None:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "tinydep", "1.0", "ANSWER = 42\n")
    repo = tmp_path / "repo"
    write_files(
        repo,
        {
            "requirements.txt": f"--no-index\n--find-links {wheels}\ntinydep==1.0\n",
            "test_dep.py": (
                "from tinydep import ANSWER\n\ndef test_answer():\n    assert ANSWER == 42\n"
            ),
        },
    )
    cache = tmp_path / "cache"

    built = prepare_environment(repo, cache_dir=cache)
    again = prepare_environment(repo, cache_dir=cache, uv="/nonexistent/uv")

    assert not built.reused
    assert built.dependency_files == ("requirements.txt",)
    assert python_says(built.python, "import tinydep; print(tinydep.ANSWER)") == "42"
    assert again.reused  # a cache hit never calls uv (this one does not exist)
    assert again.path == built.path
    outcome = run_pytest(
        PytestSpec(workdir=repo, python=built.python, run_dir=tmp_path / "run"),
        on_event=lambda event: None,
    )
    assert outcome.status is RunStatus.PASSED


def test_changed_dependency_file_gets_a_new_environment(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "tinydep", "1.0", "")
    build_wheel(wheels, "otherdep", "2.0", "")
    repo = tmp_path / "repo"
    header = f"--no-index\n--find-links {wheels}\n"
    write_files(repo, {"requirements.txt": header + "tinydep\n"})
    before = prepare_environment(repo, cache_dir=tmp_path / "cache")
    write_files(repo, {"requirements.txt": header + "tinydep\notherdep\n"})

    after = prepare_environment(repo, cache_dir=tmp_path / "cache")

    assert after.path != before.path
    assert not after.reused


def test_pyproject_dependencies_and_test_extras_are_installed(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "tinydep", "1.0", "")
    build_wheel(wheels, "testhelper", "1.0", "")
    repo = tmp_path / "repo"
    write_files(
        repo,
        {
            "pyproject.toml": (
                '[project]\nname = "suite"\nversion = "0"\ndependencies = ["tinydep"]\n'
                '[project.optional-dependencies]\ntest = ["testhelper"]\n'
            )
        },
    )

    env = prepare_environment(
        repo,
        cache_dir=tmp_path / "cache",
        uv_env={"UV_OFFLINE": "1", "UV_FIND_LINKS": str(wheels)},
    )

    assert python_says(env.python, "import tinydep, testhelper; print('ok')") == "ok"
    assert env.dependency_files == ("pyproject.toml",)


def test_missing_configured_dependency_file_is_a_dependency_error(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"test_a.py": ""})

    with pytest.raises(DependencyError, match=r"'requirements/ci\.txt' not found"):
        prepare_environment(
            repo, cache_dir=tmp_path / "cache", dependency_file="requirements/ci.txt"
        )


def test_configured_dependency_file_outside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"test_a.py": ""})
    (tmp_path / "elsewhere.txt").write_text("")

    with pytest.raises(DependencyError, match="outside the repository"):
        prepare_environment(repo, cache_dir=tmp_path / "cache", dependency_file="../elsewhere.txt")


def test_unresolvable_requirement_fails_fast_with_uvs_explanation_masked(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    # --no-index: no network is tried, so the failure is immediate and deterministic.
    write_files(repo, {"requirements.txt": "--no-index\nleaky-s3cr3tpkg==1.0\n"})

    with pytest.raises(DependencyError) as caught:
        prepare_environment(repo, cache_dir=tmp_path / "cache", masker=Masker(["s3cr3tpkg"]))

    message = str(caught.value)
    assert "installing the dependencies of requirements.txt failed" in message
    assert "leaky-***" in message
    assert "s3cr3tpkg" not in message
    # A failed build leaves nothing that a later run would take for a ready environment.
    with pytest.raises(DependencyError):
        prepare_environment(repo, cache_dir=tmp_path / "cache")


def test_unreadable_pyproject_is_a_dependency_error(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"pyproject.toml": "[project\nbroken"})

    with pytest.raises(DependencyError, match=r"pyproject\.toml cannot be read"):
        prepare_environment(repo, cache_dir=tmp_path / "cache")
