"""The Excel summary workbook: overview, trend, topics, actions, alerts and the feedback rows.

Written with XlsxWriter in constant-memory mode: each row goes to disk as soon as the next one starts,
so the detail sheet streams straight from SQLite and a million rows need little memory. (XlsxWriter
writes about twice as fast as openpyxl's write-only mode, which matters for 100k+ rows.) Numbers come
from the analysis, action and evaluation modules; this module only lays them out. Customer text is
always written with `write_string` (never a formula), cleaned of control characters and cut at
Excel's cell limit.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Sequence

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from cxdesk.core.errors import CxdeskError, InvalidValueError
from cxdesk.core.filters import FeedbackFilter, filter_sql
from cxdesk.core.progress import Progress, no_progress, sub_progress
from cxdesk.core.reports import LABEL_NAMES, STATUS_NAMES
from cxdesk.core.reports import data as report_data
from cxdesk.core.reports.cells import excel_text
from cxdesk.core.reports.excel_nps import write_nps_sheets
from cxdesk.i18n import N_, _

SECTIONS: tuple[str, ...] = ("overview", "trend", "topics", "actions", "alerts", "cases", "details")
SECTION_NAMES = {
    "overview": N_("Overview"),
    "trend": N_("Trend"),
    "topics": N_("Topics"),
    "actions": N_("Actions"),
    "alerts": N_("Alerts"),
    "cases": N_("Customer follow-up"),
    "details": N_("Details"),
}
GRANULARITIES = ("week", "month")

# Excel's own limit; the header takes one row.
MAX_SHEET_ROWS = 1_048_576
FONT_NAME = "等线"          # Office's CJK UI font; charset 134 (GB2312) lets other apps pick a CJK fallback
FONT_CHARSET = 134

FMT_INT = "#,##0"
FMT_NUM = "0.00"
FMT_RATING = "0.0"
FMT_PCT = "0.0%"
def _fmt_points() -> str:
    """A change of a share, stored in percentage points (e.g. −3.9), shown as “−3.9 个百分点”."""
    unit = _(" percentage points").replace('"', "")
    return f'+0.0"{unit}";-0.0"{unit}";0.0"{unit}"'


def _points(value: float | None) -> float | None:
    return None if value is None else value * 100
FMT_INT_CHANGE = "+#,##0;-#,##0;0"
FMT_NUM_CHANGE = "+0.00;-0.00;0.00"
FMT_DATE = "yyyy-mm-dd"
FMT_MONTH = "yyyy-mm"
FMT_DATETIME = "yyyy-mm-dd hh:mm"
FMT_P = "0.0000"
FMT_TIMES = '0.0"×"'


class ReportWriteError(CxdeskError):
    """The report file cannot be written (folder missing, file open in Excel, disk full)."""


@dataclass(frozen=True)
class ReportResult:
    path: Path
    sheets: tuple[str, ...]          # sheet names as written (in the UI language)
    detail_rows: int                 # feedback rows written to the detail sheet(s)
    cut_cells: int                   # texts cut at Excel's cell limit
    cleaned_cells: int               # texts that had control characters removed
    seconds: float

    def to_dict(self) -> dict:
        return {
            "path": str(self.path), "sheets": list(self.sheets), "detail_rows": self.detail_rows,
            "cut_cells": self.cut_cells, "cleaned_cells": self.cleaned_cells, "seconds": round(self.seconds, 2),
        }


# ---------------------------------------------------------------------------------------------
# Formats and cells


class _Book:
    """The workbook, its formats (made once, by number format) and the counts of cleaned texts."""

    def __init__(self, path: Path) -> None:
        self.wb = xlsxwriter.Workbook(str(path), {
            "constant_memory": True,
            # Customer text stays text: no formulas, no numbers, no links made from strings.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_format_properties": {"font_name": FONT_NAME, "font_size": 11, "font_charset": FONT_CHARSET},
        })
        self._formats: dict[tuple, object] = {}
        self.spools: list[_RowSpool] = []
        self.cut = 0
        self.cleaned = 0
        self.header = self.fmt(bold=True, font_color="#1F3B57", bg_color="#DCE6F1", bottom=1,
                               bottom_color="#8EA9C1", align="center", valign="vcenter", text_wrap=True)
        self.title = self.fmt(bold=True, font_size=16, font_color="#1F3B57")
        self.label = self.fmt(bold=True, valign="top")
        self.note = self.fmt(font_color="#6B7785", font_size=10)
        self.wrap = self.fmt(text_wrap=True, valign="top")
        self.top = self.fmt(valign="top")

    def fmt(self, **props):
        key = tuple(sorted(props.items()))
        found = self._formats.get(key)
        if found is None:
            found = self._formats[key] = self.wb.add_format(props)
        return found

    def num(self, num_format: str):
        # Top-aligned like the wrapped text cells, so a tall row still reads as one line.
        return self.fmt(num_format=num_format, valign="top")

    def text(self, value) -> str:
        cell = excel_text(value)
        if cell.cut:
            self.cut += 1
        if cell.cleaned:
            self.cleaned += 1
        return cell.text

    def chart_font(self) -> dict:
        return {"name": FONT_NAME, "charset": FONT_CHARSET}


class _Sheet:
    """Row-by-row writing into one worksheet (constant-memory mode needs rows in order)."""

    def __init__(self, book: _Book, title: str, widths: Sequence[float], *, freeze: tuple[int, int] | None = (1, 0),
                 landscape: bool = True, repeat_header: bool = True) -> None:
        self.book = book
        self.ws = book.wb.add_worksheet(title)
        self.title = title
        self.row = 0
        for i, width in enumerate(widths):
            self.ws.set_column(i, i, width)
        if freeze:
            self.ws.freeze_panes(*freeze)
        # Print on A4, one page wide, the header row repeated on every page.
        self.ws.set_paper(9)
        if landscape:
            self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)
        if repeat_header:
            self.ws.repeat_rows(0)

    def header(self, names: Sequence[str]) -> None:
        for col, name in enumerate(names):
            self.ws.write_string(self.row, col, name, self.book.header)
        self.ws.set_row(self.row, 30)
        self.row += 1

    def put(self, col: int, value, num_format: str | None = None, fmt=None) -> None:
        """One cell: numbers, dates and datetimes as such, anything else as (cleaned) text."""
        ws, row = self.ws, self.row
        if value is None:
            return
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, (int, float)):
            ws.write_number(row, col, value, fmt or self.book.num(num_format or "General"))
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, value, fmt or self.book.num(num_format or FMT_DATETIME))
        elif isinstance(value, date):
            ws.write_datetime(row, col, datetime(value.year, value.month, value.day),
                              fmt or self.book.num(num_format or FMT_DATE))
        else:
            ws.write_string(row, col, self.book.text(value), fmt or self.book.top)

    def line(self, *values, formats: Sequence[str | None] = ()) -> None:
        for col, value in enumerate(values):
            self.put(col, value, formats[col] if col < len(formats) else None)
        self.row += 1

    def skip(self, n: int = 1) -> None:
        self.row += n


LINE_HEIGHT = 15.0      # points per line of 11 pt text
CJK_WIDTH = 1.6         # column-width units taken by one CJK character
MAX_LINES = 12          # taller rows make a sheet hard to scroll; the whole text stays in the cell


def _row_height(texts_and_widths) -> float | None:
    """A row height that shows wrapped text (Excel and LibreOffice do not grow rows on opening a file).

    Cheap estimate: a CJK character is about 1.6 width units (one unit is one Latin digit), as
    等线 and Noto Sans CJK render at 11 pt; Latin text is counted the same, which only errs taller.
    """
    lines = 1
    for text, width in texts_and_widths:
        if text:
            per_line = max((int(width) - 1) / CJK_WIDTH, 1.0)
            n = text.count("\n") + math.ceil(len(text) / per_line)
            lines = max(lines, n)
    if lines <= 1:
        return None
    return LINE_HEIGHT * min(lines, MAX_LINES)


_EXCEL_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()   # serial 0 of Excel's 1900 date system


def _excel_serial(value) -> float | None:
    """A stored time `YYYY-MM-DD[ HH:MM[:SS]]` as an Excel date serial, the same number XlsxWriter's
    write_datetime computes, without building a datetime per row (a million-row detail sheet)."""
    if value.__class__ is not str or len(value) < 10 or value[4] != "-" or value[7] != "-":
        when = _as_datetime(value)
        if when is None:
            return None
        delta = when - datetime(1899, 12, 30)
        return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    try:
        days = date(int(value[:4]), int(value[5:7]), int(value[8:10])).toordinal() - _EXCEL_EPOCH_ORDINAL
        if len(value) == 10:
            return float(days)
        if len(value) in (16, 19) and value[10] in " T" and value[13] == ":":
            seconds = int(value[11:13]) * 3600 + int(value[14:16]) * 60 + (int(value[17:19]) if len(value) == 19 else 0)
            return days + seconds / 86400
    except ValueError:
        return None
    when = _as_datetime(value)
    if when is None:
        return None
    delta = when - datetime(1899, 12, 30)
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


def _as_datetime(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Filter in words (the overview says what the numbers are about)


def describe_filter(flt: FeedbackFilter) -> str:
    """The filter in one line of plain words, e.g. “渠道：美团；情感：负面”; “无” when nothing is filtered."""
    parts = []
    if flt.channels:
        parts.append(_("Channels: {names}").format(names="、".join(c or _("(none)") for c in flt.channels)))
    if flt.topics:
        parts.append(_("Topics: {names}").format(names="、".join(flt.topics)))
    if flt.labels:
        parts.append(_("Sentiment: {names}").format(
            names="、".join(_(LABEL_NAMES.get(lb, lb)) for lb in flt.labels)))
    if flt.ratings:
        parts.append(_("Ratings: {values}").format(
            values="、".join(str(r) if r else _("no rating") for r in flt.ratings)))
    if flt.sources:
        parts.append(_("Imports: {values}").format(values="、".join(f"#{s}" for s in flt.sources)))
    if flt.search.strip():
        parts.append(_("Search: “{text}”").format(text=flt.search.strip()))
    if flt.ids:
        parts.append(_("{n} chosen rows").format(n=len(flt.ids)))
    return "；".join(parts) if parts else _("None")


def describe_range(date_from: date | None, date_to: date | None) -> str:
    if date_from is None and date_to is None:
        return _("All time")
    start = date_from.isoformat() if date_from else "…"
    end = date_to.isoformat() if date_to else "…"
    return f"{start} – {end}"


# ---------------------------------------------------------------------------------------------
# Sheets


def _write_overview(book: _Book, db, flt: FeedbackFilter, granularity: str, now: datetime) -> str:
    kpis = report_data.overview(db, flt)
    meta = [
        (_("Generated"), now),
        (_("Period"), describe_range(kpis.current_from, kpis.current_to)),
        (_("Compared with"), describe_range(kpis.previous_from, kpis.previous_to)
         if kpis.previous_from else _("No earlier period to compare")),
        (_("Filter"), describe_filter(flt)),
        (_("Trend by"), _("week") if granularity == "week" else _("month")),
    ]
    header_at = 3 + len(meta)
    sheet = _Sheet(book, _(SECTION_NAMES["overview"]), (24, 18, 18, 18, 40), freeze=(header_at + 1, 0),
                   landscape=False, repeat_header=False)
    ws = sheet.ws
    ws.write_string(0, 0, _("Customer feedback summary"), book.title)
    sheet.skip(2)
    left = book.fmt(num_format=FMT_DATETIME, align="left")
    for label, value in meta:
        ws.write_string(sheet.row, 0, label, book.label)
        if isinstance(value, datetime):
            ws.write_datetime(sheet.row, 1, value, left)
        else:
            ws.write_string(sheet.row, 1, book.text(value))
        sheet.skip()
    sheet.skip()
    sheet.header([_("Measure"), _("This period"), _("Previous period"), _("Change")])
    for k in kpis.rows:
        fmt = {"int": FMT_INT, "pct": FMT_PCT, "rating": FMT_RATING, "num": FMT_NUM}[k.kind]
        change_fmt = {"int": FMT_INT_CHANGE, "pct": _fmt_points()}.get(k.kind, FMT_NUM_CHANGE)
        change = k.current - k.previous if k.current is not None and k.previous is not None else None
        if k.kind == "pct":
            change = _points(change)
        ws.write_string(sheet.row, 0, _(k.label), book.label)
        sheet.put(1, k.current, fmt)
        sheet.put(2, k.previous, fmt)
        sheet.put(3, change, change_fmt)
        sheet.skip()
    if kpis.notes:
        sheet.skip()
        for note in kpis.notes:
            ws.write_string(sheet.row, 0, book.text(note), book.note)
            sheet.skip()
    return sheet.title


def _line_chart(book: _Book, title: str, sheet: str, cols: Sequence[int], n: int, period_fmt: str, *,
                percent: bool = False, legend: bool = True):
    chart = book.wb.add_chart({"type": "line"})
    font = book.chart_font()
    for col in cols:
        chart.add_series({
            "name": [sheet, 0, col],
            "categories": [sheet, 1, 0, n, 0],
            "values": [sheet, 1, col, n, col],
            "marker": {"type": "circle", "size": 4},
        })
    chart.set_title({"name": title, "name_font": {**font, "size": 12, "bold": True}})
    chart.set_x_axis({"num_format": period_fmt, "num_font": {**font, "rotation": -45}, "date_axis": True})
    chart.set_y_axis({"num_format": "0%" if percent else "#,##0", "num_font": font,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    if legend:
        chart.set_legend({"position": "bottom", "font": font})
    else:
        chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": 300})
    return chart


def _write_trend(book: _Book, db, flt: FeedbackFilter, granularity: str) -> str:
    sheet = _Sheet(book, _(SECTION_NAMES["trend"]), (14, 12, 12, 12, 12, 12, 12))
    rows = report_data.trend(db, flt, granularity)
    period_fmt = FMT_DATE if granularity == "week" else FMT_MONTH
    sheet.header([_("Week of") if granularity == "week" else _("Month"), _("Feedback"), _("Positive"),
                  _("Neutral"), _("Negative"), _("Negative share"), _("Average rating")])
    formats = (period_fmt, FMT_INT, FMT_INT, FMT_INT, FMT_INT, FMT_PCT, FMT_RATING)
    for r in rows:
        sheet.line(r.period_start, r.count, r.positive, r.neutral, r.negative, r.negative_share, r.avg_rating,
                   formats=formats)
    n = len(rows)
    if n:
        counts = _line_chart(book, _("Feedback per week") if granularity == "week" else _("Feedback per month"),
                             sheet.title, (1, 4), n, period_fmt)
        sheet.ws.insert_chart(1, 8, counts)
        share = _line_chart(book, _("Negative share"), sheet.title, (5,), n, period_fmt, percent=True, legend=False)
        sheet.ws.insert_chart(17, 8, share)
    return sheet.title


def _write_topics(book: _Book, db, flt: FeedbackFilter) -> str:
    sheet = _Sheet(book, _(SECTION_NAMES["topics"]), (18, 12, 12, 12, 12, 12))
    rows = report_data.topics(db, flt)
    sheet.header([_("Topic"), _("Mentions"), _("Negative mentions"), _("Negative share"), _("Impact"),
                  _("Change vs previous")])
    formats = (None, FMT_INT, FMT_INT, FMT_PCT, FMT_PCT, FMT_INT_CHANGE)
    for r in rows:
        sheet.line(r.name, r.mentions, r.negative, r.negative_share, r.impact, r.change, formats=formats)
    n = min(len(rows), 15)
    if n:
        font = book.chart_font()
        chart = book.wb.add_chart({"type": "bar"})
        chart.add_series({
            "name": [sheet.title, 0, 2],
            "categories": [sheet.title, 1, 0, n, 0],
            "values": [sheet.title, 1, 2, n, 2],
            "fill": {"color": "#C0504D"},
            "data_labels": {"value": True, "font": font},
        })
        chart.set_title({"name": _("Negative mentions by topic"), "name_font": {**font, "size": 12, "bold": True}})
        chart.set_y_axis({"reverse": True, "num_font": font})     # biggest on top, like the table
        chart.set_x_axis({"num_font": font, "num_format": "#,##0"})
        chart.set_legend({"none": True})
        chart.set_size({"width": 560, "height": max(240, 60 + 28 * n)})
        sheet.ws.insert_chart(1, 7, chart)
    return sheet.title


def _write_actions(book: _Book, db) -> str:
    sheet = _Sheet(book, _(SECTION_NAMES["actions"]), (7, 28, 10, 10, 12, 12, 18, 10, 10, 15, 15, 15, 16, 60),
                   freeze=(1, 2))
    rows = report_data.actions(db)
    sheet.header([_("No."), _("Action"), _("Status"), _("Owner"), _("Went live"), _("Verdict"), _("Measure"),
                  _("Before"), _("After"), _("Change"), _("Interval low"), _("Interval high"), _("Evaluated on"),
                  _("In plain words")])
    pp = _fmt_points()
    formats = (None, None, None, None, FMT_DATE, None, None, FMT_PCT, FMT_PCT, pp, pp, pp, FMT_DATETIME, None)
    for r in rows:
        height = _row_height(((r.title, 28), (r.plain, 60), (r.measure, 16)))
        if height:
            sheet.ws.set_row(sheet.row, height)
        sheet.put(1, r.title, fmt=book.wrap)
        sheet.put(6, r.measure or None, fmt=book.wrap)
        sheet.put(13, r.plain, fmt=book.wrap)
        sheet.line(r.id, None, _(STATUS_NAMES.get(r.status, r.status)), r.owner, r.live_date, r.verdict or None,
                   None, r.before, r.after, _points(r.change), _points(r.low), _points(r.high), r.evaluated_at, None,
                   formats=formats)
    if not rows:
        sheet.ws.write_string(sheet.row, 1, _("No actions yet."), book.note)
    return sheet.title


def _write_alerts(book: _Book, db, flt: FeedbackFilter) -> str:
    sheet = _Sheet(book, _(SECTION_NAMES["alerts"]), (34, 8, 16, 12, 12, 10, 10, 10, 9, 12, 26), freeze=(1, 1))
    rows = report_data.alerts(db, flt)
    sheet.header([_("Alert"), _("Kind"), _("About"), _("From"), _("To"), _("Negative rows"), _("Usually"),
                  _("Times usual"), _("p-value"), _("State"), _("Action")])
    formats = (None, None, None, FMT_DATE, FMT_DATE, FMT_INT, "0.0", FMT_TIMES, FMT_P, None, None)
    for r in rows:
        sheet.line(r.title, r.kind, r.key, r.period_start, r.period_end, r.observed, r.expected, r.ratio,
                   r.p_value, r.state, r.action or None, formats=formats)
    if not rows:
        sheet.ws.write_string(sheet.row, 0, _("No alerts in this period."), book.note)
    return sheet.title


MAX_CASE_ROWS = 10_000


def _write_cases(book: _Book, db, now: datetime) -> str:
    """Case figures, the weeks, then the open cases in queue order (customer text written as text)."""
    from cxdesk.core import cases

    sheet = _Sheet(book, _(SECTION_NAMES["cases"]), (16, 18, 8, 12, 14, 22, 70), freeze=None, repeat_header=False)
    stats = cases.case_stats(db, now=now)
    sheet.put(0, _("Customer follow-up"), fmt=book.title)
    sheet.skip()
    figures = [(_("Open"), stats.open, FMT_INT), (_("Overdue"), stats.overdue, FMT_INT),
               (_("Replied"), stats.replied, FMT_INT), (_("Contacted"), stats.contacted, FMT_INT),
               (_("Resolved"), stats.resolved, FMT_INT), (_("No action needed"), stats.ignored, FMT_INT),
               (_("Response rate"), stats.response_rate, FMT_PCT),
               (_("Median hours to first reply"), stats.median_reply_hours, "0.0"),
               (_("Resolved share"), stats.resolved_share, FMT_PCT)]
    for label, value, fmt in figures:
        sheet.put(0, label, fmt=book.label)
        sheet.put(1, value if value is not None else "–", fmt)
        sheet.skip()
    sheet.skip()
    sheet.header([_("Week from"), _("Cases"), _("Responded"), _("Resolved"), _("Median hours to first reply")])
    for w in stats.weeks:
        sheet.line(date.fromisoformat(w.week), w.cases, w.responded, w.resolved, w.median_reply_hours,
                   formats=(FMT_DATE, FMT_INT, FMT_INT, FMT_INT, "0.0"))
    sheet.skip()
    sheet.header([_("Status"), _("Reply by"), _("Rating"), _("Channel"), _("Customer"), _("Complaint topics"),
                  _("Review")])
    ids = cases.queue_ids(db, status="open", now=now)[:MAX_CASE_ROWS]
    for i in range(0, len(ids), 500):
        for c in cases.get_cases(db, ids[i:i + 500], now=now):
            due = _as_datetime(c.due_at)
            status = c.status_label + (" · " + _("Overdue") if c.overdue else "")
            sheet.put(6, c.text, fmt=book.wrap)
            sheet.line(status, due, c.rating, c.channel, c.author, _("、").join(c.topics), None,
                       formats=(None, FMT_DATETIME, FMT_RATING))
    if not ids:
        sheet.ws.write_string(sheet.row, 0, _("No open cases."), book.note)
    return sheet.title


DETAIL_WIDTHS = (17, 14, 8, 9, 22, 80)


def _detail_headers() -> list[str]:
    return [_("Time"), _("Channel"), _("Rating"), _("Sentiment"), _("Topics"), _("Feedback")]


_RX_ESCAPED_LOOKALIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
_RX_XML_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")


def _inline_cell(ref: str, style: int, text: str) -> str:
    """One inline-string cell as XlsxWriter writes it (same escaping), without its per-cell overhead."""
    if "_x" in text:
        text = _RX_ESCAPED_LOOKALIKE.sub(r"_x005F\1", text)   # Excel would read "_x0041_" as "A"
    if _RX_XML_CONTROL.search(text):
        text = _RX_XML_CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    if "\ufffe" in text or "\uffff" in text:
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


class _RowSpool:
    """The data rows of one detail sheet as sheet XML in a temporary file.

    XlsxWriter spends about 15 µs per cell, most of a big summary; these rows are written here with the
    same markup and the same style numbers, and spliced into the saved workbook by `_splice_spools`.
    """

    def __init__(self, ws) -> None:
        self.member = f"xl/worksheets/sheet{ws.index + 1}.xml"
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self.last_row = 1          # 1-based number of the last row (the header is row 1)

    def close(self) -> None:
        self.file.close()


def _splice_spools(path: Path, spools: list[_RowSpool]) -> None:
    """Put each spool's rows into its sheet of the saved workbook at `path` (rewritten in place)."""
    by_member = {s.member: s for s in spools}
    out_path = path.with_name(path.name + ".rows")
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info in src.infolist():
                data = src.read(info)
                spool = by_member.get(info.filename)
                if spool is None:
                    out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                    continue
                xml = data.decode("utf-8")
                if "</sheetData>" in xml:
                    head, tail = xml.split("</sheetData>", 1)
                    tail = "</sheetData>" + tail
                else:
                    head, tail = xml.split("<sheetData/>", 1)
                    head, tail = head + "<sheetData>", "</sheetData>" + tail
                head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:F{spool.last_row}"/>', head, count=1)
                target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                target.compress_type = zipfile.ZIP_DEFLATED
                with out.open(target, "w", force_zip64=True) as fh:
                    fh.write(head.encode("utf-8"))
                    spool.file.seek(0)
                    while chunk := spool.file.read(1 << 20):
                        fh.write(chunk.encode("utf-8"))
                    fh.write(tail.encode("utf-8"))
        os.replace(out_path, path)
    finally:
        if out_path.exists():
            out_path.unlink()


