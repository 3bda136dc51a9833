"""The test sandbox against the attack of issue #13: a repository's test tries to read the
server's data directory, keys, database, the worker's environment (through ``/proc``),
another run's folder and the worker's home. Real runs on the in-process dispatcher, the way
``testable up`` executes them; the suite reports what it reached, and the run passes only
when every attempt failed.

The control (``TESTABLE_SANDBOX=off``) runs the same suite unsandboxed and must see the
keys: proof that the attack suite is able to detect what it is looking for.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.config import Settings
from tests.runs.helpers import PASSING_SUITE, Api, make_git_repo, signed_in_api

pytestmark = [
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    pytest.mark.timeout(300),
]

CANARY_NAME = "TESTABLE_H1_WORKER_CANARY"
CANARY_VALUE = "worker-only-canary-4f1d2c9e7b"

ATTACK = textwrap.dedent(
    """
    import glob, os, pathlib

    def reach(path):
        \"\"\"What the test process can get from ``path``: a listing, bytes, or None.\"\"\"
        p = pathlib.Path(path)
        try:
            if p.is_dir():
                return sorted(os.listdir(p))
            return p.read_bytes()[:200]
        except OSError:
            return None

    def target(name):
        return os.environ[name]

    def test_nothing_of_the_data_directory_but_this_run_s_own_folders():
        # The run's checkout and folder are bound at their own paths, so the folders above
        # them exist (empty but for them); no other file of the data directory does.
        own = (os.getcwd(), str(pathlib.Path(os.environ["TESTABLE_RUN_ARTIFACTS"]).parent))
        found = []
        for folder, _, files in os.walk(target("ATTACK_DATA_DIR")):
            if folder.startswith(own):
                continue
            found += [os.path.join(folder, name) for name in files]
        assert found == []
        assert len(reach(target("ATTACK_DATA_DIR")) or []) <= 2  # artifacts/, work/ at most

    def test_the_encryption_keys_are_not_there():
        keys = target("ATTACK_KEYS_DIR")
        assert reach(keys) is None
        assert reach(keys + "/encryption.keys") is None

    def test_no_jwt_signing_key_is_there():
        keys = target("ATTACK_KEYS_DIR")
        assert glob.glob(keys + "/jwt/*.pem") == []
        assert reach(keys + "/jwt") is None

    def test_the_database_file_is_not_there():
        assert reach(target("ATTACK_DB")) is None

    def test_another_runs_folder_is_not_there():
        assert reach(target("ATTACK_OTHER_RUN")) is None
        assert reach(target("ATTACK_OTHER_RUN") + "/report.json") is None

    def test_the_worker_home_is_not_there():
        assert reach(target("ATTACK_WORKER_HOME") + "/.netrc") is None
        assert reach(target("ATTACK_WORKER_HOME")) is None

    def test_the_worker_s_environment_is_not_visible():
        canary = target("ATTACK_CANARY_NAME")
        assert canary not in os.environ
        leaked = []
        for environ in glob.glob("/proc/*/environ"):
            content = reach(environ) or b""
            if canary.encode() in content:
                leaked.append(environ)
        for pid in ("1", str(os.getppid()), target("ATTACK_WORKER_PID")):
            content = reach(f"/proc/{pid}/environ") or b""
            if canary.encode() in content:
                leaked.append(pid)
        assert leaked == []

    def test_the_worker_process_is_not_visible():
        worker = target("ATTACK_WORKER_PID")
        cmdline = reach(f"/proc/{worker}/cmdline") or b""
        assert b"pytest" not in cmdline or b"test_sandbox" not in cmdline

    def test_it_can_still_work_in_its_checkout_home_and_tmp():
        pathlib.Path("written-by-the-test.txt").write_text("ok")
        pathlib.Path(os.environ["HOME"], "note").write_text("ok")
        pathlib.Path(os.environ["TMPDIR"], "note").write_text("ok")
        assert pathlib.Path("tests/test_attack.py").is_file()
        expected_uid = os.environ.get("ATTACK_EXPECT_UID")
        if expected_uid:
            assert os.getuid() == int(expected_uid)
    """
)


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {
        "dispatcher": "inprocess",
        "event_bus": "memory",
        "sandbox": getattr(request, "param", "bwrap"),
    }


def _sqlite_path(settings: Settings) -> Path:
    url = settings.resolved_database_url
    assert url.startswith("sqlite"), url
    return Path(url.split(":///", 1)[1])


async def _attack(
    api: Api, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    # The worker's environment holds a canary; its home a credentials file.
    monkeypatch.setenv(CANARY_NAME, CANARY_VALUE)
    home = tmp_path / "worker-home"
    home.mkdir()
    (home / ".netrc").write_text("machine github.com login x password worker-home-secret\n")
    monkeypatch.setenv("HOME", str(home))

    # Another run first: its folder stays under the artifacts root.
    other = await api.project(make_git_repo(tmp_path / "other", PASSING_SUITE), name="other")
    other_run = await api.wait((await api.start(other["id"]))["id"])
    assert other_run["status"] == "passed", other_run["reason"]
    other_folder = settings.artifacts_dir / other_run["id"]
    assert (other_folder / "report.json").is_file()

    keys = settings.resolved_keys_dir
    database = _sqlite_path(settings)
    # The targets exist: an attack that fails must fail because of the sandbox.
    assert (keys / "encryption.keys").is_file()
    assert list((keys / "jwt").glob("*.pem"))
    assert database.is_file()

    env = {
        "ATTACK_DATA_DIR": str(settings.data_dir),
        "ATTACK_KEYS_DIR": str(keys),
        "ATTACK_DB": str(database),
        "ATTACK_OTHER_RUN": str(other_folder),
        "ATTACK_WORKER_HOME": str(home),
        "ATTACK_WORKER_PID": str(os.getpid()),
        "ATTACK_CANARY_NAME": CANARY_NAME,
    }
    if os.geteuid() == 0:
        env["ATTACK_EXPECT_UID"] = "65534"
    project = await api.project(
        make_git_repo(tmp_path / "attacker", {"tests/test_attack.py": ATTACK}), name="attacker"
    )
    run = await api.start(project["id"], options={"env": env})
    return await api.wait(run["id"])


async def test_a_test_cannot_reach_the_data_dir_keys_database_other_runs_or_the_worker(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = await signed_in_api(client, "attacker@example.com")
    detail = await _attack(api, settings, tmp_path, monkeypatch)

    failures = {t["node_id"]: t["error_message"] for t in detail["tests"] if t["error_message"]}
    assert detail["status"] == "passed", (detail["reason"], failures)
    assert detail["total"] == 9
    # Nothing of the worker's reached the run's records either.
    text = str(detail)
    assert CANARY_VALUE not in text
    assert "worker-home-secret" not in text


@pytest.mark.parametrize("settings_overrides", ["off"], indirect=True)
async def test_control_without_the_sandbox_the_same_suite_reaches_the_keys(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = await signed_in_api(client, "attacker-off@example.com")
    detail = await _attack(api, settings, tmp_path, monkeypatch)

    outcomes = {t["node_id"].split("::")[1]: t["outcome"] for t in detail["tests"]}
    assert detail["status"] == "failed"
    for reached in (
        "test_nothing_of_the_data_directory_but_this_run_s_own_folders",
        "test_the_encryption_keys_are_not_there",
        "test_no_jwt_signing_key_is_there",
        "test_the_database_file_is_not_there",
        "test_another_runs_folder_is_not_there",
        "test_the_worker_home_is_not_there",
    ):
        assert outcomes[reached] == "failed", (reached, outcomes)


# --------------------------------------------------------------------------- start-up variables

STARTUP_VARIABLES = [
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONHOME",
    "PYTHONINSPECT",
    "PYTHONUSERBASE",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "TESTABLE_CACHE_STORE",
    "TESTABLE_DATABASE_URL",
]


async def test_run_options_refuse_variables_that_change_how_the_interpreter_starts(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "startup-env@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))
    url = f"/api/projects/{project['id']}/runs"

    for name in STARTUP_VARIABLES:
        response = await client.post(
            url, json={"options": {"env": {"APP_URL": "x", name: "/tmp/evil"}}}, headers=api.headers
        )
        assert response.status_code == 422, (name, response.text)
        [detail] = response.json()["details"]
        assert detail["field"] == "options.env"
        assert name in detail["message"], detail
    # The plugin's own knobs and the example suite's settings stay allowed.
    allowed = await client.post(
        url,
        json={"options": {"env": {"TESTABLE_DEMO_URL": "http://x", "TESTABLE_RESOLVER": "local"}}},
        headers=api.headers,
    )
    assert allowed.status_code == 201, allowed.text


async def test_saved_variables_refuse_them_too_and_an_import_names_the_line(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "startup-saved@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))
    url = f"/api/projects/{project['id']}/envvars"

    for name in STARTUP_VARIABLES:
        response = await client.post(url, json={"key": name, "value": "x"}, headers=api.headers)
        assert response.status_code == 422, (name, response.text)
        [detail] = response.json()["details"]
        assert detail["field"] == "key"
        assert name in detail["message"]

    text = "BASE_URL=http://shop\nPYTHONSTARTUP=/tmp/evil.py\nLD_PRELOAD=/tmp/evil.so\n"
    preview = await client.post(
        url + "/import", json={"text": text, "dry_run": True}, headers=api.headers
    )
    assert preview.status_code == 200, preview.text
    problems = preview.json()["problems"]
    assert [(p["line"], p["severity"]) for p in problems] == [(2, "error"), (3, "error")]
    assert "PYTHONSTARTUP" in problems[0]["message"]
    assert "LD_PRELOAD" in problems[1]["message"]
    assert (await client.get(url, headers=api.headers)).json() == []


# --------------------------------------------------------------------------- paths outside


OUTSIDE = [
    ("test_paths", "/srv/another-repo/tests"),
    ("test_paths", "../another-repo/tests"),
    ("test_paths", "tests/../../another-repo"),
    ("test_paths", "~/tests"),
    ("node_ids", "/srv/another-repo/tests/test_x.py::test_a"),
    ("node_ids", "tests/../../x/test_y.py::test_b"),
]


async def test_selections_outside_the_checkout_are_refused_naming_the_field(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "outside@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))
    url = f"/api/projects/{project['id']}/runs"

    for field, value in OUTSIDE:
        response = await client.post(url, json={"selection": {field: [value]}}, headers=api.headers)
        assert response.status_code == 422, (value, response.text)
        [detail] = response.json()["details"]
        assert detail["field"] == f"selection.{field}", detail
        assert "outside the checkout" in detail["message"]
    inside = await client.post(
        url,
        json={"selection": {"test_paths": ["tests/../tests"], "node_ids": ["tests/test_shop.py"]}},
        headers=api.headers,
    )
    assert inside.status_code == 201, inside.text


async def test_a_workflow_test_path_outside_the_checkout_is_refused(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    from tests.repositories.helpers import local_repository
    from tests.workflows.helpers import create_workflow

    api = await signed_in_api(client, "outside-workflow@example.com")
    repository = await local_repository(api, tmp_path, PASSING_SUITE)
    for value in ("/srv/other/tests", "../other/tests"):
        config = {"execution": {"timeout": 300, "test_path": value}}
        response = await client.post(
            f"/api/repositories/{repository['id']}/workflows",
            json={"name": "outside", "config": config},
            headers=api.headers,
        )
        assert response.status_code == 422, response.text
        [detail] = response.json()["details"]
        assert detail["field"].endswith("execution.test_path"), detail
        assert "outside the checkout" in detail["message"]
    await create_workflow(
        api, repository["id"], config={"execution": {"timeout": 300, "test_path": "tests"}}
    )


async def test_a_symlink_out_of_the_checkout_is_refused_by_the_worker(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    # Another repository's suite on this machine, and a link to it in the attacker's.
    other = tmp_path / "another-repo" / "tests"
    other.mkdir(parents=True)
    (other / "test_theirs.py").write_text("def test_theirs():\n    pass\n")
    api = await signed_in_api(client, "symlink@example.com")
    repository = make_git_repo(
        tmp_path / "attacker", {"tests/test_mine.py": "def test_a():\n    pass\n"}
    )
    work = tmp_path / "attacker" / "work"
    (work / "linked").symlink_to(other)
    from tests.runs.helpers import git

    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "link", cwd=work)
    git("push", "-q", "origin", "HEAD", cwd=work)
    project = await api.project(repository, name="symlinked")

    run = await api.start(project["id"], selection={"test_paths": ["linked"]})
    detail = await api.wait(run["id"])

    assert detail["status"] == "error"
    assert detail["reason"] is not None
    assert "linked" in detail["reason"]
    assert "outside the checkout" in detail["reason"]
    assert detail["tests"] == []
