"""The feedback browser: filter and search every row, read one in full, correct, tag, delete, export.

The table is a `FeedbackTableModel` (ids by query, rows by page). Edits go through undo commands
on `ctx.undo_stack`; each command runs its core call as a write task and the screen reloads when
the app-wide `data_changed` arrives.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence, QPainter, QPalette, QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cxdesk.core import feedback as fb
from cxdesk.core.changes import Changes
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.search import match_spans
from cxdesk.i18n import N_, _, ngettext
from cxdesk.ui.models.feedback_table import COLUMN_KEYS, ID_ROLE, RAW_ROLE, ROW_ROLE, FeedbackTableModel
from cxdesk.ui.widgets.date_range import DateRangePicker
from cxdesk.ui.widgets.message_bar import MessageBar

SEARCH_DELAY_MS = 250
COPY_LIMIT = 10_000   # rows put on the clipboard at most; exporting has no limit

# Chip colours (background, text) readable on light and dark palettes.
LABEL_COLOURS = {
    "positive": ("#dff3e4", "#1b5e20"),
    "neutral": ("#e8eaed", "#3c4043"),
    "negative": ("#fde2e1", "#a50e0e"),
    "unknown": ("#f1f3f4", "#5f6368"),
}

# Combo items carry a comma-joined key ("1,2"): Qt hands tuples back as lists, strings stay strings.
RATING_CHOICES: tuple[tuple[str, str], ...] = (
    (N_("All ratings"), ""),
    (N_("5 stars"), "5"),
    (N_("4 stars"), "4"),
    (N_("3 stars"), "3"),
    (N_("2 stars"), "2"),
    (N_("1 star"), "1"),
    (N_("Good (4–5 stars)"), "4,5"),
    (N_("Poor (1–2 stars)"), "1,2"),
    (N_("No rating"), "0"),
)

LABEL_CHOICES: tuple[tuple[str, str], ...] = (
    (N_("All sentiments"), ""),
    (N_("Positive"), "positive"),
    (N_("Neutral"), "neutral"),
    (N_("Negative"), "negative"),
    (N_("Unclear"), "unknown"),
)


def _key(values) -> str:
    return ",".join(str(v) for v in values)


class SentimentChipDelegate(QStyledItemDelegate):
    """Paints the sentiment as a small coloured chip; a pencil marks the owner's corrections.

    It draws the cell background with `drawPrimitive` and never calls `initStyleOption` or
    `QStyledItemDelegate.paint` from Python: with PySide6 6.12 on Python 3.11 those calls drop one
    reference to None per painted cell, which ends in a crash after enough repaints.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PE_PanelItemViewRow, option, painter, widget)
        style.drawPrimitive(QStyle.PE_PanelItemViewItem, option, painter, widget)
        label = index.data(RAW_ROLE)
        if not label:
            return
        text = index.data(Qt.DisplayRole) or ""
        row = index.data(ROW_ROLE)
        if row is not None and row.manual_label:
            text += " ✎"
        bg, fg = LABEL_COLOURS.get(label, LABEL_COLOURS["unknown"])
        fm = option.fontMetrics
        width = min(fm.horizontalAdvance(text) + 16, option.rect.width() - 6)
        height = min(fm.height() + 4, option.rect.height() - 4)
        center = option.rect.center()
        rect = QRectF(center.x() - width / 2, center.y() - height / 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(bg))
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor(fg))
        painter.drawText(rect, Qt.AlignCenter, text)
        painter.restore()


# ---------------------------------------------------------------------------------------------
# Undo commands: each runs core calls as a write task through the screen


class _EditCommand(QUndoCommand):
    def __init__(self, screen: "FeedbackScreen", text: str, do: Callable, undo: Callable) -> None:
        super().__init__(text)
        self._screen = screen
        self._do = do
        self._undo = undo

    select_after_undo: list[int] | None = None

    def redo(self) -> None:
        self._screen._run_edit(self._do, self.text())

    def undo(self) -> None:
        self._screen._run_edit(self._undo, self.text(), select=self.select_after_undo)


