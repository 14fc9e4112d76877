"""The preview's header: a chooser above each column name says what the column holds."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHeaderView

from cxdesk.i18n import _
from cxdesk.ui.importing.labels import IGNORE, ROLE_TIPS, role_label, role_names


class RoleHeaderView(QHeaderView):
    """A horizontal header with a role chooser above each column name."""

    role_changed = Signal(int, str)   # column, role ("" = ignore)

    def __init__(self, parent=None) -> None:
        super().__init__(Qt.Horizontal, parent)
        self.setSectionsClickable(False)
        self.setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.setMinimumSectionSize(90)
        self.combos: list[QComboBox] = []
        self._roles = role_names()
        probe = QComboBox()
        self._combo_height = probe.sizeHint().height()
        probe.deleteLater()
        self.sectionResized.connect(lambda *_a: self.place_combos())
        self.sectionMoved.connect(lambda *_a: self.place_combos())
        self.geometriesChanged.connect(self.place_combos)

    def set_columns(self, count: int, by_column: dict[int, str]) -> None:
        for combo in self.combos:
            combo.deleteLater()
        self.combos = []
        for col in range(count):
            combo = QComboBox(self.viewport())
            for role in self._roles:
                combo.addItem(role_label(role), role)
                if role in ROLE_TIPS:
                    combo.setItemData(combo.count() - 1, _(ROLE_TIPS[role]), Qt.ToolTipRole)
            combo.setAccessibleName(_("Role of column {n}").format(n=col + 1))
            combo.setCurrentIndex(max(0, combo.findData(by_column.get(col, IGNORE))))
            self._style(combo)
            combo.currentIndexChanged.connect(lambda _i, c=col: self._on_combo(c))
            combo.show()
            self.combos.append(combo)
        self.place_combos()

    def set_roles(self, by_column: dict[int, str]) -> None:
        for col, combo in enumerate(self.combos):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(by_column.get(col, IGNORE))))
            combo.blockSignals(False)
            self._style(combo)

    def role_of(self, column: int) -> str:
        return self.combos[column].currentData() if 0 <= column < len(self.combos) else IGNORE

    def _style(self, combo: QComboBox) -> None:
        font = combo.font()
        font.setBold(combo.currentData() != IGNORE)
        combo.setFont(font)

    def _on_combo(self, column: int) -> None:
        self._style(self.combos[column])
        self.role_changed.emit(column, self.combos[column].currentData())

    def place_combos(self) -> None:
        for col, combo in enumerate(self.combos):
            if col >= self.count() or self.isSectionHidden(col):
                combo.hide()
                continue
            x = self.sectionViewportPosition(col)
            combo.setGeometry(x + 2, 2, max(self.sectionSize(col) - 4, 20), self._combo_height)
            combo.show()

    def sizeHint(self):  # noqa: N802 - Qt override
        size = super().sizeHint()
        size.setHeight(size.height() + self._combo_height + 6)
        return size

    def paintSection(self, painter, rect: QRect, logical_index: int) -> None:  # noqa: N802 - Qt override
        # The column name sits in the lower part; the chooser covers the upper part.
        painter.save()
        super().paintSection(painter, rect.adjusted(0, self._combo_height + 4, 0, 0), logical_index)
        painter.restore()
