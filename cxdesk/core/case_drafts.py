"""Reply drafts for cases and messages for customers told about a change: the shipped templates, the
owner's edits, and the words of a complaint quoted back."""

from __future__ import annotations

import json
import re
from importlib import resources

from cxdesk.core import storage
from cxdesk.core.errors import InvalidValueError
from cxdesk.i18n import _

TEMPLATES_KEY = "cases.reply_templates"


def _load_shipped() -> dict:
    return json.loads((resources.files("cxdesk.core") / "data" / "reply_templates.json").read_text(encoding="utf-8"))


SHIPPED = _load_shipped()


def shipped_topic_templates() -> dict[str, dict[str, str]]:
    """topic -> {zh, en}, merged over every business template (the general one first)."""
    out: dict[str, dict[str, str]] = {}
    for body in SHIPPED["templates"].values():
        for topic, texts in body.items():
            out.setdefault(topic, dict(texts))
    return out


def reply_templates(db) -> dict[str, dict[str, str]]:
    """The templates in use: shipped ones with the owner's edits on top."""
    merged = shipped_topic_templates()
    edits = storage.get_setting(db, TEMPLATES_KEY, {}) or {}
    if isinstance(edits, dict):
        for topic, texts in edits.items():
            if isinstance(texts, dict):
                merged.setdefault(topic, {}).update({k: v for k, v in texts.items()
                                                     if k in ("zh", "en") and isinstance(v, str) and v.strip()})
    return merged


def set_reply_template(db, topic: str, lang: str, text: str) -> None:
    """Store the owner's template for `topic` in `lang` (zh|en); an empty text restores the shipped one."""
    if lang not in ("zh", "en"):
        raise InvalidValueError(_("The language of a reply template is zh or en."))
    edits = storage.get_setting(db, TEMPLATES_KEY, {}) or {}
    entry = dict(edits.get(topic) or {})
    if text and text.strip():
        entry[lang] = text.strip()
    else:
        entry.pop(lang, None)
    edits[topic] = entry
    storage.set_setting(db, TEMPLATES_KEY, edits)


_RX_CLAUSE = re.compile(r"[。！？!?；;，,\n\r.…~～]+")


def text_clauses(text: str) -> list[str]:
    return [c.strip() for c in _RX_CLAUSE.split(text or "") if c.strip()]


def _short(words: str, limit: int = 24) -> str:
    words = " ".join(words.split())
    return words if len(words) <= limit else words[:limit - 1] + "…"


def complaint_words(text: str, synonyms_by_topic: dict[str, tuple[str, ...]], topics: tuple[str, ...]) -> dict[str, str]:
    """topic -> the clause of `text` that names it, for the draft and the highlight: the first one that
    complains ("外卖送得太慢了", not the neutral "点了外卖" before it), else the first that names it."""
    from cxdesk.core.analysis.clauses import score_clause
    from cxdesk.core.analysis.sentiment import normalize_text

    clauses = text_clauses(text)
    out: dict[str, str] = {}
    for topic in topics:
        words = tuple(w for w in synonyms_by_topic.get(topic, ()) if w) + (topic,)
        naming = [c for c in clauses if any(w.lower() in c.lower() for w in words)]
        if naming:
            out[topic] = next((c for c in naming if score_clause(normalize_text(c)).label == "negative"), naming[0])
    return out


def _is_english(text: str, lang: str | None) -> bool:
    if lang:
        return lang == "en"
    letters = sum(ch.isascii() and ch.isalpha() for ch in text or "")
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text or "")
    return letters > 0 and han == 0


def _customer_name(author: str | None, en: bool) -> str:
    name = (author or "").strip()
    if not name or name.lower() in ("匿名", "匿名用户", "anonymous", "none", "null"):
        return "customer" if en else "亲爱的顾客"
    return name[:30]


def make_draft(text: str, author: str | None, topics: tuple[str, ...], *, lang: str | None = None,
               templates: dict[str, dict[str, str]] | None = None,
               synonyms: dict[str, tuple[str, ...]] | None = None) -> str:
    """A reply in the owner's voice: greeting, one sentence per complaint topic with the customer's
    words, closing. Never empty: without topics (or templates for them) a general sentence stands in."""
    en = _is_english(text, lang)
    key = "en" if en else "zh"
    frame = SHIPPED["frame"][key]
    templates = templates if templates is not None else shipped_topic_templates()
    found = complaint_words(text, synonyms or {}, topics)
    name = _customer_name(author, en)
    parts = [frame["greeting"].format(name=name)]
    body = []
    for topic in topics:
        template = (templates.get(topic) or {}).get(key)
        if not template:
            continue
        words = _short(found.get(topic) or topic)
        body.append(_fill(template, name=name, words=words))
    if not body:
        clauses = text_clauses(text)
        body.append(frame["general"].format(words=_short(clauses[0])) if clauses else frame["general_nowords"])
    parts.extend(body)
    parts.append(frame["closing"])
    return " ".join(parts) if en else "".join(parts)


def _fill(template: str, **values: str) -> str:
    # Owner-edited templates may carry stray braces; fill only the two known fields.
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


def topic_synonyms(db) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, syn in db.execute("SELECT name, synonyms FROM topics"):
        try:
            out[name] = tuple(str(s) for s in json.loads(syn or "[]"))
        except ValueError:
            out[name] = ()
    return out


def notify_message(text: str, author: str | None, lang: str | None, words: str, action_title: str) -> str:
    en = _is_english(text, lang)
    template = SHIPPED["notify"]["en" if en else "zh"]
    done = action_title.strip() or ("made changes" if en else "做了改进")
    return _fill(template, name=_customer_name(author, en), words=_short(words), action=done)
