"""Long text never widens the window: buttons and labels show it shortened with “…”, whole in the tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QLabel, QSizePolicy, QToolButton, QWidget

MAX_BUTTON_PX = 260   # at 1366×768 with 125 % scaling a screen is ~1090 px wide; a button takes a quarter at most

_GUARDED = "_cxdesk_elide_guard"


def elided(text: str, metrics: QFontMetrics, max_px: int) -> str:
    """`text` on one line, shortened in the middle of a word if need be, ending in “…”."""
    one_line = " ".join(str(text or "").split())
    return metrics.elidedText(one_line, Qt.ElideRight, max_px)


def short_title(title: str, limit: int = 40) -> str:
    """An action's title inside a sentence or a heading: a 200-character title would fill half a dialog."""
    one_line = " ".join(str(title or "").split())
    return one_line if len(one_line) <= limit else one_line[:limit - 1].rstrip() + "…"


def guard_action(action: QAction, widget: QWidget, max_px: int = MAX_BUTTON_PX) -> None:
    """Keep the text a tool button shows for `action` short: its icon text is the elided text and its
    tooltip the whole (the undo button reads “撤销 新建措施 “<a 200-character title>”” otherwise)."""
    if action.property(_GUARDED):
        return
    action.setProperty(_GUARDED, True)
    busy = []

    def update() -> None:
        if busy:
            return
        busy.append(True)
        try:
            full = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
            short = elided(full, QFontMetrics(widget.font()), max_px)
            if action.iconText() != short:
                action.setIconText(short)
            tip = full if short != full else ""
            if action.toolTip() != (tip or full):
                action.setToolTip(tip or full)
        finally:
            busy.clear()

    # QAction tells its widgets first and then emits `changed`, so the button shows the short text
    # before its layout is next computed.
    action.changed.connect(update)
    update()


def guard_button(button: QAbstractButton, max_px: int = MAX_BUTTON_PX) -> None:
    """Shorten a button's text now (and a tool button's default action from now on)."""
    if isinstance(button, QToolButton) and button.defaultAction() is not None:
        guard_action(button.defaultAction(), button, max_px)
        return
    full = " ".join(button.text().split())
    short = elided(full, QFontMetrics(button.font()), max_px)
    if short != full:
        button.setText(short)
        if not button.toolTip():
            button.setToolTip(full)


def guard_widget_tree(root: QWidget) -> None:
    """Every button under `root`, and every tool button's action from now on: shortened, whole in the tooltip."""
    for button in root.findChildren(QAbstractButton):
        guard_button(button)


class ElidedLabel(QLabel):
    """A one-line label that shortens its text to the width it is given (whole text in the tooltip)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.setMinimumWidth(40)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self._full = " ".join(str(text or "").split())
        self._refit()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        short = elided(self._full, QFontMetrics(self.font()), max(self.width(), 40))
        QLabel.setText(self, short)
        self.setToolTip(self._full if short != self._full else "")


__all__ = ["elided", "guard_action", "guard_button", "guard_widget_tree", "ElidedLabel", "MAX_BUTTON_PX"]


class WholeTextLabel(QLabel):
    """A wrapped label that asks for the height its whole text needs at its width (the page scrolls)."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self._fit_height()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        needed = self.heightForWidth(self.width()) if self.text() else 0
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)
