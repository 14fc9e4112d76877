"""The local SQLite database: where it lives, how it is opened, its schema and migrations, backups.

One file per shop, opened through sqlite-utils with WAL, `synchronous=FULL`, foreign keys and a busy
timeout. The schema version is `PRAGMA user_version`; the migrations of `schema.py` run in order when
a file is opened.
Times are stored as local ISO text `YYYY-MM-DD HH:MM:SS` so they sort and group as text.

Every writer takes the write lock up front (`BEGIN IMMEDIATE`, see `Database.atomic`): a deferred
transaction that read first cannot wait for the lock when it must upgrade, so a second import failed
at once with "database is locked" although the busy timeout was 10 s. A file in a read-only place
(USB stick, shared drive, read-only folder) is opened read-only (`mode=ro`, or `immutable=1` when
even the shared-memory file cannot be made): reading works, writing says why not.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import sqlite_utils

from cxdesk.core.errors import DamagedDatabaseError, DatabaseError, ReadOnlyDatabaseError
from cxdesk.core.schema import BULK_INSERT_CATCH_UPS, MIGRATIONS
from cxdesk.i18n import _

DB_FILE_NAME = "cxdesk.db"
BUSY_TIMEOUT_MS = 10_000
# How long a writer waits in all for another writer (a big import) before giving up.
WRITE_WAIT_S = 600.0

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
            if not _is_busy(exc):
                raise
            if deadline is None:
                # A connection whose busy timeout was lowered on purpose (a caller that must not
                # wait) is taken at its word; otherwise wait as long as another import may take.
                busy_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
                deadline = time.monotonic() + (WRITE_WAIT_S if busy_ms >= BUSY_TIMEOUT_MS else busy_ms / 1000)
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def read_only_sentence(path, reason: str = "") -> str:
    return _("“{path}” is in a read-only place ({reason}), so nothing can be changed; reading works. To make changes, copy the database to a folder you can write to, or make the folder writable.").format(
        path=path or ":memory:", reason=reason or _("read-only"))


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


def _place_is_read_only(db_path: Path) -> str:
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


def _is_read_only_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "read only" in text


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
            reason = _place_is_read_only(db_path)
            read_only = bool(reason)
        if read_only is None and not db_path.exists() and db_path.parent.is_dir():
            reason = _place_is_read_only(db_path)
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
                    _is_read_only_error(exc) or "unable to open" in str(exc).lower()):
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


def is_read_only(db: sqlite_utils.Database) -> bool:
    return bool(getattr(db, "read_only", False))


# ---------------------------------------------------------------------------------------------
# SQLite's and the system's words in plain sentences


def plain_os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return _("the disk is full")
    if exc.errno in (errno.EROFS,):
        return _("the drive is read-only")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _("permission denied")
    if exc.errno == errno.ENOENT:
        return _("it does not exist")
    return exc.strerror or str(exc)


def explain_sqlite_error(exc: BaseException, path=None) -> DatabaseError:
    """SQLite's own words ("database is locked", "disk I/O error", ...) as one sentence with what to do."""
    path = path if path is not None else os.environ.get("CXDESK_DB") or default_db_path()
    text = str(exc).lower()
    if "i/o error" in text and _disk_nearly_full(Path(path)):
        text = "database or disk is full"   # a full disk often shows up as an I/O error on the -shm/-wal
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "database or disk is full" in text:
        msg = _("The disk holding “{path}” is full. Free some space (empty the recycle bin, remove large files) and try again; what was saved before is safe.")
    elif "locked" in text or "busy" in text:
        msg = _("The database “{path}” is busy: another cxdesk window or command is writing to it. Wait until it has finished and try again.")
    elif _is_read_only_error(exc) or isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return ReadOnlyDatabaseError(read_only_sentence(path, _("writing was refused")), details=repr(exc))
    elif "unable to open" in text or "cannot open" in text:
        msg = _("Cannot open the database “{path}”: the file or its folder is missing or not accessible. Check that the drive or network folder is connected and that you may read it.")
    elif "disk i/o error" in text or "i/o error" in text:
        msg = _("The disk reported an error while reading or writing “{path}”. Check that the drive (USB stick, network folder) is still connected, then run “cxdesk check”.")
    elif "not a database" in text or "file is encrypted" in text:
        msg = _("“{path}” is not a cxdesk database, or its first page is damaged. If it is your shop's database, run “cxdesk restore” to list the backups and go back to a good one.")
    elif "malformed" in text or "corrupt" in text:
        return DamagedDatabaseError(damaged_sentence(path), details=repr(exc))
    elif "already exists" in text or "no such table" in text or "no such column" in text:
        msg = _("“{path}” is not a cxdesk database or it is damaged: its tables are not what cxdesk expects. Open the right file, or run “cxdesk restore” to go back to a backup.")
    else:
        msg = _("The database “{path}” could not be used: {reason}. Run “cxdesk check” to see whether it is damaged.")
        return DatabaseError(msg.format(path=path, reason=exc), details=repr(exc))
    return DatabaseError(msg.format(path=path), details=repr(exc))


