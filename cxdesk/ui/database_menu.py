"""The window's database commands: open, new, recent, backup and the demo database."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from cxdesk.i18n import _
from cxdesk.ui import settings

DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


class DatabaseMenuMixin:
    """Part of MainWindow (needs `ctx`, `lock`, `message_bar`, `welcome`, `recent_menu`, `_user_tasks`)."""

    def choose_database(self) -> None:
        chosen, _sel = QFileDialog.getOpenFileName(
            self, _("Open database"), str(self.ctx.db_path.parent),
            _("cxdesk databases") + " (*.db *.sqlite *.sqlite3);;" + _("All files") + " (*)")
        if chosen:
            self.open_database(Path(chosen))

    def choose_new_database(self) -> None:
        chosen, _sel = QFileDialog.getSaveFileName(
            self, _("New database"), str(self.ctx.db_path.parent / _("new-shop.db")),
            _("cxdesk databases") + " (*.db)")
        if chosen:
            path = Path(chosen)
            if path.suffix.lower() not in DATABASE_SUFFIXES:
                path = path.with_suffix(".db")
            self.open_database(path, create=True)

    def open_database(self, path: Path, *, create: bool = False, finishing=None) -> bool:
        """Switch the window to the database at `path`; False (with a message) if it cannot be used.

        `finishing`: the task that asks for the switch as its last step (it is not "still running").
        """
        from cxdesk.core.errors import CxdeskError
        from cxdesk.core.storage import open_db

        path = Path(path)
        if [t for t in self._user_tasks() if t is not finishing]:
            self.message_bar.show_warning(_("Please wait until the current task has finished."))
            return False
        if self.lock is not None and not self.lock.switch_to(path):
            self.message_bar.show_error(
                _("“{path}” is already open in another cxdesk window.").format(path=path))
            return False
        try:
            open_db(path, create=create).close()
        except CxdeskError as exc:
            if self.lock is not None:
                self.lock.switch_to(self.ctx.db_path)
            self.message_bar.show_error(str(exc))
            return False
        self.message_bar.dismiss()
        self.ctx.set_db_path(path)
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = [p for p in settings.get(settings.RECENT_DATABASES) if p]
        if not items:
            action = self.recent_menu.addAction(_("(none yet)"))
            action.setEnabled(False)
            return
        for text in items:
            action = self.recent_menu.addAction(text)
            action.setEnabled(Path(text).exists())
            action.triggered.connect(lambda _c=False, p=text: self.open_database(Path(p)))

    def choose_backup(self) -> None:
        from datetime import datetime

        from cxdesk.core.storage import backup_dir

        folder = backup_dir(self.ctx.db_path)
        folder.mkdir(parents=True, exist_ok=True)
        suggested = folder / f"{self.ctx.db_path.stem}-{datetime.now():%Y%m%d-%H%M}.db"
        chosen, _sel = QFileDialog.getSaveFileName(self, _("Back up the database"), str(suggested),
                                                   _("cxdesk databases") + " (*.db)")
        if chosen:
            self.backup(Path(chosen))

    def backup(self, target: Path | None = None):
        """Write a backup copy off the GUI thread; returns the task."""

        def work(db, progress):
            from cxdesk.core.storage import make_backup

            return make_backup(db, reason="manual", target=target)

        task = self.ctx.run_task(work, write=False, title=_("Backing up"))
        task.signals.finished.connect(
            lambda p: self.message_bar.show_success(_("Backup written to {path}").format(path=p), timeout_ms=15000))
        task.signals.failed.connect(self.message_bar.show_error)
        return task

    def open_demo(self, target: Path | None = None):
        """Create a fresh demo database (off the GUI thread) at `target` (default: the demo folder of
        the data folder) and switch to it; returns the task or None."""
        from cxdesk.core.demo import create_demo_db
        from cxdesk.core.storage import data_dir

        path = Path(target) if target is not None else data_dir() / "demo" / "cxdesk-demo.db"
        if self.ctx.db_path == path:
            self.ctx.close()  # the old demo file is about to be replaced

        def work(_db, progress):
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                extra = path.with_name(path.name + suffix)
                if extra.exists():
                    extra.unlink()
            create_demo_db(path, progress=progress)
            return path

        from cxdesk.ui.tasks import show_delayed_progress

        task = self.ctx.tasks.start(work, None, write=True, title=_("Preparing demo data"))
        show_delayed_progress(task, self, _("Preparing demo data"), cancellable=False)
        self.welcome.demo_button.setEnabled(False)
        task.signals.finished.connect(lambda p: self.open_database(Path(p), finishing=task))
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(lambda: self.welcome.demo_button.setEnabled(True))
        return task
