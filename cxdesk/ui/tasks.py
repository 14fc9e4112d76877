"""The one way to run core work off the GUI thread, with progress, cancel and a delayed progress dialog.

A task is a core call `fn(db, progress)`; it runs in a QRunnable with its own database connection.
Writes go through one pool with a single thread (SQLite has one writer); reads use the global pool.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from shiboken6 import isValid
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal

from cxdesk.core.errors import CxdeskError
from cxdesk.core.progress import Cancelled
from cxdesk.i18n import _

log = logging.getLogger("cxdesk.ui.tasks")

TaskFn = Callable[[Any, Callable[[int, int, str], None]], Any]
ARM_TIMEOUT_S = 2.0  # only reached when nobody runs an event loop (a blocking script)


class TaskSignals(QObject):
    progressed = Signal(int, int, str)
    finished = Signal(object)          # the core call's return value
    failed = Signal(str)               # one sentence for the owner
    cancelled = Signal()
    ended = Signal()                   # after any of the three above


class Task(QRunnable):
    """Runs `fn(db, progress)` with a fresh connection to `db_path` (or `fn(None, progress)`)."""

    def __init__(self, fn: TaskFn, db_path: Path | None, title: str = "") -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.db_path = db_path
        self.title = title
        self.upkeep = False   # background upkeep (the search index): stopped without asking
        self.signals = TaskSignals()
        self._cancel = threading.Event()
        self._last_emit = 0.0
        self._last_message: str | None = None
        self.done = threading.Event()
        self.write = True
        # Set by the runner once the GUI thread is back in its event loop, i.e. after the caller of
        # `start()` has connected its slots; a very quick task could otherwise finish unheard.
        self.armed = threading.Event()
        self.result: Any = None
        self.error: str | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, done: int, total: int, message: str) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        now = time.monotonic()
        # At most ten updates a second, but a new step ("Saving…") always shows.
        if now - self._last_emit >= 0.1 or done >= total or message != self._last_message:
            self._last_emit = now
            self._last_message = message
            self.signals.progressed.emit(int(done), int(total), message)

    def run(self) -> None:  # worker thread
        db = None
        self.armed.wait(ARM_TIMEOUT_S)
        try:
            if self.db_path is not None:
                from cxdesk.core.storage import open_db

                db = open_db(self.db_path)
            self.result = self.fn(db, self._progress)
        except Cancelled:
            self.signals.cancelled.emit()
        except CxdeskError as exc:
            log.info("task %s failed: %s %s", self.title, exc, exc.details)
            self.error = str(exc)
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the owner gets a sentence, the log the traceback
            log.error("task %s crashed:\n%s", self.title, traceback.format_exc())
            from cxdesk.core.errors import unexpected_error_sentence

            self.error = unexpected_error_sentence(exc)
            self.signals.failed.emit(self.error)
        else:
            self.signals.finished.emit(self.result)
        finally:
            if db is not None:
                try:
                    db.close()
                except Exception:  # noqa: BLE001
                    pass
            self.done.set()
            self.signals.ended.emit()


class TaskRunner(QObject):
    """Starts tasks; keeps them alive until they end; one writer thread, many readers."""

    task_started = Signal(object)
    task_ended = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.write_pool = QThreadPool(self)
        self.write_pool.setMaxThreadCount(1)
        self.read_pool = QThreadPool.globalInstance()
        self._running: set[Task] = set()

    def start(self, fn: TaskFn, db_path: Path | None, *, write: bool = True, title: str = "",
              upkeep: bool = False) -> Task:
        task = Task(fn, db_path, title)
        task.write = write
        task.upkeep = upkeep
        self._running.add(task)
        task.signals.ended.connect(lambda t=task: self._on_ended(t), Qt.QueuedConnection)
        self.task_started.emit(task)
        (self.write_pool if write else self.read_pool).start(task)
        QTimer.singleShot(0, task.armed.set)
        return task

    def _on_ended(self, task: Task) -> None:
        self._running.discard(task)
        if isValid(self):   # the runner may be gone already (its window closed while the task ran)
            self.task_ended.emit(task)

    def running(self) -> list[Task]:
        return list(self._running)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def cancel_all(self) -> None:
        for task in list(self._running):
            task.cancel()

    def wait_idle(self, msecs: int = 30000) -> bool:
        self.cancel_all()
        for task in list(self._running):
            task.armed.set()
        ok = self.write_pool.waitForDone(msecs)
        return self.read_pool.waitForDone(msecs) and ok


class LatestRead:
    """A screen's reload: one read task at a time. Asked again while one runs, the newest request runs
    when it ends and the running one's result is dropped (it is already out of date)."""

    def __init__(self, ctx, title: str) -> None:
        self.ctx = ctx
        self.title = title
        self.task: Task | None = None
        self._next: tuple | None = None

    def start(self, fn: TaskFn, on_result: Callable[[Any], None],
              on_error: Callable[[str], None] | None = None) -> None:
        if self.task is not None:
            self._next = (fn, on_result, on_error)
            return
        task = self.ctx.run_task(fn, write=False, title=self.title)
        self.task = task
        # The screen that asked may be gone by the time the result comes (closed, a test torn down):
        # its widgets must not be touched then.
        owner = getattr(on_result, "__self__", None)

        def deliver(result) -> None:
            if self._next is None and not (isinstance(owner, QObject) and not isValid(owner)):
                on_result(result)

        task.signals.finished.connect(deliver)
        if on_error is not None:
            task.signals.failed.connect(on_error)
        task.signals.ended.connect(self._on_ended)

    def _on_ended(self) -> None:
        cancelled = self.task is not None and self.task.is_cancelled
        self.task = None
        if cancelled:
            self._next = None   # everything was cancelled (closing, another database): no follow-up
        if self._next is not None:
            request, self._next = self._next, None
            self.start(*request)


# Scoring holds the GIL in long C calls per batch; small batches keep the window's event loop ticking
# (measured with bench/bench_startup.py: 1000-row batches stalled the GUI ~130 ms, 250-row ones less).
UI_ANALYSIS_BATCH = 250


def analyze_in_background(db, progress):
    """`cxdesk.core.analysis.analyze` as the window runs it in a task: smaller batches."""
    from cxdesk.core.analysis import analyze

    try:
        return analyze(db, progress, batch_size=UI_ANALYSIS_BATCH)
    except TypeError:  # an analysis engine without batch_size
        return analyze(db, progress)


def show_delayed_progress(task: Task, parent, title: str, *, delay_ms: int = 500, cancellable: bool = True):
    """A modal progress dialog that appears only if the task still runs after `delay_ms`."""
    from PySide6.QtWidgets import QProgressDialog

    dialog = QProgressDialog(title, _("Cancel") if cancellable else "", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(10**9)  # shown by our timer, not by Qt's own guess
    if not cancellable:
        dialog.setCancelButton(None)
    dialog.reset()
    dialog.hide()

    def on_progress(done: int, total: int, message: str) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))
        if message:
            dialog.setLabelText(message)

    timer = QTimer(dialog)
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: (not task.done.is_set()) and dialog.show())
    timer.start(delay_ms)
    task.signals.progressed.connect(on_progress)
    dialog.canceled.connect(task.cancel)
    task.signals.ended.connect(dialog.close)
    task.signals.ended.connect(dialog.deleteLater)
    return dialog
