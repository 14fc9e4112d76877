"""Delimited text (CSV, TSV, TXT): rows, stray quotes and whole-file decoding."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path
from typing import Iterator

from cxdesk.core.errors import UnreadableFileError
from cxdesk.i18n import _

MAX_FIELD = 50_000_000

csv.field_size_limit(MAX_FIELD)


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


class LineRecords:
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
            reader = LineRecords(text, self.delimiter, self.columns)
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
