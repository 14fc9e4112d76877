"""Read raw rows out of the files shops get: xlsx/xlsm, legacy xls, HTML-table "xls", CSV/TSV/TXT.

The file type comes from the first bytes, never from the extension (platform exports often call
an HTML table or a CSV `.xls`). Workbooks are checked before parsing: zip bombs, XML entity
declarations and encrypted packages are refused. Rows come out as lists of plain values (str,
float, datetime, None), indexed as the owner sees them: row 0 is the sheet's first row.
The preview streams the first rows of an xlsx sheet itself (milliseconds, where openpyxl's
read-only mode first loads every shared string); the import reads whole sheets with python-calamine,
several times faster than openpyxl.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

from cxdesk.core.errors import EmptyFileError, UnreadableFileError
from cxdesk.i18n import _

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# Budgets for what a workbook may expand to before we parse it (BAD_INPUTS #6).
MAX_UNCOMPRESSED = 2_000_000_000
MAX_RATIO = 200
RATIO_CHECK_ABOVE = 20_000_000
MAX_FIELD = 50_000_000
ERROR_VALUES = frozenset({"#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#N/A N/A"})

csv.field_size_limit(MAX_FIELD)


@dataclass
class FileFacts:
    """What the first look at a file found out, before any rows are read."""

    file_type: str                       # xlsx | xls | html | csv
    warnings: list[str] = field(default_factory=list)
    epoch1904: bool = False
    bom_encoding: str | None = None
    html_charset: str | None = None


# ------------------------------------------------------------------------------------------
# File type by magic bytes


def _refuse(path: Path, problem: str) -> UnreadableFileError:
    return UnreadableFileError(
        _("Cannot import “{file}”: {problem}").format(file=path.name, problem=problem))


def detect_file(path: Path) -> FileFacts:
    """Look at the bytes, decide the reader, refuse unsafe or unusable files with one sentence."""
    try:
        st = path.stat()
        size = st.st_size
        # A pipe or device would block the read forever or look empty: only regular files are tables.
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, _("it is not an ordinary file (a pipe, socket or device). Save the data as a file first."))
        with path.open("rb") as fh:
            head = fh.read(65536)
    except FileNotFoundError:
        raise _refuse(path, _("the file does not exist.")) from None
    except IsADirectoryError:
        raise _refuse(path, _("this is a folder, not a file.")) from None
    except OSError as exc:
        raise _refuse(path, _("the file cannot be opened ({reason}). Close it in Excel and try again.").format(
            reason=exc.strerror or exc)) from None
    if path.name.startswith("~$"):
        raise _refuse(path, _("this is Excel's temporary lock file, not your data. Choose the file without “~$” in its name."))
    if size == 0:
        raise EmptyFileError(_("“{file}” is empty (0 bytes).").format(file=path.name))
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return _check_zip(path)
    if head.startswith(OLE_MAGIC):
        return _check_ole(path, size)
    for magic, kind in ((b"%PDF", _("a PDF document")), (b"\x89PNG", _("a PNG image")),
                        (b"\xff\xd8\xff", _("a JPEG image")), (b"Rar!", _("a RAR archive")),
                        (b"7z\xbc\xaf", _("a 7-Zip archive")), (b"\x1f\x8b", _("a gzip archive")),
                        (b"SQLite format 3", _("a database file")), (b"{\\rtf", _("an RTF document"))):
        if head.startswith(magic):
            raise _refuse(path, _("it is {kind}, not a table. Export it as .xlsx or .csv.").format(kind=kind))
    bom = None
    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE):
        bom = "utf-32"  # before UTF-16: the UTF-32-LE mark begins with the UTF-16-LE one
    elif head.startswith(codecs.BOM_UTF8):
        bom = "utf-8-sig"
    elif head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        bom = "utf-16"
    text = _peek_text(head, bom)
    low = text.lstrip().lower()[:2048]
    if "urn:schemas-microsoft-com:office:spreadsheet" in low and "<workbook" in low:
        raise _refuse(path, _("it is an “XML Spreadsheet 2003” file. Open it in Excel and save it as .xlsx."))
    if low.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body", "<style", "<?xml")) \
            or ("<table" in low and "<tr" in low):
        if "<table" not in text.lower() and len(head) < size:
            pass  # a long head section; the parser finds the table later
        charset = None
        m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", text[:4096], re.I)
        if m:
            charset = m.group(1)
        return FileFacts("html", bom_encoding=bom, html_charset=charset)
    if bom is None and _looks_binary(head):
        raise _refuse(path, _("it is not a table file cxdesk knows (not Excel, CSV or an HTML table)."))
    return FileFacts("csv", bom_encoding=bom)


def _peek_text(head: bytes, bom: str | None) -> str:
    if bom in ("utf-16", "utf-32"):
        return head[:len(head) - len(head) % 4].decode(bom, errors="replace")
    guess = utf32_without_bom(head[:4096])
    if guess:
        return head[:4096].decode(guess, errors="replace")
    if head[:4096].count(b"\x00") > 256:
        for enc in ("utf-16-le", "utf-16-be"):
            t = head[:4096].decode(enc, errors="replace")
            if t.count("\ufffd") < 8:
                return t
    return head.decode("utf-8", errors="replace")


def utf32_without_bom(sample: bytes) -> str | None:
    """"utf-32-le"/"utf-32-be" when the bytes are text with three NULs in every four (ASCII in UTF-32)."""
    sample = sample[:len(sample) - len(sample) % 4]
    if len(sample) < 16 or sample.count(b"\x00") < len(sample) // 2:
        return None
    lanes = [sample[i::4].count(b"\x00") for i in range(4)]
    quarter = len(sample) // 4
    if lanes[3] == quarter and lanes[2] >= quarter * 0.9 and lanes[0] < quarter:
        enc = "utf-32-le"
    elif lanes[0] == quarter and lanes[1] >= quarter * 0.9 and lanes[3] < quarter:
        enc = "utf-32-be"
    else:
        return None
    try:
        sample.decode(enc)
    except UnicodeDecodeError:
        return None
    return enc


def _looks_binary(head: bytes) -> bool:
    sample = head[:8192]
    if not sample:
        return False
    if utf32_without_bom(sample):
        return False
    nul = sample.count(b"\x00")
    if nul > len(sample) // 4:
        # UTF-16 without BOM: NULs alternate with ASCII.
        even, odd = sample[0::2].count(b"\x00"), sample[1::2].count(b"\x00")
        return not (even > len(sample) // 3 or odd > len(sample) // 3)
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return ctrl > len(sample) // 10


def _check_zip(path: Path) -> FileFacts:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
    with zf:
        try:
            infos = zf.infolist()
        except Exception:  # noqa: BLE001 - any damage in the directory
            raise _refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
            if "word/document.xml" in names:
                raise _refuse(path, _("it is a Word document, not a table. Copy the table into Excel and save it as .xlsx."))
            if any(n.startswith("ppt/") for n in names):
                raise _refuse(path, _("it is a PowerPoint file, not a table."))
            if "content.xml" in names:
                raise _refuse(path, _("it is an OpenDocument file. Open it and save it as .xlsx."))
            raise _refuse(path, _("it is a ZIP archive, not an Excel workbook. Unpack it first."))
        if "xl/workbook.bin" in names:
            raise _refuse(path, _("it is a binary workbook (.xlsb). Open it in Excel and save it as .xlsx."))
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise _refuse(path, _("the file is password protected. Remove the password in Excel, then import again."))
            total += info.file_size
            if info.file_size > RATIO_CHECK_ABOVE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _refuse(path, _("it would expand to far more data than it holds (a “zip bomb”); it was not opened."))
        if total > MAX_UNCOMPRESSED:
            raise _refuse(path, _("it would expand to more than {size} GB; it was not opened.").format(
                size=MAX_UNCOMPRESSED // 1_000_000_000))
        facts = FileFacts("xlsx")
        try:
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    with zf.open(info) as member:
                        start = member.read(4096)
                    if b"<!DOCTYPE" in start or b"<!ENTITY" in start or b"<!doctype" in start:
                        raise _refuse(path, _("it contains unsafe content (XML entity declarations); it was not opened."))
            wb_xml = zf.read("xl/workbook.xml")
        except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile, NotImplementedError):
            raise _refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
        except Exception as exc:  # zlib.error and friends
            if isinstance(exc, UnreadableFileError):
                raise
            raise _refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
        facts.epoch1904 = bool(re.search(rb"date1904\s*=\s*\"(1|true)\"", wb_xml))
        if "xl/vbaProject.bin" in names:
            facts.warnings.append(_("The workbook contains macros; they were ignored (only cell values are read)."))
        if any(n.startswith("xl/externalLinks/") for n in names):
            facts.warnings.append(_("The workbook links to other files; only the values saved in this file are read."))
        return facts


def _check_ole(path: Path, size: int) -> FileFacts:
    with path.open("rb") as fh:
        data = fh.read(min(size, 64 * 1024 * 1024))
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        raise _refuse(path, _("the file is password protected. Remove the password in Excel, then import again."))
    if "WordDocument".encode("utf-16-le") in data:
        raise _refuse(path, _("it is a Word document, not a table. Copy the table into Excel and save it as .xlsx."))
    return FileFacts("xls")


# ------------------------------------------------------------------------------------------
# Cell values


def cell_text(value) -> str:
    """How a raw cell reads as text (preview, review text, ids): `5.0` → "5", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


