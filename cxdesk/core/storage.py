"""The local SQLite database: where it lives, how it is opened, its schema and migrations, backups.

One file per shop, opened through sqlite-utils with WAL, `synchronous=FULL`, foreign keys and a busy
timeout. The schema version is `PRAGMA user_version`; migrations run in order when a file is opened.
Times are stored as local ISO text `YYYY-MM-DD HH:MM:SS` so they sort and group as text.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator

import sqlite_utils

from cxdesk.core.errors import DatabaseError
from cxdesk.i18n import _

DB_FILE_NAME = "cxdesk.db"
BUSY_TIMEOUT_MS = 10_000

# ---------------------------------------------------------------------------------------------
# Where data lives


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


def now_text() -> str:
    return datetime.now().replace(microsecond=0).isoformat(sep=" ")


# ---------------------------------------------------------------------------------------------
# Schema and migrations

_SCHEMA_1 = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_path TEXT,
    sha256 TEXT NOT NULL,
    file_type TEXT,
    sheet TEXT,
    encoding TEXT,
    delimiter TEXT,
    header_row INTEGER,
    mapping TEXT NOT NULL DEFAULT '{}',          -- JSON: role -> column name, as confirmed
    reference_time TEXT,
    rows_read INTEGER NOT NULL DEFAULT 0,
    imported INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    report TEXT NOT NULL DEFAULT '{}',           -- JSON: rejected rows, warnings
    imported_at TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX idx_sources_sha ON sources(sha256);

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    source_row INTEGER,                          -- 1-based row number in the file
    text TEXT NOT NULL DEFAULT '',               -- as in the file (traditional kept)
    created_at TEXT,                             -- local 'YYYY-MM-DD HH:MM:SS', NULL if unknown
    time_precision TEXT,                         -- second|minute|hour|day|week|month
    time_raw TEXT,
    rating REAL,                                 -- normalised to 1..5
    rating_raw TEXT,
    channel TEXT,
    author TEXT,
    external_id TEXT,
    extra TEXT,                                  -- JSON object of unmapped columns
    dedup_key TEXT NOT NULL UNIQUE,
    deleted INTEGER NOT NULL DEFAULT 0,          -- 1 = deleted by the owner (undoable)
    lang TEXT,                                   -- zh|en|other|none, set by analysis
    sentiment REAL,                              -- model probability of positive, 0..1
    model_label TEXT,                            -- positive|neutral|negative|unknown
    manual_label TEXT,                           -- owner's correction, survives re-analysis
    label TEXT,                                  -- effective: manual_label or model_label
    topics TEXT,                                 -- JSON list of topic names (display cache)
    analysis_version TEXT,                       -- model+dictionary version that scored the row
    analyzed_at TEXT
);
CREATE INDEX idx_feedback_source ON feedback(source_id);
CREATE INDEX idx_feedback_created ON feedback(created_at);
CREATE INDEX idx_feedback_channel ON feedback(channel, created_at);
CREATE INDEX idx_feedback_external ON feedback(external_id) WHERE external_id IS NOT NULL;
CREATE INDEX idx_feedback_version ON feedback(analysis_version);

-- Earlier texts of a review whose platform id came back with edited text.
CREATE TABLE feedback_versions (
    id INTEGER PRIMARY KEY,
    feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    rating REAL,
    rating_raw TEXT,
    source_id INTEGER REFERENCES sources(id),
    replaced_at TEXT NOT NULL,
    replaced_by_source INTEGER
);

CREATE TABLE topics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    synonyms TEXT NOT NULL DEFAULT '[]',         -- JSON list of words that mean this topic
    template TEXT,                               -- template it came from, NULL if owner-made
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE user_words (
    word TEXT PRIMARY KEY,
    tag TEXT,
    freq INTEGER
);

CREATE TABLE feedback_topics (
    feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    sentiment REAL,                              -- sentence-level score for this topic
    label TEXT,                                  -- positive|neutral|negative|unknown
    manual INTEGER NOT NULL DEFAULT 0,           -- 1 = tagged by the owner
    PRIMARY KEY (feedback_id, topic_id)
) WITHOUT ROWID;
CREATE INDEX idx_feedback_topics_topic ON feedback_topics(topic_id, label);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'todo'
        CHECK (status IN ('todo', 'doing', 'live', 'evaluated', 'dropped')),
    live_date TEXT,                              -- 'YYYY-MM-DD'
    keywords TEXT NOT NULL DEFAULT '[]',
    channels TEXT NOT NULL DEFAULT '[]',
    position INTEGER NOT NULL DEFAULT 0,         -- order within its board column
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE action_topics (
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, topic_id)
) WITHOUT ROWID;

CREATE TABLE action_feedback (
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, feedback_id)
) WITHOUT ROWID;

CREATE TABLE action_history (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX idx_action_history ON action_history(action_id, id);

CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    window_days INTEGER NOT NULL,
    lag_days INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    result TEXT NOT NULL                         -- JSON, as `cxdesk evaluate --json` prints it
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                          -- topic|channel
    key TEXT NOT NULL,                           -- topic or channel name
    granularity TEXT NOT NULL,                   -- day|week
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    observed INTEGER NOT NULL,
    expected REAL NOT NULL,
    p_value REAL,
    created_at TEXT NOT NULL,
    dismissed_at TEXT,
    action_id INTEGER REFERENCES actions(id) ON DELETE SET NULL,
    UNIQUE (kind, key, granularity, period_start)
);

-- Column mappings the owner confirmed, keyed by the file's header signature.
CREATE TABLE mappings (
    signature TEXT PRIMARY KEY,
    mapping TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Settings that belong to the data (so the CLI sees them too): JSON values.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def _migrate_1(db: sqlite_utils.Database) -> None:
    db.executescript(_SCHEMA_1)


Migration = Callable[[sqlite_utils.Database], None]

# Ordered list of (version, migration). Append only; never edit a released migration.
MIGRATIONS: list[tuple[int, Migration]] = [
    (1, _migrate_1),
]


def register_migration(version: int, migration: Migration) -> None:
    """Areas of the core add their schema steps here at import time (kept sorted)."""
    if any(v == version for v, _m in MIGRATIONS):
        raise ValueError(f"migration {version} registered twice")
    MIGRATIONS.append((version, migration))
    MIGRATIONS.sort(key=lambda item: item[0])


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def latest_version() -> int:
    _load_schema_areas()
    return MIGRATIONS[-1][0]


def _load_schema_areas() -> None:
    """Import the core modules that register migrations, so every open sees the full schema."""
    import importlib

    for name in _SCHEMA_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:  # an area not written yet
            if exc.name != name:
                raise


# Modules that call `register_migration` at import time.
_SCHEMA_MODULES = (
    "cxdesk.core.search",
    "cxdesk.core.importers.pipeline",
    "cxdesk.core.analysis.store",
    "cxdesk.core.analysis.trends",
    "cxdesk.core.actions",
    "cxdesk.core.analysis.uncovered",
    "cxdesk.core.cases",
)


def migrate(db: sqlite_utils.Database, *, backup_path: Path | None = None) -> int:
    """Apply every pending migration in order, each in its own transaction; returns the version."""
    _load_schema_areas()
    current = schema_version(db)
    newest = MIGRATIONS[-1][0]
    if current > newest:
        raise DatabaseError(
            _("This database was made by a newer version of cxdesk (schema {found}, this version knows {known}). Please update cxdesk.").format(
                found=current, known=newest
            )
        )
    pending = [(v, m) for v, m in MIGRATIONS if v > current]
    if pending and current > 0 and backup_path is not None:
        make_backup(db, backup_path, reason="migrate")
    for version, migration in pending:
        with db.atomic():
            migration(db)
            db.execute(f"PRAGMA user_version = {int(version)}")
    return schema_version(db)


# ---------------------------------------------------------------------------------------------
# Opening


def connect(path: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            # Network folders may refuse WAL; the default journal is still safe.
            conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -65536")
    return conn


def open_db(path: Path | str | None = None, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and create or migrate) the database at `path` (default: `default_db_path()`).

    Raises `DatabaseError` with a plain sentence if the file cannot be used.
    """
    db_path = Path(path) if path is not None else default_db_path()
    if str(db_path) != ":memory:":
        if not db_path.exists() and not create:
            raise DatabaseError(_("Database “{path}” does not exist.").format(path=db_path))
        if db_path.is_dir():
            raise DatabaseError(_("“{path}” is a folder, not a database file.").format(path=db_path))
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                _("Cannot create the folder for database “{path}”: {reason}").format(path=db_path, reason=exc.strerror or exc)
            ) from exc
    try:
        conn = connect(db_path)
        db = sqlite_utils.Database(conn)
        db.path = db_path  # type: ignore[attr-defined]
        migrate(db, backup_path=db_path if str(db_path) != ":memory:" else None)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            _("“{path}” is not a cxdesk database or is damaged ({reason}).").format(path=db_path, reason=exc),
            details=repr(exc),
        ) from exc
    return db


