"""How numbers, shares and days are written for the owner, the same in the window and on the command line."""

from __future__ import annotations

from datetime import date, datetime

from cxdesk.core.errors import InvalidValueError
from cxdesk.i18n import _, language

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


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _english() -> bool:
    return language().startswith("en")


def _as_datetime(value) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date)):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    except ValueError:
        return None


def day_text(value, *, year: bool = True) -> str:
    """A day in the UI language's way, never the ambiguous 12/5/2026: “2026-12-05” in Chinese,
    “5 Dec 2026” in English; without its `year` (a range inside one table or chart): “12-05” / “5 Dec”.
    Takes a date, a datetime or stored text; unreadable text is shown as is."""
    when = _as_datetime(value)
    if when is None:
        return NONE if value in (None, "") else str(value)
    if _english():
        return f"{when.day} {_MONTHS_EN[when.month - 1]}" + (f" {when.year}" if year else "")
    return (f"{when.year:04d}-" if year else "") + f"{when.month:02d}-{when.day:02d}"


def time_text(value) -> str:
    """A day and time of day: “2026-12-05 14:30” / “5 Dec 2026 14:30”; a bare day as `day_text`."""
    when = _as_datetime(value)
    if not isinstance(when, datetime):
        return day_text(value)
    return f"{day_text(when)} {when.hour:02d}:{when.minute:02d}"


def short_day_text(value) -> str:
    """A day without its year: “12-05” in Chinese, “5 Dec” in English."""
    return day_text(value, year=False)


def month_abbreviation(month: int) -> str:
    """“Dec” for 12: English month names are the same in every UI language's English text."""
    return _MONTHS_EN[month - 1]


def qt_date_format() -> str:
    """The same day format for Qt's date fields (QDateEdit.setDisplayFormat)."""
    return "d MMM yyyy" if _english() else "yyyy-MM-dd"


def score_of_100(value: float | None) -> str:
    """A sentiment score with its scale, so it is never read as a share: 0.734 -> "73/100"; None -> "–"."""
    return NONE if value is None else f"{score(value)}/100"


def day_range(first: date | None, last: date | None) -> str:
    """"2024-03-01 – 2024-03-31" (in the UI language's day format), or one day, or "–" when unknown."""
    if first is None and last is None:
        return NONE
    if first == last or last is None:
        return day_text(first)
    if first is None:
        return day_text(last)
    return f"{day_text(first)} – {day_text(last)}"


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
