"""The overview under the mouse: tooltips for periods and topics, clicks that open the feedback behind them."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolTip

from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.formatting import day_text, decimal, percent, score
from cxdesk.i18n import _
from cxdesk.ui.trends_drawing import _ts


class TrendsPointerMixin:
    """Part of TrendsScreen (needs `ctx`, `dashboard`, `_ranking`, `_xs`, the plots and `cursor_lines`)."""

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
        """The period under the mouse in plain words, with its exact numbers and their units."""
        b = self.dashboard.trend.buckets[i]
        c = b.counts
        period = day_text(b.start) if b.start == b.end else f"{day_text(b.start)} – {day_text(b.end)}"
        if self.dashboard.is_partial(b):
            period += "  " + _("(not over: data only up to {day})").format(day=day_text(self.dashboard.data_to))
        ci = c.negative_ci
        share = _("Negative share: {share} of the feedback whose tone could be judged").format(
            share=percent(c.negative_share))
        if ci:
            share += "\n" + _("   (with this many rows, likely between {lo} and {hi})").format(
                lo=percent(ci[0], 0), hi=percent(ci[1], 0))
        lines = [
            period,
            _("Feedback: {n} rows").format(n=c.total),
            _("Positive {pos} · Neutral {neu} · Negative {neg} · Unknown {unk}").format(
                pos=c.positive, neu=c.neutral, neg=c.negative, unk=c.unknown),
            share,
            _("Mean rating: {r} of 5 stars").format(r=decimal(c.mean_rating)),
            _("Mean sentiment: {s} of 100").format(s=score(c.mean_sentiment)),
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
        if plot is self.count_plot:
            label = self.label_at(i, point.y())
        else:   # the share chart opens the negative rows, the score chart all rows of the period
            label = "negative" if plot is self.share_plot else None
        self.ctx.open_feedback_requested.emit(self.bucket_filter(i, label))

    def _on_topic_clicked(self, event) -> None:
        if self.dashboard is None or event.button() != Qt.LeftButton or not self._ranking:
            return
        i = self.topic_index_at(event.scenePos())
        if i is not None:
            self.open_topic(self._ranking[i].name)

    def topic_index_at(self, scene_pos) -> int | None:
        ranking = self._ranking
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
