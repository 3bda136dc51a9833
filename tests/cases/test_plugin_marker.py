"""The plugin registers ``@pytest.mark.case`` and reports, for every test (browser or not),
its case markers, file, docstring and a body hash that survives a rename; the run's
results parser carries them into ``TestResult.meta`` (then ``run_tests.meta``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from backend.execution.results import parse_json_report

SUITE = '''
import pytest


@pytest.mark.case("TC-12")
@pytest.mark.smoke
def test_checkout():
    """A shopper pays by card.

    More words that are not the title.
    """
    total = 2 + 2
    assert total == 4


def test_renamed_copy():
    total = 2 + 2
    assert total == 4


@pytest.mark.parametrize("item", ["tea", "cake"])
def test_search(item):
    assert item
'''


def test_case_markers_docstrings_and_body_hashes_reach_the_results(tmp_path: Path) -> None:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "test_shop.py").write_text(SUITE)
    report = folder / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-W",
            "error::pytest.PytestUnknownMarkWarning",  # the case marker is registered
            "--rootdir",
            str(folder),
            "-c",
            str(folder / "pytest.ini"),
            "--json-report",
            f"--json-report-file={report}",
        ],
        cwd=folder,
        env={**os.environ, "TESTABLE_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tests = {t.node_id: t for t in parse_json_report(report).tests}
    checkout = tests["test_shop.py::test_checkout"].meta
    assert checkout["cases"] == ["TC-12"]
    assert checkout["file"] == "test_shop.py"
    assert checkout["doc"] == "A shopper pays by card."
    assert checkout["markers"] == ["smoke"]
    copy = tests["test_shop.py::test_renamed_copy"].meta
    # Not the same body (the docstring differs); a pure rename keeps the hash (below).
    assert copy["body_hash"] != checkout["body_hash"]
    assert copy["cases"] == []
    assert "doc" not in copy
    searches = [tests[f"test_shop.py::test_search[{item}]"].meta for item in ("tea", "cake")]
    assert searches[0]["body_hash"] == searches[1]["body_hash"]


def test_a_renamed_function_keeps_its_body_hash(tmp_path: Path) -> None:
    from backend.client.testinfo import body_hash

    namespace: dict[str, object] = {}
    source = "def test_old(x):\n    return x + 1\n"
    renamed = "def test_new(x):\n    return x + 1\n"
    changed = "def test_old(x):\n    return x + 2\n"
    hashes = []
    for number, text in enumerate((source, renamed, changed)):
        path = tmp_path / f"suite_{number}.py"
        path.write_text(text)
        code = compile(path.read_text(), str(path), "exec")
        exec(code, namespace)  # noqa: S102 - our own source, to give inspect a file
        name = "test_new" if number == 1 else "test_old"
        hashes.append(body_hash(namespace[name]))
    assert hashes[0] == hashes[1]
    assert hashes[0] != hashes[2]
