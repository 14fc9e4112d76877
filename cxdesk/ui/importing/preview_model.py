"""Table models of the import wizard: the file's first rows as the import will read them, and the
rows an import rejected (with saving them to a workbook)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from cxdesk.core.formatting import day_text, time_text
from cxdesk.core.importers import RejectedRow
from cxdesk.i18n import N_, _
from cxdesk.ui import theme
from cxdesk.ui.importing.labels import IGNORE

RawValueRole = Qt.UserRole + 1      # the cell as read from the file
ParsedRole = Qt.UserRole + 2        # parsed time/rating text, or None
ParseErrorRole = Qt.UserRole + 3    # reason the value could not be parsed, or None

FETCH_PAGE = 50           # rows the view pulls at a time


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return text if len(text) <= 300 else text[:300] + "…"


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
            number = self._rows[section].row
            if role == Qt.DisplayRole:
                return str(number)
            if role == Qt.ToolTipRole:
                return _("Row {row} of the file").format(row=number)
        return None

    def flags(self, index: QModelIndex):
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable if index.isValid() else Qt.NoItemFlags

    def _cell(self, row: int, column: int):
        values = self._rows[row].values
        return values[column] if column < len(values) else None

    def _parsed(self, row: int, kind: str) -> tuple[str | None, str | None]:
        item = self._rows[row]
        if kind == "time":
            text = item.time
            if text is not None:
                # Seconds are noise for a review time; a bare midnight is a date without a clock.
                text = day_text(text[:10]) if text.endswith(" 00:00:00") else time_text(text)
            return text, item.time_error
        value, error = item.rating, item.rating_error
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
                return QColor(theme.ERROR_TEXT[theme.is_dark()])
            if parsed is not None:
                return QColor(theme.PARSED_TEXT[theme.is_dark()])
        if role == Qt.FontRole and col_role == IGNORE and self._roles:
            font = QFont()
            font.setItalic(True)
            return font
        return None


class RejectedRowsModel(QAbstractTableModel):
    """Rejected rows of an import: row, column, original value, reason."""

    HEADERS = (N_("Row"), N_("Column"), N_("Value in the file"), N_("Reason"))

    def __init__(self, rows: list[RejectedRow] | None = None, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[tuple] = []
        self.set_rows(rows or [])

    def set_rows(self, rows: list[RejectedRow]) -> None:
        self.beginResetModel()
        self._rows = [(r.row, r.column, r.value, r.reason) for r in rows]
        self.endResetModel()

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
