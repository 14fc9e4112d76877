"""The improvement board: one column per status, cards dragged (or moved with the keyboard) between them.

Cards are items of a QListWidget per column, painted by `CardDelegate`; the action id travels in
`ACTION_ID_ROLE`, so drops and tests never parse display text. Every change is a QUndoCommand whose
redo/undo run core calls through the single database writer, so Ctrl+Z works across the board.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeySequence, QPainter, QPen, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFormLayout, QFrame, QHBoxLayout, QLabel, QLineEdit, QListView, QListWidget, QListWidgetItem,
                               QMenu, QMessageBox, QPlainTextEdit, QPushButton, QStyle,
                               QStyledItemDelegate, QStyleOptionViewItem, QToolButton, QVBoxLayout, QWidget)

from cxdesk.core.actions import STATUSES, parse_list, status_name
from cxdesk.core.changes import Changes
from cxdesk.i18n import _, ngettext
from cxdesk.ui.topic_picker import TopicPicker
from cxdesk.ui.widgets.elide import ElidedLabel
from cxdesk.ui.widgets.message_bar import MessageBar

log = logging.getLogger("cxdesk.ui.board")

MIME_TYPE = "application/x-cxdesk-action"
ACTION_ID_ROLE = Qt.UserRole + 1
CARD_ROLE = Qt.UserRole + 2      # dict: title, topics, owner, age, badge text, verdict

_STATUS_COLOURS = {
    "todo": "#8c8c8c", "doing": "#2f6fd0", "live": "#d08a1e", "evaluated": "#2e8b57", "dropped": "#b0b0b0",
}
_VERDICT_COLOURS = {
    "improved": ("#e6f4ea", "#1e6b35"), "worsened": ("#fdecea", "#9b1c1c"),
    "no_significant_change": ("#eeeeee", "#444444"), "insufficient_data": ("#fff4e0", "#7a4b00"),
}


# ---------------------------------------------------------------------------------------------
# Cards


class CardDelegate(QStyledItemDelegate):
    """Paints a card: title (up to two lines), topics, owner and age, and the before/after badge once live."""

    PAD = 8
    GAP = 3

    def _title_font(self, option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setBold(True)
        return font

    def _inner_width(self, option: QStyleOptionViewItem) -> int:
        view = self.parent()
        width = view.viewport().width() if isinstance(view, QListWidget) else option.rect.width()
        return max(80, width - 8 - 2 * self.PAD - 2)

    def _layout(self, option: QStyleOptionViewItem, card: dict, width: int) -> tuple[int, int, int]:
        """(title height, line height, total height) for a card of this content and inner width."""
        tfm = QFontMetrics(self._title_font(option))
        line = QFontMetrics(option.font).lineSpacing() + 2
        bound = tfm.boundingRect(QRect(0, 0, width, 1000), Qt.TextWordWrap, card.get("title", ""))
        lines = 1 if bound.height() <= tfm.lineSpacing() * 1.5 else 2
        # CJK glyphs come from a fallback font taller than the primary font's metrics: leave room.
        title_h = int(tfm.lineSpacing() * 1.3) * lines
        lines = 1 + (1 if card.get("topics") else 0)
        total = self.PAD * 2 + title_h + self.GAP + line * lines + 6
        if card.get("chip"):
            total += line + 4 + self.GAP
        return title_h, line, total

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        card = index.data(CARD_ROLE) or {}
        _t, _l, total = self._layout(option, card, self._inner_width(option))
        return QSize(200, total)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        card = index.data(CARD_ROLE) or {}
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        rect = option.rect.adjusted(4, 3, -4, -3)
        selected = bool(option.state & QStyle.State_Selected)
        pal = option.palette
        painter.setPen(QPen(pal.highlight().color() if selected else QColor("#cfcfcf"), 2 if selected else 1))
        painter.setBrush(QColor("#ffffff"))
        painter.drawRoundedRect(rect, 6, 6)
        painter.fillRect(QRect(rect.left() + 1, rect.top() + 5, 4, rect.height() - 10),
                         QColor(_STATUS_COLOURS.get(card.get("status"), "#999")))
        inner = rect.adjusted(self.PAD + 4, self.PAD - 3, -self.PAD, -self.PAD)
        title_h, line, _total = self._layout(option, card, inner.width())
        flags = Qt.AlignLeft | Qt.AlignTop | Qt.TextDontClip

        title_font = self._title_font(option)
        tfm = QFontMetrics(title_font)
        painter.setFont(title_font)
        painter.setPen(QColor("#1f1f1f"))
        title = card.get("title", "")
        if tfm.boundingRect(QRect(0, 0, inner.width(), 1000), Qt.TextWordWrap, title).height() > tfm.lineSpacing() * 2.5:
            title = tfm.elidedText(title, Qt.ElideRight, inner.width() * 2 - tfm.averageCharWidth() * 4)
        painter.save()
        painter.setClipRect(QRect(inner.left(), inner.top(), inner.width(), title_h))
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), title_h), Qt.TextWordWrap | Qt.AlignLeft
                         | Qt.AlignTop, title)
        painter.restore()
        y = inner.top() + title_h + self.GAP

        painter.setFont(option.font)
        fm = QFontMetrics(option.font)
        topics = card.get("topics", "")
        if topics:
            painter.setPen(QColor("#2f6fd0"))
            painter.drawText(QRect(inner.left(), y, inner.width(), line), flags,
                             fm.elidedText("# " + topics, Qt.ElideRight, inner.width()))
            y += line
        painter.setPen(QColor("#6b6b6b"))
        painter.drawText(QRect(inner.left(), y, inner.width(), line), flags,
                         fm.elidedText(card.get("meta", ""), Qt.ElideRight, inner.width()))
        y += line + self.GAP
        chip = card.get("chip")
        if chip:
            # The verdict chip, then the change in the named metric beside it.
            bg, fg = _VERDICT_COLOURS.get(card.get("verdict"), ("#eeeeee", "#444444"))
            width = min(fm.horizontalAdvance(chip) + 16, inner.width())
            chip_rect = QRect(inner.left(), y, width, line + 2)
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(bg))
            painter.drawRoundedRect(chip_rect, 4, 4)
            painter.setPen(QColor(fg))
            painter.drawText(chip_rect, Qt.AlignCenter | Qt.TextDontClip, fm.elidedText(chip, Qt.ElideRight, width - 8))
            change = card.get("badge", "")
            rest = inner.width() - width - 6
            if change and rest > 20:
                painter.setPen(QColor("#333333"))
                painter.drawText(QRect(chip_rect.right() + 6, y, rest, line + 2), Qt.AlignLeft | Qt.AlignVCenter,
                                 fm.elidedText(change, Qt.ElideRight, rest))
        if option.state & QStyle.State_HasFocus and not selected:
            painter.setPen(QPen(pal.highlight().color(), 1, Qt.DotLine))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 5, 5)
        painter.restore()


class BoardColumn(QListWidget):
    """One status column. Drops of a card emit `card_dropped(action_id, status, row)`; the board writes it."""

    card_dropped = Signal(int, str, int)
    move_requested = Signal(int, int)          # action id, step (-1 left, +1 right)
    reorder_requested = Signal(int, int)       # action id, step (-1 up, +1 down)
    edit_requested = Signal(int)
    delete_requested = Signal(int)
    menu_requested = Signal(int, object)       # action id, global position

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # QListWidget asks for 256 px; five of them ask for a window wider than 1366 px.
        return QSize(160, super().sizeHint().height())

    def __init__(self, status: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = status
        self.setObjectName(f"column_{status}")
        self.setItemDelegate(CardDelegate(self))
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDrop)
        self.setDefaultDropAction(Qt.MoveAction)
        self.setSpacing(2)
        self.setUniformItemSizes(False)
        self.setResizeMode(QListView.Adjust)   # card heights depend on the column width
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu)
        self.itemDoubleClicked.connect(lambda item: self.edit_requested.emit(item.data(ACTION_ID_ROLE)))
        self.setFrameShape(QFrame.NoFrame)

    # drag and drop: our own mime type carries the id; the board reloads after the write
    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        if items:
            data.setData(MIME_TYPE, QByteArray(str(items[0].data(ACTION_ID_ROLE)).encode()))
        return data

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.MoveAction | Qt.CopyAction

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(MIME_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(MIME_TYPE):
            super().dragMoveEvent(event)
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        if not event.mimeData().hasFormat(MIME_TYPE):
            event.ignore()
            return
        try:
            action_id = int(bytes(event.mimeData().data(MIME_TYPE)).decode())
        except ValueError:
            event.ignore()
            return
        pos = event.position().toPoint() if hasattr(event, "position") else event.pos()
        item = self.itemAt(pos)
        row = self.row(item) if item is not None else self.count()
        if item is not None and pos.y() > self.visualItemRect(item).center().y():
            row += 1
        # Copy, not move: the view must not delete the source item itself; the reload redraws both columns.
        event.setDropAction(Qt.CopyAction)
        event.accept()
        self.card_dropped.emit(action_id, self.status, row)

    def keyPressEvent(self, event) -> None:
        item = self.currentItem()
        aid = item.data(ACTION_ID_ROLE) if item is not None else None
        mods = event.modifiers()
        key = event.key()
        if aid is not None and mods & (Qt.ControlModifier | Qt.AltModifier):
            if key in (Qt.Key_Left, Qt.Key_Right):
                self.move_requested.emit(aid, -1 if key == Qt.Key_Left else 1)
                return
            if key in (Qt.Key_Up, Qt.Key_Down):
                self.reorder_requested.emit(aid, -1 if key == Qt.Key_Up else 1)
                return
        if aid is not None and key in (Qt.Key_Return, Qt.Key_Enter):
            self.edit_requested.emit(aid)
            return
        if aid is not None and key == Qt.Key_Delete:
            self.delete_requested.emit(aid)
            return
        super().keyPressEvent(event)

    def _on_context_menu(self, pos) -> None:
        item = self.itemAt(pos)
        if item is not None:
            self.setCurrentItem(item)
            self.menu_requested.emit(item.data(ACTION_ID_ROLE), self.viewport().mapToGlobal(pos))

    def item_for(self, action_id: int) -> QListWidgetItem | None:
        for i in range(self.count()):
            if self.item(i).data(ACTION_ID_ROLE) == action_id:
                return self.item(i)
        return None

    def action_ids(self) -> list[int]:
        return [self.item(i).data(ACTION_ID_ROLE) for i in range(self.count())]


# ---------------------------------------------------------------------------------------------
# Card editor


class ActionEditor(QDialog):
    """Edit (or create) one action: title, description, owner, topics, keywords, channels, status, date."""

    def __init__(self, *, topics: list[str], owners: list[str], values: dict | None = None,
                 history: list | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        values = dict(values or {})
        self.setWindowTitle(_("Edit action") if values.get("id") else _("New action"))
        self.setMinimumWidth(460)
        form = QFormLayout()
        self.title_edit = QLineEdit(values.get("title", ""), self)
        self.title_edit.setPlaceholderText(_("e.g. Switch to a faster courier"))
        self.owner_edit = QComboBox(self)
        self.owner_edit.setEditable(True)
        self.owner_edit.addItems(owners)
        self.owner_edit.setCurrentText(values.get("owner", ""))
        self.status_combo = QComboBox(self)
        for s in STATUSES:
            self.status_combo.addItem(status_name(s), s)
        self.status_combo.setCurrentIndex(STATUSES.index(values.get("status", "todo")))
        self.topic_picker = TopicPicker(topics, values.get("topics", ()), self, ctx=getattr(parent, "ctx", None))
        self.topic_list = self.topic_picker.list      # most complaints first, with a search box above
        self.keywords_edit = QLineEdit("、".join(values.get("keywords", ())), self)
        self.keywords_edit.setPlaceholderText(_("optional, separated by commas"))
        self.channels_edit = QLineEdit("、".join(values.get("channels", ())), self)
        self.channels_edit.setPlaceholderText(_("optional: only measure these channels"))
        self.live_check = QCheckBox(_("Go-live date"), self)
        self.live_edit = QDateEdit(self)
        self.live_edit.setCalendarPopup(True)
        self.live_edit.setDisplayFormat("yyyy-MM-dd")
        live = values.get("live_date")
        self.live_check.setChecked(live is not None)
        self.live_edit.setDate(live or date.today())
        self.live_edit.setEnabled(live is not None)
        self.live_check.toggled.connect(self.live_edit.setEnabled)
        live_row = QHBoxLayout()
        live_row.addWidget(self.live_check)
        live_row.addWidget(self.live_edit, 1)
        self.description_edit = QPlainTextEdit(values.get("description", ""), self)
        self.description_edit.setMaximumHeight(90)
        form.addRow(_("Title"), self.title_edit)
        form.addRow(_("Owner"), self.owner_edit)
        form.addRow(_("Status"), self.status_combo)
        form.addRow(_("Topics"), self.topic_picker)
        form.addRow(_("Keywords"), self.keywords_edit)
        form.addRow(_("Channels"), self.channels_edit)
        form.addRow("", live_row)
        form.addRow(_("Description"), self.description_edit)
        self.feedback_ids = tuple(values.get("feedback_ids", ()))
        self.alert_id = values.get("alert_id")
        if self.feedback_ids:
            n = len(self.feedback_ids)
            form.addRow(_("Examples"), QLabel(ngettext("{n} feedback row", "{n} feedback rows", n).format(n=n), self))
        self.warning_label = QLabel(self)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #7a4b00; background: #fff4e0; padding: 4px; border-radius: 4px")
        self.warning_label.hide()
        self.topic_list.itemChanged.connect(lambda _i: self._update_warning())
        self.keywords_edit.textChanged.connect(lambda _t: self._update_warning())
        self.status_combo.currentIndexChanged.connect(lambda _i: self._update_warning())
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #9b1c1c")
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if history:
            from cxdesk.core.actions import field_name, history_value

            self.history_list = QListWidget(self)
            self.history_list.setMaximumHeight(110)
            self.history_list.setAlternatingRowColors(True)
            for h in reversed(history):
                if h.field == "created":
                    text = f"{h.at[:16]}  {field_name('created')}"
                else:
                    text = (f"{h.at[:16]}  {field_name(h.field)}: {history_value(h.field, h.old_value)} → "
                            f"{history_value(h.field, h.new_value)}")
                if h.undone_at:
                    text += "  " + _("(undone)")
                item = QListWidgetItem(text, self.history_list)
                item.setFlags(Qt.ItemIsEnabled)
            layout.addWidget(QLabel(_("History"), self))
            layout.addWidget(self.history_list)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.title_edit.setFocus()
        self._update_warning()

    def _update_warning(self) -> None:
        """While an idea, no topic and no keyword is a warning; once live it is refused on Save."""
        from cxdesk.core.actions import needs_target_warning

        v = self.values()
        text = needs_target_warning(v["topics"], v["keywords"])
        self.warning_label.setText(text or "")
        self.warning_label.setVisible(bool(text))

    def values(self) -> dict:
        topics = self.topic_picker.checked()
        return {
            "title": self.title_edit.text().strip(),
            "owner": self.owner_edit.currentText().strip(),
            "status": self.status_combo.currentData(),
            "topics": tuple(sorted(topics)),
            "keywords": self.keywords_edit.text(),
            "channels": self.channels_edit.text(),
            "live_date": self.live_edit.date().toPython() if self.live_check.isChecked() else None,
            "description": self.description_edit.toPlainText().strip(),
            "feedback_ids": self.feedback_ids,
            "alert_id": self.alert_id,
        }

    def _on_accept(self) -> None:
        v = self.values()
        if not v["title"]:
            self._error(_("Please give the action a title."))
            return
        if v["status"] in ("live", "evaluated") and v["live_date"] is None:
            self._error(_("A live action needs its go-live date."))
            return
        if v["status"] in ("live", "evaluated"):
            from cxdesk.core.actions import needs_target_warning

            if needs_target_warning(v["topics"], v["keywords"]):
                self._error(_("Tick a topic or type a keyword before the action goes live, or keep it under “{todo}” "
                              "for now.").format(todo=status_name("todo")))
                return
        self.accept()

    def _error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()


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
        from cxdesk.core.actions import move_action

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
        self._load_task = None
        self._reload_again = False
        self._select_after_load: int | None = None
        self._dialogs: list = []
        # The app-wide stack, so the window's Edit menu and Ctrl+Z undo board changes too.
        self.undo_stack = getattr(ctx, "undo_stack", None) or QUndoStack(self)

        self.message_bar = MessageBar(self)
        self.message_bar.hide()
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
        if self.undo_stack.parent() is self:   # no window around us: give the keys to the board
            undo_action.setShortcut(QKeySequence.Undo)
            redo_action.setShortcut(QKeySequence.Redo)
            for act in (undo_action, redo_action):
                act.setShortcutContext(Qt.WidgetWithChildrenShortcut)
                self.addAction(act)
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
        hint.setStyleSheet("color: #777")
        bar.addWidget(hint, 1)      # shortened with “…” (whole in its tooltip) when the window is narrow
        bar.addSpacing(8)
        bar.addWidget(self.undo_button)
        bar.addWidget(self.redo_button)
        bar.addWidget(self.evaluate_button)
        bar.addWidget(self.new_button)

        columns = QHBoxLayout()
        columns.setSpacing(8)
        self.columns: dict[str, BoardColumn] = {}
        self.column_titles: dict[str, QLabel] = {}
        for status in STATUSES:
            box = QFrame(self)
            box.setObjectName("BoardColumnBox")
            box.setStyleSheet("#BoardColumnBox { background: palette(window); border: 1px solid #dddddd; "
                              "border-radius: 6px; }")
            v = QVBoxLayout(box)
            v.setContentsMargins(6, 6, 6, 6)
            title = QLabel(box)
            font = title.font()
            font.setBold(True)
            title.setFont(font)
            title.setStyleSheet(f"color: {_STATUS_COLOURS[status]}; border: none;")
            col = BoardColumn(status, box)
            col.setStyleSheet("QListWidget { background: transparent; border: none; }")
            col.card_dropped.connect(self._on_card_dropped)
            col.move_requested.connect(self._on_move_step)
            col.reorder_requested.connect(self._on_reorder_step)
            col.edit_requested.connect(self.edit_action)
            col.delete_requested.connect(self.delete_action)
            col.menu_requested.connect(self._on_menu)
            v.addWidget(title)
            v.addWidget(col, 1)
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

    # ------------------------------------------------------------------ loading

    def _on_data_changed(self, changes) -> None:
        if changes is None or changes.actions or changes.feedback or changes.topics:
            self.reload()

    def reload(self) -> None:
        if self._load_task is not None:
            self._reload_again = True
            return
        topic = self.topic_filter.currentData() or None
        owner = self.owner_filter.currentData() or None

        def run(db, progress):
            from cxdesk.core.evaluation import board_data

            return board_data(db, topic=topic, owner=owner)

        self._load_task = self.ctx.run_task(run, write=False, title=_("Loading the board"))
        self._load_task.signals.finished.connect(self._on_loaded)
        self._load_task.signals.failed.connect(self.message_bar.show_error)
        self._load_task.signals.ended.connect(self._on_load_ended)

    def _on_load_ended(self) -> None:
        self._load_task = None
        if self._reload_again:
            self._reload_again = False
            self.reload()

    def _on_loaded(self, data) -> None:
        if self._reload_again:
            return   # a newer load follows
        self.data = data
        self._set_filter_choices(data.topics, data.owners)
        selected = self._select_after_load or self.current_action_id()
        self._select_after_load = None
        today = date.today()
        for col in self.columns.values():
            col.clear()
        for action, badge in data.cards:
            col = self.columns[action.status]
            item = QListWidgetItem(col)
            item.setData(ACTION_ID_ROLE, action.id)
            item.setData(Qt.DisplayRole, action.title)
            age = action.age_days(today)
            meta = [action.owner] if action.owner else []
            if action.live_date and action.status in ("live", "evaluated"):
                # Once live, the go-live date says more than the card's age (and both do not fit).
                meta.append(_("live {date}").format(date=action.live_date.strftime("%m-%d")))
            else:
                meta.append(ngettext("{n} day old", "{n} days old", age).format(n=age) if age else _("new today"))
            item.setData(CARD_ROLE, {
                "title": action.title, "status": action.status, "topics": _(", ").join(action.topics),
                "meta": " · ".join(meta), "badge": badge.text if badge else "",
                "chip": badge.chip if badge else "", "verdict": badge.verdict if badge else "",
            })
            tip = [action.title]
            if action.description:
                tip.append(action.description)
            if badge is not None:
                tip.append(f"{badge.chip}  {badge.metric}: {badge.text}" if badge.text else badge.chip)
            if not action.topics and not action.keywords:
                tip.append(_("No topic or keyword yet: its effect cannot be measured."))
            item.setToolTip("\n".join(tip))
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
        values = {"title": "", "topics": (), "status": "todo"}
        if prefill is None and self.topic_filter.currentData():
            values["topics"] = (self.topic_filter.currentData(),)   # the topic the owner is looking at
        prefill = dict(prefill or {})
        if "search" in prefill or (prefill.get("feedback_ids") and not prefill.get("topics")):
            # Rows from the feedback screen: propose the topics they share and the search word.
            from cxdesk.core.actions import propose_action

            proposal = propose_action(self.ctx.read_db(), prefill.get("feedback_ids") or (),
                                      prefill.pop("search", "") or "")
            prefill = {**proposal, **{k: v for k, v in prefill.items() if v}}
        values.update({k: v for k, v in prefill.items() if v is not None})
        values["topics"] = tuple(values.get("topics") or ())
        values["feedback_ids"] = tuple(int(i) for i in values.get("feedback_ids") or ())
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
            answer = QMessageBox.question(
                self, _("Delete action"),
                _("Delete “{title}”? You can undo this with Ctrl+Z.").format(title=a.title))
            if answer != QMessageBox.Yes:
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
