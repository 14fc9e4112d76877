"""Keywords of a set of reviews: jieba segmentation with our stop words and the shop's own words.

jieba is loaded on first use (about half a second), once per process, with its cache file in the
cxdesk cache folder. Words the owner adds (product names, dishes) and the topic synonyms are added to
jieba's dictionary so segmentation keeps them whole; keyword extraction then sees them as one word.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

log = logging.getLogger(__name__)

_lock = threading.RLock()
_jieba = None
_added_words: set[str] = set()  # extra words currently wanted (user words, topic synonyms)
_introduced: set[str] = set()  # of those, words jieba did not know before (safe to remove again)
_generation = [0]              # counts the changes `sync_words` made to jieba's words (see `cut`)

_HAN = re.compile(r"[\u3400-\u9fff]")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]{1,30}")
_NUMERIC = re.compile(r"^[\d.,%％:：/\-+]+$")
_KEEP_CHARS = re.compile(r"[\w\u3400-\u9fff]")
# A word jieba guessed (not in its dictionary) is kept only as “modifier + one word”: 太慢, 偏小, 不腻.
# Other guesses are pieces cut across words, such as 肥而 from 肥而不腻, which read as nonsense.
_MODIFIERS = frozenset("不没太很偏超挺较蛮巨好真最特更有")


def whole_word(tok: str, freq: dict, added: set[str] | frozenset[str] = frozenset()) -> bool:
    """True when `tok` is a dictionary word, one of the owner's words, or a modifier with one known word."""
    if tok in added or freq.get(tok) or tok.isascii():
        return True
    if len(tok) < 2 or tok[0] not in _MODIFIERS:
        return False
    rest = tok[1:]
    return bool(freq.get(rest)) or (len(rest) == 1 and rest not in _MODIFIERS)


def _data_path(name: str):
    return resources.files("cxdesk.core") / "data" / name


def jieba_module():
    """jieba, initialised once: cache in the cxdesk cache folder, our user dictionary loaded."""
    global _jieba
    if _jieba is not None:
        return _jieba
    with _lock:
        if _jieba is not None:
            return _jieba
        import jieba

        from cxdesk.core.storage import cache_dir

        jieba.setLogLevel(logging.WARNING)
        jieba.dt.tmp_dir = str(cache_dir())
        jieba.dt.cache_file = "jieba.cache"
        jieba.dt.initialize()
        with resources.as_file(_data_path("userdict_zh.txt")) as path:
            jieba.dt.load_userdict(str(path))
        _jieba = jieba
    return _jieba


def sync_words(words: Iterable[str | tuple]) -> None:
    """Make jieba know exactly these extra words (on top of its own and our shipped dictionary).

    Items are a word or `(word, freq, tag)`; words added by an earlier call and no longer listed are
    removed again, so renaming or deleting a word in the database takes effect in this process.
    """
    jb = jieba_module()
    wanted: dict[str, tuple] = {}
    for item in words:
        if isinstance(item, str):
            word, freq, tag = item, None, None
        else:
            word, freq, tag = (tuple(item) + (None, None))[:3]
        word = (word or "").strip()
        if word and not word.isspace():
            wanted[word] = (freq, tag)
    with _lock:
        freq_table = jb.dt.FREQ
        for word in _introduced - set(wanted):
            _forget(jb.dt, word)
            _introduced.discard(word)
            _generation[0] += 1
        for word, (freq, tag) in wanted.items():
            if word in _added_words and freq is None:
                continue
            if not freq_table.get(word):
                _introduced.add(word)  # only words jieba did not know are removed again later
            jb.add_word(word, freq=int(freq) if freq else None, tag=tag or None)
            _generation[0] += 1
        _added_words.clear()
        _added_words.update(wanted)


def words_generation() -> int:
    """Counts the changes `sync_words` made to jieba's words: what was cut before another count may
    be cut differently now."""
    return _generation[0]


def cut(text: str) -> tuple[str, ...]:
    """jieba's words of `text` (`lcut`, with the shop's words), kept per text: clauses repeat (不好用,
    反应慢 come back hundreds of times in 100,000 reviews). A change of words by `sync_words` starts
    a new generation, so a text is never served as cut with other words."""
    return _cut(text, _generation[0])


# Kept small: each analysis worker holds its own, and the 1M-row analysis must stay under 600 MB.
@lru_cache(maxsize=4096)
def _cut(text: str, _generation: int) -> tuple[str, ...]:
    return tuple(jieba_module().dt.lcut(text))


