"""Pieces of the overview screen: a KPI card and the empty state shown before any feedback is imported."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from cxdesk.i18n import _
from cxdesk.ui import theme
from cxdesk.ui.widgets.elide import ElidedLabel
from cxdesk.ui.widgets.layouts import centered


class KpiCard(QFrame):
    """A number, its caption and the change against the previous period (arrow and colour)."""

    def __init__(self, caption: str, tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KpiCard")
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet("#KpiCard { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }")
        self.setToolTip(tooltip)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        lay.setSpacing(2)
        # Every line is shortened with “…” (whole in its tooltip) rather than widen the window.
        self.caption = ElidedLabel(caption, self)
        self.caption.setStyleSheet("color: palette(dark);")
        self.value = ElidedLabel("–", self)
        self.value.setFont(theme.scaled_font(self.value.font(), theme.BIG_NUMBER_SCALE))
        self.change = ElidedLabel("", self)
        lay.addWidget(self.caption)
        lay.addWidget(self.value)
        lay.addWidget(self.change)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def set(self, value: str, change: str = "", direction: int = 0, good_when_up: bool | None = None) -> None:
        """`direction` is the sign of the change; `good_when_up` picks green/red (None = neutral blue)."""
        self.value.set_full_text(value)
        if not change:
            self.change.set_full_text("")
            return
        arrow = "▲" if direction > 0 else ("▼" if direction < 0 else "＝")
        if direction == 0 or good_when_up is None:
            colour = theme.CHANGE_NEUTRAL
        else:
            colour = theme.CHANGE_GOOD if (direction > 0) == good_when_up else theme.CHANGE_BAD
        self.change.setStyleSheet(f"color: {colour};")
        self.change.set_full_text(f"{arrow} {change}")


class EmptyState(QWidget):
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.addStretch(2)
        title = QLabel(_("No feedback yet"), self)
        title.setFont(theme.scaled_font(title.font(), 1.6))
        title.setAlignment(Qt.AlignCenter)
        text = QLabel(_("Import an Excel or CSV export of your reviews, survey answers or chat records. "
                        "This page then shows how customers feel, whether it is getting better, and what "
                        "they complain about most."), self)
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignCenter)
        text.setMinimumWidth(420)
        text.setMaximumWidth(560)
        self.button = QPushButton(_("Import a file…"), self)
        self.button.setMinimumHeight(36)
        self.button.setDefault(True)
        self.button.clicked.connect(self.import_requested)
        lay.addWidget(title)
        lay.addLayout(centered(text))
        lay.addLayout(centered(self.button))
        lay.addStretch(3)
