"""Topic dictionaries and topic assignment: which parts of a review talk about 物流, 味道, 服务 ….

A topic is a name plus synonyms (Chinese and English words that mean it), kept in the `topics` table
so the owner can edit them and the CLI sees the same. Templates for common kinds of shop ship in
`cxdesk/core/data/topic_templates.json`.

How a review is read for topics (clauses, topic words, complaints) is in `topic_text.py`; its
names (`assign_topics`, `analyze_clauses`, `TopicMatcher` …) are importable from here too.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Iterable, Sequence

from cxdesk.core.changes import Changes
from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.i18n import _, language

# Reading a text for topics lives in topic_text.py; its names stay importable from here.
from cxdesk.core.analysis.topic_text import (  # noqa: F401
    COMPLAINT_FROM, COMPLAINT_OVER_PRAISE, GLOWING_LOGIT, GLOWING_SLOPE, LEARNED_GLOWING_LOGIT,
    LEARNED_GLOWING_SLOPE, LONG_CLAUSE, MAX_FOLLOWING_CLAUSES, MIXED_NEGATIVE, SHORT_REVIEW,
    WHOLE_PRODUCT_TOPICS, _CONTRAST_START, _HAN_CHAR, ClauseMention, TopicMatcher, TopicMention, analyze_clauses, analyze_many,
    assign_topics, continues, default_matcher, lexicon_verdicts, review_label, split_clauses,
    split_sentences, topic_verdicts,
)

# Bump when the way topics are assigned changes, so every row gets assigned again.
ASSIGNMENT_VERSION = "2"

GENERAL_TEMPLATE = "通用"
DEFAULT_BUSINESS = "餐饮"
MAX_NAME_LENGTH = 30
MAX_WORD_LENGTH = 40


def _load_templates() -> dict[str, dict[str, tuple[str, ...]]]:
    raw = json.loads((resources.files("cxdesk.core") / "data" / "topic_templates.json").read_text(encoding="utf-8"))
    return {name: {topic: tuple(syns) for topic, syns in body["topics"].items()}
            for name, body in raw["templates"].items()}


def _load_template_labels() -> dict[str, str]:
    raw = json.loads((resources.files("cxdesk.core") / "data" / "topic_templates.json").read_text(encoding="utf-8"))
    return {name: body.get("label_en", name) for name, body in raw["templates"].items()}


TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = _load_templates()
"""Template name (通用, 餐饮, 电商/零售, 酒店/民宿, 美业/服务) → {topic name: synonyms}."""

_TEMPLATE_EN = _load_template_labels()
BUSINESS_TYPES: tuple[str, ...] = tuple(name for name in TEMPLATES if name != GENERAL_TEMPLATE)

# English spellings accepted wherever a template name is typed (CLI).
_TEMPLATE_ALIASES = {
    "general": "通用", "restaurant": "餐饮", "food": "餐饮", "catering": "餐饮",
    "retail": "电商/零售", "ecommerce": "电商/零售", "e-commerce": "电商/零售", "shop": "电商/零售",
    "hotel": "酒店/民宿", "guesthouse": "酒店/民宿", "beauty": "美业/服务", "salon": "美业/服务",
    "其他": "通用", "other": "通用",
    "电商": "电商/零售", "零售": "电商/零售", "酒店": "酒店/民宿", "民宿": "酒店/民宿", "美业": "美业/服务",
}


def template_label(name: str) -> str:
    """How a template is shown: its Chinese name, or its English label when the UI is in English."""
    if language() == "en":
        return _TEMPLATE_EN.get(name, name)
    return name


def resolve_template(name: str) -> str:
    key = (name or "").strip()
    if key in TEMPLATES:
        return key
    alias = _TEMPLATE_ALIASES.get(key.lower())
    if alias:
        return alias
    raise InvalidValueError(
        _("There is no topic template “{name}”. Available: {names}.").format(name=name, names="、".join(TEMPLATES))
    )


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Topic:
    id: int
    name: str
    synonyms: tuple[str, ...]
    template: str | None
    enabled: bool


@dataclass(frozen=True)
class TopicStat:
    name: str
    mentions: int
    negative: int
    negative_share: float
    keywords: tuple[str, ...]
    positive: int = 0
    neutral: int = 0


@dataclass(frozen=True)
class TopicExample:
    feedback_id: int
    text: str
    label: str | None
    created_at: str | None
    channel: str | None


def matcher_for(db) -> TopicMatcher:
    """Matcher over the enabled topics of a database."""
    return TopicMatcher((t.name, t.synonyms) for t in list_topics(db) if t.enabled)


# ---------------------------------------------------------------------------------------------
# Topics in the database


def _now() -> str:
    from cxdesk.core.storage import now_text

    return now_text()


def _row_to_topic(row) -> Topic:
    try:
        syns = tuple(json.loads(row[2] or "[]"))
    except ValueError:
        syns = ()
    return Topic(int(row[0]), row[1], syns, row[3], bool(row[4]))


def list_topics(db, *, enabled_only: bool = False) -> list[Topic]:
    sql = "SELECT id, name, synonyms, template, enabled FROM topics"
    if enabled_only:
        sql += " WHERE enabled = 1"
    return [_row_to_topic(r) for r in db.execute(sql + " ORDER BY id").fetchall()]


def get_topic(db, name: str) -> Topic:
    row = db.execute("SELECT id, name, synonyms, template, enabled FROM topics WHERE name = ?",
                     [(name or "").strip()]).fetchone()
    if row is None:
        raise NotFoundError(_("There is no topic “{name}”.").format(name=name))
    return _row_to_topic(row)


def _clean_name(name: str) -> str:
    value = " ".join((name or "").split())
    if not value:
        raise InvalidValueError(_("A topic needs a name."))
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidValueError(
            _("The topic name “{name}” is too long (at most {n} characters).").format(name=value, n=MAX_NAME_LENGTH))
    return value


def _clean_words(words: Iterable[str] | str) -> list[str]:
    if isinstance(words, str):
        words = re.split(r"[,，、;；\n]+", words)
    out: list[str] = []
    for word in words:
        value = " ".join(str(word or "").split())
        if not value:
            continue
        if len(value) > MAX_WORD_LENGTH:
            raise InvalidValueError(
                _("The word “{word}” is too long (at most {n} characters).").format(word=value[:20] + "…", n=MAX_WORD_LENGTH))
        if value not in out:
            out.append(value)
    return out


def topic_exists(db, name: str) -> bool:
    """Whether a topic of that exact name exists (enabled or not)."""
    return db.execute("SELECT 1 FROM topics WHERE name = ?", [name]).fetchone() is not None


def install_template(db, name: str) -> Changes:
    """Add a template's topics; topics that already exist keep their words and gain the template's."""
    template = resolve_template(name)
    now = _now()
    with db.atomic():
        for topic, syns in TEMPLATES[template].items():
            row = db.execute("SELECT id, synonyms FROM topics WHERE name = ?", [topic]).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO topics(name, synonyms, template, enabled, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)",
                    [topic, json.dumps(list(syns), ensure_ascii=False), template, now, now])
            else:
                old = json.loads(row[1] or "[]")
                merged = old + [s for s in syns if s not in old]
                if merged != old:
                    db.execute("UPDATE topics SET synonyms = ?, updated_at = ? WHERE id = ?",
                               [json.dumps(merged, ensure_ascii=False), now, row[0]])
    return Changes(topics=True)


def ensure_default_topics(db) -> bool:
    """A database without topics gets the general template plus its business template (setting
    `business_type`, default 餐饮). Returns True if topics were installed."""
    from cxdesk.core.storage import get_setting

    if db.execute("SELECT 1 FROM topics LIMIT 1").fetchone() is not None:
        return False
    business = get_setting(db, "business_type", DEFAULT_BUSINESS) or DEFAULT_BUSINESS
    try:
        business = resolve_template(str(business))
    except InvalidValueError:
        business = DEFAULT_BUSINESS
    with db.atomic():
        install_template(db, GENERAL_TEMPLATE)
        if business != GENERAL_TEMPLATE:
            install_template(db, business)
    return True


def add_topic(db, name: str, synonyms: Iterable[str] | str = ()) -> Changes:
    name = _clean_name(name)
    words = [w for w in _clean_words(synonyms) if w != name]
    if topic_exists(db, name):
        raise InvalidValueError(_("A topic named “{name}” already exists.").format(name=name))
    now = _now()
    with db.atomic():
        db.execute("INSERT INTO topics(name, synonyms, template, enabled, created_at, updated_at) VALUES (?, ?, NULL, 1, ?, ?)",
                   [name, json.dumps(words, ensure_ascii=False), now, now])
    return Changes(topics=True)


def set_synonyms(db, name: str, synonyms: Iterable[str] | str) -> Changes:
    topic = get_topic(db, name)
    words = [w for w in _clean_words(synonyms) if w != topic.name]
    with db.atomic():
        db.execute("UPDATE topics SET synonyms = ?, updated_at = ? WHERE id = ?",
                   [json.dumps(words, ensure_ascii=False), _now(), topic.id])
    return Changes(topics=True)


def set_topic_enabled(db, name: str, enabled: bool) -> Changes:
    topic = get_topic(db, name)
    with db.atomic():
        db.execute("UPDATE topics SET enabled = ?, updated_at = ? WHERE id = ?", [1 if enabled else 0, _now(), topic.id])
    return Changes(topics=True)


def refresh_topic_cache(db, where: str, params: Sequence) -> None:
    """Rewrite the `feedback.topics` display cache (JSON list of names) for the rows selected."""
    db.execute(
        "UPDATE feedback SET topics = (SELECT json_group_array(name) FROM ("
        "  SELECT t.name AS name FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id"
        "  WHERE ft.feedback_id = feedback.id ORDER BY t.id)) "
        f"WHERE {where}", list(params))


def _refresh_for_topic(db, topic_id: int) -> None:
    refresh_topic_cache(db, "id IN (SELECT feedback_id FROM feedback_topics WHERE topic_id = ?)", [topic_id])


def rename_topic(db, old: str, new: str) -> Changes:
    topic = get_topic(db, old)
    new = _clean_name(new)
    if new == topic.name:
        return Changes()
    if topic_exists(db, new):
        raise InvalidValueError(
            _("A topic named “{name}” already exists; merge the two topics instead.").format(name=new))
    # The old name stays a synonym, so reviews that say it still land here.
    syns = [topic.name] + [s for s in topic.synonyms if s not in (topic.name, new)]
    with db.atomic():
        db.execute("UPDATE topics SET name = ?, synonyms = ?, updated_at = ? WHERE id = ?",
                   [new, json.dumps(syns, ensure_ascii=False), _now(), topic.id])
        db.execute("UPDATE goals SET topic = ? WHERE topic = ?", [new, topic.name])   # the owner's goals follow
        _refresh_for_topic(db, topic.id)
    return Changes(topics=True, feedback=True)


def merge_topics(db, sources: Iterable[str], target: str) -> Changes:
    """Fold `sources` into `target` (created if missing): words, mentions, action links and goals move."""
    target = _clean_name(target)
    source_topics = [get_topic(db, s) for s in dict.fromkeys(s.strip() for s in sources) if s != target]
    if not source_topics:
        return Changes()
    now = _now()
    with db.atomic():
        if not topic_exists(db, target):
            db.execute("INSERT INTO topics(name, synonyms, template, enabled, created_at, updated_at) VALUES (?, '[]', NULL, 1, ?, ?)",
                       [target, now, now])
        tgt = get_topic(db, target)
        words = list(tgt.synonyms)
        for src in source_topics:
            for w in (src.name, *src.synonyms):
                if w != tgt.name and w not in words:
                    words.append(w)
        db.execute("UPDATE topics SET synonyms = ?, updated_at = ? WHERE id = ?",
                   [json.dumps(words, ensure_ascii=False), now, tgt.id])
        affected = set()
        for src in source_topics:
            affected.update(r[0] for r in db.execute(
                "SELECT feedback_id FROM feedback_topics WHERE topic_id = ?", [src.id]).fetchall())
            # Two statements, not an upsert: an upsert's conflict rule would override the summary triggers' OR IGNORE.
            db.execute(
                "UPDATE feedback_topics SET manual = max(manual, (SELECT s.manual FROM feedback_topics s "
                "WHERE s.topic_id = ? AND s.feedback_id = feedback_topics.feedback_id)) WHERE topic_id = ? AND "
                "feedback_id IN (SELECT feedback_id FROM feedback_topics WHERE topic_id = ?)", [src.id, tgt.id, src.id])
            db.execute(
                "INSERT OR IGNORE INTO feedback_topics(feedback_id, topic_id, sentiment, label, manual) "
                "SELECT feedback_id, ?, sentiment, label, manual FROM feedback_topics WHERE topic_id = ?",
                [tgt.id, src.id])
            db.execute("INSERT OR IGNORE INTO action_topics(action_id, topic_id) "
                       "SELECT action_id, ? FROM action_topics WHERE topic_id = ?", [tgt.id, src.id])
            db.execute("UPDATE goals SET topic = ? WHERE topic = ?", [tgt.name, src.name])
            db.execute("DELETE FROM topics WHERE id = ?", [src.id])
        _refresh_for_topic(db, tgt.id)
    return Changes(topics=True, feedback=bool(affected))


def delete_topic(db, name: str) -> Changes:
    topic = get_topic(db, name)
    with db.atomic():
        ids = [r[0] for r in db.execute("SELECT feedback_id FROM feedback_topics WHERE topic_id = ?", [topic.id]).fetchall()]
        db.execute("DELETE FROM topics WHERE id = ?", [topic.id])
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start:chunk_start + 500]
            refresh_topic_cache(db, f"id IN ({', '.join('?' * len(chunk))})", chunk)
    return Changes(topics=True, feedback=bool(ids))


# ---------------------------------------------------------------------------------------------
# The shop's own words (product names, dishes) that segmentation must keep whole


def list_user_words(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT word FROM user_words ORDER BY word").fetchall()]


def add_user_word(db, word: str, tag: str | None = None, freq: int | None = None) -> Changes:
    words = _clean_words([word])
    if not words:
        raise InvalidValueError(_("The word is empty."))
    with db.atomic():
        db.execute("INSERT INTO user_words(word, tag, freq) VALUES (?, ?, ?) "
                   "ON CONFLICT(word) DO UPDATE SET tag = excluded.tag, freq = excluded.freq",
                   [words[0], tag, freq])
    return Changes(topics=True)


def remove_user_word(db, word: str) -> Changes:
    with db.atomic():
        cur = db.execute("DELETE FROM user_words WHERE word = ?", [(word or "").strip()])
    if not cur.rowcount:
        raise NotFoundError(_("“{word}” is not in the word list.").format(word=word))
    return Changes(topics=True)


def jieba_words(db) -> list[tuple]:
    """Words jieba must keep whole for this database: user words and multi-character topic words."""
    words: dict[str, tuple] = {}
    for t in list_topics(db, enabled_only=True):
        for w in (t.name, *t.synonyms):
            if len(w) > 1 and _HAN_CHAR.search(w) and " " not in w:
                words.setdefault(w, (w, None, "n"))
    for word, tag, freq in db.execute("SELECT word, tag, freq FROM user_words").fetchall():
        words[word] = (word, freq, tag or "n")
    return list(words.values())


def dictionary_hash(db) -> str:
    """Changes whenever enabled topics, their words or the user words change."""
    h = hashlib.sha1(ASSIGNMENT_VERSION.encode())
    for t in sorted(list_topics(db, enabled_only=True), key=lambda t: t.name):
        h.update(json.dumps([t.name, sorted(t.synonyms)], ensure_ascii=False).encode())
    for word, tag, freq in db.execute("SELECT word, tag, freq FROM user_words ORDER BY word").fetchall():
        h.update(json.dumps([word, tag, freq], ensure_ascii=False).encode())
    return h.hexdigest()[:10]


# ---------------------------------------------------------------------------------------------
# Figures per topic


def topic_stats(db, flt=None, *, keywords: bool = True, top_k: int = 5) -> list[TopicStat]:
    """Mentions and the negative share of each enabled topic over the rows `flt` selects.

    Sorted by mentions, most first. `keywords` adds the top words of the topic's own text
    (see `keywords_for_topic`); it costs a second or so for a few thousand reviews.
    """
    from cxdesk.core.filters import FeedbackFilter, filter_sql

    where, params = filter_sql(flt or FeedbackFilter())
    rows = db.execute(
        "SELECT t.name, count(ft.feedback_id), "
        "  coalesce(sum(ft.label = 'negative'), 0), coalesce(sum(ft.label = 'positive'), 0), "
        "  coalesce(sum(ft.label = 'neutral'), 0) "
        "FROM topics t LEFT JOIN feedback_topics ft ON ft.topic_id = t.id "
        f"  AND ft.feedback_id IN (SELECT f.id FROM feedback f WHERE {where}) "
        "WHERE t.enabled = 1 GROUP BY t.id ORDER BY count(ft.feedback_id) DESC, t.id",
        params).fetchall()
    out = []
    for name, mentions, negative, positive, neutral in rows:
        words: tuple[str, ...] = ()
        if keywords and mentions:
            words = tuple(w for w, _weight in keywords_for_topic(db, name, top_k=top_k, flt=flt, sample=300))
        share = round(negative / mentions, 4) if mentions else 0.0
        out.append(TopicStat(name, int(mentions), int(negative), share, words, int(positive), int(neutral)))
    return out


def topic_examples(db, name: str, n: int = 5, flt=None, *, label: str | None = None) -> list[TopicExample]:
    """The latest `n` reviews that mention topic `name` (optionally only mentions with `label`)."""
    from cxdesk.core.filters import FeedbackFilter, filter_sql

    topic = get_topic(db, name)
    where, params = filter_sql(flt or FeedbackFilter())
    sql = ("SELECT f.id, f.text, f.label, f.created_at, f.channel FROM feedback_topics ft "
           "JOIN feedback f ON f.id = ft.feedback_id "
           f"WHERE ft.topic_id = ? AND {where}")
    args = [topic.id, *params]
    if label:
        sql += " AND ft.label = ?"
        args.append(label)
    sql += " ORDER BY f.created_at IS NULL, f.created_at DESC, f.id DESC LIMIT ?"
    args.append(int(n))
    return [TopicExample(int(r[0]), r[1], r[2], r[3], r[4]) for r in db.execute(sql, args).fetchall()]


def keywords_for_topic(db, name: str, top_k: int = 10, flt=None, *, sample: int = 400,
                       labels: Sequence[str] = ()) -> list[tuple[str, float]]:
    """Keywords of what reviews say *about* one topic: the topic's own clauses, not whole reviews.

    Uses the latest `sample` mentions (optionally only mentions with the given sentence labels) and
    leaves out the topic's name and synonyms, which would top the list and tell the owner nothing.
    """
    from cxdesk.core.analysis.keywords import extract_keywords, sync_words
    from cxdesk.core.analysis.text import normalize
    from cxdesk.core.filters import FeedbackFilter, filter_sql

    topic = get_topic(db, name)
    where, params = filter_sql(flt or FeedbackFilter())
    sql = (f"SELECT f.text FROM feedback_topics ft JOIN feedback f ON f.id = ft.feedback_id "
           f"WHERE ft.topic_id = ? AND {where}")
    args = [topic.id, *params]
    if labels:
        sql += f" AND ft.label IN ({', '.join('?' * len(labels))})"
        args.extend(labels)
    sql += " ORDER BY f.id DESC LIMIT ?"
    args.append(int(sample))
    texts = [r[0] for r in db.execute(sql, args).fetchall()]
    if not texts:
        return []
    sync_words(jieba_words(db))
    # Split with every topic, so text about the other topics stays out of this one's keywords.
    matcher = matcher_for(db)
    index = matcher.names.index(topic.name) if topic.name in matcher.names else -1
    about: list[str] = []
    for text in texts:
        segs = [seg for i, seg in matcher.segments(normalize(text)) if i == index]
        if segs:
            about.append("，".join(segs))
    return extract_keywords(about, top_k=top_k, exclude=(topic.name, *topic.synonyms))


# Owner edits on single rows live with the other writes of analysis results.
from cxdesk.core.analysis.store import set_manual_label, tag_topic  # noqa: E402

__all__ = [
    "TEMPLATES", "BUSINESS_TYPES", "GENERAL_TEMPLATE", "DEFAULT_BUSINESS", "Topic", "TopicStat", "TopicExample",
    "TopicMention", "TopicMatcher", "template_label", "resolve_template", "list_topics", "get_topic",
    "install_template", "ensure_default_topics", "add_topic", "rename_topic", "merge_topics", "set_synonyms",
    "set_topic_enabled", "delete_topic", "list_user_words", "add_user_word", "remove_user_word", "topic_stats",
    "topic_examples", "assign_topics", "analyze_clauses", "ClauseMention", "topic_verdicts", "lexicon_verdicts", "review_label", "SHORT_REVIEW", "split_sentences", "split_clauses", "matcher_for", "dictionary_hash",
    "jieba_words", "set_manual_label", "tag_topic",
]
