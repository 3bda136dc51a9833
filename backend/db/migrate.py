"""Run Alembic programmatically: ``testable db upgrade`` and ``testable up`` call this."""

from __future__ import annotations

import contextlib
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]
# Inside the package when installed from a wheel (pyproject's force-include), else the
# source tree's folder.
_PACKAGED = Path(__file__).resolve().parents[1] / "migrations"
MIGRATIONS = _PACKAGED if _PACKAGED.is_dir() else ROOT / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["database_url"] = database_url
    return config


def at_heads(database_url: str) -> bool:
    """True when a SQLite database file is already at every head: then ``upgrade`` (which
    imports every model and opens the database through Alembic, ~2 s) has nothing to do.
    Other databases are not looked at (False)."""
    import sqlite3

    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return False
    path = Path(url.database)
    if not path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            current = {row[0] for row in db.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.Error:
        return False
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    return current == heads


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current(database_url: str) -> None:
    command.current(alembic_config(database_url), verbose=True)
