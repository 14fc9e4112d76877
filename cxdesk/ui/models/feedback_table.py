"""The feedback table over SQLite: the filtered, sorted ids in memory, rows loaded by page on demand.

A new filter or sort runs one SQL statement that returns ids only (`core.feedback.query_ids`) and
resets the model; `data()` loads rows by primary key in pages of `PAGE_SIZE` into a bounded LRU cache,
so scrolling through a million rows keeps only a few thousand in memory. There is no proxy sorting.

When a query matches many rows, the first `FIRST_ROWS` ids are fetched at once (shown immediately)
and the full id list is collected by a `loader` (the screen runs it off the GUI thread); the rest is
then appended with `beginInsertRows`, so the selection and scroll position survive.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from cxdesk.core import feedback as fb
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.formatting import time_text
from cxdesk.i18n import _

RAW_ROLE = Qt.UserRole + 1      # the column's raw value (str, float, tuple of topics, None)
ID_ROLE = Qt.UserRole + 2       # the row's feedback id
ROW_ROLE = Qt.UserRole + 3      # the whole FeedbackRow

# data() runs thousands of times per repaint: compare plain ints, not Qt enum objects.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_RAW, _ID, _ROW = (int(getattr(r, "value", r)) for r in (RAW_ROLE, ID_ROLE, ROW_ROLE))
_HANDLED = frozenset((_DISPLAY, _TOOLTIP, _ALIGN, _RAW, _ID, _ROW))
_CENTER = Qt.AlignmentFlag.AlignCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

PAGE_SIZE = 200
FIRST_ROWS = 400                # ids fetched up front; more arrive through the loader
MAX_PAGES = 40                  # at most 8,000 rows cached
TEXT_PREVIEW = 200              # characters of text shown in the cell; the detail pane has it all

# The browser's columns, with the same titles as the export's.
COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (key, title) for key, title in fb.EXPORT_COLUMNS
    if key in ("created_at", "channel", "rating", "label", "topics", "text"))
COLUMN_KEYS = tuple(key for key, _title in COLUMNS)


def stars(rating: float | None) -> str:
    if rating is None:
        return ""
    full = int(round(rating))
    return "★" * full + "☆" * max(0, 5 - full)


class FeedbackTableModel(QAbstractTableModel):
    """`set_query(filter, sort, descending)` chooses the rows; `reload()` re-runs the same query."""

    query_changed = Signal()       # after every reset (new filter, sort or reload)
    ids_complete = Signal()        # the full id list of the current query is in place

    def __init__(self, db_provider: Callable[[], object], parent=None, *,
                 loader: Callable[[Callable, Callable], None] | None = None) -> None:
        """`loader(fn, done)` runs `fn(db) -> ids` (ideally in a worker) and calls `done(ids)`."""
        super().__init__(parent)
        self._db = db_provider
        self._loader = loader
        self._generation = 0
        self.complete = True
        self._ids = np.zeros(0, dtype=np.int64)
        self._filter = FeedbackFilter()
        self._sort = "created_at"
        self._descending = True
        # page number -> {id: (row, display texts per column)}
        self._pages: OrderedDict[int, dict[int, tuple[fb.FeedbackRow, tuple[str, ...]]]] = OrderedDict()
        self.pages_loaded = 0       # how many page loads happened (for tests and benchmarks)

    # ---------------------------------------------------------------- query

    @property
    def filter(self) -> FeedbackFilter:
        return self._filter

    @property
    def sort_key(self) -> str:
        return self._sort

    @property
    def descending(self) -> bool:
        return self._descending

    def set_query(self, flt: FeedbackFilter | None = None, sort: str | None = None,
                  descending: bool | None = None) -> None:
        if flt is not None:
            self._filter = flt
        if sort is not None:
            self._sort = sort
        if descending is not None:
            self._descending = descending
        self._generation += 1
        flt, sort, desc = self._filter, self._sort, self._descending
        first = fb.query_ids(self._db(), flt, sort, desc, limit=FIRST_ROWS)
        self.complete = first.shape[0] < FIRST_ROWS
        self.beginResetModel()
        self._ids = first
        self._pages.clear()
        self.endResetModel()
        self.query_changed.emit()
        if self.complete:
            self.ids_complete.emit()
            return
        generation = self._generation

        def fetch(db):
            return fb.query_ids(db, flt, sort, desc)

        def done(ids) -> None:
            self._on_full_ids(generation, ids)

        if self._loader is None:
            done(fetch(self._db()))
        else:
            self._loader(fetch, done)

    def _on_full_ids(self, generation: int, ids) -> None:
        if generation != self._generation or ids is None:
            return  # a newer query has replaced this one
        n = int(self._ids.shape[0])
        if ids.shape[0] >= n and np.array_equal(ids[:n], self._ids):
            if ids.shape[0] > n:
                self.beginInsertRows(QModelIndex(), n, int(ids.shape[0]) - 1)
                self._ids = ids
                self.endInsertRows()
        else:  # the data changed in between: show the new list as a whole
            self.beginResetModel()
            self._ids = ids
            self._pages.clear()
            self.endResetModel()
        self.complete = True
        self.ids_complete.emit()

    def reload(self) -> None:
        self.set_query()

    def clear(self) -> None:
        self._generation += 1
        self.complete = True
        self.beginResetModel()
        self._ids = np.zeros(0, dtype=np.int64)
        self._pages.clear()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.AscendingOrder) -> None:  # noqa: A003
        if 0 <= column < len(COLUMNS):
            self.set_query(sort=COLUMN_KEYS[column], descending=order == Qt.DescendingOrder)

    def sort_column(self) -> int:
        return COLUMN_KEYS.index(self._sort) if self._sort in COLUMN_KEYS else -1

    # ---------------------------------------------------------------- rows

    def total(self) -> int:
        return int(self._ids.shape[0])

    def id_at(self, row: int) -> int:
        return int(self._ids[row])

    def all_ids(self) -> list[int]:
        return self._ids.tolist()

    def row_of(self, feedback_id: int) -> int:
        """The row showing `feedback_id`, or -1."""
        found = np.flatnonzero(self._ids == int(feedback_id))
        return int(found[0]) if found.size else -1

    def rows_of(self, ids) -> np.ndarray:
        """Sorted row numbers showing any of `ids` (one pass over the id list)."""
        if not len(ids) or not self._ids.shape[0]:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.isin(self._ids, np.asarray(list(ids), dtype=np.int64)))

    def ids_of_rows(self, rows) -> list[int]:
        index = np.unique(np.asarray(rows, dtype=np.int64))
        index = index[(index >= 0) & (index < self._ids.shape[0])]
        return self._ids[index].tolist()

    def row_at(self, row: int) -> fb.FeedbackRow | None:
        entry = self._entry(row)
        return entry[0] if entry is not None else None

    def _entry(self, row: int):
        if not 0 <= row < self._ids.shape[0]:
            return None
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            page = self._load_page(page_no)
        elif page_no != next(reversed(self._pages)):
            self._pages.move_to_end(page_no)
        return page.get(int(self._ids[row]))

    def cached_rows(self) -> int:  # noqa: D401
        return sum(len(p) for p in self._pages.values())

    def _load_page(self, page_no: int) -> dict[int, fb.FeedbackRow]:
        start = page_no * PAGE_SIZE
        ids = self._ids[start:start + PAGE_SIZE].tolist()
        page = {r.id: (r, tuple(self._display(r, key) for key in COLUMN_KEYS)) for r in fb.fetch_rows(self._db(), ids)}
        self._pages[page_no] = page
        self.pages_loaded += 1
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def forget_rows(self) -> None:
        """Drop cached rows (after an edit) and repaint; the id list stays."""
        self._pages.clear()
        if self.total():
            self.dataChanged.emit(self.index(0, 0), self.index(self.total() - 1, len(COLUMNS) - 1))

    # ---------------------------------------------------------------- Qt model API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else int(self._ids.shape[0])

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if orientation == Qt.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.DisplayRole:
                return _(COLUMNS[section][1])
            if role == RAW_ROLE:
                return COLUMNS[section][0]
        if orientation == Qt.Vertical and role == Qt.DisplayRole and 0 <= section < self.total():
            return str(section + 1)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _FLAGS

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        role = int(getattr(role, "value", role))
        if role not in _HANDLED or not index.isValid():
            return None
        column = index.column()
        if not 0 <= column < len(COLUMNS):
            return None
        entry = self._entry(index.row())
        if entry is None:
            return None
        row, display = entry
        if role == _DISPLAY:
            return display[column]
        key = COLUMN_KEYS[column]
        if role == _ID:
            return row.id
        if role == _ROW:
            return row
        if role == _RAW:
            return getattr(row, key)
        if role == _TOOLTIP:
            if key == "text" and row.text:
                return row.text if len(row.text) <= 600 else row.text[:600] + "…"
            if key == "label" and row.manual_label:
                return _("Corrected by you (the model said: {label})").format(
                    label=fb.label_name(row.model_label) or _("not analysed"))
            if key == "rating" and row.rating_raw:
                return _("In the file: {value}").format(value=row.rating_raw)
            return None
        if role == _ALIGN:
            return _CENTER if key in ("rating", "label") else _LEFT
        return None

    def _display(self, row: fb.FeedbackRow, key: str) -> str:
        if key == "created_at":
            return time_text(row.created_at) if row.created_at else ""
        if key == "channel":
            return row.channel or ""
        if key == "rating":
            return stars(row.rating)
        if key == "label":
            return fb.label_name(row.label)
        if key == "topics":
            return "、".join(row.topics)
        text = row.text[:TEXT_PREVIEW]
        return " ".join(text.split()) + ("…" if len(row.text) > TEXT_PREVIEW else "")
