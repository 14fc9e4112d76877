"""The wizard's first page: what cxdesk guessed about the file (encoding, sheet, header row, column roles),
a preview of the rows as the import will read them, and the owner's corrections."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QDateTime, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateTimeEdit, QFileDialog, QGridLayout,
                               QHBoxLayout, QLabel, QPushButton, QSpinBox, QTableView, QVBoxLayout, QWidget)

from cxdesk.core.errors import CxdeskError
from cxdesk.core.formatting import qt_date_format
from cxdesk.core.importers import ImportPlan, preview_rows, sniff_file
from cxdesk.core.importers.channels import CHANNELS, MAX_CHANNEL_LENGTH, UNSPECIFIED
from cxdesk.i18n import _, ngettext
from cxdesk.ui import settings, theme
from cxdesk.ui.importing.labels import (COMMON_ENCODINGS, encoding_label, file_type_label, roles_by_column,
                                        roles_from_columns)
from cxdesk.ui.importing.preview_model import ImportPreviewModel
from cxdesk.ui.importing.role_header import RoleHeaderView
from cxdesk.ui.importing.survey_page import SurveySection
from cxdesk.ui.widgets.busy_overlay import BusyOverlay

PREVIEW_ROWS = 500        # rows read for the preview (in a worker)


def _human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class PlanPageMixin:
    """Part of ImportWizard (needs `ctx`, `path`, `plan`, `pages`, `message_bar`, `import_button` and the
    wizard's signals)."""

    def _build_plan_page(self) -> QWidget:
        page = QWidget(self)
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        v.addLayout(self._build_file_row(page))
        v.addLayout(self._build_plan_grid(page))
        self.warnings_label = QLabel(page)
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet(f"color: {theme.WARNING_TEXT};")
        self.warnings_label.hide()
        v.addWidget(self.warnings_label)
        hint = QLabel(_("Above each column, choose what it holds. At least one column must be “Text”. "
                        "Times and ratings show how cxdesk read them; red means it could not."), page)
        hint.setWordWrap(True)
        v.addWidget(hint)
        self.survey_section = SurveySection.placed(v, hint, self._update_import_enabled)   # questionnaires only
        v.addWidget(self._build_preview(page), 1)
        self.overlay = BusyOverlay(self.preview, delay_ms=200)
        v.addLayout(self._build_plan_buttons(page))

        self.encoding_combo.activated.connect(self._on_encoding_chosen)
        self.sheet_combo.activated.connect(self._on_sheet_chosen)
        self.header_spin.editingFinished.connect(self._on_header_row_edited)
        self._reference_timer = QTimer(self)
        self._reference_timer.setSingleShot(True)
        self._reference_timer.setInterval(600)  # re-read once the owner stops typing
        self._reference_timer.timeout.connect(self._apply_reference)
        self.reference_edit.dateTimeChanged.connect(self._on_reference_changed)
        self._set_plan_controls_enabled(False)
        return page

    def _build_file_row(self, page: QWidget) -> QHBoxLayout:
        self.file_label = QLabel(page)
        self.file_label.setFont(theme.scaled_font(self.file_label.font(), theme.TITLE_SCALE))
        self.file_label.setText(self.path.name)
        self.type_label = QLabel(page)
        self.type_label.setText(_("Reading the file…"))
        top = QHBoxLayout()
        top.addWidget(self.file_label)
        top.addWidget(self.type_label, 1)
        self.other_file_button = QPushButton(_("Choose another file…"), page)
        self.other_file_button.clicked.connect(self._choose_other_file)
        top.addWidget(self.other_file_button)
        return top

    def _build_plan_grid(self, page: QWidget) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        self.encoding_label = QLabel(_("Encoding:"), page)
        self.encoding_combo = QComboBox(page)
        self.encoding_combo.setToolTip(_("If the preview shows garbled characters, try another encoding"))
        self.sheet_label = QLabel(_("Sheet:"), page)
        self.sheet_combo = QComboBox(page)
        self.header_label = QLabel(_("Column names in row:"), page)
        self.header_spin = QSpinBox(page)
        self.header_spin.setRange(0, 200)
        self.header_spin.setSpecialValueText(_("none"))
        self.header_spin.setToolTip(_("The row of the file that holds the column names; rows above it are skipped"))
        self.reference_label = QLabel(_("Exported at:"), page)
        self.reference_edit = QDateTimeEdit(page)
        self.reference_edit.setDisplayFormat(qt_date_format() + " HH:mm")
        self.reference_edit.setCalendarPopup(True)
        self.reference_edit.setToolTip(_("Relative times such as “昨天 10:21” or “3小时前” are counted back from this moment"))
        grid.addWidget(self.encoding_label, 0, 0)
        grid.addWidget(self.encoding_combo, 0, 1)
        grid.addWidget(self.sheet_label, 0, 2)
        grid.addWidget(self.sheet_combo, 0, 3)
        grid.addWidget(self.header_label, 1, 0)
        grid.addWidget(self.header_spin, 1, 1)
        grid.addWidget(self.reference_label, 1, 2)
        grid.addWidget(self.reference_edit, 1, 3)
        # The platform the reviews came from, for rows whose file does not say; any name may be typed.
        self.channel_label = QLabel(_("Platform:"), page)
        self.channel_combo = QComboBox(page)
        self.channel_combo.setEditable(True)
        self.channel_combo.setInsertPolicy(QComboBox.NoInsert)
        self.channel_combo.lineEdit().setMaxLength(MAX_CHANNEL_LENGTH)
        self.channel_combo.addItem(_("Unspecified"), "")
        for name in CHANNELS:
            self.channel_combo.addItem(name, name)
        self.channel_combo.setToolTip(_("Where these reviews come from (美团, 淘宝, 门店, …). Rows whose file names "
                                        "a channel keep their own; the choice is remembered for files with "
                                        "the same columns."))
        self.channel_combo.setMinimumWidth(200)
        grid.addWidget(self.channel_label, 2, 0)
        grid.addWidget(self.channel_combo, 2, 1)
        self.channel_combo.editTextChanged.connect(self._on_channel_edited)
        self.encoding_combo.setMinimumWidth(240)
        self.sheet_combo.setMinimumWidth(200)
        self.header_spin.setMinimumWidth(90)
        self.reference_edit.setMinimumWidth(200)
        grid.setColumnStretch(4, 1)
        return grid

    def _build_preview(self, page: QWidget) -> QTableView:
        self.preview = QTableView(page)
        self.preview_model = ImportPreviewModel(self)
        self.header = RoleHeaderView(self.preview)
        self.preview.setHorizontalHeader(self.header)
        self.header.setStretchLastSection(True)
        self.preview.setModel(self.preview_model)
        self.preview.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.preview.setWordWrap(False)
        self.preview.setAlternatingRowColors(True)
        self.preview.verticalHeader().setDefaultSectionSize(self.preview.fontMetrics().height() + 8)
        self.preview.horizontalScrollBar().valueChanged.connect(lambda *_a: self.header.place_combos())
        self.header.role_changed.connect(self._on_role_changed)
        return self.preview

    def _build_plan_buttons(self, page: QWidget) -> QHBoxLayout:
        bottom = QHBoxLayout()
        self.rows_hint = QLabel(page)
        bottom.addWidget(self.rows_hint, 1)
        self.analyze_check = QCheckBox(_("Analyze right after importing"), page)
        self.analyze_check.setChecked(settings.get(settings.IMPORT_ANALYZE_AFTER))
        bottom.addWidget(self.analyze_check)
        self.cancel_button = QPushButton(_("Cancel"), page)
        self.cancel_button.clicked.connect(self.reject)
        self.import_button = QPushButton(_("Import"), page)
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.import_button)
        return bottom

    # ------------------------------------------------------------------ sniffing and preview

    def sniff(self, **options) -> None:
        """Read the file's plan afresh in a worker (remembered column roles are applied)."""
        path = self.path
        options = {k: v for k, v in options.items() if v is not None}

        def work(db, progress):
            plan = sniff_file(path, db=db, **options)
            return plan, preview_rows(plan, PREVIEW_ROWS)

        self._start_read(work)

    def replan(self, **changes) -> None:
        """Apply `changes` (encoding, sheet, header_row, reference_time) to the plan in a worker;
        the importer re-reads the file and keeps the roles of columns that are still there."""
        if self.plan is None:
            return
        plan = self.plan

        def work(db, progress):
            new = plan.with_changes(**changes)
            return new, preview_rows(new, PREVIEW_ROWS)

        self._start_read(work)

    def _start_read(self, work) -> None:
        self._generation += 1
        generation = self._generation
        self._set_plan_controls_enabled(False)
        self.import_button.setEnabled(False)
        self.overlay.start(_("Reading the file…"))
        task = self.ctx.run_task(work, write=False, title="")
        task.signals.finished.connect(lambda result: self._on_plan_read(generation, result))
        task.signals.failed.connect(lambda msg: self._on_read_failed(generation, msg))
        task.signals.ended.connect(lambda: generation == self._generation and self.overlay.stop())
        self.task = task

    def _on_plan_read(self, generation: int, result) -> None:
        if generation != self._generation:
            return  # an older read finished after a newer one was started
        plan, rows = result
        self.plan = plan
        if self.message_bar.kind in ("error", "warning"):
            self.message_bar.dismiss()
        self._fill_controls(plan)
        columns = list(plan.columns)
        by_column = roles_by_column(plan)
        self.preview_model.set_source(columns, rows, by_column)
        self.header.set_columns(len(columns), by_column)
        if self.preview_model.canFetchMore():
            self.preview_model.fetchMore()  # the first page, so column widths fit real values
        self._fit_columns()
        self.header.place_combos()
        self._update_rows_hint(len(rows))
        self.survey_section.set_plan(plan)
        self._set_plan_controls_enabled(True)
        self._update_import_enabled()
        self.plan_ready.emit(plan)
        self.preview_ready.emit()

    def _fit_columns(self) -> None:
        self.preview.resizeColumnsToContents()
        text_col = self.plan.roles.get("text") if self.plan is not None else None
        for col in range(self.preview_model.columnCount()):
            cap = 420 if col == text_col else 300
            self.preview.setColumnWidth(col, max(120, min(self.preview.columnWidth(col), cap)))

    def _on_read_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.message_bar.show_error(message)
        if self.plan is None:
            self.type_label.setText("")
            self.preview_model.clear()
            self.header.set_columns(0, {})
            self.rows_hint.setText("")
        else:
            self._fill_controls(self.plan)  # back to what still works
        self._set_plan_controls_enabled(self.plan is not None)
        self._update_import_enabled(quiet=True)
        self.import_failed.emit(message)

    def _fill_controls(self, plan: ImportPlan) -> None:
        bits = [file_type_label(plan.file_type)]
        if plan.size:
            bits.append(_human_size(plan.size))
        self.type_label.setText("  ·  ".join(bits))
        self.file_label.setText(plan.file_name)

        encoding = plan.encoding
        self.encoding_combo.blockSignals(True)
        self.encoding_combo.clear()
        if encoding:
            choices: list[str] = []
            for enc in [encoding] + list(plan.encodings_possible or []) + list(COMMON_ENCODINGS):
                if enc and enc.lower() not in [c.lower() for c in choices]:
                    choices.append(enc)
            for enc in choices:
                self.encoding_combo.addItem(encoding_label(enc), enc)
            self.encoding_combo.setCurrentIndex(max(0, self.encoding_combo.findData(encoding)))
        self.encoding_combo.blockSignals(False)
        for w in (self.encoding_label, self.encoding_combo):
            w.setVisible(bool(encoding) and plan.file_type != "html")

        sheets = list(plan.sheets or [])
        hidden = set(plan.hidden_sheets)
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        for name in sheets:
            self.sheet_combo.addItem(_("{name} (hidden)").format(name=name) if name in hidden else name, name)
        if plan.sheet is not None:
            self.sheet_combo.setCurrentIndex(max(0, self.sheet_combo.findData(plan.sheet)))
        self.sheet_combo.blockSignals(False)
        self.sheet_label.setText(_("Table:") if plan.file_type == "html" else _("Sheet:"))
        for w in (self.sheet_label, self.sheet_combo):
            w.setVisible(len(sheets) > 1)

        self.header_spin.blockSignals(True)
        self.header_spin.setRange(0, max(len(plan.raw_preview or []), 1))
        self.header_spin.setValue(plan.header_row + 1)
        self.header_spin.blockSignals(False)

        reference = plan.reference_time
        if isinstance(reference, datetime):
            self.reference_edit.blockSignals(True)
            self.reference_edit.setDateTime(QDateTime(reference.year, reference.month, reference.day,
                                                      reference.hour, reference.minute, reference.second))
            self.reference_edit.blockSignals(False)

        self.set_channel_text(plan.channel or "")

        warnings = [str(w) for w in (plan.warnings or [])]
        self.warnings_label.setText("\n".join("⚠ " + w for w in warnings))
        self.warnings_label.setVisible(bool(warnings))

    def _update_rows_hint(self, n: int) -> None:
        self.rows_hint.setText(ngettext("Preview of the first {n} data row", "Preview of the first {n} data rows",
                                        n).format(n=n))

    def set_channel_text(self, name: str) -> None:
        index = self.channel_combo.findData(name)
        if index >= 0:
            self.channel_combo.setCurrentIndex(index)
        else:
            self.channel_combo.setEditText(name)

    def _on_channel_edited(self, _text: str = "") -> None:
        # Kept in the plan, so reading the file again (another sheet, header row) keeps the choice.
        if self.plan is not None:
            try:
                self.plan = self.plan.with_changes(channel=self.chosen_channel())
            except CxdeskError:
                pass   # said when the import starts

    def chosen_channel(self) -> str:
        """The platform as chosen or typed ("" = unspecified)."""
        text = self.channel_combo.currentText().strip()
        index = self.channel_combo.findText(text)
        if index >= 0:
            return self.channel_combo.itemData(index) or ""
        return "" if text == UNSPECIFIED else text

    def _update_import_enabled(self, *, quiet: bool = False) -> None:
        has_text = self.plan is not None and ("text" in self.plan.roles or self.survey_section.ready())
        self.import_button.setEnabled(has_text and self.pages.currentIndex() == self.PAGE_PLAN)
        if quiet:
            return
        if self.plan is not None and not has_text:
            self.message_bar.show_warning(_("Choose “Text” above the column that holds what customers wrote."))
        elif self.message_bar.kind == "warning":
            self.message_bar.dismiss()

    # ------------------------------------------------------------------ owner's corrections

    def set_encoding(self, encoding: str) -> None:
        """Re-read the file with `encoding` (the preview follows)."""
        index = self.encoding_combo.findData(encoding)
        if index < 0:
            self.encoding_combo.addItem(encoding_label(encoding), encoding)
            index = self.encoding_combo.count() - 1
        self.encoding_combo.setCurrentIndex(index)
        self._on_encoding_chosen(index)

    def _on_encoding_chosen(self, index: int) -> None:
        encoding = self.encoding_combo.itemData(index)
        if self.plan is None or not encoding or encoding == self.plan.encoding:
            return
        self.replan(encoding=encoding)

    def _on_sheet_chosen(self, index: int) -> None:
        sheet = self.sheet_combo.itemData(index)
        if self.plan is None or sheet is None or sheet == self.plan.sheet:
            return
        self.replan(sheet=sheet)

    def set_header_row(self, row_1based: int) -> None:
        """Column names are in row `row_1based` of the file (0 = the file has no header row)."""
        self.header_spin.setValue(row_1based)
        self._on_header_row_edited()

    def _on_header_row_edited(self) -> None:
        value = self.header_spin.value() - 1
        if self.plan is None or value == self.plan.header_row:
            return
        self.replan(header_row=value)

    def set_role(self, column: int, role: str) -> None:
        """Set the role of `column` ("" = ignore), as if chosen in the header."""
        combo = self.header.combos[column]
        combo.setCurrentIndex(max(0, combo.findData(role)))

    def _on_role_changed(self, column: int, role: str) -> None:
        if self.plan is None:
            return
        by_column = roles_by_column(self.plan)
        if role:
            # One column per role: the column that had it before is ignored now.
            for col, r in list(by_column.items()):
                if r == role and col != column:
                    del by_column[col]
            by_column[column] = role
        else:
            by_column.pop(column, None)
        # The plan derives the rating scale and day/month order from the newly chosen columns.
        self.plan = self.plan.with_changes(roles=roles_from_columns(by_column))
        by_column = roles_by_column(self.plan)
        self.header.set_roles(by_column)
        rows = preview_rows(self.plan, PREVIEW_ROWS)  # in memory: no file access
        self.preview_model.replace_rows(rows, by_column)
        self._fit_columns()
        self._update_import_enabled()

    def _on_reference_changed(self, _qdt: QDateTime) -> None:
        self._reference_timer.start()

    def _apply_reference(self) -> None:
        qdt = self.reference_edit.dateTime()
        reference = datetime(qdt.date().year(), qdt.date().month(), qdt.date().day(),
                             qdt.time().hour(), qdt.time().minute())
        if self.plan is None or reference == self.plan.reference_time:
            return
        self.replan(reference_time=reference)

    def set_reference_time(self, reference: datetime) -> None:
        self.reference_edit.setDateTime(QDateTime(reference.year, reference.month, reference.day,
                                                  reference.hour, reference.minute, 0))
        self._reference_timer.stop()
        self._apply_reference()

    def _choose_other_file(self) -> None:
        chosen, _sel = QFileDialog.getOpenFileName(self, _("Import a feedback file"), str(self.path.parent))
        if chosen:
            self.open_path(Path(chosen))

    def open_path(self, path: Path) -> None:
        self.path = Path(path)
        self.plan = None
        settings.set(settings.LAST_FOLDER, str(self.path.parent))
        self.setWindowTitle(_("Import “{name}”").format(name=self.path.name))
        self.file_label.setText(self.path.name)
        self.type_label.setText(_("Reading the file…"))
        self.sniff()