def _correct_label_command(screen, ids: list[int], label: str | None) -> _EditCommand:
    # The labels before the change are read by the first run, in the worker (a selection can be large).
    before: dict[int, str | None] = {}

    def do(db):
        if not before:
            before.update(fb.manual_labels(db, ids))
        return fb.correct_label(db, ids, label)

    def undo(db):
        changes = Changes()
        groups: dict[str | None, list[int]] = {}
        for fid, old in before.items():
            groups.setdefault(old, []).append(fid)
        for old, group in groups.items():
            changes = changes | fb.correct_label(db, group, old)
        return changes

    text = ngettext("Set sentiment of {n} row to “{label}”", "Set sentiment of {n} rows to “{label}”", len(ids)).format(
        n=len(ids), label=fb.label_name(label) if label else _("the model's judgement"))
    return _EditCommand(screen, text, do, undo)


def _tag_command(screen, ids: list[int], topic: str) -> _EditCommand:
    new_ids: list[int] | None = None   # rows that did not have the topic yet (found by the first run)

    def do(db):
        nonlocal new_ids
        if new_ids is None:
            already = fb.rows_with_topic(db, ids, topic)
            new_ids = [i for i in ids if i not in already]
        return fb.tag_rows(db, new_ids, topic) if new_ids else Changes()

    def undo(db):
        return fb.tag_rows(db, new_ids, topic, remove=True) if new_ids else Changes()

    text = ngettext("Tag {n} row with “{topic}”", "Tag {n} rows with “{topic}”", len(ids)).format(n=len(ids), topic=topic)
    return _EditCommand(screen, text, do, undo)


def _delete_command(screen, ids: list[int]) -> _EditCommand:
    text = ngettext("Delete {n} row", "Delete {n} rows", len(ids)).format(n=len(ids))
    command = _EditCommand(screen, text, lambda db: fb.delete_rows(db, ids), lambda db: fb.restore_rows(db, ids))
    command.select_after_undo = list(ids)  # the restored rows come back selected
    return command


# ---------------------------------------------------------------------------------------------


