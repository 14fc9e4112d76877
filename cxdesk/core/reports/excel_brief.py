"""The first sheet of the Excel summary: the weekly brief, with the week's top complaints and their chart.

The week is the one holding the filter's last day (or the newest week); the numbers are those of
`brief.build_brief`, the same as 本周要点 and `cxdesk brief`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cxdesk.core.analysis import trends
from cxdesk.core.brief import text
from cxdesk.core.brief.brief import build_brief
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.reports.excel_book import (FMT_DATETIME, FMT_INT, FMT_INT_CHANGE, FMT_NUM, FMT_NUM_CHANGE, FMT_PCT,
                                       FMT_RATING, _Book, _fmt_points, _points, _Sheet)
from cxdesk.i18n import N_, _

SHEET_NAME = N_("Weekly brief")
TOP_COMPLAINTS = 8
FMT_NPS = "0.0;-0.0;0.0"
FMT_NPS_CHANGE = "+0.0;-0.0;0.0"


def last_week_heading(brief) -> str:
    return _("Same days last week") if brief.partial else _("Last week")


def _kpi_rows(book: _Book, sheet: _Sheet, brief) -> None:
    sheet.header([_("Measure"), _("This week"), last_week_heading(brief), _("Change")])
    cur, prev = brief.current, brief.previous
    for label, a, b, fmt in ((_("Reviews"), cur.total, prev.total, FMT_INT),
                             (_("Negative rate"), cur.negative_share, prev.negative_share, FMT_PCT),
                             (_("Average rating"), cur.mean_rating, prev.mean_rating, FMT_RATING)):
        sheet.ws.write_string(sheet.row, 0, label, book.label)
        sheet.put(1, a, fmt)
        sheet.put(2, b, fmt)
        change = a - b if a is not None and b is not None else None
        if fmt == FMT_PCT:
            sheet.put(3, _points(change), _fmt_points())
        else:
            sheet.put(3, change, FMT_INT_CHANGE if fmt == FMT_INT else FMT_NUM_CHANGE)
        sheet.skip()
    if brief.nps is not None:   # the survey responses' NPS, its interval in words beside it
        sheet.ws.write_string(sheet.row, 0, _("NPS"), book.label)
        sheet.put(1, brief.nps.value, FMT_NPS)
        sheet.put(2, brief.nps_previous.value, FMT_NPS)
        sheet.put(3, brief.nps_change, FMT_NPS_CHANGE)
        sheet.ws.write_string(sheet.row, 4, book.text(text.nps_line(brief)), book.note)
        sheet.skip()


def _complaints(db, brief) -> list[tuple[str, int, int]]:
    """(topic, negative mentions this week, last week) of the week's most complained-about topics; "last week"
    is the same days of last week, as everywhere in the brief (`rank_fixes`, the headline, the goals)."""
    now = trends.topic_ranking(db, FeedbackFilter(date_from=brief.start, date_to=brief.end))
    last = {r.name: r.negative_mentions for r in trends.topic_ranking(
        db, FeedbackFilter(date_from=brief.start - timedelta(days=7), date_to=brief.end - timedelta(days=7)))}
    return [(r.name, r.negative_mentions, last.get(r.name, 0)) for r in now if r.negative_mentions > 0][:TOP_COMPLAINTS]


def write_brief_sheet(book: _Book, db, flt: FeedbackFilter, now: datetime) -> str:
    week = flt.date_to - timedelta(days=flt.date_to.weekday()) if flt.date_to else None
    brief = build_brief(db, week)
    sheet = _Sheet(book, _(SHEET_NAME), (30, 16, 16, 14, 60), freeze=None, landscape=False, repeat_header=False)
    ws = sheet.ws
    ws.write_string(0, 0, book.text(text.title(brief)), book.title)
    head = text.headline(brief) if brief.has_reviews else text.nps_line(brief)
    ws.write_string(1, 0, book.text(" ".join(x for x in (head, text.week_note(brief)) if x)), book.note)
    ws.write_string(2, 0, _("Generated"), book.note)
    ws.write_datetime(2, 1, now, book.fmt(num_format=FMT_DATETIME, align="left", font_color="#6B7785", font_size=10))
    sheet.skip(4)
    _kpi_rows(book, sheet, brief)
    sheet.skip()
    ws.write_string(sheet.row, 0, _("Top complaints this week"), book.label)
    sheet.skip()
    sheet.header([_("Topic"), _("This week"), last_week_heading(brief), _("Change")])
    first = sheet.row
    rows = _complaints(db, brief)
    for name, n, last in rows:
        sheet.line(name, n, last, n - last, formats=(None, FMT_INT, FMT_INT, FMT_INT_CHANGE))
    if rows:
        chart = book.wb.add_chart({"type": "bar"})
        font = book.chart_font()
        for col, colour in ((1, "#E57373"), (2, "#B0BEC5")):
            chart.add_series({"name": [sheet.title, first - 1, col], "categories": [sheet.title, first, 0, sheet.row - 1, 0],
                              "values": [sheet.title, first, col, sheet.row - 1, col], "fill": {"color": colour}})
        chart.set_title({"name": _("Top complaints this week"), "name_font": {**font, "size": 12, "bold": True}})
        chart.set_x_axis({"num_font": font, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"num_font": font, "reverse": True})
        chart.set_legend({"position": "bottom", "font": font})
        chart.set_size({"width": 520, "height": 60 + 34 * len(rows)})
        ws.insert_chart(first - 1, 4, chart)
    sheet.skip()
    ws.write_string(sheet.row, 0, _("The three things to fix this week"), book.label)
    sheet.skip()
    sheet.header([_("Topic"), _("Complaints"), _("Rating impact (stars)"), _("Change"), _("Examples")])
    for fix in brief.fixes:
        examples = "\n".join("“" + " ".join(e.text.split()) + "”" for e in fix.examples)
        sheet.line(fix.topic, fix.negative_mentions, round(fix.rating_impact, 2), text.change_text(fix), examples,
                   formats=(None, FMT_INT, FMT_NUM))
    lines = [g.text + ("" if g.met is None else (_(" (on target)") if g.met else _(" (not yet)"))) for g in brief.goals]
    lines += [text.action_line(a) for a in brief.actions]
    lines += [a.title() + _(": ") + a.describe() for a in brief.alerts]
    if brief.cases:
        lines.append(text.cases_line(brief))
    if lines:
        sheet.skip()
        for line in lines:
            ws.write_string(sheet.row, 0, book.text(line))
            sheet.skip()
    return sheet.title


__all__ = ["write_brief_sheet", "SHEET_NAME"]
