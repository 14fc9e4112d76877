"""The Excel summary workbook: overview, trend, topics, actions, alerts and the feedback rows.

The workbook is written in openpyxl's write-only mode, so the detail sheet streams straight from
SQLite to disk and a million rows need little memory. Numbers come from the analysis, action and
evaluation modules; this module only lays them out. Customer text is always written as a string
cell (never a formula), cleaned of control characters and cut at Excel's cell limit.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList

from cxdesk.core.errors import CxdeskError, InvalidValueError
from cxdesk.core.filters import FeedbackFilter, filter_sql
from cxdesk.core.progress import Progress, no_progress, sub_progress
from cxdesk.core.reports import LABEL_NAMES, STATUS_NAMES
from cxdesk.core.reports import data as report_data
from cxdesk.core.reports.cells import excel_text
from cxdesk.i18n import N_, _

SECTIONS: tuple[str, ...] = ("overview", "trend", "topics", "actions", "alerts", "details")
SECTION_NAMES = {
    "overview": N_("Overview"),
    "trend": N_("Trend"),
    "topics": N_("Topics"),
    "actions": N_("Actions"),
    "alerts": N_("Alerts"),
    "details": N_("Details"),
}
GRANULARITIES = ("week", "month")

# Excel's own limits.
MAX_SHEET_ROWS = 1_048_576
FONT_NAME = "等线"          # Office's CJK UI font; charset 134 (GB2312) lets other apps pick a CJK fallback
FONT_CHARSET = 134

FMT_INT = "#,##0"
FMT_NUM = "0.00"
FMT_RATING = "0.0"
FMT_PCT = "0.0%"
FMT_PP = '+0.0"pp";-0.0"pp";0.0"pp"'
FMT_DATE = "yyyy-mm-dd"
FMT_MONTH = "yyyy-mm"
FMT_DATETIME = "yyyy-mm-dd hh:mm"
FMT_P = "0.000"


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
# Styles


def _font(**kw) -> Font:
    # scheme=None: with the theme's "minor" scheme Excel would ignore the name and use Calibri.
    base = dict(name=FONT_NAME, size=11, charset=FONT_CHARSET, family=2, scheme=None)
    base.update(kw)
    return Font(**base)


class _Styles:
    def __init__(self) -> None:
        self.body = _font()
        self.header = _font(bold=True, color="1F3B57")
        self.title = _font(bold=True, size=16, color="1F3B57")
        self.label = _font(bold=True)
        self.note = _font(color="6B7785", size=10)
        self.header_fill = PatternFill("solid", fgColor="DCE6F1")
        self.header_border = Border(bottom=Side(style="thin", color="8EA9C1"))
        self.header_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.wrap = Alignment(vertical="top", wrap_text=True)
        self.top = Alignment(vertical="top")


def _set_default_font(wb: Workbook, font: Font) -> None:
    """Make `font` the workbook's Normal font, so unstyled cells (most of the detail sheet) use it."""
    wb._fonts = IndexedList([font])  # noqa: SLF001 - openpyxl has no public setter for this
    for style in wb._named_styles:  # noqa: SLF001
        if style.name == "Normal":
            style.font = font


# ---------------------------------------------------------------------------------------------
# Cells


class _Counter:
    def __init__(self) -> None:
        self.cut = 0
        self.cleaned = 0

    def text(self, value) -> str:
        cell = excel_text(value)
        if cell.cut:
            self.cut += 1
        if cell.cleaned:
            self.cleaned += 1
        return cell.text


def _text_cell(ws, value: str, counter: _Counter, style=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=counter.text(value))
    cell.data_type = "s"  # openpyxl would store "=..." as a formula
    if style is not None:
        cell.font = style
    return cell


def _cell(ws, value, fmt: str | None = None, *, font: Font | None = None, align: Alignment | None = None):
    cell = WriteOnlyCell(ws, value=value)
    if fmt and value is not None:
        cell.number_format = fmt
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    return cell


def _header_row(ws, headers: Sequence[str], styles: _Styles) -> list[WriteOnlyCell]:
    row = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"
        cell.font = styles.header
        cell.fill = styles.header_fill
        cell.border = styles.header_border
        cell.alignment = styles.header_align
        row.append(cell)
    return row


