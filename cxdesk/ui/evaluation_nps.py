"""Part of the evaluation view: the action judged on NPS as well, in one line under the verdict.

Shown only when the database has survey responses; the same windows as the feedback evaluation, the
change in points with its 95 % interval (`core.surveys.evaluation.evaluate_nps`, off the GUI thread).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from shiboken6 import isValid


class NpsEvaluationMixin:
    """Mixed into EvaluationView (needs `ctx`, `action_id`, `window_spin`, `lag_spin`, `verdict_label` and the
    `evaluated` signal)."""

    nps_label: QLabel | None = None

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.evaluated.connect(lambda _ev: self._load_nps())   # after each feedback evaluation shown

    def _nps_line(self) -> QLabel:
        if self.nps_label is None:
            # Placed right under the verdict, in the verdict's own layout.
            self.nps_label = QLabel(self)
            self.nps_label.setWordWrap(True)
            self.nps_label.setIndent(10)   # in line with the verdict text above
            layout = self.verdict_label.parentWidget().layout()
            layout.insertWidget(layout.indexOf(self.verdict_label) + 1, self.nps_label)
            self.nps_label.hide()
        return self.nps_label

    def _load_nps(self) -> None:
        from cxdesk.core.surveys.evaluation import evaluate_nps

        label = self._nps_line()
        aid, window, lag = self.action_id, self.window_spin.value(), self.lag_spin.value()
        task = self.ctx.run_task(lambda db, progress: evaluate_nps(db, aid, window, lag), write=False, title="nps")
        task.signals.finished.connect(lambda result: isValid(label) and self._show_nps(label, aid, result))

    def _show_nps(self, label: QLabel, aid: int, result) -> None:
        if aid != self.action_id:
            return   # another action was chosen meanwhile
        label.setVisible(result is not None)
        label.setText(result.sentence() if result is not None else "")
