"""The evaluation's chart: the metric and other feedback per day, the two periods shaded, go-live marked."""

from __future__ import annotations

import html
from datetime import datetime

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cxdesk.core.formatting import short_day_text
from cxdesk.i18n import _
from cxdesk.ui import theme
from cxdesk.ui.widgets.date_axis import DayAxis
from cxdesk.ui.widgets.elide import WholeTextLabel


def _ts(d) -> float:
    return datetime(d.year, d.month, d.day).timestamp()


class EvaluationChart(QWidget):
    """The chart with its legend underneath (so the legend never covers a line or a label)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.plot = pg.PlotWidget(axisItems={"bottom": DayAxis(orientation="bottom")})
        self.plot.setBackground("w")
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.plot.setLabel("left", _("Negative share (%)"))
        self.plot.setMouseEnabled(x=True, y=False)
        # Short enough that the legend below keeps its lines when a long title and verdict take the height
        # of a 125 % dialog on 1366×768 (the layout squeezes the chart below its minimum then).
        self.plot.setMinimumHeight(120)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setPen(pg.mkPen(theme.CHART_AXIS))
            self.plot.getAxis(axis).setTextPen(pg.mkPen(theme.CHART_AXIS_TEXT))
        self.legend_label = WholeTextLabel(self)   # the splitter may not squeeze the legend under the plot
        self.legend_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend_label)
        # A label that starts near the right edge (the days still to come) is moved back inside the plot
        # whenever its width in days changes: on a resize, a zoom, or a larger font at 125 %.
        self._edge_labels: list[tuple[pg.TextItem, float, float]] = []
        self.plot.getViewBox().sigResized.connect(self._keep_labels_inside)
        self.plot.getViewBox().sigXRangeChanged.connect(self._keep_labels_inside)

    def clear(self) -> None:
        self._edge_labels = []
        self.plot.clear()
        self.legend_label.setText("")

    def show(self, ev, series) -> None:
        """Draw the evaluation `ev` with its daily `series`."""
        import numpy as np

        self.plot.clear()
        self._edge_labels = []
        xs = [_ts(d) for d in series.days]
        b0, b1 = _ts(ev.before.start), _ts(ev.before.end) + 86400
        a0, a1 = _ts(ev.after.start), _ts(ev.after.end) + 86400
        # The after-period up to the newest feedback is solid; days still to come are hatched.
        seen = min(a1, _ts(series.last_day) + 86400) if series.last_day else a0
        seen = max(seen, a0)
        bands = theme.EVALUATION_BANDS
        spans = [(b0, b1, pg.mkBrush(*bands["before"])), (a0, seen, pg.mkBrush(*bands["after"]))]
        if seen < a1:
            hatched = pg.mkBrush(*bands["to_come"])
            hatched.setStyle(Qt.BDiagPattern)   # mkBrush takes no style of its own
            spans.append((seen, a1, hatched))
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
        self.plot.plot(xs, topic, pen=pg.mkPen(theme.EVALUATION.topic, width=2.5), connect="finite",
                       name=_("{metric} ({n}-day average)").format(metric=ev.metric, n=series.smooth_days))
        self.plot.plot(xs, control, pen=pg.mkPen(theme.EVALUATION.control, width=1.5, style=Qt.DashLine),
                       connect="finite", name=_("Other feedback (comparison)"))
        means = [((b0, b1), ev.before.negative_rate, ev.before.total)]
        if ev.after.total:
            means.append(((a0, seen), ev.after.negative_rate, ev.after.total))
        for (lo, hi), rate, n in means:
            if n:
                self.plot.plot([lo, hi], [rate * 100, rate * 100], pen=pg.mkPen(theme.EVALUATION.topic, width=1, style=Qt.DotLine))
        legend = [f"<span style='color:{theme.EVALUATION.topic}'>━━</span>&nbsp;" + html.escape(
                      _("{metric} ({n}-day average)").format(metric=ev.metric, n=series.smooth_days)),
                  f"<span style='color:{theme.EVALUATION.control}'>╍╍</span>&nbsp;" + html.escape(_("Other feedback (comparison)")),
                  f"<span style='color:{theme.EVALUATION.topic}'>┈┈</span>&nbsp;" + html.escape(_("average of the period"))]
        if seen < a1:
            legend.append(f"<span style='color:{theme.EVALUATION.to_come}'>▨</span>&nbsp;" + html.escape(_("days still to come")))
        self.legend_label.setText("　".join(legend))
        values = [v for v in np.concatenate([topic, control]) if not np.isnan(v)]
        top = max(values + [r * 100 for (_x, r, n) in means if n] or [10.0])
        ceiling = top * 1.35 if top > 0 else 10.0
        self.plot.setXRange(xs[0] if xs else b0, max(xs[-1] + 86400 if xs else a1, a1), padding=0.01)
        self.plot.setYRange(0, ceiling, padding=0)
        # Labels sit in the headroom above the data, so they never hide a line.
        label_y = ceiling * 0.87   # above the lines
        live = pg.InfiniteLine(pos=_ts(ev.live_date), angle=90, movable=False,
                               pen=pg.mkPen(theme.EVALUATION.mark, width=1.5, style=Qt.DashLine))
        self.plot.addItem(live)
        # (x, text, colour, anchor, y): the go-live date sits just left of its line, one row above the
        # period names, so neither covers the other nor a line.
        live_x = _ts(ev.live_date)
        marks = [(live_x - 3600 * 6, _("go-live {date}").format(date=short_day_text(ev.live_date)), theme.EVALUATION.mark, (1, 0),
                  ceiling * 0.95),
                 (b0 + 3600 * 6, _("before"), theme.EVALUATION.window_label, (0, 0), label_y), (a0 + 3600 * 6, _("after"), theme.EVALUATION.window_label, (0, 0), label_y)]
        if seen < a1:
            marks.append((seen + 3600 * 6, _("still collecting until {date}").format(date=short_day_text(ev.after.end)),
                          theme.VERDICT["improved"][1], (0, 0), ceiling * 0.95))
        for x, text, colour, anchor, y in marks:
            label = pg.TextItem(text, color=colour, anchor=anchor, fill=pg.mkBrush(*theme.CHART_LABEL_FILL))
            label.setPos(x, y)
            self.plot.addItem(label)
            if anchor == (0, 0):
                self._edge_labels.append((label, x, y))
        self._keep_labels_inside()

    def _keep_labels_inside(self, *_args) -> None:
        """Shift each left-anchored label left just enough that its whole text ends inside the plot."""
        box = self.plot.getViewBox()
        (left, right), _y = box.viewRange()
        per_pixel = box.viewPixelSize()[0]
        if per_pixel <= 0:
            return
        for label, x, y in self._edge_labels:
            width = (label.textItem.boundingRect().width() + 4) * per_pixel
            label.setPos(max(left, min(x, right - width)), y)