def _write_details(book: _Book, db, flt: FeedbackFilter, progress: Progress) -> tuple[list[str], int]:
    """Stream the feedback rows; more rows than a sheet holds continue on “明细 (2)”, …"""
    max_rows = MAX_SHEET_ROWS - 1
    base = _(SECTION_NAMES["details"])
    where, params = filter_sql(flt)
    total = db.execute(f"SELECT count(*) FROM feedback f WHERE {where}", params).fetchone()[0]
    labels = {k: _(v) for k, v in LABEL_NAMES.items()}
    when_fmt = book.num(FMT_DATETIME)
    rating_fmt = book.num(FMT_RATING)
    wrap = book.wrap
    top = book.top
    text_of = book.text
    topic_width, text_width = DETAIL_WIDTHS[4], DETAIL_WIDTHS[5]
    # Texts up to this many characters fit on one line even if every character is CJK.
    topic_chars, text_chars = int((topic_width - 1) / CJK_WIDTH), int((text_width - 1) / CJK_WIDTH)
    sheets: list[_Sheet] = []
    row = in_sheet = max_rows
    written = 0
    step = 2000
    message = _("Writing feedback rows")
    progress(0, max(total, 1), message)
    # Dated rows in time order, then undated ones: two index scans, no sort of a million rows.
    # Topics joined by SQLite's own JSON functions; anything that is not a JSON list is shown as stored.
    select = ("SELECT f.created_at, f.channel, f.rating, f.label, CASE WHEN json_valid(f.topics) "
              "AND json_type(f.topics) = 'array' THEN (SELECT group_concat(value, '、') FROM json_each(f.topics)) "
              "ELSE f.topics END, f.text FROM feedback f ")
    cursors = (
        db.execute(f"{select} WHERE {where} AND f.created_at IS NOT NULL ORDER BY f.created_at, f.id", params),
        db.execute(f"{select} WHERE {where} AND f.created_at IS NULL ORDER BY f.id", params),
    )
    # Style numbers of the detail cells, as XlsxWriter will write them in styles.xml.
    s_when, s_rating, s_top, s_wrap = (f._get_xf_index() for f in (when_fmt, rating_fmt, top, wrap))
    spool = None
    for created, channel, rating, label, topics, text in itertools.chain.from_iterable(cursors):
        if in_sheet >= max_rows:
            title = base if not sheets else f"{base} ({len(sheets) + 1})"
            sheet = _Sheet(book, title, DETAIL_WIDTHS)
            sheet.header(_detail_headers())
            sheets.append(sheet)
            spool = _RowSpool(sheet.ws)
            book.spools.append(spool)
            row, in_sheet = 1, 0
        text = text_of(text)
        topics_text = topics if topics.__class__ is str else ("" if topics is None else str(topics))
        r = row + 1
        height = None
        if len(text) > text_chars or len(topics_text) > topic_chars or "\n" in text:
            height = _row_height(((text, text_width), (topics_text, topic_width)))
        parts = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
        serial = _excel_serial(created) if created else None
        if serial is not None and serial >= 61:   # Excel's serials are off by one before 1900-03-01
            parts.append(f'<c r="A{r}" s="{s_when}"><v>{serial!r}</v></c>')
        elif created:
            parts.append(_inline_cell(f"A{r}", s_top, text_of(created)))
        if channel:
            parts.append(_inline_cell(f"B{r}", s_top, text_of(channel)))
        if rating is not None:
            parts.append(f'<c r="C{r}" s="{s_rating}"><v>{float(rating):.16G}</v></c>')
        if label:
            parts.append(_inline_cell(f"D{r}", s_top, labels.get(label, label)))
        if topics_text:
            parts.append(_inline_cell(f"E{r}", s_wrap, text_of(topics_text)))
        parts.append(_inline_cell(f"F{r}", s_wrap, text) if text else f'<c r="F{r}" s="{s_wrap}"/>')
        parts.append("</row>")
        spool.file.write("".join(parts))
        spool.last_row = r
        row += 1
        in_sheet += 1
        written += 1
        if written % step == 0:
            progress(written, total, message)
    if not sheets:
        sheet = _Sheet(book, base, DETAIL_WIDTHS)
        sheet.header(_detail_headers())
        sheets.append(sheet)
    # A filter over each sheet's header row (the rows it holds).
    for i, sheet in enumerate(sheets):
        rows_here = min(max_rows, written - i * max_rows) if written else 0
        sheet.ws.autofilter(0, 0, rows_here, 5)
    progress(total, max(total, 1), message)
    return [s.title for s in sheets], written


