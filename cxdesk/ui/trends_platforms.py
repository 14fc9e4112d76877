"""概览's platform comparison: per channel (美团, 淘宝, …, 未指定) the volume, its part of all feedback, the
negative share and the mean rating, for the same days and topic as the rest of the overview.

The numbers come from `trends.counts_by_channel` in the overview's load; double-clicking a platform
narrows the whole overview to it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from cxdesk.core.formatting import count, decimal, percent
from cxdesk.i18n import _

CHANNEL_ROLE = Qt.UserRole + 1
VALUE_ROLE = Qt.UserRole + 2


class PlatformTable(QTableWidget):
    """One row per channel, biggest first; `channel_chosen(str)` on double-click ("" = 未指定)."""

    channel_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 5, parent)
        self.setHorizontalHeaderLabels([_("Platform"), _("Feedback"), _("Part of all"), _("Negative share"),
                                        _("Mean rating")])
        tips = (_("Where the feedback came from; “Unspecified” = imported without a platform"),
                _("Feedback rows in the chosen days and topic"),
                _("This platform's part of all feedback rows shown"),
                _("Of its feedback whose tone could be judged, how much was negative"),
                _("Average star rating (1–5) of its rows that have one"))
        for col, tip in enumerate(tips):
            self.horizontalHeaderItem(col).setToolTip(tip)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for col in range(1, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        self.setToolTip(_("Double-click a platform to show only its feedback on this page"))
        self.itemDoubleClicked.connect(self._on_double_click)

    def set_counts(self, by_channel: dict) -> None:
        """`by_channel`: channel ('' = none) -> trends.Counts, in the order to show."""
        total = sum(c.total for c in by_channel.values()) or 1
        self.setRowCount(0)
        for channel, c in by_channel.items():
            row = self.rowCount()
            self.insertRow(row)
            name = channel or _("Unspecified")
            cells = ((name, None), (count(c.total), c.total), (percent(c.total / total, 0), c.total / total),
                     (percent(c.negative_share), c.negative_share), (decimal(c.mean_rating, 1), c.mean_rating))
            for col, (text, value) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(CHANNEL_ROLE, channel)
                item.setData(VALUE_ROLE, value)
                item.setToolTip(text)
                if col:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.setItem(row, col, item)

    def channels(self) -> list[str]:
        return [self.item(r, 0).data(CHANNEL_ROLE) for r in range(self.rowCount())]

    def _on_double_click(self, item: QTableWidgetItem) -> None:
        self.channel_chosen.emit(item.data(CHANNEL_ROLE))
