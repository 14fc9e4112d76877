"""The two questions about the shop — what kind of business, and its name — as used by the first-run
panel and by Settings."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from cxdesk.core.shop import BUSINESS_CHOICES, MAX_SHOP_NAME, ShopProfile, business_label
from cxdesk.i18n import _


class ShopFields(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.business_combo = QComboBox(self)
        self.business_combo.addItem(_("Choose…"), None)
        for name in BUSINESS_CHOICES:
            self.business_combo.addItem(business_label(name), name)
        self.business_combo.setToolTip(_("Decides which topics cxdesk looks for first (you can add your own later)."))
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(MAX_SHOP_NAME)
        self.name_edit.setPlaceholderText(_("e.g. 老王面馆"))
        self.name_edit.setToolTip(_("Shown on reports."))
        form.addRow(_("Kind of business:"), self.business_combo)
        form.addRow(_("Shop name:"), self.name_edit)
        self.business_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.name_edit.textChanged.connect(lambda _t: self.changed.emit())

    def set_profile(self, profile: ShopProfile) -> None:
        index = self.business_combo.findData(profile.business_type) if profile.business_type else 0
        self.business_combo.setCurrentIndex(max(0, index))
        self.name_edit.setText(profile.shop_name)

    def business(self) -> str | None:
        return self.business_combo.currentData()

    def shop_name(self) -> str:
        return self.name_edit.text().strip()

    def select_business(self, name: str) -> None:
        self.business_combo.setCurrentIndex(max(0, self.business_combo.findData(name)))