def _forget(tokenizer, word: str) -> None:
    """Undo an add_word of a word jieba did not know. (jieba's del_word would also force the word's
    characters apart for good, so text would be cut differently than before the word was ever added.)"""
    tokenizer.total -= tokenizer.FREQ.get(word, 0)
    tokenizer.FREQ[word] = 0            # a zero entry is not a word; it may still be a prefix of one
    tokenizer.user_word_tag_tab.pop(word, None)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Chinese and English stop words shipped in `cxdesk/core/data`."""
    words: set[str] = set()
    for name in ("stopwords_zh.txt", "stopwords_en.txt"):
        for line in _data_path(name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.add(line.lower())
    return frozenset(words)


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (from a large general corpus) and its median for unseen words."""
    import jieba.analyse

    jieba_module()
    tfidf = jieba.analyse.TFIDF()
    return tfidf.idf_freq, tfidf.median_idf


def tokens(text: str, *, extra_stop: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Content words of one text: no stop words, punctuation, numbers or single characters.

    Single characters are kept only when the owner declared them (user words).
    """
    if not text:
        return []
    stops = stop_words()
    out: list[str] = []
    if _HAN.search(text):
        jb = jieba_module()
        freq = jb.dt.FREQ
        for tok in jb.dt.lcut(text):
            tok = tok.strip()
            if not tok or not _KEEP_CHARS.search(tok) or not whole_word(tok, freq, _added_words):
                continue
            low = tok.lower()
            if low in stops or low in extra_stop or _NUMERIC.match(tok):
                continue
            if len(tok) == 1 and tok not in _added_words:
                continue
            if tok.isascii():
                if len(tok) < 3 or not tok.isalpha():
                    continue
                tok = low
            out.append(tok)
    else:
        for m in _EN_WORD.finditer(text):
            low = m.group(0).lower().strip("'-")
            if len(low) >= 3 and low not in stops and low not in extra_stop:
                out.append(low)
    return out


def extract_keywords(texts: Sequence[str] | Iterable[str], top_k: int = 20,
                     user_words: Iterable[str | tuple] | None = None, *, method: str = "tfidf",
                     exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
    """The `top_k` most telling words of a collection of reviews, with weights scaled to 0..1.

    `tfidf`: each word counts once per review (document frequency) times jieba's IDF, so a word
    that many reviews use but that is rare in general Chinese ranks first. `textrank`: jieba's
    TextRank over the joined reviews (nouns and verbs only). `user_words`, when given, are added to
    jieba first (see `sync_words`). Words in `exclude` (e.g. a topic's own synonyms) are left out.
    """
    from cxdesk.core.analysis.text import normalize

    if user_words is not None:
        sync_words(user_words)
    excluded = {w.lower() for w in exclude if w}
    texts = [normalize(t) for t in texts]
    texts = [t for t in texts if t]
    if not texts or top_k <= 0:
        return []
    if method == "textrank":
        return _textrank(texts, top_k, excluded)
    if method != "tfidf":
        raise ValueError(f"unknown keyword method {method!r}")
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(tokens(text, extra_stop=excluded)))
    if not df:
        return []
    idf, median = _idf()
    n = len(texts)
    scored = []
    for word, count in df.items():
        if count < 2 and n >= 20:
            continue  # a word in one review out of many is noise, not a theme
        weight = (count / n) * idf.get(word, median)
        scored.append((word, weight))
    if not scored:
        scored = [(w, (c / n) * idf.get(w, median)) for w, c in df.items()]
    scored.sort(key=lambda item: (-item[1], item[0]))
    top = scored[:top_k]
    peak = top[0][1] or 1.0
    return [(word, round(weight / peak, 4)) for word, weight in top]


def _textrank(texts: list[str], top_k: int, excluded: set[str]) -> list[tuple[str, float]]:
    import jieba.analyse

    jieba_module()
    ranker = jieba.analyse.TextRank()
    ranker.stop_words = set(ranker.stop_words) | set(stop_words()) | excluded
    joined = "\n".join(texts[:5000])
    found = ranker.textrank(joined, topK=top_k * 2, withWeight=True,
                            allowPOS=("n", "nr", "ns", "nz", "vn", "v", "a", "an", "eng"))
    out = [(w, float(s)) for w, s in found if w.lower() not in excluded and len(w) > 1
           and not math.isnan(s)][:top_k]
    peak = out[0][1] if out else 1.0
    return [(w, round(s / peak, 4)) for w, s in out]


__all__ = ["jieba_module", "sync_words", "words_generation", "cut", "stop_words", "tokens", "whole_word", "extract_keywords"]
