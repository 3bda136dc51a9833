"""Settings, read from the environment (``TESTABLE_`` prefix) and an optional ``.env`` file.

Every setting is documented in ``.env.example``; keep the two in step.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxMode(StrEnum):
    """How a run's test process is isolated (``backend.execution.sandbox``)."""

    BWRAP = "bwrap"
    OFF = "off"


class Mode(StrEnum):
    """``embedded`` generates missing keys once; ``production`` refuses to start without them."""

    EMBEDDED = "embedded"
    PRODUCTION = "production"


class Dispatcher(StrEnum):
    INPROCESS = "inprocess"
    CELERY = "celery"


class EventBusKind(StrEnum):
    MEMORY = "memory"
    REDIS = "redis"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TESTABLE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    mode: Mode = Mode.EMBEDDED
    data_dir: Path = Field(default_factory=lambda: Path.home() / ".testable")
    database_url: str | None = None
    sqlite_busy_timeout_ms: int = Field(default=5_000, ge=0, le=600_000)
    redis_url: str = "redis://127.0.0.1:6379/0"
    dispatcher: Dispatcher = Dispatcher.INPROCESS
    event_bus: EventBusKind = EventBusKind.MEMORY
    # Embedded mode: runs executing at once (each one pytest); the rest wait, queued, and
    # organisations take turns for the free slots (backend/outbox/embedded.py).
    embedded_max_concurrent_runs: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1, le=1024
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8000"

    keys_dir: Path | None = None
    encryption_keys: SecretStr | None = None
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    verification_token_ttl_hours: int = Field(default=24, ge=1)
    reset_token_ttl_minutes: int = Field(default=60, ge=5)
    invitation_ttl_days: int = Field(default=7, ge=1)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)

    resend_api_key: SecretStr | None = None
    resend_base_url: str | None = None
    email_from: str = "TestAble <noreply@testable.local>"

    rate_limit_per_ip: int = Field(default=20, ge=1)
    rate_limit_per_account: int = Field(default=10, ge=1)
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    # Proxies whose X-Forwarded-For / -Proto name the client (addresses or networks,
    # comma-separated). Empty: the socket peer is the client (backend.kit.proxies).
    trusted_proxies: str = ""
    max_request_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    # GitHub webhook bodies (GitHub caps them at 25 MB; ours are far smaller). Keep it below
    # max_request_bytes so an oversized delivery is still recorded (the middleware's 413
    # for bodies over max_request_bytes stores nothing).
    github_webhook_max_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # Stored webhook deliveries (payloads included) are deleted after this many days.
    github_delivery_retention_days: int = Field(default=30, ge=1)

    cache_mask_personal_data: bool = False

    # Reports (docs/reports.md): destinations of runs without a workflow, as a JSON list of
    # {"type": ..., "settings": {...}}; delivery retries with exponential backoff.
    report_destinations: list[dict[str, Any]] = Field(default_factory=list)
    report_delivery_attempts: int = Field(default=4, ge=1, le=10)
    report_retry_base_seconds: float = Field(default=2.0, ge=0)
    report_http_timeout_seconds: float = Field(default=15, gt=0)
    # How long a signed report link (POST /api/runs/{id}/report-link) stays valid.
    report_link_ttl_seconds: int = Field(default=12 * 3600, ge=60, le=30 * 86_400)

    log_level: str = "INFO"

    # Runs (see docs/run-events.md and ARCHITECTURE.md "A run, end to end").
    run_default_timeout_seconds: float = Field(default=1800, gt=0)
    run_max_timeout_seconds: float = Field(default=3 * 3600, gt=0)
    run_heartbeat_seconds: float = Field(default=10, gt=0)
    run_heartbeat_timeout_seconds: float = Field(default=120, gt=0)
    run_queue_timeout_seconds: float = Field(default=24 * 3600, gt=0)
    run_retention_days: int = Field(default=90, ge=1)
    run_api_url: str | None = None
    allow_local_repositories: bool | None = None
    env_cache_dir: Path | None = None
    checkout_timeout_seconds: float = Field(default=300, gt=0)
    # How test processes are isolated: bwrap (bubblewrap; a run refuses to start where it
    # cannot run) or off (the operator's explicit opt-out; see SECURITY.md).
    sandbox: SandboxMode = SandboxMode.BWRAP
    install_timeout_seconds: float = Field(default=900, gt=0)
    ws_heartbeat_seconds: float = Field(default=15, gt=0)

    # GitHub (see docs/api.md "Repositories"): tests point the api URL at a local fake.
    github_api_url: str = "https://api.github.com"
    github_app_id: str | None = None
    # The App's private key: PEM text, or the path of a PEM file.
    github_app_private_key: SecretStr | None = None
    github_webhook_secret: SecretStr | None = None
    github_timeout_seconds: float = Field(default=10, gt=0)
    # The App's public page name; the install URL defaults to its "installations/new" page.
    github_app_slug: str | None = None
    github_app_install_url: str | None = None
    # How often the beat (or `testable up`) looks for due schedule slots.
    schedule_tick_seconds: float = Field(default=60, gt=0)

    # Reporting destinations (docs/reports.md "Destinations"): where the Slack and Notion
    # APIs are (tests point them at local fakes, or a proxy). Their credentials belong to
    # each destination, never to the deployment: one shared token would let any
    # organisation post to every workspace and database the token reaches.
    slack_api_url: str = "https://slack.com/api"
    notion_api_url: str = "https://api.notion.com"

    @field_validator("data_dir", "keys_dir", "env_cache_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{self.data_dir / 'testable.db'}"

    @property
    def resolved_keys_dir(self) -> Path:
        return self.keys_dir or self.data_dir / "keys"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def local_repositories_allowed(self) -> bool:
        """Local paths and file:// sources: on by default only in embedded mode."""
        if self.allow_local_repositories is not None:
            return self.allow_local_repositories
        return self.mode == Mode.EMBEDDED

    @property
    def resolved_env_cache_dir(self) -> Path:
        """Where run environments are cached (``<dir>/envs/<hash>``); shareable by workers."""
        return self.env_cache_dir or self.data_dir

    @property
    def resolved_run_api_url(self) -> str:
        return self.run_api_url or self.public_url

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``, ``sqlite:///``) and
    pick the async driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