def db_path_of(db: sqlite_utils.Database) -> Path | None:
    path = getattr(db, "path", None)
    return Path(path) if path is not None and str(path) != ":memory:" else None


def reopen(db: sqlite_utils.Database) -> sqlite_utils.Database:
    """A new connection to the same file (one per worker thread)."""
    path = db_path_of(db)
    if path is None:
        raise DatabaseError(_("An in-memory database cannot be shared between tasks."))
    return open_db(path, create=False)


# ---------------------------------------------------------------------------------------------
# Settings stored in the database


def get_setting(db: sqlite_utils.Database, key: str, default=None):
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    if row is None:
        return default
    try:
        return json.loads(row[0])
    except ValueError:
        return default


def set_setting(db: sqlite_utils.Database, key: str, value) -> None:
    with db.atomic():
        db.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, json.dumps(value, ensure_ascii=False)],
        )


# ---------------------------------------------------------------------------------------------
# Backups


@dataclass(frozen=True)
class Backup:
    path: Path
    created: datetime
    reason: str


def make_backup(db: sqlite_utils.Database, db_path: Path | None = None, *, reason: str = "manual",
                target: Path | None = None) -> Path | None:
    """Copy the live database with SQLite's backup API (never a file copy), then thin old backups.

    Returns the backup file, or None for an in-memory database.
    """
    db_path = db_path or db_path_of(db)
    if db_path is None:
        return None
    if target is None:
        folder = backup_dir(db_path)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        safe_reason = "".join(c for c in reason if c.isalnum() or c in "-_")[:20] or "backup"
        target = folder / f"{db_path.stem}-{stamp}-{safe_reason}.db"
    try:
        dest = sqlite3.connect(str(target))
        try:
            db.conn.backup(dest)
        finally:
            dest.close()
    except (sqlite3.Error, OSError) as exc:
        raise DatabaseError(
            _("Could not write the backup “{path}”: {reason}").format(path=target, reason=exc)
        ) from exc
    if target.parent == backup_dir(db_path):
        thin_backups(backup_dir(db_path), db_path.stem)
    return target


