"""Turn the many ways review exports write a time into a local datetime and its precision.

Handled: datetime cells, Excel serial numbers (1900 and 1904 systems), epoch seconds and
milliseconds, `20240305`, ISO with or without a zone, `2024/3/5 14:02`, `2024年3月5日 下午2:02`,
year-less `3月5日 14:02` / `03-05 14:02` (year from the reference time, never in the future),
`03/05/2024` (day or month first, decided per column), two-digit years `24-3-5`, and relative
forms (`刚刚`, `3小时前`, `2天前`, `昨天 10:21`, `前天`, `上周`) resolved against a reference time.
Trailing words are ignored, so `2023-08-13 更新于2023-08-14` is the first date.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cxdesk.i18n import _

PRECISIONS = ("second", "minute", "hour", "day", "week", "month")

_EXCEL_1900 = datetime(1899, 12, 30)
_EXCEL_1904 = datetime(1904, 1, 1)
# Serial numbers of plausible review dates (1927..2173); anything else is not a time.
_SERIAL_MIN, _SERIAL_MAX = 10_000.0, 100_000.0
_EPOCH_S_MIN, _EPOCH_S_MAX = 3.0e8, 4.2e9          # 1979..2103
_EPOCH_MS_MIN, _EPOCH_MS_MAX = 3.0e11, 4.2e12


@dataclass(frozen=True)
class ParsedTime:
    value: datetime          # naive local time, whole seconds
    precision: str           # one of PRECISIONS

    def text(self) -> str:
        return self.value.isoformat(sep=" ")


class TimeParseError(ValueError):
    """The value is not a time cxdesk understands; `reason` is a translated sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _not_a_time() -> TimeParseError:
    return TimeParseError(_("not a date or time cxdesk understands"))


def _impossible() -> TimeParseError:
    return TimeParseError(_("this date does not exist in the calendar"))


# ------------------------------------------------------------------------------------------
# Numbers


def from_excel_serial(serial: float, *, epoch1904: bool = False) -> datetime:
    base = _EXCEL_1904 if epoch1904 else _EXCEL_1900
    # Round to whole seconds: Excel stores 14:02 as 0.584722222..., never exactly.
    return base + timedelta(seconds=round(serial * 86400))


def _precision_of(dt: datetime) -> str:
    if dt.second:
        return "second"
    if dt.hour or dt.minute:
        return "minute"
    return "day"


def parse_number(number: float, *, epoch1904: bool = False) -> ParsedTime:
    if number != number or number in (float("inf"), float("-inf")):
        raise _not_a_time()
    if number.is_integer() and 19000101 <= number <= 21001231:
        text = str(int(number))
        try:
            return ParsedTime(datetime(int(text[:4]), int(text[4:6]), int(text[6:])), "day")
        except ValueError:
            pass
    if _SERIAL_MIN <= number <= _SERIAL_MAX:
        dt = from_excel_serial(number, epoch1904=epoch1904)
        return ParsedTime(dt, _precision_of(dt))
    if _EPOCH_S_MIN <= number <= _EPOCH_S_MAX:
        dt = datetime.fromtimestamp(round(number))
        return ParsedTime(dt, "second")
    if _EPOCH_MS_MIN <= number <= _EPOCH_MS_MAX:
        dt = datetime.fromtimestamp(round(number / 1000))
        return ParsedTime(dt, "second")
    raise TimeParseError(_("the number is neither an Excel date nor a timestamp"))


# ------------------------------------------------------------------------------------------
# Text

_TIME_PART = (
    r"(?:[T\s,，]*(?P<ampm>上午|下午|中午|晚上|凌晨|早上|AM|PM|am|pm)?\s*"
    r"(?P<H>\d{1,2})\s*[:时點点]\s*(?P<M>\d{1,2})\s*分?"
    r"(?:\s*[:：]?\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?"
    r"\s*(?P<ampm2>AM|PM|am|pm)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|UTC|GMT)?"
)
_END = r"(?=\s|$|[^\d:])"

