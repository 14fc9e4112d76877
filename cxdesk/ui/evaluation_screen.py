"""Did it work? The before/after view of one action: chart, numbers, plain verdict and example rows.

`EvaluationView` is the panel (window and lag adjustable), `EvaluationDialog` shows it for a card of
the board, and `EvaluationScreen` is the main window's page with an action picker above the panel.
All numbers come from one core call, `evaluation_view_data`, run off the GUI thread.
"""

from __future__ import annotations

import html
from datetime import datetime

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QGridLayout,
                               QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout,
                               QWidget)

from cxdesk.core.actions import EVALUATION_WINDOW_DAYS
from cxdesk.core.changes import Changes
from cxdesk.i18n import _
from cxdesk.ui.evaluation_nps import NpsEvaluationMixin
from cxdesk.ui.widgets.date_axis import DayAxis
from cxdesk.ui.widgets.message_bar import MessageBar

_VERDICT_STYLE = {
    "improved": ("#e6f4ea", "#1e6b35"), "worsened": ("#fdecea", "#9b1c1c"),
    "no_significant_change": ("#f0f0f0", "#333333"), "insufficient_data": ("#fff4e0", "#7a4b00"),
}
TOPIC_COLOUR = "#d9480f"
CONTROL_COLOUR = "#7f7f7f"


