"""Drawing the overview: the KPI cards, the trend charts, the topic ranking and the alert list."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidgetItem

from cxdesk.core.formatting import count, day_text, decimal, percent, score_of_100
from cxdesk.i18n import N_, _, ngettext
from cxdesk.ui import theme
from cxdesk.ui.trends_charts import set_y_from_zero

MIN_ROWS_FOR_SHARE = 3
LABEL_NAMES = {"positive": N_("Positive"), "neutral": N_("Neutral"), "negative": N_("Negative")}


def _ts(d: date) -> float:
    """Seconds since the epoch at local midnight, what pg.DateAxisItem expects."""
    return datetime.combine(d, time()).timestamp()


class TrendsDrawingMixin:
    """Part of TrendsScreen (needs `dashboard`, `alerts`, the cards, plots and lists it builds)."""

    def _draw_kpis(self) -> None:
        k = self.dashboard.kpis
        cur, prev = k.current, k.previous
        self.card_count.set(count(cur.total))
        self.card_negative.set(percent(cur.negative_share))
        self.card_rating.set(decimal(cur.mean_rating))
        self.card_sentiment.set(score_of_100(cur.mean_sentiment))
        if prev is None:
            for c in (self.card_count, self.card_negative, self.card_rating, self.card_sentiment):
                c.change.set_full_text(_("no earlier period to compare") if c is self.card_count else "")
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
        self.card_negative.set(percent(cur.negative_share),
                               "" if d is None else vs(_("{d:+.1f} points").format(d=d * 100)),
                               0 if d is None or abs(d) < 0.0005 else int(np.sign(d)), False)
        d = k.change("mean_rating")
        self.card_rating.set(self.card_rating.value.full_text(), "" if d is None else vs(f"{d:+.2f}"),
                             0 if d is None or abs(d) < 0.005 else int(np.sign(d)), True)
        d = k.change("mean_sentiment")
        self.card_sentiment.set(self.card_sentiment.value.full_text(), "" if d is None else vs(f"{round(d * 100) or 0:+d}"),
                                0 if d is None or abs(d) < 0.005 else int(np.sign(d)), True)

    def _bucket_arrays(self):
        buckets = self.dashboard.trend.buckets
        x = np.array([_ts(b.start) for b in buckets], dtype=float)
        pos = np.array([b.counts.positive for b in buckets], dtype=float)
        neu = np.array([b.counts.neutral for b in buckets], dtype=float)
        neg = np.array([b.counts.negative for b in buckets], dtype=float)
        unk = np.array([b.counts.unknown for b in buckets], dtype=float)
        return x, pos, neu, neg, unk

    def _clear_trend(self) -> None:
        for plot in self.trend_plots:
            for item in list(plot.listDataItems()):
                plot.removeItem(item)
            for item in [i for i in plot.items() if isinstance(i, pg.FillBetweenItem)]:
                plot.removeItem(item)
        for legend in (self.count_legend, self.share_legend, self.score_legend):
            legend.set_entries([])

    def _draw_counts(self, xs, series, stacked: bool) -> None:
        if stacked:
            base = np.zeros_like(xs)
            lower_curve = pg.PlotCurveItem(xs, base, pen=pg.mkPen(0, 0, 0, 0))  # invisible, but has a path
            self.count_plot.addItem(lower_curve)
            for key, values in series:
                top = base + values
                curve = pg.PlotDataItem(xs, top, pen=pg.mkPen(theme.SENTIMENT[key].chart, width=1),
                                        name=_(LABEL_NAMES[key]))
                self.count_plot.addItem(curve)
                fill = pg.FillBetweenItem(lower_curve, curve, brush=pg.mkBrush(QColor(theme.SENTIMENT[key].chart).lighter(130)))
                self.count_plot.addItem(fill)
                lower_curve, base = curve, top
        else:
            for key, values in series:
                self.count_plot.plot(xs, values, pen=pg.mkPen(theme.SENTIMENT[key].chart, width=2), name=_(LABEL_NAMES[key]),
                                     symbol="o" if len(xs) <= 60 else None, symbolSize=5,
                                     symbolBrush=theme.SENTIMENT[key].chart, symbolPen=None)
        mark = "■" if stacked else "━"
        self.count_legend.set_entries([(theme.SENTIMENT[key].chart, _(LABEL_NAMES[key]), mark)
                                       for key, _v in reversed(series)])

    def _draw_share_and_score(self, xs, buckets) -> None:
        # A period with one or two rows would draw 0% or 100% spikes; its exact values stay in the tooltip.
        few = np.array([b.counts.labelled < MIN_ROWS_FOR_SHARE for b in buckets])
        share = np.array([np.nan if b.counts.negative_share is None else b.counts.negative_share for b in buckets])
        lo = np.array([np.nan if b.counts.negative_ci is None else b.counts.negative_ci[0] for b in buckets])
        hi = np.array([np.nan if b.counts.negative_ci is None else b.counts.negative_ci[1] for b in buckets])
        senti = np.array([np.nan if b.counts.mean_sentiment is None else b.counts.mean_sentiment * 100 for b in buckets])
        share[few] = np.nan
        senti[few] = np.nan
        ok = ~np.isnan(share)
        if ok.any():
            lo_c = pg.PlotCurveItem(xs[ok], lo[ok], pen=pg.mkPen(0, 0, 0, 0))
            hi_c = pg.PlotCurveItem(xs[ok], hi[ok], pen=pg.mkPen(0, 0, 0, 0))
            self.share_plot.addItem(lo_c)
            self.share_plot.addItem(hi_c)
            self.share_plot.addItem(pg.FillBetweenItem(lo_c, hi_c, brush=pg.mkBrush(theme.CHART_BAND)))
            self.share_plot.plot(xs, share, pen=pg.mkPen(theme.CHART_SHARE, width=2), name=_("Negative share"),
                                 connect="finite")
            self.share_legend.set_entries([(theme.CHART_SHARE, _("Negative share (%)"), "━"),
                                           (theme.CHART_SHARE, _("likely range"), "▒")])
        if (~np.isnan(senti)).any():
            self.score_plot.plot(xs, senti, pen=pg.mkPen(theme.CHART_SCORE, width=2), name=_("Mean sentiment"),
                                 connect="finite")
            self.score_legend.set_entries([(theme.CHART_SCORE, _("Mean sentiment, 0 = very negative, "
                                                                 "100 = very positive"), "━")])

    def _draw_partial(self, buckets) -> None:
        """Shade the period the data have not finished on every chart, and say so above the first."""
        last = buckets[-1]
        partial = self.dashboard.is_partial(last)
        for region in self.partial_regions:
            region.setVisible(partial)
        self.partial_text.setVisible(partial)
        if partial:
            start, end = _ts(self.dashboard.data_to + timedelta(days=1)), _ts(last.end + timedelta(days=1))
            for region in self.partial_regions:
                region.setRegion((start, end))
            self.partial_text.setText(_("not over"))
            self.count_legend.add_entry((theme.CHART_AXIS, _("shaded: period not over yet (data up to {day})").format(
                day=day_text(self.dashboard.data_to)), "▒"))

    def _draw_trend(self) -> None:
        if self.dashboard is None:
            return
        self._clear_trend()
        buckets = self.dashboard.trend.buckets
        if not buckets:
            return
        x, pos, neu, neg, unk = self._bucket_arrays()
        step = (x[1] - x[0]) if len(x) > 1 else 86400.0
        xs = x + step / 2  # plot each period at its middle
        self._xs = xs
        self._step = step
        stacked = self.view_combo.currentData() == "stacked"
        self._draw_counts(xs, (("negative", neg), ("neutral", neu), ("positive", pos)), stacked)
        self._draw_share_and_score(xs, buckets)
        self.count_plot.setXRange(x[0], x[-1] + step, padding=0.01)
        top = float((pos + neu + neg).max()) if stacked else float(max(pos.max(), neu.max(), neg.max()))
        set_y_from_zero(self.count_plot, max(top, 1) * 1.1)
        set_y_from_zero(self.share_plot, 1)
        set_y_from_zero(self.score_plot, 100)
        self._draw_partial(buckets)
        if self.partial_text.isVisible():
            _low, high = self.partial_regions[0].getRegion()
            self.partial_text.setPos(high, max(top, 1) * 1.1)

    def _topics_that_fit(self) -> int:
        """How many topic bars the chart holds with their names readable (at least 3)."""
        height = self.topic_plot.getViewBox().height()
        row = self.topic_plot.fontMetrics().height() + 4
        return max(3, int(height // row)) if height > row else len(self.dashboard.ranking)

    def _on_topic_plot_resized(self, _view=None) -> None:
        if self.dashboard is not None and self._topics_that_fit() != getattr(self, "_topic_cap", None):
            self._draw_topics()

    def _draw_topics(self) -> None:
        if self.dashboard is None:
            return
        by = self.rank_combo.currentData()
        ranking = list(self.dashboard.ranking)
        if by == "impact":
            ranking.sort(key=lambda r: (-r.negative_only, -r.negative_mentions, r.name))
        self._topic_cap = self._topics_that_fit()
        ranking = ranking[:self._topic_cap]     # names never drawn over each other in a low window
        if by == "impact":
            values = [r.impact * 100 for r in ranking]
            self.topic_plot.setLabel("bottom", _("Percentage points of negative share"))
        else:
            values = [r.negative_mentions for r in ranking]
            self.topic_plot.setLabel("bottom", _("Negative mentions"))
        self._ranking = ranking
        n = len(ranking)
        self.topic_bars.setOpts(x0=[0] * n, y=list(range(n)), height=[0.6] * n, width=values,
                                brush=theme.SENTIMENT["negative"].chart if by != "impact" else theme.CHART_IMPACT)
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
            item.setForeground(QColor(theme.ALERT_TEXT))
            self.alert_list.addItem(item)
        if not self.alerts:
            item = QListWidgetItem(_("No rising complaints in the latest week."))
            item.setFlags(Qt.NoItemFlags)
            self.alert_list.addItem(item)
        self._on_alert_selected(self.alert_list.currentRow())
        d = self.dashboard
        text = ""
        if d.data_from and d.data_to:
            text = _("Data from {first} to {last}; {n} rows in total.").format(first=day_text(d.data_from),
                                                                             last=day_text(d.data_to),
                                                                             n=f"{d.total_rows:,}")
        if d.trend.undated:
            # Also when no row has a date at all: the owner learns why the chart is empty.
            text += (" " if text else "") + ngettext(
                "{n} row without a date is counted in the cards but not in the chart.",
                "{n} rows without a date are counted in the cards but not in the chart.",
                d.trend.undated).format(n=d.trend.undated)
        if text:
            self.status_label.setText(text)