def list_backups(folder: Path, stem: str) -> list[Backup]:
    found = []
    for p in folder.glob(f"{stem}-*.db"):
        parts = p.stem[len(stem) + 1 :].split("-")
        try:
            created = datetime.strptime("-".join(parts[:3]), "%Y%m%d-%H%M%S-%f")
        except ValueError:
            continue
        found.append(Backup(p, created, "-".join(parts[3:])))
    return sorted(found, key=lambda b: b.created, reverse=True)


def thin_backups(folder: Path, stem: str, *, now: datetime | None = None) -> list[Path]:
    """Keep the newest 10, one a day for 14 days, one a week for 12 weeks; remove the rest."""
    now = now or datetime.now()
    backups = list_backups(folder, stem)
    keep: set[Path] = {b.path for b in backups[:10]}
    seen_days: set = set()
    seen_weeks: set = set()
    for b in backups:
        age = now - b.created
        if age <= timedelta(days=14):
            day = b.created.date()
            if day not in seen_days:
                seen_days.add(day)
                keep.add(b.path)
        elif age <= timedelta(weeks=12):
            week = b.created.isocalendar()[:2]
            if week not in seen_weeks:
                seen_weeks.add(week)
                keep.add(b.path)
    removed = []
    for b in backups:
        if b.path not in keep:
            try:
                b.path.unlink()
                removed.append(b.path)
            except OSError:
                pass
    return removed


# ---------------------------------------------------------------------------------------------
# Integrity check


@dataclass(frozen=True)
class CheckReport:
    ok: bool
    messages: list[str]
    counts: dict[str, int]


def check_db(db: sqlite_utils.Database) -> CheckReport:
    """Run SQLite's integrity and foreign-key checks and describe the result in plain words."""
    messages: list[str] = []
    ok = True
    rows = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        ok = False
        messages.append(_("The database file is damaged: {details}").format(details="; ".join(rows[:5])))
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        ok = False
        messages.append(_("{n} rows point to records that no longer exist.").format(n=len(fk)))
    counts = {
        "feedback": db.execute("SELECT count(*) FROM feedback WHERE deleted = 0").fetchone()[0],
        "sources": db.execute("SELECT count(*) FROM sources WHERE undone_at IS NULL").fetchone()[0],
        "actions": db.execute("SELECT count(*) FROM actions").fetchone()[0],
    }
    version = schema_version(db)
    if ok:
        messages.append(
            _("The database is healthy: {feedback} feedback rows from {sources} imports, {actions} actions (schema version {version}).").format(
                version=version, **counts
            )
        )
    return CheckReport(ok, messages, counts)


