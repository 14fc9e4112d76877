"""Writing customer text into spreadsheets safely: never as a formula, never a broken file.

Used by every export (feedback rows, reports). Customer text can start with `=`, `+`, `-` or `@`
(`=HYPERLINK(...)`, `+86 138...`, `-5分`, `@客服`); Excel would run it as a formula. In .xlsx the cell
type is forced to text; in .csv the value gets the OWASP `'` prefix. Control characters that make
openpyxl raise `IllegalCharacterError` are removed, and texts longer than an Excel cell holds are cut
with a visible marker.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Sequence

from cxdesk.core.errors import CxdeskError
from cxdesk.i18n import _

EXCEL_CELL_LIMIT = 32_767
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Control characters XML 1.0 (and so .xlsx) cannot hold; tab, newline and carriage return are fine.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class ExportError(CxdeskError):
    """The export file cannot be written (folder missing, file open in Excel, disk full)."""


def cut_marker() -> str:
    return _("…(cut: too long for one cell)")


def clean_text(value: str, limit: int = EXCEL_CELL_LIMIT) -> str:
    """Remove control characters and cut to `limit` characters, ending with a marker when cut."""
    text = _ILLEGAL.sub("", value)
    if len(text) > limit:
        marker = cut_marker()
        text = text[: max(limit - len(marker), 0)] + marker
    return text


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def csv_value(value):
    """A value for a CSV cell: text cleaned, formula-looking text prefixed with `'` (OWASP)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    text = clean_text(str(value))
    if looks_like_formula(text):
        return "'" + text
    return text


def csv_row(values: Sequence) -> list:
    return [csv_value(v) for v in values]


def xlsx_cell(ws, value):
    """A write-only cell for `ws`; strings are always stored as text (data_type 's'), never formulas."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or isinstance(value, (int, float, datetime, date)) and not isinstance(value, bool):
        return WriteOnlyCell(ws, value=value)
    text = clean_text(str(value))
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # openpyxl turns a leading "=" into a formula otherwise
    return cell


def xlsx_row(ws, values: Sequence) -> list:
    return [xlsx_cell(ws, v) for v in values]


def write_xlsx(path: Path | str, header: Sequence[str], rows: Iterable[Sequence], *,
               sheet_title: str = "Sheet1", column_widths: Sequence[int] | None = None) -> int:
    """Stream rows into a new .xlsx with one sheet (openpyxl write-only mode); returns the row count."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(sheet_title))
    widths = column_widths or [_default_width(h) for h in header]
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = xlsx_row(ws, header)
    for cell in head:
        cell.font = bold
    ws.append(head)
    count = 0
    try:
        for values in rows:
            ws.append(xlsx_row(ws, values))
            count += 1
    except BaseException:
        try:  # close openpyxl's temporary sheet file before it is dropped (cancel, bad value)
            ws.close()
        except Exception:  # noqa: BLE001
            pass
        raise
    _save(lambda target: wb.save(str(target)), Path(path))
    return count


def write_csv(path: Path | str, header: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write a CSV Excel opens correctly: UTF-8 with BOM, CRLF rows, formula-looking text prefixed."""
    count = 0

    def write(target: Path) -> None:
        nonlocal count
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, dialect="excel")
            writer.writerow(csv_row(header))
            for values in rows:
                writer.writerow(csv_row(values))
                count += 1

    _save(write, Path(path))
    return count


def move_into_place(tmp: Path, target: Path) -> None:
    """Replace `target` with the finished `tmp` file (same folder: an atomic rename)."""
    try:
        os.replace(tmp, target)
    except OSError:
        try:
            shutil.copyfile(tmp, target)
        except OSError as exc:
            raise _export_error(target, exc) from exc


def _save(write, target: Path) -> None:
    try:
        write(target)
    except OSError as exc:
        raise _export_error(target, exc) from exc


def _export_error(target: Path, exc: OSError) -> ExportError:
    if isinstance(exc, PermissionError):
        return ExportError(
            _("Cannot write “{path}”: the file is open in another program or the folder is read-only. Close it and try again.").format(path=target),
            details=repr(exc))
    return ExportError(_("Cannot write “{path}”: {reason}").format(path=target, reason=exc.strerror or exc),
                       details=repr(exc))


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]\*\?/\\:]", " ", title).strip() or "Sheet1"
    return cleaned[:31]


def _default_width(header: str) -> int:
    return 60 if len(header) > 6 else 16
