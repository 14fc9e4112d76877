"""Sheets and rows of xlsx/xlsm and legacy xls workbooks, read with python-calamine."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from cxdesk.core.errors import UnreadableFileError
from cxdesk.core.importers.readers.detect import refuse
from cxdesk.core.importers.readers.xlsx_preview import local_name, sheet_member, xlsx_preview_rows
from cxdesk.i18n import _


@dataclass(frozen=True)
class SheetInfo:
    name: str
    hidden: bool
    chart: bool


def _calamine_error(path: Path, exc: Exception) -> UnreadableFileError:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return refuse(path, _("the file is password protected. Remove the password in Excel, then import again."))
    return refuse(path, _("the workbook is damaged or in a form cxdesk cannot read ({reason}). Open it in Excel and save it as .xlsx.").format(
        reason=str(exc)[:200]))


def _open_calamine(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types
        raise _calamine_error(path, exc) from None


def workbook_sheets(path: Path) -> list[SheetInfo]:
    wb = _open_calamine(path)
    try:
        out = []
        for meta in wb.sheets_metadata:
            typ = str(meta.typ).lower()
            vis = str(meta.visible).lower()
            out.append(SheetInfo(meta.name, "visible" not in vis or "hidden" in vis,
                                 "chart" in typ or "dialog" in typ or "macro" in typ))
        return out
    finally:
        wb.close()


class SheetRows:
    """The rows of one sheet from its first row (row 0 = sheet row 1), as lists of raw values.

    `total` is known once iteration has started (the sheet is loaded on the first row).
    """

    def __init__(self, path: Path, file_type: str, sheet: str, *, preview: bool = False,
                 limit: int | None = None) -> None:
        self.path, self.file_type, self.sheet = path, file_type, sheet
        self.preview, self.limit = preview, limit
        self.total = 0
        self.merged: list = []

    def __iter__(self) -> Iterator[list]:
        if self.preview and self.file_type == "xlsx":
            yield from xlsx_preview_rows(self.path, self.sheet, self.limit or 50)
            return
        path, limit = self.path, self.limit
        wb = _open_calamine(path)
        try:
            try:
                ws = wb.get_sheet_by_name(self.sheet)
            except Exception as exc:  # noqa: BLE001
                raise _calamine_error(path, exc) from None
            start_row, start_col = ws.start or (0, 0)
            self.total = start_row + ws.height
            try:
                self.merged = list(ws.merged_cell_ranges or [])
            except Exception:  # noqa: BLE001 - not every format reports merged cells
                self.merged = []
            count = 0
            for _i in range(start_row):
                if limit is not None and count >= limit:
                    return
                count += 1
                yield []
            pad = [None] * start_col
            try:
                for row in ws.iter_rows():
                    if limit is not None and count >= limit:
                        return
                    count += 1
                    yield pad + row if start_col else row
            except Exception as exc:  # noqa: BLE001
                raise _calamine_error(path, exc) from None
        finally:
            wb.close()


def iter_workbook_rows(path: Path, file_type: str, sheet: str, *, preview: bool = False,
                       limit: int | None = None) -> Iterator[list]:
    return iter(SheetRows(path, file_type, sheet, preview=preview, limit=limit))


_RX_FORMULA_NO_VALUE = re.compile(rb"(?:</f>|<f\b[^>]*/>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def exact_number_texts(path: Path, file_type: str, sheet: str, column: int) -> dict[int, str]:
    """Row number (from 1) -> a numeric cell's text as saved in the sheet, for one column of an xlsx.

    Long order numbers saved as numbers (by a program; Excel keeps only 15 digits) have more digits
    than a float holds; the sheet XML still has them all. Empty for other file types.
    """
    if file_type != "xlsx":
        return {}
    import xml.etree.ElementTree as ET

    want = _column_letters(column)
    out: dict[int, str] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            member = sheet_member(zf, sheet)
            if member is None:
                return out
            with zf.open(member) as fh:
                ref = None
                for event, el in ET.iterparse(fh, events=("start", "end")):
                    tag = local_name(el.tag)
                    if event == "start":
                        if tag == "c":
                            r = el.get("r") or ""
                            t = el.get("t") or "n"
                            ref = r if t == "n" and r.rstrip("0123456789") == want else None
                        continue
                    if tag == "v" and ref is not None and el.text:
                        digits = ref[len(want):]
                        if digits.isdigit():
                            out[int(digits)] = el.text.strip()
                    elif tag == "row":
                        el.clear()
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ET.ParseError):
        return out
    return out


def count_formulas_without_values(path: Path, sheet: str) -> int:
    """Formulas saved without a computed result (files written by scripts) read as empty cells."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = sheet_member(zf, sheet)
            if member is None:
                return 0
            count = 0
            tail = b""
            first = True
            with zf.open(member) as fh:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    data = tail + chunk
                    if first and b"<f" not in data:
                        return 0  # no formulas near the top: a typed or exported table
                    first = False
                    if b"<f" in data:
                        # Count only matches that end inside this chunk; keep a tail for the next one.
                        cut = data.rfind(b"</c>")
                        if cut >= 0:
                            count += len(_RX_FORMULA_NO_VALUE.findall(data, 0, cut + 4))
                            tail = data[cut + 4:]
                        else:
                            tail = data
                    else:
                        tail = data[-64:]
                    if len(tail) > (4 << 20):
                        tail = tail[-(1 << 20):]
            return count
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        return 0
