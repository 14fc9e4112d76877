"""A translucent cover over a widget while its data loads, so the owner sees work is happening.

The overlay follows its parent's size, swallows clicks to what is underneath, and only appears after
a short delay so quick reloads do not flicker.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from cxdesk.i18n import _


class BusyOverlay(QWidget):
    def __init__(self, parent: QWidget, *, delay_ms: int = 300) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.StrongFocus)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.label = QLabel(_("Working…"), self)
        self.label.setAlignment(Qt.AlignCenter)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setFixedWidth(220)
        self.bar.setTextVisible(False)
        layout.addWidget(self.label, 0, Qt.AlignHCenter)
        layout.addWidget(self.bar, 0, Qt.AlignHCenter)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._appear)
        parent.installEventFilter(self)
        self.hide()

    def start(self, text: str = "") -> None:
        """Show after the delay (immediately if the delay is 0)."""
        self.label.setText(text or _("Working…"))
        if self._timer.interval() <= 0:
            self._appear()
        else:
            self._timer.start()

    def set_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)

    def stop(self) -> None:
        self._timer.stop()
        self.hide()
        self.bar.setRange(0, 0)

    @property
    def pending(self) -> bool:
        return self._timer.isActive() or self.isVisible()

    def _appear(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.parentWidget() and event.type() == QEvent.Resize:
            self.setGeometry(self.parentWidget().rect())
        return super().eventFilter(obj, event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        colour = QColor(self.palette().window().color())
        colour.setAlpha(190)
        painter.fillRect(self.rect(), colour)
