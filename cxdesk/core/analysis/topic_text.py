"""How a text is read for topics: sentences, clauses, the topics each clause names, and whether the
review praises or complains about each topic.

Assignment works on clauses: a review is split into sentences, sentences into clauses at commas and
at contrast words (但是, 不过, 却 …); a run-on clause without punctuation is also cut where a topic
word starts. Each clause goes to the topics it names; clauses that name none belong to the topic
named just before them in the same sentence. Each clause is scored on its own (`clauses.py`), so
`菜很好吃但是服务太慢` is 味道 positive and 服务 negative. Topic dictionaries live in `topics.py`,
which re-exports the names here.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Callable, Iterable, NamedTuple, Sequence

from cxdesk.core.analysis.keywords import words_generation
from cxdesk.core.analysis.wordscan import every_start, longest_words


class TopicMention(NamedTuple):
    topic: str
    sentence: str
    score: float | None
    label: str


class ClauseMention(NamedTuple):
    """One clause of a text: its sentence, the clause, the topics it is about (named in it, or named
    just before it in the same sentence), and the clause's own sentiment. `by_model` is True for a
    complaint the word list found no opinion in and the character model did (`MODEL_COMPLAINT_BELOW`)."""

    sentence: str
    clause: str
    topics: tuple[str, ...]
    score: float | None
    label: str
    by_model: bool = False


# ---------------------------------------------------------------------------------------------
# Splitting text into sentences and clauses

_SENTENCE_END = re.compile(r"[。！？!?；;…\n]+|(?<![\d.])\.(?![\d.])|\.{2,}")
_CLAUSE_SEP = re.compile(
    r"[，,、：:～~]+"
    r"|(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])"
    r"|(?<!不)(?=但是|可是|不过(?!来|瘾|分)|然而|只是|可惜)"
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
FOUND_MEMO = 50_000   # clauses whose topics a matcher keeps (emptied when full)
LONG_CLAUSE = 24   # characters without punctuation before a clause is cut at its topic words
MIN_PIECE = 4


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
        self._found: dict[str, tuple[int, ...]] = {}   # clause -> `find`: short clauses come back often
        self._found_words = words_generation()
        # Every word found at a position is a prefix of the longest one found there, so the longest
        # word at each position (one scan by the regex engine) gives all of them: `_within[longest]`
        # lists the topic indexes of the longest word and of every listed word it starts with.
        multi = {w: idxs for words in by_first.values() for w, idxs in words.items()}
        self._within = {w: sorted(i for k in range(1, len(w) + 1) for i in multi.get(w[:k], ())) for w in multi}
        self._words_re = longest_words(multi) if multi else None
        self._singles = singles
        self._single_chars = frozenset(singles)
        self._english = english
        from cxdesk.core.analysis.implied import for_topics, scanner

        self._implied = for_topics(names)
        self._may_imply = scanner(self._implied)
        self._english_re = None
        if english:
            alternation = "|".join(re.escape(w) for w in sorted(english, key=len, reverse=True))
            self._english_re = re.compile(rf"(?<![A-Za-z])(?:{alternation})(?:s|es)?(?![A-Za-z])", re.IGNORECASE)

    def __bool__(self) -> bool:
        return bool(self.names)

    def hits(self, clause: str) -> list[tuple[int, int]]:
        """(position, topic index) of every topic word in `clause`, in order."""
        hits: list[tuple[int, int]] = []
        if self._words_re is not None:
            within = self._within
            for pos, word in every_start(self._words_re, clause):
                hits.extend((pos, i) for i in within[word])
        if self._singles and not self._single_chars.isdisjoint(clause):
            from cxdesk.core.analysis.keywords import cut

            pos = 0
            for tok in cut(clause):
                idxs = self._singles.get(tok)
                if idxs is None and 1 < len(tok) <= 3:
                    if tok[:-1] in _DEGREE:
                        idxs = self._singles.get(tok[-1])
                    elif tok[-1] in "了死啦":
                        idxs = self._singles.get(tok[:-1]) if len(tok) == 2 else None
                if idxs:
                    hits.extend((pos, i) for i in idxs)
                pos += len(tok)
        if self._english_re is not None and _ASCII_LETTER.search(clause):
            for m in self._english_re.finditer(clause):
                word = m.group(0).lower()
                idxs = self._english.get(word)
                if idxs is None:
                    idxs = self._english.get(word[:-2] if word.endswith("es") and word[:-2] in self._english else word[:-1], set())
                hits.extend((m.start(), i) for i in idxs)
        return sorted(hits)

    def find(self, clause: str) -> list[int]:
        """Indexes of the topics named in `clause`, in order of first appearance."""
        if self._found_words != words_generation():   # jieba's words changed: so may single-character hits
            self._found.clear()
            self._found_words = words_generation()
        known = self._found.get(clause)
        if known is None:
            first: dict[int, int] = {}
            for pos, i in self.hits(clause):
                first.setdefault(i, pos)
            known = tuple(first)
            if len(self._found) >= FOUND_MEMO:
                self._found.clear()
            self._found[clause] = known
        return list(known)

    def _pieces(self, sentence: str) -> list[str]:
        """The clauses of a sentence; a run-on clause (no punctuation for `LONG_CLAUSE` characters,
        common in reviews typed on a phone) is cut where a topic word starts, so each topic keeps
        the opinion written next to it."""
        out: list[str] = []
        for clause in split_clauses(sentence):
            if len(clause) <= LONG_CLAUSE or not self.names or not _HAN_CHAR.search(clause):
                out.append(clause)
                continue
            cut = 0
            for pos, _i in self.hits(clause):
                if pos - cut >= MIN_PIECE and len(clause) - pos >= MIN_PIECE:
                    out.append(clause[cut:pos])
                    cut = pos
            out.append(clause[cut:])
        return out

    def clauses(self, sentence: str) -> list[tuple[str, list[int]]]:
        """Every clause of one sentence with the indexes of the topics it is about.

        A complaint that names no topic goes to the topic its complaint word implies (太慢了 →
        上菜速度, see `implied.py`). Any other clause that names no topic goes on about the topic
        named just before it in the same sentence ("服务员很热情，很周到"), for at most
        `MAX_FOLLOWING_CLAUSES` clauses and never across a contrast ("…，但是东西很差" starts
        something else), and only if it has no subject of its own before its opinion ("价钱蛮贵的，
        刺身拼盘不错" is not about the price twice).
        """
        from cxdesk.core.analysis.implied import implied_topics

        out: list[tuple[str, list[int]]] = []
        current: list[int] = []
        follow = 0
        for clause in self._pieces(sentence):
            found = named = self.find(clause) if self.names else []
            waited = bool(found and current and follow < MAX_FOLLOWING_CLAUSES and _CONTEXT_WORDS.search(clause)
                          and not self.find(_CONTEXT_WORDS.sub("，", clause)))
            if waited:
                # "外卖送得太慢了，等了一个多小时": the wait is the delivery's, not the kitchen's.
                found = []
            implied = ([] if named or not self.names or not self._may_imply(clause)
                       else implied_topics(clause, self._implied))
            if found or implied:
                current, follow = found or implied, 0
                out.append((clause, current))
            elif (current and follow < MAX_FOLLOWING_CLAUSES and not _CONTRAST_START.match(clause)
                  and (waited or continues(clause))):
                follow += 1
                out.append((clause, list(current)))
            else:
                current = []
                out.append((clause, []))
        return out

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
    from cxdesk.core.analysis.topics import DEFAULT_BUSINESS, GENERAL_TEMPLATE, TEMPLATES

    merged: dict[str, list[str]] = {}
    for template in (GENERAL_TEMPLATE, DEFAULT_BUSINESS):
        for name, syns in TEMPLATES[template].items():
            merged.setdefault(name, []).extend(syns)
    return TopicMatcher(merged.items())


def analyze_clauses(text: str, matcher: TopicMatcher | None = None) -> list[ClauseMention]:
    """Every clause of `text` (also those about no topic), with its topics and its own sentiment.

    Without `matcher` the general and restaurant templates are used. A clause that states no opinion
    ("点了外卖") is neutral; see `clauses.py` for how a clause is scored. A matcher with a `memo`
    (the analysis run's) keeps each sentence's result: reviews repeat sentences (物流很快, 好评) a lot.
    """
    return analyze_many([text], matcher)[0]


def analyze_many(texts: Sequence[str | None], matcher: TopicMatcher | None = None) -> list[list[ClauseMention]]:
    """`analyze_clauses` of each text, read together: each distinct sentence of the batch is read
    once, and all their clauses are scored in one call (the character model's check is one numpy
    pass for the whole batch instead of one per review)."""
    from cxdesk.core.analysis.text import normalize

    matcher = matcher if matcher is not None else default_matcher()
    memo = matcher.memo if matcher.memo is not None else {}
    per_text = [split_sentences(normalize(text)) for text in texts]
    todo = list(dict.fromkeys(s for sentences in per_text for s in sentences if s not in memo))
    fresh = _clauses_of(todo, matcher) if todo else {}
    if matcher.memo is not None and len(memo) < MEMO_SENTENCES:
        for sentence in todo[:MEMO_SENTENCES - len(memo)]:
            memo[sentence] = fresh[sentence]
    parts = {**{s: memo[s] for sentences in per_text for s in sentences if s not in fresh}, **fresh}
    return [[ClauseMention(sentence, *part) for sentence in sentences for part in parts[sentence]]
            for sentences in per_text]


# Sentences a memo keeps (a few hundred bytes each); the first ones met stay, which are also the ones
# that come back most.
MEMO_SENTENCES = 4_000


# A clause about a topic in which the word list finds no opinion ("服务员爱答不理", "菜里有头发") is a
# complaint when the character model (the review model, `sentiment.score_sentences`) gives it a
# probability of praise below MODEL_COMPLAINT_BELOW; it then weighs MODEL_COMPLAINT_VALUE, like a plain
# complaint word. Chinese clauses of at least MODEL_COMPLAINT_MIN_CHARS characters only: the model
# reads shorter ones poorly. Chosen on half of the held-out Dianping reviews, see bench/bench_topics.py.
MODEL_COMPLAINT_BELOW = 0.1
MODEL_COMPLAINT_VALUE = 1.0
MODEL_COMPLAINT_MIN_CHARS = 4


def _clauses_of(sentences: Sequence[str], matcher: TopicMatcher) -> dict[str, tuple]:
    """(clause, topic names, score, label, by_model) of every clause, per sentence, scored in one call."""
    from cxdesk.core.analysis import clauses as clause_model

    units: list[tuple[str, str, tuple[str, ...]]] = []
    for sentence in sentences:
        for clause, found in matcher.clauses(sentence):
            units.append((sentence, clause, tuple(matcher.names[i] for i in found)))
    out: dict[str, list] = {s: [] for s in sentences}
    if units:
        scored = clause_model.score_clauses([(u[0], u[1]) for u in units])
        by_model = _model_complaints(units, scored)
        for k, ((sentence, clause, names), (score, label)) in enumerate(zip(units, scored)):
            if k in by_model:
                value = -MODEL_COMPLAINT_VALUE
                out[sentence].append((clause, names, clause_model.score_of(value), clause_model.label_of(value), True))
            else:
                out[sentence].append((clause, names, score, label, False))
    return {s: tuple(parts) for s, parts in out.items()}


def _model_complaints(units: Sequence[tuple[str, str, tuple[str, ...]]],
                      scored: Sequence[tuple[float | None, str]]) -> set[int]:
    """Indexes of the clauses about a topic that the word list holds no opinion in and the character
    model finds clearly negative (see `MODEL_COMPLAINT_BELOW`)."""
    if MODEL_COMPLAINT_BELOW <= 0.0:
        return set()
    from cxdesk.core.analysis import sentiment

    todo = [k for k, ((_s, clause, names), (score, _label)) in enumerate(zip(units, scored))
            if names and score == 0.5 and len(clause) >= MODEL_COMPLAINT_MIN_CHARS and _HAN_CHAR.search(clause)]
    if not todo:
        return set()
    probs = sentiment.score_sentences([units[k][1] for k in todo])
    return {k for k, p in zip(todo, probs) if p is not None and p < MODEL_COMPLAINT_BELOW}


# How the clauses about one topic in one review add up (`topic_verdicts`); tuned on labelled
# restaurant reviews, see bench/bench_topics.py.
COMPLAINT_FROM = 0.6        # the complaints about a topic must weigh at least this
COMPLAINT_OVER_PRAISE = 2.0  # ... and at least twice the praise of the same topic
GLOWING_LOGIT = 4.0         # a review the review model scores above this logit (p > 0.98) is glowing:
GLOWING_SLOPE = 1.0         # ... per logit above it, a complaint must weigh this much more
# Topics about the product as a whole, where a review weighs many items (dishes): one item's flaw
# (鱼有点咸) in a review the model finds positive is no complaint about the food.
WHOLE_PRODUCT_TOPICS = frozenset({"味道"})
# The learned model's threshold rises by this much per logit of the review score above this one
# (chosen on the tuning split and the JD 5-star share, see bench/bench_topics.py).
LEARNED_GLOWING_LOGIT = 3.0
LEARNED_GLOWING_SLOPE = 0.25
# ... and by this much in a review with this many stars (the rating, when the row has one). A single
# complaining clause in a 5-star review is an aside unless the model is very sure: on the JD reviews
# with ratings passed, 0.45 left 14.4 % of negative mentions in 5-star reviews; with the lex-9 word
# list 0.6 leaves 9.5 %, 0.65 7.3 % (0.7: 5.4 %); unrated rows (and the Dianping figures) do not move.
RATED_BAR = {5: 0.65, 4: 0.2}


def topic_verdicts(mentions: Sequence[ClauseMention], review_score: float | None = None, *,
                   learned: bool = True, rating: float | None = None) -> dict[str, tuple[float | None, str]]:
    """One (score, label) per topic of a whole review: the word list's verdict (`lexicon_verdicts`),
    then, given the review model's `review_score`, the learned mention model (`mentions.py`) decides
    whether the review complains about the topic: negative when its probability reaches the model's
    threshold, else the word list's label with a complaint turned neutral. A topic whose clauses hold
    no complaint at all (点了外卖) is never negative. Without `review_score`, or with `learned=False`,
    the word list's verdicts alone.

    A complaint made in one clause only must be surer in a glowing review (the review model's logit
    above `LEARNED_GLOWING_LOGIT`) and, when the row's star `rating` (1-5) is known, in a 4- or
    5-star review (`RATED_BAR`): an aside is not what the review says. Without a rating the text
    alone decides.
    """
    verdicts = lexicon_verdicts(mentions, review_score)
    if not learned or review_score is None:
        return verdicts
    from cxdesk.core.analysis import mentions as mention_model

    glow = 0.0
    if 0.0 < review_score < 1.0:
        # In a glowing review a complaint made once must be surer: an aside is not what the review says.
        glow = LEARNED_GLOWING_SLOPE * max(0.0, math.log(review_score / (1.0 - review_score)) - LEARNED_GLOWING_LOGIT)
    if rating is not None:
        glow = max(glow, RATED_BAR.get(int(round(rating)), 0.0))
    out: dict[str, tuple[float | None, str]] = {}
    for topic, (score, label) in verdicts.items():
        if label == "unknown":
            out[topic] = (score, label)
            continue
        # A topic whose clauses hold no complaint at all (点了外卖) is never one, whatever the model says.
        said = [m for m in mentions if topic in m.topics and m.score is not None and m.score < 0.5]
        p = mention_model.complaint_probability(topic, mentions, review_score, label) if said else 0.0
        # Even after a contrast word (就是上菜有点慢): the JD 5-star share rises by two points when
        # such asides count, the Dianping figures do not move.
        if p >= mention_model.threshold() + (glow if len(said) == 1 else 0.0):
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

    A complaint only the character model found (`ClauseMention.by_model`) is not counted here: the
    review's own label already comes from that model.
    """
    if label not in ("positive", "neutral", "negative"):
        return label
    from cxdesk.core.analysis.clauses import value_of

    complaints = praise = 0.0
    for m in mentions:
        if m.by_model:
            continue
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
                  labeler: Callable[[float], str] | None = None, rating: float | None = None) -> list[TopicMention]:
    """The topics a review talks about, each with the text about it and that text's sentiment.

    One `(topic, sentence, score, label)` per topic and sentence, built on `analyze_clauses`: the
    label weighs the topic's clauses in that sentence as `topic_verdicts` does, the score is their
    mean. A complaint outweighed by praise of the same topic elsewhere in the review
    (`topic_verdicts`, which also reads the review model's score of the whole text) is neutral, so
    a review complains about a topic exactly when it has a negative mention of it. `rating` (the
    row's stars, 1-5, when known) is passed on to `topic_verdicts`. Without `matcher` the general
    and restaurant templates are used. A
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

    verdicts = topic_verdicts(clauses, sentiment.analyze_texts([text])[0].score, rating=rating)
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
