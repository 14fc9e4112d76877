"""The import wizard: show what cxdesk guessed about a file, let the owner correct it, import, analyze, report.

Every step that touches the file or the database runs through `ctx.run_task`, so a slow or broken
file never freezes the window; a bad file ends as one sentence in the dialog's message bar.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QStackedWidget, QVBoxLayout, QWidget

from cxdesk.core.changes import Changes
from cxdesk.core.errors import CxdeskError
from cxdesk.core.importers import ImportResult, import_file, remember_mapping
from cxdesk.core.surveys import import_survey
from cxdesk.i18n import _
from cxdesk.ui import settings
from cxdesk.ui.context import AppContext
from cxdesk.ui.importing.command import ImportCommand, _final_step_not_cancellable
from cxdesk.ui.importing.plan_page import PlanPageMixin
from cxdesk.ui.importing.report_page import ReportPageMixin
from cxdesk.ui.widgets.dialogs import fit_to_screen
from cxdesk.ui.widgets.message_bar import MessageBar

log = logging.getLogger("cxdesk.ui.import")


class ImportWizard(PlanPageMixin, ReportPageMixin, QDialog):
    """File → 导入: plan page (sniffed settings + preview), progress page, report page."""

    plan_ready = Signal(object)          # ImportPlan after each (re)sniff
    preview_ready = Signal()
    import_finished = Signal(object)     # ImportResult
    import_cancelled = Signal()
    import_failed = Signal(str)
    analysis_finished = Signal(object)
    report_shown = Signal()

    PAGE_PLAN, PAGE_RUN, PAGE_REPORT = 0, 1, 2

    def __init__(self, ctx: AppContext, path: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = Path(path)
        self.plan = None
        self.result = None
        self.analysis_result = None
        self.command = None
        self.task = None
        self.index_task = None   # search indexing after an import that is not analysed
        self._generation = 0
        self.setWindowTitle(_("Import “{name}”").format(name=self.path.name))
        self.setSizeGripEnabled(True)
        self.setAcceptDrops(False)
        self._build()
        self._restore_geometry()
        QTimer.singleShot(0, self.sniff)

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.message_bar = MessageBar(self)
        layout.addWidget(self.message_bar)
        self.pages = QStackedWidget(self)
        layout.addWidget(self.pages, 1)
        self.pages.addWidget(self._build_plan_page())
        self.pages.addWidget(self._build_run_page())
        self.pages.addWidget(self._build_report_page())

    def _set_plan_controls_enabled(self, enabled: bool) -> None:
        for w in (self.encoding_combo, self.sheet_combo, self.header_spin, self.reference_edit):
            w.setEnabled(enabled)
        self.import_button.setEnabled(enabled and self.plan is not None)

    # ------------------------------------------------------------------ import and analysis

    def start_import(self):
        """Import with the current plan (off the GUI thread); returns the task."""
        if self.plan is None:
            return None
        survey = self.survey_section.survey()
        if "text" not in self.plan.roles and not self.survey_section.ready():
            self._update_import_enabled()
            return None
        settings.set(settings.IMPORT_ANALYZE_AFTER, self.analyze_check.isChecked())
        try:
            plan = self.plan.with_changes(channel=self.chosen_channel())
        except CxdeskError as exc:
            self.message_bar.show_error(str(exc))
            return None
        self.plan = plan

        def work(db, progress):
            if survey is not None:
                return import_survey(db, plan, survey, _final_step_not_cancellable(progress))
            result = import_file(db, plan, _final_step_not_cancellable(progress))
            if not result.already_imported:
                try:
                    remember_mapping(db, plan)
                except Exception:  # noqa: BLE001 - a lost preference must not undo a good import
                    log.exception("could not remember the column mapping")
            return result

        self.message_bar.dismiss()
        self._show_run_page(_("Importing “{name}”…").format(name=self.path.name), cancellable=True)
        task = self.ctx.run_task(work, title=_("Importing"))
        task.signals.progressed.connect(self._on_progress)
        task.signals.finished.connect(self._on_imported)
        task.signals.failed.connect(self._on_import_failed)
        task.signals.cancelled.connect(self._on_import_cancelled)
        self.task = task
        return task

    def _show_run_page(self, title: str, *, cancellable: bool) -> None:
        self.run_title.setText(title)
        self.run_message.setText("")
        self.run_progress.setRange(0, 0)
        self.run_cancel.setEnabled(cancellable)
        self.run_cancel.setText(_("Cancel"))
        self.pages.setCurrentIndex(self.PAGE_RUN)

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.run_progress.setRange(0, total)
            self.run_progress.setValue(min(done, total))
        if message:
            self.run_message.setText(message)

    def cancel_task(self) -> None:
        if self.task is not None and not self.task.done.is_set():
            self.run_cancel.setEnabled(False)
            self.run_cancel.setText(_("Cancelling…"))
            self.task.cancel()

    def _on_import_cancelled(self) -> None:
        self.pages.setCurrentIndex(self.PAGE_PLAN)
        self.message_bar.show_info(_("Import cancelled. Nothing was added to the database."))
        self.import_cancelled.emit()

    def _on_import_failed(self, message: str) -> None:
        self.pages.setCurrentIndex(self.PAGE_PLAN)
        self.message_bar.show_error(message)
        self.import_failed.emit(message)

    def _on_imported(self, result: ImportResult) -> None:
        self.result = result
        self.ctx.notify(result.changes)
        imported = result.imported
        if result.source_id is not None and imported > 0 and not result.already_imported:
            self.command = ImportCommand(self.ctx, self.plan, int(result.source_id), self.path.name)
            self.ctx.undo_stack.push(self.command)
        self.import_finished.emit(result)
        if imported > 0 and self.analyze_check.isChecked():
            self.start_analysis()
        else:
            self._show_report()
            if imported > 0:
                self.start_search_indexing()

    def start_search_indexing(self):
        """Index the new rows for search in the background; searches find them meanwhile."""
        self.index_task = self.ctx.index_search()
        return self.index_task

    def start_analysis(self):
        def work(db, progress):
            from cxdesk.ui.tasks import analyze_in_background

            return analyze_in_background(db, progress)

        self._show_run_page(_("Analyzing the new feedback…"), cancellable=True)
        self.run_note.setText(_("You can cancel; rows not analyzed yet can be analyzed later from the status bar."))
        task = self.ctx.run_task(work, title=_("Analyzing feedback"))
        task.signals.progressed.connect(self._on_progress)
        task.signals.finished.connect(self._on_analyzed)
        task.signals.failed.connect(self._on_analysis_failed)
        task.signals.cancelled.connect(lambda: self._show_report(_("Analysis was cancelled; the rows are imported.")))
        task.signals.ended.connect(self.start_search_indexing)   # after the analysis, not beside it
        self.task = task
        return task

    def _on_analyzed(self, result) -> None:
        self.analysis_result = result
        self.ctx.notify(Changes(feedback=True, topics=True, alerts=True))
        self.analysis_finished.emit(result)
        self._show_report()

    def _on_analysis_failed(self, message: str) -> None:
        self._show_report()
        self.message_bar.show_error(message)

    # ------------------------------------------------------------------ closing

    def _restore_geometry(self) -> None:
        geometry = settings.get(settings.IMPORT_DIALOG_GEOMETRY)
        if not geometry or not self.restoreGeometry(geometry):
            self.resize(980, 640)
        fit_to_screen(self)

    def done(self, code: int) -> None:
        self._generation += 1  # results of reads still running are dropped
        if self.task is not None and not self.task.done.is_set():
            if self.pages.currentIndex() == self.PAGE_RUN:
                self.cancel_task()
                return  # closes when the task has rolled back
            self.task.cancel()
        settings.set(settings.IMPORT_DIALOG_GEOMETRY, bytes(self.saveGeometry().data()))
        super().done(code)
