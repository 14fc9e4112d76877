"""The feedback browser: filter and search every row, read one in full, correct, tag, delete, export.

The table is a `FeedbackTableModel` (ids by query, rows by page). Edits go through undo commands
on `ctx.undo_stack`; each command runs its core call as a write task and the screen reloads when
the app-wide `data_changed` arrives. The filter boxes live in feedback_filters, the edits in
feedback_edits, the chip and the detail pane in feedback_view.
"""

from __future__ import annotations

import html
from typing import Callable

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QMenu, QPushButton, QToolButton, QVBoxLayout,
                               QWidget)

from cxdesk.core import feedback as fb
from cxdesk.core.filters import FeedbackFilter
from cxdesk.i18n import _, ngettext
from cxdesk.ui import theme
from cxdesk.ui.feedback_edits import FeedbackEditsMixin
from cxdesk.ui.feedback_filters import LABEL_CHOICES, RATING_CHOICES, FeedbackFiltersMixin
from cxdesk.ui.feedback_table_part import build_table_and_detail, show_empty_state
from cxdesk.ui.feedback_view import detail_html
from cxdesk.ui.models.feedback_table import ID_ROLE, FeedbackTableModel
from cxdesk.ui.widgets.date_range import DateRangePicker
from cxdesk.ui.widgets.message_bar import MessageBar

SEARCH_DELAY_MS = 250


class FeedbackScreen(FeedbackFiltersMixin, FeedbackEditsMixin, QWidget):
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
        layout.setContentsMargins(*(theme.PAGE_MARGIN,) * 4)
        layout.setSpacing(6)
        self.message_bar = MessageBar(self)
        layout.addWidget(self.message_bar)

        self._build_search_row(layout)
        self._build_filter_row(layout)
        self._build_base_bar(layout)
        self._build_actions_row(layout)
        self._build_table_and_detail(layout)
        self._update_selection_state()

    def _build_search_row(self, layout: QVBoxLayout) -> None:
        """Search box, date range and the row count."""
        top = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(_("Search feedback text (e.g. 物流 慢)…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setToolTip(_("Rows containing every word you type; separate words with spaces"))
        self.search_edit.textChanged.connect(self._on_search_text)
        self.search_edit.returnPressed.connect(self.apply_filters)
        self.date_range = DateRangePicker(self, label=_("Dates:"))
        self.date_range.changed.connect(lambda *_a: self.apply_filters())
        self.count_label = QLabel(self)
        self.count_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        top.addWidget(self.search_edit, 3)
        top.addWidget(self.date_range)
        top.addWidget(self.count_label)
        layout.addLayout(top)

    def _build_filter_row(self, layout: QVBoxLayout) -> None:
        """The filter boxes and “Clear filters”."""
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

    def _build_base_bar(self, layout: QVBoxLayout) -> None:
        """A note for conditions that came from elsewhere (an action's examples, a topic's complaints)."""
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

    def _build_actions_row(self, layout: QVBoxLayout) -> None:
        """What can be done with the selected rows."""
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

    def _build_table_and_detail(self, layout: QVBoxLayout) -> None:
        build_table_and_detail(self, layout)

    # ------------------------------------------------------------------ filters

    def _run_query(self, flt: FeedbackFilter, *, keep_selection: bool = True) -> None:
        """Show the rows of `flt`; the selected rows stay selected where they still show (a reload after
        an edit), or nothing is selected (`keep_selection=False`: the owner changed the filter)."""
        keep = self.selected_ids() if keep_selection else []
        current = self._current_id() if keep_selection else None
        try:
            self.model.set_query(flt)
        except Exception as exc:  # noqa: BLE001 - a damaged index or locked file: say so, keep the window
            from cxdesk.core.errors import CxdeskError

            self.model.clear()
            self._update_selection_state()
            self.message_bar.show_error(str(exc) if isinstance(exc, CxdeskError) else
                                        _("The rows could not be read: {reason}").format(reason=exc))
            return
        self._restore_selection(keep, current)
        self._keep_after_load = None if self.model.complete or not keep else (keep, current)
        # A model reset drops the selection without a selectionChanged signal: count again.
        self._update_selection_state()
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
        flt = self.current_filter()
        if not flt.is_empty():
            text = _("{rows} match").format(rows=text)
        self.count_label.setText(text)
        self.text_delegate.set_query(flt.search)
        self.table.viewport().update()
        show_empty_state(self, n, flt.search, not flt.is_empty())

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
            # Rows imported without a platform are "" here, like the filter's own way of naming them.
            self._fill_combo(self.channel_combo, _("All channels"),
                             [(c, c) for c in self._options.channels if c] + [(_("Unspecified"), "")])
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

    # ------------------------------------------------------------------ context menu

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
