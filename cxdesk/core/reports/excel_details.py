"""The detail sheets of the summary workbook: every feedback row of the filter, streamed from SQLite.

XlsxWriter spends about 15 µs per cell, most of a big summary; the detail rows are written as sheet XML
into temporary files with the same markup and style numbers, and spliced into the saved workbook.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

from cxdesk.core.filters import FeedbackFilter, filter_sql
from cxdesk.core.progress import Progress
from cxdesk.core.reports import LABEL_NAMES
from cxdesk.core.reports.excel_book import (CJK_WIDTH, FMT_DATETIME, FMT_RATING, MAX_SHEET_ROWS, _Book, _Sheet,
                                            _row_height)
from cxdesk.i18n import N_, _

DETAILS_NAME = N_("Details")




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


def _detail_cursors(db, where: str, params) -> tuple:
    """Dated rows in time order, then undated ones: two index scans, no sort of a million rows.
    Topics joined by SQLite's own JSON functions; anything that is not a JSON list is shown as stored."""
    select = ("SELECT f.created_at, f.channel, f.rating, f.label, CASE WHEN json_valid(f.topics) "
              "AND json_type(f.topics) = 'array' THEN (SELECT group_concat(value, '、') FROM json_each(f.topics)) "
              "ELSE f.topics END, f.text FROM feedback f ")
    return (db.execute(f"{select} WHERE {where} AND f.created_at IS NOT NULL ORDER BY f.created_at, f.id", params),
            db.execute(f"{select} WHERE {where} AND f.created_at IS NULL ORDER BY f.id", params))


def _write_details(book: _Book, db, flt: FeedbackFilter, progress: Progress) -> tuple[list[str], int]:
    """Stream the feedback rows; more rows than a sheet holds continue on “明细 (2)”, …"""
    max_rows = MAX_SHEET_ROWS - 1
    base = _(DETAILS_NAME)
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
    cursors = _detail_cursors(db, where, params)
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
