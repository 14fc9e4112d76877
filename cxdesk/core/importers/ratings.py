"""Turn the ways shops write a rating (`4`, `8/10`, `85`, `4.5分`, `五星`, `★★★★☆`, `好评`) into 1..5.

Numbers without a unit are read on the column's scale (1–5, 1–10 or 0–100), decided once per
column by `detect_scale`; values carrying their own unit (stars, `星`, `x/10`, `%`, words) say
their scale themselves. Full-width digits are folded by NFKC first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cxdesk.i18n import _

SCALES = {"5": (1.0, 5.0), "10": (1.0, 10.0), "100": (0.0, 100.0)}

_WORDS = {
    "好评": 5.0, "中评": 3.0, "差评": 1.0, "追评": None,
    "非常满意": 5.0, "很满意": 5.0, "满意": 4.0, "一般": 3.0, "基本满意": 3.0, "不满意": 2.0,
    "非常不满意": 1.0, "很不满意": 1.0,
    "非常好": 5.0, "很好": 5.0, "好": 4.0, "较差": 2.0, "差": 1.0, "很差": 1.0, "非常差": 1.0,
    "推荐": 5.0, "力荐": 5.0, "还行": 3.0, "较差评": 2.0,
    "positive": 5.0, "neutral": 3.0, "negative": 1.0, "good": 4.0, "bad": 1.0,
    "excellent": 5.0, "poor": 2.0, "average": 3.0,
}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}

_RX_NUM = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(星|颗星|分|stars?|points?|pts?|%)?$", re.I)
_RX_FRACTION = re.compile(r"^(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)$")
_RX_CN = re.compile(r"^([零一二两三四五六七八九十])\s*(星|颗星|分)(?:好评)?$")
_RX_STARS_PREFIX = re.compile(r"^(?:星级|评分|打分|rating|score)\s*[:：]?\s*", re.I)


@dataclass(frozen=True)
class ParsedRating:
    value: float     # 1..5
    scale: str       # "5" | "10" | "100" | "words" | "stars"
    below_scale: bool = False   # a half star under the lowest rating (Meituan's `0.5分`), counted as 1


class RatingParseError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _to_five(number: float, scale: str) -> float:
    lo, hi = SCALES[scale]
    if number < lo or number > hi:
        raise RatingParseError(
            _("outside the {low}–{high} rating scale").format(low=_fmt(lo), high=_fmt(hi)))
    return round(1.0 + (number - lo) * 4.0 / (hi - lo), 2)


def _rated(number: float, scale: str, kind: str | None = None) -> ParsedRating:
    lo = SCALES[scale][0]
    if lo == 1.0 and 0.0 < number < lo:
        # Platforms that allow half stars give `0.5分`: the lowest rating, not a broken value.
        return ParsedRating(1.0, kind or scale, below_scale=True)
    return ParsedRating(_to_five(number, scale), kind or scale)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def parse_rating(value, scale: str = "5") -> ParsedRating | None:
    """One cell → rating on 1..5; None if empty; raises `RatingParseError` (translated reason)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise RatingParseError(_("not a rating"))
    if isinstance(value, (int, float)):
        if value != value:
            return None
        return _rated(float(value), scale)
    s = str(value).strip()
    if not s:
        return None
    s = unicodedata.normalize("NFKC", s).strip()
    s = _RX_STARS_PREFIX.sub("", s)
    low = s.lower()
    if low in _WORDS:
        v = _WORDS[low]
        if v is None:
            return None
        return ParsedRating(v, "words")
    filled = s.count("★") + s.count("⭐")
    empty = s.count("☆")
    if filled + empty and not s.strip("★⭐☆ \u2b50"):
        total = filled + empty if filled + empty > 5 else 5
        if filled == 0:
            raise RatingParseError(_("no filled stars"))
        return _rated(float(filled), "10" if total == 10 else "5", "stars")
    m = _RX_NUM.match(s)
    if m:
        number = float(m.group(1))
        unit = (m.group(2) or "").lower()
        if unit in ("星", "颗星") or unit.startswith("star"):
            return _rated(number, "5")
        if unit == "%":
            return _rated(number, "100")
        return _rated(number, scale)
    m = _RX_FRACTION.match(s)
    if m:
        number, top = float(m.group(1)), float(m.group(2))
        if top <= 0 or number > top:
            raise RatingParseError(_("not a rating"))
        if top == 5:
            return _rated(number, "5")
        if top == 10:
            return _rated(number, "10")
        return _rated(number * 100.0 / top, "100")
    m = _RX_CN.match(s)
    if m:
        return _rated(float(_CN_DIGITS[m.group(1)]), "5")
    raise RatingParseError(_("not a rating"))


def detect_scale(values) -> str:
    """The scale of bare numbers in a column: 1–5, 1–10 or 0–100.

    The smallest scale that holds every value, except that in a column of ten or more numbers one stray
    value in fifty (a typo such as 11 among stars) does not change the scale: it is read as out of scale
    and left unrated instead of turning every 5 into 1.2 stars.
    """
    numbers: list[float] = []
    for v in values:
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, (int, float)):
            number = float(v)
        else:
            s = unicodedata.normalize("NFKC", str(v)).strip()
            m = _RX_NUM.match(s)
            if not m or m.group(2):
                continue
            number = float(m.group(1))
        if number == number:
            numbers.append(number)
    strays = max(1, len(numbers) // 50) if len(numbers) >= 10 else 0
    for scale, top in (("5", 5), ("10", 10)):
        if sum(1 for x in numbers if x > top) <= strays:
            return scale
    return "100"


def looks_like_rating(values) -> bool:
    """Content test for a column with no telling header: words, stars or small whole numbers only."""
    seen = 0
    numbers: set[float] = set()
    for v in values:
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if not (1 <= v <= 5 and float(v) * 2 == int(float(v) * 2)):
                return False
            numbers.add(float(v))
        else:
            s = unicodedata.normalize("NFKC", str(v)).strip()
            if _RX_NUM.match(s) and not _RX_NUM.match(s).group(2):
                try:
                    number = float(s)
                except ValueError:
                    return False
                if not (1 <= number <= 5 and number * 2 == int(number * 2)):
                    return False
                numbers.add(number)
            else:
                try:
                    parse_rating(s)
                except RatingParseError:
                    return False
                numbers.add(-1.0)
        seen += 1
    # A column of bare numbers is a rating only if it varies (a constant 1 is more likely a flag).
    return seen >= 3 and (len(numbers) >= 2 or -1.0 in numbers)
