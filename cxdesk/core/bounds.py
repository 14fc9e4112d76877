"""Sane bounds for every date a query, chart, report or evaluation works with.

A database may hold dates no real review has (`9999-12-31`, .NET's empty `0001-01-01`) from files
imported before such values were refused, and owners type dates too (`--to 9999-12-31`). Walking
from 0001 to 9999 in weeks makes half a million empty rows, and a day after 9999-12-31 does not
exist. Every date that becomes a period, a bucket or a window passes through `clamp_day`; stored
dates outside the bounds count as "no date" in trends.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

# Before this no shop collected online reviews; the importer flags such dates as implausible too.
EARLIEST = date(2000, 1, 1)
# How far ahead a date may lie (planned go-live dates, a period ending next year).
YEARS_AHEAD = 10


def latest(today: date | None = None) -> date:
    today = today or date.today()
    return date(today.year + YEARS_AHEAD, 12, 31)


def clamp_day(value: date | None, *, today: date | None = None) -> date | None:
    """`value` moved into [EARLIEST, latest()] (None stays None; a datetime becomes its day)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return min(max(value, EARLIEST), latest(today))


def is_plausible(value: date | None, *, today: date | None = None) -> bool:
    return value is not None and EARLIEST <= value <= latest(today)


def day_or_none(text) -> date | None:
    """A stored 'YYYY-MM-DD…' text as a date within the bounds, or None if unreadable or out of bounds."""
    if not text:
        return None
    try:
        value = date.fromisoformat(str(text)[:10])
    except ValueError:
        return None
    return value if is_plausible(value) else None


def clamp_stored_day(text) -> date | None:
    """A stored 'YYYY-MM-DD…' text (a go-live date) as a date moved into the bounds; None if unreadable."""
    if not text:
        return None
    try:
        return clamp_day(date.fromisoformat(str(text)[:10]))
    except ValueError:
        return None


def add_days(value: date, days: int) -> date:
    """`value + days`, stopping at the calendar's ends instead of raising OverflowError."""
    try:
        return value + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min
