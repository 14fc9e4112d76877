"""The 概览 (overview) screen: KPI cards, the sentiment trend, the topics that hurt most and spike alerts.

All numbers come from one core call, `trends.dashboard(db, filter, granularity)`, run off the GUI
thread; this module builds the screen and loads the numbers, trends_drawing draws them, trends_pointer
turns hovering and clicks into tooltips and `FeedbackFilter`s, trends_alerts handles the alert list.
"""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
import pyqtgraph as pg
from shiboken6 import isValid
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QListWidget, QPushButton, QSplitter,
                               QStackedWidget, QTabWidget, QVBoxLayout, QWidget)

from cxdesk.core.changes import Changes
from cxdesk.core import formatting
from cxdesk.core.filters import FeedbackFilter
from cxdesk.i18n import N_, _
from cxdesk.ui import theme
from cxdesk.ui.brief_panel import add_brief_to_overview
from cxdesk.ui.trends_alerts import TrendsAlertsMixin
from cxdesk.ui.trends_charts import NEG_SHARE_HELP, SCORE_HELP, build_trend_charts
from cxdesk.ui.trends_platforms import PlatformTable
from cxdesk.ui.trends_drawing import TrendsDrawingMixin
from cxdesk.ui.trends_pointer import TrendsPointerMixin
from cxdesk.ui.survey_panel import SurveyPanel
from cxdesk.ui.trends_widgets import EmptyState, KpiCard
from cxdesk.ui.widgets.date_range import DateRangePicker
from cxdesk.ui.widgets.message_bar import MessageBar

log = logging.getLogger("cxdesk.ui.trends_screen")

GRANULARITY_NAMES = (("day", N_("By day")), ("week", N_("By week")), ("month", N_("By month")))
IMPACT_HELP = N_("Impact = how many percentage points the overall negative share would drop if the negative "
                 "feedback whose only complaint is this topic were not negative.")


