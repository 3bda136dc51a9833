"""Issue #13: the data directory and keys/ were 0755 and testable.db 0644. They are 0700 /
0600 when created and fixed again at every start (a copy, a restore, an old install)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx

from backend.app import create_app
from backend.config import Settings
from backend.db.migrate import upgrade


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _settings(data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, bcrypt_rounds=4)


async def _start(settings: Settings) -> None:
    """What `testable up` does: migrate, then serve (one request opens the database)."""
    upgrade(settings.resolved_database_url)
    app = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert (await c.get("/api/health")).status_code == 200
    finally:
        await app.state.db.dispose()


def _private(data_dir: Path) -> dict[str, int]:
    keys = data_dir / "keys"
    paths = [data_dir, keys, keys / "jwt", keys / "encryption.keys"]
    paths += sorted((keys / "jwt").glob("*.pem"))
    paths += [p for p in data_dir.glob("testable.db*")]
    return {str(p.relative_to(data_dir.parent)): _mode(p) for p in paths}


def _expected(modes: dict[str, int]) -> dict[str, int]:
    return {name: 0o600 if Path(name).suffix or ".db" in name else 0o700 for name in modes}


async def test_the_data_directory_keys_and_database_are_private_when_created(
    tmp_path: Path,
) -> None:
    old = os.umask(0o022)  # the usual umask: what made them 0755 / 0644
    try:
        settings = _settings(tmp_path / "data")
        await _start(settings)
    finally:
        os.umask(old)

    modes = _private(settings.data_dir)
    assert "data/testable.db" in modes
    assert any(name.endswith(".pem") for name in modes)
    assert modes == _expected(modes)


async def test_loose_modes_are_fixed_at_start(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data")
    await _start(settings)
    for path in [settings.data_dir, *settings.data_dir.rglob("*")]:
        if "keys" in path.parts or path.name.startswith("testable.db") or path == settings.data_dir:
            path.chmod(0o755 if path.is_dir() else 0o644)

    await _start(settings)

    modes = _private(settings.data_dir)
    assert modes == _expected(modes)
