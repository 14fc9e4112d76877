"""The main window's status bar: database path, row counts, analysis state and the running task."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QToolButton
from shiboken6 import isValid

from cxdesk.core.feedback import RowCounts, status_counts
from cxdesk.i18n import _, ngettext
from cxdesk.ui.window_parts import display_path


class StatusBarMixin:
    """Part of MainWindow (needs `ctx`, `row_count`, `pending_count`, `stale_count`, `_analysis_task`,
    `_learn_task`, `_status_reader`, `_reanalysis_due`, `run_analysis`, `stop_analysis`, `message_bar`, `_apply_empty_state`
    and the `status_refreshed` signal)."""

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.path_label = QLabel(self)
        self.path_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.rows_label = QLabel(self)
        self.analysis_label = QLabel(self)
        self.analyze_button = QToolButton(self)
        self.analyze_button.setText(_("Analyze now"))
        self.analyze_button.setAutoRaise(True)
        self.analyze_button.hide()
        self.analyze_button.clicked.connect(self.run_analysis)
        self.stop_analysis_button = QToolButton(self)
        self.stop_analysis_button.setText(_("Stop"))
        self.stop_analysis_button.setToolTip(_("Stop the analysis; rows analyzed so far keep their results"))
        self.stop_analysis_button.setAutoRaise(True)
        self.stop_analysis_button.hide()
        self.stop_analysis_button.clicked.connect(self.stop_analysis)
        self.task_label = QLabel(self)
        self.task_progress = QProgressBar(self)
        self.task_progress.setFixedWidth(140)
        self.task_progress.setMaximumHeight(16)
        self.task_progress.setTextVisible(False)
        self.task_label.hide()
        self.task_progress.hide()
        sb.addWidget(self.path_label, 1)
        sb.addPermanentWidget(self.task_label)
        sb.addPermanentWidget(self.task_progress)
        sb.addPermanentWidget(self.rows_label)
        sb.addPermanentWidget(self.analysis_label)
        sb.addPermanentWidget(self.analyze_button)
        sb.addPermanentWidget(self.stop_analysis_button)

    def refresh_status(self) -> None:
        """Count rows and rows waiting for analysis in a read task; updates the status bar."""
        self._status_reader.start(lambda db, progress: status_counts(db), self._on_status_counted)

    @property
    def _status_task(self):
        return self._status_reader.task

    def _on_status_counted(self, counts: RowCounts) -> None:
        total, pending = counts.total, counts.waiting
        was_empty = self.database_is_blank()
        self.row_count = total
        self.survey_responses = counts.responses
        self.pending_count = pending
        self.stale_count = counts.stale
        self.rows_label.setText(ngettext("{n} row", "{n} rows", total).format(n=f"{total:,}"))
        self._update_analysis_label()
        if was_empty != counts.empty:
            self._apply_empty_state(counts.empty)
        if self._reanalysis_due:
            # Once per opened database: rows analysed by an older model are analysed again at once,
            # so every screen counts the current model's mentions without the owner asking.
            self._reanalysis_due = False
            if counts.stale and self._analysis_task is None and self._learn_task is None:
                task = self.run_analysis()
                task.signals.finished.connect(self._on_reanalysed)
                self.message_bar.show_info(ngettext(
                    "cxdesk analyzes {n} row again with its new model; the screens update when it is done.",
                    "cxdesk analyzes {n} rows again with its new model; the screens update when it is done.",
                    counts.stale).format(n=f"{counts.stale:,}"))
        if counts.unindexed:
            self.ctx.index_search()   # after any analysis just started: one writer at a time
        self.status_refreshed.emit(total, pending)

    def _on_reanalysed(self, result) -> None:
        scored = getattr(result, "scored", 0)
        self.message_bar.show_success(ngettext(
            "{n} row was analyzed again with the new model.", "{n} rows were analyzed again with the new model.",
            scored).format(n=f"{scored:,}"))

    def _update_analysis_label(self) -> None:
        running = self._analysis_task is not None
        self.stop_analysis_button.setVisible(running)
        if running:
            self.analysis_label.setText(_("Analyzing…"))
            self.analyze_button.hide()
        elif self.pending_count:
            self.analysis_label.setText(ngettext("{n} row not analyzed yet", "{n} rows not analyzed yet",
                                                 self.pending_count).format(n=f"{self.pending_count:,}"))
            self.analyze_button.show()
        elif self.stale_count:
            self.analysis_label.setText(ngettext("{n} row analyzed with an older model",
                                                 "{n} rows analyzed with an older model",
                                                 self.stale_count).format(n=f"{self.stale_count:,}"))
            self.analyze_button.show()
        else:
            self.analysis_label.setText(_("All analyzed") if self.row_count else "")
            self.analyze_button.hide()

    def _update_path_label(self) -> None:
        self.path_label.setText(display_path(self.ctx.db_path))
        self.path_label.setToolTip(_("Database: {path}").format(path=self.ctx.db_path))
        # The app name last: Qt adds it to a title that does not end with it ("cxdesk — shop — cxdesk").
        self.setWindowTitle(f"{self.ctx.db_path.stem} — cxdesk")

    def _on_task_started(self, task) -> None:
        if not task.title or task.title == "status":
            return
        self.task_label.setText(task.title)
        self.task_label.show()
        self.task_progress.setRange(0, 0)
        self.task_progress.show()

        # A task may end after this window is gone (closed while it ran): then there is nothing to update.
        def on_progress(done: int, total: int, message: str) -> None:
            if not isValid(self.task_progress):
                return
            self.task_progress.setRange(0, max(total, 1))
            self.task_progress.setValue(min(done, max(total, 1)))

        def on_ended() -> None:
            if not (isValid(self.task_label) and isValid(self.ctx)):
                return
            # Another task with a title may already run (the next step of the search index, titled
            # the same): it keeps the label.
            others = sorted((t for t in self.ctx.tasks.running() if t is not task and t.title and t.title != "status"),
                            key=lambda t: t.title != task.title)   # the next step of the same work first
            if others:
                self.task_label.setText(others[0].title)
            elif not self.ctx.tasks.busy or self.task_label.text() == task.title:
                self.task_label.hide()
                self.task_progress.hide()

        task.signals.progressed.connect(on_progress)
        task.signals.ended.connect(on_ended)
