"""The wizard's progress page and its report: counts, notes, rejected rows, undo and "view the new rows"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy,
                               QTableView, QVBoxLayout, QWidget)

from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.importers import ImportResult
from cxdesk.core.surveys import SurveyImportResult
from cxdesk.i18n import _, ngettext
from cxdesk.ui import settings, theme
from cxdesk.ui.importing.preview_model import RejectedRowsModel, write_rejected
from cxdesk.ui.widgets.layouts import centered


class ReportPageMixin:
    """Part of ImportWizard (needs `ctx`, `path`, `result`, `analysis_result`, `command`, `pages`,
    `message_bar`, `cancel_task` and the `report_shown` signal)."""

    def _build_run_page(self) -> QWidget:
        page = QWidget(self)
        v = QVBoxLayout(page)
        v.addStretch(1)
        self.run_title = QLabel(page)
        self.run_title.setFont(theme.scaled_font(self.run_title.font(), 1.2))
        self.run_title.setAlignment(Qt.AlignCenter)
        self.run_message = QLabel(page)
        self.run_message.setAlignment(Qt.AlignCenter)
        self.run_progress = QProgressBar(page)
        self.run_progress.setRange(0, 0)
        self.run_progress.setMinimumWidth(360)
        self.run_cancel = QPushButton(_("Cancel"), page)
        self.run_cancel.clicked.connect(self.cancel_task)
        v.addWidget(self.run_title)
        v.addWidget(self.run_message)
        v.addLayout(centered(self.run_progress, 3))
        self.run_note = QLabel(_("Cancelling the import leaves the database exactly as it was."), page)
        self.run_note.setAlignment(Qt.AlignCenter)
        self.run_note.setEnabled(False)
        v.addWidget(self.run_note)
        v.addLayout(centered(self.run_cancel))
        v.addStretch(2)
        return page


    def _build_report_page(self) -> QWidget:
        page = QWidget(self)
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.report_title = QLabel(page)
        self.report_title.setFont(theme.scaled_font(self.report_title.font(), 1.3))
        v.addWidget(self.report_title)
        counts = QHBoxLayout()
        self.count_labels: dict[str, QLabel] = {}
        for key in ("imported", "duplicates", "rejected"):
            box = QFrame(page)
            box.setFrameShape(QFrame.StyledPanel)
            box.setSizePolicy(box.sizePolicy().horizontalPolicy(), QSizePolicy.Maximum)
            bl = QVBoxLayout(box)
            number = QLabel("0", box)
            number.setFont(theme.scaled_font(number.font(), theme.BIG_NUMBER_SCALE))
            caption = QLabel(box)
            bl.addWidget(number)
            bl.addWidget(caption)
            self.count_labels[key] = number
            self.count_labels[key + "_caption"] = caption
            counts.addWidget(box)
        v.addLayout(counts)
        self.report_details = QLabel(page)
        self.report_details.setWordWrap(True)
        self.report_details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        v.addWidget(self.report_details)
        self.rejected_title = QLabel(_("Rows that were not imported, and why:"), page)
        v.addWidget(self.rejected_title)
        self.rejected_view = QTableView(page)
        self.rejected_model = RejectedRowsModel(parent=self)
        self.rejected_view.setModel(self.rejected_model)
        self.rejected_view.verticalHeader().hide()
        self.rejected_view.horizontalHeader().setStretchLastSection(True)
        self.rejected_view.setAlternatingRowColors(True)
        v.addWidget(self.rejected_view, 1)
        self.report_spacer = QWidget(page)
        v.addWidget(self.report_spacer, 1)
        buttons = QHBoxLayout()
        self.export_button = QPushButton(_("Save rejected rows…"), page)
        self.export_button.clicked.connect(self._choose_export)
        self.view_button = QPushButton(_("View the new rows"), page)
        self.view_button.clicked.connect(self.view_new_rows)
        self.undo_button = QPushButton(_("Undo this import"), page)
        self.undo_button.setToolTip(_("Removes exactly the rows this import added (also with Ctrl+Z)"))
        self.undo_button.clicked.connect(self.undo_import)
        self.done_button = QPushButton(_("Done"), page)
        self.done_button.setDefault(True)
        self.done_button.clicked.connect(self.accept)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.view_button)
        buttons.addWidget(self.done_button)
        v.addLayout(buttons)
        return page

    # ------------------------------------------------------------------ report

    def _show_report(self, note: str = "") -> None:
        result: ImportResult = self.result
        imported, duplicates, rejected = result.imported, result.duplicates, list(result.rejected)
        rejected_total = max(result.rejected_total, len(rejected))
        if result.already_imported:
            when = result.previous_import
            self.report_title.setText(
                _("This file was already imported on {when}; no new rows.").format(when=when) if when
                else _("This file was already imported; no new rows."))
        elif imported:
            self.report_title.setText(_("Import finished"))
        else:
            self.report_title.setText(_("No new rows were imported"))
        self.count_labels["imported"].setText(f"{imported:,}")
        self.count_labels["imported_caption"].setText(_("new rows imported"))
        self.count_labels["duplicates"].setText(f"{duplicates:,}")
        self.count_labels["duplicates_caption"].setText(_("already in the database (skipped)"))
        self.count_labels["rejected"].setText(f"{rejected_total:,}")
        self.count_labels["rejected_caption"].setText(_("rows not imported"))
        red = f"color: {theme.REJECTED_COUNT};" if rejected_total else ""
        self.count_labels["rejected"].setStyleSheet(red)
        lines = []
        updated = result.updated
        if updated:
            lines.append(ngettext("{n} review came back with edited text; the earlier text is kept.",
                                  "{n} reviews came back with edited text; the earlier texts are kept.",
                                  updated).format(n=updated))
        if isinstance(result, SurveyImportResult) and not result.already_imported:
            lines.append(result.survey_sentence())   # responses, written answers, scores found
        for w in result.warnings:
            lines.append("⚠ " + str(w))
        if self.analysis_result is not None:
            lines.append(_("Sentiment and topics are ready for the new rows."))
        if note:
            lines.append(note)
        if rejected_total > len(rejected):
            lines.append(_("The list below shows the first {shown} of {total} rows not imported.").format(
                shown=len(rejected), total=rejected_total))
        self.report_details.setText("\n".join(lines))
        self.report_details.setVisible(bool(lines))
        # Rows kept with a time or rating left empty are listed too, after the rows not imported.
        listed = rejected + list(result.notes)
        self.rejected_title.setText(_("Rows that were not imported, and why:") if rejected
                                    else _("Reviews kept with a time or rating left empty, and why:"))
        self.export_button.setText(_("Save rejected rows…") if rejected else _("Save this list…"))
        self.rejected_model.set_rows(listed)
        self.rejected_view.resizeColumnsToContents()
        for w in (self.rejected_title, self.rejected_view, self.export_button):
            w.setVisible(bool(listed))
        self.report_spacer.setVisible(not listed)
        self.undo_button.setVisible(self.command is not None)
        self.undo_button.setEnabled(self.command is not None)
        self.view_button.setEnabled(imported > 0 and result.source_id is not None)
        self.pages.setCurrentIndex(self.PAGE_REPORT)
        self.report_shown.emit()

    def undo_import(self) -> None:
        """Undo this import through the shared undo stack (so Ctrl+Shift+Z can bring it back)."""
        stack = self.ctx.undo_stack
        if self.command is None or stack.index() == 0 or stack.command(stack.index() - 1) is not self.command:
            self.undo_button.setEnabled(False)
            return
        stack.undo()
        self.undo_button.setEnabled(False)
        self.view_button.setEnabled(False)
        self.report_title.setText(_("The import was undone; its rows were removed."))

    def view_new_rows(self) -> None:
        source_id = self.result.source_id if self.result is not None else None
        if source_id is None:
            return
        self.ctx.open_feedback_requested.emit(FeedbackFilter(sources=(int(source_id),)))
        self.accept()

    def _choose_export(self) -> None:
        stem = Path(self.path).stem
        chosen, selected = QFileDialog.getSaveFileName(
            self, _("Save rejected rows"), str(Path(settings.get(settings.LAST_FOLDER) or Path.home())
                                               / _("{name}-rejected.xlsx").format(name=stem)),
            _("Excel workbook") + " (*.xlsx);;" + _("CSV text") + " (*.csv)")
        if chosen:
            self.export_rejected(Path(chosen))

    def export_rejected(self, path: Path) -> Path | None:
        path = Path(path)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_suffix(".xlsx")
        try:
            write_rejected(path, self.rejected_model.rows())
        except OSError as exc:
            self.message_bar.show_error(_("Could not save “{path}”: {reason}").format(
                path=path, reason=exc.strerror or exc))
            return None
        self.message_bar.show_success(_("Saved to {path}").format(path=path), timeout_ms=10000)
        return path
