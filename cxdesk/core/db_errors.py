"""SQLite's and the system's words ("database is locked", ENOSPC, ...) as plain sentences with what to do."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from cxdesk.core.db_paths import default_db_path
from cxdesk.core.errors import DamagedDatabaseError, DatabaseError, ReadOnlyDatabaseError
from cxdesk.i18n import _


def is_busy_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def read_only_sentence(path, reason: str = "") -> str:
    return _("“{path}” is in a read-only place ({reason}), so nothing can be changed; reading works. To make changes, copy the database to a folder you can write to, or make the folder writable.").format(
        path=path or ":memory:", reason=reason or _("read-only"))


def is_read_only_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "read only" in text


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
    elif is_read_only_error(exc) or isinstance(exc, OSError) and exc.errno == errno.EROFS:
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
    if is_read_only_error(exc):
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
