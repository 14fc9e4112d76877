"""The 概览 (overview) screen: KPI cards, the sentiment trend, the topics that hurt most and spike alerts.

All numbers come from one core call, `trends.dashboard(db, filter, granularity)`, run off the GUI
thread; this module only draws them and turns clicks into `FeedbackFilter`s for the feedback browser.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

import numpy as np
import pyqtgraph as pg
from shiboken6 import isValid
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSizePolicy, QSplitter, QStackedWidget, QToolTip,
                               QVBoxLayout, QWidget)

from cxdesk.core.changes import Changes
from cxdesk.core.filters import FeedbackFilter
from cxdesk.i18n import N_, _, ngettext
from cxdesk.ui.widgets.date_axis import DayAxis

log = logging.getLogger("cxdesk.ui.trends_screen")

COLOURS = {"positive": "#43a047", "neutral": "#9e9e9e", "negative": "#e53935",
           "share": "#c62828", "band": (229, 57, 53, 70), "sentiment": "#1e88e5"}
MIN_ROWS_FOR_SHARE = 3
LABEL_NAMES = {"positive": N_("Positive"), "neutral": N_("Neutral"), "negative": N_("Negative")}
GRANULARITY_NAMES = (("day", N_("By day")), ("week", N_("By week")), ("month", N_("By month")))
NEG_SHARE_HELP = N_("Negative share = negative ÷ (positive + neutral + negative); feedback whose sentiment is "
                    "unknown (empty, emoji only, other languages) is left out. The band is the 95% Wilson "
                    "interval: the fewer the rows, the wider it is.")
IMPACT_HELP = N_("Impact = how many percentage points the overall negative share would drop if the negative "
                 "feedback whose only complaint is this topic were not negative.")


def _ts(d: date) -> float:
    """Seconds since the epoch at local midnight, what pg.DateAxisItem expects."""
    return datetime.combine(d, time()).timestamp()


def _pct(x: float | None, nd: int = 1) -> str:
    return "–" if x is None else f"{x * 100:.{nd}f}%"


class KpiCard(QFrame):
    """A number, its caption and the change against the previous period (arrow and colour)."""

    def __init__(self, caption: str, tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KpiCard")
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet("#KpiCard { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }")
        self.setToolTip(tooltip)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        lay.setSpacing(2)
        self.caption = QLabel(caption, self)
        self.caption.setStyleSheet("color: palette(dark);")
        self.value = QLabel("–", self)
        f = self.value.font()
        f.setPointSizeF(f.pointSizeF() * 1.8)
        f.setBold(True)
        self.value.setFont(f)
        self.change = QLabel("", self)
        lay.addWidget(self.caption)
        lay.addWidget(self.value)
        lay.addWidget(self.change)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def set(self, value: str, change: str = "", direction: int = 0, good_when_up: bool | None = None) -> None:
        """`direction` is the sign of the change; `good_when_up` picks green/red (None = neutral blue)."""
        self.value.setText(value)
        if not change:
            self.change.setText("")
            return
        arrow = "▲" if direction > 0 else ("▼" if direction < 0 else "＝")
        if direction == 0 or good_when_up is None:
            colour = "#1e63b5"
        else:
            colour = "#2e7d32" if (direction > 0) == good_when_up else "#c62828"
        self.change.setText(f"<span style='color:{colour}'>{arrow} {change}</span>")


class EmptyState(QWidget):
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.addStretch(2)
        title = QLabel(_("No feedback yet"), self)
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.6)
        f.setBold(True)
        title.setFont(f)
        title.setAlignment(Qt.AlignCenter)
        text = QLabel(_("Import an Excel or CSV export of your reviews, survey answers or chat records. "
                        "This page then shows how customers feel, whether it is getting better, and what "
                        "they complain about most."), self)
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignCenter)
        text.setMinimumWidth(420)
        text.setMaximumWidth(560)
        self.button = QPushButton(_("Import a file…"), self)
        self.button.setMinimumHeight(36)
        self.button.setDefault(True)
        self.button.clicked.connect(self.import_requested)
        lay.addWidget(title)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(text)
        row.addStretch(1)
        lay.addLayout(row)
        row2 = QHBoxLayout()
        row2.addStretch(1)
        row2.addWidget(self.button)
        row2.addStretch(1)
        lay.addLayout(row2)
        lay.addStretch(3)


class TrendsScreen(QWidget):
    """Overview dashboard. `reload()` recomputes in the background and emits `refreshed` when drawn."""

    import_requested = Signal()
    refreshed = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from cxdesk.ui.widgets.date_range import DateRangePicker
        from cxdesk.ui.widgets.message_bar import MessageBar

        self.ctx = ctx
        self.dashboard = None            # the last trends.Dashboard drawn
        self.alerts: list = []
        self._generation = 0
        self._task = None
        self._pending = False
        self._loaded_once = False
        self._auto_granularity = True
        self._auto_alert_running = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(8)
        self.message_bar = MessageBar(self)
        outer.addWidget(self.message_bar)

        # --- filter row
        bar = QHBoxLayout()
        self.date_picker = DateRangePicker(self, preset="90d")
        self.granularity_combo = QComboBox(self)
        for key, label in GRANULARITY_NAMES:
            self.granularity_combo.addItem(_(label), key)
        self.granularity_combo.setCurrentIndex(1)
        self.channel_combo = QComboBox(self)
        self.channel_combo.addItem(_("All channels"), "")
        self.channel_combo.setMinimumContentsLength(8)
        self.topic_combo = QComboBox(self)
        self.topic_combo.addItem(_("All topics"), "")
        self.topic_combo.setMinimumContentsLength(8)
        self.view_combo = QComboBox(self)
        self.view_combo.addItem(_("Stacked"), "stacked")
        self.view_combo.addItem(_("Lines"), "lines")
        self.save_button = QPushButton(_("Save chart…"), self)
        self.save_button.setToolTip(_("Save the trend and topic charts as a PNG picture"))
        self.refresh_button = QPushButton(_("Refresh"), self)
        for w in (self.date_picker, self.granularity_combo, self.channel_combo, self.topic_combo, self.view_combo):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.save_button)
        bar.addWidget(self.refresh_button)
        self.filter_bar = QWidget(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.filter_bar.setLayout(bar)
        outer.addWidget(self.filter_bar)

        self.pages = QStackedWidget(self)
        outer.addWidget(self.pages, 1)
        self.empty = EmptyState(self)
        self.empty.import_requested.connect(self.import_requested)
        self.content = QWidget(self)
        self.pages.addWidget(self.content)
        self.pages.addWidget(self.empty)
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)

        # --- KPI cards
        cards = QHBoxLayout()
        self.card_count = KpiCard(_("Feedback"), _("Rows in the selected days, channel and topic"), self)
        self.card_negative = KpiCard(_("Negative share"), _(NEG_SHARE_HELP), self)
        self.card_rating = KpiCard(_("Mean rating"), _("Average star rating (1–5) of rows that have one"), self)
        self.card_sentiment = KpiCard(_("Mean sentiment"), _("Average sentiment score: 0 = very negative, "
                                                             "100 = very positive"), self)
        for c in (self.card_count, self.card_negative, self.card_rating, self.card_sentiment):
            cards.addWidget(c)
        content.addLayout(cards)

        # --- charts
        self.splitter = QSplitter(Qt.Horizontal, self.content)
        content.addWidget(self.splitter, 1)
        self.chart_area = QWidget(self.splitter)
        chart_lay = QVBoxLayout(self.chart_area)
        chart_lay.setContentsMargins(0, 0, 0, 0)
        self.count_plot = self._make_plot(_("Feedback per period"))
        self.share_plot = self._make_plot(_("Negative share and mean sentiment"))
        self.share_plot.setXLink(self.count_plot)
        self.share_plot.setYRange(0, 1, padding=0.02)
        self.share_plot.getAxis("left").setTicks([[(v / 100, f"{v}%") for v in range(0, 101, 25)]])
        self.share_plot.setToolTip(_(NEG_SHARE_HELP))
        chart_lay.addWidget(self.count_plot, 3)
        chart_lay.addWidget(self.share_plot, 2)
        self.count_legend = self.count_plot.addLegend(offset=(-8, 4), colCount=3, brush=pg.mkBrush(255, 255, 255, 210))
        self.share_legend = self.share_plot.addLegend(offset=(-8, 4), colCount=2, brush=pg.mkBrush(255, 255, 255, 210))
        self.partial_regions = [pg.LinearRegionItem(movable=False, brush=pg.mkBrush(120, 120, 120, 28),
                                                    pen=pg.mkPen(None)) for _p in range(2)]
        for plot, region in zip((self.count_plot, self.share_plot), self.partial_regions):
            plot.addItem(region, ignoreBounds=True)
            region.setZValue(-10)
            region.hide()
        self.cursor_lines = [pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#90a4ae", style=Qt.DashLine))
                             for _p in range(2)]
        for plot, line in zip((self.count_plot, self.share_plot), self.cursor_lines):
            plot.addItem(line, ignoreBounds=True)
            line.hide()

        side = QWidget(self.splitter)
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(0, 0, 0, 0)
        top_row = QHBoxLayout()
        heading = QLabel(_("What customers complain about"), side)
        hf = heading.font()
        hf.setBold(True)
        heading.setFont(hf)
        self.rank_combo = QComboBox(side)
        self.rank_combo.addItem(_("Negative mentions"), "negative")
        self.rank_combo.addItem(_("Impact on negative share"), "impact")
        self.rank_combo.setToolTip(_(IMPACT_HELP))
        top_row.addWidget(heading)
        top_row.addStretch(1)
        top_row.addWidget(self.rank_combo)
        side_lay.addLayout(top_row)
        self.topic_plot = pg.PlotWidget(side, background="w")
        self.topic_plot.setMenuEnabled(False)
        self.topic_plot.setMouseEnabled(False, False)
        self.topic_plot.hideButtons()
        self.topic_plot.getViewBox().invertY(True)
        self.topic_plot.setToolTip(_("Click a bar to read that topic's negative feedback"))
        for axis in ("left", "bottom"):
            self.topic_plot.getAxis(axis).setPen(pg.mkPen("#616161"))
            self.topic_plot.getAxis(axis).setTextPen(pg.mkPen("#424242"))
        self.topic_bars = pg.BarGraphItem(x0=[], y=[], height=[], width=[], brush=COLOURS["negative"])
        self.topic_plot.addItem(self.topic_bars)
        self.topic_empty = pg.TextItem(_("No topics found yet"), color="#757575", anchor=(0.5, 0.5))
        self.topic_plot.addItem(self.topic_empty)
        side_lay.addWidget(self.topic_plot, 3)

        alert_head = QHBoxLayout()
        ah = QLabel(_("Rising complaints"), side)
        ah.setFont(hf)
        self.run_alerts_button = QPushButton(_("Check now"), side)
        self.run_alerts_button.setToolTip(_("Compare the latest week with the 8 weeks before it"))
        alert_head.addWidget(ah)
        alert_head.addStretch(1)
        alert_head.addWidget(self.run_alerts_button)
        side_lay.addLayout(alert_head)
        self.alert_list = QListWidget(side)
        self.alert_list.setWordWrap(True)
        self.alert_list.setAlternatingRowColors(True)
        side_lay.addWidget(self.alert_list, 2)
        alert_buttons = QHBoxLayout()
        self.alert_open_button = QPushButton(_("Read feedback"), side)
        self.alert_action_button = QPushButton(_("Create action"), side)
        self.alert_dismiss_button = QPushButton(_("Dismiss"), side)
        for b in (self.alert_open_button, self.alert_action_button, self.alert_dismiss_button):
            alert_buttons.addWidget(b)
            b.setEnabled(False)
        side_lay.addLayout(alert_buttons)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([600, 400])

        self.status_label = QLabel("", self.content)
        self.status_label.setStyleSheet("color: palette(dark);")
        content.addWidget(self.status_label)

        # --- signals
        self.date_picker.changed.connect(self._on_range_changed)
        self.granularity_combo.activated.connect(self._on_granularity_chosen)
        self.channel_combo.activated.connect(lambda _i: self.reload())
        self.topic_combo.activated.connect(lambda _i: self.reload())
        self.view_combo.currentIndexChanged.connect(lambda _i: self._draw_trend())
        self.rank_combo.currentIndexChanged.connect(lambda _i: self._draw_topics())
        self.refresh_button.clicked.connect(self.reload)
        self.save_button.clicked.connect(self.save_chart_dialog)
        self.run_alerts_button.clicked.connect(self.run_alert_check)
        self.alert_list.currentRowChanged.connect(self._on_alert_selected)
        self.alert_list.itemDoubleClicked.connect(lambda _it: self.open_selected_alert())
        self.alert_open_button.clicked.connect(self.open_selected_alert)
        self.alert_action_button.clicked.connect(self.create_action_from_selected_alert)
        self.alert_dismiss_button.clicked.connect(self.dismiss_selected_alert)
        self._mouse_proxy = pg.SignalProxy(self.count_plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved)
        self._mouse_proxy2 = pg.SignalProxy(self.share_plot.scene().sigMouseMoved, rateLimit=30,
                                            slot=lambda ev: self._on_mouse_moved(ev, self.share_plot))
        self.count_plot.scene().sigMouseClicked.connect(lambda ev: self._on_plot_clicked(ev, self.count_plot))
        self.share_plot.scene().sigMouseClicked.connect(lambda ev: self._on_plot_clicked(ev, self.share_plot))
        self.topic_plot.scene().sigMouseClicked.connect(self._on_topic_clicked)
        self._mouse_proxy3 = pg.SignalProxy(self.topic_plot.scene().sigMouseMoved, rateLimit=30,
                                            slot=self._on_topic_hover)
        ctx.data_changed.connect(self._on_data_changed)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(0)
        self._reload_timer.timeout.connect(self._start_reload)

    # ---------------------------------------------------------------- building blocks

    def _make_plot(self, title: str) -> pg.PlotWidget:
        axis = DayAxis(orientation="bottom")
        plot = pg.PlotWidget(self.chart_area, background="w", axisItems={"bottom": axis})
        plot.setTitle(title, color="#424242", size="10pt")
        plot.showGrid(x=False, y=True, alpha=0.15)
        plot.setMenuEnabled(False)
        plot.getViewBox().setMouseEnabled(x=True, y=False)
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        for name in ("left", "bottom"):
            plot.getAxis(name).setPen(pg.mkPen("#616161"))
            plot.getAxis(name).setTextPen(pg.mkPen("#424242"))
        return plot

    # ---------------------------------------------------------------- filter

    def current_filter(self) -> FeedbackFilter:
        date_from, date_to = self.date_picker.range()
        channel = self.channel_combo.currentData() or ""
        topic = self.topic_combo.currentData() or ""
        return FeedbackFilter(date_from=date_from, date_to=date_to, channels=(channel,) if channel else (),
                              topics=(topic,) if topic else ())

    def granularity(self) -> str:
        return self.granularity_combo.currentData()

    def set_granularity(self, key: str) -> None:
        index = self.granularity_combo.findData(key)
        if index >= 0:
            self.granularity_combo.setCurrentIndex(index)

    def _on_range_changed(self, date_from, date_to) -> None:
        if self._auto_granularity:
            from cxdesk.core.analysis.trends import default_granularity

            if date_from is None and self.dashboard is not None:
                date_from = self.dashboard.data_from
            if date_to is None and self.dashboard is not None:
                date_to = self.dashboard.data_to
            self.set_granularity(default_granularity(date_from, date_to))
        self.reload()

    def _on_granularity_chosen(self, _index: int) -> None:
        self._auto_granularity = False
        self.reload()

    # ---------------------------------------------------------------- loading

    def reload(self) -> None:
        """Recompute for the current filter (coalesces bursts of filter changes into one task)."""
        self._generation += 1  # whatever is still on its way was computed for an older request
        self._reload_timer.start()

    def _start_reload(self) -> None:
        if self._task is not None and not self._task.done.is_set():
            self._generation += 1  # the running result is already out of date
            self._pending = True   # one more run when the current one ends
            return
        self._generation += 1
        generation = self._generation
        flt = self.current_filter()
        granularity = self.granularity()

        def work(db, progress):
            from cxdesk.core.analysis import alerts, trends

            dash = trends.dashboard(db, flt, granularity, progress=progress)
            # A read-only database cannot store a new check; the window's bar already says why.
            current = dash.total_rows == 0 or getattr(db, "read_only", False) or alerts.alerts_are_current(db)
            return dash, alerts.list_alerts(db), current

        task = self.ctx.run_task(work, write=False, title=_("Updating the overview"))
        self._task = task
        task.signals.finished.connect(lambda result, g=generation: self._on_loaded(g, result))
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(self._on_task_ended)

    def _on_task_ended(self) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        self._task = None
        if self._pending:
            self._pending = False
            self._start_reload()

    def _on_loaded(self, generation: int, result) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        if generation != self._generation:
            return  # an older filter; a newer result is on its way
        dash, alert_list, alerts_current = result
        first_time = not self._loaded_once
        self._loaded_once = True
        self.dashboard = dash
        self.alerts = list(alert_list)
        self.pages.setCurrentWidget(self.empty if dash.total_rows == 0 else self.content)
        self.filter_bar.setVisible(dash.total_rows > 0)
        self._fill_choices(dash)
        if (first_time and dash.data_to is not None and dash.data_to < date.today()
                and self.date_picker.preset() in ("7d", "30d", "90d", "year")):
            # Historical data: make "last 90 days" mean the 90 days up to the newest feedback.
            self._anchor_presets(dash.data_to)
            return
        self._draw_kpis()
        self._draw_trend()
        self._draw_topics()
        self._draw_alerts()
        if not alerts_current and not self._auto_alert_running:
            # New or changed data since the last check (an import, an undo, a re-analysis): check again.
            self._auto_alert_running = True
            task = self.run_alert_check(quiet=True)
            task.signals.ended.connect(self._on_auto_alerts_ended)
        self.refreshed.emit()

    def _anchor_presets(self, last_day: date) -> None:
        setter = getattr(self.date_picker, "set_today", None)
        if setter is not None:
            setter(last_day)
        else:
            self.date_picker._today = last_day  # the picker reads it for its presets
        self.date_picker.set_preset(self.date_picker.preset(), emit=True)
        self.reload()  # also when the range happens to be the same

    def _fill_choices(self, dash) -> None:
        for combo, values in ((self.channel_combo, dash.channels), (self.topic_combo, dash.topics)):
            current = combo.currentData()
            have = [combo.itemData(i) for i in range(1, combo.count())]
            if have == list(values):
                continue
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for v in values:
                combo.addItem(v, v)
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _on_data_changed(self, changes: Changes) -> None:
        if changes is None or changes.feedback or changes.topics or changes.alerts or changes.sources:
            if self.isVisible() or self._loaded_once:
                self.reload()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._loaded_once:
            self.reload()

    # ---------------------------------------------------------------- drawing

    def _draw_kpis(self) -> None:
        k = self.dashboard.kpis
        cur, prev = k.current, k.previous
        self.card_count.set(f"{cur.total:,}")
        self.card_negative.set(_pct(cur.negative_share))
        self.card_rating.set("–" if cur.mean_rating is None else f"{cur.mean_rating:.2f}")
        self.card_sentiment.set("–" if cur.mean_sentiment is None else f"{cur.mean_sentiment * 100:.0f}")
        if prev is None:
            for c in (self.card_count, self.card_negative, self.card_rating, self.card_sentiment):
                c.change.setText(_("no earlier period to compare") if c is self.card_count else "")
            return
        days = (k.previous_to - k.previous_from).days + 1

        def vs(change: str) -> str:
            return _("{change} vs the previous {n} days").format(change=change, n=days)

        d = k.change("total")
        if prev.total:
            rel = d / prev.total
            self.card_count.set(f"{cur.total:,}", vs(f"{d:+,} ({rel * 100:+.0f}%)"), int(np.sign(d)), None)
        else:
            self.card_count.set(f"{cur.total:,}", vs(f"{d:+,}"), int(np.sign(d)), None)
        d = k.change("negative_share")
        self.card_negative.set(_pct(cur.negative_share),
                               "" if d is None else vs(_("{d:+.1f} points").format(d=d * 100)),
                               0 if d is None or abs(d) < 0.0005 else int(np.sign(d)), False)
        d = k.change("mean_rating")
        self.card_rating.set(self.card_rating.value.text(), "" if d is None else vs(f"{d:+.2f}"),
                             0 if d is None or abs(d) < 0.005 else int(np.sign(d)), True)
        d = k.change("mean_sentiment")
        self.card_sentiment.set(self.card_sentiment.value.text(), "" if d is None else vs(f"{round(d * 100) or 0:+d}"),
                                0 if d is None or abs(d) < 0.005 else int(np.sign(d)), True)

    def _bucket_arrays(self):
        buckets = self.dashboard.trend.buckets
        x = np.array([_ts(b.start) for b in buckets], dtype=float)
        pos = np.array([b.counts.positive for b in buckets], dtype=float)
        neu = np.array([b.counts.neutral for b in buckets], dtype=float)
        neg = np.array([b.counts.negative for b in buckets], dtype=float)
        unk = np.array([b.counts.unknown for b in buckets], dtype=float)
        return x, pos, neu, neg, unk

    def _draw_trend(self) -> None:
        if self.dashboard is None:
            return
        for plot, legend in ((self.count_plot, self.count_legend), (self.share_plot, self.share_legend)):
            for item in list(plot.listDataItems()):
                plot.removeItem(item)
            for item in [i for i in plot.items() if isinstance(i, pg.FillBetweenItem)]:
                plot.removeItem(item)
            legend.clear()
        buckets = self.dashboard.trend.buckets
        if not buckets:
            return
        x, pos, neu, neg, unk = self._bucket_arrays()
        step = (x[1] - x[0]) if len(x) > 1 else 86400.0
        xs = x + step / 2  # plot each period at its middle
        self._xs = xs
        self._step = step
        stacked = self.view_combo.currentData() == "stacked"
        series = (("negative", neg), ("neutral", neu), ("positive", pos))
        if stacked:
            base = np.zeros_like(xs)
            lower_curve = pg.PlotCurveItem(xs, base, pen=pg.mkPen(0, 0, 0, 0))  # invisible, but has a path
            self.count_plot.addItem(lower_curve)
            for key, values in series:
                top = base + values
                curve = pg.PlotDataItem(xs, top, pen=pg.mkPen(COLOURS[key], width=1), name=_(LABEL_NAMES[key]))
                self.count_plot.addItem(curve)
                fill = pg.FillBetweenItem(lower_curve, curve, brush=pg.mkBrush(QColor(COLOURS[key]).lighter(130)))
                self.count_plot.addItem(fill)
                lower_curve, base = curve, top
        else:
            for key, values in series:
                self.count_plot.plot(xs, values, pen=pg.mkPen(COLOURS[key], width=2), name=_(LABEL_NAMES[key]),
                                     symbol="o" if len(xs) <= 60 else None, symbolSize=5,
                                     symbolBrush=COLOURS[key], symbolPen=None)
        # A period with one or two rows would draw 0% or 100% spikes; its exact values stay in the tooltip.
        few = np.array([b.counts.labelled < MIN_ROWS_FOR_SHARE for b in buckets])
        share = np.array([np.nan if b.counts.negative_share is None else b.counts.negative_share for b in buckets])
        lo = np.array([np.nan if b.counts.negative_ci is None else b.counts.negative_ci[0] for b in buckets])
        hi = np.array([np.nan if b.counts.negative_ci is None else b.counts.negative_ci[1] for b in buckets])
        senti = np.array([np.nan if b.counts.mean_sentiment is None else b.counts.mean_sentiment for b in buckets])
        share[few] = np.nan
        senti[few] = np.nan
        ok = ~np.isnan(share)
        if ok.any():
            lo_c = pg.PlotCurveItem(xs[ok], lo[ok], pen=pg.mkPen(0, 0, 0, 0))
            hi_c = pg.PlotCurveItem(xs[ok], hi[ok], pen=pg.mkPen(0, 0, 0, 0))
            self.share_plot.addItem(lo_c)
            self.share_plot.addItem(hi_c)
            self.share_plot.addItem(pg.FillBetweenItem(lo_c, hi_c, brush=pg.mkBrush(COLOURS["band"])))
            self.share_plot.plot(xs, share, pen=pg.mkPen(COLOURS["share"], width=2), name=_("Negative share"),
                                 connect="finite")
        if (~np.isnan(senti)).any():
            self.share_plot.plot(xs, senti, pen=pg.mkPen(COLOURS["sentiment"], width=2, style=Qt.DashLine),
                                 name=_("Mean sentiment"), connect="finite")
        last = buckets[-1]
        for region in self.partial_regions:
            region.setVisible(self.dashboard.is_partial(last))
            region.setRegion((_ts(self.dashboard.data_to + timedelta(days=1)), _ts(last.end + timedelta(days=1))))
        self.count_plot.setXRange(x[0], x[-1] + step, padding=0.01)
        top = float((pos + neu + neg).max()) if stacked else float(max(pos.max(), neu.max(), neg.max()))
        self.count_plot.setYRange(0, max(top, 1) * 1.08, padding=0)
        self.share_plot.setYRange(0, 1, padding=0.02)

    def _draw_topics(self) -> None:
        if self.dashboard is None:
            return
        by = self.rank_combo.currentData()
        ranking = list(self.dashboard.ranking)
        if by == "impact":
            ranking.sort(key=lambda r: (-r.negative_only, -r.negative_mentions, r.name))
            values = [r.impact * 100 for r in ranking]
            self.topic_plot.setLabel("bottom", _("Percentage points of negative share"))
        else:
            values = [r.negative_mentions for r in ranking]
            self.topic_plot.setLabel("bottom", _("Negative mentions"))
        self._ranking = ranking
        n = len(ranking)
        self.topic_bars.setOpts(x0=[0] * n, y=list(range(n)), height=[0.6] * n, width=values,
                                brush=COLOURS["negative"] if by != "impact" else "#ef6c00")
        self.topic_plot.getAxis("left").setTicks([[(i, r.name) for i, r in enumerate(ranking)]])
        self.topic_empty.setVisible(n == 0)
        if n:
            self.topic_plot.setXRange(0, max(max(values), 1e-9) * 1.1, padding=0)
            self.topic_plot.setYRange(-0.6, n - 0.4, padding=0)
        else:
            self.topic_plot.setXRange(0, 1)
            self.topic_plot.setYRange(0, 1)
            self.topic_empty.setPos(0.5, 0.5)

    def _draw_alerts(self) -> None:
        self.alert_list.clear()
        for a in self.alerts:
            item = QListWidgetItem(f"{a.title()}\n{a.describe()}")
            item.setData(Qt.UserRole, a.id)
            item.setForeground(QColor("#b71c1c"))
            self.alert_list.addItem(item)
        if not self.alerts:
            item = QListWidgetItem(_("No rising complaints in the latest week."))
            item.setFlags(Qt.NoItemFlags)
            self.alert_list.addItem(item)
        self._on_alert_selected(self.alert_list.currentRow())
        d = self.dashboard
        if d.data_from and d.data_to:
            text = _("Data from {first} to {last}; {n} rows in total.").format(first=d.data_from, last=d.data_to,
                                                                             n=f"{d.total_rows:,}")
            if d.trend.undated:
                text += " " + ngettext("{n} row without a date is counted in the cards but not in the chart.",
                                         "{n} rows without a date are counted in the cards but not in the chart.",
                                         d.trend.undated).format(n=d.trend.undated)
            self.status_label.setText(text)

    # ---------------------------------------------------------------- hover and click

    def bucket_index_at(self, x_seconds: float) -> int | None:
        if self.dashboard is None or not self.dashboard.trend.buckets:
            return None
        starts = np.array([_ts(b.start) for b in self.dashboard.trend.buckets])
        i = int(np.searchsorted(starts, x_seconds, side="right") - 1)
        if i < 0 or i >= len(starts):
            return None
        end = _ts(self.dashboard.trend.buckets[i].end + timedelta(days=1))
        return i if x_seconds < end else None

    def describe_bucket(self, i: int) -> str:
        b = self.dashboard.trend.buckets[i]
        c = b.counts
        period = b.start.isoformat() if b.start == b.end else f"{b.start.isoformat()} – {b.end.isoformat()}"
        if self.dashboard.is_partial(b):
            period += "  " + _("(data only up to {day})").format(day=self.dashboard.data_to.isoformat())
        ci = c.negative_ci
        lines = [
            period,
            _("Feedback: {n}").format(n=c.total),
            _("Positive {pos} · Neutral {neu} · Negative {neg} · Unknown {unk}").format(
                pos=c.positive, neu=c.neutral, neg=c.negative, unk=c.unknown),
            _("Negative share: {share} (95% interval {lo}–{hi})").format(
                share=_pct(c.negative_share), lo=_pct(ci[0] if ci else None, 0), hi=_pct(ci[1] if ci else None, 0)),
            _("Mean rating: {r}   Mean sentiment: {s}").format(
                r="–" if c.mean_rating is None else f"{c.mean_rating:.2f}",
                s="–" if c.mean_sentiment is None else f"{c.mean_sentiment * 100:.0f}"),
        ]
        return "\n".join(lines)

    def _on_mouse_moved(self, event, plot=None) -> None:
        plot = plot or self.count_plot
        pos = event[0]
        if not plot.sceneBoundingRect().contains(pos) or self.dashboard is None:
            return
        point = plot.getViewBox().mapSceneToView(pos)
        i = self.bucket_index_at(point.x())
        if i is None:
            for line in self.cursor_lines:
                line.hide()
            QToolTip.hideText()
            return
        for line in self.cursor_lines:
            line.setPos(self._xs[i])
            line.show()
        global_pos = plot.mapToGlobal(plot.mapFromScene(pos))
        QToolTip.showText(global_pos, self.describe_bucket(i), plot)

    def label_at(self, i: int, y: float) -> str | None:
        """Which band of the count chart (or nearest line) lies under height `y` at bucket `i`."""
        c = self.dashboard.trend.buckets[i].counts
        order = (("negative", c.negative), ("neutral", c.neutral), ("positive", c.positive))
        if self.view_combo.currentData() == "stacked":
            top = 0.0
            for key, v in order:
                top += v
                if y <= top:
                    return key
            return None
        key, v = min(order, key=lambda kv: abs(kv[1] - y))
        return key if abs(v - y) <= max(2.0, 0.1 * max(c.total, 1)) else None

    def bucket_filter(self, i: int, label: str | None = None) -> FeedbackFilter:
        from cxdesk.core.analysis.trends import bucket_filter

        flt = self.dashboard.trend_filter or self.dashboard.filter
        return bucket_filter(flt, self.dashboard.trend.buckets[i], label)

    def _on_plot_clicked(self, event, plot) -> None:
        if self.dashboard is None or event.button() != Qt.LeftButton:
            return
        vb = plot.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        i = self.bucket_index_at(point.x())
        if i is None:
            return
        label = self.label_at(i, point.y()) if plot is self.count_plot else "negative"
        self.ctx.open_feedback_requested.emit(self.bucket_filter(i, label))

    def _on_topic_clicked(self, event) -> None:
        if self.dashboard is None or event.button() != Qt.LeftButton or not getattr(self, "_ranking", None):
            return
        i = self.topic_index_at(event.scenePos())
        if i is not None:
            self.open_topic(self._ranking[i].name)

    def topic_index_at(self, scene_pos) -> int | None:
        ranking = getattr(self, "_ranking", None)
        if not ranking:
            return None
        point = self.topic_plot.getViewBox().mapSceneToView(scene_pos)
        i = int(round(point.y()))
        return i if 0 <= i < len(ranking) and abs(point.y() - i) <= 0.4 else None

    def describe_topic(self, i: int) -> str:
        r = self._ranking[i]
        return "\n".join([
            r.name,
            _("Mentions: {n}").format(n=r.mentions),
            _("Negative mentions: {n}").format(n=r.negative_mentions),
            _("Negative reviews about only this topic: {n}").format(n=r.negative_only),
            _("Impact: {pts:.1f} percentage points of the negative share").format(pts=r.impact * 100),
        ])

    def _on_topic_hover(self, event) -> None:
        pos = event[0]
        i = self.topic_index_at(pos) if self.topic_plot.sceneBoundingRect().contains(pos) else None
        if i is None:
            QToolTip.hideText()
            return
        QToolTip.showText(self.topic_plot.mapToGlobal(self.topic_plot.mapFromScene(pos)), self.describe_topic(i),
                          self.topic_plot)

    def open_topic(self, name: str) -> None:
        from cxdesk.core.analysis.trends import topic_filter

        base = self.dashboard.filter if self.dashboard is not None else self.current_filter()
        self.ctx.open_feedback_requested.emit(topic_filter(base, name))

    # ---------------------------------------------------------------- alerts

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

    # ---------------------------------------------------------------- saving

    def save_chart(self, path: str) -> bool:
        """Save the charts (trend and topics) as one PNG picture."""
        return self.splitter.grab().save(path, "PNG")

    def save_chart_dialog(self) -> None:
        from cxdesk.core.storage import now_text

        name = _("overview") + "-" + now_text()[:10] + ".png"
        path, _filter = QFileDialog.getSaveFileName(self, _("Save chart"), name, _("PNG pictures (*.png)"))
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        if self.save_chart(path):
            self.message_bar.show_success(_("Chart saved to {path}").format(path=path), timeout_ms=6000)
        else:
            self.message_bar.show_error(_("Could not save the chart to {path}.").format(path=path))
