"""The window's part that knows the shop: the first-run answers, File → Settings and the restart offer."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QDialog, QMessageBox

from cxdesk.i18n import _
from cxdesk.ui.window_parts import SettingsDialog

log = logging.getLogger("cxdesk")


class ShopSettingsMixin:
    """Mixed into MainWindow: it relies on `ctx`, `welcome`, `message_bar`, `run_analysis` and
    `_database_is_empty` of the window."""

    def _shop_to_ask(self):
        """The shop profile when this database's owner has not said what the business is, else None."""
        from cxdesk.core.shop import needs_setup, shop_profile

        try:
            db = self.ctx.read_db()
            return shop_profile(db) if needs_setup(db) else None
        except Exception as exc:  # noqa: BLE001 - the empty-state check already reports an unreadable database
            log.warning("cannot read the shop settings: %s", exc)
            return None

    def first_run_shop_saved(self) -> bool:
        """Before the first import into a new database: store the answers of the first-run panel.
        False (with a sentence in the message bar) while the kind of business is not chosen."""
        if not self.welcome.asking_for_shop():
            return True
        business = self.welcome.shop_fields.business()
        if business is None:
            self.message_bar.show_warning(_("First choose the kind of business on the welcome page, "
                                            "so cxdesk looks for the right topics."))
            return False
        self.save_shop(business, self.welcome.shop_fields.shop_name(), reanalyse=False)
        self.welcome.ask_for_shop(None)
        return True

    def save_shop(self, business: str | None, name: str, *, reanalyse: bool = True, logo: str | None = None):
        """Store the kind of business and the shop name (off the GUI thread; the single writer runs
        it before any import started after it); re-analyses the feedback when the topics changed."""
        from cxdesk.core.changes import NOTHING
        from cxdesk.core.shop import set_business_type, set_logo, set_shop_name

        def work(db, _progress):
            changes = set_shop_name(db, name)
            if logo is not None:
                changes = changes | set_logo(db, logo)
            if business is not None:
                changes = changes | set_business_type(db, business)
            return changes

        task = self.ctx.run_task(work, title=_("Saving the shop settings"))

        def done(changes) -> None:
            self.ctx.notify(changes or NOTHING)
            if reanalyse and changes is not None and changes.topics and not self._database_is_empty():
                self.run_analysis()

        task.signals.finished.connect(done)
        task.signals.failed.connect(self.message_bar.show_error)
        return task

    def open_settings(self) -> None:
        from cxdesk.core.cases import get_settings
        from cxdesk.core.shop import shop_profile

        try:
            db = self.ctx.read_db()
            profile, reply_hours = shop_profile(db), get_settings(db).reply_target_hours
        except Exception as exc:  # noqa: BLE001 - the language can still be set
            log.warning("cannot read the shop settings: %s", exc)
            profile, reply_hours = None, None
        dialog = SettingsDialog(self, profile, reply_hours)
        self.settings_dialog = dialog
        if dialog.exec() == QDialog.Accepted:
            self.apply_settings(dialog)

    def apply_settings(self, dialog: SettingsDialog) -> None:
        if dialog.shop_changed():
            self.save_shop(dialog.shop_fields.business(), dialog.shop_fields.shop_name(),
                           logo=dialog.shop_fields.logo_path)
            if self.welcome.asking_for_shop() and dialog.shop_fields.business() is not None:
                self.welcome.ask_for_shop(None)
        if dialog.reply_hours_changed():
            self.save_reply_hours(dialog.reply_spin.value())
        if not dialog.language_changed():
            self.statusBar().showMessage(_("Saved."), 6000)
        elif self.ask_restart():
            self.restart_requested = True   # run_app starts cxdesk again once this window has let go
            if not self.close():
                self.restart_requested = False
        else:
            self.statusBar().showMessage(_("Saved. The new language applies after a restart."), 8000)

    def save_reply_hours(self, hours: int):
        """The time within which a case should be answered (客户跟进), stored in the database."""
        from cxdesk.core.cases import set_settings

        task = self.ctx.run_task(lambda db, _p: set_settings(db, reply_target_hours=hours),
                                 title=_("Saving the shop settings"))
        task.signals.finished.connect(lambda _r: self.statusBar().showMessage(_("Saved."), 6000))
        task.signals.failed.connect(self.message_bar.show_error)
        return task

    def ask_restart(self) -> bool:
        """Offer to start cxdesk again in the new language; True when the owner says so."""
        box = QMessageBox(QMessageBox.Question, _("Language"),
                          _("The new language applies when cxdesk starts again. Restart now?"),
                          QMessageBox.NoButton, self)
        restart = box.addButton(_("Restart"), QMessageBox.AcceptRole)
        box.addButton(_("Later"), QMessageBox.RejectRole)
        box.setDefaultButton(restart)
        box.exec()
        return box.clickedButton() is restart

