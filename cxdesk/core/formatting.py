"""How numbers, shares and days are written for the owner, the same in the window and on the command line."""

from __future__ import annotations

from datetime import date

from cxdesk.core.errors import InvalidValueError
from cxdesk.i18n import _

NONE = "–"   # a value that cannot be given (no rows, no earlier period)


def percent(share: float | None, digits: int = 1) -> str:
    """A share 0..1 as a percentage: 0.1234 -> "12.3%"; None -> "–"."""
    return NONE if share is None else f"{share * 100:.{digits}f}%"


def points(change: float | None, digits: int = 1) -> str:
    """A change of a share in percentage points, signed: 0.021 -> "+2.1"; None -> "–"."""
    return NONE if change is None else f"{change * 100:+.{digits}f}"


def count(n: int) -> str:
    """A count with thousands separators: 12345 -> "12,345"."""
    return f"{n:,}"


def decimal(value: float | None, digits: int = 2) -> str:
    """A mean rating or similar: 4.256 -> "4.26"; None -> "–"."""
    return NONE if value is None else f"{value:.{digits}f}"


def score(value: float | None) -> str:
    """A sentiment score 0..1 on the 0–100 scale the owner sees: 0.734 -> "73"; None -> "–"."""
    return NONE if value is None else f"{value * 100:.0f}"


def day_range(first: date | None, last: date | None) -> str:
    """"2024-03-01 – 2024-03-31", or one day, or "–" when unknown."""
    if first is None and last is None:
        return NONE
    if first == last or last is None:
        return first.isoformat()
    if first is None:
        return last.isoformat()
    return f"{first.isoformat()} – {last.isoformat()}"


def parse_day(value: str | None, option: str) -> date | None:
    """A day given as YYYY-MM-DD on the command line (`option` names where, e.g. "--from"); None if empty.

    Raises InvalidValueError with one sentence the owner can act on.
    """
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValueError(
            _("{option}: “{value}” is not a date; write it as YYYY-MM-DD, e.g. 2024-03-05.").format(
                option=option, value=value)) from None