_RX_YMD = re.compile(
    r"(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*[日号]?" + _TIME_PART
)
_RX_YM = re.compile(r"(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*月?$")
_RX_YY_MD = re.compile(r"(?P<y>\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)" + _TIME_PART)
_RX_MDY = re.compile(r"(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})" + _TIME_PART)
_RX_MD = re.compile(r"(?P<m>\d{1,2})\s*(?:月|[-/])\s*(?P<d>\d{1,2})\s*[日号]?" + _TIME_PART)
_RX_TIME_ONLY = re.compile(r"\s*(?P<ampm>上午|下午|中午|晚上|凌晨|早上)?\s*(?P<H>\d{1,2})\s*[:时点]\s*(?P<M>\d{1,2})\s*分?"
                           r"(?:\s*:\s*(?P<S>\d{1,2}))?")
_RX_AGO = re.compile(r"(?P<n>\d+|半|一|两|二|三|四|五|六|七|八|九|十|几)\s*(?P<unit>秒钟?|分钟|分|个?小时|个?钟头|天|日|个?星期|周|个月|月|年)\s*(?:以)?前")
_RX_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?$")
_RX_ISO_FAST = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:\d{2})?$")

_CN_NUM = {"半": 0.5, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9, "十": 10, "几": 3}
_DAY_WORDS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3}


def _clock(m: re.Match) -> tuple[int, int, int, bool]:
    """(hour, minute, second, has_seconds) from a match of _TIME_PART; (0,0,0,False) if absent."""
    if m.group("H") is None:
        return 0, 0, 0, False
    hour, minute = int(m.group("H")), int(m.group("M"))
    second = int(m.group("S")) if m.group("S") else 0
    ampm = m.groupdict().get("ampm") or m.groupdict().get("ampm2")
    if ampm:
        if ampm in ("下午", "晚上", "PM", "pm") and hour < 12:
            hour += 12
        elif ampm in ("上午", "凌晨", "早上", "AM", "am") and hour == 12:
            hour = 0
    if hour > 23 or minute > 59 or second > 59:
        raise _impossible()
    return hour, minute, second, m.group("S") is not None


def _apply_zone(dt: datetime, tz: str | None) -> datetime:
    if not tz:
        return dt
    from datetime import timezone

    if tz in ("Z", "UTC", "GMT"):
        offset = timedelta(0)
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
    aware = dt.replace(tzinfo=timezone(offset))
    return aware.astimezone().replace(tzinfo=None)


def _build(y: int, mo: int, d: int, m: re.Match) -> ParsedTime:
    hour, minute, second, has_s = _clock(m)
    try:
        dt = datetime(y, mo, d, hour, minute, second)
    except ValueError:
        raise _impossible() from None
    dt = _apply_zone(dt, m.groupdict().get("tz"))
    if m.group("H") is None:
        precision = "day"
    else:
        precision = "second" if has_s else "minute"
    return ParsedTime(dt, precision)


