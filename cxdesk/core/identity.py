"""Who wrote a review: placeholder authors (匿名用户, a***), ids Excel mangled, and the content key of a row.

Both an import and the schema migration that re-keyed older rows (version 80) use these, so they live
apart from the importer.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_RX_FLOAT_ID = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
_PLACEHOLDER_AUTHORS = frozenset(
    normalize for normalize in (
        "匿名", "匿名用户", "匿名买家", "匿名客户", "匿名顾客", "匿名网友", "用户已注销", "已注销", "注销用户", "该用户已注销",
        "账号已注销", "未知", "未知用户", "游客", "访客", "无", "暂无", "-", "--", "—", "null", "none", "n/a",
        "anonymous", "anonymous user", "guest", "unknown", "deleted user", "用户", "买家", "客户", "顾客",
        "淘宝用户", "天猫用户", "京东用户", "美团用户", "饿了么用户", "抖音用户", "点评用户", "微信用户", "匿名评价"))


def is_placeholder_author(author: str | None) -> bool:
    """True for names that platforms give to anyone (匿名用户, 用户已注销) or masks such as `a***`, `张**`."""
    if author is None:
        return True
    s = author.strip()
    if not s or s in _PLACEHOLDER_AUTHORS:
        return True
    if not s.isascii() and not unicodedata.is_normalized("NFKC", s):
        s = unicodedata.normalize("NFKC", s).strip()   # full-width ＊, compatibility forms
    if "*" in s:
        return len(s.replace("*", "").strip()) <= 4
    return s.lower() in _PLACEHOLDER_AUTHORS


def looks_mangled_id(value: str) -> bool:
    """An id Excel turned into a float: `1.23457E+17`, or 16+ digits ending in the zeros Excel pads with."""
    if len(value) < 16 and "e" not in value and "E" not in value:
        return False
    if _RX_FLOAT_ID.fullmatch(value):
        return True
    digits = value.lstrip("+-")
    if len(digits) >= 16 and digits.isdigit() and digits.isascii() and not digits[15:].strip("0"):
        return True
    return False


def plain_content_key(author, created, precision, time_raw, text) -> str | None:
    """The content key of a row with a real author (rows without one are numbered in file order)."""
    if author is None or is_placeholder_author(author):
        return None
    tkey = created if precision in ("second", "minute") else (created[:10] if created else time_raw or "")
    return "ath:" + hashlib.blake2b(f"{author}\x1f{tkey}\x1f{text}".encode("utf-8"), digest_size=16).digest().hex()