def _widths(ws, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _page(ws, *, title_rows: str | None = "1:1", landscape: bool = True) -> None:
    """Print on A4, as wide as one page, repeating the header row on every page."""
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def _as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _as_datetime(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        d = _as_date(value)
        return datetime(d.year, d.month, d.day) if d else None


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


def _write_overview(wb: Workbook, db, flt: FeedbackFilter, granularity: str, styles: _Styles,
                    counter: _Counter, now: datetime) -> str:
    title = _(SECTION_NAMES["overview"])
    ws = wb.create_sheet(title)
    _widths(ws, (24, 18, 18, 14, 40))
    _page(ws, title_rows=None, landscape=False)
    kpis = report_data.overview(db, flt)
    meta = [
        (_("Generated"), _cell(ws, now, FMT_DATETIME, align=Alignment(horizontal="left"))),
        (_("Period"), describe_range(kpis.current_from, kpis.current_to)),
        (_("Compared with"), describe_range(kpis.previous_from, kpis.previous_to)
         if kpis.previous_from else _("No earlier period to compare")),
        (_("Filter"), describe_filter(flt)),
        (_("Trend by"), _("week") if granularity == "week" else _("month")),
    ]
    header_at = 3 + len(meta)
    ws.freeze_panes = f"A{header_at + 1}"
    ws.append([_cell(ws, _("Customer feedback summary"), font=styles.title)])
    ws.append([])
    for label, value in meta:
        if isinstance(value, str):
            value = _text_cell(ws, value, counter)
        ws.append([_cell(ws, label, font=styles.label), value])
    ws.append([])
    ws.append(_header_row(ws, [_("Measure"), _("This period"), _("Previous period"), _("Change")], styles))
    for k in kpis.rows:
        fmt = {"int": FMT_INT, "pct": FMT_PCT, "rating": FMT_RATING, "num": FMT_NUM}[k.kind]
        change = None
        change_fmt = fmt
        if k.current is not None and k.previous is not None:
            change = k.current - k.previous
            if k.kind == "pct":
                change_fmt = '+0.0%;-0.0%;0.0%'
            elif k.kind == "int":
                change_fmt = '+#,##0;-#,##0;0'
            else:
                change_fmt = '+0.00;-0.00;0.00'
        ws.append([
            _cell(ws, _(k.label), font=styles.label),
            _cell(ws, k.current, fmt),
            _cell(ws, k.previous, fmt),
            _cell(ws, change, change_fmt),
        ])
    if kpis.notes:
        ws.append([])
        for note in kpis.notes:
            ws.append([_text_cell(ws, note, counter, styles.note)])
    return title


def _write_trend(wb: Workbook, db, flt: FeedbackFilter, granularity: str, styles: _Styles) -> str:
    title = _(SECTION_NAMES["trend"])
    ws = wb.create_sheet(title)
    _widths(ws, (14, 12, 12, 12, 12, 12, 12))
    _page(ws)
    ws.freeze_panes = "A2"
    rows = report_data.trend(db, flt, granularity)
    headers = [_("Week of") if granularity == "week" else _("Month"), _("Feedback"), _("Positive"),
               _("Neutral"), _("Negative"), _("Negative share"), _("Average rating")]
    ws.append(_header_row(ws, headers, styles))
    period_fmt = FMT_DATE if granularity == "week" else FMT_MONTH
    for r in rows:
        ws.append([
            _cell(ws, r.period_start, period_fmt),
            _cell(ws, r.count, FMT_INT),
            _cell(ws, r.positive, FMT_INT),
            _cell(ws, r.neutral, FMT_INT),
            _cell(ws, r.negative, FMT_INT),
            _cell(ws, r.negative_share, FMT_PCT),
            _cell(ws, r.avg_rating, FMT_RATING),
        ])
    n = len(rows)
    if n >= 1:
        counts = LineChart()
        counts.title = _("Feedback per week") if granularity == "week" else _("Feedback per month")
        counts.y_axis.title = _("Feedback")
        counts.height, counts.width = 8, 22
        counts.add_data(Reference(ws, min_col=2, max_col=2, min_row=1, max_row=n + 1), titles_from_data=True)
        counts.add_data(Reference(ws, min_col=5, max_col=5, min_row=1, max_row=n + 1), titles_from_data=True)
        counts.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
        counts.x_axis.number_format = period_fmt
        _show_axes(counts)
        ws.add_chart(counts, "I2")
        share = LineChart()
        share.title = _("Negative share")
        share.height, share.width = 8, 22
        share.add_data(Reference(ws, min_col=6, max_col=6, min_row=1, max_row=n + 1), titles_from_data=True)
        share.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
        share.y_axis.number_format = "0%"
        share.x_axis.number_format = period_fmt
        share.legend = None
        _show_axes(share)
        ws.add_chart(share, "I19")
    return title


def _show_axes(chart) -> None:
    # openpyxl 3.1 writes <c:delete val="1"/> for axes by default; Excel then hides them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    for series in chart.series:
        if isinstance(chart, LineChart):
            series.smooth = False   # a smoothed line invents values between the weeks


def _write_topics(wb: Workbook, db, flt: FeedbackFilter, styles: _Styles, counter: _Counter) -> str:
    title = _(SECTION_NAMES["topics"])
    ws = wb.create_sheet(title)
    _widths(ws, (18, 12, 12, 12, 12, 12))
    _page(ws)
    ws.freeze_panes = "A2"
    rows = report_data.topics(db, flt)
    ws.append(_header_row(ws, [_("Topic"), _("Mentions"), _("Negative mentions"), _("Negative share"),
                               _("Impact"), _("Change vs previous")], styles))
    for r in rows:
        ws.append([
            _text_cell(ws, r.name, counter),
            _cell(ws, r.mentions, FMT_INT),
            _cell(ws, r.negative, FMT_INT),
            _cell(ws, r.negative_share, FMT_PCT),
            _cell(ws, r.impact, FMT_PCT),
            _cell(ws, r.change, '+#,##0;-#,##0;0'),
        ])
    n = min(len(rows), 15)
    if n >= 1:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _("Negative mentions by topic")
        chart.height, chart.width = max(6, 1 + n * 0.7), 18
        chart.add_data(Reference(ws, min_col=3, max_col=3, min_row=1, max_row=n + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
        chart.y_axis.number_format = "0"
        chart.x_axis.scaling.orientation = "maxMin"   # biggest on top, like the table
        chart.legend = None
        _show_axes(chart)
        ws.add_chart(chart, "H2")
    return title


def _write_actions(wb: Workbook, db, styles: _Styles, counter: _Counter) -> str:
    title = _(SECTION_NAMES["actions"])
    ws = wb.create_sheet(title)
    _widths(ws, (7, 28, 10, 10, 12, 12, 16, 12, 12, 12, 12, 12, 16, 50))
    _page(ws)
    ws.freeze_panes = "C2"
    rows = report_data.actions(db)
    ws.append(_header_row(ws, [
        _("No."), _("Action"), _("Status"), _("Owner"), _("Went live"), _("Verdict"), _("Measure"),
        _("Before"), _("After"), _("Change"), _("Interval low"), _("Interval high"), _("Evaluated"),
        _("In plain words"),
    ], styles))
    for r in rows:
        fmt = FMT_PCT if r.is_share else FMT_NUM
        change_fmt = '+0.0%;-0.0%;0.0%' if r.is_share else '+0.00;-0.00;0.00'
        ws.append([
            _cell(ws, r.id),
            _text_cell(ws, r.title, counter, None),
            _cell(ws, _(STATUS_NAMES.get(r.status, r.status))),
            _text_cell(ws, r.owner, counter),
            _cell(ws, r.live_date, FMT_DATE),
            _text_cell(ws, r.verdict, counter),
            _text_cell(ws, r.measure, counter),
            _cell(ws, r.before, fmt),
            _cell(ws, r.after, fmt),
            _cell(ws, r.change, change_fmt),
            _cell(ws, r.low, change_fmt),
            _cell(ws, r.high, change_fmt),
            _cell(ws, r.evaluated_at, FMT_DATETIME),
            _text_cell(ws, r.plain, counter),
        ])
    if not rows:
        ws.append([None, _text_cell(ws, _("No actions yet."), counter, styles.note)])
    return title


def _write_alerts(wb: Workbook, db, flt: FeedbackFilter, styles: _Styles, counter: _Counter) -> str:
    title = _(SECTION_NAMES["alerts"])
    ws = wb.create_sheet(title)
    _widths(ws, (34, 8, 16, 12, 12, 10, 10, 8, 9, 12, 26))
    _page(ws)
    ws.freeze_panes = "B2"
    rows = report_data.alerts(db, flt)
    ws.append(_header_row(ws, [_("Alert"), _("Kind"), _("About"), _("From"), _("To"), _("Negative"),
                               _("Usually"), _("Times usual"), _("p-value"), _("State"), _("Action")], styles))
    for r in rows:
        ws.append([
            _text_cell(ws, r.title, counter),
            _cell(ws, r.kind),
            _text_cell(ws, r.key, counter),
            _cell(ws, r.period_start, FMT_DATE),
            _cell(ws, r.period_end, FMT_DATE),
            _cell(ws, r.observed, FMT_INT),
            _cell(ws, r.expected, "0.0"),
            _cell(ws, r.ratio, '0.0"×"'),
            _cell(ws, r.p_value, "0.0000"),
            _cell(ws, r.state),
            _text_cell(ws, r.action, counter),
        ])
    if not rows:
        ws.append([_text_cell(ws, _("No alerts in this period."), counter, styles.note)])
    return title


DETAIL_WIDTHS = (17, 14, 8, 9, 22, 80)


def _detail_headers() -> list[str]:
    return [_("Time"), _("Channel"), _("Rating"), _("Sentiment"), _("Topics"), _("Feedback")]


def _write_details(wb: Workbook, db, flt: FeedbackFilter, styles: _Styles, counter: _Counter,
                   progress: Progress) -> tuple[list[str], int]:
    """Stream the feedback rows; more rows than a sheet holds continue on “明细 (2)”, …"""
    max_rows = MAX_SHEET_ROWS - 1
    base = _(SECTION_NAMES["details"])
    where, params = filter_sql(flt)
    total = db.execute(f"SELECT count(*) FROM feedback f WHERE {where}", params).fetchone()[0]
    labels = {k: _(v) for k, v in LABEL_NAMES.items()}
    names: list[str] = []
    ws = None
    cells = []
    in_sheet = max_rows
    written = 0
    step = 2000
    progress(0, max(total, 1), _("Writing feedback rows"))
    cursor = db.execute(
        "SELECT f.created_at, f.channel, f.rating, f.label, f.topics, f.text FROM feedback f "
        f"WHERE {where} ORDER BY f.created_at IS NULL, f.created_at, f.id", params)
    for created, channel, rating, label, topics, text in cursor:
        if in_sheet >= max_rows:
            title = base if not names else f"{base} ({len(names) + 1})"
            ws = wb.create_sheet(title)
            names.append(title)
            _widths(ws, DETAIL_WIDTHS)
            _page(ws)
            ws.freeze_panes = "A2"
            ws.append(_header_row(ws, _detail_headers(), styles))
            # One styled cell per column, refilled for every row: styling a fresh cell per value
            # would cost more time than writing it.
            cells = [WriteOnlyCell(ws) for _c in range(6)]
            cells[0].number_format = FMT_DATETIME
            cells[2].number_format = FMT_RATING
            cells[4].alignment = styles.wrap
            cells[5].alignment = styles.wrap
            in_sheet = 0
        when = _as_datetime(created)
        cells[0].value = when
        if when is None and created:
            cells[0].value = counter.text(created)
            cells[0].data_type = "s"
        cells[1].value = counter.text(channel) if channel else None
        cells[1].data_type = "s"
        cells[2].value = rating
        cells[3].value = labels.get(label or "", label)
        cells[4].value = _topics_text(topics)
        cells[4].data_type = "s"
        cells[5].value = counter.text(text)
        cells[5].data_type = "s"
        ws.append(cells)
        in_sheet += 1
        written += 1
        if written % step == 0:
            progress(written, total, _("Writing feedback rows"))
    if not names:
        ws = wb.create_sheet(base)
        names.append(base)
        _widths(ws, DETAIL_WIDTHS)
        ws.freeze_panes = "A2"
        ws.append(_header_row(ws, _detail_headers(), styles))
    # Each detail sheet gets a filter over its header row.
    for title in names:
        sheet = wb[title]
        rows_here = min(max_rows, written - names.index(title) * max_rows) if written else 0
        sheet.auto_filter.ref = f"A1:F{rows_here + 1}"
    progress(total, max(total, 1), _("Writing feedback rows"))
    return names, written


def _topics_text(value) -> str:
    if not value:
        return ""
    try:
        items = json.loads(value)
    except (TypeError, ValueError):
        return str(value)
    if isinstance(items, list):
        return "、".join(str(x) for x in items)
    return str(items)


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
    chosen = [s for s in SECTIONS if s in set(sections)]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise InvalidValueError(_("Unknown report section: {name}").format(name=", ".join(sorted(unknown))))
    if not chosen:
        raise InvalidValueError(_("Choose at least one part of the report."))
    if granularity not in GRANULARITIES:
        raise InvalidValueError(_("The trend can be shown by week or by month, not “{value}”.").format(value=granularity))
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(path.suffix + ".xlsx") if path.suffix else path.with_suffix(".xlsx")
    folder = path.parent
    if not folder.is_dir():
        raise ReportWriteError(_("The folder “{folder}” does not exist.").format(folder=folder))
    now = now or datetime.now().replace(microsecond=0)

    wb = Workbook(write_only=True)
    styles = _Styles()
    _set_default_font(wb, styles.body)
    counter = _Counter()
    names: list[str] = []
    detail_rows = 0
    small = [s for s in chosen if s != "details"]
    # The small sheets are quick; the detail rows take most of the time.
    detail_share = 85 if "details" in chosen else 0
    try:
        for i, section in enumerate(small):
            progress(int(i * (100 - detail_share) / max(len(small), 1)), 100, _("Preparing the summary"))
            if section == "overview":
                names.append(_write_overview(wb, db, flt, granularity, styles, counter, now))
            elif section == "trend":
                names.append(_write_trend(wb, db, flt, granularity, styles))
            elif section == "topics":
                names.append(_write_topics(wb, db, flt, styles, counter))
            elif section == "actions":
                names.append(_write_actions(wb, db, styles, counter))
            elif section == "alerts":
                names.append(_write_alerts(wb, db, flt, styles, counter))
        if "details" in chosen:
            detail_names, detail_rows = _write_details(
                wb, db, flt, styles, counter, sub_progress(progress, 100 - detail_share, 99))
            names.extend(detail_names)
        progress(99, 100, _("Saving the workbook"))
        wb.properties.creator = "cxdesk"
        wb.properties.title = _("Customer feedback summary")
        _save(wb, path)
    except BaseException:
        _discard(wb)
        raise
    progress(100, 100, _("Saving the workbook"))
    return ReportResult(path, tuple(names), detail_rows, counter.cut, counter.cleaned,
                        time.perf_counter() - started)


def _discard(wb: Workbook) -> None:
    """Close the sheets' temporary files of an unfinished workbook (cancel, error)."""
    for ws in wb.worksheets:
        try:
            if not ws.closed:
                ws.close()
        except Exception:  # noqa: BLE001 - it is being thrown away
            pass


def _save(wb: Workbook, path: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=".cxdesk-", suffix=".xlsx.part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except PermissionError as exc:
        raise ReportWriteError(
            _("Cannot write “{path}”: the file is open in another program or the folder is read-only. Close it and try again.").format(path=path),
            details=repr(exc)) from exc
    except OSError as exc:
        raise ReportWriteError(
            _("Cannot write “{path}”: {reason}").format(path=path, reason=exc.strerror or exc), details=repr(exc)) from exc
    finally:
        if tmp.exists():
            try:
                tmp.unlink()
            except OSError:
                pass
