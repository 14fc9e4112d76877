"""Text clean-up before analysis: HTML entities and tags, control characters, traditional → simplified.

The stored text is never changed; these functions produce the form that segmentation, topics and the
sentiment model see. Platform exports carry `&amp;` and `<br>` (BAD_INPUTS #39); traditional Chinese
scores worse with models trained on simplified text (#36), so it is converted first.
"""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<\s*(br|p|div|li|tr)\b[^>]*>|</\s*(p|div|li|tr)\s*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[a-zA-Z/!][^<>]{0,200}>")
# Control characters except tab/newline, zero-width characters and the BOM.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_FULLWIDTH = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0xFF10, 0xFF5B)
              if unicodedata.normalize("NFKC", chr(cp)).isalnum()}


def clean_text(text: str | None) -> str:
    """Unescape HTML, turn line-break tags into newlines, drop other tags and control characters."""
    if not text:
        return ""
    value = str(text)
    if "&" in value:
        # Some exports escape twice (`&amp;lt;br&amp;gt;`).
        for _i in range(2):
            unescaped = html.unescape(value)
            if unescaped == value:
                break
            value = unescaped
    if "<" in value:
        value = _TAG.sub("\n", value)
        value = _ANY_TAG.sub(" ", value)
    value = _CONTROL.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _SPACES.sub(" ", value)
    value = _NEWLINES.sub("\n", value)
    return value.strip()


def has_traditional(text: str) -> bool:
    from cxdesk.core.analysis.sentiment import is_traditional

    return bool(text) and is_traditional(text)


def to_simplified(text: str) -> str:
    """Traditional Chinese → simplified (OpenCC t2s, shared with the sentiment model)."""
    from cxdesk.core.analysis import sentiment

    return sentiment.to_simplified(text)


def normalize(text: str | None) -> str:
    """The form every analysis step works on: cleaned, simplified, full-width letters and digits folded."""
    value = clean_text(text)
    if not value:
        return ""
    value = to_simplified(value)
    # NFKC would also turn full-width punctuation (，！) into ASCII; fold only letters and digits.
    return value.translate(_FULLWIDTH)


def detect_lang(text: str | None) -> str:
    """`zh`, `en`, `other` or `none` (no letters: empty, emoji, numbers, punctuation), as the
    sentiment model decides it."""
    from cxdesk.core.analysis import sentiment

    return sentiment.detect_language(sentiment.normalize_text(text))


__all__ = ["clean_text", "to_simplified", "has_traditional", "normalize", "detect_lang"]


def sentence_units(texts, split) -> tuple[list[str], list[int]]:
    """Texts cut into the units a model scores: the parts `split(text)` returns when there are two or
    more, else the whole text; with, for each unit, the index of the text it came from."""
    units: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        parts = split(text)
        if len(parts) > 1:
            units.extend(parts)
            owner.extend([i] * len(parts))
        else:
            units.append(text)
            owner.append(i)
    return units, owner
