"""The summary workbook's building blocks: number formats, the workbook with its shared cell formats, and
row-by-row writing into one sheet (XlsxWriter's constant-memory mode needs rows in order)."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

import xlsxwriter

from cxdesk.core.reports.cells import excel_text
from cxdesk.i18n import _


# Excel's own limit; the header takes one row.
MAX_SHEET_ROWS = 1_048_576
FONT_NAME = "等线"          # Office's CJK UI font; charset 134 (GB2312) lets other apps pick a CJK fallback
FONT_CHARSET = 134

FMT_INT = "#,##0"
FMT_NUM = "0.00"
FMT_RATING = "0.0"
FMT_PCT = "0.0%"
FMT_INT_CHANGE = "+#,##0;-#,##0;0"
FMT_NUM_CHANGE = "+0.00;-0.00;0.00"
FMT_DATE = "yyyy-mm-dd"
FMT_MONTH = "yyyy-mm"
FMT_DATETIME = "yyyy-mm-dd hh:mm"
FMT_P = "0.0000"
FMT_TIMES = '0.0"×"'


def _fmt_points() -> str:
    """A change of a share, stored in percentage points (e.g. −3.9), shown as “−3.9 个百分点”."""
    unit = _(" percentage points").replace('"', "")
    return f'+0.0"{unit}";-0.0"{unit}";0.0"{unit}"'


def _points(value: float | None) -> float | None:
    return None if value is None else value * 100


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
        self.spools: list = []          # excel_details._RowSpool, spliced in after saving
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
