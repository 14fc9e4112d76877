"""Quotes for the improvement report: reviews from before an action that complain about its topic or
keyword, cut to the part about it, with personal data masked and insults left out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

from cxdesk.core.bounds import clamp_stored_day
from cxdesk.core.filters import day_start

QUOTE_CANDIDATES = 8         # offered to the owner to pick from
QUOTE_CHARS = 70

# Personal data is masked, not dropped: phone numbers (with +86, spaces or dashes), order numbers
# (long digit runs, or a code after 订单/单号), e-mail addresses, links and @handles.
_PHONE = re.compile(r"(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}")
_ORDER = re.compile(r"((?:订单号?|单号|order)\s*(?:no\.?|号)?\s*[:：#]?\s*)[A-Za-z0-9-]{5,}|\d{8,}", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@\S+")
_MASK = "***"


def mask_personal(text: str) -> str:
    """The text with phone numbers, order numbers, e-mail addresses, links and @handles masked."""
    value = _LINK.sub(_MASK, text)
    value = _EMAIL.sub(_MASK, value)
    value = _PHONE.sub(_MASK, value)
    value = _ORDER.sub(lambda m: (m.group(1) or "") + _MASK, value)
    return _HANDLE.sub(_MASK, value)


def _load_insults() -> tuple[tuple[str, ...], re.Pattern | None]:
    words = []
    text = resources.files("cxdesk.core.data").joinpath("insults_zh.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip().lower()
        if line and not line.startswith("#"):
            words.append(line)
    latin = [w for w in words if re.fullmatch(r"[a-z]+", w)]
    other = tuple(w for w in words if w not in latin)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, latin)) + r")\b") if latin else None
    return other, pattern


_INSULTS: tuple[tuple[str, ...], re.Pattern | None] | None = None


def has_insult(text: str) -> bool:
    """Whether a review holds an insult, profanity or a curse (from the shipped word list)."""
    global _INSULTS
    if _INSULTS is None:
        _INSULTS = _load_insults()
    words, latin = _INSULTS
    low = (text or "").lower()
    return any(w in low for w in words) or bool(latin and latin.search(low))


@dataclass(frozen=True)
class Quote:
    feedback_id: int
    text: str                  # shortened, personal data masked
    created_at: str
    channel: str = ""

    @property
    def day(self) -> date | None:
        return stored_day(self.created_at)

    def to_json(self) -> dict:
        return {"feedback_id": self.feedback_id, "text": self.text, "created_at": self.created_at}


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    value = " ".join((text or "").split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip("，,。.;；、 ") + "…"
    return value


def stored_day(value) -> date | None:
    try:
        return clamp_stored_day(value)
    except ValueError:
        return None


def _focus(text: str, keywords: tuple[str, ...], topics: tuple[str, ...], matcher) -> str:
    """The part of a review about the keyword or topic, so praise of the food does not end up under
    “what you told us about waiting”: the sentences naming it, cut to their clauses naming it when
    long, and to a window around the keyword at most (the whole review when no part is found)."""
    from cxdesk.core.analysis.topics import split_clauses, split_sentences

    sentences = split_sentences(text)
    wanted = {i for i, name in enumerate(getattr(matcher, "names", ())) if name in topics}

    def names_it(part: str) -> bool:
        if any(k in part for k in keywords):
            return True
        return bool(matcher is not None and wanted and wanted & set(matcher.find(part)))

    parts = [x for x in sentences if any(k in x for k in keywords)]
    if not parts and matcher is not None and topics:
        from cxdesk.core.analysis.topics import assign_topics

        try:
            # The topic's own segments (a clause and what follows it); their sentiment is not needed.
            mentions = assign_topics(text, matcher, scorer=lambda segs: [None] * len(segs),
                                     labeler=lambda _s: "unknown")
            segments = [m.sentence for m in mentions if m.topic in topics]
            # A segment is a clause and what follows it; the whole sentence holding it reads better
            # (催了好几次 alone does not say what was slow) unless the sentence is too long to quote.
            parts = list(dict.fromkeys(next((x for x in sentences if seg in x and len(x) <= QUOTE_CHARS), seg)
                                       for seg in segments))
        except Exception:  # noqa: BLE001 - a quote is a nicety; the whole text will do
            parts = []
    focused = "，".join(parts)
    if len(focused) > QUOTE_CHARS:
        clauses = [c for x in parts for c in split_clauses(x) if names_it(c)]
        if clauses:
            focused = "，".join(clauses)
    for k in keywords:
        at = focused.find(k)
        if len(focused) > QUOTE_CHARS and at >= 0:
            start = max(0, min(at - QUOTE_CHARS // 2, len(focused) - QUOTE_CHARS + 2))
            focused = ("…" if start else "") + focused[start:start + QUOTE_CHARS - 2]
            break
    return focused if len(focused) >= 4 else text


def _negative_about_keyword(texts: list[str], keywords: tuple[str, ...]) -> list[bool]:
    """Whether the clauses of each text that hold a keyword read negative (the sentiment model)."""
    from cxdesk.core.analysis.sentiment import label_for, score_sentences
    from cxdesk.core.analysis.topics import split_clauses, split_sentences

    units: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        for sentence in split_sentences(text):
            if any(k in sentence for k in keywords):
                clauses = [c for c in split_clauses(sentence) if any(k in c for k in keywords)]
                for c in clauses or [sentence]:
                    units.append(c)
                    owner.append(i)
    verdict = [False] * len(texts)
    if not units:
        return verdict
    for i, score in zip(owner, score_sentences(units)):
        if label_for(score) == "negative" or score < 0.5:
            verdict[i] = True
    return verdict


def _negative_about_topics(texts: list[str], topics: tuple[str, ...], matcher) -> list[bool]:
    """Whether the clauses of each text that name one of `topics` read negative (the sentiment model).

    A text with no clause naming the topic is judged whole.
    """
    from cxdesk.core.analysis.sentiment import label_for, score_sentences
    from cxdesk.core.analysis.topics import split_clauses, split_sentences

    wanted = {i for i, name in enumerate(getattr(matcher, "names", ())) if name in topics}
    units: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        clauses = [c for sentence in split_sentences(text) for c in split_clauses(sentence)]
        about = [c for c in clauses if wanted and wanted & set(matcher.find(c))] if matcher is not None else []
        for c in about or [text]:
            units.append(c)
            owner.append(i)
    verdict = [False] * len(texts)
    for i, score in zip(owner, score_sentences(units) if units else []):
        if label_for(score) == "negative":
            verdict[i] = True
    return verdict


def quote_candidates(db, action, start: date, end: date, *, limit: int = QUOTE_CANDIDATES,
                     matcher=None) -> tuple[Quote, ...]:
    """Quotes from `start`..`end` (inclusive) that mention the action's keyword or topic negatively.

    Keyword matches come first (the owner's own words are the most specific), then negative mentions
    of the topics; rows the owner linked to the action go first within each. Rows with insults are
    left out; phone and order numbers are masked.
    """
    lo, hi = day_start(start), day_start(end + timedelta(days=1))
    linked = set(action.feedback_ids)
    rows: list[tuple] = []
    if action.keywords:
        kw = " OR ".join("instr(f.text, ?) > 0" for _k in action.keywords)
        found = db.execute(
            "SELECT f.id, f.text, f.created_at, coalesce(f.channel, '') FROM feedback f WHERE f.deleted = 0 "
            f"AND f.created_at >= ? AND f.created_at < ? AND ({kw}) AND f.label = 'negative' "
            "ORDER BY coalesce(f.sentiment, 0.5), f.id LIMIT 200", [lo, hi, *action.keywords]).fetchall()
        found = [r for r in found if r[1] and not has_insult(r[1])]
        keep = _negative_about_keyword([r[1] for r in found], tuple(action.keywords))
        rows += [r for r, ok in zip(found, keep) if ok]
    if action.topics:
        marks = ", ".join("?" * len(action.topics))
        topic_rows = db.execute(
            "SELECT f.id, f.text, f.created_at, coalesce(f.channel, '') FROM feedback f "
            "JOIN feedback_topics ft ON ft.feedback_id = f.id JOIN topics t ON t.id = ft.topic_id "
            f"WHERE t.name IN ({marks}) AND ft.label = 'negative' AND f.deleted = 0 "
            "AND f.created_at >= ? AND f.created_at < ? "
            "GROUP BY f.id ORDER BY min(coalesce(ft.sentiment, f.sentiment, 0.5)), f.id LIMIT 200",
            [*action.topics, lo, hi]).fetchall()
        # The mention is labelled negative; the part quoted must read negative too (a review that
        # praises the waiters in one clause and grumbles about parking in the next is no quote).
        topic_rows = [r for r in topic_rows if r[1] and not has_insult(r[1])]
        focused = [_focus(" ".join(r[1].split()), tuple(action.keywords), tuple(action.topics), matcher)
                   for r in topic_rows]
        keep = _negative_about_topics(focused, tuple(action.topics), matcher)
        rows += [(*r, f) for r, f, ok in zip(topic_rows, focused, keep) if ok]
    rows.sort(key=lambda r: r[0] not in linked)   # stable: keyword rows stay before topic rows
    out: list[Quote] = []
    seen: set[str] = set()
    for fid, text, created, channel, *part in rows:
        raw = " ".join((text or "").split())
        if not raw or has_insult(raw):
            continue
        part_text = part[0] if part else _focus(raw, tuple(action.keywords), tuple(action.topics), matcher)
        short = shorten(mask_personal(part_text))
        short = short.lstrip("=+-@ ")   # never start like a formula
        if len(short) < 4 or short in seen:
            continue
        seen.add(short)
        out.append(Quote(int(fid), short, created, channel))
        if len(out) >= limit:
            break
    return tuple(out)
