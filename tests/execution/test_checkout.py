"""checkout() against real git: file:// remotes, local paths and a token-protected HTTP server."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from backend.execution.checkout import CheckoutError, checkout
from tests.execution.conftest import GitRepo, GitServer, git

MakeRepo = Callable[[dict[str, str]], GitRepo]


def test_default_branch_is_checked_out_shallow(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"test_a.py": "def test_a():\n    pass\n"})
    second = repo.commit({"README.md": "second\n"})

    result = checkout(repo.url, None, tmp_path / "co", timeout=30)

    assert result.commit_sha == second
    assert result.branch == "main"
    assert (result.path / "test_a.py").is_file()
    assert git("rev-list", "--count", "HEAD", cwd=result.path).strip() == "1"  # shallow


def test_branch_and_tag_are_checked_out(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.txt": "main\n"})
    git("tag", "v1", cwd=repo.work)
    git("push", "-q", "origin", "v1", cwd=repo.work)
    git("checkout", "-q", "-b", "feature", cwd=repo.work)
    feature = repo.commit({"a.txt": "feature\n"})

    on_branch = checkout(repo.url, "feature", tmp_path / "branch", timeout=30)
    on_tag = checkout(repo.url, "v1", tmp_path / "tag", timeout=30)

    assert (on_branch.commit_sha, on_branch.branch) == (feature, "feature")
    assert (on_branch.path / "a.txt").read_text() == "feature\n"
    assert on_tag.branch is None
    assert (on_tag.path / "a.txt").read_text() == "main\n"


def test_commit_is_checked_out_by_full_and_abbreviated_id(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo({"a.txt": "one\n"})
    first = repo.head()
    repo.commit({"a.txt": "two\n"})

    full = checkout(repo.url, first, tmp_path / "full", timeout=30)
    short = checkout(repo.url, first[:10], tmp_path / "short", timeout=30)

    for result in (full, short):
        assert result.commit_sha == first
        assert result.branch is None
        assert (result.path / "a.txt").read_text() == "one\n"


def test_local_repository_path_is_cloned(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.txt": "local\n"})

    result = checkout(str(repo.work), None, tmp_path / "co", timeout=30)

    assert result.commit_sha == repo.head()
    assert (result.path / "a.txt").read_text() == "local\n"


def test_plain_directory_is_copied_without_its_virtualenv(tmp_path: Path) -> None:
    source = tmp_path / "suite"
    (source / ".venv" / "bin").mkdir(parents=True)
    (source / "test_x.py").write_text("def test_x():\n    pass\n")

    result = checkout(str(source), None, tmp_path / "co", timeout=30)

    assert (result.commit_sha, result.branch) == (None, None)
    assert (result.path / "test_x.py").is_file()
    assert not (result.path / ".venv").exists()


def test_unknown_branch_is_an_unknown_ref(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.txt": "x\n"})

    with pytest.raises(CheckoutError) as caught:
        checkout(repo.url, "no-such-branch", tmp_path / "co", timeout=30)

    assert caught.value.kind == "unknown_ref"
    assert "'no-such-branch' not found" in caught.value.message


def test_unknown_commit_is_an_unknown_ref(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"a.txt": "x\n"})

    with pytest.raises(CheckoutError) as caught:
        checkout(repo.url, "0123456789abcdef0123456789abcdef01234567", tmp_path / "co", timeout=30)

    assert caught.value.kind == "unknown_ref"


def test_missing_repository_is_an_unknown_repository(tmp_path: Path) -> None:
    with pytest.raises(CheckoutError) as from_url:
        checkout(f"file://{tmp_path}/nothing.git", None, tmp_path / "a", timeout=30)
    with pytest.raises(CheckoutError) as from_path:
        checkout(str(tmp_path / "nothing"), None, tmp_path / "b", timeout=30)

    assert from_url.value.kind == "unknown_repository"
    assert from_path.value.kind == "unknown_repository"


@pytest.mark.parametrize(
    "source",
    ["ssh://git@example.com/repo.git", "ext::sh -c touch% /tmp/pwned", "--upload-pack=evil"],
)
def test_unsupported_sources_are_refused(source: str, tmp_path: Path) -> None:
    with pytest.raises(CheckoutError) as caught:
        checkout(source, None, tmp_path / "co", timeout=30)

    assert caught.value.kind == "bad_source"


def _serve(repo: GitRepo, server: GitServer, name: str = "project.git") -> str:
    shutil.copytree(repo.bare, server.root / name)
    return f"{server.base_url}/{name}"


def test_https_checkout_sends_the_token_only_as_a_header(
    make_repo: MakeRepo, git_server: GitServer, tmp_path: Path
) -> None:
    repo = make_repo({"a.txt": "remote\n"})
    url = _serve(repo, git_server)

    result = checkout(url, "main", tmp_path / "co", token=SecretStr(git_server.token), timeout=30)

    assert result.commit_sha == repo.head()
    assert (result.path / "a.txt").read_text() == "remote\n"
    assert all(git_server.token not in request["path"] for request in git_server.requests)
    # Nothing of the token is left in the checkout's configuration.
    config = (result.path / ".git" / "config").read_text()
    assert git_server.token not in config
    assert "extraheader" not in config.lower()


def test_wrong_token_is_an_auth_failure_that_does_not_show_the_token(
    make_repo: MakeRepo, git_server: GitServer, tmp_path: Path
) -> None:
    url = _serve(make_repo({"a.txt": "x\n"}), git_server)
    wrong = "ghs_wrong_token_987654321"

    with pytest.raises(CheckoutError) as caught:
        checkout(url, None, tmp_path / "co", token=SecretStr(wrong), timeout=30)

    assert caught.value.kind == "auth_failed"
    assert "the token was refused" in caught.value.message
    assert wrong not in str(caught.value)


def test_missing_token_is_an_auth_failure(
    make_repo: MakeRepo, git_server: GitServer, tmp_path: Path
) -> None:
    url = _serve(make_repo({"a.txt": "x\n"}), git_server)

    with pytest.raises(CheckoutError) as caught:
        checkout(url, None, tmp_path / "co", timeout=30)

    assert caught.value.kind == "auth_failed"
    assert "needs a token" in caught.value.message


def test_unknown_https_repository_is_reported(git_server: GitServer, tmp_path: Path) -> None:
    with pytest.raises(CheckoutError) as caught:
        checkout(
            f"{git_server.base_url}/missing.git",
            None,
            tmp_path / "co",
            token=SecretStr(git_server.token),
            timeout=30,
        )

    assert caught.value.kind == "unknown_repository"


def test_server_that_never_answers_times_out(git_server: GitServer, tmp_path: Path) -> None:
    with pytest.raises(CheckoutError) as caught:
        checkout(f"{git_server.base_url}/slow/project.git", None, tmp_path / "co", timeout=2)

    assert caught.value.kind == "timeout"
    assert "longer than 2s" in caught.value.message
