"""Check out a repository at a branch, tag or commit into a fresh directory.

Sources: ``https://`` (and ``http://``) URLs with an optional token, ``file://`` URLs and
local paths (embedded mode, tests). A local directory that is not a git repository is
copied as it is (a working-copy snapshot, no commit).

The token never appears on a command line, in the repository's config or in an error:
it travels to git as an ``http.extraHeader`` through ``GIT_CONFIG_*`` environment
variables (visible only to this user's processes) and is masked in every message.
Branches and tags are cloned shallow (``--depth 1``); a commit id is fetched shallow
when the server allows it, else the history is fetched whole.
"""

from __future__ import annotations

import base64
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from backend.execution.masking import Masker
from backend.execution.process import SAFE_PATH, Completed, network_env, run_captured, tail

_COMMIT_ID = re.compile(r"[0-9a-fA-F]{7,40}")
_SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache"
)


class CheckoutError(Exception):
    """The repository could not be checked out; ``kind`` says why, the message says how.

    kinds: ``bad_source``, ``unknown_repository``, ``unknown_ref``, ``auth_failed``,
    ``timeout``, ``git_failed``.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Checkout:
    path: Path
    commit_sha: str | None
    branch: str | None


def checkout(
    source: str,
    ref: str | None,
    dest: Path,
    *,
    token: SecretStr | None = None,
    timeout: float,
) -> Checkout:
    """Check ``source`` out at ``ref`` (default branch when None) into ``dest`` (must not exist
    or be empty). Raises ``CheckoutError``."""
    secret = token.get_secret_value() if token is not None else None
    masker = Masker([secret, _basic_credentials(secret)] if secret else [])
    if dest.exists() and any(dest.iterdir()):
        raise CheckoutError("bad_source", f"destination {dest} is not empty")
    url, local_dir = _classify(source)
    if local_dir is not None and ref is None and not _is_git_repository(local_dir):
        if not local_dir.is_dir():
            raise CheckoutError("unknown_repository", f"{source} is not a directory")
        shutil.copytree(local_dir, dest, ignore=_SNAPSHOT_IGNORE, dirs_exist_ok=True)
        return Checkout(path=dest, commit_sha=None, branch=None)

    git = _Git(url=url, source=source, token=secret, masker=masker, timeout=timeout)
    try:
        if ref is not None and _COMMIT_ID.fullmatch(ref):
            git.fetch_commit(ref, dest)
            branch = None
        else:
            git.clone_branch(ref, dest)
            branch = git.current_branch(dest)
        sha = git.output(["rev-parse", "HEAD"], cwd=dest).strip()
    except CheckoutError:
        shutil.rmtree(dest, ignore_errors=True)  # no half checkout for the caller to trip on
        raise
    return Checkout(path=dest, commit_sha=sha, branch=branch)


def _is_git_repository(path: Path) -> bool:
    """A working tree or a bare repository."""
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def _basic_credentials(token: str) -> str:
    return base64.b64encode(f"x-access-token:{token}".encode()).decode()


def _classify(source: str) -> tuple[str, Path | None]:
    """The URL git fetches from, and the local directory when the source is local."""
    if source.startswith("-"):
        raise CheckoutError("bad_source", f"{source!r} is not a repository URL or path")
    parts = urlsplit(source)
    if parts.scheme in ("https", "http"):
        if parts.username or parts.password:
            raise CheckoutError(
                "bad_source", "credentials in the repository URL are refused; pass a token"
            )
        return source, None
    if parts.scheme == "file":
        return source, None  # an explicit URL is always fetched with git
    if parts.scheme:
        raise CheckoutError(
            "bad_source", f"unsupported repository URL scheme {parts.scheme!r} in {source!r}"
        )
    path = Path(source).expanduser().resolve()
    if not path.exists():
        raise CheckoutError("unknown_repository", f"repository {source} does not exist")
    # file:// (not a bare path) so git honours --depth for local repositories too.
    return urlunsplit(("file", "", str(path), "", "")), path


@dataclass
class _Git:
    url: str
    source: str
    token: str | None
    masker: Masker
    timeout: float

    def env(self) -> Mapping[str, str]:
        env = {
            **network_env(),
            "PATH": SAFE_PATH,
            "HOME": tempfile.gettempdir(),
            "LANG": "C",
            "LC_ALL": "C",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "/bin/false",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            # ext:: and friends run commands: only the transports we mean to support.
            "GIT_ALLOW_PROTOCOL": "https:http:file",
        }
        if self.token:
            env |= {
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "http.extraHeader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {_basic_credentials(self.token)}",
            }
        return env

    def run(self, args: list[str], *, cwd: Path | None = None) -> Completed:
        result = run_captured(["git", *args], cwd=cwd, env=self.env(), timeout=self.timeout)
        if result.timed_out:
            raise CheckoutError(
                "timeout",
                f"checking out {self.masker.mask(self.source)} took longer than "
                f"{self.timeout:g}s and was stopped",
            )
        return Completed(result.returncode, self.masker.mask(result.output), False)

    def output(self, args: list[str], *, cwd: Path) -> str:
        result = self.run(args, cwd=cwd)
        if result.returncode != 0:
            raise CheckoutError("git_failed", f"git {args[0]} failed: {tail(result.output)}")
        return result.output

    def clone_branch(self, ref: str | None, dest: Path) -> None:
        args = ["clone", "--quiet", "--depth", "1", "--no-tags"]
        if ref is not None:
            args += ["--branch", ref]
        result = self.run([*args, "--", self.url, str(dest)])
        if result.returncode != 0:
            raise self.error(result.output, ref)

    def fetch_commit(self, sha: str, dest: Path) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        self.output(["init", "--quiet"], cwd=dest)
        self.output(["remote", "add", "origin", "--", self.url], cwd=dest)
        shallow = self.run(["fetch", "--quiet", "--depth", "1", "origin", sha], cwd=dest)
        if shallow.returncode != 0:
            problem = self.error(shallow.output, sha)
            if problem.kind != "unknown_ref":
                raise problem
            # Servers that refuse unadvertised objects, and abbreviated ids, need history.
            full = self.run(["fetch", "--quiet", "origin"], cwd=dest)
            if full.returncode != 0:
                raise self.error(full.output, sha)
        target = "FETCH_HEAD" if shallow.returncode == 0 else sha
        resolved = self.run(["rev-parse", "--verify", "--quiet", f"{target}^{{commit}}"], cwd=dest)
        if resolved.returncode != 0:
            raise CheckoutError("unknown_ref", f"commit {sha} not found in {self.display}")
        self.output(["checkout", "--quiet", "--detach", resolved.output.strip()], cwd=dest)

    def current_branch(self, dest: Path) -> str | None:
        name = self.output(["rev-parse", "--abbrev-ref", "HEAD"], cwd=dest).strip()
        return None if name == "HEAD" else name  # "HEAD": a tag, detached

    @property
    def display(self) -> str:
        return self.masker.mask(self.source)

    def error(self, output: str, ref: str | None) -> CheckoutError:
        text = output.lower()
        if (
            "authentication failed" in text
            or "could not read username" in text
            or "could not read password" in text
            or "the requested url returned error: 401" in text
            or "the requested url returned error: 403" in text
        ):
            hint = "the token was refused" if self.token else "the repository needs a token"
            return CheckoutError("auth_failed", f"authentication to {self.display} failed: {hint}")
        if (
            "repository not found" in text
            or re.search(r"repository '[^']*' not found", text)
            or "does not appear to be a git repository" in text
            or "the requested url returned error: 404" in text
            or "could not resolve host" in text
            or "failed to connect" in text
            or "connection refused" in text
        ):
            return CheckoutError(
                "unknown_repository",
                f"repository {self.display} could not be reached: {tail(output, 3)}",
            )
        if (
            "remote branch" in text
            or "couldn't find remote ref" in text
            or "not our ref" in text
            or "unadvertised object" in text
            or "not a valid object name" in text
        ):
            return CheckoutError(
                "unknown_ref", f"branch, tag or commit {ref!r} not found in {self.display}"
            )
        return CheckoutError(
            "git_failed", f"git could not check out {self.display}: {tail(output, 5)}"
        )
