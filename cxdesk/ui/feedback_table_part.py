"""The feedback browser's table beside its detail pane: column widths, the sentiment chip, search words
marked in the text column, a sentence instead of an empty grid, and a splitter that gives the text the room."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QSplitter, QTableView, QTextBrowser,
                               QVBoxLayout)

from cxdesk.i18n import _
from cxdesk.ui.feedback_view import SearchHitDelegate, SentimentChipDelegate
from cxdesk.ui.models.feedback_table import COLUMN_KEYS

DETAIL_SHARE = 0.27          # of the splitter's width for the detail pane; the table (its text column) gets the rest
DETAIL_MIN_PX, DETAIL_MAX_PX = 240, 420


def build_table_and_detail(screen, layout: QVBoxLayout) -> None:
    """The table of rows beside the detail pane (attributes `table`, `detail`, `splitter`, `empty_label`)."""
    screen.splitter = QSplitter(Qt.Horizontal, screen)
    screen.table = QTableView(screen.splitter)
    screen.table.setModel(screen.model)
    screen.table.setSelectionBehavior(QAbstractItemView.SelectRows)
    screen.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
    screen.table.setSortingEnabled(False)  # sorting is set by the header click handler below
    screen.table.setAlternatingRowColors(True)
    screen.table.setWordWrap(False)
    screen.table.setContextMenuPolicy(Qt.CustomContextMenu)
    screen.table.customContextMenuRequested.connect(screen._on_context_menu)
    screen.table.verticalHeader().hide()
    screen.table.verticalHeader().setDefaultSectionSize(screen.fontMetrics().height() + 10)
    screen.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
    header = screen.table.horizontalHeader()
    header.setSectionsClickable(True)
    header.setSortIndicatorShown(True)
    header.setSortIndicator(COLUMN_KEYS.index("created_at"), Qt.DescendingOrder)
    header.sortIndicatorChanged.connect(screen._on_sort_changed)
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    # The header asks its selection model whether each column is fully selected, which walks
    # every row (seconds after select-all on 1M rows); it gets a selection model of its own.
    screen._header_selection = QItemSelectionModel(screen.model, screen)
    header.setSelectionModel(screen._header_selection)
    fm = screen.fontMetrics()
    widths = {"created_at": fm.horizontalAdvance("2024-12-31 23:59") + 24,
              "channel": fm.horizontalAdvance("渠道渠道渠道") + 16,
              "rating": fm.horizontalAdvance("★★★★★") + 20,
              "label": fm.horizontalAdvance("无法判断 ✎") + 30,
              "topics": fm.horizontalAdvance("主题主题、主题主题") + 16}
    for col, key in enumerate(COLUMN_KEYS):
        if key in widths:
            screen.table.setColumnWidth(col, widths[key])
    screen.table.setItemDelegateForColumn(COLUMN_KEYS.index("label"), SentimentChipDelegate(screen.table))
    screen.text_delegate = SearchHitDelegate(screen.table)
    screen.table.setItemDelegateForColumn(COLUMN_KEYS.index("text"), screen.text_delegate)
    screen.empty_label = QLabel(screen.table.viewport())
    screen.empty_label.setAlignment(Qt.AlignCenter)
    screen.empty_label.setWordWrap(True)
    screen.empty_label.setStyleSheet("color: palette(dark); padding: 24px;")
    screen.empty_label.hide()
    screen.table.selectionModel().selectionChanged.connect(screen._on_selection_changed)
    screen.table.selectionModel().currentRowChanged.connect(screen._on_current_changed)

    screen.detail = QTextBrowser(screen.splitter)
    screen.detail.setOpenLinks(False)
    screen.splitter.addWidget(screen.table)
    screen.splitter.addWidget(screen.detail)
    screen.detail.setMinimumWidth(DETAIL_MIN_PX)
    screen.splitter.setStretchFactor(0, 1)
    screen.splitter.setStretchFactor(1, 0)
    screen.splitter.setSizes(splitter_sizes(1100))
    screen._fit = _KeepFitted(screen.splitter, screen.empty_label)
    layout.addWidget(screen.splitter, 1)


class _KeepFitted(QObject):
    """Until the owner drags the splitter, each resize gives the table (and its text column) the room;
    the empty-state sentence always covers the table's visible area."""

    def __init__(self, splitter: QSplitter, empty_label: QLabel) -> None:
        super().__init__(splitter)
        self.splitter, self.empty_label = splitter, empty_label
        self.moved = False
        splitter.splitterMoved.connect(self._on_moved)
        splitter.installEventFilter(self)
        empty_label.parentWidget().installEventFilter(self)

    def _on_moved(self, _pos: int, _index: int) -> None:
        self.moved = True

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Resize:
            if obj is self.splitter and not self.moved:
                self.splitter.setSizes(splitter_sizes(self.splitter.width()))
            elif obj is self.empty_label.parentWidget():
                self.empty_label.setGeometry(obj.rect())
        return False


def splitter_sizes(width: int) -> list[int]:
    """Table and detail pane widths for a splitter `width` px wide: the detail pane a quarter or so."""
    detail = max(DETAIL_MIN_PX, min(DETAIL_MAX_PX, int(width * DETAIL_SHARE)))
    return [max(width - detail, 0), detail]


def show_empty_state(screen, rows: int, search: str, filtered: bool) -> None:
    """A sentence in the middle of the table when no row matches, saying what to try."""
    label = screen.empty_label
    if rows or not (filtered or search.strip()):
        label.hide()
        return
    if search.strip():
        text = _("No feedback contains “{words}” with these filters. Try fewer or other words, or “Clear filters”.").format(
            words=search.strip())
    else:
        text = _("No feedback matches these filters. Choose other dates or “Clear filters”.")
    label.setText(text)
    label.setGeometry(screen.table.viewport().rect())
    label.show()
    label.raise_()
