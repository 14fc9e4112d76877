"""Topics a complaint implies without naming them: 太慢了 is about 上菜速度, 好脏 about 卫生.

A clause that names no topic word but complains with a word listed in `data/implied_topics.txt`
goes to that word's topic, when the business has it. Only complaints imply a topic (the clause's
opinion sum from `clauses.opinion` is negative by the word list), so 不慢 or 一点都不腻 do not. Size
words (小, 少, 不大) take their topic from the noun before them (量太少 → 分量) and imply nothing
after a noun of another kind (人太多 is neither 分量 nor 环境). A long wait told
without opinion words (等了四十分钟, see `clauses.long_wait`) implies the entry `(long wait)`.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources
from typing import Callable, Iterable

from cxdesk.core.analysis.wordscan import longest_words

_lock = threading.Lock()
_table: dict[str, tuple[str, ...]] | None = None
WAIT = "(long wait)"   # the entry for a long wait told without opinion words (等了四十分钟)
_NOUN_KINDS = frozenset({"good", "bad"})
_SIZE_KINDS = frozenset({"more", "less", "adj"})


def table() -> dict[str, tuple[str, ...]]:
    """word -> the topics it implies, in order of preference."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                text = (resources.files("cxdesk.core") / "data" / "implied_topics.txt").read_text(encoding="utf-8")
                out: dict[str, tuple[str, ...]] = {}
                for line in text.splitlines():
                    if not line.strip() or line.startswith("#"):
                        continue
                    word, topics = line.split("\t")
                    out[word.strip()] = tuple(t.strip() for t in topics.split(",") if t.strip())
                _table = out
    return _table


def for_topics(names: Iterable[str]) -> dict[str, int]:
    """word -> index (in `names`) of the first topic it implies that `names` holds."""
    index = {name: i for i, name in enumerate(names)}
    out: dict[str, int] = {}
    for word, topics in table().items():
        for topic in topics:
            if topic in index:
                out[word] = index[topic]
                break
    return out


def scanner(words: dict[str, int]) -> Callable[[str], bool]:
    """A quick test for `implied_topics(clause, words)`: False when the clause cannot imply a topic,
    because none of `words` occurs in it (the regex engine looks) and it tells of no long wait.
    Every topic `implied_topics` finds comes from one of `words` read in the clause, or from a long wait."""
    pattern = longest_words(w for w in words if w != WAIT) if len(words) > (WAIT in words) else None
    wait = WAIT in words

    def may_imply(clause: str) -> bool:
        if pattern is not None and pattern.search(clause.lower()) is not None:
            return True
        if wait:
            from cxdesk.core.analysis.clauses import long_wait

            return long_wait(clause)
        return False

    return may_imply


@lru_cache(maxsize=8192)
def _evidence(clause: str) -> tuple[tuple[str, str], ...]:
    from cxdesk.core.analysis.clauses import tokens

    return tuple((word, kind) for word, kind, _weight in tokens(clause) if kind)


def implied_topics(clause: str, words: dict[str, int]) -> list[int]:
    """Indexes of the topics `clause` implies (see the module text); `words` from `for_topics`.

    Call it for a clause that names no topic word. Empty unless the clause complains.
    """
    if not words:
        return []
    found: list[int] = []
    noun: str | None = None
    for word, kind in _evidence(clause):
        if kind in _NOUN_KINDS:
            noun = word
            continue
        if kind in _SIZE_KINDS:
            if noun is not None:
                index = words.get(noun)
            else:
                index = words.get(word)
        else:
            index = words.get(word) if kind == "-" else None
        if index is not None and index not in found:
            found.append(index)
    if not found and WAIT in words:
        from cxdesk.core.analysis.clauses import long_wait

        if long_wait(clause):
            return [words[WAIT]]
    if not found:
        return []
    from cxdesk.core.analysis.clauses import PRAISE_FROM, opinion

    total, _found, question, _contrast = opinion(clause)
    return found if total <= -PRAISE_FROM and not question else []


__all__ = ["table", "for_topics", "implied_topics", "scanner"]
