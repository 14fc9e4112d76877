"""The two questions about the shop — what kind of business, and its name — as used by the first-run
panel and by Settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from cxdesk.core.shop import BUSINESS_CHOICES, MAX_SHOP_NAME, ShopProfile, business_label
from cxdesk.i18n import _
from cxdesk.ui.widgets.elide import elided


class ShopFields(QWidget):
    """The fields, in a form of their own, or as rows of the caller's `form` (Settings), so that their
    labels share one column with the rows that follow; this widget itself then stays hidden and empty."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, form: QFormLayout | None = None) -> None:
        super().__init__(parent)
        if form is None:
            form = QFormLayout(self)
            form.setContentsMargins(0, 0, 0, 0)
        else:
            self.hide()
        self.business_combo = QComboBox(self)
        self.business_combo.addItem(_("Choose…"), None)
        for name in BUSINESS_CHOICES:
            self.business_combo.addItem(business_label(name), name)
        self.business_combo.setToolTip(_("Decides which topics cxdesk looks for first (you can add your own later)."))
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(MAX_SHOP_NAME)
        self.name_edit.setPlaceholderText(_("e.g. Wang's Noodle House"))
        self.name_edit.setToolTip(_("Shown on reports."))
        form.addRow(_("Kind of business:"), self.business_combo)
        form.addRow(_("Shop name:"), self.name_edit)
        # The logo for reports; only Settings shows it (the first run keeps to two questions).
        self.logo_path = ""
        self.logo_row = QWidget(self)
        row = QHBoxLayout(self.logo_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.logo_button = QPushButton(_("Choose…"), self.logo_row)
        self.logo_button.setToolTip(_("A PNG or JPEG picture printed at the top of reports"))
        self.logo_clear = QPushButton(_("No logo"), self.logo_row)
        row.addWidget(self.logo_button, 1)
        row.addWidget(self.logo_clear)
        self.logo_label = QLabel(_("Logo:"), self)
        form.addRow(self.logo_label, self.logo_row)
        self.logo_button.clicked.connect(self._choose_logo)
        self.logo_clear.clicked.connect(lambda: self.set_logo(""))
        self.show_logo(False)
        self._update_logo()
        self.business_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.name_edit.textChanged.connect(lambda _t: self.changed.emit())

    def set_profile(self, profile: ShopProfile) -> None:
        index = self.business_combo.findData(profile.business_type) if profile.business_type else 0
        self.business_combo.setCurrentIndex(max(0, index))
        self.name_edit.setText(profile.shop_name)
        self.set_logo(profile.logo)

    def show_logo(self, shown: bool) -> None:
        self.logo_label.setVisible(shown)
        self.logo_row.setVisible(shown)

    def set_logo(self, path: str) -> None:
        self.logo_path = str(path or "")
        self._update_logo()
        self.changed.emit()

    def _update_logo(self) -> None:
        name = Path(self.logo_path).name if self.logo_path else ""
        self.logo_button.setText(elided(name, QFontMetrics(self.logo_button.font()), 220) if name else _("Choose…"))
        self.logo_button.setToolTip(self.logo_path or _("A PNG or JPEG picture printed at the top of reports"))
        self.logo_clear.setEnabled(bool(self.logo_path))

    def _choose_logo(self) -> None:
        start = str(Path(self.logo_path).parent) if self.logo_path else ""
        path, _sel = QFileDialog.getOpenFileName(self, _("Choose the shop's logo"), start,
                                                 _("Pictures") + " (*.png *.jpg *.jpeg)")
        if path:
            self.set_logo(path)

    def business(self) -> str | None:
        return self.business_combo.currentData()

    def shop_name(self) -> str:
        return self.name_edit.text().strip()

    def select_business(self, name: str) -> None:
        self.business_combo.setCurrentIndex(max(0, self.business_combo.findData(name)))
