"""The survey row of 概览: NPS with its interval, CSAT, and the NPS trend with its 95 % band.

Shown only when the database holds survey responses. It follows the overview's filter (days, channel,
topic, period length) and reads its numbers with one core call, `surveys.survey_overview`, off the GUI thread.
"""

from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget
from shiboken6 import isValid

from cxdesk.core import formatting
from cxdesk.core.filters import FeedbackFilter
from cxdesk.i18n import N_, _
from cxdesk.ui import theme
from cxdesk.ui.trends_widgets import KpiCard
from cxdesk.ui.widgets.date_axis import DayAxis

NPS_HELP = N_("Net promoter score = % promoters (9–10) − % detractors (0–6) of the answers to the recommend "
              "question, from −100 to +100. The range is the 95% interval: the fewer the responses, the wider it is.")
CSAT_HELP = N_("Share of satisfied answers: the two top boxes (4–5 on a 1–5 scale, 9–10 on 1–10).")
NPS_LINE = theme.NPS_LINE
NPS_BAND = (106, 27, 154, 50)


def _show(card: KpiCard, value: str, note: str) -> None:
    """A card's number and a plain grey note (no change arrow: an interval is not a change)."""
    # Both are ElidedLabels: a plain setText would be undone by their next resize.
    card.value.set_full_text(value)
    card.change.setStyleSheet("color: palette(dark);")
    card.change.set_full_text(note)


class SurveyPanel(QWidget):
    """Two cards and a small chart; `load(filter, granularity)` refreshes them in the background."""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.overview = None             # the last surveys.SurveyOverview shown
        self._generation = 0
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.card_nps = KpiCard(_("NPS (net promoter score)"), _(NPS_HELP), self)
        self.card_csat = KpiCard(_("Satisfied (CSAT)"), _(CSAT_HELP), self)
        self.plot = pg.PlotWidget(self, background="w", axisItems={"bottom": DayAxis(orientation="bottom")})
        self.plot.setTitle(_("NPS per period, with its 95% interval"), color=theme.CHART_AXIS_TEXT, size="9pt")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot.setYRange(-100, 100, padding=0.02)
        self.plot.getAxis("left").setTicks([[(v, f"{v:+d}" if v else "0") for v in range(-100, 101, 25)]])
        self.plot.setToolTip(_(NPS_HELP))
        self.plot.setFixedHeight(124)
        for card in (self.card_nps, self.card_csat):
            card.setMinimumWidth(190)   # the cards' labels elide: without a floor the chart squeezes them to “+2…”
            card.setMaximumWidth(260)
            lay.addWidget(card, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.plot, 1)
        self.hide()

    @classmethod
    def placed(cls, ctx, layout) -> "SurveyPanel":
        """A panel added to the overview's `layout`, below the KPI cards."""
        panel = cls(ctx, layout.parentWidget())
        layout.addWidget(panel)
        return panel

    def load(self, flt: FeedbackFilter, granularity: str) -> None:
        from cxdesk.core.surveys import survey_overview

        self._generation += 1
        generation = self._generation
        kw = {"date_from": flt.date_from, "date_to": flt.date_to, "channels": flt.channels, "topics": flt.topics}
        task = self.ctx.run_task(lambda db, progress: survey_overview(db, granularity, **kw), write=False,
                                 title="surveys")
        task.signals.finished.connect(lambda result: self._on_loaded(generation, result))

    def _on_loaded(self, generation: int, overview) -> None:
        if not isValid(self) or generation != self._generation:
            return
        self.overview = overview
        self.setVisible(overview.responses_in_db > 0)
        if overview.responses_in_db == 0:
            return
        nps, csat = overview.total.nps, overview.total.csat
        self.card_csat.setVisible(csat.responses > 0 or nps.responses == 0)   # NPS-only surveys: no empty card
        if nps.value is None:
            _show(self.card_nps, "–", _("no recommend answers in these days"))
        else:
            lo, hi = nps.ci95
            _show(self.card_nps, f"{nps.value:+.0f}", _("95%: {low:+.0f} to {high:+.0f} · {n} responses").format(
                low=lo, high=hi, n=nps.responses))
        if csat.value is None:
            _show(self.card_csat, "–", _("no satisfaction answers in these days"))
        else:
            _show(self.card_csat, formatting.percent(csat.value / 100, 0), _("{n} answers").format(n=csat.responses))
        self._draw(overview.periods)

    def _draw(self, periods) -> None:
        self.plot.clear()
        points = [p for p in periods if p.figures.nps.value is not None]
        if not points:
            return
        # Each point in the middle of its period, as the feedback charts below draw theirs.
        xs = np.array([(datetime.combine(p.start, time()).timestamp() + datetime.combine(p.end, time(23, 59)).timestamp())
                       / 2 for p in points])
        ys = np.array([p.figures.nps.value for p in points])
        lo = np.array([p.figures.nps.ci95[0] for p in points])
        hi = np.array([p.figures.nps.ci95[1] for p in points])
        low_curve = pg.PlotDataItem(xs, lo, pen=pg.mkPen(None))
        high_curve = pg.PlotDataItem(xs, hi, pen=pg.mkPen(None))
        self.plot.addItem(low_curve)
        self.plot.addItem(high_curve)
        self.plot.addItem(pg.FillBetweenItem(low_curve, high_curve, brush=pg.mkBrush(*NPS_BAND)))
        self.plot.plot(xs, ys, pen=pg.mkPen(NPS_LINE, width=2), symbol="o", symbolSize=6,
                       symbolBrush=NPS_LINE, symbolPen=None)
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(theme.CHART_AXIS, width=1)))
        # Zoomed to the band (and 0), never beyond the scale's −100..100.
        self.plot.setYRange(max(-100.0, min(0.0, lo.min()) - 10), min(100.0, max(0.0, hi.max()) + 10), padding=0)
        if len(xs) > 1:
            self.plot.setXRange(xs[0], xs[-1], padding=0.03)
        else:
            self.plot.setXRange(xs[0] - 86400 * 3, xs[0] + 86400 * 3)
