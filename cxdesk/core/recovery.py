"""Going back to a backup (`restore_backup`) and checking the live database's health (`check_db`)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from cxdesk.core.backup import file_integrity, integrity_summary, live_files, newest_good_backup
from cxdesk.core.db_errors import is_busy_error, plain_os_reason, read_only_sentence
from cxdesk.core.db_paths import backup_dir, db_path_of, is_read_only, window_lock_path
from cxdesk.core.errors import DamagedDatabaseError, DatabaseError, ReadOnlyDatabaseError
from cxdesk.core.storage import open_db, place_is_read_only, schema_version
from cxdesk.i18n import _




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
        return is_busy_error(exc)
    finally:
        if conn is not None:
            conn.close()


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
    reason = place_is_read_only(db_path)
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
