"""Customer text made safe for a spreadsheet cell, with counts of what had to be changed.

The cleaning itself is `cxdesk.core.safe_cells.clean_text`, shared by every export; the report only
adds whether a text was cut or cleaned, so it can tell the owner.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxdesk.core.safe_cells import _ILLEGAL, EXCEL_CELL_LIMIT, clean_text, cut_marker

__all__ = ["CellText", "EXCEL_CELL_LIMIT", "cut_marker", "excel_text"]


@dataclass(frozen=True)
class CellText:
    text: str
    cut: bool = False
    cleaned: bool = False


def excel_text(value) -> CellText:
    """`value` as a string an xlsx cell can hold: control characters removed, cut with a marker."""
    if value is None:
        return CellText("")
    text = value if isinstance(value, str) else str(value)
    cleaned = _ILLEGAL.search(text) is not None
    if not cleaned and len(text) <= EXCEL_CELL_LIMIT:
        return CellText(text)
    out = clean_text(text)
    return CellText(out, cut=len(_ILLEGAL.sub("", text)) > EXCEL_CELL_LIMIT, cleaned=cleaned)
