"""Settings of the test process (``TESTABLE_`` prefix, environment only).

Deliberately not ``backend.config.Settings``: the test process runs the user's code and
holds no platform settings or secrets. Inside a run the worker sets ``TESTABLE_RUN_API_URL``
and ``TESTABLE_RUN_TOKEN`` and the cache goes through the api (the HTTP store); on a laptop
the cache is a SQLite file under ``TESTABLE_DATA_DIR`` with an in-memory layer per session.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ClientSettings(BaseSettings):
    # No .env file: the working directory is the user's repository.
    model_config = SettingsConfigDict(env_prefix="TESTABLE_", extra="ignore")

    project: str | None = None  # default: the pytest rootdir's name (or the cwd's)
    branch_scope: str | None = None  # default: the current git branch, else "default"
    cache: bool = True  # TESTABLE_CACHE=false: always ask the resolver, store nothing
    cache_store: str | None = None  # a store URL (see backend.cache.store.factory)
    cache_mask_personal_data: bool = False  # mask e-mails / phone numbers in stored texts
    data_dir: Path = Field(default_factory=lambda: Path.home() / ".testable")
    resolver: str = "local"
    action_timeout_ms: float = Field(default=10_000, gt=0)
    run_api_url: str | None = None
    run_token: SecretStr | None = None
    run_id: str | None = None
    artifacts_dir: Path | None = None  # screenshots and traces of failed tests
    run_artifacts: Path | None = None  # set by the runner: collected as the run's artifacts

    @field_validator("data_dir", "artifacts_dir", "run_artifacts", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @property
    def artifacts_folder(self) -> Path | None:
        """Where screenshots and traces go: the run's folder, else ``artifacts_dir``."""
        return self.run_artifacts or self.artifacts_dir

    @property
    def store_url(self) -> str:
        """The configured store, else the api (inside a run), else the local SQLite file."""
        if self.cache_store:
            return self.cache_store
        if self.run_api_url and self.run_token:
            return self.run_api_url
        return f"memory+sqlite:///{self.data_dir / 'cache' / 'cache.db'}"  # factory's default

    def project_name(self, rootdir: Path | None = None) -> str:
        return self.project or (rootdir or Path.cwd()).resolve().name or "default"

    def scope(self, rootdir: Path | None = None) -> str:
        return self.branch_scope or git_branch(rootdir or Path.cwd()) or "default"


_SAFE_SCOPE = re.compile(r"[^A-Za-z0-9._/-]+")


def git_branch(directory: Path) -> str | None:
    """The checked-out branch (None outside git or on a detached HEAD)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--abbrev-ref", "HEAD"],  # noqa: S607 - git from PATH
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    branch = done.stdout.strip()
    if done.returncode != 0 or not branch or branch == "HEAD":
        return None
    return _SAFE_SCOPE.sub("-", branch)