def _disk_nearly_full(path: Path) -> bool:
    import shutil

    try:
        return shutil.disk_usage(Path(path).resolve().parent).free < 1_000_000
    except OSError:
        return False


def plain_sqlite_reason(exc: BaseException) -> str:
    """SQLite's words as a short phrase for inside a sentence ("… could not be written (REASON) …")."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "full" in text:
        return _("the disk is full")
    if "locked" in text or "busy" in text:
        return _("another cxdesk window or command was writing to it for too long")
    if _is_read_only_error(exc):
        return _("the database is in a read-only place")
    if "i/o error" in text:
        return _("the disk reported an error; check that the drive is still connected")
    if is_damage_error(exc):
        return _("the database is damaged; run “cxdesk check”")
    if "unable to open" in text:
        return _("the database file cannot be opened")
    return str(exc)


def damaged_sentence(path) -> str:
    return _("The database “{path}” is damaged (SQLite reports damaged pages), so its numbers cannot be trusted. Run “cxdesk restore” to see the backups and go back to the newest good one; the damaged file is kept aside.").format(path=path)


def is_damage_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "corrupt" in text or "not a database" in text


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
#
# Backups are written with SQLite's backup API (never a file copy of a live database) into
# `backups/` beside the database, named `<stem>-<YYYYmmdd-HHMMSS-ffffff>-<reason>.db`. Each is
# checked (`PRAGMA integrity_check`) right after it is written; the results are kept in
# `backups/checks.json` so listing stays fast. Thinning keeps dated generations and never removes
# the newest backup that passed its check.

CHECKS_FILE = "checks.json"


@dataclass(frozen=True)
class Backup:
    path: Path
    created: datetime
    reason: str
    ok: bool | None = None        # passed its integrity check; None = not checked yet
    size: int = 0

    def to_json(self) -> dict:
        return {"path": str(self.path), "created": self.created.replace(microsecond=0).isoformat(sep=" "),
                "reason": self.reason, "ok": self.ok, "size": self.size}


def live_files(db_path: Path) -> set[Path]:
    """The database file and its working files (-wal, -shm, -journal): never a backup target."""
    base = db_path.resolve()
    return {base, *(base.with_name(base.name + suffix) for suffix in ("-wal", "-shm", "-journal"))}


def integrity_summary(rows: list[str]) -> str:
    """SQLite's integrity-check lines as one short phrase: how many problems, the first one."""
    problems = [line for row in rows for line in str(row).splitlines() if line.strip() and not line.startswith("***")]
    if not problems:
        return ""
    if len(problems) == 1:
        return problems[0]
    return _("{n} problems, the first: {first}").format(n=len(problems) if len(problems) < 20 else "20+", first=problems[0])


