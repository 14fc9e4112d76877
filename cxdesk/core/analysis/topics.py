"""Topic dictionaries and topic assignment: which parts of a review talk about 物流, 味道, 服务 ….

A topic is a name plus synonyms (Chinese and English words that mean it), kept in the `topics` table
so the owner can edit them and the CLI sees the same. Templates for common kinds of shop ship in
`cxdesk/core/data/topic_templates.json`.

Assignment works on clauses: a review is split into sentences, sentences into clauses at commas and
at contrast words (但是, 不过, 却 …). Each clause goes to the topics it names; clauses that name none
belong to the topic named just before them in the same sentence (or just after, at the start). The
text each topic gets is scored on its own, so `菜很好吃但是服务太慢` is 味道 positive and 服务 negative.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable, Iterable, NamedTuple, Sequence

from cxdesk.core.changes import Changes
from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.i18n import _, language

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


class TopicMention(NamedTuple):
    topic: str
    sentence: str
    score: float | None
    label: str


class ClauseMention(NamedTuple):
    """One clause of a text: its sentence, the clause, the topics it is about (named in it, or named
    just before it in the same sentence), and the clause's own sentiment."""

    sentence: str
    clause: str
    topics: tuple[str, ...]
    score: float | None
    label: str


# ---------------------------------------------------------------------------------------------
# Splitting text into sentences and clauses

_SENTENCE_END = re.compile(r"[。！？!?；;…\n]+|(?<![\d.])\.(?![\d.])|\.{2,}")
_CLAUSE_SEP = re.compile(
    r"[，,、：:～~]+"
    r"|(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])"
    r"|(?<!不)(?=但是|可是|不过|然而|只是|可惜)"
    r"|(?<![不但])(?=但(?!愿))"
    r"|(?=却)"
    r"|\s+(?=(?:but|however|although|though|except)\b)"
    # "The food was great and the staff were rude": "and" before a new subject starts a new clause.
    r"|\s+(?=and\s+(?:the|their|its|it|they|we|i|our|my|this|that|everything|everyone)\b)",
    re.IGNORECASE,
)


# Words that name a topic only when no other topic was named just before them in the sentence.
_CONTEXT_WORDS = re.compile("等了|等了好久|等了半天|久等")
_CONTRAST_START = re.compile(r"^(?:但是|但|可是|不过|然而|只是|可惜|却|就是|唯一|除了|but\b|however\b|although\b|though\b|except\b)", re.IGNORECASE)
MAX_FOLLOWING_CLAUSES = 2


def continues(clause: str) -> bool:
    """True if a clause without topic words can go on about the topic before it: it states no
    opinion, or its opinion comes first (很周到, 也不错, 不太新鲜)."""
    from cxdesk.core.analysis.clauses import starts_with_opinion

    return starts_with_opinion(clause)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def split_clauses(sentence: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SEP.split(sentence) if c and c.strip()]


# ---------------------------------------------------------------------------------------------
# Matching topic words

