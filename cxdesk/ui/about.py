"""Help → About: version and the licences of the components shipped with cxdesk.

The list of components is `cxdesk.licenses.COMPONENTS`; versions come from the installed package
metadata so the box never lies about what is inside.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from cxdesk import __version__
from cxdesk.i18n import _
from cxdesk.ui.widgets.dialogs import fit_to_screen


def component_versions() -> list[tuple[str, str, str]]:
    """(name, version, licence) for every bundled component (the list lives in `cxdesk.licenses`)."""
    from PySide6.QtCore import qVersion

    from cxdesk.licenses import component_versions as components

    rows = []
    for comp, version in components():
        if comp.distribution.startswith("PySide6"):
            version = f"{version} (Qt {qVersion()})" if version else f"Qt {qVersion()}"
        rows.append((comp.name, version, comp.license))
    return rows


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("About cxdesk"))
        layout = QVBoxLayout(self)
        title = QLabel(f"<h2>cxdesk {__version__}</h2>", self)
        intro = QLabel(
            _("Collect, analyze and act on your customers' feedback — on your own computer, offline."), self)
        intro.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(QLabel(_("Components included and their licences:"), self))
        rows = component_versions()
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels([_("Component"), _("Version"), _("Licence")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.NoSelection)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemIsEnabled)
                self.table.setItem(r, c, item)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeToContents)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_to_screen(self, 520, 520)
