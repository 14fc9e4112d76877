"""What every screen shares: the database path, the task runner and the app-wide signals."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from cxdesk.core.changes import Changes
from cxdesk.i18n import _
from cxdesk.ui.tasks import Task, TaskFn, TaskRunner


# Rows indexed per background task: about a second of holding the database for writing (7,000
# reviews a second here), so an owner's edit made meanwhile is saved without a long wait.
SEARCH_INDEX_BATCH = 5_000


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
        self.index_task: Task | None = None
        self._index_whole = 0   # rows of the search-index steps running now (for the progress bar)

    def read_db(self):
        """A connection for quick reads on the GUI thread (workers open their own)."""
        if self._read_db is None:
            from cxdesk.core.storage import open_db

            self._read_db = open_db(self.db_path)
        return self._read_db

    def set_db_path(self, path: Path) -> None:
        self.close()
        self.undo_stack.clear()  # commands refer to rows of the old database
        self._index_whole = 0    # the other database's index steps, if any, count no more
        self.db_path = Path(path)
        self.database_changed.emit(self.db_path)
        self.data_changed.emit(Changes(True, True, True, True, True))

    def run_task(self, fn: TaskFn, *, write: bool = True, title: str = "") -> Task:
        return self.tasks.start(fn, self.db_path, write=write, title=title)

    def index_search(self) -> Task:
        """Index the rows not in the search index yet (after an import or an analysis, or left by the
        command line) in the background, `SEARCH_INDEX_BATCH` rows per task until none is left, so the
        owner's own saves (one writer at a time) wait a second at most. Searches find those rows
        meanwhile. Returns the running task if one is."""
        if self.index_task is not None and not self.index_task.done.is_set():
            return self.index_task
        whole_so_far = self._index_whole
        title = _("Indexing the new rows for search")

        def work(db, progress):
            from cxdesk.core import search

            whole = max(whole_so_far, search.backlog_size(db))   # the rows of all steps, for the bar
            progress(whole - search.backlog_size(db), whole, title)
            search.index_some(db, SEARCH_INDEX_BATCH)
            left = search.backlog_size(db)
            progress(whole - left, whole, title)
            return left, whole

        task = self.index_task = self.run_task(work, title=title)
        task.signals.finished.connect(self._index_more)
        return task

    def _index_more(self, result: tuple[int, int]) -> None:
        # Called as the task finishes, before it counts as done: the next step starts either way.
        left, whole = result
        self.index_task = None
        self._index_whole = whole if left else 0
        if left:
            self.index_search()

    def notify(self, changes: Changes) -> None:
        if changes is not None and changes.any():
            self.data_changed.emit(changes)

    def close(self) -> None:
        if self._read_db is not None:
            self._read_db.close()
            self._read_db = None