class TrendsScreen(TrendsDrawingMixin, TrendsPointerMixin, TrendsAlertsMixin, QWidget):
    """Overview dashboard. `reload()` recomputes in the background and emits `refreshed` when drawn."""

    import_requested = Signal()
    refreshed = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dashboard = None            # the last trends.Dashboard drawn
        self.alerts: list = []
        self._generation = 0
        self._task = None
        self._pending = False
        self._loaded_once = False
        self._auto_granularity = True
        self._auto_alert_running = False
        self._ranking: list = []           # topics in the order drawn
        self._xs = np.zeros(0)             # x of each period's middle, in seconds
        self._step = 86400.0

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(8)
        self.message_bar = MessageBar(self)
        outer.addWidget(self.message_bar)

        self._build_filter_bar(outer)

        self.pages = QStackedWidget(self)
        outer.addWidget(self.pages, 1)
        self.empty = EmptyState(self)
        self.empty.import_requested.connect(self.import_requested)
        self.content = QWidget(self)
        self.pages.addWidget(self.content)
        self.pages.addWidget(self.empty)
        self.brief_panel = add_brief_to_overview(self)   # 本周要点 (ui/brief_panel.py)
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)

        self._build_cards(content)
        self.survey_panel = SurveyPanel.placed(ctx, content)   # NPS and CSAT, when there are survey responses
        # Score-only surveys and no reviews: the survey row alone, and this note in place of the review charts.
        self.reviews_note = QLabel(_("No reviews or written answers yet: these are the scores of your survey "
                                     "responses. Import reviews, or a survey with open questions, to see "
                                     "complaints, topics and trends here."), self.content)
        self.reviews_note.setWordWrap(True)
        self.reviews_note.setStyleSheet("color: palette(dark);")
        self.reviews_note.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.reviews_note.hide()
        content.addWidget(self.reviews_note)
        self.splitter = QSplitter(Qt.Horizontal, self.content)
        content.addWidget(self.splitter, 1)
        build_trend_charts(self, self.splitter)
        self._build_side_panel()
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([600, 400])

        self.status_label = QLabel("", self.content)
        self.status_label.setStyleSheet("color: palette(dark);")
        self.status_label.setWordWrap(True)      # a long note wraps instead of widening the window
        content.addWidget(self.status_label)
        # Customer follow-up figures (客户跟进), whatever the filter: the queue is about today.
        self.cases_label = QLabel("", self.content)
        self.cases_label.setWordWrap(True)
        self.cases_label.hide()
        content.addWidget(self.cases_label)

        self._connect_signals()
        ctx.data_changed.connect(self._on_data_changed)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(0)
        self._reload_timer.timeout.connect(self._start_reload)

    def _build_filter_bar(self, outer: QVBoxLayout) -> None:
        """Dates, period length, channel, topic, chart style; save and refresh."""
        bar = QHBoxLayout()
        self.date_picker = DateRangePicker(self, preset="90d")
        self.granularity_combo = QComboBox(self)
        for key, label in GRANULARITY_NAMES:
            self.granularity_combo.addItem(_(label), key)
        self.granularity_combo.setCurrentIndex(1)
        self.channel_combo = QComboBox(self)
        self.channel_combo.addItem(_("All channels"), None)
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

    def _build_cards(self, content: QVBoxLayout) -> None:
        """The four KPI cards."""
        cards = QHBoxLayout()
        self.card_count = KpiCard(_("Feedback"), _("Rows in the selected days, channel and topic"), self)
        self.card_negative = KpiCard(_("Negative share"), _(NEG_SHARE_HELP), self)
        self.card_rating = KpiCard(_("Mean rating"), _("Average star rating (1–5) of rows that have one"), self)
        self.card_sentiment = KpiCard(_("Mean sentiment"), _(SCORE_HELP), self)
        for c in (self.card_count, self.card_negative, self.card_rating, self.card_sentiment):
            cards.addWidget(c)
        content.addLayout(cards)

    def _build_side_panel(self) -> None:
        """What customers complain about (topic bars) above the rising complaints."""
        outer_side = QWidget(self.splitter)
        outer_lay = QVBoxLayout(outer_side)
        outer_lay.setContentsMargins(0, 0, 0, 0)
        self.side_tabs = QTabWidget(outer_side)
        self.side_tabs.setElideMode(Qt.ElideRight)      # both tabs stay in sight in a narrow window
        self.side_tabs.setUsesScrollButtons(False)
        outer_lay.addWidget(self.side_tabs, 3)
        side = QWidget(self.side_tabs)
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(4, 4, 4, 4)
        self.side_tabs.addTab(side, _("What customers complain about"))
        self.platform_table = PlatformTable(self.side_tabs)
        self.side_tabs.addTab(self.platform_table, _("Platforms compared"))
        top_row = QHBoxLayout()
        heading = QLabel(_("Ranked by:"), side)
        hf = heading.font()
        hf.setBold(True)
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
            self.topic_plot.getAxis(axis).setPen(pg.mkPen(theme.CHART_AXIS))
            self.topic_plot.getAxis(axis).setTextPen(pg.mkPen(theme.CHART_AXIS_TEXT))
        self.topic_bars = pg.BarGraphItem(x0=[], y=[], height=[], width=[], brush=theme.SENTIMENT["negative"].chart)
        self.topic_plot.addItem(self.topic_bars)
        self.topic_empty = pg.TextItem(_("No topics found yet"), color=theme.CHART_EMPTY_TEXT, anchor=(0.5, 0.5))
        self.topic_plot.addItem(self.topic_empty)
        side_lay.addWidget(self.topic_plot, 3)

        self._build_alert_list(outer_side, outer_lay, hf)

    def _build_alert_list(self, side: QWidget, side_lay: QVBoxLayout, heading_font) -> None:
        alert_head = QHBoxLayout()
        ah = QLabel(_("Rising complaints"), side)
        ah.setFont(heading_font)
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

    def _connect_signals(self) -> None:
        """Filters reload, clicks open feedback, hovering explains."""
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
        self.platform_table.channel_chosen.connect(self.show_channel)
        self._mouse_proxies = [pg.SignalProxy(plot.scene().sigMouseMoved, rateLimit=30,
                                              slot=lambda ev, p=plot: self._on_mouse_moved(ev, p))
                               for plot in self.trend_plots]
        for plot in self.trend_plots:
            plot.scene().sigMouseClicked.connect(lambda ev, p=plot: self._on_plot_clicked(ev, p))
        self.topic_plot.scene().sigMouseClicked.connect(self._on_topic_clicked)
        self.topic_plot.getViewBox().sigResized.connect(self._on_topic_plot_resized)
        self._mouse_proxy3 = pg.SignalProxy(self.topic_plot.scene().sigMouseMoved, rateLimit=30,
                                            slot=self._on_topic_hover)

    # ---------------------------------------------------------------- building blocks

    # ---------------------------------------------------------------- filter

    def current_filter(self) -> FeedbackFilter:
        date_from, date_to = self.date_picker.range()
        channel = self.channel_combo.currentData()   # None: all; "": rows without a channel
        topic = self.topic_combo.currentData() or ""
        return FeedbackFilter(date_from=date_from, date_to=date_to, channels=(channel,) if channel is not None else (),
                              topics=(topic,) if topic else ())

    def show_channel(self, channel: str) -> None:
        """Narrow the overview to one platform ("" = rows imported without one)."""
        index = self.channel_combo.findData(channel)
        if index >= 0:
            self.channel_combo.setCurrentIndex(index)
            self.reload()

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
            from cxdesk.core.surveys.store import last_response_day

            dash = trends.dashboard(db, flt, granularity, progress=progress)
            # A read-only database cannot store a new check; the window's bar already says why.
            current = dash.total_rows == 0 or getattr(db, "read_only", False) or alerts.alerts_are_current(db)
            by_channel = trends.counts_by_channel(db, flt.with_changes(channels=()))   # all platforms, same days
            survey_to = last_response_day(db)   # score-only surveys: the overview shows their card
            return dash, alerts.list_alerts(db), current, by_channel, survey_to

        task = self.ctx.run_task(work, write=False, title=_("Updating the overview"))
        self._task = task
        task.signals.finished.connect(lambda result, g=generation: self._on_loaded(g, result))
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(self._on_task_ended)

    def _load_case_figures(self) -> None:
        from cxdesk.core.cases import case_stats

        task = self.ctx.run_task(lambda db, progress: case_stats(db, weeks=0), write=False, title="cases")
        task.signals.finished.connect(self._show_case_figures)

    def _show_case_figures(self, stats) -> None:
        if not isValid(self):
            return
        self.cases_label.setVisible(stats.total > 0)
        self.cases_label.setText(_("Customer follow-up: {open} open, {overdue} overdue · response rate {rate} · "
                                   "median {hours} h to first reply · resolved {resolved}").format(
            open=stats.open, overdue=stats.overdue, rate=formatting.percent(stats.response_rate, 0),
            hours=f"{stats.median_reply_hours:g}" if stats.median_reply_hours is not None else "–",
            resolved=formatting.percent(stats.resolved_share, 0)))

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
        dash, alert_list, alerts_current, by_channel, survey_to = result
        self._loaded_once = True
        self.dashboard = dash
        self.alerts = list(alert_list)
        blank = dash.total_rows == 0 and survey_to is None
        self.pages.setCurrentWidget(self.empty if blank else self.content)
        self.filter_bar.setVisible(not blank)
        self._show_review_parts(dash.total_rows > 0)
        self._fill_choices(dash)
        last = max(d for d in (dash.data_to, survey_to, date.min) if d is not None)
        anchor = last if date.min < last < date.today() else None
        if self.date_picker.preset() in ("7d", "30d", "90d", "year") and self.date_picker.anchor() != anchor:
            # "Last 90 days" means the 90 days up to the newest feedback, also after an import moved it.
            self._anchor_presets(anchor)
            return
        self._draw_kpis()
        self.platform_table.set_counts(by_channel)
        self._draw_trend()
        self._draw_topics()
        self._draw_alerts()
        self._load_case_figures()
        self.survey_panel.load(self.current_filter(), self.granularity())
        if not alerts_current and not self._auto_alert_running:
            # New or changed data since the last check (an import, an undo, a re-analysis): check again.
            self._auto_alert_running = True
            task = self.run_alert_check(quiet=True)
            task.signals.ended.connect(self._on_auto_alerts_ended)
        self.refreshed.emit()

    def _show_review_parts(self, on: bool) -> None:
        """Hide the review cards and charts of a database that holds survey scores only."""
        for w in (self.card_count, self.card_negative, self.card_rating, self.card_sentiment, self.splitter):
            w.setVisible(on)
        self.reviews_note.setVisible(not on)
        self.content.layout().setStretchFactor(self.reviews_note, 0 if on else 1)

    def _anchor_presets(self, last_day: date | None) -> None:
        self.date_picker.set_today(last_day)
        self.date_picker.set_preset(self.date_picker.preset(), emit=True)
        self.reload()  # also when the range happens to be the same

    def _fill_choices(self, dash) -> None:
        channels = [c for c in dash.channels if c] + [""]   # "": 未指定, rows imported without a platform
        for combo, values in ((self.channel_combo, channels), (self.topic_combo, dash.topics)):
            current = combo.currentData()
            have = [combo.itemData(i) for i in range(1, combo.count())]
            if have == list(values):
                continue
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for v in values:
                combo.addItem(v or _("Unspecified"), v)
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
