"""The improvement board: one column per status, cards dragged (or moved with the keyboard) between them.

Columns and cards are `board_columns.py`, the action dialog `action_editor.py`. Every change is a QUndoCommand whose
redo/undo run core calls through the single database writer, so Ctrl+Z works across the board.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QMenu, QPushButton,
                               QToolButton, QVBoxLayout, QWidget)

from cxdesk.core.actions import STATUSES, parse_list, status_name
from cxdesk.core.changes import Changes
from cxdesk.i18n import _
from cxdesk.ui import theme
from cxdesk.ui.action_editor import ActionEditor, new_action_values
from cxdesk.ui.board_columns import ACTION_ID_ROLE, BoardColumn, column_box
from cxdesk.ui.tasks import LatestRead
from cxdesk.ui.widgets.elide import ElidedLabel
from cxdesk.ui.widgets.dialogs import ask_yes_no
from cxdesk.ui.widgets.message_bar import MessageBar

log = logging.getLogger("cxdesk.ui.board")


# ---------------------------------------------------------------------------------------------
# Undoable commands: each runs core calls through the database writer


class _BoardCommand(QUndoCommand):
    def __init__(self, board: "BoardScreen", text: str) -> None:
        super().__init__(text)
        self.board = board


class MoveCommand(_BoardCommand):
    def __init__(self, board, before, status: str, position: int | None) -> None:
        super().__init__(board, _("Move “{title}” to {status}").format(title=before.title, status=status_name(status)))
        self.before = before
        self.status = status
        self.position = position

    def redo(self) -> None:
        from cxdesk.core.board import move_action

        aid, status, pos = self.before.id, self.status, self.position
        self.board._write(lambda db, p: move_action(db, aid, status, position=pos), select=aid)

    def undo(self) -> None:
        from cxdesk.core.actions import update_action

        b = self.before
        self.board._write(lambda db, p: update_action(db, b.id, status=b.status, live_date=b.live_date,
                                                      position=b.position), select=b.id)


class EditCommand(_BoardCommand):
    def __init__(self, board, action_id: int, old: dict, new: dict) -> None:
        super().__init__(board, _("Edit action"))
        self.action_id, self.old, self.new = action_id, old, new

    def _apply(self, fields: dict) -> None:
        from cxdesk.core.actions import update_action

        aid = self.action_id
        self.board._write(lambda db, p: update_action(db, aid, **fields), select=aid)

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class CreateCommand(_BoardCommand):
    def __init__(self, board, values: dict) -> None:
        super().__init__(board, _("New action “{title}”").format(title=values.get("title", "")))
        self.values = values
        self.action_id: int | None = None
        self.snapshot: dict | None = None

    def redo(self) -> None:
        from cxdesk.core.actions import create_action, restore_action

        if self.snapshot is not None:
            snap = self.snapshot
            self.board._write(lambda db, p: restore_action(db, snap), select=self.action_id)
            return
        v = dict(self.values)

        def run(db, p):
            return create_action(db, v.pop("title"), **v)

        self.board._write(run, on_result=self._created)

    def _created(self, action_id) -> None:
        self.action_id = action_id
        self.board.action_created.emit(action_id)
        self.board._select_after_load = action_id

    def undo(self) -> None:
        from cxdesk.core.actions import delete_action

        if self.action_id is None:
            return
        aid = self.action_id
        self.board._write(lambda db, p: delete_action(db, aid), on_result=self._deleted)

    def _deleted(self, snapshot) -> None:
        self.snapshot = snapshot


class DeleteCommand(_BoardCommand):
    def __init__(self, board, action) -> None:
        super().__init__(board, _("Delete “{title}”").format(title=action.title))
        self.action_id = action.id
        self.snapshot: dict | None = None

    def redo(self) -> None:
        from cxdesk.core.actions import delete_action

        aid = self.action_id
        self.board._write(lambda db, p: delete_action(db, aid), on_result=self._deleted)

    def _deleted(self, snapshot) -> None:
        self.snapshot = snapshot

    def undo(self) -> None:
        from cxdesk.core.actions import restore_action

        if self.snapshot is None:
            return
        snap = self.snapshot
        self.board._write(lambda db, p: restore_action(db, snap), select=self.action_id)


# ---------------------------------------------------------------------------------------------
# The screen


class BoardScreen(QWidget):
    """Kanban of improvement actions with filters, undo, the card editor and the evaluation view."""

    board_loaded = Signal()             # the cards on screen match the database
    write_finished = Signal()           # a change was written (before the reload)
    action_created = Signal(int)
    evaluation_opened = Signal(object)  # the EvaluationDialog

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data = None
        self._loader = LatestRead(ctx, _("Loading the board"))
        self._select_after_load: int | None = None
        self._dialogs: list = []
        # The app-wide stack, so the window's Edit menu and Ctrl+Z undo board changes too.
        self.undo_stack = ctx.undo_stack

        self.message_bar = MessageBar(self)
        self.message_bar.hide()
        bar = self._build_toolbar()

        columns = QHBoxLayout()
        columns.setSpacing(8)
        self.columns: dict[str, BoardColumn] = {}
        self.column_titles: dict[str, QLabel] = {}
        for status in STATUSES:
            box, title, col = column_box(status, self)
            col.card_dropped.connect(self._on_card_dropped)
            col.move_requested.connect(self._on_move_step)
            col.reorder_requested.connect(self._on_reorder_step)
            col.edit_requested.connect(self.edit_action)
            col.delete_requested.connect(self.delete_action)
            col.menu_requested.connect(self._on_menu)
            columns.addWidget(box, 1)
            self.columns[status] = col
            self.column_titles[status] = title
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addLayout(bar)
        layout.addLayout(columns, 1)
        self._set_filter_choices((), ())
        self._update_titles()

        ctx.data_changed.connect(self._on_data_changed)
        ctx.create_action_requested.connect(self.create_from_prefill)
        self.reload()

    def _build_toolbar(self) -> QHBoxLayout:
        self.topic_filter = QComboBox(self)
        self.topic_filter.setMinimumWidth(130)
        self.owner_filter = QComboBox(self)
        self.owner_filter.setMinimumWidth(110)
        self.topic_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.owner_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.evaluate_button = QPushButton(_("Evaluate the effect"), self)
        self.evaluate_button.setToolTip(_("Compare the feedback before and after the selected action went live"))
        self.evaluate_button.clicked.connect(self._on_evaluate_clicked)
        self.new_button = QPushButton(_("New action"), self)
        self.new_button.clicked.connect(lambda: self.new_action())
        self.undo_button = QToolButton(self)
        self.redo_button = QToolButton(self)
        undo_action = self.undo_stack.createUndoAction(self, _("Undo"))
        redo_action = self.undo_stack.createRedoAction(self, _("Redo"))
        self.undo_button.setDefaultAction(undo_action)
        self.redo_button.setDefaultAction(redo_action)
        self.undo_action, self.redo_action = undo_action, redo_action

        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Topic"), self))
        bar.addWidget(self.topic_filter)
        bar.addSpacing(8)
        bar.addWidget(QLabel(_("Owner"), self))
        bar.addWidget(self.owner_filter)
        hint = ElidedLabel(_("Drag cards between columns, or use Ctrl+←/→. Double-click to edit."), self)
        hint.setStyleSheet(f"color: {theme.HINT_TEXT}")
        bar.addWidget(hint, 1)      # shortened with “…” (whole in its tooltip) when the window is narrow
        bar.addSpacing(8)
        bar.addWidget(self.undo_button)
        bar.addWidget(self.redo_button)
        bar.addWidget(self.evaluate_button)
        bar.addWidget(self.new_button)
        return bar

    # ------------------------------------------------------------------ loading

    def _on_data_changed(self, changes) -> None:
        if changes is None or changes.actions or changes.feedback or changes.topics:
            self.reload()

    def reload(self) -> None:
        topic = self.topic_filter.currentData() or None
        owner = self.owner_filter.currentData() or None

        def run(db, progress):
            from cxdesk.core.board import board_data

            return board_data(db, topic=topic, owner=owner)

        self._loader.start(run, self._on_loaded, self.message_bar.show_error)

    @property
    def _load_task(self):
        return self._loader.task

    def _on_loaded(self, data) -> None:
        self.data = data
        self._set_filter_choices(data.topics, data.owners)
        selected = self._select_after_load or self.current_action_id()
        self._select_after_load = None
        today = date.today()
        for col in self.columns.values():
            col.clear()
        for action, badge in data.cards:
            self.columns[action.status].add_card(action, badge, today)
        self._update_titles()
        if selected is not None:
            self.select_action(selected)
        self.board_loaded.emit()

    def _set_filter_choices(self, topics, owners) -> None:
        for combo, values, everything in ((self.topic_filter, topics, _("All topics")),
                                          (self.owner_filter, owners, _("All owners"))):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, "")
            for v in values:
                combo.addItem(v, v)
            i = combo.findData(current) if current else 0
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)

    def _update_titles(self) -> None:
        for status, title in self.column_titles.items():
            title.setText(f"{status_name(status)}  {self.columns[status].count()}")

    # ------------------------------------------------------------------ lookups

    def action(self, action_id: int):
        for a, _badge in (self.data.cards if self.data else ()):
            if a.id == action_id:
                return a
        return None

    def column_of(self, action_id: int) -> BoardColumn | None:
        for col in self.columns.values():
            if col.item_for(action_id) is not None:
                return col
        return None

    def current_action_id(self) -> int | None:
        w = self.focusWidget()
        cols = [w] if isinstance(w, BoardColumn) else []
        cols += list(self.columns.values())
        for col in cols:
            item = col.currentItem()
            if item is not None and item.isSelected():
                return item.data(ACTION_ID_ROLE)
        return None

    def select_action(self, action_id: int) -> None:
        for col in self.columns.values():
            item = col.item_for(action_id)
            if item is not None:
                col.setCurrentItem(item)
                col.scrollToItem(item)
                col.setFocus()
            else:
                col.clearSelection()

    # ------------------------------------------------------------------ writes

    def _write(self, fn, *, select: int | None = None, on_result=None) -> None:
        task = self.ctx.run_task(fn, write=True, title=_("Saving the board"))
        if select is not None:
            self._select_after_load = select

        def done(result) -> None:
            if on_result is not None:
                on_result(result)
            self.write_finished.emit()
            self.ctx.notify(Changes(actions=True))

        task.signals.finished.connect(done)
        task.signals.failed.connect(self._on_write_failed)

    def _on_write_failed(self, text: str) -> None:
        self.message_bar.show_error(text)
        self.reload()

    def move_card(self, action_id: int, status: str, position: int | None = None) -> None:
        before = self.action(action_id)
        if before is None:
            return
        if before.status == status and (position is None or position == before.position):
            return
        if status == "evaluated" and before.live_date is None:
            self.message_bar.show_warning(
                _("“{title}” has no go-live date yet: move it to “{live}” first.").format(
                    title=before.title, live=status_name("live")))
            return
        self.undo_stack.push(MoveCommand(self, before, status, position))

    def _on_card_dropped(self, action_id: int, status: str, row: int) -> None:
        before = self.action(action_id)
        if before is None:
            return
        if before.status == status:
            ids = self.columns[status].action_ids()
            old_row = ids.index(action_id) if action_id in ids else -1
            if row > old_row:
                row -= 1
            if row == old_row:
                return
        self.move_card(action_id, status, row)

    def _on_move_step(self, action_id: int, step: int) -> None:
        a = self.action(action_id)
        if a is None:
            return
        i = STATUSES.index(a.status) + step
        if 0 <= i < len(STATUSES):
            self.move_card(action_id, STATUSES[i])

    def _on_reorder_step(self, action_id: int, step: int) -> None:
        a = self.action(action_id)
        if a is None:
            return
        ids = self.columns[a.status].action_ids()
        row = ids.index(action_id) + step
        if 0 <= row < len(ids):
            self.move_card(action_id, a.status, row)

    def _editor(self, values: dict, history: list | None = None) -> ActionEditor:
        topics = list(self.data.topics) if self.data else []
        owners = list(self.data.owners) if self.data else []
        return ActionEditor(topics=topics, owners=owners, values=values, history=history, parent=self)

    def new_action(self, prefill: dict | None = None) -> ActionEditor:
        """Open the editor for a new action (prefilled from a topic, an alert or feedback rows)."""
        values = new_action_values(prefill, self.topic_filter.currentData() or None, self.ctx.read_db)
        dialog = self._editor(values)
        dialog.accepted.connect(lambda d=dialog: self._create(d.values()))
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        self._dialogs = [dialog]
        return dialog

    def create_from_prefill(self, prefill: dict) -> ActionEditor:
        """Connected to `ctx.create_action_requested`: keys title, description, topics, feedback_ids."""
        return self.new_action(prefill)

    def _create(self, values: dict) -> None:
        v = dict(values)
        if v.get("status") == "live" and v.get("live_date") is None:
            v["live_date"] = date.today()
        self.undo_stack.push(CreateCommand(self, v))

    def edit_action(self, action_id: int) -> ActionEditor | None:
        a = self.action(action_id)
        if a is None:
            return None
        values = a.to_json()
        values["live_date"] = a.live_date
        try:
            from cxdesk.core.actions import action_history

            history = action_history(self.ctx.read_db(), action_id)   # a few rows: fine on the GUI thread
        except Exception:  # noqa: BLE001 - the editor still works without its history
            log.exception("could not read the history of action %s", action_id)
            history = None
        dialog = self._editor(values, history)
        dialog.accepted.connect(lambda d=dialog, a=a: self._save_edit(a, d.values()))
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        self._dialogs = [dialog]
        return dialog

    def _save_edit(self, before, values: dict) -> None:
        values = dict(values)
        values["keywords"] = parse_list(values["keywords"])
        values["channels"] = parse_list(values["channels"])
        values.pop("feedback_ids", None)
        values.pop("alert_id", None)
        old = {k: getattr(before, k) for k in values}
        new = {k: v for k, v in values.items() if old[k] != v}
        if not new:
            return
        old = {k: old[k] for k in new}
        status = new.pop("status", None)
        old.pop("status", None)
        # A new status goes through the move, so 已上线/已评估 get their date and snapshot; one undo step.
        self.undo_stack.beginMacro(_("Edit action"))
        if new:
            self.undo_stack.push(EditCommand(self, before.id, old, new))
        if status is not None:
            self.undo_stack.push(MoveCommand(self, before, status, None))
        self.undo_stack.endMacro()

    def delete_action(self, action_id: int, *, confirm: bool = True) -> None:
        a = self.action(action_id)
        if a is None:
            return
        if confirm:
            if not ask_yes_no(self, _("Delete action"),
                              _("Delete “{title}”? You can undo this with Ctrl+Z.").format(title=a.title)):
                return
        self.undo_stack.push(DeleteCommand(self, a))

    # ------------------------------------------------------------------ menu and evaluation

    def _on_menu(self, action_id: int, global_pos) -> None:
        a = self.action(action_id)
        if a is None:
            return
        menu = QMenu(self)
        menu.addAction(_("Edit…"), lambda: self.edit_action(action_id))
        move_menu = menu.addMenu(_("Move to"))
        for s in STATUSES:
            act = move_menu.addAction(status_name(s), lambda s=s: self.move_card(action_id, s))
            act.setEnabled(s != a.status)
        ev_act = menu.addAction(_("Evaluate the effect…"), lambda: self.open_evaluation(action_id))
        ev_act.setEnabled(a.live_date is not None)
        tell = menu.addAction(_("Tell the customers who complained…"), lambda: self.open_notify(action_id))
        tell.setEnabled(a.live_date is not None and a.status in ("live", "evaluated"))
        if a.topics:
            menu.addAction(_("Show feedback on these topics"), lambda: self._open_feedback(topics=a.topics))
        if a.feedback_ids:
            menu.addAction(_("Show the example feedback"), lambda: self._open_feedback(ids=a.feedback_ids))
        menu.addSeparator()
        menu.addAction(_("Delete…"), lambda: self.delete_action(action_id))
        menu.popup(global_pos)

    def _on_evaluate_clicked(self) -> None:
        aid = self.current_action_id()
        if aid is None:
            self.message_bar.show_info(_("Select a live card first, then evaluate its effect."), timeout_ms=5000)
            return
        self.open_evaluation(aid)

    def _open_feedback(self, **kw) -> None:
        from cxdesk.core.filters import FeedbackFilter

        self.ctx.open_feedback_requested.emit(FeedbackFilter(**kw))

    def open_notify(self, action_id: int):
        """The customers who complained about this action's topics before it went live, with a message each."""
        from cxdesk.ui.notify_dialog import NotifyDialog

        a = self.action(action_id)
        if a is None or a.live_date is None:
            self.message_bar.show_warning(_("This action has not gone live yet, so there is nobody to tell."))
            return None
        dialog = NotifyDialog(self.ctx, action_id, a.title, parent=self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_evaluation(self, action_id: int):
        from cxdesk.ui.evaluation_screen import EvaluationDialog

        a = self.action(action_id)
        if a is None or a.live_date is None:
            self.message_bar.show_warning(_("This action has no go-live date yet, so there is nothing to evaluate."))
            return None
        dialog = EvaluationDialog(self.ctx, action_id, parent=self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        self.evaluation_opened.emit(dialog)
        return dialog
