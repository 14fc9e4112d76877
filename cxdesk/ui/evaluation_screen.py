"""Did it work? The before/after view of one action: chart, numbers, plain verdict and example rows.

`EvaluationView` is the panel (window and lag adjustable), `EvaluationDialog` shows it for a card of
the board, and `EvaluationScreen` is the main window's page with an action picker above the panel.
All numbers come from one core call, `evaluation_view_data`, run off the GUI thread.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QGridLayout,
                               QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout,
                               QWidget)

from cxdesk.core.actions import EVALUATION_WINDOW_DAYS
from cxdesk.core.changes import Changes
from cxdesk.core.formatting import day_text
from cxdesk.core.evaluation import evaluation_view_data, snapshot_evaluation
from cxdesk.core.evaluation_text import (comparison_rows, detail_lines, next_step, plain_verdict, topic_metric_name,
                                         verdict_name)
from cxdesk.i18n import _
from cxdesk.ui import theme
from cxdesk.ui.evaluation_chart import EvaluationChart
from cxdesk.ui.tasks import LatestRead
from cxdesk.ui.evaluation_nps import NpsEvaluationMixin
from cxdesk.ui.widgets.dialogs import fit_to_screen
from cxdesk.ui.widgets.elide import short_title
from cxdesk.ui.widgets.message_bar import MessageBar


def _splitter(orientation, widgets, stretch, sizes) -> QSplitter:
    split = QSplitter(orientation)
    for i, (widget, factor) in enumerate(zip(widgets, stretch)):
        split.addWidget(widget)
        split.setStretchFactor(i, factor)
    split.setSizes(sizes)
    return split


class EvaluationView(NpsEvaluationMixin, QWidget):
    """Before/after evaluation of one action; `set_action(id)` then it computes itself."""

    evaluated = Signal(object)          # the Evaluation shown
    snapshot_saved = Signal(object)

    def __init__(self, ctx, action_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.action_id = action_id
        self.evaluation = None
        self.series = None
        self.snapshots: list = []
        self._loader = LatestRead(ctx, _("Evaluating"))

        self.message_bar = MessageBar(self)
        self.message_bar.hide()
        self.title_label = QLabel(self)
        self.title_label.setFont(theme.scaled_font(self.title_label.font(), 1.25))
        self.title_label.setWordWrap(True)
        controls = self._build_controls()
        self._build_verdict()
        self.chart = EvaluationChart(self)
        self.plot, self.legend_label = self.chart.plot, self.chart.legend_label
        numbers = self._build_numbers()
        examples = self._build_examples()
        upper = _splitter(Qt.Horizontal, (self.chart, numbers), (3, 2), [520, 560])
        split = _splitter(Qt.Vertical, (upper, examples), (3, 1), [460, 150])

        layout = QVBoxLayout(self)
        for part in (self.message_bar, self.title_label, self.metric_label, controls, self.verdict_label,
                     self.details_button, self.details_label):
            if isinstance(part, QHBoxLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part)
        layout.addWidget(split, 1)
        self._set_enabled(False)
        if action_id is not None:
            self.refresh()

    def _build_controls(self) -> QHBoxLayout:
        """The window and lag spin boxes (recomputed a moment after the last change) and Save."""
        self.window_spin = QSpinBox(self)
        self.window_spin.setRange(7, 180)
        self.window_spin.setValue(EVALUATION_WINDOW_DAYS)
        self.window_spin.setSuffix(_(" days"))
        self.window_spin.setToolTip(_("How many days before and after go-live are compared"))
        self.lag_spin = QSpinBox(self)
        self.lag_spin.setRange(0, 90)
        self.lag_spin.setSuffix(_(" days"))
        self.lag_spin.setToolTip(_("Days right after go-live left out while the change settles"))
        self.save_button = QPushButton(_("Save this result"), self)
        self.save_button.setToolTip(_("Keep this evaluation with today's date"))
        self.save_button.clicked.connect(self.save_snapshot)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh)
        self.window_spin.valueChanged.connect(lambda _v: self._debounce.start())
        self.lag_spin.valueChanged.connect(lambda _v: self._debounce.start())
        controls = QHBoxLayout()
        controls.addWidget(QLabel(_("Compare"), self))
        controls.addWidget(self.window_spin)
        controls.addWidget(QLabel(_("before and after go-live; skip"), self))
        controls.addWidget(self.lag_spin)
        controls.addWidget(QLabel(_("right after go-live"), self))
        controls.addStretch(1)
        controls.addWidget(self.save_button)
        return controls

    def _build_verdict(self) -> None:
        """The metric's name, the verdict box and the statistics, folded away until asked for."""
        self.metric_label = QLabel(self)
        self.metric_label.setWordWrap(True)
        self.metric_label.setStyleSheet(f"color: {theme.QUIET_TEXT}")
        self.verdict_label = QLabel(self)
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.verdict_label.setMargin(10)
        self.verdict_label.setFont(theme.scaled_font(self.verdict_label.font(), 1.15, bold=False))
        self.details_button = QToolButton(self)
        self.details_button.setText(_("More detail"))
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.RightArrow)
        self.details_button.setAutoRaise(True)
        self.details_button.toggled.connect(self._on_details_toggled)
        self.details_label = QLabel(self)
        self.details_label.setWordWrap(True)
        self.details_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.details_label.setStyleSheet(f"color: {theme.QUIET_TEXT}; padding-left: 18px")
        self.details_label.hide()

    def _build_numbers(self) -> QWidget:
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([_("Before"), _("After"), _("Change")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.setMinimumWidth(340)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # A long metric name is shortened (whole in its tooltip) and, if the pane is still too narrow, the
        # table scrolls sideways: the After and Change columns are never cut off unseen.
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self.table.horizontalScrollBar().rangeChanged.connect(self._fit_table_height)
        self.table.verticalHeader().setMaximumWidth(self.fontMetrics().averageCharWidth() * 34)
        self.table.verticalHeader().setTextElideMode(Qt.ElideRight)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.setAlternatingRowColors(True)
        self.stats_label = QLabel(self)
        self.stats_label.setWordWrap(True)
        self.stats_label.setStyleSheet(f"color: {theme.STATS_TEXT}")
        numbers = QWidget(self)
        nl = QVBoxLayout(numbers)
        nl.setContentsMargins(0, 0, 0, 0)
        nl.addWidget(self.table)
        nl.addWidget(self.stats_label)
        nl.addStretch(1)
        return numbers

    def _build_examples(self) -> QWidget:
        self.before_examples = QListWidget(self)
        self.after_examples = QListWidget(self)
        examples = QWidget(self)
        el = QGridLayout(examples)
        el.setContentsMargins(0, 0, 0, 0)
        self.before_examples_title = QLabel(_("Examples before go-live"), self)
        self.after_examples_title = QLabel(_("Examples after go-live"), self)
        el.addWidget(self.before_examples_title, 0, 0)
        el.addWidget(self.after_examples_title, 0, 1)
        el.addWidget(self.before_examples, 1, 0)
        el.addWidget(self.after_examples, 1, 1)
        for lst in (self.before_examples, self.after_examples):
            lst.setWordWrap(True)
            lst.setAlternatingRowColors(True)
            lst.itemDoubleClicked.connect(self._on_example_clicked)
        return examples

    # ------------------------------------------------------------------ computing

    def set_action(self, action_id: int | None) -> None:
        self.action_id = action_id
        if action_id is None:
            self._clear()
            return
        self.refresh()

    def _request(self) -> tuple[int, int, int]:
        """The action, window and lag the view asks about now."""
        return self.action_id, self.window_spin.value(), self.lag_spin.value()

    def refresh(self) -> None:
        if self.action_id is None:
            return
        request = self._request()
        self._loader.start(lambda db, progress: evaluation_view_data(db, *request), self._on_result, self._on_failed)

    @property
    def _task(self):
        return self._loader.task

    def _on_failed(self, text: str) -> None:
        self._clear()
        self.message_bar.show_error(text)

    def _on_result(self, result) -> None:
        ev, series, snapshots = result
        self.evaluation, self.series, self.snapshots = ev, series, snapshots
        self.message_bar.dismiss()
        self._set_enabled(True)
        self._show_verdict(ev)
        self._show_table(ev)
        self.chart.show(ev, series)
        self._show_examples(ev)
        self.evaluated.emit(ev)

    def save_snapshot(self) -> None:
        if self.action_id is None:
            return
        request = self._request()
        task = self.ctx.run_task(lambda db, progress: snapshot_evaluation(db, *request), write=True,
                                 title=_("Saving the evaluation"))
        task.signals.finished.connect(self._on_saved)
        task.signals.failed.connect(self.message_bar.show_error)

    def _on_saved(self, ev) -> None:
        self.message_bar.show_success(_("Saved: {verdict}").format(verdict=verdict_name(ev.verdict)), timeout_ms=4000)
        self.snapshot_saved.emit(ev)
        self.ctx.notify(Changes(actions=True))

    # ------------------------------------------------------------------ showing

    def _set_enabled(self, on: bool) -> None:
        self.save_button.setEnabled(on)

    def _clear(self) -> None:
        self.evaluation = self.series = None
        self.title_label.setText("")
        self.metric_label.setText("")
        self.details_label.setText("")
        self.verdict_label.setText("")
        self.verdict_label.setStyleSheet("")
        self.table.setRowCount(0)
        self.stats_label.setText("")
        self.chart.clear()
        self.before_examples.clear()
        self.after_examples.clear()
        self._set_enabled(False)

    def _on_details_toggled(self, on: bool) -> None:
        self.details_button.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        self.details_label.setVisible(on)

    def _show_verdict(self, ev) -> None:
        self.title_label.setText(_("{title} (live since {date})").format(title=short_title(ev.title, 60),
                                                                        date=day_text(ev.live_date)))
        self.title_label.setToolTip(ev.title)
        self.metric_label.setText(_("Measured: {metric}; beside it: {topic_metric}").format(
            metric=ev.metric, topic_metric=topic_metric_name(ev.topics, ev.keywords)))
        bg, fg = theme.VERDICT.get(ev.verdict, theme.VERDICT_OTHER)
        self.verdict_label.setStyleSheet(
            f"QLabel {{ background: {bg}; color: {fg}; border-radius: 6px; }}")
        chip = html.escape(verdict_name(ev.verdict))
        self.verdict_label.setText(
            f"<b>{chip}</b>　{html.escape(plain_verdict(ev))}<br>"
            f"<b>{html.escape(_('Next step:'))}</b> {html.escape(next_step(ev))}")

    def _show_table(self, ev) -> None:
        rows = comparison_rows(ev)
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            head = QTableWidgetItem(row[0])
            head.setToolTip(row[0])
            self.table.setVerticalHeaderItem(i, head)
        for i, row in enumerate(rows):
            for j, text in enumerate(row[1:]):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignCenter)
                if i == 1:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.table.setItem(i, j, item)
        self.table.resizeRowsToContents()
        self._fit_table_height()
        self.details_label.setText("\n".join("· " + line for line in detail_lines(ev)))
        saved = self.snapshots
        if saved:
            lines = [_("{date} {verdict} ({days} days each side)").format(
                date=day_text(sn.created_at), verdict=verdict_name(sn.verdict), days=sn.window_days) for sn in saved[:3]]
            self.stats_label.setText(_("Saved results: {items}").format(items="; ".join(lines)))
        else:
            self.stats_label.setText("")

    def _fit_table_height(self, *_range) -> None:
        """Every row in view, plus the sideways scroll bar only while the pane is too narrow for the columns."""
        bar = self.table.horizontalScrollBar()
        height = self.table.horizontalHeader().height() + 2 * self.table.frameWidth() + sum(
            self.table.rowHeight(i) for i in range(self.table.rowCount()))
        self.table.setFixedHeight(height + (bar.sizeHint().height() if bar.maximum() > 0 else 0))

    def _show_examples(self, ev) -> None:
        for lst, rows, title, text in (
                (self.before_examples, ev.examples_before, self.before_examples_title, _("Examples before go-live")),
                (self.after_examples, ev.examples_after, self.after_examples_title, _("Examples after go-live"))):
            lst.clear()
            title.setText(text)
            for e in rows:
                item = QListWidgetItem(f"{day_text(e.created_at)}  {e.text}")
                item.setData(Qt.UserRole, e.id)
                if e.negative:
                    item.setForeground(QColor(theme.VERDICT["worsened"][1]))
                    item.setToolTip(_("Complains about the topic"))
                lst.addItem(item)
            if not rows:
                item = QListWidgetItem(_("No feedback on this topic in this period."))
                item.setFlags(Qt.NoItemFlags)
                lst.addItem(item)

    def _on_example_clicked(self, item: QListWidgetItem) -> None:
        fid = item.data(Qt.UserRole)
        if fid is not None:
            from cxdesk.core.filters import FeedbackFilter

            self.ctx.open_feedback_requested.emit(FeedbackFilter(ids=(int(fid),)))


class EvaluationDialog(QDialog):
    """The evaluation view of one action in its own window (opened from a board card)."""

    def __init__(self, ctx, action_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Did it work?"))
        fit_to_screen(self, 1100, 760)
        self.view = EvaluationView(ctx, action_id, self)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)


class EvaluationScreen(QWidget):
    """The main window's page: pick a live or evaluated action, see its evaluation."""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.picker = QComboBox(self)
        self.picker.setMinimumWidth(280)
        self.picker.currentIndexChanged.connect(self._on_pick)
        self.empty_label = QLabel(_("No action is live yet. Move an action to “Live” on the improvement board, "
                                    "and its effect can be measured here."), self)
        self.empty_label.setWordWrap(True)
        self.view = EvaluationView(ctx, None, self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Action"), self))
        top.addWidget(self.picker)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.view, 1)
        ctx.data_changed.connect(self._on_data_changed)
        self.reload()

    def _on_data_changed(self, changes) -> None:
        if changes is None or changes.actions or changes.feedback:
            self.reload()

    def reload(self) -> None:
        from cxdesk.core.actions import list_actions, status_name

        current = self.picker.currentData()
        items = [a for a in list_actions(self.ctx.read_db()) if a.live_date is not None
                 and a.status in ("live", "evaluated")]
        self.picker.blockSignals(True)
        self.picker.clear()
        for a in items:
            self.picker.addItem(f"#{a.id} {a.title}（{status_name(a.status)}）", a.id)
        i = self.picker.findData(current) if current is not None else 0
        self.picker.setCurrentIndex(max(i, 0))
        self.picker.blockSignals(False)
        self.empty_label.setVisible(not items)
        self.view.setVisible(bool(items))
        self.view.set_action(self.picker.currentData() if items else None)

    def show_action(self, action_id: int) -> None:
        i = self.picker.findData(action_id)
        if i >= 0:
            self.picker.setCurrentIndex(i)

    def _on_pick(self, _i: int) -> None:
        self.view.set_action(self.picker.currentData())