class FeedbackScreen(QWidget):
    """反馈: the table of feedback rows with filters, a detail pane and the owner's edits."""

    edit_finished = Signal()       # an edit (or its undo) was written and the table reloaded
    export_finished = Signal(object)
    reloaded = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._base = FeedbackFilter()       # conditions the filter boxes cannot show (ids, topic labels)
        self._dirty = False
        self._quiet = False
        self._pending_edits = 0
        self._options = fb.FilterOptions((), (), ())

        self._keep_after_load: tuple[list[int], int | None] | None = None
        self.model = FeedbackTableModel(self.ctx.read_db, self, loader=self._load_in_background)
        self.model.ids_complete.connect(self._on_ids_complete)
        self._build()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)

        ctx.data_changed.connect(self._on_data_changed)
        ctx.open_feedback_requested.connect(self.show_filter)
        ctx.database_changed.connect(lambda _p: self.reload())
        self.reload()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        self.message_bar = MessageBar(self)
        layout.addWidget(self.message_bar)

        # Row 1: search, dates, count
        top = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(_("Search feedback text (e.g. 物流 慢)…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setToolTip(_("Rows containing every word you type; separate words with spaces"))
        self.search_edit.textChanged.connect(self._on_search_text)
        self.search_edit.returnPressed.connect(self.apply_filters)
        self.date_range = DateRangePicker(self)
        self.date_range.changed.connect(lambda *_a: self.apply_filters())
        self.count_label = QLabel(self)
        self.count_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        top.addWidget(self.search_edit, 3)
        top.addWidget(self.date_range)
        top.addWidget(self.count_label)
        layout.addLayout(top)

        # Row 2: filter boxes
        row2 = QHBoxLayout()
        self.channel_combo = QComboBox(self)
        self.label_combo = QComboBox(self)
        self.topic_combo = QComboBox(self)
        self.rating_combo = QComboBox(self)
        self.source_combo = QComboBox(self)
        for title, labels in LABEL_CHOICES:
            self.label_combo.addItem(_(title), labels)
        for title, ratings in RATING_CHOICES:
            self.rating_combo.addItem(_(title), ratings)
        for combo, tip in ((self.channel_combo, _("Channel")), (self.label_combo, _("Sentiment")),
                           (self.topic_combo, _("Topic")), (self.rating_combo, _("Rating")),
                           (self.source_combo, _("Imported file"))):
            combo.setToolTip(tip)
            combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
            row2.addWidget(combo)
        self.clear_button = QPushButton(_("Clear filters"), self)
        self.clear_button.clicked.connect(self.clear_filters)
        row2.addWidget(self.clear_button)
        row2.addStretch(1)
        layout.addLayout(row2)

        # A note for conditions that came from elsewhere (an action's examples, a topic's complaints).
        self.base_bar = QWidget(self)
        base_layout = QHBoxLayout(self.base_bar)
        base_layout.setContentsMargins(0, 0, 0, 0)
        self.base_label = QLabel(self.base_bar)
        self.base_clear = QToolButton(self.base_bar)
        self.base_clear.setText(_("Show all rows"))
        self.base_clear.clicked.connect(self._clear_base)
        base_layout.addWidget(self.base_label)
        base_layout.addWidget(self.base_clear)
        base_layout.addStretch(1)
        self.base_bar.hide()
        layout.addWidget(self.base_bar)

        # Row 3: actions on the selection
        actions_row = QHBoxLayout()
        self.correct_button = QToolButton(self)
        self.correct_button.setText(_("Correct sentiment"))
        self.correct_button.setPopupMode(QToolButton.InstantPopup)
        self.correct_menu = QMenu(self)
        self.label_actions: dict[str | None, QAction] = {}
        for key in ("positive", "neutral", "negative", "unknown"):
            act = self.correct_menu.addAction(fb.label_name(key))
            act.triggered.connect(lambda _c=False, k=key: self.correct_selected(k))
            self.label_actions[key] = act
        self.correct_menu.addSeparator()
        act = self.correct_menu.addAction(_("Use the model's judgement again"))
        act.triggered.connect(lambda _c=False: self.correct_selected(None))
        self.label_actions[None] = act
        self.correct_button.setMenu(self.correct_menu)

        self.tag_action = QAction(_("Tag with topic…"), self)
        self.tag_action.triggered.connect(lambda: self.tag_selected())
        self.delete_action = QAction(_("Delete"), self)
        self.delete_action.setShortcut(QKeySequence.Delete)
        self.delete_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self.delete_selected)
        self.copy_action = QAction(_("Copy"), self)
        self.copy_action.setShortcut(QKeySequence.Copy)
        self.copy_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy_selected)
        self.export_action = QAction(_("Export…"), self)
        self.export_action.setToolTip(_("Save the rows shown (all pages) as an Excel or CSV file"))
        self.export_action.triggered.connect(lambda: self.export_rows())
        self.create_action_action = QAction(_("Create improvement action"), self)
        self.create_action_action.setToolTip(_("Start an improvement action with the selected rows as examples"))
        self.create_action_action.triggered.connect(self.create_action_from_selection)
        for act in (self.delete_action, self.copy_action):
            self.addAction(act)

        actions_row.addWidget(self.correct_button)
        self.action_buttons = {}
        for act in (self.tag_action, self.delete_action, self.copy_action, self.create_action_action):
            btn = QToolButton(self)
            btn.setDefaultAction(act)
            btn.setToolButtonStyle(Qt.ToolButtonTextOnly)
            actions_row.addWidget(btn)
            self.action_buttons[act] = btn
        self.selection_label = QLabel(self)
        actions_row.addWidget(self.selection_label)
        actions_row.addStretch(1)
        export_btn = QToolButton(self)
        export_btn.setDefaultAction(self.export_action)
        actions_row.addWidget(export_btn)
        layout.addLayout(actions_row)

        # Table | detail
        self.splitter = QSplitter(Qt.Horizontal, self)
        self.table = QTableView(self.splitter)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setSortingEnabled(False)  # sorting is set by the header click handler below
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(COLUMN_KEYS.index("created_at"), Qt.DescendingOrder)
        header.sortIndicatorChanged.connect(self._on_sort_changed)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        # The header asks its selection model whether each column is fully selected, which walks
        # every row (seconds after select-all on 1M rows); it gets a selection model of its own.
        self._header_selection = QItemSelectionModel(self.model, self)
        header.setSelectionModel(self._header_selection)
        fm = self.fontMetrics()
        widths = {"created_at": fm.horizontalAdvance("2024-12-31 23:59") + 24,
                  "channel": fm.horizontalAdvance("渠道渠道渠道") + 16,
                  "rating": fm.horizontalAdvance("★★★★★") + 20,
                  "label": fm.horizontalAdvance("无法判断 ✎") + 30,
                  "topics": fm.horizontalAdvance("主题主题、主题主题") + 16}
        for col, key in enumerate(COLUMN_KEYS):
            if key in widths:
                self.table.setColumnWidth(col, widths[key])
        self.table.setItemDelegateForColumn(COLUMN_KEYS.index("label"), SentimentChipDelegate(self.table))
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)

        self.detail = QTextBrowser(self.splitter)
        self.detail.setOpenLinks(False)
        self.detail.setMinimumWidth(220)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([780, 320])
        layout.addWidget(self.splitter, 1)
        self._update_selection_state()

    # ------------------------------------------------------------------ filters

    def current_filter(self) -> FeedbackFilter:
        date_from, date_to = self.date_range.range()
        changes = {"search": self.search_edit.text().strip(), "date_from": date_from, "date_to": date_to}
        channel = self.channel_combo.currentData()
        if channel is not None:
            changes["channels"] = (channel,)
        labels = self.label_combo.currentData()
        if labels:
            changes["labels"] = tuple(labels.split(","))
        topic = self.topic_combo.currentData()
        if topic:
            changes["topics"] = (topic,)
        ratings = self.rating_combo.currentData()
        if ratings:
            changes["ratings"] = tuple(int(r) for r in ratings.split(","))
        source = self.source_combo.currentData()
        if source:
            changes["sources"] = (int(source),)
        return self._base.with_changes(**changes)

    def apply_filters(self) -> None:
        """Run the filter the boxes show (the search box calls this after a short pause)."""
        if self._quiet:
            return
        self._search_timer.stop()
        self._run_query(self.current_filter())

    def clear_filters(self) -> None:
        self.show_filter(FeedbackFilter())

    def show_filter(self, flt: FeedbackFilter) -> None:
        """Show exactly the rows of `flt` (called for `ctx.open_feedback_requested`)."""
        if not isinstance(flt, FeedbackFilter):
            flt = FeedbackFilter.from_dict(dict(flt or {}))
        self._quiet = True
        rest = {}
        try:
            self.search_edit.setText(flt.search)
            self.date_range.set_range(flt.date_from, flt.date_to, emit=False)
            # Each box shows one value; anything else stays as an extra condition in the note.
            rest["channels"] = self._show_in(self.channel_combo, tuple(flt.channels))
            rest["labels"] = () if self._select(self.label_combo, _key(flt.labels)) else flt.labels
            rest["topics"] = self._show_in(self.topic_combo, tuple(flt.topics))
            rest["ratings"] = () if self._select(self.rating_combo, _key(sorted(flt.ratings))) else flt.ratings
            rest["sources"] = self._show_in(self.source_combo, tuple(int(x) for x in flt.sources))
        finally:
            self._quiet = False
        self._base = FeedbackFilter(ids=flt.ids, topic_labels=flt.topic_labels, include_deleted=flt.include_deleted,
                                    **rest)
        self._update_base_bar()
        self.apply_filters()

    def _select(self, combo: QComboBox, key: str) -> bool:
        """Select the item with data `key` ("" = the "all" item); False (and "all") if absent."""
        index = combo.findData(key) if key else 0
        combo.setCurrentIndex(max(index, 0))
        return index >= 0

    def _show_in(self, combo: QComboBox, values: tuple) -> tuple:
        """Show a one-value condition in `combo`; returns what it cannot show (for the note)."""
        if len(values) == 1 and values[0] not in ("", None):
            index = combo.findData(values[0])
            if index > 0:
                combo.setCurrentIndex(index)
                return ()
        combo.setCurrentIndex(0)
        return values

    def _update_base_bar(self) -> None:
        b = self._base
        parts = []
        if b.ids:
            parts.append(ngettext("only the {n} row sent here", "only the {n} rows sent here", len(b.ids)).format(n=len(b.ids)))
        if b.topics:
            parts.append(_("topics: {names}").format(names="、".join(b.topics)))
        if b.topic_labels:
            parts.append(_("topic mentions that are {labels}").format(
                labels="、".join(fb.label_name(label) for label in b.topic_labels)))
        if b.channels:
            parts.append(_("channels: {names}").format(names="、".join(c or _("(none)") for c in b.channels)))
        if b.labels:
            parts.append(_("sentiment: {labels}").format(labels="、".join(fb.label_name(label) for label in b.labels)))
        if b.ratings:
            parts.append(_("ratings: {values}").format(values="、".join(str(r) if r else _("none") for r in b.ratings)))
        if b.sources:
            parts.append(ngettext("{n} imported file", "{n} imported files", len(b.sources)).format(n=len(b.sources)))
        if b.include_deleted:
            parts.append(_("deleted rows included"))
        self.base_label.setText(_("Also filtered by: {parts}").format(parts="；".join(parts)) if parts else "")
        self.base_bar.setVisible(bool(parts))

    def _clear_base(self) -> None:
        self._base = FeedbackFilter()
        self._update_base_bar()
        self.apply_filters()

    def _on_search_text(self, _text: str) -> None:
        if not self._quiet:
            self._search_timer.start()

    def _run_query(self, flt: FeedbackFilter, keep_ids: list[int] | None = None) -> None:
        keep = keep_ids if keep_ids is not None else self.selected_ids()
        current = self._current_id()
        try:
            self.model.set_query(flt)
        except Exception as exc:  # noqa: BLE001 - a damaged index or locked file: say so, keep the window
            from cxdesk.core.errors import CxdeskError

            self.model.clear()
            self.message_bar.show_error(str(exc) if isinstance(exc, CxdeskError) else
                                        _("The rows could not be read: {reason}").format(reason=exc))
            return
        self._restore_selection(keep, current)
        self._keep_after_load = None if self.model.complete else (keep, current)
        self._update_count()
        self._show_detail()
        self.reloaded.emit()

    def _load_in_background(self, fetch: Callable, done: Callable) -> None:
        """The model's full id list, collected on a reader thread (the first rows are already shown)."""
        task = self.ctx.run_task(lambda db, _progress: fetch(db), write=False, title=_("Loading rows"))
        task.signals.finished.connect(done)
        task.signals.failed.connect(self.message_bar.show_error)

    def _on_ids_complete(self) -> None:
        self._update_count()
        if self._keep_after_load is not None:
            keep, current = self._keep_after_load
            self._keep_after_load = None
            if keep and len(self.selected_ids()) < len(keep):
                self._restore_selection(keep, current)

    def _update_count(self) -> None:
        n = self.model.total()
        if not self.model.complete:
            self.count_label.setText(_("Counting rows…"))
            return
        text = ngettext("{n} row", "{n} rows", n).format(n=f"{n:,}")
        if not self.current_filter().is_empty():
            text = _("{rows} match").format(rows=text)
        self.count_label.setText(text)

    # ------------------------------------------------------------------ reloading

    def reload(self) -> None:
        """Refresh the filter boxes' choices and re-run the current query."""
        self._dirty = False
        try:
            self._options = fb.filter_options(self.ctx.read_db())
        except Exception as exc:  # noqa: BLE001
            self.message_bar.show_error(str(exc))
            return
        self._quiet = True
        try:
            self._fill_combo(self.channel_combo, _("All channels"), [(c, c) for c in self._options.channels])
            self._fill_combo(self.topic_combo, _("All topics"), [(t, t) for t in self._options.topics])
            self._fill_combo(self.source_combo, _("All imported files"),
                             [(f"{s.file_name}（{s.imported_at[:10]}）", s.id) for s in self._options.sources])
        finally:
            self._quiet = False
        self._run_query(self.current_filter())

    def _fill_combo(self, combo: QComboBox, all_text: str, items: list[tuple[str, object]]) -> None:
        keep = combo.currentData()
        combo.clear()
        combo.addItem(all_text, None)
        for text, data in items:
            combo.addItem(text, data)
        index = combo.findData(keep) if keep is not None else 0
        combo.setCurrentIndex(max(index, 0))

    def _on_data_changed(self, changes) -> None:
        if changes is not None and not (changes.feedback or changes.topics or changes.sources):
            return
        if self.isVisible() or self._pending_edits:
            self.reload()
        else:
            self._dirty = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._dirty:
            self.reload()

    # ------------------------------------------------------------------ selection and detail

    def _selected_row_array(self) -> np.ndarray:
        """Selected row numbers from the selection's ranges (select-all over 1M rows is one range)."""
        parts = [np.arange(rng.top(), rng.bottom() + 1, dtype=np.int64)
                 for rng in self.table.selectionModel().selection()]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def selected_rows(self) -> list[int]:
        return self._selected_row_array().tolist()

    def selected_count(self) -> int:
        return int(self._selected_row_array().shape[0])

    def selected_ids(self) -> list[int]:
        return self.model.ids_of_rows(self._selected_row_array())

    def select_ids(self, ids: list[int]) -> None:
        self._restore_selection(ids, ids[0] if ids else None)

    def _current_id(self) -> int | None:
        index = self.table.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def _restore_selection(self, ids: list[int], current: int | None) -> None:
        sel = self.table.selectionModel()
        sel.clearSelection()
        rows = self.model.rows_of(ids)
        if rows.size:
            # One range per run of neighbouring rows, selected in one call.
            breaks = np.flatnonzero(np.diff(rows) != 1)
            starts = np.concatenate(([rows[0]], rows[breaks + 1]))
            ends = np.concatenate((rows[breaks], [rows[-1]]))
            selection = QItemSelection()
            last_col = self.model.columnCount() - 1
            for start, end in zip(starts.tolist(), ends.tolist()):
                selection.select(self.model.index(start, 0), self.model.index(end, last_col))
            sel.select(selection, QItemSelectionModel.Select | QItemSelectionModel.Rows)
        cur = self.model.row_of(current) if current is not None else -1
        if cur < 0 and rows.size:
            cur = int(rows[0])
        if cur >= 0:
            sel.setCurrentIndex(self.model.index(cur, 0), QItemSelectionModel.NoUpdate)
            self.table.scrollTo(self.model.index(cur, 0))

    def _on_selection_changed(self, *_args) -> None:
        self._update_selection_state()

    def _on_current_changed(self, *_args) -> None:
        self._show_detail()

    def _update_selection_state(self) -> None:
        n = self.selected_count() if self.table.selectionModel() else 0
        for widget in (self.correct_button,):
            widget.setEnabled(n > 0)
        for act in (self.tag_action, self.delete_action, self.copy_action, self.create_action_action):
            act.setEnabled(n > 0)
        self.selection_label.setText(ngettext("{n} selected", "{n} selected", n).format(n=n) if n else "")

    def _show_detail(self) -> None:
        fid = self._current_id()
        if fid is None:
            self.detail.setHtml(f"<p style='color:gray'>{html.escape(_('Select a row to read it in full.'))}</p>")
            return
        try:
            detail = fb.row_detail(self.ctx.read_db(), int(fid))
        except Exception:  # noqa: BLE001 - the row vanished (undo-import on another screen)
            self.detail.clear()
            return
        self.detail.setHtml(detail_html(detail, self.current_filter().search, self.palette()))

    def _on_sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        keep, current = self.selected_ids(), self._current_id()
        self.model.sort(column, order)
        self._restore_selection(keep, current)

    # ------------------------------------------------------------------ edits (undoable)

    def correct_selected(self, label: str | None) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        self.ctx.undo_stack.push(_correct_label_command(self, ids, label))

    def tag_selected(self, topic: str | None = None) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        if topic is None:
            topic, ok = QInputDialog.getItem(self, _("Tag with topic"), _("Topic (choose or type a new one):"),
                                             list(self._options.topics), 0, True)
            if not ok:
                return
        topic = (topic or "").strip()
        if not topic:
            self.message_bar.show_warning(_("Please enter a topic name."))
            return
        self.ctx.undo_stack.push(_tag_command(self, ids, topic))

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        self.ctx.undo_stack.push(_delete_command(self, ids))
        self.message_bar.show_info(
            ngettext("Deleted {n} row. Undo with Ctrl+Z.", "Deleted {n} rows. Undo with Ctrl+Z.", len(ids)).format(n=len(ids)),
            action_text=_("Undo"), on_action=self.ctx.undo_stack.undo, timeout_ms=8000)

    def _run_edit(self, fn: Callable, title: str, select: list[int] | None = None) -> None:
        """Write in the background; the reload comes with `data_changed`."""
        self._pending_edits += 1
        task = self.ctx.run_task(lambda db, _progress: fn(db), write=True, title=title)
        task.signals.finished.connect(lambda changes: self._on_edit_done(changes, select))
        task.signals.failed.connect(self._on_edit_failed)
        task.signals.cancelled.connect(self._on_edit_failed)

    def _on_edit_done(self, changes, select: list[int] | None = None) -> None:
        # Still counted as pending while notifying, so a hidden screen reloads too.
        if isinstance(changes, Changes) and changes.any():
            self.ctx.notify(changes)
        else:
            self.reload()
        if select:
            self.select_ids(select)
        self._pending_edits = max(0, self._pending_edits - 1)
        self.edit_finished.emit()

    def _on_edit_failed(self, message: str = "") -> None:
        self._pending_edits = max(0, self._pending_edits - 1)
        self.message_bar.show_error(message or _("The change was not saved."))
        self.reload()
        self.edit_finished.emit()

    # ------------------------------------------------------------------ copy, export, action

    def copy_selected(self) -> None:
        """Put the selected rows on the clipboard as tab-separated text (pastes into Excel)."""
        chosen = self.selected_ids()
        rows = fb.fetch_rows(self.ctx.read_db(), chosen[:COPY_LIMIT])
        lines = ["\t".join(_(title) for title in (N_("Time"), N_("Channel"), N_("Rating"), N_("Sentiment"),
                                                   N_("Topics"), N_("Feedback text")))]
        for row in rows:
            rating = "" if row.rating is None else (str(int(row.rating)) if row.rating == int(row.rating) else str(row.rating))
            cells = [row.created_at or "", row.channel or "", rating, fb.label_name(row.label), "、".join(row.topics),
                     row.text]
            lines.append("\t".join(" ".join(c.split()) for c in cells))
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        if len(chosen) > COPY_LIMIT:
            self.message_bar.show_warning(
                _("Copied the first {n} of {total} selected rows. Use Export to save all of them.").format(
                    n=f"{len(rows):,}", total=f"{len(chosen):,}"),
                action_text=_("Export…"), on_action=self.export_rows)
            return
        self.message_bar.show_info(ngettext("Copied {n} row.", "Copied {n} rows.", len(rows)).format(n=len(rows)),
                                   timeout_ms=4000)

    def export_rows(self, path: str | Path | None = None):
        """Export the filtered rows (all of them, in the shown order); returns the task or None."""
        if path is None:
            from cxdesk.ui import settings

            folder = settings.get(settings.LAST_FOLDER) or str(Path.home())
            name = _("feedback-{day}").format(day=date.today().isoformat())
            chosen, selected = QFileDialog.getSaveFileName(
                self, _("Export feedback"), str(Path(folder) / f"{name}.xlsx"),
                _("Excel workbook") + " (*.xlsx);;" + _("CSV for Excel") + " (*.csv)")
            if not chosen:
                return None
            path = Path(chosen)
            if path.suffix.lower() not in (".xlsx", ".csv"):
                path = path.with_suffix(".csv" if "csv" in selected.lower() else ".xlsx")
            settings.set(settings.LAST_FOLDER, str(path.parent))
        path = Path(path)
        flt, sort, desc = self.model.filter, self.model.sort_key, self.model.descending
        task = self.ctx.run_task(lambda db, progress: fb.export_rows(db, flt, path, progress, sort=sort, descending=desc),
                                 write=False, title=_("Export feedback"))
        from cxdesk.ui.tasks import show_delayed_progress

        show_delayed_progress(task, self, _("Exporting feedback…"))
        self.export_action.setEnabled(False)
        task.signals.finished.connect(self._on_export_done)
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(lambda: self.export_action.setEnabled(True))
        return task

    def _on_export_done(self, result) -> None:
        self.message_bar.show_success(
            ngettext("Exported {n} row to {path}", "Exported {n} rows to {path}", result.rows).format(
                n=f"{result.rows:,}", path=result.path))
        self.export_finished.emit(result)

    def create_action_from_selection(self) -> dict | None:
        """Ask the board for a new action from the selected rows and the current search word."""
        ids = self.selected_ids()[:2000]
        if not ids:
            return None
        prefill = {"feedback_ids": list(ids), "search": self.search_edit.text().strip()}
        self.ctx.create_action_requested.emit(prefill)
        return prefill

    def _on_context_menu(self, pos) -> None:
        if not self.selected_count():
            return
        menu = QMenu(self)
        sub = menu.addMenu(_("Correct sentiment"))
        for act in self.correct_menu.actions():
            sub.addAction(act)
        for act in (self.tag_action, self.copy_action, self.create_action_action):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.addAction(self.export_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))


