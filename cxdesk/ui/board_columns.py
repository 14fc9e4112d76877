"""The board's columns and cards: one QListWidget per status whose cards `CardDelegate` paints.

The action id travels in `ACTION_ID_ROLE` and in the drag's mime data, so drops and tests never parse
display text.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (QAbstractItemView, QListView, QListWidget, QListWidgetItem, QFrame, QLabel, QStyle,
                               QStyledItemDelegate, QStyleOptionViewItem, QVBoxLayout, QWidget)

from cxdesk.core.formatting import short_day_text
from cxdesk.i18n import _, ngettext
from cxdesk.ui import theme

MIME_TYPE = "application/x-cxdesk-action"
ACTION_ID_ROLE = Qt.UserRole + 1
CARD_ROLE = Qt.UserRole + 2      # dict: title, topics, owner, age, badge text, verdict


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
        painter.setPen(QPen(pal.highlight().color() if selected else QColor(theme.CARD.border), 2 if selected else 1))
        painter.setBrush(QColor(theme.CARD.background))
        painter.drawRoundedRect(rect, 6, 6)
        painter.fillRect(QRect(rect.left() + 1, rect.top() + 5, 4, rect.height() - 10),
                         QColor(theme.ACTION_STATUS.get(card.get("status"), theme.ACTION_STATUS_OTHER)))
        inner = rect.adjusted(self.PAD + 4, self.PAD - 3, -self.PAD, -self.PAD)
        title_h, line, _total = self._layout(option, card, inner.width())
        flags = Qt.AlignLeft | Qt.AlignTop | Qt.TextDontClip

        title_font = self._title_font(option)
        tfm = QFontMetrics(title_font)
        painter.setFont(title_font)
        painter.setPen(QColor(theme.CARD.title))
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
            painter.setPen(QColor(theme.CARD.topics))
            painter.drawText(QRect(inner.left(), y, inner.width(), line), flags,
                             fm.elidedText("# " + topics, Qt.ElideRight, inner.width()))
            y += line
        painter.setPen(QColor(theme.CARD.meta))
        painter.drawText(QRect(inner.left(), y, inner.width(), line), flags,
                         fm.elidedText(card.get("meta", ""), Qt.ElideRight, inner.width()))
        y += line + self.GAP
        chip = card.get("chip")
        if chip:
            # The verdict chip, then the change in the named metric beside it.
            bg, fg = theme.VERDICT.get(card.get("verdict"), theme.VERDICT_OTHER)
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
                painter.setPen(QColor(theme.CARD.change))
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

    def add_card(self, action, badge, today: date) -> QListWidgetItem:
        """A card for `action` (with its verdict badge, or None) at the end of the column."""
        item = QListWidgetItem(self)
        item.setData(ACTION_ID_ROLE, action.id)
        item.setData(Qt.DisplayRole, action.title)
        age = action.age_days(today)
        meta = [action.owner] if action.owner else []
        if action.live_date and action.status in ("live", "evaluated"):
            # Once live, the go-live date says more than the card's age (and both do not fit).
            meta.append(_("live {date}").format(date=short_day_text(action.live_date)))
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
        return item


def column_box(status: str, parent: QWidget) -> tuple[QFrame, QLabel, BoardColumn]:
    """A framed column: its title (name and count, set by the screen) above its cards."""
    box = QFrame(parent)
    box.setObjectName("BoardColumnBox")
    box.setStyleSheet("#BoardColumnBox { background: palette(window); "
                      f"border: 1px solid {theme.COLUMN_BORDER}; border-radius: 6px; }}")
    v = QVBoxLayout(box)
    v.setContentsMargins(6, 6, 6, 6)
    title = QLabel(box)
    font = title.font()
    font.setBold(True)
    title.setFont(font)
    title.setStyleSheet(f"color: {theme.ACTION_STATUS[status]}; border: none;")
    col = BoardColumn(status, box)
    col.setStyleSheet("QListWidget { background: transparent; border: none; }")
    v.addWidget(title)
    v.addWidget(col, 1)
    return box, title, col
