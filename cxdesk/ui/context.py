"""What every screen shares: the database path, the task runner and the app-wide signals."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from cxdesk.core.changes import Changes
from cxdesk.ui.tasks import Task, TaskFn, TaskRunner


class AppContext(QObject):
    data_changed = Signal(object)              # Changes: screens decide whether to reload
    open_feedback_requested = Signal(object)   # FeedbackFilter: show exactly these rows
    create_action_requested = Signal(dict)     # prefill: title, topics, feedback_ids, description
    database_changed = Signal(object)          # Path: another database was opened
    status_message = Signal(str)

    def __init__(self, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.tasks = TaskRunner(self)
        # Owner edits (label corrections, tags, deletions, import undo) push QUndoCommands here;
        # the main window's Edit menu shows Undo/Redo for it.
        self.undo_stack = QUndoStack(self)
        self._read_db = None

    def read_db(self):
        """A connection for quick reads on the GUI thread (workers open their own)."""
        if self._read_db is None:
            from cxdesk.core.storage import open_db

            self._read_db = open_db(self.db_path)
        return self._read_db

    def set_db_path(self, path: Path) -> None:
        self.close()
        self.undo_stack.clear()  # commands refer to rows of the old database
        self.db_path = Path(path)
        self.database_changed.emit(self.db_path)
        self.data_changed.emit(Changes(True, True, True, True, True))

    def run_task(self, fn: TaskFn, *, write: bool = True, title: str = "") -> Task:
        return self.tasks.start(fn, self.db_path, write=write, title=title)

    def notify(self, changes: Changes) -> None:
        if changes is not None and changes.any():
            self.data_changed.emit(changes)

    def close(self) -> None:
        if self._read_db is not None:
            self._read_db.close()
            self._read_db = None
