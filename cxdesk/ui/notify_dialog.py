"""通知当时抱怨的顾客: after a fix went live, the customers who complained about it before, each with a message.

The list comes from `case_notify.notify_list` (read task); marking as notified is a write task. Messages are
copied to the clipboard to paste on the platform; nothing is sent from here.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from cxdesk.core import case_notify, cases
from cxdesk.core.formatting import time_text
from cxdesk.i18n import _
from cxdesk.ui.widgets.dialogs import fit_to_screen
from cxdesk.ui.widgets.elide import short_title
from cxdesk.ui.widgets.message_bar import MessageBar


class NotifyDialog(QDialog):
    loaded = Signal()

    def __init__(self, ctx, action_id: int, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.action_id = action_id
        self.notices: list[cases.Notice] = []
        self.setWindowTitle(_("Tell the customers who complained"))
        fit_to_screen(self, 980, 600)
        self.message_bar = MessageBar(self)
        self.message_bar.hide()
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setText(_("Customers who complained about “{title}” in the four weeks before it went live. "
                             "Copy each message and send it on the platform, then mark them as notified.").format(
                                 title=short_title(title)))
        self.intro.setToolTip(title)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels([_("Channel"), _("Customer"), _("Time"), _("Review"), _("Notified")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col in (2, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        for col in (0, 1):      # a shop's long name or nickname is shortened (whole in its tooltip)
            header.setSectionResizeMode(col, QHeaderView.Interactive)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.currentCellChanged.connect(lambda row, *_a: self._show_message(row))
        self.message = QPlainTextEdit(self)
        self.message.setMaximumHeight(110)
        self.copy_button = QPushButton(_("Copy message"), self)
        self.copy_button.clicked.connect(self.copy_message)
        self.mark_button = QPushButton(_("Mark selected as notified"), self)
        self.mark_button.clicked.connect(self.mark_selected)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.mark_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel(_("Message"), self))
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        aid = self.action_id
        task = self.ctx.run_task(lambda db, p: case_notify.notify_list(db, aid), write=False, title="notify")
        task.signals.finished.connect(self._on_loaded)
        task.signals.failed.connect(self.message_bar.show_error)

    def _on_loaded(self, notices) -> None:
        self.notices = list(notices)
        self.table.setRowCount(len(self.notices))
        for row, n in enumerate(self.notices):
            values = (n.channel or "–", n.author or "–", time_text(n.created_at) if n.created_at else "",
                      " ".join(n.text.split()), time_text(n.notified_at) if n.notified_at else "")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col in (0, 1, 3):
                    item.setToolTip(n.text if col == 3 else value)
                self.table.setItem(row, col, item)
        char = self.table.fontMetrics().averageCharWidth()
        for col, most in ((0, 24 * char), (1, 16 * char)):
            self.table.resizeColumnToContents(col)
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), most))
        if not self.notices:
            self.message_bar.show_info(_("No customer complained about this action's topics in the weeks before it went live."))
        else:
            self.table.selectRow(0)
        self.loaded.emit()

    def _show_message(self, row: int) -> None:
        self.message.setPlainText(self.notices[row].message if 0 <= row < len(self.notices) else "")

    def copy_message(self) -> None:
        text = self.message.toPlainText().strip()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.message_bar.show_success(_("Message copied. Paste it on the platform."), timeout_ms=3000)

    def mark_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        ids = [self.notices[r].feedback_id for r in rows if r < len(self.notices)]
        if not ids:
            return
        aid = self.action_id
        task = self.ctx.run_task(lambda db, p: case_notify.mark_notified(db, aid, ids), title=_("Saving"))
        task.signals.finished.connect(lambda n: self.reload())
        task.signals.failed.connect(self.message_bar.show_error)
