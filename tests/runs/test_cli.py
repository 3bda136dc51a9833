"""``testable run PATH`` and ``testable runs cleanup`` as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from backend.config import Settings
from backend.kit.time import utcnow
from backend.orgs.models import Organization
from backend.projects.models import Project
from backend.runs.models import Run, RunArtifact
from tests.runs.helpers import write_files

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, data_dir: Path, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESTABLE_")}
    env["TESTABLE_DATA_DIR"] = str(data_dir)
    env["COLUMNS"] = "200"
    if database_url:
        env["TESTABLE_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_run_exit_codes_follow_the_run(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    write_files(
        suite,
        {
            "tests/test_ok.py": "def test_ok():\n    assert True\n",
            "tests/test_bad.py": "def test_bad():\n    assert 1 == 2, 'nope'\n",
        },
    )
    data = tmp_path / "data"

    failing = run_cli("run", str(suite), data_dir=data)
    passing = run_cli("run", str(suite), "-k", "test_ok", data_dir=data)
    write_files(suite, {"tests/test_broken.py": "def test_(:\n"})
    broken = run_cli("run", str(suite), data_dir=data)

    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "tests/test_bad.py::test_bad" in failing.stdout
    assert "AssertionError: nope" in failing.stdout
    assert "failed" in failing.stdout
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "passed" in passing.stdout
    assert broken.returncode == 2, broken.stdout + broken.stderr
    assert "collection error" in broken.stdout


def test_run_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = run_cli("run", str(tmp_path / "nowhere"), data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert "is not a directory" in result.stderr


async def test_cleanup_deletes_old_runs_and_their_files_and_keeps_pinned_ones(
    app: FastAPI, settings: Settings, database_url: str
) -> None:
    old = utcnow() - timedelta(days=120)
    ids = {}
    async with app.state.db.session() as session:
        org = Organization(
            id=uuid.uuid4(), name="Retention", slug=f"retention-{uuid.uuid4().hex[:6]}"
        )
        session.add(org)
        await session.flush()
        project = Project(id=uuid.uuid4(), org_id=org.id, name="p", repository="/tmp/p")
        session.add(project)
        await session.flush()
        for name, pinned, finished in (
            ("old", False, old),
            ("pinned", True, old),
            ("recent", False, utcnow()),
        ):
            run = Run(
                id=uuid.uuid4(),
                project_id=project.id,
                trigger="manual",
                status="passed",
                pinned=pinned,
                finished_at=finished,
            )
            session.add(run)
            await session.flush()
            folder = settings.artifacts_dir / str(run.id)
            folder.mkdir(parents=True)
            (folder / "output.log").write_text("x" * 1000)
            session.add(
                RunArtifact(
                    run_id=run.id,
                    kind="log",
                    path=f"{run.id}/output.log",
                    content_type="text/plain",
                    size=1000,
                )
            )
            ids[name] = run.id

    result = run_cli("runs", "cleanup", data_dir=settings.data_dir, database_url=database_url)

    assert result.returncode == 0, result.stderr
    assert "deleted 1 runs, freed 1000 bytes" in result.stderr
    assert not (settings.artifacts_dir / str(ids["old"])).exists()
    assert (settings.artifacts_dir / str(ids["pinned"])).exists()
    assert (settings.artifacts_dir / str(ids["recent"])).exists()
    async with app.state.db.session(read_only=True) as session:
        left = set(await session.scalars(select(Run.id)))
        artifacts = set(await session.scalars(select(RunArtifact.run_id)))
    assert left == {ids["pinned"], ids["recent"]}
    assert artifacts == {ids["pinned"], ids["recent"]}
