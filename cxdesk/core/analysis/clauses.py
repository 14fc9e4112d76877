"""Sentiment of one clause: positive, neutral or negative, for topic mentions.

The review model reads a whole review well but not a short clause: most clauses state no opinion
("点了外卖", "我们点了三个菜"), and a character model still gives them a score away from 0.5. So a
clause is scored by opinion words and rules (`data/clause_lexicon.txt`, reviewed by hand and checked
against labelled restaurant reviews):

- The clause is cut into words by longest match against the word list (characters it does not know
  are skipped). Words that only look like opinions (香菜, 好像, 别家, 会员卡) are listed too, so their
  parts do not count.
- Praise adds its weight, a complaint subtracts it, a lukewarm word (一般, 还行) counts as an opinion
  of weight 0. An intensifier just before (很, 非常, 超) multiplies the next opinion.
- A negator (不, 没有, 不太, 一点也不) flips the next opinion within four words (没有: eight, as in
  没有网上说的那些问题): 不新鲜 and 没有别家好吃 are complaints, 不贵 and 没有异味 praise. 不太 and
  不是很 flip with less weight.
- "Too much / not enough" (太, 有点, 偏, 不够) turns a plain adjective into a complaint: 有点咸, 太甜,
  偏少, 不够辣; praise stays praise (太好吃了).
- Size words take their sense from the noun before them: 分量大, 性价比高 are praise, 价格高, 噪音大
  complaints; alone (量, 大) they say nothing.
- A comparative needs no rule of its own: 比别家好吃 is praise through 好吃, 不如别家 a complaint.
- A question (吗, 是不是, 难道 …) with a weak opinion is neutral; sarcasm markers (呵呵, 醉了, 服了)
  are complaint words. Hearsay and what-if (听说, 都说, 如果, 以为, 担心) make the clause neutral:
  it is not the writer's own opinion.
- A long wait (等了四十分钟, 排队一个多小时; `LONG_WAIT_MINUTES` or more) is a complaint without any
  opinion word; 等了十分钟 is a fact.

The sum gives the label: >= `PRAISE_FROM` positive, <= -`PRAISE_FROM` negative, between (or no
opinion word at all) neutral. The score is a logistic of the sum, so 0.5 means no opinion.
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from importlib import resources
from typing import NamedTuple, Sequence

# Bump when the word list or the rules change, so every row gets its mentions again.
CLAUSE_MODEL = "lex-9"

PRAISE_FROM = 0.6
SCORE_SLOPE = 1.2
NEGATION_REACH = 4       # words after a negator that it still flips
LONG_NEGATORS = frozenset({"没有", "没", "无", "毫无", "并没有", "从没", "从来没有"})
LONG_NEGATION_REACH = 8  # 没有 negates a thing further on: 没有网上说的那些问题
EXCESS_REACH = 3
ATTRIBUTE_REACH = 1      # a size word right after its noun (degree words between are fine)
QUESTION_LIMIT = 2.5     # a question with a weaker opinion than this is neutral

_lock = threading.Lock()
_lexicon: dict[str, tuple[str, float]] | None = None
_longest = 1
_lengths: dict[str, tuple[int, ...]] = {}   # first character -> lengths of the words it starts, longest first
_LATIN = re.compile(r"[a-z][a-z']*")
_HAN = re.compile(r"[\u3400-\u9fff]")
ENGLISH_WEIGHT = 3.0
_OPINION_KINDS = {"+", "-", "=", "adj", "more", "less", "neg", "deg", "ex"}
_KINDS = {"+", "-", "=", "neg", "deg", "ex", "adj", "more", "less", "good", "bad", "con", "q", "x", "irr"}


class ClauseScore(NamedTuple):
    score: float | None
    label: str
    contrast: bool      # the clause starts after a contrast word (但是, 不过, 就是 …)


def _load() -> dict[str, tuple[str, float]]:
    global _lexicon, _longest
    if _lexicon is None:
        with _lock:
            if _lexicon is None:
                table: dict[str, tuple[str, float]] = {}
                text = (resources.files("cxdesk.core") / "data" / "clause_lexicon.txt").read_text(encoding="utf-8")
                for line in text.splitlines():
                    if not line.strip() or line.startswith("#"):
                        continue
                    parts = line.split("\t")
                    word, kind = parts[0].strip(), parts[1].strip()
                    if kind not in _KINDS:
                        raise ValueError(f"clause_lexicon.txt: unknown kind {kind!r} for {word!r}")
                    table[word] = (kind, float(parts[2]) if len(parts) > 2 else 1.0)
                _longest = max(len(w) for w in table)
                lengths: dict[str, set[int]] = {}
                for w in table:
                    lengths.setdefault(w[0], set()).add(len(w))
                _lengths.clear()
                _lengths.update({ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()})
                _lexicon = table
    return _lexicon


# A clause is read twice in a row (for the topic it implies, `implied.py`, then for its score): the
# second reading comes from here. The word list never changes while the app runs.
@lru_cache(maxsize=4096)
def tokens(clause: str) -> tuple[tuple[str, str, float], ...]:
    """(word, kind, weight) of the words of a normalised clause; unknown characters are kind ''."""
    return tuple(_tokens(clause))


def _tokens(clause: str) -> list[tuple[str, str, float]]:
    table = _load()
    out: list[tuple[str, str, float]] = []
    text = clause.lower()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if "a" <= ch <= "z":
            m = _LATIN.match(text, i)
            word = m.group(0)
            kind, weight = table.get(word, ("", 0.0))
            out.append((word, kind, weight))
            i = m.end()
            continue
        for size in _lengths.get(ch, ()):
            if size > n - i:
                continue
            entry = table.get(text[i:i + size])
            if entry is not None:
                out.append((text[i:i + size], entry[0], entry[1]))
                i += size
                break
        else:
            if not ch.isspace():
                out.append((ch, "", 0.0))
            i += 1
    return out


# "等了四十分钟", "排队一个多小时": a long wait is a complaint without any opinion word.
_WAIT_UNITS = ("小时", "钟头", "分钟")   # a clause without one of these tells of no wait (checked first)
_LONG_WAIT = re.compile(r"(?:等位|等|排队|排了|候)(?:到|了|着)?(?:过了|了)?[有就约]?(?:将近|快|差不多|足足|整整|大概|大约)?"
                        r"(?P<n>半个?|[0-9一二两三四五六七八九十几]+(?:个)?多?(?:个)?)(?:多)?"
                        rf"(?P<unit>{'|'.join(_WAIT_UNITS)})")
_WAIT_UNIT = re.compile("|".join(_WAIT_UNITS))
WAIT_WEIGHT = 1.2
# A wait shorter than this is no complaint: in labelled restaurant reviews "等了十多分钟", "等位10分钟"
# and "等了差不多15分钟" are told as facts, "等了二十分钟" and longer as complaints.
LONG_WAIT_MINUTES = 20
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "几": 3}


def _number(text: str) -> float:
    """The number in 20, 二十, 十多, 一个, 半个, 四十 (几 counts as 3)."""
    text = text.replace("个", "").replace("多", "")
    if text.startswith("半"):
        return 0.5
    if text.isdigit():
        return float(text)
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return 10.0 * (_CN_DIGITS.get(tens, 1) if tens else 1) + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return float(sum(_CN_DIGITS.get(ch, 0) for ch in text) or 1)


def long_wait(clause: str) -> bool:
    """True if the clause tells of a wait of at least `LONG_WAIT_MINUTES` (等了四十分钟, 排队一个多小时)."""
    if _WAIT_UNIT.search(clause) is None:
        return False    # most clauses, told apart without the whole pattern
    for m in _LONG_WAIT.finditer(clause):
        minutes = _number(m.group("n")) * (1 if m.group("unit") == "分钟" else 60)
        if minutes >= LONG_WAIT_MINUTES:
            return True
    return False


_PLAIN_KINDS = frozenset({"adj", "more", "less"})
# "如果没有活动就贵了", "要是原价来吃有点小贵": a price without the deal is the writer's own complaint,
# even when told as a what-if.
_NO_DEAL = re.compile(r"原价|不打折|没[有了]?(?:活动|团购|优惠|折扣|打折|券|抵用券|代金券)")
_POSTPOSED_NEGATION = re.compile(r"(?:一点|一丝|丝毫|任何|什么|半点)[^，,]{1,10}?(?:都|也)(?:没有|没)[了啊呢的哦呀吧]*\s*$")
_LEAD_KINDS = frozenset({"+", "-", "=", "neg", "deg", "ex", "adj", "more", "less"})
_LEAD_CHARS = "也都还就又而并且再更很太"


@lru_cache(maxsize=16_384)
def starts_with_opinion(clause: str) -> bool:
    """True if the clause states no opinion, or states it before any other word (很周到, 也不错)."""
    words = tokens(clause)
    if not any(kind in ("+", "-", "=", "adj", "more", "less") for _w, kind, _x in words):
        return True
    word, kind, _weight = words[0]
    return kind in _LEAD_KINDS or word[0] in _LEAD_CHARS


def _word_value(kind: str, weight: float, excess: float, attribute: int) -> float | None:
    """What one word says before negation and degree: `excess` is the weight of a "too much"
    word just before (0 if none), `attribute` the sense of a size noun just before (0 if none)."""
    if kind in ("+", "-"):
        return weight if kind == "+" else -weight * (max(excess, 1.0) if excess else 1.0)
    if kind in ("more", "less") and attribute:
        return float((1 if kind == "more" else -1) * attribute)
    if kind in ("more", "less", "adj", "bad") and excess:
        return -excess
    return None


def opinion(clause: str) -> tuple[float, bool, bool, bool]:
    """(sum, has an opinion, is a question, starts with a contrast) of one normalised clause."""
    total = 0.0
    found = question = contrast = hearsay = False
    if long_wait(clause):
        total, found = -WAIT_WEIGHT, True
    neg_sign, neg_weight, neg_ttl = 1, 1.0, 0
    mult, deg_ttl = 1.0, 0
    excess, ex_ttl = 0.0, 0
    attribute, attr_ttl = 0, 0
    first = True
    from_ex = False
    words = tokens(clause)
    for index, (word, kind, weight) in enumerate(words):
        if not kind:   # a word the list does not know (most): it only uses up the reach of those before
            first = False
            neg_ttl, deg_ttl = neg_ttl - (neg_ttl > 0), deg_ttl - (deg_ttl > 0)
            ex_ttl, attr_ttl = ex_ttl - (ex_ttl > 0), attr_ttl - (attr_ttl > 0)
            continue
        if kind == "deg" and word == "好" and (index + 1 == len(words) or words[index + 1][1] not in _OPINION_KINDS):
            kind, weight = "+", 1.0     # 好 is praise unless it intensifies what follows (好吃, 好贵)
        if kind == "con":
            if first:
                contrast = True
            neg_ttl = deg_ttl = ex_ttl = attr_ttl = 0
            first = False
            continue
        first = False
        if kind == "neg":
            neg_sign, neg_weight = -neg_sign if neg_ttl else -1, weight
            neg_ttl = LONG_NEGATION_REACH if word in LONG_NEGATORS else NEGATION_REACH
            continue
        if kind == "deg":
            mult, deg_ttl = (mult if deg_ttl else 1.0) * weight, 2
            continue
        if kind == "ex":
            excess, ex_ttl = weight, EXCESS_REACH
            from_ex = word == "不够"
            if from_ex:
                neg_sign, neg_weight, neg_ttl = -1, 1.0, NEGATION_REACH
            continue
        if kind == "q":
            question = True
            continue
        if kind == "irr":
            hearsay = True
            continue
        if kind == "=":
            found = True
            neg_ttl = deg_ttl = ex_ttl = 0
            continue
        value = _word_value(kind, weight, excess if ex_ttl else 0.0, attribute if attr_ttl else 0)
        if kind in ("good", "bad"):
            attribute, attr_ttl = (1 if kind == "good" else -1), ATTRIBUTE_REACH + 1
        if value is None:
            if neg_ttl and kind in _PLAIN_KINDS and not from_ex:
                neg_ttl, neg_sign = 0, 1    # 一点也不老很嫩: the negator was the plain adjective's
            if neg_ttl:
                neg_ttl -= 1
            if deg_ttl:
                deg_ttl -= 1
            if ex_ttl:
                ex_ttl -= 1
            if attr_ttl:
                attr_ttl -= 1
            continue
        if neg_ttl and neg_sign < 0 and not (from_ex and kind not in ("+", "-")):
            value = -value * neg_weight * (0.7 if value < 0 else 1.0)
        if deg_ttl:
            value *= mult
        total += value
        found = True
        neg_ttl = deg_ttl = ex_ttl = 0
        neg_sign, from_ex = 1, False
    total, question = _whole_clause(clause, total, question, hearsay)
    return total, found, question, contrast


def _whole_clause(clause: str, total: float, question: bool, hearsay: bool) -> tuple[float, bool]:
    """What only the whole clause shows: a question mark, a negator after what it denies, hearsay."""
    if not question and clause.rstrip().endswith(("?", "？")):
        question = True
    if total and _POSTPOSED_NEGATION.search(clause):
        # 一点腥味都没有: the negator comes after what it denies.
        total = -total * (0.7 if total < 0 else 1.0)
    if hearsay and not (total < 0 and _NO_DEAL.search(clause)):
        total = 0.0
    return total, question


@lru_cache(maxsize=16_384)
def score_clause(clause: str) -> ClauseScore:
    """Score and label of one normalised clause (see the module text). Kept per clause: reviews
    repeat the same clauses (物流很快, 味道不错) over and over, and the word list never changes."""
    if not clause or not clause.strip():
        return ClauseScore(None, "unknown", False)
    total, found, question, contrast = opinion(clause)
    if question and abs(total) < QUESTION_LIMIT:
        total = 0.0
    if not found:
        return ClauseScore(0.5, "neutral", contrast)
    return ClauseScore(score_of(total), label_of(total), contrast)


def label_of(value: float) -> str:
    """positive / neutral / negative for an opinion sum."""
    if value >= PRAISE_FROM:
        return "positive"
    if value <= -PRAISE_FROM:
        return "negative"
    return "neutral"


def score_of(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-SCORE_SLOPE * max(min(value, 30.0), -30.0)))


def value_of(score: float | None) -> float:
    """The opinion sum behind a clause score (0 for no score)."""
    if score is None or score <= 0.0 or score >= 1.0:
        return 0.0 if score is None else (30.0 if score >= 1.0 else -30.0)
    return math.log(score / (1.0 - score)) / SCORE_SLOPE


def score_clauses(units: Sequence[tuple[str, str]]) -> list[tuple[float | None, str]]:
    """(score, label) per (sentence, clause) of normalised text; score is the probability of praise.

    Clauses in Latin script (English) are scored by the English review model
    (`english.clause_logits`); the others by the word list.
    """
    out: list[tuple[float | None, str] | None] = [None] * len(units)
    latin: list[int] = []
    for i, (_sentence, clause) in enumerate(units):
        if _HAN.search(clause) is None and _LATIN.search(clause.lower()) is not None:
            latin.append(i)
            continue
        result = score_clause(clause)
        out[i] = (result.score, result.label)
    if latin:
        # The English review model scores English clauses too (a clause without opinion evidence
        # stays near 0); its logit z is taken as the opinion sum z / SCORE_SLOPE, so the score is
        # sigmoid(z) and sums with other clauses like the word list's.
        from cxdesk.core.analysis import english

        for i, z in zip(latin, english.clause_logits([units[i][1] for i in latin]).tolist()):
            value = z / SCORE_SLOPE
            out[i] = (score_of(value), label_of(value))
    return out  # type: ignore[return-value]


__all__ = ["CLAUSE_MODEL", "ClauseScore", "score_clause", "score_clauses", "tokens", "opinion", "label_of",
           "score_of", "value_of"]
