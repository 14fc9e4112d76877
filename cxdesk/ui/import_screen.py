"""The import wizard: show what cxdesk guessed about a file, let the owner correct it, import, analyze, report.

Every step that touches the file or the database runs through `ctx.run_task`, so a slow or broken
file never freezes the window; a bad file ends as one sentence in the dialog's message bar.
"""

from __future__ import annotations

import csv
import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from PySide6.QtCore import QAbstractTableModel, QDateTime, QModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QUndoCommand
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateTimeEdit, QDialog, QFileDialog, QFrame,
                               QGridLayout, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton, QSizePolicy,
                               QSpinBox, QStackedWidget, QTableView, QVBoxLayout, QWidget)

from cxdesk.core.changes import Changes
from cxdesk.core.filters import FeedbackFilter
from cxdesk.i18n import N_, _, ngettext
from cxdesk.ui import settings
from cxdesk.ui.context import AppContext
from cxdesk.ui.widgets.busy_overlay import BusyOverlay
from cxdesk.ui.widgets.message_bar import MessageBar

log = logging.getLogger("cxdesk.ui.import")

RawValueRole = Qt.UserRole + 1      # the cell as read from the file
ParsedRole = Qt.UserRole + 2        # parsed time/rating text, or None
ParseErrorRole = Qt.UserRole + 3    # reason the value could not be parsed, or None

PREVIEW_ROWS = 500        # rows read for the preview (in a worker)
FETCH_PAGE = 50           # rows the view pulls at a time
IGNORE = ""

ROLE_LABELS: dict[str, str] = {
    "text": N_("Text"),
    "time": N_("Time"),
    "rating": N_("Rating"),
    "channel": N_("Channel"),
    "author": N_("Author"),
    "id": N_("ID"),
    "external_id": N_("ID"),
    IGNORE: N_("Ignore"),
}
ROLE_TIPS: dict[str, str] = {
    "text": N_("What the customer wrote; this is what cxdesk analyzes"),
    "time": N_("When the feedback was written"),
    "rating": N_("Stars or score, read on a 1–5 scale"),
    "channel": N_("Where the feedback came from (platform, shop, survey)"),
    "author": N_("Customer name or nickname"),
    "id": N_("The platform's number for the review, used to recognise it when it comes back"),
    "external_id": N_("The platform's number for the review, used to recognise it when it comes back"),
    IGNORE: N_("Not imported as its own field (kept with the row as extra data)"),
}
FILE_TYPE_LABELS: dict[str, str] = {
    "xlsx": N_("Excel workbook (.xlsx)"),
    "xlsm": N_("Excel workbook with macros (.xlsm)"),
    "xls": N_("Older Excel workbook (.xls)"),
    "csv": N_("CSV text"),
    "tsv": N_("Tab-separated text"),
    "txt": N_("Text table"),
    "html": N_("Web page table (HTML)"),
    "utf16": N_("Unicode text (UTF-16)"),
}
ENCODING_LABELS: dict[str, str] = {
    "utf-8": N_("UTF-8"),
    "utf-8-sig": N_("UTF-8 (with BOM)"),
    "gb18030": N_("Simplified Chinese (GBK/GB18030)"),
    "gbk": N_("Simplified Chinese (GBK)"),
    "big5": N_("Traditional Chinese (Big5)"),
    "utf-16": N_("Unicode (UTF-16)"),
    "utf-16-le": N_("Unicode (UTF-16 LE)"),
    "utf-16-be": N_("Unicode (UTF-16 BE)"),
}
COMMON_ENCODINGS = ("utf-8", "gb18030", "big5", "utf-16")
# (light palette, dark palette): readable on both backgrounds.
PARSED_COLOURS = (QColor("#2b6cb0"), QColor("#79b8ff"))
ERROR_COLOURS = (QColor("#c0392b"), QColor("#ff7b72"))


def _dark() -> bool:
    from PySide6.QtGui import QGuiApplication, QPalette

    return QGuiApplication.palette().color(QPalette.Base).lightness() < 128


def _importers():
    import cxdesk.core.importers as importers

    return importers