def iter_chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---------------------------------------------------------------------------------------------
# Bulk inserts into feedback

# Per-row AFTER INSERT triggers of other areas, and how each area catches up set-wise instead:
# trigger name -> catch_up(db, source_id) for the rows of one import.
_BULK_HOOKS: dict[str, Callable[[sqlite_utils.Database, int], None]] = {}

# Rebuilding the secondary indexes after a load beats keeping them row by row once the load is
# about as large as the table: 100k rows into an empty table 3.6 s -> 2.5 s. The gain fades as the
# table outgrows the page cache, which every index rebuild reads again (1M rows: no gain).
REBUILD_INDEXES_MIN_ROWS = 20_000
REBUILD_INDEXES_MAX_ROWS = 500_000


def register_bulk_insert(trigger: str, catch_up: Callable[[sqlite_utils.Database, int], None]) -> None:
    """An area whose trigger `trigger` reacts to each new feedback row offers `catch_up(db, source_id)`,
    doing the same for all rows of an import at once. `bulk_insert` uses it."""
    _BULK_HOOKS[trigger] = catch_up


class BulkInsert:
    """What `bulk_insert` hands the importer: it may drop the secondary indexes for a large load."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.source_id: int | None = None
        self.suspended: dict[str, str] = {}      # trigger name -> its CREATE statement
        self.dropped: dict[str, str] = {}        # index name -> its CREATE statement
        self._decided = False

    def expect(self, rows: int) -> None:
        """About `rows` new rows are coming: when that is large next to the table, drop its secondary
        (non-unique) indexes now and rebuild them once at the end. Decided once per load."""
        if self._decided:
            return
        self._decided = True
        existing = self.db.execute("SELECT coalesce(max(id), 0) FROM feedback").fetchone()[0]
        if not REBUILD_INDEXES_MIN_ROWS <= rows <= REBUILD_INDEXES_MAX_ROWS or rows < existing:
            return
        for name, sql in self.db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'feedback' "
                "AND sql IS NOT NULL").fetchall():
            if sql.lstrip().upper().startswith("CREATE UNIQUE"):
                continue   # it enforces a constraint the load relies on
            self.db.execute(f'DROP INDEX "{name}"')
            self.dropped[name] = sql

    def finish(self) -> None:
        for sql in self.dropped.values():
            self.db.execute(sql)
        self.dropped.clear()
        if self.source_id is not None:
            for name in self.suspended:
                _BULK_HOOKS[name](self.db, self.source_id)
        for sql in self.suspended.values():
            self.db.execute(sql)
        self.suspended.clear()


@contextmanager
def checkpoint_deferred(db: sqlite_utils.Database) -> Iterator[None]:
    """Commits inside leave the write-ahead log for the next writer to copy into the database file.

    A large import is durable once its commit is in the log; copying hundreds of megabytes into the
    database file at that commit would keep the owner waiting for housekeeping. The next commit
    (the search catch-up that follows an import) or closing the database does it.
    """
    previous = db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    db.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        db.execute(f"PRAGMA wal_autocheckpoint = {int(previous)}")


@contextmanager
def bulk_insert(db: sqlite_utils.Database) -> Iterator[BulkInsert]:
    """Insert many feedback rows of one import fast. Use inside the import's transaction:
    `with db.atomic(), bulk_insert(db) as bulk:`, set `bulk.source_id`, optionally `bulk.expect(n)`.

    The registered per-row insert triggers are suspended and their areas catch up with set-wise
    statements over the import's rows at the end; dropped indexes are rebuilt. Update and delete
    triggers stay. On an error nothing is restored here: the caller's rollback undoes the DDL too.
    """
    _load_schema_areas()
    bulk = BulkInsert(db)
    if _BULK_HOOKS:
        names = list(_BULK_HOOKS)
        for name, sql in db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'feedback' AND name IN (%s)"
                % ",".join("?" * len(names)), names).fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
            bulk.suspended[name] = sql
    yield bulk
    bulk.finish()
