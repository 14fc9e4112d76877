"""The overview's three time charts, each with its own unit: feedback rows, negative share in %, and the
mean sentiment score on 0–100. Their legends sit in a line above each chart, never over the data, and a
period the data have not finished is shaded and labelled on every chart."""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from cxdesk.i18n import N_, _
from cxdesk.ui import theme
from cxdesk.ui.widgets.date_axis import DayAxis

NEG_SHARE_HELP = N_("Negative share: of the feedback whose tone could be judged, how much was negative. Feedback "
                    "whose tone is unknown (empty, emoji only, other languages) is left out. The shaded band "
                    "shows how far the true share may lie from the line: the fewer the rows, the wider it is.")
SCORE_HELP = N_("Mean sentiment: how positive the feedback sounds on average, from 0 (very negative) to 100 "
                "(very positive); 50 is neutral.")
PARTIAL_COLOUR = (120, 120, 120, 28)


class ChartLegend(QLabel):
    """A one-line legend above a chart: coloured marks and names (rich text), wrapping if narrow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.RichText)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self._entries: list[tuple[str, str, str]] = []

    @property
    def entries(self) -> list[str]:
        """The names shown, in order."""
        return [name for _colour, name, _mark in self._entries]

    def set_entries(self, entries: list[tuple[str, str, str]]) -> None:
        """(colour, name, mark) triples; mark is "■" for an area, "━" for a line, "▒" for a band."""
        self._entries = list(entries)
        self.setText("&nbsp;&nbsp;&nbsp;".join(
            f"<span style='color:{colour}'>{mark}</span>&nbsp;{html.escape(name)}" for colour, name, mark in entries))

    def add_entry(self, entry: tuple[str, str, str]) -> None:
        self.set_entries(self._entries + [entry])


LABEL_ROOM = 0.09     # part of the y span kept below 0 and above the top, so the 0 and 100% labels show
LABEL_ROOM_PX = 9     # … and at least this many pixels (half a label) in a low chart


def set_y_from_zero(plot: pg.PlotWidget, top: float) -> None:
    """y from 0 to `top`, with room for the end labels (pyqtgraph hides a label that sticks out)."""
    height = plot.getViewBox().height()
    share = LABEL_ROOM if height <= 4 * LABEL_ROOM_PX else max(LABEL_ROOM, LABEL_ROOM_PX / (height - 2 * LABEL_ROOM_PX))
    room = top * share
    plot.setYRange(-room, top + room, padding=0)


class PercentAxis(pg.AxisItem):
    """A y axis over shares 0..1 written as 0%, 25%, …; pyqtgraph picks as many ticks as the height allows."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        return [f"{v * 100:.0f}%" for v in values]


def make_plot(parent: QWidget, title: str, unit: str, left: pg.AxisItem | None = None) -> pg.PlotWidget:
    axes = {"bottom": DayAxis(orientation="bottom")}
    if left is not None:
        axes["left"] = left
    plot = pg.PlotWidget(parent, background="w", axisItems=axes)
    plot.setTitle(title, color=theme.CHART_AXIS_TEXT, size="10pt")
    plot.showGrid(x=False, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.getViewBox().setMouseEnabled(x=True, y=False)
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")
    for name in ("left", "bottom"):
        plot.getAxis(name).setPen(pg.mkPen(theme.CHART_AXIS))
        plot.getAxis(name).setTextPen(pg.mkPen(theme.CHART_AXIS_TEXT))
    plot.setLabel("left", unit, color=theme.CHART_AXIS_TEXT)
    return plot


def build_trend_charts(screen, splitter) -> None:
    """Feedback per period, negative share and mean sentiment, one above the other on one time axis."""
    area = screen.chart_area = QWidget(splitter)
    lay = QVBoxLayout(area)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    screen.count_plot = make_plot(area, _("Feedback per period"), _("rows"))
    screen.share_plot = make_plot(area, _("Negative share"), "%", PercentAxis(orientation="left"))
    screen.score_plot = make_plot(area, _("Mean sentiment (0–100)"), _("score"))
    screen.count_legend, screen.share_legend, screen.score_legend = (ChartLegend(area) for _i in range(3))
    screen.share_plot.setToolTip(_(NEG_SHARE_HELP))
    screen.score_plot.setToolTip(_(SCORE_HELP))
    for plot in (screen.share_plot, screen.score_plot):
        plot.setXLink(screen.count_plot)
    set_y_from_zero(screen.share_plot, 1)
    set_y_from_zero(screen.score_plot, 100)
    for legend, plot, stretch in ((screen.count_legend, screen.count_plot, 3), (screen.share_legend, screen.share_plot, 2),
                                  (screen.score_legend, screen.score_plot, 2)):
        lay.addWidget(legend)
        lay.addWidget(plot, stretch)
    screen.trend_plots = (screen.count_plot, screen.share_plot, screen.score_plot)
    screen.partial_regions = []
    for plot in screen.trend_plots:
        region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(*PARTIAL_COLOUR), pen=pg.mkPen(None))
        plot.addItem(region, ignoreBounds=True)
        region.setZValue(-10)
        region.hide()
        screen.partial_regions.append(region)
    screen.partial_text = pg.TextItem("", color=theme.CHART_EMPTY_TEXT, anchor=(1, 0))   # inside, at the right end
    screen.count_plot.addItem(screen.partial_text, ignoreBounds=True)
    screen.partial_text.hide()
    screen.cursor_lines = [pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.CHART_CURSOR, style=Qt.DashLine))
                           for _p in screen.trend_plots]
    for plot, line in zip(screen.trend_plots, screen.cursor_lines):
        plot.addItem(line, ignoreBounds=True)
        line.hide()
