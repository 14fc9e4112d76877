"""The Excel summary workbook: overview, trend, topics, actions, alerts and the feedback rows.

Written with XlsxWriter in constant-memory mode: each row goes to disk as soon as the next one starts,
so the detail sheet streams straight from SQLite and a million rows need little memory. (XlsxWriter
writes about twice as fast as openpyxl's write-only mode, which matters for 100k+ rows.) Numbers come
from the analysis, action and evaluation modules; this module only lays them out. Customer text is
always written with `write_string` (never a formula), cleaned of control characters and cut at
Excel's cell limit.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

from xlsxwriter.exceptions import FileCreateError

from cxdesk.core.errors import CxdeskError, InvalidValueError
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.progress import Progress, no_progress, sub_progress
from cxdesk.core.reports import LABEL_NAMES, STATUS_NAMES
from cxdesk.core.reports import data as report_data
from cxdesk.core.reports.excel_book import (FMT_DATE, FMT_DATETIME, FMT_INT, FMT_INT_CHANGE, FMT_NUM,  # noqa: F401
                                            FMT_NUM_CHANGE, FMT_P, FMT_PCT, FMT_RATING, FMT_TIMES, FONT_CHARSET,
                                            FONT_NAME, MAX_SHEET_ROWS, _Book, _fmt_points, _points, _row_height,
                                            _Sheet)
from cxdesk.core.reports.excel_details import _as_datetime, _splice_spools, _write_details
from cxdesk.core.reports.excel_brief import write_brief_sheet
from cxdesk.core.reports.excel_trend import write_trend
from cxdesk.core.reports.excel_nps import write_nps_sheets
from cxdesk.i18n import N_, _

SECTIONS: tuple[str, ...] = ("brief", "overview", "trend", "topics", "actions", "alerts", "cases", "details")
SECTION_NAMES = {
    "brief": N_("Weekly brief"),        # written by excel_brief.py
    "overview": N_("Overview"),
    "trend": N_("Trend"),
    "topics": N_("Topics"),
    "actions": N_("Actions"),
    "alerts": N_("Alerts"),
    "cases": N_("Customer follow-up"),
    "details": N_("Details"),
}
GRANULARITIES = ("week", "month")


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


# ---------------------------------------------------------------------------------------------
# The workbook


def _write_section(section: str, book: _Book, db, flt: FeedbackFilter, granularity: str, now: datetime) -> str:
    if section == "brief":
        return write_brief_sheet(book, db, flt, now)
    if section == "overview":
        return _write_overview(book, db, flt, granularity, now)
    if section == "trend":
        return write_trend(book, db, flt, granularity, _(SECTION_NAMES["trend"]))
    if section == "topics":
        return _write_topics(book, db, flt)
    if section == "actions":
        return _write_actions(book, db)
    if section == "alerts":
        return _write_alerts(book, db, flt)
    return _write_cases(book, db, now)


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
            names.append(_write_section(section, book, db, flt, granularity, now))
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