# ------------------------------------------------------------------------------------------
# Workbooks


@dataclass(frozen=True)
class SheetInfo:
    name: str
    hidden: bool
    chart: bool


def _calamine_error(path: Path, exc: Exception) -> UnreadableFileError:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return _refuse(path, _("the file is password protected. Remove the password in Excel, then import again."))
    return _refuse(path, _("the workbook is damaged or in a form cxdesk cannot read ({reason}). Open it in Excel and save it as .xlsx.").format(
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
            yield from _xlsx_preview_rows(self.path, self.sheet, self.limit or 50)
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


def _sheet_member(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding worksheet `sheet`, from workbook.xml and its relationships."""
    wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    rid = None
    for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", wb):
        attrs = m.group(1)
        nm = re.search(r'name="([^"]*)"', attrs)
        if nm and _xml_unescape(nm.group(1)) == sheet:
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
            member = _sheet_member(zf, sheet)
            if member is None:
                return out
            with zf.open(member) as fh:
                ref = None
                for event, el in ET.iterparse(fh, events=("start", "end")):
                    tag = _local(el.tag)
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
            member = _sheet_member(zf, sheet)
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


# ------------------------------------------------------------------------------------------
# Preview of an xlsx: the first rows in milliseconds, whatever the size of the sheet

_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {27, 30, 36, 45, 46, 47, 50, 57}


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code).lower()
    return bool(re.search(r"[ymdhs]", code)) and "general" not in code


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xlsx_preview_rows(path: Path, sheet: str, limit: int) -> Iterator[list]:
    """Stream the sheet XML until `limit` rows; resolve shared strings only as far as needed.

    openpyxl's read-only mode loads every shared string and style first (seconds on a 100k-row
    sheet); the owner should see the preview at once. Member contents were checked for entity
    declarations by `detect_file` before this runs.
    """
    import xml.etree.ElementTree as ET

    from cxdesk.core.importers.dates import from_excel_serial

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
    try:
        member = _sheet_member(zf, sheet)
        if member is None or member not in zf.namelist():
            return
        wb_xml = zf.read("xl/workbook.xml")
        epoch1904 = bool(re.search(rb"date1904\s*=\s*\"(1|true)\"", wb_xml))
        date_styles = _date_styles(zf)
        cells: list[list[tuple[int, str, str | None, str]]] = []
        need_strings = -1
        row_numbers: list[int] = []
        with zf.open(member) as fh:
            current: list | None = None
            col = 0
            ctype = style = None
            value = None
            inline: list[str] = []
            for event, el in ET.iterparse(fh, events=("start", "end")):
                tag = _local(el.tag)
                if event == "start":
                    if tag == "row":
                        if len(cells) >= limit:
                            break
                        current = []
                        r = el.get("r")
                        row_numbers.append(int(r) if r and r.isdigit() else (row_numbers[-1] + 1 if row_numbers else 1))
                        col = 0
                    elif tag == "c":
                        ref = el.get("r")
                        if ref:
                            letters = "".join(ch for ch in ref if ch.isalpha())
                            n = 0
                            for ch in letters.upper():
                                n = n * 26 + ord(ch) - 64
                            col = n - 1
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
        strings = _shared_strings(zf, need_strings) if need_strings >= 0 else []
    except ET.ParseError:
        raise _refuse(path, _("the workbook is damaged or in a form cxdesk cannot read ({reason}). Open it in Excel and save it as .xlsx.").format(
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
        width = max((c[0] for c in row), default=-1) + 1
        out: list = [None] * width
        for col, ctype, style, value in row:
            if ctype == "s":
                idx = int(value) if value.isdigit() else -1
                out[col] = strings[idx] if 0 <= idx < len(strings) else ""
            elif ctype in ("str", "inlineStr"):
                out[col] = value
            elif ctype == "b":
                out[col] = value == "1"
            elif ctype == "e":
                out[col] = value
            else:
                try:
                    number_value = float(value)
                except ValueError:
                    out[col] = value
                    continue
                if style is not None and style.isdigit() and int(style) in date_styles:
                    out[col] = from_excel_serial(number_value, epoch1904=epoch1904)
                else:
                    out[col] = number_value
        emitted += 1
        yield out


def _date_styles(zf: zipfile.ZipFile) -> set[int]:
    import xml.etree.ElementTree as ET

    try:
        data = zf.read("xl/styles.xml")
    except KeyError:
        return set()
    root = ET.fromstring(data)
    custom: dict[int, str] = {}
    for el in root.iter():
        if _local(el.tag) == "numFmt":
            try:
                custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
            except ValueError:
                pass
    out: set[int] = set()
    for el in root.iter():
        if _local(el.tag) == "cellXfs":
            for i, xf in enumerate(x for x in el if _local(x.tag) == "xf"):
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
            tag = _local(el.tag)
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


def _xml_unescape(s: str) -> str:
    import html

    return html.unescape(s)


# ------------------------------------------------------------------------------------------
# HTML tables ("xls" exports of many Chinese platforms)


def _span(value) -> int:
    value = str(value or "1").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 1000 else 1


class _TableParser(HTMLParser):
    """Tables as grids: a cell spanning rows (`rowspan`, a shop name beside all its reviews) is
    repeated in each row it covers, so the cells after it stay in their columns; a cell spanning
    columns (`colspan`) keeps its text in the first column and leaves the others empty."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        # One entry per open table: its rows, and the cells still to come from rowspans above
        # (column -> (rows left, text)).
        self._stack: list[tuple[list[list[str]], dict[int, list]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._colspan = self._rowspan = 1

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._finish_row()
            self._stack.append(([], {}))
        elif tag == "tr" and self._stack:
            self._finish_row()
            self._row = []
        elif tag in ("td", "th") and self._stack:
            if self._row is None:
                self._row = []
            self._finish_cell()
            self._cell = []
            d = dict(attrs)
            self._colspan, self._rowspan = _span(d.get("colspan")), _span(d.get("rowspan"))
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._finish_cell()
        elif tag == "tr":
            self._finish_row()
        elif tag == "table" and self._stack:
            self._finish_row()
            self.tables.append(self._stack.pop()[0])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def _fill_spanned(self) -> None:
        """Put the cells of rowspans from above into the current row where they belong."""
        pending = self._stack[-1][1]
        row = self._row
        while len(row) in pending:
            col = len(row)
            left, text, width = pending[col]
            row.append(text)
            row.extend([""] * (width - 1))
            if left <= 1:
                del pending[col]
            else:
                pending[col] = [left - 1, text, width]

    def _finish_cell(self):
        if self._cell is not None and self._row is not None and self._stack:
            self._fill_spanned()
            text = "".join(self._cell).strip()
            col = len(self._row)
            self._row.append(text)
            # A header cell spanning columns applies to each of them (BAD_INPUTS #12).
            self._row.extend([""] * (self._colspan - 1))
            if self._rowspan > 1:
                self._stack[-1][1][col] = [self._rowspan - 1, text, self._colspan]
        self._cell = None
        self._colspan = self._rowspan = 1

    def _finish_row(self):
        self._finish_cell()
        if self._row is not None and self._stack:
            pending = self._stack[-1][1]
            # Spanned cells at the end of the row (or the whole row) come from above too.
            while pending and max(pending) >= len(self._row):
                self._fill_spanned()
                if max(pending, default=-1) >= len(self._row) and len(self._row) not in pending:
                    self._row.append("")
            self._stack[-1][0].append(self._row)
        self._row = None

    def close(self):
        super().close()
        while self._stack:
            self._finish_row()
            self.tables.append(self._stack.pop()[0])


def parse_html_tables(text: str) -> list[list[list[str]]]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return [t for t in parser.tables if t]


# ------------------------------------------------------------------------------------------
# Delimited text


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and counts bytes read, for progress over a streamed CSV."""

    def __init__(self, raw) -> None:
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self._raw.readinto(b)
        self.bytes_read += n or 0
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


_RX_ROW_VALUE = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}.*|\d{1,2}[-/]\d{1,2}[-/]\d{2,4}.*|\d{1,2}月\d{1,2}日.*"
    r"|[+-]?\d+(?:\.\d+)?\s*(?:分|星|%)?|\d+(?:\.\d+)?\s*/\s*\d+|[★☆]{1,10}|\d{1,2}:\d\d(?::\d\d)?"
    r"|(?:今天|昨天|前天|刚刚|上周|上个?月)\s*(?:\d{1,2}:\d\d)?|\d+\s*(?:秒钟?|分钟|个?小时|天|周|个?星期|个月)前")


def _looks_like_row(line: str, delimiter: str, columns: int) -> bool:
    """A physical line that splits into about as many cells as the header, one of them a date or number."""
    parts = line.split(delimiter)
    if len(parts) < 2 or not (columns - 1 <= len(parts) <= columns + 1):
        return False
    return any(_RX_ROW_VALUE.fullmatch(p.strip().strip('"')) for p in parts)


def swallowed_lines(row: list[str], delimiter: str, columns: int, *, at_end: bool = False) -> bool:
    """True when a field holds whole CSV lines: an unclosed quote ate them (BAD_INPUTS #23).

    Python's csv module reports no error then; it keeps reading into one field, up to the next
    quotation mark or the end of the file (`at_end`: this is the file's last record). A line break
    inside a real review is common; lines inside it that split into the table's cells (with a date
    or number among them, or all of several lines) are not, nor is a last field that runs to the
    end of the file with a line break.
    """
    if columns < 2:
        return False
    for value in row:
        if "\n" not in value and "\r" not in value:
            continue
        lines = value.splitlines()
        if len(lines) > 1000:
            return True
        if delimiter not in value:
            continue
        if any(_looks_like_row(ln, delimiter, columns) for ln in lines):
            return True
        filled = [ln for ln in lines if ln.strip()]
        rowlike = [ln for ln in filled if ln.count(delimiter) == columns - 1]
        if at_end and value.endswith(("\n", "\r")) and rowlike:
            return True
        if len(row) != columns and rowlike:
            return True  # a record with the wrong number of cells, one of them holding a row's worth
        if len(rowlike) >= (2 if columns > 2 else 3) and len(rowlike) == len(filled):
            return True
    return False


def holds_row_like_lines(row: list[str], delimiter: str, columns: int) -> bool:
    """A cell with line breaks and a line in it with as many delimiters as a row has."""
    for value in row:
        if ("\n" in value or "\r" in value) and delimiter in value:
            if any(ln.count(delimiter) == columns - 1 for ln in value.splitlines()):
                return True
    return False


class _LineRecords:
    """Records of a file that does not quote line breaks: each physical line is one record,
    read as CSV when its quotation marks pair up, else split at the delimiter as it stands."""

    def __init__(self, text, delimiter: str, columns: int) -> None:
        self._text, self._delimiter, self._columns = text, delimiter, columns
        self.line_num = 0

    def __iter__(self):
        delimiter, columns = self._delimiter, self._columns
        for physical in self._text:
            self.line_num += 1
            line = physical.rstrip("\r\n")
            if not line.strip():
                yield []
                continue
            row = next(csv.reader([line], delimiter=delimiter, strict=False), [])
            if len(row) != columns and line.count(delimiter) == columns - 1:
                row = line.split(delimiter)
            yield row


class UnclosedQuoteError(UnreadableFileError):
    """A quotation mark that is never closed would merge the lines after it into one cell."""


def unclosed_quote_error(path: Path, line: int) -> UnclosedQuoteError:
    return UnclosedQuoteError(
        _("Cannot import “{file}”: a quotation mark opened on line {line} is never closed, so the rest of the file would run into one cell. Fix that line and import again.").format(
            file=path.name, line=line))


def lines_are_rows(text_lines, delimiter: str, columns: int) -> bool:
    """True when every line, taken as it is, splits into the table's cells: the file does not
    quote at all (a quotation mark is part of a review), so it can be read line by line."""
    if columns < 2:
        return False
    seen = 0
    for line in text_lines:
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        if line.count(delimiter) != columns - 1 and \
                len(next(csv.reader([line], delimiter=delimiter, strict=False), [])) != columns:
            return False
        seen += 1
    return seen > 0


def file_lines_are_rows(path: Path, encoding: str, delimiter: str, columns: int) -> bool:
    try:
        with open(path, encoding=encoding, errors="strict", newline="") as fh:
            return lines_are_rows((ln.lstrip("\ufeff") for ln in fh), delimiter, columns)
    except (UnicodeDecodeError, OSError, LookupError):
        return False


class CsvRows:
    """Iterate the records of a delimited text file, decoding strictly; `fraction` tracks progress."""

    def __init__(self, path: Path, encoding: str, delimiter: str, columns: int = 1, skip: int = 0, *,
                 quote_none: bool = False) -> None:
        self.quote_none = quote_none   # quotation marks are text: one line is one record
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.columns = columns
        self.skip = skip
        self.size = max(path.stat().st_size, 1)
        self._counter: _CountingReader | None = None

    @property
    def fraction(self) -> float:
        return min(1.0, (self._counter.bytes_read if self._counter else 0) / self.size)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """(record number from 1, fields) for every record after the first `skip`."""
        raw = open(self.path, "rb", buffering=0)  # noqa: SIM115 - closed below
        self._counter = _CountingReader(raw)
        buffered = io.BufferedReader(self._counter, buffer_size=1 << 20)
        text = io.TextIOWrapper(buffered, encoding=self.encoding, errors="strict", newline="")
        if self.quote_none:
            reader = _LineRecords(text, self.delimiter, self.columns)
        else:
            reader = csv.reader(text, delimiter=self.delimiter, quotechar='"', doublequote=True, strict=False)
        line = 0
        try:
            delim, columns, skip = self.delimiter, (1 if self.quote_none else self.columns), self.skip
            n = 0
            row: list[str] = []
            checked_lines = False
            for row in reader:
                n += 1
                now = reader.line_num
                if now - line > 1 and columns > 1:
                    if swallowed_lines(row, delim, columns):
                        raise unclosed_quote_error(self.path, line + 1)
                    if holds_row_like_lines(row, delim, columns) and not checked_lines:
                        # Lines that could be rows inside one cell: if every line of the file is
                        # a row on its own, a stray quotation mark made this cell.
                        checked_lines = True
                        if file_lines_are_rows(self.path, self.encoding, delim, columns):
                            raise unclosed_quote_error(self.path, line + 1)
                line = now
                if n > skip:
                    yield n, row
            # A quote opened on the last line runs to the end of the file within one line.
            if row and any(v.endswith(("\n", "\r")) for v in row) and swallowed_lines(row, delim, columns, at_end=True):
                raise unclosed_quote_error(self.path, line)
        except UnicodeDecodeError:
            bad = _first_bad_line(self.path, self.encoding)
            raise UnreadableFileError(
                _("Cannot import “{file}”: line {line} is not valid {encoding} text (the file may mix encodings). Choose another encoding or save the file again as UTF-8.").format(
                    file=self.path.name, line=bad or line + 1, encoding=self.encoding)) from None
        except csv.Error as exc:
            raise UnreadableFileError(
                _("Cannot import “{file}”: line {line} cannot be read as CSV ({reason}).").format(
                    file=self.path.name, line=reader.line_num, reason=exc)) from None
        finally:
            text.close()


def _first_bad_line(path: Path, encoding: str) -> int | None:
    if encoding.lower().startswith("utf-16"):
        return None
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return n
    return None


def decode_whole(path: Path, encoding: str) -> str:
    try:
        return path.read_bytes().decode(encoding, errors="strict")
    except UnicodeDecodeError:
        line = _first_bad_line(path, encoding)
        raise UnreadableFileError(
            _("Cannot import “{file}”: line {line} is not valid {encoding} text (the file may mix encodings). Choose another encoding or save the file again as UTF-8.").format(
                file=path.name, line=line or "?", encoding=encoding)) from None
    except LookupError:
        raise UnreadableFileError(_("Unknown text encoding “{encoding}”.").format(encoding=encoding)) from None
