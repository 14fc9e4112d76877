"""Errors the owner sees: each carries one translated sentence, plus details for the log."""

from __future__ import annotations


class CxdeskError(Exception):
    """Base of every error meant for the owner; `str(err)` is the translated sentence."""

    def __init__(self, message: str, *, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class UnreadableFileError(CxdeskError):
    """The file cannot be read as a feedback table (wrong type, corrupt, encrypted, unsafe)."""


class EmptyFileError(UnreadableFileError):
    """The file has no data rows."""


class NoTextColumnError(CxdeskError):
    """No column could be used as the feedback text."""


class DatabaseError(CxdeskError):
    """The database cannot be opened, written or checked."""


class NotFoundError(CxdeskError):
    """An id (source, action, feedback row, topic) does not exist."""


class InvalidValueError(CxdeskError):
    """An argument from the owner (date, status, name) is not valid."""


class ReadOnlyDatabaseError(DatabaseError):
    """The database sits in a read-only place: reading works, this change cannot be made."""


class DamagedDatabaseError(DatabaseError):
    """SQLite reports damaged pages: numbers from this file cannot be trusted."""


def unexpected_error_sentence(exc: BaseException) -> str:
    """What an error nobody planned for tells the owner (CLI and the window's last-resort hook):
    SQLite's and the system's words as plain sentences with what to do, else what to try and where
    the log is."""
    import errno
    import sqlite3

    from cxdesk.i18n import _
    from cxdesk.logs import log_path

    if isinstance(exc, CxdeskError):
        return str(exc)
    if isinstance(exc, sqlite3.Error) or isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS):
        from cxdesk.core.db_errors import explain_sqlite_error

        return str(explain_sqlite_error(exc)) + " " + _("Details are in the log: {path}").format(path=log_path())
    if isinstance(exc, MemoryError):
        return _("cxdesk ran out of memory. Close other programs and try again, or work on a smaller file or period. Details are in the log: {path}").format(path=log_path())
    if isinstance(exc, OSError):
        return _("A file could not be read or written ({reason}). Check that the drive is connected, the file is not open in another program and there is free space, then try again. Details are in the log: {path}").format(
            reason=exc.strerror or exc, path=log_path())
    return _("Something went wrong inside cxdesk; what was already saved is safe. Try again; if it happens again, run “cxdesk check” and send the log file to whoever supports you: {path}").format(
        path=log_path())