# ---------------------------------------------------------------------------------------------
# The workbook


def build_summary(db, path: Path | str, flt: FeedbackFilter | None = None, *,
                  sections: Iterable[str] = SECTIONS, granularity: str = "week",
                  progress: Progress = no_progress, now: datetime | None = None) -> ReportResult:
    """Write the summary workbook for the rows selected by `flt` to `path` (.xlsx).

    The file is written beside the target and moved into place at the end, so a cancelled or
    failed export never leaves half a workbook behind.
    """
    started = time.perf_counter()
    flt = flt or FeedbackFilter()
    path = Path(path)
    sections = list(sections)
    chosen = [s for s in SECTIONS if s in set(sections)]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise InvalidValueError(_("Unknown report section: {name}").format(name=", ".join(sorted(unknown))))
    if not chosen:
        raise InvalidValueError(_("Choose at least one part of the report."))
    if granularity not in GRANULARITIES:
        raise InvalidValueError(_("The trend can be shown by week or by month, not “{value}”.").format(value=granularity))
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    folder = path.parent
    if not folder.is_dir():
        raise ReportWriteError(_("The folder “{folder}” does not exist.").format(folder=folder))
    now = now or datetime.now().replace(microsecond=0)

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".cxdesk-", suffix=".xlsx.part", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    tmp = Path(tmp_name)
    book = _Book(tmp)
    names: list[str] = []
    detail_rows = 0
    small = [s for s in chosen if s != "details"]
    # The small sheets are quick; the detail rows take most of the time.
    detail_share = 85 if "details" in chosen else 0
    try:
        for i, section in enumerate(small):
            progress(int(i * (100 - detail_share) / max(len(small), 1)), 100, _("Preparing the summary"))
            if section == "overview":
                names.append(_write_overview(book, db, flt, granularity, now))
            elif section == "trend":
                names.append(_write_trend(book, db, flt, granularity))
            elif section == "topics":
                names.append(_write_topics(book, db, flt))
            elif section == "actions":
                names.append(_write_actions(book, db))
            elif section == "alerts":
                names.append(_write_alerts(book, db, flt))
            elif section == "cases":
                names.append(_write_cases(book, db, now))
        names.extend(write_nps_sheets(book, db, flt, granularity) if "overview" in chosen else ())
        if "details" in chosen:
            detail_names, detail_rows = _write_details(book, db, flt, sub_progress(progress, 100 - detail_share, 99))
            names.extend(detail_names)
        progress(99, 100, _("Saving the workbook"))
        book.wb.set_properties({"title": _("Customer feedback summary"), "author": "cxdesk"})
        try:
            book.wb.close()
            if book.spools:
                _splice_spools(tmp, book.spools)
        except (FileCreateError, OSError) as exc:
            raise _write_error(path, exc) from exc
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise _write_error(path, exc) from exc
    except BaseException:
        book.wb.fileclosed = True   # nothing more to write; no warning from its destructor
        raise
    finally:
        for spool in book.spools:
            spool.close()
        if tmp.exists():
            try:
                tmp.unlink()
            except OSError:
                pass
    progress(100, 100, _("Saving the workbook"))
    return ReportResult(path, tuple(names), detail_rows, book.cut, book.cleaned, time.perf_counter() - started)


def _write_error(path: Path, exc: BaseException) -> ReportWriteError:
    inner = exc.__cause__ or exc.__context__ or exc
    if isinstance(exc, PermissionError) or isinstance(inner, PermissionError):
        return ReportWriteError(
            _("Cannot write “{path}”: the file is open in another program or the folder is read-only. Close it and try again.").format(path=path),
            details=repr(exc))
    reason = getattr(inner, "strerror", None) or str(inner)
    return ReportWriteError(_("Cannot write “{path}”: {reason}").format(path=path, reason=reason), details=repr(exc))
