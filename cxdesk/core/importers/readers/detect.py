"""What a file is, from its first bytes (never its extension), and whether a workbook is safe to open."""

from __future__ import annotations

import codecs
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cxdesk.core.errors import EmptyFileError, UnreadableFileError
from cxdesk.i18n import _

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# Budgets for what a workbook may expand to before we parse it (BAD_INPUTS #6).
MAX_UNCOMPRESSED = 2_000_000_000
MAX_RATIO = 200
RATIO_CHECK_ABOVE = 20_000_000


@dataclass
class FileFacts:
    """What the first look at a file found out, before any rows are read."""

    file_type: str                       # xlsx | xls | html | csv
    warnings: list[str] = field(default_factory=list)
    epoch1904: bool = False
    bom_encoding: str | None = None
    html_charset: str | None = None


def refuse(path: Path, problem: str) -> UnreadableFileError:
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
            raise refuse(path, _("it is not an ordinary file (a pipe, socket or device). Save the data as a file first."))
        with path.open("rb") as fh:
            head = fh.read(65536)
    except FileNotFoundError:
        raise refuse(path, _("the file does not exist.")) from None
    except IsADirectoryError:
        raise refuse(path, _("this is a folder, not a file.")) from None
    except OSError as exc:
        raise refuse(path, _("the file cannot be opened ({reason}). Close it in Excel and try again.").format(
            reason=exc.strerror or exc)) from None
    if path.name.startswith("~$"):
        raise refuse(path, _("this is Excel's temporary lock file, not your data. Choose the file without “~$” in its name."))
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
            raise refuse(path, _("it is {kind}, not a table. Export it as .xlsx or .csv.").format(kind=kind))
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
        raise refuse(path, _("it is an “XML Spreadsheet 2003” file. Open it in Excel and save it as .xlsx."))
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
        raise refuse(path, _("it is not a table file cxdesk knows (not Excel, CSV or an HTML table)."))
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
        raise refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
    with zf:
        try:
            infos = zf.infolist()
        except Exception:  # noqa: BLE001 - any damage in the directory
            raise refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
            if "word/document.xml" in names:
                raise refuse(path, _("it is a Word document, not a table. Copy the table into Excel and save it as .xlsx."))
            if any(n.startswith("ppt/") for n in names):
                raise refuse(path, _("it is a PowerPoint file, not a table."))
            if "content.xml" in names:
                raise refuse(path, _("it is an OpenDocument file. Open it and save it as .xlsx."))
            raise refuse(path, _("it is a ZIP archive, not an Excel workbook. Unpack it first."))
        if "xl/workbook.bin" in names:
            raise refuse(path, _("it is a binary workbook (.xlsb). Open it in Excel and save it as .xlsx."))
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise refuse(path, _("the file is password protected. Remove the password in Excel, then import again."))
            total += info.file_size
            if info.file_size > RATIO_CHECK_ABOVE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise refuse(path, _("it would expand to far more data than it holds (a “zip bomb”); it was not opened."))
        if total > MAX_UNCOMPRESSED:
            raise refuse(path, _("it would expand to more than {size} GB; it was not opened.").format(
                size=MAX_UNCOMPRESSED // 1_000_000_000))
        facts = FileFacts("xlsx")
        try:
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    with zf.open(info) as member:
                        start = member.read(4096)
                    if b"<!DOCTYPE" in start or b"<!ENTITY" in start or b"<!doctype" in start:
                        raise refuse(path, _("it contains unsafe content (XML entity declarations); it was not opened."))
            wb_xml = zf.read("xl/workbook.xml")
        except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile, NotImplementedError):
            raise refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
        except Exception as exc:  # zlib.error and friends
            if isinstance(exc, UnreadableFileError):
                raise
            raise refuse(path, _("the file is damaged or incomplete (perhaps the download was interrupted). Download or save it again.")) from None
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
        raise refuse(path, _("the file is password protected. Remove the password in Excel, then import again."))
    if "WordDocument".encode("utf-16-le") in data:
        raise refuse(path, _("it is a Word document, not a table. Copy the table into Excel and save it as .xlsx."))
    return FileFacts("xls")
