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


class PartlyDoneError(CxdeskError):
    """The main work was committed but a follow-up step failed (it finishes next time)."""
