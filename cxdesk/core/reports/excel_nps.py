"""The NPS sheet of the Excel summary: NPS and CSAT with their 95 % intervals per period and per store.

Written only when the database holds survey responses; the rows follow the report's date and channel
filter. Figures are in points (NPS −100..100) and percent (CSAT), as `cxdesk stats --json` gives them.
"""

from __future__ import annotations

from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.surveys import SurveyFigures, by_channel, by_period, has_responses, survey_figures
from cxdesk.i18n import N_, _

SHEET_NAME = N_("NPS")
FMT_POINTS = "+0.0;-0.0;0.0"
FMT_PERCENT_POINTS = '0.0"%"'


def _columns() -> list[str]:
    return [_("Responses"), _("Promoters (9–10)"), _("Passives (7–8)"), _("Detractors (0–6)"), _("NPS"),
            _("95% interval from"), _("95% interval to"), _("CSAT"), _("CSAT answers")]


def _values(f: SurveyFigures) -> tuple:
    lo_hi = f.nps.ci95 or (None, None)
    return (f.nps.responses, f.nps.promoters, f.nps.passives, f.nps.detractors, f.nps.value, lo_hi[0], lo_hi[1],
            f.csat.value, f.csat.responses)


def _nps_chart(book, sheet: str, n: int, period_fmt: str):
    """NPS and its interval per period (columns 5–7), one label per period, on the −100…+100 scale."""
    chart = book.wb.add_chart({"type": "line"})
    font = book.chart_font()
    for col in (5, 6, 7):
        chart.add_series({"name": [sheet, 0, col], "categories": [sheet, 1, 0, n, 0],
                          "values": [sheet, 1, col, n, col], "marker": {"type": "circle", "size": 4}})
    chart.set_title({"name": _("NPS and its 95% interval"), "name_font": {**font, "size": 12, "bold": True}})
    chart.set_x_axis({"num_format": period_fmt, "num_font": {**font, "rotation": -30}, "text_axis": True})
    chart.set_y_axis({"min": -100, "max": 100, "num_font": font, "name": _("NPS points"),
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom", "font": font})
    chart.set_size({"width": 720, "height": 300})
    return chart


def write_nps_sheets(book, db, flt: FeedbackFilter, granularity: str) -> list[str]:
    """Add the NPS sheet to the summary workbook; its name in a list (empty when there are no responses)."""
    from cxdesk.core.reports.excel_book import FMT_DATE, FMT_INT, FMT_MONTH, _Sheet

    if not has_responses(db):
        return []
    kw = {"date_from": flt.date_from, "date_to": flt.date_to, "channels": flt.channels, "topics": flt.topics}
    periods = by_period(db, granularity, **kw)
    sheet = _Sheet(book, _(SHEET_NAME), (16, 11, 13, 13, 14, 10, 13, 13, 10, 11))
    period_fmt = FMT_DATE if granularity == "week" else FMT_MONTH
    sheet.header([_("Week of") if granularity == "week" else _("Month")] + _columns())
    formats = (period_fmt, FMT_INT, FMT_INT, FMT_INT, FMT_INT, FMT_POINTS, FMT_POINTS, FMT_POINTS,
               FMT_PERCENT_POINTS, FMT_INT)
    for p in periods:
        sheet.line(p.start, *_values(p.figures), formats=formats)
    n = len(periods)
    sheet.skip()
    sheet.ws.write_string(sheet.row, 0, _("All responses"), book.label)
    sheet.row += 1
    sheet.line(_("Total"), *_values(survey_figures(db, **kw)), formats=(None,) + formats[1:])
    sheet.skip()
    sheet.header([_("Store / channel")] + _columns())
    for name, f in by_channel(db, **kw).items():
        sheet.line(name or _("(no channel)"), *_values(f), formats=(None,) + formats[1:])
    sheet.skip()
    sheet.ws.write_string(sheet.row, 0, book.text(_(
        "NPS = % promoters − % detractors. The interval is the 95 % normal interval from the multinomial "
        "variance; CSAT is the share of the two top answers, with a Wilson interval.")), book.note)
    sheet.skip()
    if n:
        chart = _nps_chart(book, sheet.title, n, period_fmt)
        sheet.ws.insert_chart(1, 11, chart)
    return [sheet.title]
