"""The local SQLite database: how it is opened, its migrations, settings kept in it, bulk inserts.

One file per shop, opened through sqlite-utils with WAL, `synchronous=FULL`, foreign keys and a busy
timeout. The schema version is `PRAGMA user_version`; the migrations of `schema.py` run in order when
a file is opened.
Times are stored as local ISO text `YYYY-MM-DD HH:MM:SS` so they sort and group as text.

Every writer takes the write lock up front (`BEGIN IMMEDIATE`, see `Database.atomic`): a deferred
transaction that read first cannot wait for the lock when it must upgrade, so a second import failed
at once with "database is locked" although the busy timeout was 10 s. A file in a read-only place
(USB stick, shared drive, read-only folder) is opened read-only (`mode=ro`, or `immutable=1` when
even the shared-memory file cannot be made): reading works, writing says why not.

Where the files live is `db_paths.py`, SQLite's errors in plain words `db_errors.py`, backups
`backup.py`, restore and the health check `recovery.py`; their public names are importable from here
too.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

import sqlite_utils

from cxdesk.core.backup import (  # noqa: F401  (re-exported)
    Backup, file_integrity, integrity_summary, list_backups, live_files, make_backup, newest_good_backup,
    thin_backups,
)
from cxdesk.core.db_errors import (  # noqa: F401  (re-exported)
    damaged_sentence, explain_sqlite_error, is_busy_error, is_damage_error, is_read_only_error,
    plain_os_reason, plain_sqlite_reason, read_only_sentence,
)
from cxdesk.core.db_paths import (  # noqa: F401  (re-exported)
    BUSY_TIMEOUT_MS, DB_FILE_NAME, WRITE_WAIT_S, backup_dir, cache_dir, data_dir, db_path_of,
    default_db_path, is_read_only, window_lock_path,
)
from cxdesk.core.errors import DamagedDatabaseError, DatabaseError, ReadOnlyDatabaseError
from cxdesk.core.schema import BULK_INSERT_CATCH_UPS, MIGRATIONS
from cxdesk.i18n import _


def now_text() -> str:
    return datetime.now().replace(microsecond=0).isoformat(sep=" ")


# ---------------------------------------------------------------------------------------------
# Migrations (the list itself is in `schema.py`)


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def latest_version() -> int:
    return MIGRATIONS[-1][0]


def migrate(db: sqlite_utils.Database, *, backup_path: Path | None = None) -> int:
    """Apply every pending migration in order, each in its own transaction; returns the version."""
    current = schema_version(db)
    newest = MIGRATIONS[-1][0]
    if current > newest:
        raise DatabaseError(
            _("This database was made by a newer version of cxdesk (schema {found}, this version knows {known}). Please update cxdesk.").format(
                found=current, known=newest
            )
        )
    pending = [(v, m) for v, m in MIGRATIONS if v > current]
    if pending and is_read_only(db):
        raise ReadOnlyDatabaseError(
            _("“{path}” was made by an older cxdesk and must be upgraded, but it is in a read-only place. Copy it to a folder you can write to and open the copy.").format(
                path=db_path_of(db) or ":memory:"))
    if pending and current > 0 and backup_path is not None:
        make_backup(db, backup_path, reason="migrate")
    for version, migration in pending:
        # The write lock comes first and the version is read again under it: two processes opening
        # a new file at once would otherwise both create the tables.
        with db.atomic():
            if schema_version(db) >= version:
                continue
            migration(db)
            db.execute(f"PRAGMA user_version = {int(version)}")
    return schema_version(db)


# ---------------------------------------------------------------------------------------------
# Opening


class Database(sqlite_utils.Database):
    """sqlite-utils' database whose transactions take the write lock up front and wait for it.

    `atomic()` starts with `BEGIN IMMEDIATE` (nested blocks stay savepoints). SQLite's busy timeout
    covers a short wait; a long import holding the lock is waited for up to `WRITE_WAIT_S`.
    A database opened read-only refuses `atomic()` with one sentence saying why.
    """

    read_only: bool = False
    read_only_reason: str = ""

    @contextmanager
    def atomic(self) -> Iterator["Database"]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.require_writable()
        begin_immediate(self.conn)
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise

    def begin(self) -> None:
        self.require_writable()
        begin_immediate(self.conn)

    def require_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyDatabaseError(read_only_sentence(getattr(self, "path", None), self.read_only_reason))


def begin_immediate(conn: sqlite3.Connection, *, wait_s: float | None = None) -> None:
    """`BEGIN IMMEDIATE`, retried while another connection holds the write lock (up to `wait_s`)."""
    deadline = None if wait_s is None else time.monotonic() + wait_s
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy_error(exc):
                raise
            if deadline is None:
                # A connection whose busy timeout was lowered on purpose (a caller that must not
                # wait) is taken at its word; otherwise wait as long as another import may take.
                busy_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
                deadline = time.monotonic() + (WRITE_WAIT_S if busy_ms >= BUSY_TIMEOUT_MS else busy_ms / 1000)
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def connect(path: Path | str, *, read_only: bool = False, immutable: bool = False) -> sqlite3.Connection:
    if read_only:
        from urllib.parse import quote

        uri = "file:" + quote(Path(path).resolve().as_posix()) + ("?immutable=1" if immutable else "?mode=ro")
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    else:
        try:
            new_file = str(path) != ":memory:" and (not Path(path).exists() or Path(path).stat().st_size == 0)
        except OSError:
            new_file = False
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:" and not read_only:
        # SQLite answers with the old mode when it cannot switch right now (another process is
        # creating the same new file): ask again for a moment. Network folders may refuse WAL for
        # good; the default rollback journal is still safe there, so it is left as it is.
        deadline = time.monotonic() + (5.0 if new_file else 0.0)
        while str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower() != "wal" \
                and time.monotonic() < deadline:
            time.sleep(0.05)
    if not read_only:
        conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -65536")
    return conn


def place_is_read_only(db_path: Path) -> str:
    """Why the file cannot be written, by asking the file system (empty when it looks writable)."""
    folder = db_path.parent
    try:
        st = os.statvfs(folder)
        if st.f_flag & getattr(os, "ST_RDONLY", 1):
            return _("the drive is mounted read-only")
    except (OSError, AttributeError):
        pass
    if db_path.exists() and not os.access(db_path, os.W_OK):
        return _("the file is read-only")
    if not os.access(folder, os.W_OK):
        return _("the folder is read-only")
    return ""


def open_db(path: Path | str | None = None, *, create: bool = True, read_only: bool | None = None) -> Database:
    """Open (and create or migrate) the database at `path` (default: `default_db_path()`).

    `read_only=None` decides by itself: a file in a read-only place opens read-only. Raises
    `DatabaseError` with a plain sentence if the file cannot be used.
    """
    db_path = Path(path) if path is not None else default_db_path()
    memory = str(db_path) == ":memory:"
    reason = ""
    decide = read_only is None
    if not memory:
        if not db_path.exists() and not create:
            raise DatabaseError(_("Database “{path}” does not exist.").format(path=db_path))
        if db_path.is_dir():
            raise DatabaseError(_("“{path}” is a folder, not a database file.").format(path=db_path))
        if db_path.exists() and not db_path.is_file():
            raise DatabaseError(_("“{path}” is not a regular file (a device or a pipe), so it cannot be a database.").format(path=db_path))
        if read_only is None and db_path.exists():
            reason = place_is_read_only(db_path)
            read_only = bool(reason)
        if read_only is None and not db_path.exists() and db_path.parent.is_dir():
            reason = place_is_read_only(db_path)
            if reason:
                raise ReadOnlyDatabaseError(_("Database “{path}” cannot be created: {reason}. Choose a folder you can write to.").format(
                    path=db_path, reason=reason))
        if read_only and not db_path.exists():
            raise ReadOnlyDatabaseError(_("Database “{path}” does not exist, and it cannot be created in a read-only place.").format(path=db_path))
        if not read_only:
            try:
                db_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    _("Cannot create the folder for database “{path}”: {reason}").format(path=db_path, reason=plain_os_reason(exc))
                ) from exc
    try:
        try:
            db = _open(db_path, read_only=bool(read_only))
        except sqlite3.OperationalError as exc:
            # The file system said yes but SQLite was refused (a read-only bind mount, a locked-down
            # share, a file system that ignores permission bits): try again read-only.
            if memory or not decide or not db_path.exists() or not (
                    is_read_only_error(exc) or "unable to open" in str(exc).lower()):
                raise
            reason = _("writing was refused")
            db = _open(db_path, read_only=True)
        if db.read_only:
            db.read_only_reason = reason or _("opened read-only")
        migrate(db, backup_path=None if memory or db.read_only else db_path)
    except sqlite3.Error as exc:
        raise explain_sqlite_error(exc, db_path) from exc
    return db


def _open(db_path: Path, *, read_only: bool) -> Database:
    if not read_only:
        conn = connect(db_path)
    else:
        try:
            conn = connect(db_path, read_only=True)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # A WAL database needs its -shm file even to read; where it cannot be made, read the
            # file as it is (the last checkpoint; nobody can be writing to it there anyway).
            conn = connect(db_path, read_only=True, immutable=True)
    db = Database(conn)
    db.path = db_path  # type: ignore[attr-defined]
    db.read_only = read_only
    return db


# Files up to this size get SQLite's quick check before a command shows numbers from them (once per
# change of the file, remembered in the cache folder); larger ones rely on SQLite's own errors.
QUICK_CHECK_MAX_BYTES = 400_000_000
QUICK_CHECKS_FILE = "quick-checks.json"


def _file_key(path: Path) -> list | None:
    try:
        st = path.stat()
    except OSError:
        return None
    key = [st.st_size, st.st_mtime_ns]
    wal = path.with_name(path.name + "-wal")
    try:
        wst = wal.stat()
        key += [wst.st_size, wst.st_mtime_ns]
    except OSError:
        pass
    return key


def verify_not_damaged(db: sqlite_utils.Database) -> None:
    """Raise `DamagedDatabaseError` if SQLite's quick check finds damaged pages.

    Damage in pages a command does not happen to read would otherwise go unnoticed while it prints
    numbers. The check runs once per change of the file (sizes and times of the file and its -wal).
    """
    path = db_path_of(db)
    if path is None:
        return
    key = _file_key(path)
    if key is None or key[0] > QUICK_CHECK_MAX_BYTES:
        return
    store = cache_dir() / QUICK_CHECKS_FILE
    try:
        known = json.loads(store.read_text(encoding="utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    name = str(path.resolve())
    if known.get(name) == key:
        return
    try:
        rows = [r[0] for r in db.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows != ["ok"]:
        raise DamagedDatabaseError(damaged_sentence(path), details="; ".join(map(str, rows)))
    known[name] = key
    if len(known) > 200:
        known = dict(list(known.items())[-100:])
    try:
        tmp = store.with_name(f"{store.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known), encoding="utf-8")
        os.replace(tmp, store)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# SQLite's and the system's words in plain sentences


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


def iter_chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---------------------------------------------------------------------------------------------
# Bulk inserts into feedback

# Rebuilding the secondary indexes after a load beats keeping them row by row once the load is
# about as large as the table: 100k rows into an empty table 3.6 s -> 2.5 s. The gain fades as the
# table outgrows the page cache, which every index rebuild reads again (1M rows: no gain).
REBUILD_INDEXES_MIN_ROWS = 20_000
REBUILD_INDEXES_MAX_ROWS = 500_000


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
                BULK_INSERT_CATCH_UPS[name](self.db, self.source_id)
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
    bulk = BulkInsert(db)
    if BULK_INSERT_CATCH_UPS:
        names = list(BULK_INSERT_CATCH_UPS)
        for name, sql in db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'feedback' AND name IN (%s)"
                % ",".join("?" * len(names)), names).fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
            bulk.suspended[name] = sql
    yield bulk
    bulk.finish()
