"""The three steps a worker takes, on a real repository: checkout, environment, run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from backend.execution.channel import RunEvent
from backend.execution.checkout import checkout
from backend.execution.environment import prepare_environment
from backend.execution.results import RunStatus
from backend.execution.runner import PytestSpec, run_pytest
from tests.execution.conftest import GitRepo, build_wheel


def test_repository_at_a_commit_runs_with_its_own_dependencies(
    make_repo: Callable[[dict[str, str]], GitRepo], tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "shopdata", "1.0", "PRODUCTS = ['tea', 'cake']\n")
    repo = make_repo(
        {
            "requirements.txt": f"--no-index\n--find-links {wheels}\nshopdata==1.0\n",
            "tests/test_shop.py": (
                "from shopdata import PRODUCTS\n\n"
                "def test_catalogue():\n    assert PRODUCTS == ['tea', 'cake']\n"
            ),
        }
    )
    commit = repo.head()
    repo.commit({"tests/test_shop.py": "def test_catalogue():\n    assert False\n"}, "break it")

    source = checkout(repo.url, commit, tmp_path / "checkout", timeout=60)
    environment = prepare_environment(source.path, cache_dir=tmp_path / "envs")
    events: list[RunEvent] = []
    outcome = run_pytest(
        PytestSpec(workdir=source.path, python=environment.python, run_dir=tmp_path / "run"),
        on_event=events.append,
    )

    assert source.commit_sha == commit
    assert outcome.status is RunStatus.PASSED
    assert [test.node_id for test in outcome.tests] == ["tests/test_shop.py::test_catalogue"]
    assert any("1 passed" in str(event.data.get("line")) for event in events)
