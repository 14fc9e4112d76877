"""Small question dialogs wide enough for their whole title.

Window managers cut a title that does not fit the title bar (“新建主题...xdesk”), and Qt on Linux adds
“ — cxdesk” to it; these dialogs are made at least as wide as that title plus the title bar's buttons.
"""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QApplication, QDialog, QGridLayout, QInputDialog, QLabel, QLineEdit, QMessageBox, QSizePolicy, QSpacerItem,
                               QWidget)

TITLE_BAR_EXTRA_PX = 160     # close/minimise buttons, the icon and the bar's margins
FRAME_PX = (16, 56)           # a window frame's borders and title bar, which the screen must hold too


def title_width(title: str, widget: QWidget | None = None) -> int:
    """Pixels the whole window title needs in the title bar, with the app name Qt may add."""
    app_name = QApplication.applicationDisplayName()
    shown = f"{title} — {app_name}" if app_name and app_name not in title else title
    font = QApplication.font("QMdiSubWindowTitleBar") if widget is None else widget.font()
    bold = QFontMetrics(font).horizontalAdvance(shown) * 1.1    # title bars often use a bolder face
    return int(bold) + TITLE_BAR_EXTRA_PX


def fit_title(dialog: QWidget) -> None:
    """Make `dialog` at least wide enough for its whole title (never wider than its screen)."""
    need = title_width(dialog.windowTitle(), dialog)
    screen = dialog.screen() or QApplication.primaryScreen()
    if screen is not None:
        need = min(need, screen.availableGeometry().width() - 40)
    # Message and input boxes size themselves from their layout and overrule a minimum width;
    # a spacer as wide as the title in that layout holds them open.
    spacer = QSpacerItem(need, 0, QSizePolicy.Minimum, QSizePolicy.Fixed)
    layout = dialog.layout()
    if isinstance(layout, QGridLayout):
        layout.addItem(spacer, layout.rowCount(), 0, 1, layout.columnCount())
    elif layout is not None:
        layout.addItem(spacer)
    else:
        # QInputDialog builds its layout only when shown; its label, there already, sets the width.
        label = dialog.findChild(QLabel)
        if label is not None:
            label.setMinimumWidth(need)
    if dialog.minimumWidth() < need:
        dialog.setMinimumWidth(need)


def fit_to_screen(window: QWidget, width: int | None = None, height: int | None = None) -> None:
    """Size `window` to width×height (default: its size now), or smaller, so that it and its frame fit
    on its screen (1366×768 at 125 % leaves 1093×614)."""
    parent = window.parentWidget()
    # QWidget.screen unbound: the main window has a screen(key) of its own.
    screen = (QWidget.screen(parent) if parent is not None else None) or window.screen() or QApplication.primaryScreen()
    if screen is None:
        return
    avail = screen.availableGeometry()
    room_w, room_h = avail.width() - FRAME_PX[0], avail.height() - FRAME_PX[1]
    window.resize(min(width or window.width(), room_w), min(height or window.height(), room_h))


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> tuple[str, bool]:
    """One line of text from the owner; (text, True) on OK."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextEchoMode(QLineEdit.Normal)
    dialog.setTextValue(text)
    fit_title(dialog)
    ok = dialog.exec() == QDialog.Accepted
    return dialog.textValue(), ok


def ask_item(parent: QWidget | None, title: str, label: str, items: list[str], current: int = 0,
             editable: bool = True) -> tuple[str, bool]:
    """One of `items` (or a typed value when `editable`); (value, True) on OK."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setComboBoxItems(items)
    dialog.setComboBoxEditable(editable)
    if 0 <= current < len(items):
        dialog.setTextValue(items[current])
    fit_title(dialog)
    ok = dialog.exec() == QDialog.Accepted
    return dialog.textValue(), ok


def ask_yes_no(parent: QWidget | None, title: str, text: str) -> bool:
    """A yes/no question; True on Yes."""
    box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.Yes | QMessageBox.No, parent)
    box.setDefaultButton(QMessageBox.No)
    fit_title(box)
    return box.exec() == QMessageBox.Yes
