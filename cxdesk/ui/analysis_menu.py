"""The window's Analysis menu: analyze new rows, learn from the owner's ratings, back to the shipped model."""

from __future__ import annotations

from PySide6.QtGui import QAction

from cxdesk.core.changes import Changes
from cxdesk.i18n import _
from cxdesk.ui.widgets.dialogs import ask_yes_no


class AnalysisMenuMixin:
    """Part of MainWindow (needs `ctx`, `message_bar`, `refresh_status`, `_update_analysis_label`)."""

    def _build_analysis_menu(self, bar) -> None:
        analysis_menu = bar.addMenu(_("&Analysis"))
        self.analyze_action = QAction(_("&Analyze new feedback"), self)
        self.analyze_action.triggered.connect(lambda: self.run_analysis())
        self.learn_action = QAction(_("&Learn from my ratings…"), self)
        self.learn_action.setStatusTip(_("Adapt the sentiment model to how your customers write, "
                                         "from their star ratings and your corrections"))
        self.learn_action.triggered.connect(lambda: self.learn_from_ratings())
        self.reset_model_action = QAction(_("Use the &shipped sentiment model again"), self)
        self.reset_model_action.triggered.connect(lambda: self.reset_sentiment_model())
        analysis_menu.addAction(self.analyze_action)
        analysis_menu.addSeparator()
        analysis_menu.addAction(self.learn_action)
        analysis_menu.addAction(self.reset_model_action)

    def run_analysis(self):
        """Analyze every row not yet analyzed (off the GUI thread); returns the task."""
        if self._analysis_task is not None:
            return self._analysis_task

        def work(db, progress):
            from cxdesk.ui.tasks import analyze_in_background

            return analyze_in_background(db, progress)

        task = self.ctx.run_task(work, title=_("Analyzing feedback"))
        self._analysis_task = task
        self._update_analysis_label()
        task.signals.finished.connect(lambda _r: self.ctx.notify(Changes(feedback=True, topics=True, alerts=True)))
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.cancelled.connect(self._on_analysis_cancelled)
        task.signals.ended.connect(self._on_analysis_ended)
        return task

    def stop_analysis(self) -> None:
        """Cancel the running analysis; finished batches stay written, the rest waits for the next run."""
        if self._analysis_task is not None:
            self._analysis_task.cancel()

    def _on_analysis_cancelled(self) -> None:
        self.message_bar.show_info(_("Analysis stopped. Rows not analyzed yet wait for “Analyze now”."))

    def learn_from_ratings(self):
        """Learn the shop's adapter from rated and corrected rows, then analyze again; returns the task.

        Asks first (it re-scores every row); the answer arrives in a dialog with the held-back figures.
        """
        if self._learn_task is not None:
            return self._learn_task
        if self.confirm_learn:
            # A box made here (not QMessageBox.question's own): its title fits the title bar, and the
            # same object answers every lookup, so a test's dialog watcher can close it.
            if not ask_yes_no(
                self, _("Learn from my ratings"),
                _("cxdesk will learn how your customers write from reviews rated 4–5 stars (positive) and "
                  "1–2 stars (negative), and from the sentiments you corrected by hand.\n\n"
                  "30% of those reviews are held back to check the result; the learnt model is kept only "
                  "if it does not do worse on them. Then all feedback is analyzed again.\n\nStart now?")):
                return None

        def work(db, progress):
            from cxdesk.core.analysis.learn import learn_from_owner
            from cxdesk.core.progress import sub_progress
            from cxdesk.ui.tasks import analyze_in_background

            report = learn_from_owner(db, sub_progress(progress, 0, 40, 100))
            result = analyze_in_background(db, sub_progress(progress, 40, 100, 100)) if report.kept else None
            return report, result

        task = self.ctx.run_task(work, title=_("Learning from your ratings"))
        self._learn_task = task
        self.learn_action.setEnabled(False)
        task.signals.finished.connect(self._on_learned)
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(self._on_learn_ended)
        return task

    def _on_learned(self, value) -> None:
        report, result = value
        self.ctx.notify(Changes(feedback=True, topics=True, alerts=True))
        text = report.message
        if report.kept and result is not None:
            text += "\n" + _("{n} rows were analyzed again with the learnt model.").format(n=result.scored)
        self.learn_report = report
        if report.kept:
            self.message_bar.show_success(text)
        else:
            self.message_bar.show_info(text)

    def _on_learn_ended(self) -> None:
        self._learn_task = None
        self.learn_action.setEnabled(True)
        self.refresh_status()

    def reset_sentiment_model(self):
        """Forget the learnt adapter and analyze again with the shipped model; returns the task."""

        def work(db, progress):
            from cxdesk.core.analysis.learn import remove_adapter
            from cxdesk.ui.tasks import analyze_in_background

            if not remove_adapter(db):
                return None
            return analyze_in_background(db, progress)

        task = self.ctx.run_task(work, title=_("Analyzing feedback"))
        task.signals.finished.connect(self._on_model_reset)
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(self.refresh_status)
        return task

    def _on_model_reset(self, result) -> None:
        if result is None:
            self.message_bar.show_info(_("The shipped sentiment model is already in use."))
            return
        self.ctx.notify(Changes(feedback=True, topics=True, alerts=True))
        self.message_bar.show_success(
            _("Back to the shipped sentiment model: {n} rows were analyzed again.").format(n=result.scored))

    def _on_analysis_ended(self) -> None:
        task, self._analysis_task = self._analysis_task, None
        if task is not None and not task.is_cancelled and task.error is None:
            self.stale_count = 0   # until the next counts arrive: every row has the current model now
        self._update_analysis_label()
        self.refresh_status()
