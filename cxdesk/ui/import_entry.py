"""Ways into the import wizard from the main window: File → Import, the first-run panel, drag-and-drop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog

from cxdesk.i18n import _
from cxdesk.ui import settings
from cxdesk.ui.database_menu import DATABASE_SUFFIXES

IMPORT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt", ".html", ".htm")


class ImportEntryMixin:
    """Part of MainWindow (needs `ctx`, `wizard`, `message_bar`, `open_database` and the `wizard_opened`
    signal)."""

    def _last_folder(self) -> str:
        folder = settings.get(settings.LAST_FOLDER)
        if folder and Path(folder).is_dir():
            return folder
        return str(Path.home())

    def _remember_folder(self, path: str | Path) -> None:
        settings.set(settings.LAST_FOLDER, str(Path(path).parent))

    def open_import(self, path: str | Path | None = None):
        """Open the import wizard on `path` (asks for a file when None); returns the wizard or None."""
        if not self.first_run_shop_saved():
            return None
        if path is None:
            filters = ";;".join([
                _("Spreadsheets and text tables") + " (" + " ".join("*" + s for s in IMPORT_SUFFIXES) + ")",
                _("All files") + " (*)",
            ])
            chosen, _sel = QFileDialog.getOpenFileName(self, _("Import a feedback file"), self._last_folder(), filters)
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        if path.name.startswith("~$"):
            self.message_bar.show_warning(_(
                "“{name}” is a temporary file Excel makes while a workbook is open. Please import the workbook "
                "itself (the file without “~$”).").format(name=path.name))
            return None
        self._remember_folder(path)
        from cxdesk.ui.importing import ImportWizard

        if self.wizard is not None:
            running = self.wizard.task is not None and not self.wizard.task.done.is_set()
            if running and self.wizard.pages.currentIndex() == self.wizard.PAGE_RUN:
                self.message_bar.show_warning(_("Please wait until the current task has finished."))
                self.wizard.raise_()
                return None
            self.wizard.close()
        wizard = ImportWizard(self.ctx, path, self)
        wizard.setAttribute(Qt.WA_DeleteOnClose)
        wizard.destroyed.connect(lambda *_a: setattr(self, "wizard", None))
        self.wizard = wizard
        wizard.open()
        self.wizard_opened.emit(wizard)
        return wizard

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        path = self._dropped_path(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop finishes, so the source application is not left waiting.
        if path.suffix.lower() in DATABASE_SUFFIXES:
            QTimer.singleShot(0, lambda: self.open_database(path))
        else:
            QTimer.singleShot(0, lambda: self.open_import(path))

    @staticmethod
    def _dropped_path(event) -> Path | None:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile():
                p = Path(url.toLocalFile())
                if p.is_file():
                    return p
        return None
