"""A thin bar at the top of a screen that shows one message (error, warning or info) until closed.

Each screen owns one; failures of its tasks go here instead of modal boxes, so the owner can keep
working and the text stays readable and copyable.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStyle, QToolButton, QWidget

from cxdesk.i18n import _
from cxdesk.ui import theme


class MessageBar(QFrame):
    """`show_error(text)`, `show_info(text)`, `show_warning(text)`, `show_success(text)`; one at a time.

    An optional action button (`action_text`, `on_action`) lets a message offer one next step,
    e.g. "打开日志" or "查看新数据".
    """

    closed = Signal()
    action_triggered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.setFrameShape(QFrame.StyledPanel)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(8)
        self.icon_label = QLabel(self)
        self.text_label = QLabel(self)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.text_label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.action_button = QPushButton(self)
        self.action_button.hide()
        self.action_button.clicked.connect(self._on_action)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(_("Close this message"))
        self.close_button.clicked.connect(self.dismiss)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self._kind = ""
        self._callback = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    # ---------------------------------------------------------------- public

    @property
    def kind(self) -> str:
        return self._kind

    def text(self) -> str:
        return self.text_label.text()

    def show_error(self, text: str, *, action_text: str = "", on_action=None) -> None:
        self._show("error", text, action_text, on_action, 0)

    def show_warning(self, text: str, *, action_text: str = "", on_action=None) -> None:
        self._show("warning", text, action_text, on_action, 0)

    def show_info(self, text: str, *, action_text: str = "", on_action=None, timeout_ms: int = 0) -> None:
        self._show("info", text, action_text, on_action, timeout_ms)

    def show_success(self, text: str, *, action_text: str = "", on_action=None, timeout_ms: int = 0) -> None:
        self._show("success", text, action_text, on_action, timeout_ms)

    def dismiss(self) -> None:
        self._timer.stop()
        was_visible = not self.isHidden()
        self.hide()
        self._kind = ""
        if was_visible:
            self.closed.emit()

    # ---------------------------------------------------------------- internals

    def _show(self, kind: str, text: str, action_text: str, on_action, timeout_ms: int) -> None:
        self._kind = kind
        self._callback = on_action
        icons = {"error": QStyle.SP_MessageBoxCritical, "warning": QStyle.SP_MessageBoxWarning,
                 "info": QStyle.SP_MessageBoxInformation, "success": QStyle.SP_DialogApplyButton}
        size = self.fontMetrics().height() + 2
        self.icon_label.setPixmap(self.style().standardIcon(icons[kind]).pixmap(size, size))
        self.text_label.setText(text)
        self.setAccessibleName(text)
        bg, fg, border = theme.MESSAGE[kind]   # readable on light and dark palettes alike
        pal = self.palette()
        pal.setColor(QPalette.Window, QColor(bg))
        pal.setColor(QPalette.WindowText, QColor(fg))
        self.setPalette(pal)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            f"#MessageBar {{ background: {bg}; border: 1px solid {border}; border-radius: 4px; }}"
            f"#MessageBar QLabel, #MessageBar QToolButton {{ color: {fg}; }}"
        )
        if action_text:
            self.action_button.setText(action_text)
            self.action_button.show()
        else:
            self.action_button.hide()
        self.show()
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def _on_action(self) -> None:
        self.action_triggered.emit()
        if self._callback is not None:
            self._callback()
