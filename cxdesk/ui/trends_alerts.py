"""The overview's list of rising complaints: check now, read the feedback, create an action, dismiss."""

from __future__ import annotations

from PySide6.QtCore import Qt
from shiboken6 import isValid

from cxdesk.core.changes import Changes
from cxdesk.i18n import _, ngettext


class TrendsAlertsMixin:
    """Part of TrendsScreen (needs `ctx`, `alerts`, `alert_list`, its buttons, `run_alerts_button`, `message_bar`)."""

    def selected_alert(self):
        item = self.alert_list.currentItem()
        if item is None:
            return None
        aid = item.data(Qt.UserRole)
        return next((a for a in self.alerts if a.id == aid), None)

    def _on_alert_selected(self, _row: int) -> None:
        has = self.selected_alert() is not None
        for b in (self.alert_open_button, self.alert_action_button, self.alert_dismiss_button):
            b.setEnabled(has)

    def open_selected_alert(self) -> None:
        a = self.selected_alert()
        if a is not None:
            self.ctx.open_feedback_requested.emit(a.feedback_filter())

    def create_action_from_selected_alert(self) -> None:
        a = self.selected_alert()
        if a is None:
            return
        from cxdesk.core.analysis.alerts import action_prefill_from_alert

        self.ctx.create_action_requested.emit(action_prefill_from_alert(a, self.ctx.read_db()))

    def dismiss_selected_alert(self) -> None:
        a = self.selected_alert()
        if a is None:
            return

        def work(db, progress):
            from cxdesk.core.analysis.alerts import dismiss_alert

            return dismiss_alert(db, a.id)

        task = self.ctx.run_task(work, title=_("Dismissing the alert"))
        task.signals.finished.connect(self.ctx.notify)
        task.signals.failed.connect(self.message_bar.show_error)
        self.last_write_task = task

    def _on_alert_check_ended(self) -> None:
        if isValid(self):
            self.run_alerts_button.setEnabled(True)

    def _on_auto_alerts_ended(self) -> None:
        if isValid(self):
            self._auto_alert_running = False

    def run_alert_check(self, quiet: bool = False):
        def work(db, progress):
            from cxdesk.core.analysis.alerts import run_alerts

            return run_alerts(db, progress)

        self.run_alerts_button.setEnabled(False)
        task = self.ctx.run_task(work, title=_("Looking for rising complaints"))
        task.signals.finished.connect(self._on_auto_alerts_checked if quiet else self._on_alerts_checked)
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(self._on_alert_check_ended)
        self.last_write_task = task
        return task

    def _on_auto_alerts_checked(self, found) -> None:
        if not isValid(self):
            return
        if found:
            self.message_bar.show_warning(ngettext("{n} topic or channel has rising complaints.",
                                                  "{n} topics or channels have rising complaints.", len(found)).format(n=len(found)))
        self.ctx.notify(Changes(alerts=True))

    def _on_alerts_checked(self, found) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        if found:
            self.message_bar.show_warning(ngettext("{n} topic or channel has rising complaints.",
                                                  "{n} topics or channels have rising complaints.", len(found)).format(n=len(found)))
        else:
            self.message_bar.show_success(_("No rising complaints in the latest week."), timeout_ms=5000)
        self.ctx.notify(Changes(alerts=True))
