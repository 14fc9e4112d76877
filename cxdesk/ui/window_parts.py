"""Smaller pieces of the main window: the first-run panel, stand-in pages, the settings dialog, its icon."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtCore import Signal, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QFrame, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from cxdesk.core.shop import ShopProfile
from cxdesk.i18n import _, language
from cxdesk.ui import settings, theme
from cxdesk.ui.shop_fields import ShopFields
from cxdesk.ui.widgets.message_bar import MessageBar
from cxdesk.ui.widgets.layouts import centered


def display_path(path: Path) -> str:
    """A path as the owner reads it: `~/…` inside the home folder."""
    path = Path(path)
    try:
        return str(Path("~") / path.resolve().relative_to(Path.home().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)



def app_icon() -> QIcon:
    """The window icon, shipped inside the package."""
    with resources.as_file(resources.files("cxdesk.ui") / "resources" / "cxdesk.png") as path:
        return QIcon(str(path))



class FirstRunPanel(QWidget):
    """Shown instead of the screens while the database holds no feedback."""

    import_requested = Signal()
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        card = QFrame(self)
        card.setObjectName("FirstRunCard")
        card.setFrameShape(QFrame.StyledPanel)
        card.setMaximumWidth(560)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(36, 30, 36, 30)
        inner.setSpacing(14)
        title = QLabel(_("Welcome to cxdesk"), card)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(_(
            "Bring in the customer feedback you already have — review exports, shop back-end reports, "
            "survey results or your own Excel sheet. cxdesk reads it, finds how customers feel and what "
            "they talk about, and helps you decide what to improve."), card)
        text.setWordWrap(True)
        # A new shop says what it sells first: the topics cxdesk looks for follow from it.
        self.shop_box = QWidget(card)
        shop_layout = QVBoxLayout(self.shop_box)
        shop_layout.setContentsMargins(0, 4, 0, 4)
        shop_title = QLabel(_("First, tell cxdesk about your shop:"), self.shop_box)
        shop_title.setWordWrap(True)
        self.shop_fields = ShopFields(self.shop_box)
        shop_layout.addWidget(shop_title)
        shop_layout.addWidget(self.shop_fields)
        self.shop_fields.changed.connect(self._update_buttons)
        hint = QLabel(_("You can also drag an Excel or CSV file onto this window."), card)
        hint.setWordWrap(True)
        hint.setEnabled(False)
        buttons = QHBoxLayout()
        self.import_button = QPushButton(_("Import a file…"), card)
        self.import_button.setDefault(True)
        self.import_button.setMinimumHeight(36)
        self.demo_button = QPushButton(_("Open demo data"), card)
        self.demo_button.setMinimumHeight(36)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        inner.addWidget(title)
        inner.addWidget(text)
        inner.addWidget(self.shop_box)
        inner.addLayout(buttons)
        inner.addWidget(hint)
        outer.addLayout(centered(card, 3))
        outer.addStretch(3)
        self.import_button.clicked.connect(self.import_requested)
        self.demo_button.clicked.connect(self.demo_requested)
        self.shop_box.hide()

    def ask_for_shop(self, profile: ShopProfile | None) -> None:
        """Show the shop questions (filled from `profile`) for a database whose owner has not
        answered them yet; None hides them."""
        self.shop_box.setVisible(profile is not None)
        if profile is not None:
            self.shop_fields.set_profile(profile)
        self._update_buttons()

    def asking_for_shop(self) -> bool:
        return not self.shop_box.isHidden()

    def _update_buttons(self) -> None:
        ready = not self.asking_for_shop() or self.shop_fields.business() is not None
        self.import_button.setEnabled(ready)
        self.import_button.setToolTip("" if ready else _("Choose the kind of business first."))


class LoadingPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        label = QLabel(_("Opening…"), self)
        label.setAlignment(Qt.AlignCenter)
        label.setEnabled(False)
        layout.addWidget(label)


class ScreenErrorPage(QWidget):
    """Stands in for a screen that failed to load, so the rest of the window keeps working."""

    def __init__(self, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        bar = MessageBar(self)
        bar.show_error(message)
        layout.addWidget(bar)
        layout.addStretch(1)


class SettingsDialog(QDialog):
    LANGUAGES = (("zh_CN", "简体中文"), ("en", "English"))

    def __init__(self, parent: QWidget | None = None, profile: ShopProfile | None = None,
                 reply_hours: float | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        self.setMinimumWidth(440)
        self.profile = profile
        self.initial_reply_hours = reply_hours
        form = QFormLayout(self)
        # The shop's rows go into this form, so all labels share one column with the rows below.
        self.shop_fields = ShopFields(self, form if profile is not None else None)
        self.shop_fields.hide()
        if profile is not None:
            self.shop_fields.show_logo(True)
            self.shop_fields.set_profile(profile)
            business_note = QLabel(_("Another kind of business brings its own topics; the topics you made "
                                     "yourself stay, and the feedback is analysed again in the background."), self)
            business_note.setWordWrap(True)
            business_note.setStyleSheet(f"color: {theme.NOTE_TEXT[theme.is_dark()]}")
            form.addRow(business_note)
        self.reply_spin = QSpinBox(self)
        self.reply_spin.setRange(1, 720)
        self.reply_spin.setSuffix(_(" hours"))
        self.reply_spin.setToolTip(_("An unhappy review becomes a case in 客户跟进; it is overdue when not answered "
                                     "within this time. Applies to cases opened from now on."))
        if reply_hours is not None:
            self.reply_spin.setValue(max(1, round(reply_hours)))
            form.addRow(_("Answer unhappy reviews within:"), self.reply_spin)
        else:
            self.reply_spin.hide()
        self.language_combo = QComboBox(self)
        for code, name in self.LANGUAGES:
            self.language_combo.addItem(name, code)
        current = settings.ui_language()
        self.initial_language = current
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(current)))
        form.addRow(_("Language:"), self.language_combo)
        # The window may run in another language than the saved one (--lang, CXDESK_LANG): say which runs.
        self.language_note = QLabel(self)
        self.language_note.setWordWrap(True)
        form.addRow(self.language_note)
        self.language_combo.currentIndexChanged.connect(self._show_language_note)
        self._show_language_note()
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _show_language_note(self) -> None:
        names = dict(self.LANGUAGES)
        running = language()
        chosen = self.language_combo.currentData()
        if chosen == running:
            text = _("cxdesk is running in {language}. Another language applies when cxdesk starts again; "
                     "you can restart right away.").format(language=names.get(running, running))
        else:
            text = _("cxdesk is running in {running} now; {chosen} applies when cxdesk starts again "
                     "(you can restart right away).").format(running=names.get(running, running),
                                                             chosen=self.language_combo.currentText())
        self.language_note.setText(text)

    def reply_hours_changed(self) -> bool:
        return self.initial_reply_hours is not None and self.reply_spin.value() != round(self.initial_reply_hours)

    def language_changed(self) -> bool:
        return self.language_combo.currentData() != self.initial_language

    def shop_changed(self) -> bool:
        """Whether the owner changed the kind of business or the shop name."""
        if self.profile is None:
            return False
        return (self.shop_fields.business() != self.profile.business_type
                or self.shop_fields.shop_name() != self.profile.shop_name
                or self.shop_fields.logo_path != self.profile.logo)

    def accept(self) -> None:
        settings.set(settings.LANGUAGE, self.language_combo.currentData())
        super().accept()
