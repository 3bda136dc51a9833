"""Private file modes for what only the TestAble user may read (SECURITY.md): the data
directory and the keys directory 0700, key files and SQLite database files 0600.

Applied when they are created and again at every start, so a restored backup, a copied
folder or an install from before this rule is tightened too (issue #13: the data
directory and ``keys/`` were 0755 and ``testable.db`` 0644, readable by every local user).
"""

from __future__ import annotations

import os
from pathlib import Path

from loguru import logger

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# SQLite's companions: it creates them with the main file's mode, an old install may not.
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _chmod(path: Path, mode: int) -> None:
    try:
        if (path.stat().st_mode & 0o777) != mode:
            path.chmod(mode)
    except FileNotFoundError:
        return
    except PermissionError as exc:  # not ours: say so rather than fail the start
        logger.warning("cannot make {} private ({}): {}", path, oct(mode), exc)


def private_dir(path: Path) -> None:
    """Create ``path`` (and parents) if needed; ``path`` itself ends 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _chmod(path, PRIVATE_DIR)


def private_sqlite_file(path: Path) -> None:
    """Create an empty database file 0600 before SQLite opens it (its WAL and shared-
    memory files take that mode), and tighten an existing one and its companions."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
        os.close(fd)
    for suffix in SQLITE_SUFFIXES:
        _chmod(path.with_name(path.name + suffix), PRIVATE_FILE)


def secure_tree(data_dir: Path, keys_dir: Path) -> None:
    """At start: the data and keys directories 0700, everything under keys/ private.
    Creates nothing. (The SQLite files: ``private_sqlite_file``, whenever the engine of
    ``backend.db`` opens one.)"""
    if data_dir.exists():
        _chmod(data_dir, PRIVATE_DIR)
    if keys_dir.exists():
        _chmod(keys_dir, PRIVATE_DIR)
        for path in keys_dir.rglob("*"):
            _chmod(path, PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)