# A one-character synonym (贵, 咸, 慢, 床) counts only as a whole jieba word, alone or with a degree
# word (太贵, 有点咸, 很脏), so 贵店 or 香菜 do not count.
_DEGREE = frozenset("太 很 好 超 偏 真 挺 较 巨 蛮 特 最 不 过 略 稍 忒 贼 有点 有些 比较 特别 非常 超级 太过 偏偏 稍微 略微 不太 不够".split())
_HAN_CHAR = re.compile(r"[\u3400-\u9fff]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


class TopicMatcher:
    """Finds the topics a clause mentions. Built from (name, synonyms) pairs; the name counts too."""

    def __init__(self, topics: Iterable[tuple[str, Iterable[str]]]):
        self.names: tuple[str, ...] = ()
        # sentence -> its clauses as `analyze_clauses` finds them; None (the default): no memo. Only a
        # matcher that lives as long as jieba's words stay the same may keep one (an analysis run's).
        self.memo: dict[str, tuple] | None = None
        self._clause_memo: dict[str, tuple] = {}
        names: list[str] = []
        by_first: dict[str, dict[str, set[int]]] = {}
        singles: dict[str, set[int]] = {}
        english: dict[str, set[int]] = {}
        for index, (name, synonyms) in enumerate(topics):
            names.append(name)
            for word in {name, *synonyms}:
                word = (word or "").strip()
                if not word:
                    continue
                if _HAN_CHAR.search(word):
                    if len(word) == 1:
                        singles.setdefault(word, set()).add(index)
                    else:
                        by_first.setdefault(word[0], {}).setdefault(word, set()).add(index)
                else:
                    english.setdefault(word.lower(), set()).add(index)
        self.names = tuple(names)
        self._by_first = {ch: sorted(words.items(), key=lambda kv: -len(kv[0])) for ch, words in by_first.items()}
        self._singles = singles
        self._single_chars = frozenset(singles)
        self._first_re = re.compile("[" + "".join(re.escape(c) for c in by_first) + "]") if by_first else None
        self._english = english
        self._english_re = None
        if english:
            alternation = "|".join(re.escape(w) for w in sorted(english, key=len, reverse=True))
            self._english_re = re.compile(rf"(?<![A-Za-z])(?:{alternation})(?:s|es)?(?![A-Za-z])", re.IGNORECASE)

    def __bool__(self) -> bool:
        return bool(self.names)

    def find(self, clause: str) -> list[int]:
        """Indexes of the topics named in `clause`, in order of first appearance."""
        hits: dict[int, int] = {}
        by_first = self._by_first
        if self._first_re is not None:
            # The regex finds candidate positions in C; only those are checked word by word.
            for m in self._first_re.finditer(clause):
                pos = m.start()
                for word, idxs in by_first[m.group()]:
                    if clause.startswith(word, pos):
                        for i in idxs:
                            hits.setdefault(i, pos)
        if self._singles and not self._single_chars.isdisjoint(clause):
            from cxdesk.core.analysis.keywords import jieba_module

            pos = 0
            for tok in jieba_module().dt.lcut(clause):
                idxs = self._singles.get(tok)
                if idxs is None and 1 < len(tok) <= 3:
                    if tok[:-1] in _DEGREE:
                        idxs = self._singles.get(tok[-1])
                    elif tok[-1] in "了死啦":
                        idxs = self._singles.get(tok[:-1]) if len(tok) == 2 else None
                if idxs:
                    for i in idxs:
                        hits.setdefault(i, pos)
                pos += len(tok)
        if self._english_re is not None and _ASCII_LETTER.search(clause):
            for m in self._english_re.finditer(clause):
                word = m.group(0).lower()
                idxs = self._english.get(word)
                if idxs is None:
                    idxs = self._english.get(word[:-2] if word.endswith("es") and word[:-2] in self._english else word[:-1], set())
                for i in idxs:
                    hits.setdefault(i, m.start())
        return [i for i, _pos in sorted(hits.items(), key=lambda kv: kv[1])]

    def clauses(self, sentence: str) -> list[tuple[str, list[int]]]:
        """Every clause of one sentence with the indexes of the topics it is about.

        A clause that names no topic goes on about the topic named just before it in the same
        sentence ("服务员很热情，很周到"), for at most `MAX_FOLLOWING_CLAUSES` clauses and never across
        a contrast ("…，但是东西很差" starts something else), and only if it has no subject of its
        own before its opinion ("价钱蛮贵的，刺身拼盘不错" is not about the price twice).
        """
        out: list[tuple[str, list[int]]] = []
        current: list[int] = []
        follow = 0
        facts = self._facts if self.memo is not None else self._clause_facts
        for clause in split_clauses(sentence):
            found, waits_only, contrast = facts(clause)
            if found and current and follow < MAX_FOLLOWING_CLAUSES and waits_only:
                # "外卖送得太慢了，等了一个多小时": the wait is the delivery's, not the kitchen's.
                found = []
            if found:
                current, follow = found, 0
                out.append((clause, list(found)))
            elif current and follow < MAX_FOLLOWING_CLAUSES and not contrast and continues(clause):
                follow += 1
                out.append((clause, list(current)))
            else:
                current = []
                out.append((clause, []))
        return out

    def _clause_facts(self, clause: str) -> tuple[tuple[int, ...], bool, bool]:
        """(topics named, names a topic only by a wait word, starts with a contrast) of one clause."""
        found = tuple(self.find(clause)) if self.names else ()
        waits_only = bool(found) and _CONTEXT_WORDS.search(clause) is not None and \
            not self.find(_CONTEXT_WORDS.sub("，", clause))
        return found, waits_only, _CONTRAST_START.match(clause) is not None

    def _facts(self, clause: str) -> tuple[tuple[int, ...], bool, bool]:
        """`_clause_facts`, kept per clause for as long as the memo lives (see `memo`)."""
        hit = self._clause_memo.get(clause)
        if hit is None:
            hit = self._clause_facts(clause)
            if len(self._clause_memo) < MEMO_CLAUSES:
                self._clause_memo[clause] = hit
        return hit

    def segments(self, text: str) -> list[tuple[int, str]]:
        """(topic index, the text about that topic) per sentence that mentions the topic.

        `text` should already be normalised (see `text.normalize`).
        """
        out: list[tuple[int, str]] = []
        if not self.names or not text:
            return out
        for sentence in split_sentences(text):
            parts: dict[int, list[str]] = {}
            for clause, found in self.clauses(sentence):
                for i in found:
                    parts.setdefault(i, []).append(clause)
            for i, clauses in parts.items():
                out.append((i, "，".join(clauses) if not clauses[0].isascii() else ", ".join(clauses)))
        return out


@lru_cache(maxsize=1)
def default_matcher() -> TopicMatcher:
    """The general + restaurant templates, for `assign_topics` called without a database."""
    merged: dict[str, list[str]] = {}
    for template in (GENERAL_TEMPLATE, DEFAULT_BUSINESS):
        for name, syns in TEMPLATES[template].items():
            merged.setdefault(name, []).extend(syns)
    return TopicMatcher(merged.items())


def matcher_for(db) -> TopicMatcher:
    """Matcher over the enabled topics of a database."""
    return TopicMatcher((t.name, t.synonyms) for t in list_topics(db) if t.enabled)


def analyze_clauses(text: str, matcher: TopicMatcher | None = None) -> list[ClauseMention]:
    """Every clause of `text` (also those about no topic), with its topics and its own sentiment.

    Without `matcher` the general and restaurant templates are used. A clause that states no opinion
    ("点了外卖") is neutral; see `clauses.py` for how a clause is scored. A matcher with a `memo`
    (the analysis run's) keeps each sentence's result: reviews repeat sentences (物流很快, 好评) a lot.
    """
    from cxdesk.core.analysis.text import normalize

    matcher = matcher if matcher is not None else default_matcher()
    memo = matcher.memo
    sentences = split_sentences(normalize(text))
    known = [memo.get(s) for s in sentences] if memo is not None else [None] * len(sentences)
    todo = list(dict.fromkeys(s for s, hit in zip(sentences, known) if hit is None))
    if todo:
        fresh = _clauses_of(todo, matcher)
        if memo is not None and len(memo) < MEMO_SENTENCES:
            memo.update(fresh)
        known = [hit if hit is not None else fresh[s] for s, hit in zip(sentences, known)]
    return [ClauseMention(sentence, clause, names, score, label)
            for sentence, parts in zip(sentences, known) for clause, names, score, label in parts]


# Sentences and clauses a memo keeps (a few hundred bytes each); the first ones met stay, which are
# also the ones that come back most.
MEMO_SENTENCES = 10_000
MEMO_CLAUSES = 20_000


def _clauses_of(sentences: Sequence[str], matcher: TopicMatcher) -> dict[str, tuple]:
    """(clause, topic names, score, label) of every clause, per sentence, scored in one call."""
    from cxdesk.core.analysis import clauses as clause_model

    units: list[tuple[str, str, tuple[str, ...]]] = []
    for sentence in sentences:
        for clause, found in matcher.clauses(sentence):
            units.append((sentence, clause, tuple(matcher.names[i] for i in found)))
    out: dict[str, list] = {s: [] for s in sentences}
    if units:
        scored = clause_model.score_clauses([(u[0], u[1]) for u in units])
        for (sentence, clause, names), (score, label) in zip(units, scored):
            out[sentence].append((clause, names, score, label))
    return {s: tuple(parts) for s, parts in out.items()}


# How the clauses about one topic in one review add up (`topic_verdicts`); tuned on labelled
# restaurant reviews, see bench/bench_topics.py.
COMPLAINT_FROM = 0.6        # the complaints about a topic must weigh at least this
COMPLAINT_OVER_PRAISE = 2.0  # ... and at least twice the praise of the same topic
GLOWING_LOGIT = 4.0         # a review the review model scores above this logit (p > 0.98) is glowing:
GLOWING_SLOPE = 1.0         # ... per logit above it, a complaint must weigh this much more
# Topics about the product as a whole, where a review weighs many items (dishes): one item's flaw
# (鱼有点咸) in a review the model finds positive is no complaint about the food.
WHOLE_PRODUCT_TOPICS = frozenset({"味道"})


def topic_verdicts(mentions: Sequence[ClauseMention], review_score: float | None = None, *,
                   learned: bool = True) -> dict[str, tuple[float | None, str]]:
    """One (score, label) per topic of a whole review: the word list's verdict (`lexicon_verdicts`),
    then, given the review model's `review_score`, the learned mention model (`mentions.py`) decides
    whether the review complains about the topic: negative when its probability reaches the model's
    threshold, else the word list's label with a complaint turned neutral. A topic whose clauses hold
    no complaint at all (点了外卖) is never negative. Without `review_score`, or with `learned=False`,
    the word list's verdicts alone.
    """
    verdicts = lexicon_verdicts(mentions, review_score)
    if not learned or review_score is None:
        return verdicts
    from cxdesk.core.analysis import mentions as mention_model

    bar = mention_model.threshold()
    out: dict[str, tuple[float | None, str]] = {}
    for topic, (score, label) in verdicts.items():
        if label == "unknown":
            out[topic] = (score, label)
            continue
        # A topic whose clauses hold no complaint at all (点了外卖) is never one, whatever the model says.
        said = any(m.score is not None and m.score < 0.5 for m in mentions if topic in m.topics)
        p = mention_model.complaint_probability(topic, mentions, review_score, label) if said else 0.0
        if p >= bar:
            out[topic] = (min(score, 0.5 - 0.5 * p) if score is not None else 0.5 - 0.5 * p, "negative")
        else:
            out[topic] = (score, "neutral" if label == "negative" else label)
    return out


def lexicon_verdicts(mentions: Sequence[ClauseMention], review_score: float | None = None
                     ) -> dict[str, tuple[float | None, str]]:
    """One (score, label) per topic of a whole review, from all its clauses about the topic.

    Complaints and praise are added up apart. The topic is negative when its complaints weigh at
    least `COMPLAINT_FROM` and at least twice its praise ("菜很好吃，招牌鱼必点，就是有点咸" is not a
    complaint about 味道, "菜很难吃，就是有点咸" is), positive when praise outweighs complaints by
    `COMPLAINT_FROM`, else neutral; unknown when no clause could be scored. In a glowing review
    (`review_score`, the review model's probability, above p = 0.98) a mild aside is not a
    complaint: the bar rises by `GLOWING_SLOPE` per logit above `GLOWING_LOGIT`. A topic about the
    product as a whole (`WHOLE_PRODUCT_TOPICS`, 味道) is a complaint only in a review the model
    does not find positive (score <= 0.5): one dish's flaw is not a complaint about the food.
    """
    import math

    from cxdesk.core.analysis.clauses import score_of, value_of

    bar = COMPLAINT_FROM
    if review_score is not None and 0.0 < review_score < 1.0:
        bar += GLOWING_SLOPE * max(0.0, math.log(review_score / (1.0 - review_score)) - GLOWING_LOGIT)
    elif review_score is not None and review_score >= 1.0:
        bar += GLOWING_SLOPE * 10.0
    sums: dict[str, list[float]] = {}
    for m in mentions:
        for topic in m.topics:
            bucket = sums.setdefault(topic, [])
            if m.score is not None:
                bucket.append(value_of(m.score))
    out: dict[str, tuple[float | None, str]] = {}
    for topic, values in sums.items():
        if not values:
            out[topic] = (None, "unknown")
            continue
        complaints = -sum(v for v in values if v < 0)
        praise = sum(v for v in values if v > 0)
        if (complaints >= bar and complaints >= COMPLAINT_OVER_PRAISE * praise
                and not (topic in WHOLE_PRODUCT_TOPICS and review_score is not None and review_score > 0.5)):
            label = "negative"
        elif praise - complaints >= COMPLAINT_FROM:
            label = "positive"
        else:
            label = "neutral"
        out[topic] = (score_of(praise - complaints), label)
    return out


SHORT_REVIEW = 20   # characters: up to this, a review's clauses decide its label
MIXED_NEGATIVE = 1.5  # a mixed review is negative when its complaints weigh this many times its praise


def review_label(label: str, mentions: Sequence[ClauseMention]) -> str:
    """The review's label once its clauses are known (the review's score stays the model's).

    - A review the model calls positive that also complains (a negative clause) is mixed (褒贬不一)
      and not counted positive: negative when its complaints weigh at least `MIXED_NEGATIVE` times
      its praise, a complaint after a contrast word (但是, 不过, 就是, 可惜 …) counting twice, else
      neutral.
    - A short review (up to `SHORT_REVIEW` characters) is judged by its clauses: without any opinion
      ("点了外卖") it is neutral; with praise only ("这家味道实在太香") it is positive, with
      complaints only negative. A character model reads short texts poorly; the clauses do not.
    """
    if label not in ("positive", "neutral", "negative"):
        return label
    from cxdesk.core.analysis.clauses import value_of

    complaints = praise = 0.0
    for m in mentions:
        value = value_of(m.score)
        if m.label == "negative":
            complaints += -value * (2.0 if _CONTRAST_START.match(m.clause) else 1.0)
        elif m.label == "positive":
            praise += value
    if sum(len(m.clause) for m in mentions) <= SHORT_REVIEW:
        if complaints == 0.0 and praise == 0.0 and all(m.label == "neutral" for m in mentions):
            return "neutral"
        if complaints == 0.0 and praise > 0.0:
            return "positive"
        if praise == 0.0 and complaints > 0.0:
            return "negative"
    if label != "positive" or complaints == 0.0:
        return label
    return "negative" if complaints >= MIXED_NEGATIVE * praise else "neutral"


def assign_topics(text: str, matcher: TopicMatcher | None = None, *,
                  scorer: Callable[[list[str]], Sequence[float]] | None = None,
                  labeler: Callable[[float], str] | None = None) -> list[TopicMention]:
    """The topics a review talks about, each with the text about it and that text's sentiment.

    One `(topic, sentence, score, label)` per topic and sentence, built on `analyze_clauses`: the
    label weighs the topic's clauses in that sentence as `topic_verdicts` does, the score is their
    mean. A complaint outweighed by praise of the same topic elsewhere in the review
    (`topic_verdicts`, which also reads the review model's score of the whole text) is neutral, so
    a review complains about a topic exactly when it has a negative mention of it. Without `matcher` the general and restaurant templates are used. A
    `scorer` and `labeler` (tests, reports without sentiment) score the joined text per topic and
    sentence instead.
    """
    matcher = matcher if matcher is not None else default_matcher()
    if scorer is not None or labeler is not None:
        from cxdesk.core.analysis import sentiment
        from cxdesk.core.analysis.text import normalize

        segs = matcher.segments(normalize(text))
        if not segs:
            return []
        scorer = scorer or sentiment.score_sentences
        labeler = labeler or sentiment.label_for
        scores = list(scorer([s for _i, s in segs]))
        return [TopicMention(matcher.names[i], seg, None if sc is None else float(sc),
                             labeler(sc) if sc is not None else "unknown")
                for (i, seg), sc in zip(segs, scores)]
    clauses = analyze_clauses(text, matcher)
    if not clauses:
        return []
    from cxdesk.core.analysis import sentiment

    verdicts = topic_verdicts(clauses, sentiment.analyze_texts([text])[0].score)
    out: list[TopicMention] = []
    groups: dict[tuple[str, str], list[ClauseMention]] = {}
    for mention in clauses:
        for topic in mention.topics:
            groups.setdefault((mention.sentence, topic), []).append(mention)
    for (_sentence, topic), items in groups.items():
        joined = "，".join(m.clause for m in items) if not items[0].clause.isascii() else ", ".join(m.clause for m in items)
        scores = [m.score for m in items if m.score is not None]
        score = sum(scores) / len(scores) if scores else None
        label = lexicon_verdicts(items)[topic][1]
        if label == "negative" and verdicts[topic][1] != "negative":
            label = "neutral"
        out.append(TopicMention(topic, joined, score, label))
    # A complaint the review makes about a topic shows in at least one mention: the topic's most
    # negative sentence when no sentence alone was a complaint by the word list.
    for topic, (_score, verdict) in verdicts.items():
        mine = [i for i, m in enumerate(out) if m.topic == topic]
        if verdict == "negative" and mine and not any(out[i].label == "negative" for i in mine):
            i = min(mine, key=lambda i: 0.5 if out[i].score is None else out[i].score)
            out[i] = out[i]._replace(label="negative")
    return out


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


def _exists(db, name: str) -> bool:
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
    if _exists(db, name):
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


def _refresh_topic_cache(db, where: str, params: Sequence) -> None:
    """Rewrite the `feedback.topics` display cache (JSON list of names) for the rows selected."""
    db.execute(
        "UPDATE feedback SET topics = (SELECT json_group_array(name) FROM ("
        "  SELECT t.name AS name FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id"
        "  WHERE ft.feedback_id = feedback.id ORDER BY t.id)) "
        f"WHERE {where}", list(params))


def _refresh_for_topic(db, topic_id: int) -> None:
    _refresh_topic_cache(db, "id IN (SELECT feedback_id FROM feedback_topics WHERE topic_id = ?)", [topic_id])


def rename_topic(db, old: str, new: str) -> Changes:
    topic = get_topic(db, old)
    new = _clean_name(new)
    if new == topic.name:
        return Changes()
    if _exists(db, new):
        raise InvalidValueError(
            _("A topic named “{name}” already exists; merge the two topics instead.").format(name=new))
    # The old name stays a synonym, so reviews that say it still land here.
    syns = [topic.name] + [s for s in topic.synonyms if s not in (topic.name, new)]
    with db.atomic():
        db.execute("UPDATE topics SET name = ?, synonyms = ?, updated_at = ? WHERE id = ?",
                   [new, json.dumps(syns, ensure_ascii=False), _now(), topic.id])
        _refresh_for_topic(db, topic.id)
    return Changes(topics=True, feedback=True)


def merge_topics(db, sources: Iterable[str], target: str) -> Changes:
    """Fold `sources` into `target` (created if missing): words, mentions and action links move."""
    target = _clean_name(target)
    source_topics = [get_topic(db, s) for s in dict.fromkeys(s.strip() for s in sources) if s != target]
    if not source_topics:
        return Changes()
    now = _now()
    with db.atomic():
        if not _exists(db, target):
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
            db.execute(
                "INSERT INTO feedback_topics(feedback_id, topic_id, sentiment, label, manual) "
                "SELECT feedback_id, ?, sentiment, label, manual FROM feedback_topics WHERE topic_id = ? "
                "ON CONFLICT(feedback_id, topic_id) DO UPDATE SET manual = max(manual, excluded.manual)",
                [tgt.id, src.id])
            db.execute("INSERT OR IGNORE INTO action_topics(action_id, topic_id) "
                       "SELECT action_id, ? FROM action_topics WHERE topic_id = ?", [tgt.id, src.id])
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
            _refresh_topic_cache(db, f"id IN ({', '.join('?' * len(chunk))})", chunk)
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
    (see `keywords.keywords_for_topic`); it costs a second or so for a few thousand reviews.
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
            words = tuple(w for w, _weight in _keywords_for_topic(db, name, top_k=top_k, flt=flt, sample=300))
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


def _keywords_for_topic(db, name: str, *, top_k: int, flt, sample: int, labels: Sequence[str] = ()) -> list[tuple[str, float]]:
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