def detail_html(detail: fb.FeedbackDetail, search: str, palette: QPalette | None = None) -> str:
    """The detail pane: when/where/rating, the full text with topic words and search hits marked."""
    row = detail.row
    esc = html.escape
    meta = [row.created_at or _("time unknown"), row.channel or _("no channel")]
    if row.rating is not None:
        meta.append(f"{row.rating:g} ★")
    if row.author:
        meta.append(row.author)
    label = row.label or "unknown"
    bg, fg = LABEL_COLOURS.get(label, LABEL_COLOURS["unknown"])
    chip = (f"<span style='background:{bg}; color:{fg}; padding:1px 6px;'>&nbsp;{esc(fb.label_name(label))}&nbsp;</span>")
    if row.manual_label:
        chip += " <small>" + esc(_("(corrected by you)")) + "</small>"
    parts = [f"<p style='color:gray'>{esc(' · '.join(meta))}</p>", f"<p>{chip}</p>"]

    # Mark topic words (coloured by the mention's sentiment) and search hits (underlined).
    marks: list[tuple[int, int, str]] = []
    for h in detail.highlights:
        hb, hf = LABEL_COLOURS.get(h.label or "unknown", LABEL_COLOURS["unknown"])
        marks.append((h.start, h.end, f"background:{hb}; color:{hf}; font-weight:bold"))
    for start, end in match_spans(row.text, search or ""):
        marks.append((start, end, "background:#fff3b0; color:#202124; text-decoration:underline"))
    text = row.text
    styles = [""] * len(text)
    for start, end, style in marks:
        for i in range(start, min(end, len(text))):
            styles[i] = style if not styles[i] else styles[i] + "; text-decoration:underline"
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and styles[j] == styles[i]:
            j += 1
        chunk = esc(text[i:j]).replace("\n", "<br>")
        out.append(f"<span style='{styles[i]}'>{chunk}</span>" if styles[i] else chunk)
        i = j
    body = "".join(out) if text else f"<i style='color:gray'>{esc(_('(no text)'))}</i>"
    parts.append(f"<p style='font-size:large; line-height:150%'>{body}</p>")
    if detail.mentions:
        items = []
        for m in detail.mentions:
            mb, mf = LABEL_COLOURS.get(m.label or "unknown", LABEL_COLOURS["unknown"])
            hand = " ✎" if m.manual else ""
            items.append(f"<span style='background:{mb}; color:{mf};'>&nbsp;{esc(m.topic)} · "
                         f"{esc(fb.label_name(m.label or 'unknown'))}{hand}&nbsp;</span>")
        parts.append(f"<p><b>{esc(_('Topics'))}</b>　" + "　".join(items) + "</p>")
    source = detail.source_name or ""
    where = _("From {file}, row {row}").format(file=source, row=row.source_row) if row.source_row else source
    if where:
        parts.append(f"<p style='color:gray'><small>{esc(where)}</small></p>")
    return "".join(parts)