def _ts(d) -> float:
    return datetime(d.year, d.month, d.day).timestamp()


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
        self._task = None
        self._again = False

        self.message_bar = MessageBar(self)
        self.message_bar.hide()
        self.title_label = QLabel(self)
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title_label.setFont(font)
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
        self.title_label.setWordWrap(True)

        self.metric_label = QLabel(self)
        self.metric_label.setWordWrap(True)
        self.metric_label.setStyleSheet("color: #444")
        self.verdict_label = QLabel(self)
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.verdict_label.setMargin(10)
        vfont = self.verdict_label.font()
        vfont.setPointSizeF(vfont.pointSizeF() * 1.15)
        self.verdict_label.setFont(vfont)
        # The statistics, in plain sentences, folded away until asked for.
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
        self.details_label.setStyleSheet("color: #444; padding-left: 18px")
        self.details_label.hide()

        pg.setConfigOptions(antialias=True)
        self.plot = pg.PlotWidget(axisItems={"bottom": DayAxis(orientation="bottom")})
        self.plot.setBackground("w")
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.plot.setLabel("left", _("Negative share (%)"))
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.setMinimumHeight(220)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setPen(pg.mkPen("#555"))
            self.plot.getAxis(axis).setTextPen(pg.mkPen("#333"))
        # The legend sits under the chart, so it never covers a line or a label.
        self.legend_label = QLabel(self)
        self.legend_label.setWordWrap(True)

        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([_("Before"), _("After"), _("Change")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.setMinimumWidth(340)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.setAlternatingRowColors(True)
        self.stats_label = QLabel(self)
        self.stats_label.setWordWrap(True)
        self.stats_label.setStyleSheet("color: #555")

        numbers = QWidget(self)
        nl = QVBoxLayout(numbers)
        nl.setContentsMargins(0, 0, 0, 0)
        nl.addWidget(self.table)
        nl.addWidget(self.stats_label)
        nl.addStretch(1)

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

        chart = QWidget(self)
        cl = QVBoxLayout(chart)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.plot, 1)
        cl.addWidget(self.legend_label)
        upper = QSplitter(Qt.Horizontal, self)
        upper.addWidget(chart)
        upper.addWidget(numbers)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 2)
        upper.setSizes([560, 460])
        split = QSplitter(Qt.Vertical, self)
        split.addWidget(upper)
        split.addWidget(examples)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([460, 150])

        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.title_label)
        layout.addWidget(self.metric_label)
        layout.addLayout(controls)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.details_button)
        layout.addWidget(self.details_label)
        layout.addWidget(split, 1)
        self._set_enabled(False)
        if action_id is not None:
            self.refresh()

    # ------------------------------------------------------------------ computing

    def set_action(self, action_id: int | None) -> None:
        self.action_id = action_id
        if action_id is None:
            self._clear()
            return
        self.refresh()

    def refresh(self) -> None:
        if self.action_id is None:
            return
        if self._task is not None:
            self._again = True
            return
        aid, window, lag = self.action_id, self.window_spin.value(), self.lag_spin.value()

        def run(db, progress):
            from cxdesk.core.evaluation import evaluation_view_data

            return evaluation_view_data(db, aid, window, lag)

        self._task = self.ctx.run_task(run, write=False, title=_("Evaluating"))
        self._task.signals.finished.connect(self._on_result)
        self._task.signals.failed.connect(self._on_failed)
        self._task.signals.ended.connect(self._on_ended)

    def _on_ended(self) -> None:
        self._task = None
        if self._again:
            self._again = False
            self.refresh()

    def _on_failed(self, text: str) -> None:
        self._clear()
        self.message_bar.show_error(text)

    def _on_result(self, result) -> None:
        if self._again:
            return
        ev, series, snapshots = result
        self.evaluation, self.series, self.snapshots = ev, series, snapshots
        self.message_bar.dismiss()
        self._set_enabled(True)
        self._show_verdict(ev)
        self._show_table(ev)
        self._show_plot(ev, series)
        self._show_examples(ev)
        self.evaluated.emit(ev)

    def save_snapshot(self) -> None:
        if self.action_id is None:
            return
        aid, window, lag = self.action_id, self.window_spin.value(), self.lag_spin.value()

        def run(db, progress):
            from cxdesk.core.evaluation import snapshot_evaluation

            return snapshot_evaluation(db, aid, window, lag)

        task = self.ctx.run_task(run, write=True, title=_("Saving the evaluation"))
        task.signals.finished.connect(self._on_saved)
        task.signals.failed.connect(self.message_bar.show_error)

    def _on_saved(self, ev) -> None:
        self.message_bar.show_success(_("Saved: {verdict}").format(verdict=_verdict_name(ev.verdict)), timeout_ms=4000)
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
        self.plot.clear()
        self.legend_label.setText("")
        self.before_examples.clear()
        self.after_examples.clear()
        self._set_enabled(False)

    def _on_details_toggled(self, on: bool) -> None:
        self.details_button.setArrowType(Qt.DownArrow if on else Qt.RightArrow)
        self.details_label.setVisible(on)

    def _show_verdict(self, ev) -> None:
        from cxdesk.core.evaluation import next_step, plain_verdict, topic_metric_name

        self.title_label.setText(_("{title} (live since {date})").format(title=ev.title, date=ev.live_date.isoformat()))
        self.metric_label.setText(_("Measured: {metric}; beside it: {topic_metric}").format(
            metric=ev.metric, topic_metric=topic_metric_name(ev.topics, ev.keywords)))
        bg, fg = _VERDICT_STYLE.get(ev.verdict, ("#f0f0f0", "#333"))
        self.verdict_label.setStyleSheet(
            f"QLabel {{ background: {bg}; color: {fg}; border-radius: 6px; }}")
        chip = html.escape(_verdict_name(ev.verdict))
        self.verdict_label.setText(
            f"<b>{chip}</b>　{html.escape(plain_verdict(ev))}<br>"
            f"<b>{html.escape(_('Next step:'))}</b> {html.escape(next_step(ev))}")

    def _show_table(self, ev) -> None:
        from cxdesk.core.evaluation import detail_lines, format_pct, format_pp, format_relative

        b, a = ev.before, ev.after
        has_after = a.total > 0

        def num(v):
            return "–" if v is None else f"{v:.2f}"

        def rate(value, n):
            return format_pct(value) if n else "–"

        def delta(x, y, fmt):
            return "–" if x is None or y is None or not has_after else fmt(y - x)

        def count_change(x, y):
            return f"{y - x:+d}".replace("-", "−") if has_after else "–"

        def points(v):
            return _("{pp} points").format(pp=format_pp(v))

        after_dates = f"{a.start.month}/{a.start.day}–{a.end.month}/{a.end.day}"
        if ev.reason == "after_window_incomplete":
            after_dates += " " + _("(running)")
        metric_change = "–"
        if ev.comparable:
            metric_change = points(ev.difference)
            if ev.relative_change is not None:
                metric_change += f"（{format_relative(ev.relative_change)}）"
        rows = [
            (_("Dates"), f"{b.start.month}/{b.start.day}–{b.end.month}/{b.end.day}", after_dates, ""),
            (ev.metric, rate(b.negative_rate, b.total), rate(a.negative_rate, a.total), metric_change),
            (_("All feedback"), str(b.total), str(a.total) if has_after else "–", count_change(b.total, a.total)),
            (_("Negative mentions"), str(b.topic_negative), str(a.topic_negative) if has_after else "–",
             count_change(b.topic_negative, a.topic_negative)),
            (_("Mention the topic"), str(b.topic_mentions), str(a.topic_mentions) if has_after else "–",
             count_change(b.topic_mentions, a.topic_mentions)),
            (_("Negative share within the topic"), format_pct(b.topic_negative_share),
             format_pct(a.topic_negative_share) if has_after else "–",
             delta(b.topic_negative_share, a.topic_negative_share, points)),
            (_("Mean rating"), num(b.mean_rating), num(a.mean_rating) if has_after else "–",
             delta(b.mean_rating, a.mean_rating, lambda v: f"{v:+.2f}".replace("-", "−"))),
            (_("Other feedback: negative share"), rate(b.control_rate, b.control_total),
             rate(a.control_rate, a.control_total),
             points(ev.control_difference) if b.control_total and a.control_total else "–"),
        ]
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([r[0] for r in rows])
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
        height = self.table.horizontalHeader().height() + 2 * self.table.frameWidth() + sum(
            self.table.rowHeight(i) for i in range(self.table.rowCount()))
        self.table.setFixedHeight(height)
        self.details_label.setText("\n".join("· " + line for line in detail_lines(ev)))
        saved = getattr(self, "snapshots", None) or []
        if saved:
            lines = [_("{date} {verdict} ({days} days each side)").format(
                date=sn.created_at[:10], verdict=_verdict_name(sn.verdict), days=sn.window_days) for sn in saved[:3]]
            self.stats_label.setText(_("Saved results: {items}").format(items="; ".join(lines)))
        else:
            self.stats_label.setText("")

    def _show_plot(self, ev, series) -> None:
        import numpy as np

        self.plot.clear()
        xs = [_ts(d) for d in series.days]
        b0, b1 = _ts(ev.before.start), _ts(ev.before.end) + 86400
        a0, a1 = _ts(ev.after.start), _ts(ev.after.end) + 86400
        # The after-period up to the newest feedback is solid; days still to come are hatched.
        seen = min(a1, _ts(series.last_day) + 86400) if series.last_day else a0
        seen = max(seen, a0)
        spans = [(b0, b1, pg.mkBrush(70, 120, 200, 40)), (a0, seen, pg.mkBrush(40, 160, 90, 40))]
        if seen < a1:
            spans.append((seen, a1, pg.mkBrush(40, 160, 90, 60, style=Qt.BDiagPattern)))
        for lo, hi, brush in spans:
            if hi <= lo:
                continue
            region = pg.LinearRegionItem((lo, hi), movable=False, brush=brush, pen=pg.mkPen(None))
            region.setZValue(-10)
            self.plot.addItem(region)

        def pct(values):
            return np.array([np.nan if v is None else v * 100 for v in values], dtype=float)

        topic = pct(series.topic_rate)
        control = pct(series.control_rate)
        self.plot.plot(xs, topic, pen=pg.mkPen(TOPIC_COLOUR, width=2.5), connect="finite",
                       name=_("{metric} ({n}-day average)").format(metric=ev.metric, n=series.smooth_days))
        self.plot.plot(xs, control, pen=pg.mkPen(CONTROL_COLOUR, width=1.5, style=Qt.DashLine),
                       connect="finite", name=_("Other feedback (comparison)"))
        means = [((b0, b1), ev.before.negative_rate, ev.before.total)]
        if ev.after.total:
            means.append(((a0, seen), ev.after.negative_rate, ev.after.total))
        for (lo, hi), rate, n in means:
            if n:
                self.plot.plot([lo, hi], [rate * 100, rate * 100], pen=pg.mkPen(TOPIC_COLOUR, width=1, style=Qt.DotLine))
        legend = [f"<span style='color:{TOPIC_COLOUR}'>━━</span> " + html.escape(
                      _("{metric} ({n}-day average)").format(metric=ev.metric, n=series.smooth_days)),
                  f"<span style='color:{CONTROL_COLOUR}'>╍╍</span> " + html.escape(_("Other feedback (comparison)")),
                  f"<span style='color:{TOPIC_COLOUR}'>┈┈</span> " + html.escape(_("average of the period"))]
        if seen < a1:
            legend.append("<span style='color:#2f9a5a'>▨</span> " + html.escape(_("days still to come")))
        self.legend_label.setText("　".join(legend))
        values = [v for v in np.concatenate([topic, control]) if not np.isnan(v)]
        top = max(values + [r * 100 for (_x, r, n) in means if n] or [10.0])
        ceiling = top * 1.35 if top > 0 else 10.0
        self.plot.setXRange(xs[0] if xs else b0, max(xs[-1] + 86400 if xs else a1, a1), padding=0.01)
        self.plot.setYRange(0, ceiling, padding=0)
        # Labels sit in the headroom above the data, so they never hide a line.
        label_y = ceiling * 0.87   # above the lines
        live = pg.InfiniteLine(pos=_ts(ev.live_date), angle=90, movable=False,
                               pen=pg.mkPen("#222", width=1.5, style=Qt.DashLine))
        self.plot.addItem(live)
        # (x, text, colour, anchor, y): the go-live date sits just left of its line, one row above the
        # period names, so neither covers the other nor a line.
        live_x = _ts(ev.live_date)
        marks = [(live_x - 3600 * 6, _("go-live {date}").format(date=ev.live_date.strftime("%m-%d")), "#222", (1, 0),
                  ceiling * 0.95),
                 (b0 + 3600 * 6, _("before"), "#555", (0, 0), label_y), (a0 + 3600 * 6, _("after"), "#555", (0, 0), label_y)]
        if seen < a1:
            marks.append((seen + 3600 * 6, _("still collecting until {date}").format(date=ev.after.end.strftime("%m-%d")),
                          "#1e6b35", (0, 0), ceiling * 0.95))
        for x, text, colour, anchor, y in marks:
            label = pg.TextItem(text, color=colour, anchor=anchor, fill=pg.mkBrush(255, 255, 255, 220))
            label.setPos(x, y)
            self.plot.addItem(label)

    def _show_examples(self, ev) -> None:
        for lst, rows, title, text in (
                (self.before_examples, ev.examples_before, self.before_examples_title, _("Examples before go-live")),
                (self.after_examples, ev.examples_after, self.after_examples_title, _("Examples after go-live"))):
            lst.clear()
            title.setText(text)
            for e in rows:
                item = QListWidgetItem(f"{e.created_at[:10]}  {e.text}")
                item.setData(Qt.UserRole, e.id)
                if e.negative:
                    item.setForeground(QColor("#9b1c1c"))
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


def _verdict_name(verdict: str) -> str:
    from cxdesk.core.evaluation import verdict_name

    return verdict_name(verdict)


class EvaluationDialog(QDialog):
    """The evaluation view of one action in its own window (opened from a board card)."""

    def __init__(self, ctx, action_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Did it work?"))
        self.resize(1100, 760)
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