def _relative(s: str, reference: datetime) -> ParsedTime | None:
    if s in ("刚刚", "刚才", "刚刚发布", "just now"):
        return ParsedTime(reference.replace(microsecond=0), "minute")
    m = _RX_AGO.search(s)
    if m:
        raw = m.group("n")
        n = float(raw) if raw.isdigit() else _CN_NUM[raw]
        unit = m.group("unit")
        if unit.startswith("秒"):
            return ParsedTime((reference - timedelta(seconds=n)).replace(microsecond=0), "second")
        if unit in ("分钟", "分"):
            return ParsedTime((reference - timedelta(minutes=n)).replace(microsecond=0, second=0), "minute")
        if "时" in unit or "钟头" in unit:
            return ParsedTime((reference - timedelta(hours=n)).replace(microsecond=0, second=0), "hour")
        if unit in ("天", "日"):
            return ParsedTime(datetime.combine(reference.date() - timedelta(days=n), time()), "day")
        if "星期" in unit or unit == "周":
            return ParsedTime(datetime.combine(reference.date() - timedelta(weeks=n), time()), "week")
        if unit in ("个月", "月"):
            return ParsedTime(datetime.combine(reference.date() - timedelta(days=round(30 * n)), time()), "month")
        if unit == "年":
            return ParsedTime(datetime.combine(reference.date() - timedelta(days=round(365 * n)), time()), "month")
    for word, back in sorted(_DAY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if s.startswith(word):
            day = reference.date() - timedelta(days=back)
            rest = s[len(word):]
            tm = _RX_TIME_ONLY.match(rest)
            if tm:
                hour, minute, second, has_s = _clock(tm)
                return ParsedTime(datetime.combine(day, time(hour, minute, second)), "second" if has_s else "minute")
            return ParsedTime(datetime.combine(day, time()), "day")
    if s.startswith("上周") or s.startswith("上星期"):
        monday = reference.date() - timedelta(days=reference.weekday() + 7)
        return ParsedTime(datetime.combine(monday, time()), "week")
    if s.startswith("上个月") or s.startswith("上月"):
        first = reference.date().replace(day=1) - timedelta(days=1)
        return ParsedTime(datetime(first.year, first.month, 1), "month")
    return None


def _year_less(mo: int, d: int, m: re.Match, reference: datetime) -> ParsedTime:
    # The export year, or the year before when the date would lie after the export (BAD_INPUTS #30).
    for year in (reference.year, reference.year - 1):
        try:
            parsed = _build(year, mo, d, m)
        except TimeParseError:
            if mo == 2 and d == 29:
                continue
            raise
        if parsed.value <= reference or year != reference.year:
            return parsed
    raise _impossible()


def parse_text(value: str, reference: datetime, *, day_first: bool | None = None,
               epoch1904: bool = False) -> ParsedTime:
    s = value.strip()
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s).strip()
    if _RX_ISO_FAST.match(s):
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            raise _impossible() from None
        if dt.tzinfo is not None:
            dt = dt.astimezone().replace(tzinfo=None)
        if len(s) == 10:
            return ParsedTime(dt, "day")
        return ParsedTime(dt.replace(microsecond=0), "second" if s[16:17] == ":" else "minute")
    if _RX_NUMBER.match(s):
        return parse_number(float(s), epoch1904=epoch1904)
    m = _RX_YMD.match(s)
    if m:
        return _build(int(m.group("y")), int(m.group("m")), int(m.group("d")), m)
    m = _RX_YM.match(s)
    if m:
        try:
            return ParsedTime(datetime(int(m.group("y")), int(m.group("m")), 1), "month")
        except ValueError:
            raise _impossible() from None
    m = _RX_MDY.match(s)
    if m:
        a, b = int(m.group("a")), int(m.group("b"))
        if a > 12 or (day_first and b <= 12):
            day, month = a, b
        else:
            month, day = a, b
        return _build(int(m.group("y")), month, day, m)
    m = _RX_YY_MD.match(s)
    if m and int(m.group("y")) > 12:
        return _build(2000 + int(m.group("y")), int(m.group("m")), int(m.group("d")), m)
    rel = _relative(s, reference)
    if rel is not None:
        return rel
    m = _RX_MD.match(s)
    if m:
        return _year_less(int(m.group("m")), int(m.group("d")), m, reference)
    m = _RX_YMD.search(s)  # a date after some words, e.g. "发表于 2024-03-05"
    if m:
        return _build(int(m.group("y")), int(m.group("m")), int(m.group("d")), m)
    raise _not_a_time()


def parse_time(value, reference: datetime, *, day_first: bool | None = None,
               epoch1904: bool = False) -> ParsedTime | None:
    """Parse one cell; None for an empty cell; raises `TimeParseError` with a translated reason."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return ParsedTime(value.replace(microsecond=0, tzinfo=None) if value.tzinfo is None
                          else value.astimezone().replace(tzinfo=None, microsecond=0), _precision_of(value))
    if isinstance(value, date):
        return ParsedTime(datetime(value.year, value.month, value.day), "day")
    if isinstance(value, bool):
        raise _not_a_time()
    if isinstance(value, (int, float)):
        return parse_number(float(value), epoch1904=epoch1904)
    if isinstance(value, time):
        raise TimeParseError(_("a time of day without a date"))
    text = str(value)
    if not text.strip():
        return None
    return parse_text(text, reference, day_first=day_first, epoch1904=epoch1904)


def guess_day_first(values) -> bool | None:
    """For `03/05/2024`-style columns: True if some value only works day-first, False if month-first."""
    for v in values:
        if not isinstance(v, str):
            continue
        m = _RX_MDY.match(v.strip())
        if m:
            a, b = int(m.group("a")), int(m.group("b"))
            if a > 12 >= b:
                return True
            if b > 12 >= a:
                return False
    return None
