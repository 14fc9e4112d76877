"""Does a review complain about a topic? A small learned model over the clause scorer's evidence.

The clause word list (`clauses.py`) decides what each clause says; this model decides, per review and
topic, whether the review complains about the topic. It reads:

- the word list's evidence about the topic: the weight of its complaints and praise, the verdict the
  rules give, whether a complaint follows a contrast word (但是, 就是 …);
- the review model's logit for the whole text (a glowing review rarely complains), and the weight of
  complaints that name no topic;
- character 1-3-grams of the clauses about the topic, and, per topic, character 2-3-grams of the
  clauses about no other topic: this is how a complaint that names no topic word is found
  (等了很久 → 上菜速度, 太贵了 → 价格, 就这么点 → 分量).

Logistic regression over hashed features (`DIM` weights, `data/mention_model.npz`), trained by
`bench/train_mentions.py` on the tuning part of the Dianping reviews labelled aspect by aspect (AI
Challenger 2018), never on the held-out part `bench/bench_topics.py` reports. Topics the model was
not trained on get the evidence features only (no topic-specific ones) and are found only where
named.
"""

from __future__ import annotations

import math
import threading
import zlib
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np

MENTION_MODEL = "m1"
DIM = 1 << 16

_lock = threading.Lock()
_model: dict | None = None


def _load() -> dict:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                with (resources.files("cxdesk.core") / "data" / "mention_model.npz").open("rb") as fh:
                    raw = np.load(fh, allow_pickle=False)
                    _model = {"w": raw["w"].astype(np.float64), "threshold": float(raw["threshold"]),
                              "topics": frozenset(str(t) for t in raw["topics"].tolist())}
    return _model


def known_topics() -> frozenset[str]:
    """Topic names the model learned topic-specific features for (it finds them also unnamed)."""
    return _load()["topics"]


def threshold() -> float:
    return _load()["threshold"]


@lru_cache(maxsize=16384)
def _clause_grams(clause: str) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    """The clause's distinct character 1-3-grams and 2-3-grams, as UTF-8 bytes."""
    def grams(sizes: Sequence[int]) -> tuple[bytes, ...]:
        out: set[str] = set()
        for n in sizes:
            for i in range(len(clause) - n + 1):
                out.add(clause[i:i + n])
        return tuple(g.encode("utf-8") for g in out)

    return grams((1, 2, 3)), grams((2, 3))


@lru_cache(maxsize=4096)
def _crc(prefix: str) -> int:
    return zlib.crc32(prefix.encode("utf-8"))


def _feature_list(topic: str, mentions: Sequence, review_score: float | None, lexicon_label: str | None,
                  topic_specific: bool) -> tuple[list[int], list[float]]:
    """Weight indexes and values of the features; an index may repeat (its values add up)."""
    from cxdesk.core.analysis.clauses import value_of
    from cxdesk.core.analysis.topics import _CONTRAST_START

    keys: list[int] = []
    vals: list[float] = []

    def add(key: str, value: float = 1.0) -> None:
        keys.append(_crc(key) % DIM)
        vals.append(value)

    add("bias")
    add("t:" + topic)
    mine = [m for m in mentions if topic in m.topics]
    values = [value_of(m.score) for m in mine if m.score is not None]
    complaints = -sum(v for v in values if v < 0)
    praise = sum(v for v in values if v > 0)
    z = 0.0
    if review_score is not None:
        p = min(max(review_score, 1e-4), 1 - 1e-4)
        z = max(min(math.log(p / (1 - p)), 8.0), -8.0)
    add("z", z / 4)
    add("zpos", max(z, 0.0) / 4)
    add("t:z:" + topic, z / 4)
    add("comp", min(complaints, 4.0) / 2)
    add("praise", min(praise, 4.0) / 2)
    add("t:comp:" + topic, min(complaints, 4.0) / 2)
    if mine:
        add("matched")
        add("t:matched:" + topic)
        label = lexicon_label or "unknown"
        add("verdict:" + label)
        add(f"t:verdict:{topic}:{label}")
        if any(m.label == "negative" and _CONTRAST_START.match(m.clause) for m in mine):
            add("contrastneg")
    other = -sum(v for v in (value_of(m.score) for m in mentions if not m.topics and m.score is not None) if v < 0)
    add("ocomp", min(other, 4.0) / 2)
    # The hash of prefix + gram is the CRC of the gram continued from the prefix's CRC.
    start = _crc("m:")
    for m in mine:
        grams = _gram_keys(m.clause, start, 0)
        keys.extend(grams)
        vals.extend([0.5] * len(grams))
    if topic_specific:
        start = _crc(f"c:{topic}:")
        for m in mentions:
            if m.topics and topic not in m.topics:
                continue
            grams = _gram_keys(m.clause, start, 1)
            keys.extend(grams)
            vals.extend([0.5] * len(grams))
    return keys, vals


@lru_cache(maxsize=8192)
def _gram_keys(clause: str, start: int, kind: int) -> tuple[int, ...]:
    """Weight indexes of a clause's grams (`_clause_grams(clause)[kind]`) behind the prefix CRC `start`;
    kept because the same clauses (物流很快) come back in review after review."""
    crc = zlib.crc32
    return tuple(crc(g, start) % DIM for g in _clause_grams(clause)[kind])


def features(topic: str, mentions: Sequence, review_score: float | None, lexicon_label: str | None,
             *, topic_specific: bool = True) -> dict[int, float]:
    """Hashed features of (review, topic). `mentions` are the review's `ClauseMention`s,
    `lexicon_label` the word-list verdict for the topic (None when no clause names it)."""
    f: dict[int, float] = {}
    for k, v in zip(*_feature_list(topic, mentions, review_score, lexicon_label, topic_specific)):
        f[k] = f.get(k, 0.0) + v
    return f


def complaint_probability(topic: str, mentions: Sequence, review_score: float | None,
                          lexicon_label: str | None) -> float:
    """Probability that the review complains about `topic` (see the module text)."""
    model = _load()
    keys, vals = _feature_list(topic, mentions, review_score, lexicon_label, topic in model["topics"])
    s = float(model["w"][np.array(keys, dtype=np.int64)] @ np.array(vals))
    return 1.0 / (1.0 + math.exp(-max(min(s, 30.0), -30.0)))


__all__ = ["MENTION_MODEL", "DIM", "features", "complaint_probability", "known_topics", "threshold"]
