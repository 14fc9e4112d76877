"""Where a shop's database and its companion files live (data, cache, backups, window locks) and how
long a connection waits for another writer."""

from __future__ import annotations

import os
from pathlib import Path

import sqlite_utils

DB_FILE_NAME = "cxdesk.db"
BUSY_TIMEOUT_MS = 10_000
# How long a writer waits in all for another writer (a big import) before giving up.
WRITE_WAIT_S = 600.0


def data_dir() -> Path:
    """Per-user data folder (override with CXDESK_DATA_DIR, used by tests and portable setups)."""
    override = os.environ.get("CXDESK_DATA_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("cxdesk", appauthor=False, roaming=True))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    override = os.environ.get("CXDESK_DATA_DIR")
    if override:
        path = Path(override) / "cache"
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir("cxdesk", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    """`CXDESK_DB` if set, else `cxdesk.db` in the per-user data folder."""
    env = os.environ.get("CXDESK_DB")
    if env:
        return Path(env).expanduser()
    return data_dir() / DB_FILE_NAME


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def db_path_of(db: sqlite_utils.Database) -> Path | None:
    path = getattr(db, "path", None)
    return Path(path) if path is not None and str(path) != ":memory:" else None


def is_read_only(db: sqlite_utils.Database) -> bool:
    return bool(getattr(db, "read_only", False))


def window_lock_path(db_path: Path) -> Path:
    """Where a window's lock file for `db_path` lives (one window per database)."""
    import hashlib

    try:
        key = str(Path(db_path).resolve())
    except OSError:
        key = str(db_path)
    digest = hashlib.sha1(key.casefold().encode("utf-8")).hexdigest()[:16]
    return data_dir() / "locks" / f"{Path(db_path).stem[:40]}-{digest}.lock"
