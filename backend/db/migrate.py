"""Run Alembic programmatically: ``testable db upgrade`` and ``testable up`` call this."""

from __future__ import annotations

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


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current(database_url: str) -> None:
    command.current(alembic_config(database_url), verbose=True)