def file_integrity(path: Path) -> tuple[bool, str]:
    """Open a database file read-only and run SQLite's quick check (page structure, records, free
    list: what torn writes and damaged sectors break; about a third of the full integrity check's
    time, see bench/bench_backup.py); (passed, first problems)."""
    from urllib.parse import quote

    try:
        conn = sqlite3.connect("file:" + quote(Path(path).resolve().as_posix()) + "?mode=ro", uri=True,
                               timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        return False, str(exc)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(20)").fetchall()]
        if rows != ["ok"]:
            return False, integrity_summary(rows)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True, ""
    except sqlite3.Error as exc:
        return False, str(exc)
    finally:
        conn.close()


def _load_checks(folder: Path) -> dict:
    try:
        data = json.loads((folder / CHECKS_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_checks(folder: Path, checks: dict) -> None:
    tmp = folder / (CHECKS_FILE + ".tmp")
    try:
        tmp.write_text(json.dumps(checks, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, folder / CHECKS_FILE)
    except OSError:
        pass   # a read-only folder: the checks are simply run again next time


def _record_check(path: Path, ok: bool, details: str = "") -> None:
    checks = _load_checks(path.parent)
    try:
        st = path.stat()
    except OSError:
        return
    checks[path.name] = {"ok": ok, "size": st.st_size, "mtime": st.st_mtime, "details": details[:300]}
    _save_checks(path.parent, checks)


def make_backup(db: sqlite_utils.Database, db_path: Path | None = None, *, reason: str = "manual",
                target: Path | None = None, refuse_damaged: bool | None = None) -> Path | None:
    """Copy the live database with SQLite's backup API (never a file copy), check the copy, thin old backups.

    A damaged database is refused (nothing kept) when `refuse_damaged`, by default for a manual
    backup: a copy of the damage would push out good backups. Automatic backups (before a migration
    or an undo) are kept but marked as failed. Writing onto the live database or its -wal is refused.
    Returns the backup file, or None for an in-memory database.
    """
    db_path = db_path or db_path_of(db)
    if db_path is None:
        return None
    if refuse_damaged is None:
        refuse_damaged = reason == "manual"
    if target is None:
        if is_read_only(db):
            raise ReadOnlyDatabaseError(read_only_sentence(db_path, getattr(db, "read_only_reason", "")))
        folder = backup_dir(db_path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(_("Could not create the backups folder “{path}”: {reason}").format(
                path=folder, reason=plain_os_reason(exc))) from exc
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        safe_reason = "".join(c for c in reason if c.isalnum() or c in "-_")[:20] or "backup"
        target = folder / f"{db_path.stem}-{stamp}-{safe_reason}.db"
    else:
        target = Path(target).expanduser()
        try:
            resolved = target.resolve()
        except OSError:
            resolved = target
        if resolved in live_files(db_path):
            raise DatabaseError(_("“{path}” is the live database (or one of its working files); a backup cannot be written onto it. Choose another file name.").format(path=target))
        if target.is_dir():
            raise DatabaseError(_("“{path}” is a folder; give the backup a file name, e.g. {example}.").format(
                path=target, example=target / f"{db_path.stem}-backup.db"))
    partial = target.with_name(target.name + ".part")
    try:
        if partial.exists():
            partial.unlink()
        dest = sqlite3.connect(str(partial))
        try:
            db.conn.backup(dest)
            # A standalone copy: no -wal/-shm beside it (the copied header says WAL otherwise).
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
    except (sqlite3.Error, OSError) as exc:
        try:
            partial.unlink()
        except OSError:
            pass
        if isinstance(exc, sqlite3.Error) and is_damage_error(exc):
            raise DamagedDatabaseError(
                _("The database is damaged, so no backup was written (it would only copy the damage). Run “cxdesk restore” to go back to a good backup."),
                details=repr(exc)) from exc
        reason_text = plain_os_reason(exc) if isinstance(exc, OSError) else explain_sqlite_error(exc, db_path).message
        raise DatabaseError(
            _("Could not write the backup “{path}”: {reason}").format(path=target, reason=reason_text), details=repr(exc)
        ) from exc
    ok, details = file_integrity(partial)
    if not ok and refuse_damaged:
        for leftover in (partial, *(partial.with_name(partial.name + x) for x in ("-wal", "-shm", "-journal"))):
            try:
                leftover.unlink()
            except OSError:
                pass
        raise DamagedDatabaseError(
            _("The database is damaged, so no backup was written (it would only copy the damage): {details}. Run “cxdesk restore” to go back to a good backup.").format(
                details=details), details=details)
    try:
        os.replace(partial, target)
    except OSError as exc:
        raise DatabaseError(_("Could not write the backup “{path}”: {reason}").format(
            path=target, reason=plain_os_reason(exc))) from exc
    if target.parent == backup_dir(db_path):
        _record_check(target, ok, details)
        thin_backups(backup_dir(db_path), db_path.stem)
    return target


def list_backups(folder: Path, stem: str, *, check: bool = False) -> list[Backup]:
    """Backups of the database `stem`, newest first, with their integrity-check results.

    With `check`, backups not checked yet (or changed since) are checked now and the results saved.
    """
    found = []
    checks = _load_checks(folder)
    changed = False
    for p in folder.glob(f"{stem}-*.db"):
        parts = p.stem[len(stem) + 1 :].split("-")
        try:
            created = datetime.strptime("-".join(parts[:3]), "%Y%m%d-%H%M%S-%f")
        except ValueError:
            continue
        try:
            st = p.stat()
        except OSError:
            continue
        known = checks.get(p.name)
        ok = None
        if isinstance(known, dict) and known.get("size") == st.st_size and known.get("mtime") == st.st_mtime:
            ok = bool(known.get("ok"))
        elif check:
            ok, details = file_integrity(p)
            checks[p.name] = {"ok": ok, "size": st.st_size, "mtime": st.st_mtime, "details": details[:300]}
            changed = True
        found.append(Backup(p, created, "-".join(parts[3:]), ok, st.st_size))
    if changed:
        _save_checks(folder, checks)
    return sorted(found, key=lambda b: b.created, reverse=True)


def newest_good_backup(folder: Path, stem: str) -> Backup | None:
    """The newest backup that passes its check (backups not checked yet are checked, newest first,
    until one passes)."""
    for b in list_backups(folder, stem):
        ok = b.ok
        if ok is None:
            ok, details = file_integrity(b.path)
            _record_check(b.path, ok, details)
        if ok:
            return b
    return None


def thin_backups(folder: Path, stem: str, *, now: datetime | None = None) -> list[Path]:
    """Keep dated generations: the newest 10, one a day for 14 days, one a week for 12 weeks and one a
    month for 2 years; always the newest backup that passed its check. Failed copies do not count
    towards the newest 10 and only the newest 3 of them stay."""
    now = now or datetime.now()
    backups = list_backups(folder, stem)
    usable = [b for b in backups if b.ok is not False]
    failed = [b for b in backups if b.ok is False]
    keep: set[Path] = {b.path for b in usable[:10]} | {b.path for b in failed[:3]}
    newest_good = next((b for b in backups if b.ok is True), None)
    if newest_good is not None:
        keep.add(newest_good.path)
    seen: set = set()
    for b in usable:   # newest first: each period keeps its newest usable backup
        age = now - b.created
        if age <= timedelta(days=14):
            key = ("day", b.created.date())
        elif age <= timedelta(weeks=12):
            key = ("week", b.created.isocalendar()[:2])
        elif age <= timedelta(days=730):
            key = ("month", (b.created.year, b.created.month))
        else:
            continue
        if key not in seen:
            seen.add(key)
            keep.add(b.path)
    removed = []
    checks = _load_checks(folder)
    for b in backups:
        if b.path not in keep:
            try:
                b.path.unlink()
                removed.append(b.path)
                checks.pop(b.path.name, None)
            except OSError:
                pass
    if removed:
        _save_checks(folder, checks)
    return removed


# ---------------------------------------------------------------------------------------------
# Restore


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    database: Path
    damaged_kept: Path | None
    feedback: int


def _window_has_open(db_path: Path) -> bool:
    """A cxdesk window holds a lock file for its database (see ui/instance_lock.py)."""
    lock = window_lock_path(db_path)
    try:
        first = lock.read_text(encoding="utf-8", errors="replace").splitlines()[0].strip()
        pid = int(first)
    except (OSError, ValueError, IndexError):
        return False
    if os.name == "nt":
        return False   # Windows refuses to move a file that is open anyway
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return pid != os.getpid()


def _writer_active(db_path: Path) -> bool:
    """True if another connection holds the write lock (an import running in another process)."""
    if not db_path.exists():
        return False
    from urllib.parse import quote

    conn = None
    try:
        conn = sqlite3.connect("file:" + quote(db_path.resolve().as_posix()) + "?mode=rw", uri=True,
                               timeout=2.0, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.Error as exc:
        return _is_busy(exc)
    finally:
        if conn is not None:
            conn.close()


def window_lock_path(db_path: Path) -> Path:
    """Where a window's lock file for `db_path` lives (one window per database)."""
    import hashlib

    try:
        key = str(Path(db_path).resolve())
    except OSError:
        key = str(db_path)
    digest = hashlib.sha1(key.casefold().encode("utf-8")).hexdigest()[:16]
    return data_dir() / "locks" / f"{Path(db_path).stem[:40]}-{digest}.lock"


def restore_backup(db_path: Path, backup: Path) -> RestoreResult:
    """Put `backup` in place of the database at `db_path`, keeping the current file aside.

    The backup must pass its integrity check. The current database (and its -wal) is renamed to
    `<name>.before-restore-<time>` (kept, never deleted); the backup is copied beside it and moved into
    place in one step, then opened (and migrated if it is older).
    """
    import shutil

    db_path = Path(db_path)
    backup = Path(backup)
    if not backup.is_file():
        raise DatabaseError(_("There is no backup “{path}”.").format(path=backup))
    if backup.resolve() in live_files(db_path):
        raise DatabaseError(_("“{path}” is the live database itself, not a backup.").format(path=backup))
    reason = _place_is_read_only(db_path)
    if reason:
        raise ReadOnlyDatabaseError(read_only_sentence(db_path, reason))
    if _window_has_open(db_path):
        raise DatabaseError(_("“{path}” is open in a cxdesk window. Close the window, then restore again.").format(path=db_path))
    if _writer_active(db_path):
        raise DatabaseError(_("Another cxdesk command is writing to “{path}” right now. Wait until it has finished, then restore again.").format(path=db_path))
    ok, details = file_integrity(backup)
    if not ok:
        raise DamagedDatabaseError(_("The backup “{path}” is damaged too ({details}); choose an older one from “cxdesk restore”.").format(
            path=backup, details=details))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    incoming = db_path.with_name(db_path.name + ".restoring")
    try:
        shutil.copyfile(backup, incoming)
        with open(incoming, "rb+") as fh:
            os.fsync(fh.fileno())
    except OSError as exc:
        try:
            incoming.unlink()
        except OSError:
            pass
        raise DatabaseError(_("Could not copy the backup “{path}”: {reason}. Nothing was changed.").format(
            path=backup, reason=plain_os_reason(exc))) from exc
    kept: Path | None = None
    try:
        if db_path.exists():
            kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
            n = 1
            while kept.exists():   # two restores in one second: never overwrite the copy kept first
                n += 1
                kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}-{n}")
            os.replace(db_path, kept)
            for suffix in ("-wal", "-shm", "-journal"):
                side = db_path.with_name(db_path.name + suffix)
                if side.exists():
                    os.replace(side, kept.with_name(kept.name + suffix))
        os.replace(incoming, db_path)
    except OSError as exc:
        raise DatabaseError(_("Could not put the backup in place: {reason}. Close every cxdesk window and try again; the current file is “{kept}”.").format(
            reason=plain_os_reason(exc), kept=kept or db_path)) from exc
    db = open_db(db_path, create=False, read_only=False)
    try:
        n = db.execute("SELECT count(*) FROM feedback WHERE deleted = 0").fetchone()[0]
    finally:
        db.close()
    return RestoreResult(backup, db_path, kept, int(n))


# ---------------------------------------------------------------------------------------------
# Integrity check


@dataclass(frozen=True)
class CheckReport:
    ok: bool
    messages: list[str]
    counts: dict[str, int]


def _restore_hint(db: sqlite_utils.Database) -> str:
    path = db_path_of(db)
    if path is None:
        return ""
    good = newest_good_backup(backup_dir(path), path.stem) if backup_dir(path).is_dir() else None
    if good is None:
        return _("There is no good backup to go back to: copy the file somewhere safe before changing anything, then export what can still be read.")
    return _("The newest good backup is from {when}: run “cxdesk restore 1” to go back to it (the damaged file is kept aside).").format(
        when=good.created.strftime("%Y-%m-%d %H:%M"))


def check_db(db: sqlite_utils.Database) -> CheckReport:
    """Run SQLite's integrity and foreign-key checks and describe the result in plain words."""
    messages: list[str] = []
    ok = True
    try:
        rows = [r[0] for r in db.execute("PRAGMA integrity_check(20)").fetchall()]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows != ["ok"]:
        ok = False
        messages.append(_("The database file is damaged ({details}); its numbers cannot be trusted.").format(
            details=integrity_summary(rows)))
    try:
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError:
        fk = []
    if fk:
        ok = False
        messages.append(_("{n} rows point to records that no longer exist.").format(n=len(fk)))
    counts: dict[str, int] = {}
    try:
        counts = {
            "feedback": db.execute("SELECT count(*) FROM feedback WHERE deleted = 0").fetchone()[0],
            "sources": db.execute("SELECT count(*) FROM sources WHERE undone_at IS NULL").fetchone()[0],
            "actions": db.execute("SELECT count(*) FROM actions").fetchone()[0],
        }
    except sqlite3.DatabaseError as exc:
        if ok:
            ok = False
            messages.append(_("The database file is damaged ({details}); its numbers cannot be trusted.").format(details=exc))
    version = schema_version(db)
    if ok:
        messages.append(
            _("The database is healthy: {feedback} feedback rows from {sources} imports, {actions} actions (schema version {version}).").format(
                version=version, **counts
            )
        )
        if is_read_only(db):
            messages.append(read_only_sentence(db_path_of(db), getattr(db, "read_only_reason", "")))
    else:
        messages.append(_restore_hint(db))
    return CheckReport(ok, messages, counts)


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
