"""``open_store(url_or_kind, settings)``: the one place that turns configuration into a store.

=========================================  ==============================================
``sqlite`` or ``sqlite:///path``            standalone SQLite file (default
                                            ``<data_dir>/cache/cache.db``)
``memory+<any of these>``, ``memory``       in-memory layer per session over that store
                                            (``memory`` = over the default SQLite file)
``postgresql://…`` (``postgres://``,        the ``cache_*`` tables of that database
``postgresql+asyncpg://``)
``redis://…`` / ``rediss://…``              Redis; ``?prefix=name`` sets the key prefix
``http://…`` / ``https://…``                the api; the run token comes from ``token=`` or
                                            ``TESTABLE_RUN_TOKEN``
=========================================  ==============================================
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from backend.cache.store.base import ElementStore
from backend.cache.store.common import StoreError, policy_from_settings

MEMORY_PREFIX = "memory+"
# In a folder of its own: a sandboxed test process of `testable run` gets this folder
# writable, and nothing else of the data directory (keys, the platform's database).
DEFAULT_CACHE_FILE = "cache/cache.db"
RUN_TOKEN_ENV = "TESTABLE_RUN_TOKEN"  # noqa: S105 - the name of a variable, not a secret


class StoreSettings(Protocol):
    """What the factory reads: ``backend.config.Settings`` (api, workers, CLI) and the test
    process's ``ClientSettings`` both fit. ``cache_mask_personal_data`` is read when present
    (see ``common.policy_from_settings``)."""

    @property
    def data_dir(self) -> Path: ...


def default_sqlite_path(settings: StoreSettings) -> Path:
    return settings.data_dir / DEFAULT_CACHE_FILE


def sqlite_path(target: str, settings: StoreSettings) -> Path:
    """``sqlite:///path`` (``~`` expanded) or the default file for ``sqlite``."""
    path_text = target[len("sqlite:///") :] if target.startswith("sqlite:///") else ""
    return Path(path_text).expanduser() if path_text else default_sqlite_path(settings)


def _split_redis_prefix(url: str) -> tuple[str, str | None]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for name, value in query if name == "prefix"), None)
    rest = urlencode([(name, value) for name, value in query if name != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


async def open_store(
    url_or_kind: str, settings: StoreSettings, *, token: str | None = None
) -> ElementStore:
    """Open the store named by ``url_or_kind``; raises ``StoreError`` for anything else."""
    target = url_or_kind.strip()
    policy = policy_from_settings(settings)

    if target == "memory":
        target = MEMORY_PREFIX + "sqlite"
    if target.startswith(MEMORY_PREFIX):
        from backend.cache.store.layered import LayeredStore

        inner = target[len(MEMORY_PREFIX) :]
        if inner.startswith(MEMORY_PREFIX) or inner in ("", "memory"):
            raise StoreError(
                f"{url_or_kind!r}: 'memory+' needs a backing store, e.g. memory+sqlite"
            )
        return LayeredStore(await open_store(inner, settings, token=token))

    if target in ("sqlite", "") or target.startswith("sqlite:///"):
        from backend.cache.store.sqlite import SqliteStore

        return await SqliteStore.open(sqlite_path(target, settings), policy)

    scheme = urlsplit(target).scheme
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        from backend.cache.store.postgres import DatabaseStore

        return DatabaseStore.open(target, policy)

    if scheme in ("redis", "rediss"):
        from backend.cache.store.redis import DEFAULT_PREFIX, RedisStore

        url, prefix = _split_redis_prefix(target)
        return RedisStore.open(url, prefix or DEFAULT_PREFIX, policy)

    if scheme in ("http", "https"):
        from backend.cache.store.http import HttpStore

        run_token = token or os.environ.get(RUN_TOKEN_ENV)
        if not run_token:
            raise StoreError(
                f"the HTTP cache store needs a run token: pass token= or set {RUN_TOKEN_ENV}"
            )
        return HttpStore(target, run_token)

    raise StoreError(
        f"unknown cache store {url_or_kind!r}: use sqlite:///path, memory+sqlite:///path, "
        "postgresql://…, redis://… or http(s)://…"
    )
