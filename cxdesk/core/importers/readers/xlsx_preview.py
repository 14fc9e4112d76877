"""Preview of an xlsx: the first rows in milliseconds, whatever the size of the sheet.

Openpyxl's read-only mode first loads every shared string; this streams the sheet's XML itself."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterator

from cxdesk.core.importers.dates import from_excel_serial
from cxdesk.core.importers.readers.detect import refuse
from cxdesk.i18n import _


_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {27, 30, 36, 45, 46, 47, 50, 57}


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code).lower()
    return bool(re.search(r"[ymdhs]", code)) and "general" not in code


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xlsx_preview_rows(path: Path, sheet: str, limit: int) -> Iterator[list]:
    """Stream the sheet XML until `limit` rows; resolve shared strings only as far as needed.

    openpyxl's read-only mode loads every shared string and style first (seconds on a 100k-row
    sheet); the owner should see the preview at once. Member contents were checked for entity
    declarations by `detect_file` before this runs.
    """
    import xml.etree.ElementTree as ET

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
    try:
        member = sheet_member(zf, sheet)
        if member is None or member not in zf.namelist():
            return
        wb_xml = zf.read("xl/workbook.xml")
        epoch1904 = bool(re.search(rb"date1904\s*=\s*\"(1|true)\"", wb_xml))
        date_styles = _date_styles(zf)
        with zf.open(member) as fh:
            row_numbers, cells, need_strings = _sheet_cells(fh, limit)
        strings = _shared_strings(zf, need_strings) if need_strings >= 0 else []
    except ET.ParseError:
        raise refuse(path, _("the workbook is damaged or in a form cxdesk cannot read ({reason}). Open it in Excel and save it as .xlsx.").format(
            reason="XML")) from None
    finally:
        zf.close()
    emitted = 0
    for number, row in zip(row_numbers, cells):
        while emitted < number - 1 and emitted < limit:
            emitted += 1
            yield []
        if emitted >= limit:
            return
        out: list = [None] * (max((c[0] for c in row), default=-1) + 1)
        for col, ctype, style, value in row:
            out[col] = _cell_value(ctype, style, value, strings, date_styles, epoch1904)
        emitted += 1
        yield out


_Cell = tuple[int, str, "str | None", str]   # column index, cell type, style index, raw value


def _sheet_cells(fh, limit: int) -> tuple[list[int], list[list[_Cell]], int]:
    """The first `limit` rows of a sheet's XML: their row numbers, their raw cells, the highest shared string used."""
    import xml.etree.ElementTree as ET

    cells: list[list[_Cell]] = []
    need_strings = -1
    row_numbers: list[int] = []
    current: list | None = None
    col = 0
    ctype = style = None
    value = None
    inline: list[str] = []
    for event, el in ET.iterparse(fh, events=("start", "end")):
        tag = local_name(el.tag)
        if event == "start":
            if tag == "row":
                if len(cells) >= limit:
                    break
                current = []
                r = el.get("r")
                row_numbers.append(int(r) if r and r.isdigit() else (row_numbers[-1] + 1 if row_numbers else 1))
                col = 0
            elif tag == "c":
                col = _column_index(el.get("r"), col)
                ctype, style, value, inline = el.get("t") or "n", el.get("s"), None, []
            continue
        if tag == "v":
            value = el.text or ""
        elif tag == "t" and ctype == "inlineStr":
            inline.append(el.text or "")
        elif tag == "c" and current is not None:
            if ctype == "inlineStr":
                value = "".join(inline)
            if value is not None:
                current.append((col, ctype, style, value))
                if ctype == "s" and value.isdigit():
                    need_strings = max(need_strings, int(value))
            col += 1
            el.clear()
        elif tag == "row" and current is not None:
            cells.append(current)
            current = None
            el.clear()
    return row_numbers, cells, need_strings


def _column_index(ref: str | None, current: int) -> int:
    """0-based column of a cell reference such as "AB12"; without a reference, the column it stands in."""
    if not ref:
        return current
    n = 0
    for ch in "".join(ch for ch in ref if ch.isalpha()).upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cell_value(ctype: str, style: str | None, value: str, strings: list[str], date_styles: set[int],
                epoch1904: bool):
    if ctype == "s":
        idx = int(value) if value.isdigit() else -1
        return strings[idx] if 0 <= idx < len(strings) else ""
    if ctype in ("str", "inlineStr", "e"):
        return value
    if ctype == "b":
        return value == "1"
    try:
        number_value = float(value)
    except ValueError:
        return value
    if style is not None and style.isdigit() and int(style) in date_styles:
        return from_excel_serial(number_value, epoch1904=epoch1904)
    return number_value


def _date_styles(zf: zipfile.ZipFile) -> set[int]:
    import xml.etree.ElementTree as ET

    try:
        data = zf.read("xl/styles.xml")
    except KeyError:
        return set()
    root = ET.fromstring(data)
    custom: dict[int, str] = {}
    for el in root.iter():
        if local_name(el.tag) == "numFmt":
            try:
                custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
            except ValueError:
                pass
    out: set[int] = set()
    for el in root.iter():
        if local_name(el.tag) == "cellXfs":
            for i, xf in enumerate(x for x in el if local_name(x.tag) == "xf"):
                try:
                    fid = int(xf.get("numFmtId", "0"))
                except ValueError:
                    continue
                if fid in _BUILTIN_DATE_FORMATS or (fid in custom and _is_date_format(custom[fid])):
                    out.add(i)
            break
    return out


def _shared_strings(zf: zipfile.ZipFile, upto: int) -> list[str]:
    import xml.etree.ElementTree as ET

    out: list[str] = []
    try:
        fh = zf.open("xl/sharedStrings.xml")
    except KeyError:
        return out
    with fh:
        parts: list[str] = []
        skip = 0
        for event, el in ET.iterparse(fh, events=("start", "end")):
            tag = local_name(el.tag)
            if event == "start":
                if tag == "si":
                    parts = []
                elif tag == "rPh":
                    skip += 1  # phonetic guides are not part of the text
                continue
            if tag == "rPh":
                skip -= 1
            elif tag == "t" and not skip:
                parts.append(el.text or "")
            elif tag == "si":
                out.append("".join(parts))
                el.clear()
                if len(out) > upto:
                    break
    return out


def xml_unescape(s: str) -> str:
    import html

    return html.unescape(s)


def sheet_member(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding worksheet `sheet`, from workbook.xml and its relationships."""
    wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    rid = None
    for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", wb):
        attrs = m.group(1)
        nm = re.search(r'name="([^"]*)"', attrs)
        if nm and xml_unescape(nm.group(1)) == sheet:
            r = re.search(r'r:id="([^"]*)"', attrs) or re.search(r'\bid="([^"]*)"', attrs)
            rid = r.group(1) if r else None
            break
    if rid is None:
        return None
    for m in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*)/?>", rels):
        attrs = m.group(1)
        if re.search(r'\bId="%s"' % re.escape(rid), attrs):
            t = re.search(r'Target="([^"]*)"', attrs)
            if not t:
                return None
            target = t.group(1)
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None
