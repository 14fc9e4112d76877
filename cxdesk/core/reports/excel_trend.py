"""The trend sheet of the summary workbook: one row per week or month and two charts read at a glance.

The charts take their categories from a text column, one label per period (a date axis would label
every day); counts and the negative share sit on separate charts, each with a y axis from 0 and a
unit; a period the data or the filter does not cover in full is drawn dashed and labelled “partial”.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.reports import data as report_data
from cxdesk.core.reports.excel_book import FMT_DATE, FMT_INT, FMT_MONTH, FMT_PCT, FMT_RATING, _Book, _Sheet
from cxdesk.i18n import _

LABEL_COL = 7          # the period in words, used as the charts' categories
CHART_COL = 9


def is_partial(start: date, end: date, flt: FeedbackFilter, data_to: date | None) -> bool:
    """True when the filter or the data stops inside the period start..end (or the filter starts in it)."""
    if flt.date_from is not None and start < flt.date_from <= end:
        return True
    cutoff = min((d for d in (flt.date_to, data_to) if d is not None), default=None)
    return cutoff is not None and start <= cutoff < end


def period_label(start: date, end: date, granularity: str, partial: bool) -> str:
    """“2024-03-04 – 03-10” for a week, “2024-03” for a month, “ (partial)” added when not covered in full."""
    if granularity == "week":
        text = f"{start.isoformat()} – {end.month:02d}-{end.day:02d}"
    else:
        text = f"{start.year}-{start.month:02d}"
    return _("{period} (partial)").format(period=text) if partial else text


def _line_chart(book: _Book, title: str, sheet: str, cols: Sequence[int], n: int, *, unit: str,
                percent: bool, partial_last: bool):
    chart = book.wb.add_chart({"type": "line"})
    font = book.chart_font()
    for col in cols:
        series = {
            "name": [sheet, 0, col],
            "categories": [sheet, 1, LABEL_COL, n, LABEL_COL],
            "values": [sheet, 1, col, n, col],
            "marker": {"type": "circle", "size": 5},
        }
        if partial_last and n > 1:
            # A point's line format styles the segment that leads to it: the last stretch is dashed.
            series["points"] = [None] * (n - 1) + [{"line": {"dash_type": "dash"}}]
        chart.add_series(series)
    chart.set_title({"name": title, "name_font": {**font, "size": 12, "bold": True}})
    chart.set_x_axis({"num_font": {**font, "rotation": -30}, "text_axis": True})
    chart.set_y_axis({"num_format": "0%" if percent else "#,##0", "num_font": font, "min": 0,
                      "name": unit, "name_font": {**font, "size": 10, "bold": False},
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom", "font": font} if len(cols) > 1 else {"none": True})
    chart.set_size({"width": 720, "height": 300})
    return chart


def write_trend(book: _Book, db, flt: FeedbackFilter, granularity: str, title: str) -> str:
    from cxdesk.core.analysis import trends

    sheet = _Sheet(book, title, (14, 12, 12, 12, 12, 12, 12, 26))
    rows = report_data.trend(db, flt, granularity)
    _first, data_to = trends.data_range(db)
    period_fmt = FMT_DATE if granularity == "week" else FMT_MONTH
    sheet.header([_("Week of") if granularity == "week" else _("Month"), _("Feedback"), _("Positive"),
                  _("Neutral"), _("Negative"), _("Negative share"), _("Average rating"), _("Period")])
    formats = (period_fmt, FMT_INT, FMT_INT, FMT_INT, FMT_INT, FMT_PCT, FMT_RATING, None)
    partial = [is_partial(r.period_start, r.period_end, flt, data_to) for r in rows]
    for r, cut in zip(rows, partial):
        sheet.line(r.period_start, r.count, r.positive, r.neutral, r.negative, r.negative_share, r.avg_rating,
                   period_label(r.period_start, r.period_end, granularity, cut), formats=formats)
    n = len(rows)
    if n:
        last_cut = partial[-1]
        name = _("Feedback per week") if granularity == "week" else _("Feedback per month")
        counts = _line_chart(book, name, sheet.title, (1, 4), n, unit=_("Feedback rows"), percent=False,
                             partial_last=last_cut)
        sheet.ws.insert_chart(1, CHART_COL, counts)
        share = _line_chart(book, _("Negative share"), sheet.title, (5,), n, unit=_("Share of feedback rows"),
                            percent=True, partial_last=last_cut)
        sheet.ws.insert_chart(17, CHART_COL, share)
        if any(partial):
            sheet.skip()
            sheet.ws.write_string(sheet.row, 0, _("A period marked “partial” is not covered in full by the data "
                                                  "or the filter; its counts are lower for that reason alone."),
                                  book.note)
    return sheet.title
