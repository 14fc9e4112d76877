"""The goal editor: the owner's goals with their progress, a row to add one, and remove.

Each edit is one core call of `brief.goals` run as a background task; `changed` tells the brief to reload.
"""

from __future__ import annotations

from datetime import date

from shiboken6 import isValid
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from cxdesk.i18n import N_, _
from cxdesk.ui.widgets.dialogs import fit_to_screen
from cxdesk.ui.widgets.message_bar import MessageBar

PERIOD_NAMES = (("week", N_("per week")), ("month", N_("per month (so far)")))
TARGET_HINTS = {"share": N_("e.g. 8%"), "stars": N_("e.g. 4.5"), "count": N_("e.g. 20"), "points": N_("e.g. 30")}


class GoalEditor(QDialog):
    changed = Signal()

    def __init__(self, ctx, as_of: date | None, parent: QWidget | None = None) -> None:
        from cxdesk.core.brief.goals import METRICS

        super().__init__(parent)
        self.ctx = ctx
        self.as_of = as_of or date.today()
        self.setWindowTitle(_("Goals"))
        fit_to_screen(self, 640, 420)
        lay = QVBoxLayout(self)
        self.message_bar = MessageBar(self)
        lay.addWidget(self.message_bar)
        self.goal_list = QListWidget(self)
        self.goal_list.setWordWrap(True)
        lay.addWidget(self.goal_list, 1)
        self.remove_button = QPushButton(_("Remove goal"), self)
        self.remove_button.setEnabled(False)
        lay.addWidget(self.remove_button)

        lay.addWidget(QLabel(_("New goal:"), self))
        row = QHBoxLayout()
        self.metric_combo = QComboBox(self)
        db = self.ctx.read_db()   # a quick look (NPS only once there are survey responses): fine on the GUI thread
        for name, metric in METRICS.items():
            if metric.offered(db):
                self.metric_combo.addItem(metric.title(_("topic")), name)
        self.topic_combo = QComboBox(self)
        self.topic_combo.setMinimumContentsLength(8)
        for name in self._topic_names():
            self.topic_combo.addItem(name, name)
        self.target_edit = QLineEdit(self)
        self.period_combo = QComboBox(self)
        for key, label in PERIOD_NAMES:
            self.period_combo.addItem(_(label), key)
        self.add_button = QPushButton(_("Add goal"), self)
        for w in (self.metric_combo, self.topic_combo, self.target_edit, self.period_combo, self.add_button):
            row.addWidget(w)
        lay.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

        self.metric_combo.currentIndexChanged.connect(self._on_metric)
        self.goal_list.currentRowChanged.connect(lambda r: self.remove_button.setEnabled(r >= 0))
        self.add_button.clicked.connect(self.add_goal)
        self.target_edit.returnPressed.connect(self.add_goal)
        self.remove_button.clicked.connect(self.remove_selected)
        self._on_metric()
        self.reload()

    def _topic_names(self) -> list[str]:
        from cxdesk.core.analysis.trends import list_topic_names

        return list_topic_names(self.ctx.read_db())   # a short list: fine on the GUI thread

    def _on_metric(self, _index: int = 0) -> None:
        from cxdesk.core.brief.goals import METRICS

        metric = METRICS[self.metric_combo.currentData()]
        self.topic_combo.setVisible(metric.needs_topic)
        self.target_edit.setPlaceholderText(_(TARGET_HINTS.get(metric.unit, "")))

    def reload(self) -> None:
        as_of = self.as_of

        def work(db, progress):
            from cxdesk.core.brief.goals import goals_progress

            return goals_progress(db, as_of)

        self._run(work, self._show, write=False)

    def _show(self, items) -> None:
        if not isValid(self):
            return
        self.goal_list.clear()
        for g in items:
            state = "" if g.met is None else (_(" (on target)") if g.met else _(" (not yet)"))
            item = QListWidgetItem(g.text + state)
            item.setData(Qt.UserRole, g.goal.id)
            self.goal_list.addItem(item)
        self.remove_button.setEnabled(False)

    def _write(self, fn, on_written=None) -> None:
        self._run(lambda db, progress: fn(db), on_written or self._on_written, write=True)

    def _run(self, work, on_result, *, write: bool) -> None:
        task = self.ctx.run_task(work, write=write, title=_("Goals"))
        task.signals.finished.connect(on_result)
        task.signals.failed.connect(self.message_bar.show_error)

    def _on_written(self, _result) -> None:
        if not isValid(self):
            return
        self.message_bar.dismiss()
        self.changed.emit()
        self.reload()

    def add_goal(self) -> None:
        from cxdesk.core.brief.goals import METRICS, add_goal

        metric = self.metric_combo.currentData()
        topic = (self.topic_combo.currentData() or "") if METRICS[metric].needs_topic else ""
        target = self.target_edit.text().strip()
        period = self.period_combo.currentData()
        if not target:
            self.message_bar.show_error(_("Type the target first, e.g. 8% or 4.5."))
            return
        self._write(lambda db: add_goal(db, metric, target, topic=topic, period=period), self._on_added)

    def _on_added(self, result) -> None:
        """The goal is stored: only now the target box is emptied (a refused target stays to be corrected)."""
        if isValid(self):
            self.target_edit.clear()
        self._on_written(result)

    def remove_selected(self) -> None:
        from cxdesk.core.brief.goals import remove_goal

        item = self.goal_list.currentItem()
        if item is not None:
            goal_id = item.data(Qt.UserRole)
            self._write(lambda db: remove_goal(db, goal_id))
