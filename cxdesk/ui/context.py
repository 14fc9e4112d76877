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
        self.stop_indexing()     # the other database's; this one's start when its rows are counted
        self.db_path = Path(path)
        self.database_changed.emit(self.db_path)
        self.data_changed.emit(Changes(True, True, True, True, True))

    def run_task(self, fn: TaskFn, *, write: bool = True, title: str = "", upkeep: bool = False) -> Task:
        return self.tasks.start(fn, self.db_path, write=write, title=title, upkeep=upkeep)

    def index_search(self) -> Task | None:
        """Index the rows not in the search index yet (after an import or an analysis, or left by the
        command line) in the background, `SEARCH_INDEX_BATCH` rows per task until none is left, so the
        owner's own saves (one writer at a time) wait a second at most. Searches find those rows
        meanwhile. One chain of steps at a time: returns the step running now. None for a database in
        a read-only place (its rows stay found by a scan). The steps are upkeep, not the owner's work:
        closing or switching databases stops them without asking, and the next start goes on."""
        if self.index_task is not None:
            return self.index_task
        if self.read_db().read_only:
            return None
        whole_so_far = self._index_whole
        title = _("Indexing the new rows for search")

        def work(db, progress):
            from cxdesk.core import search

            left = search.backlog_size(db)
            whole = max(whole_so_far, left)   # the rows of all steps, for the bar
            progress(whole - left, whole, title)
            search.index_some(db, SEARCH_INDEX_BATCH)
            left = search.backlog_size(db)
            progress(whole - left, whole, title)
            return left, whole

        task = self.index_task = self.run_task(work, title=title, upkeep=True)
        # A step's result arrives before its end; both come on this thread, in that order.
        task.signals.finished.connect(lambda result, step=task: self._index_step_done(step, result))
        task.signals.ended.connect(lambda step=task: self._index_step_ended(step))
        return task

    def _index_step_done(self, step: Task, result: tuple[int, int]) -> None:
        if step is not self.index_task or step.is_cancelled:
            return      # stopped (closing, another database): no next step
        left, whole = result
        self.index_task = None
        self._index_whole = whole if left else 0
        if left:
            self.index_search()

    def _index_step_ended(self, step: Task) -> None:
        if step is self.index_task:     # failed or cancelled: the chain stops; the next start goes on
            self.index_task = None
            self._index_whole = 0

    def stop_indexing(self) -> None:
        """Stop the search-index steps (the one running finishes its rows; none follows)."""
        if self.index_task is not None:
            self.index_task.cancel()
        self.index_task = None
        self._index_whole = 0

    def notify(self, changes: Changes) -> None:
        if changes is not None and changes.any():
            self.data_changed.emit(changes)

    def close(self) -> None:
        if self._read_db is not None:
            self._read_db.close()
            self._read_db = None
