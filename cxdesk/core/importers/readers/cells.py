"""Cell values as the owner sees them."""

from __future__ import annotations

from datetime import date, datetime, time


# Excel error values: a cell holding one of these holds no value.
ERROR_VALUES = frozenset({"#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#N/A N/A"})


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
