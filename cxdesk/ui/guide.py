"""Help → 使用指南: the short offline guide (HTML shipped in cxdesk/ui/resources/guide, one per UI language)
that explains each number in plain words and walks the loop with the README's screenshots."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from cxdesk.i18n import _, language
from cxdesk.ui.widgets.dialogs import fit_to_screen

GUIDES = {"zh": "guide_zh_CN.html", "en": "guide_en.html"}


def guide_path(lang: str | None = None) -> Path:
    """The guide file for `lang` (the UI language by default); Chinese for any other language."""
    lang = (lang or language()).lower()
    name = GUIDES["en"] if lang.startswith("en") else GUIDES["zh"]
    # The package is on disk in a checkout, a wheel and the bundle alike (the images sit beside it).
    return Path(str(resources.files("cxdesk.ui") / "resources" / "guide" / name))


class GuideDialog(QDialog):
    """The guide in a browser pane: links within it jump, links out open in the system browser."""

    def __init__(self, parent: QWidget | None = None, lang: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("User guide"))
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._on_link)
        self.browser.setSource(QUrl.fromLocalFile(str(guide_path(lang))))
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser, 1)
        lay.addWidget(buttons)
        fit_to_screen(self, 760, 720)

    def _on_link(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
        elif url.hasFragment() and (not url.path() or url.path() == self.browser.source().path()):
            self.browser.scrollToAnchor(url.fragment())


def open_guide(parent: QWidget | None = None) -> GuideDialog:
    """Show the guide (not modal: the owner can read it beside the window)."""
    dialog = GuideDialog(parent)
    dialog.show()
    return dialog
