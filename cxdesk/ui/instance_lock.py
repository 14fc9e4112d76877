"""One window per database: a QLockFile in the data folder, keyed by the database's full path.

Two windows writing the same SQLite file would each hold stale screens and undo stacks; a second
start on the same database is refused with a plain sentence instead. Stale locks (a crashed window)
are taken over because QLockFile checks whether the owning process still runs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile

from cxdesk.core.storage import window_lock_path


def lock_path_for(db_path: Path) -> Path:
    """The lock file is named in core, so `cxdesk restore` can tell whether a window has the database open."""
    path = window_lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class DatabaseLock:
    """Holds the lock of at most one database at a time; `switch_to` moves it atomically."""

    def __init__(self) -> None:
        self._lock: QLockFile | None = None
        self.db_path: Path | None = None

    def acquire(self, db_path: Path) -> bool:
        lock = QLockFile(str(lock_path_for(db_path)))
        lock.setStaleLockTime(0)  # only a dead owner process makes a lock stale
        if not lock.tryLock(100):
            return False
        self.release()
        self._lock = lock
        self.db_path = Path(db_path)
        return True

    def switch_to(self, db_path: Path) -> bool:
        """Lock `db_path` (keeping the current lock if that fails)."""
        if self.db_path is not None and _same(self.db_path, db_path):
            return True
        return self.acquire(db_path)

    def release(self) -> None:
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None
            self.db_path = None


def _same(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return str(a) == str(b)
