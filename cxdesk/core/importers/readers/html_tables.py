"""HTML tables: the "xls" exports of many Chinese platforms."""

from __future__ import annotations

from html.parser import HTMLParser


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