def role_names() -> list[str]:
    """The roles the importer knows, in the order of the chooser, plus "" for 忽略."""
    try:
        roles = [str(r) for r in _importers().ROLES]
    except (ImportError, AttributeError):
        roles = ["text", "time", "rating", "channel", "author", "id"]
    roles = [r for r in roles if r not in (IGNORE, "ignore")]
    return roles + [IGNORE]


def role_label(role: str) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def file_type_label(file_type: str | None) -> str:
    key = (file_type or "").lower()
    return _(FILE_TYPE_LABELS[key]) if key in FILE_TYPE_LABELS else (file_type or "?").upper()


def encoding_label(encoding: str) -> str:
    key = (encoding or "").lower().replace("_", "-")
    return _(ENCODING_LABELS[key]) if key in ENCODING_LABELS else encoding


def _plan_get(plan, name: str, default=None):
    return getattr(plan, name, default) if plan is not None else default


def roles_by_column(plan) -> dict[int, str]:
    """Invert the plan's role → column index(es) mapping."""
    out: dict[int, str] = {}
    for role, where in (_plan_get(plan, "roles", {}) or {}).items():
        if where is None:
            continue
        for col in (where if isinstance(where, (list, tuple)) else [where]):
            out[int(col)] = str(role)
    return out


def roles_from_columns(by_column: dict[int, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for col, role in sorted(by_column.items()):
        if role and role not in out:
            out[role] = col
    return out


def plan_with_roles(plan, roles: dict[str, int]):
    """The plan with new roles; the rating scale and day/month order follow the newly chosen columns."""
    changes: dict[str, Any] = {"roles": roles}
    values = list(getattr(plan, "preview_values", []) or [])[plan.header_row + 1:]
    fields = getattr(plan, "__dataclass_fields__", {})
    if "rating" in roles and "rating_scale" in fields:
        from cxdesk.core.importers.ratings import detect_scale

        col = roles["rating"]
        changes["rating_scale"] = detect_scale(r[col] for r in values if col < len(r))
    if "time" in roles and "day_first" in fields:
        from cxdesk.core.importers.dates import guess_day_first

        col = roles["time"]
        changes["day_first"] = guess_day_first(r[col] for r in values if col < len(r))
    return plan.with_changes(**changes)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return text if len(text) <= 300 else text[:300] + "…"


def _row_values(row: Any) -> list:
    """A preview row as a list of cells, whatever shape the reader hands out."""
    if isinstance(row, (list, tuple)):
        return list(row)
    for attr in ("values", "cells", "raw"):
        value = getattr(row, attr, None)
        if isinstance(value, (list, tuple)):
            return list(value)
    if isinstance(row, dict):
        for key in ("values", "cells", "raw"):
            if isinstance(row.get(key), (list, tuple)):
                return list(row[key])
        return list(row.values())
    return [row]


def _row_number(row: Any, fallback: int) -> int:
    for attr in ("row", "line", "row_number", "source_row"):
        value = getattr(row, attr, None)
        if value is None and isinstance(row, dict):
            value = row.get(attr)
        if isinstance(value, int):
            return value
    return fallback


# ---------------------------------------------------------------------------------------------
# Preview model


class ImportPreviewModel(QAbstractTableModel):
    """The first rows of the file as the import will read them, pulled page by page from an iterator
    (`canFetchMore`/`fetchMore`).

    Rows are the importer's preview rows (`values` plus the parsed `time`/`rating` and their errors).
    For the time and rating columns the display shows how the value was understood
    (`昨天 10:21 → 2024-03-04 10:21`), in red with the reason when it could not be read.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._columns: list[str] = []
        self._rows: list = []
        self._source: Iterator | None = None
        self._exhausted = True
        self._roles: dict[int, str] = {}

    # ------------------------------------------------------------ feeding

    def set_source(self, columns: list[str], rows, roles: dict[int, str]) -> None:
        """Columns, an iterable of preview rows (consumed lazily) and the role of each column."""
        self.beginResetModel()
        self._columns = [str(c) if c is not None else "" for c in columns]
        self._rows = []
        self._source = iter(rows)
        self._exhausted = False
        self._roles = dict(roles)
        self.endResetModel()

    def replace_rows(self, rows: list, roles: dict[int, str]) -> None:
        """Same rows parsed again (roles changed): keep what the view has fetched, refresh the cells."""
        loaded = len(self._rows)
        self._roles = dict(roles)
        if len(rows) < loaded:
            self.set_source(self._columns, rows, roles)
            return
        self._rows = list(rows[:loaded])
        self._source = iter(rows[loaded:])
        self._exhausted = loaded >= len(rows)
        if loaded and self._columns:
            self.dataChanged.emit(self.index(0, 0), self.index(loaded - 1, len(self._columns) - 1))
        self.headerDataChanged.emit(Qt.Horizontal, 0, max(len(self._columns) - 1, 0))

    def clear(self) -> None:
        self.set_source([], [], {})
        self._exhausted = True

    def roles(self) -> dict[int, str]:
        return dict(self._roles)

    def preview_row(self, row: int):
        return self._rows[row]

    # ------------------------------------------------------------ Qt model

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802 - Qt override
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802 - Qt override
        if parent.isValid() or self._exhausted or self._source is None:
            return
        batch = []
        for _i in range(FETCH_PAGE):
            try:
                batch.append(next(self._source))
            except StopIteration:
                self._exhausted = True
                break
        if not batch:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(batch) - 1)
        self._rows.extend(batch)
        self.endInsertRows()

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):  # noqa: N802 - Qt override
        if orientation == Qt.Horizontal:
            if 0 <= section < len(self._columns):
                name = self._columns[section] or _("(no name)")
                if role == Qt.DisplayRole:
                    return name
                if role == Qt.ToolTipRole:
                    return _("Column {n}: {name}").format(n=section + 1, name=name)
            return None
        if 0 <= section < len(self._rows):
            number = _row_number(self._rows[section], section + 1)
            if role == Qt.DisplayRole:
                return str(number)
            if role == Qt.ToolTipRole:
                return _("Row {row} of the file").format(row=number)
        return None

    def flags(self, index: QModelIndex):
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable if index.isValid() else Qt.NoItemFlags

    def _cell(self, row: int, column: int):
        values = _row_values(self._rows[row])
        return values[column] if column < len(values) else None

    def _parsed(self, row: int, kind: str) -> tuple[str | None, str | None]:
        item = self._rows[row]
        if kind == "time":
            text = getattr(item, "time", None)
            if isinstance(text, str):
                # Seconds are noise for a review time; a bare midnight is a date without a clock.
                text = text[:10] if text.endswith(" 00:00:00") else (text[:16] if text.endswith(":00") else text)
            return text, getattr(item, "time_error", None)
        value, error = getattr(item, "rating", None), getattr(item, "rating_error", None)
        if value is None:
            return None, error
        stars = f"{float(value):.1f}".rstrip("0").rstrip(".")
        return _("{stars} of 5").format(stars=stars), error

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self._columns):
            return None
        value = self._cell(index.row(), index.column())
        if role == RawValueRole:
            return value
        col_role = self._roles.get(index.column(), IGNORE)
        parse = col_role in ("time", "rating")
        if role in (ParsedRole, ParseErrorRole):
            if not parse:
                return None
            parsed, error = self._parsed(index.row(), col_role)
            return parsed if role == ParsedRole else error
        if role == Qt.DisplayRole:
            text = _cell_text(value).replace("\n", " ⏎ ")
            if parse and text:
                parsed, error = self._parsed(index.row(), col_role)
                if error:
                    return f"{text}  ✗"
                if parsed is not None and parsed != text:
                    return f"{text}  →  {parsed}"
            return text
        if role == Qt.ToolTipRole:
            text = _cell_text(value)
            if parse and text:
                parsed, error = self._parsed(index.row(), col_role)
                if error:
                    return _("Cannot read “{value}”: {reason}").format(value=text, reason=error)
                if parsed is not None:
                    return _("Read as {parsed}").format(parsed=parsed)
            return text if len(text) > 40 else None
        if role == Qt.ForegroundRole and parse:
            parsed, error = self._parsed(index.row(), col_role)
            if error:
                return ERROR_COLOURS[_dark()]
            if parsed is not None:
                return PARSED_COLOURS[_dark()]
        if role == Qt.FontRole and col_role == IGNORE and self._roles:
            font = QFont()
            font.setItalic(True)
            return font
        return None


class RejectedRowsModel(QAbstractTableModel):
    """Rejected rows of an import: row, column, original value, reason."""

    HEADERS = (N_("Row"), N_("Column"), N_("Value in the file"), N_("Reason"))

    def __init__(self, rows: list | None = None, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[tuple] = []
        self.set_rows(rows or [])

    def set_rows(self, rows: list) -> None:
        self.beginResetModel()
        self._rows = [self._as_tuple(r) for r in rows]
        self.endResetModel()

    @staticmethod
    def _as_tuple(r) -> tuple:
        if isinstance(r, dict):
            return (r.get("row"), r.get("column"), r.get("value"), r.get("reason"))
        if isinstance(r, (list, tuple)):
            return tuple(list(r) + [None] * 4)[:4]
        return (getattr(r, "row", None), getattr(r, "column", None), getattr(r, "value", None),
                getattr(r, "reason", None))

    def rows(self) -> list[tuple]:
        return list(self._rows)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation, role=Qt.DisplayRole):  # noqa: N802 - Qt override
        if role == Qt.DisplayRole and orientation == Qt.Horizontal and 0 <= section < len(self.HEADERS):
            return _(self.HEADERS[section])
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= 4:
            return None
        value = self._rows[index.row()][index.column()]
        if role == RawValueRole:
            return value
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            return "" if value is None else _cell_text(value)
        return None


def write_rejected(path: Path, rows: list[tuple]) -> Path:
    """Save rejected rows as .xlsx or .csv (by suffix); customer text never becomes a formula."""
    path = Path(path)
    headers = [_(h) for h in RejectedRowsModel.HEADERS]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        from cxdesk.core.reports.cells import excel_text

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(_("Rejected rows"))
        ws.append(headers)
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    cells.append(value)
                    continue
                from openpyxl.cell import WriteOnlyCell

                cell = WriteOnlyCell(ws, value=excel_text(value).text)
                cell.data_type = "s"  # a value starting with "=" stays text
                cells.append(cell)
            ws.append(cells)
        wb.save(str(path))
        return path
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens Chinese correctly
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            out = []
            for value in row:
                text = "" if value is None else str(value)
                if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not isinstance(value, (int, float)):
                    text = "'" + text
                out.append(text)
            writer.writerow(out)
    return path


def _final_step_not_cancellable(progress):
    """The importer reports 100 % after its transaction committed; a Cancel landing exactly then
    must not turn a finished import into a "cancelled" message while the rows are in."""
    from cxdesk.core.progress import Cancelled

    def report(done: int, total: int, message: str) -> None:
        try:
            progress(done, total, message)
        except Cancelled:
            if not (total and done >= total):
                raise

    return report


# ---------------------------------------------------------------------------------------------
# Role choosers in the header


class RoleHeaderView(QHeaderView):
    """A horizontal header with a role chooser above each column name."""

    role_changed = Signal(int, str)   # column, role ("" = ignore)

    def __init__(self, parent=None) -> None:
        super().__init__(Qt.Horizontal, parent)
        self.setSectionsClickable(False)
        self.setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.setMinimumSectionSize(90)
        self.combos: list[QComboBox] = []
        self._roles = role_names()
        probe = QComboBox()
        self._combo_height = probe.sizeHint().height()
        probe.deleteLater()
        self.sectionResized.connect(lambda *_a: self.place_combos())
        self.sectionMoved.connect(lambda *_a: self.place_combos())
        self.geometriesChanged.connect(self.place_combos)

    def set_columns(self, count: int, by_column: dict[int, str]) -> None:
        for combo in self.combos:
            combo.deleteLater()
        self.combos = []
        for col in range(count):
            combo = QComboBox(self.viewport())
            for role in self._roles:
                combo.addItem(role_label(role), role)
                if role in ROLE_TIPS:
                    combo.setItemData(combo.count() - 1, _(ROLE_TIPS[role]), Qt.ToolTipRole)
            combo.setAccessibleName(_("Role of column {n}").format(n=col + 1))
            combo.setCurrentIndex(max(0, combo.findData(by_column.get(col, IGNORE))))
            self._style(combo)
            combo.currentIndexChanged.connect(lambda _i, c=col: self._on_combo(c))
            combo.show()
            self.combos.append(combo)
        self.place_combos()

    def set_roles(self, by_column: dict[int, str]) -> None:
        for col, combo in enumerate(self.combos):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(by_column.get(col, IGNORE))))
            combo.blockSignals(False)
            self._style(combo)

    def role_of(self, column: int) -> str:
        return self.combos[column].currentData() if 0 <= column < len(self.combos) else IGNORE

    def _style(self, combo: QComboBox) -> None:
        font = combo.font()
        font.setBold(combo.currentData() != IGNORE)
        combo.setFont(font)

    def _on_combo(self, column: int) -> None:
        self._style(self.combos[column])
        self.role_changed.emit(column, self.combos[column].currentData())

    def place_combos(self) -> None:
        for col, combo in enumerate(self.combos):
            if col >= self.count() or self.isSectionHidden(col):
                combo.hide()
                continue
            x = self.sectionViewportPosition(col)
            combo.setGeometry(x + 2, 2, max(self.sectionSize(col) - 4, 20), self._combo_height)
            combo.show()

    def sizeHint(self):  # noqa: N802 - Qt override
        size = super().sizeHint()
        size.setHeight(size.height() + self._combo_height + 6)
        return size

    def paintSection(self, painter, rect: QRect, logical_index: int) -> None:  # noqa: N802 - Qt override
        # The column name sits in the lower part; the chooser covers the upper part.
        painter.save()
        super().paintSection(painter, rect.adjusted(0, self._combo_height + 4, 0, 0), logical_index)
        painter.restore()


# ---------------------------------------------------------------------------------------------
# Undo of an import


class ImportCommand(QUndoCommand):
    """Undo removes the imported rows (`undo_import`); redo imports the same file with the same plan."""

    def __init__(self, ctx: AppContext, plan, source_id: int, file_name: str) -> None:
        super().__init__(_("Import “{name}”").format(name=file_name))
        self.ctx = ctx
        self.plan = plan
        self.source_id = source_id
        self._first = True
        self.last_task = None

    def redo(self) -> None:
        if self._first:  # the import itself already happened in the wizard
            self._first = False
            return
        plan = self.plan

        def work(db, progress):
            return _importers().import_file(db, plan, progress)

        task = self.ctx.run_task(work, title=_("Importing"))
        task.signals.finished.connect(self._on_redone)
        task.signals.failed.connect(lambda msg: self.ctx.status_message.emit(msg))
        self.last_task = task

    def _on_redone(self, result) -> None:
        self.source_id = getattr(result, "source_id", self.source_id)
        self.ctx.notify(getattr(result, "changes", None) or Changes(feedback=True, sources=True))
        # Newly imported rows need scores again.
        def work(db, progress):
            from cxdesk.ui.tasks import analyze_in_background

            return analyze_in_background(db, progress)

        task = self.ctx.run_task(work, title=_("Analyzing feedback"))
        task.signals.finished.connect(lambda _r: self.ctx.notify(Changes(feedback=True, topics=True, alerts=True)))
        self.last_task = task

    def undo(self) -> None:
        source_id = self.source_id

        def work(db, progress):
            return _importers().undo_import(db, source_id)

        task = self.ctx.run_task(work, title=_("Undoing the import"))
        task.signals.finished.connect(
            lambda changes: self.ctx.notify(changes or Changes(feedback=True, sources=True, topics=True)))
        task.signals.failed.connect(lambda msg: self.ctx.status_message.emit(msg))
        self.last_task = task


# ---------------------------------------------------------------------------------------------
# The wizard


class ImportWizard(QDialog):
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

    def _build_plan_page(self) -> QWidget:
        page = QWidget(self)
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.file_label = QLabel(page)
        font = self.file_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.file_label.setFont(font)
        self.file_label.setText(self.path.name)
        self.type_label = QLabel(page)
        self.type_label.setText(_("Reading the file…"))
        top = QHBoxLayout()
        top.addWidget(self.file_label)
        top.addWidget(self.type_label, 1)
        self.other_file_button = QPushButton(_("Choose another file…"), page)
        self.other_file_button.clicked.connect(self._choose_other_file)
        top.addWidget(self.other_file_button)
        v.addLayout(top)

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
        self.reference_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
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
        self.encoding_combo.setMinimumWidth(240)
        self.sheet_combo.setMinimumWidth(200)
        self.header_spin.setMinimumWidth(90)
        self.reference_edit.setMinimumWidth(200)
        grid.setColumnStretch(4, 1)
        v.addLayout(grid)

        self.warnings_label = QLabel(page)
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #9a6700;")
        self.warnings_label.hide()
        v.addWidget(self.warnings_label)
        hint = QLabel(_("Above each column, choose what it holds. At least one column must be “Text”. "
                        "Times and ratings show how cxdesk read them; red means it could not."), page)
        hint.setWordWrap(True)
        v.addWidget(hint)

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
        v.addWidget(self.preview, 1)
        self.overlay = BusyOverlay(self.preview, delay_ms=200)

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
        v.addLayout(bottom)

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

    def _build_run_page(self) -> QWidget:
        page = QWidget(self)
        v = QVBoxLayout(page)
        v.addStretch(1)
        self.run_title = QLabel(page)
        font = self.run_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.run_title.setFont(font)
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
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.run_progress, 3)
        row.addStretch(1)
        v.addLayout(row)
        self.run_note = QLabel(_("Cancelling the import leaves the database exactly as it was."), page)
        self.run_note.setAlignment(Qt.AlignCenter)
        self.run_note.setEnabled(False)
        v.addWidget(self.run_note)
        row2 = QHBoxLayout()
        row2.addStretch(1)
        row2.addWidget(self.run_cancel)
        row2.addStretch(1)
        v.addLayout(row2)
        v.addStretch(2)
        return page

    def _build_report_page(self) -> QWidget:
        page = QWidget(self)
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.report_title = QLabel(page)
        font = self.report_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.report_title.setFont(font)
        v.addWidget(self.report_title)
        counts = QHBoxLayout()
        self.count_labels: dict[str, QLabel] = {}
        for key in ("imported", "duplicates", "rejected"):
            box = QFrame(page)
            box.setFrameShape(QFrame.StyledPanel)
            box.setSizePolicy(box.sizePolicy().horizontalPolicy(), QSizePolicy.Maximum)
            bl = QVBoxLayout(box)
            number = QLabel("0", box)
            nf = number.font()
            nf.setPointSizeF(nf.pointSizeF() * 1.8)
            nf.setBold(True)
            number.setFont(nf)
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

    def _set_plan_controls_enabled(self, enabled: bool) -> None:
        for w in (self.encoding_combo, self.sheet_combo, self.header_spin, self.reference_edit):
            w.setEnabled(enabled)
        self.import_button.setEnabled(enabled and self.plan is not None)

    # ------------------------------------------------------------------ sniffing and preview

    def sniff(self, **options) -> None:
        """Read the file's plan afresh in a worker (remembered column roles are applied)."""
        path = self.path
        options = {k: v for k, v in options.items() if v is not None}

        def work(db, progress):
            importers = _importers()
            plan = importers.sniff_file(path, db=db, **options)
            return plan, importers.preview_rows(plan, PREVIEW_ROWS)

        self._start_read(work)

    def replan(self, **changes) -> None:
        """Apply `changes` (encoding, sheet, header_row, reference_time) to the plan in a worker;
        the importer re-reads the file and keeps the roles of columns that are still there."""
        if self.plan is None:
            return
        plan = self.plan

        def work(db, progress):
            importers = _importers()
            new = plan.with_changes(**changes)
            return new, importers.preview_rows(new, PREVIEW_ROWS)

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

    def _fill_controls(self, plan) -> None:
        bits = [file_type_label(plan.file_type)]
        size = getattr(plan, "size", 0) or 0
        if size:
            bits.append(self._human_size(size))
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
        hidden = set(getattr(plan, "hidden_sheets", []) or [])
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

        warnings = [str(w) for w in (plan.warnings or [])]
        self.warnings_label.setText("\n".join("⚠ " + w for w in warnings))
        self.warnings_label.setVisible(bool(warnings))

    @staticmethod
    def _human_size(n: int) -> str:
        if n < 1024:
            return f"{n} B"
        if n < 1024 * 1024:
            return f"{n / 1024:.0f} KB"
        return f"{n / 1024 / 1024:.1f} MB"

    def _update_rows_hint(self, n: int) -> None:
        self.rows_hint.setText(ngettext("Preview of the first {n} data row", "Preview of the first {n} data rows",
                                        n).format(n=n))

    def _update_import_enabled(self, *, quiet: bool = False) -> None:
        has_text = self.plan is not None and "text" in self.plan.roles
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
        self.plan = plan_with_roles(self.plan, roles_from_columns(by_column))
        by_column = roles_by_column(self.plan)
        self.header.set_roles(by_column)
        rows = _importers().preview_rows(self.plan, PREVIEW_ROWS)  # in memory: no file access
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

    # ------------------------------------------------------------------ import and analysis

    def start_import(self):
        """Import with the current plan (off the GUI thread); returns the task."""
        if self.plan is None:
            return None
        if "text" not in self.plan.roles:
            self._update_import_enabled()
            return None
        settings.set(settings.IMPORT_ANALYZE_AFTER, self.analyze_check.isChecked())
        plan = self.plan

        def work(db, progress):
            importers = _importers()
            result = importers.import_file(db, plan, _final_step_not_cancellable(progress))
            if not getattr(result, "already_imported", False):
                try:
                    importers.remember_mapping(db, plan)
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

    def _on_imported(self, result) -> None:
        self.result = result
        changes = getattr(result, "changes", None) or Changes(feedback=True, sources=True)
        self.ctx.notify(changes)
        source_id = getattr(result, "source_id", None)
        imported = int(getattr(result, "imported", 0) or 0)
        if source_id is not None and imported > 0 and not getattr(result, "already_imported", False):
            self.command = ImportCommand(self.ctx, self.plan, int(source_id), self.path.name)
            self.ctx.undo_stack.push(self.command)
        self.import_finished.emit(result)
        if imported > 0 and self.analyze_check.isChecked():
            self.start_analysis()
        else:
            self._show_report()

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

    # ------------------------------------------------------------------ report

    def _show_report(self, note: str = "") -> None:
        result = self.result
        imported = int(getattr(result, "imported", 0) or 0)
        duplicates = int(getattr(result, "duplicates", 0) or 0)
        rejected = list(getattr(result, "rejected", []) or [])
        rejected_total = max(int(getattr(result, "rejected_total", 0) or 0), len(rejected))
        if getattr(result, "already_imported", False):
            when = getattr(result, "previous_import", None)
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
        red = "color: #c0392b;" if rejected_total else ""
        self.count_labels["rejected"].setStyleSheet(red)
        lines = []
        updated = int(getattr(result, "updated", 0) or 0)
        if updated:
            lines.append(ngettext("{n} review came back with edited text; the earlier text is kept.",
                                  "{n} reviews came back with edited text; the earlier texts are kept.",
                                  updated).format(n=updated))
        for w in getattr(result, "warnings", []) or []:
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
        listed = rejected + list(getattr(result, "notes", []) or [])
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
        self.view_button.setEnabled(imported > 0 and getattr(result, "source_id", None) is not None)
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
        source_id = getattr(self.result, "source_id", None)
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

    # ------------------------------------------------------------------ closing

    def _restore_geometry(self) -> None:
        geometry = settings.get(settings.IMPORT_DIALOG_GEOMETRY)
        if not geometry or not self.restoreGeometry(geometry):
            self.resize(980, 640)

    def done(self, code: int) -> None:
        self._generation += 1  # results of reads still running are dropped
        if self.task is not None and not self.task.done.is_set():
            if self.pages.currentIndex() == self.PAGE_RUN:
                self.cancel_task()
                return  # closes when the task has rolled back
            self.task.cancel()
        settings.set(settings.IMPORT_DIALOG_GEOMETRY, bytes(self.saveGeometry().data()))
        super().done(code)
