"""Does a review complain about a topic? A small learned model over the clause scorer's evidence.

The clause word list (`clauses.py`) decides what each clause says; this model decides, per review and
topic, whether the review complains about the topic. It reads:

- the word list's evidence about the topic: the weight of its complaints and praise, the strongest
  complaint, how many clauses complain, the verdict the rules give, whether a complaint follows a
  contrast word (但是, 就是 …) and whether it comes late in the review;
- the review model's logit for the whole text (a glowing review rarely complains), the weight of all
  praise and complaints in the review, of complaints that name no topic, and the review's length;
- how many of the topic's complaints only the character model found (no listed word, see
  `topic_text.MODEL_COMPLAINT_BELOW`), and whether they are all the review says against it.

No words or character n-grams: with 600 labelled reviews they were learned by heart and did not
carry over to reviews from elsewhere (cross-validation, `bench/train_mentions.py`). A topic is a
complaint only where a clause about it complains (`topics.topic_verdicts`); the model decides which
of those the review really makes.

Logistic regression over hashed features (`DIM` weights, `data/mention_model.npz`), trained by
`bench/train_mentions.py` on the tuning part of the Dianping reviews labelled aspect by aspect (AI
Challenger 2018), never on the held-out part `bench/bench_topics.py` reports. Topics the model was
not trained on get the shared weights only (no topic-specific ones).
"""

from __future__ import annotations

import math
import threading
import zlib
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np

MENTION_MODEL = "m5"
DIM = 1 << 12

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


@lru_cache(maxsize=4096)
def _crc(prefix: str) -> int:
    return zlib.crc32(prefix.encode("utf-8"))


def _feature_list(topic: str, mentions: Sequence, review_score: float | None,
                  lexicon_label: str | None) -> tuple[list[int], list[float]]:
    """Weight indexes and values of the features; an index may repeat (its values add up)."""
    from cxdesk.core.analysis.clauses import value_of
    from cxdesk.core.analysis.topic_text import _CONTRAST_START

    keys: list[int] = []
    vals: list[float] = []

    def add(key: str, value: float = 1.0, *, per_topic: bool = False) -> None:
        keys.append(_crc(key) % DIM)
        vals.append(value)
        if per_topic:
            keys.append(_crc(f"t:{key}:{topic}") % DIM)
            vals.append(value)

    add("bias")
    add("t:" + topic)
    all_values = [value_of(m.score) for m in mentions if m.score is not None]
    values = [value_of(m.score) for m in mentions if topic in m.topics and m.score is not None]
    complaints = -sum(v for v in values if v < 0)
    z = 0.0
    if review_score is not None:
        p = min(max(review_score, 1e-4), 1 - 1e-4)
        z = max(min(math.log(p / (1 - p)), 8.0), -8.0)
    add("z", z / 4, per_topic=True)
    add("zpos", max(z, 0.0) / 4)
    add("comp", min(complaints, 4.0) / 2, per_topic=True)
    add("praise", min(sum(v for v in values if v > 0), 4.0) / 2)
    if values:
        add("matched", per_topic=True)
        label = lexicon_label or "unknown"
        add("verdict:" + label)
        add(f"t:verdict:{topic}:{label}")
        if any(m.label == "negative" and topic in m.topics and _CONTRAST_START.match(m.clause) for m in mentions):
            add("contrastneg")
    other = -sum(value_of(m.score) for m in mentions
                 if not m.topics and m.score is not None and value_of(m.score) < 0)
    add("ocomp", min(other, 4.0) / 2)
    # How the whole review reads: its strongest complaint about the topic, how many there are,
    # all its praise and complaints, its length, and whether the complaint comes late (the point
    # a review ends on).
    add("worst", min(max(-min(values, default=0.0), 0.0), 4.0) / 2)
    add("nneg", min(sum(1 for v in values if v < 0), 3) / 3)
    add("rpraise", min(sum(v for v in all_values if v > 0), 8.0) / 4)
    add("rcomp", min(-sum(v for v in all_values if v < 0), 8.0) / 4)
    add("len", math.log1p(sum(len(m.clause) for m in mentions)) / 5)
    n = len(mentions)
    late = any(value_of(m.score) < 0 for k, m in enumerate(mentions) if topic in m.topics and k >= 0.6 * n)
    add("late", 1.0 if late else 0.0)
    # Complaints only the character model found (no listed word, `topic_text.MODEL_COMPLAINT_BELOW`):
    # their weight, and whether they are all the review says against the topic, alone and in a review
    # the model scores high (there the clause is more likely a fact than a complaint).
    by_model = sum(1 for m in mentions if m.by_model and topic in m.topics)
    if by_model:
        only = by_model == sum(1 for v in values if v < 0)
        add("mcomp", min(by_model, 3) / 3, per_topic=True)
        add("monly", 1.0 if only else 0.0)
        add("monlyz", max(z, 0.0) / 4 if only else 0.0)
    return keys, vals


def features(topic: str, mentions: Sequence, review_score: float | None, lexicon_label: str | None
             ) -> dict[int, float]:
    """Hashed features of (review, topic). `mentions` are the review's `ClauseMention`s,
    `lexicon_label` the word-list verdict for the topic (None when no clause names it)."""
    f: dict[int, float] = {}
    for k, v in zip(*_feature_list(topic, mentions, review_score, lexicon_label)):
        f[k] = f.get(k, 0.0) + v
    return f


def complaint_probability(topic: str, mentions: Sequence, review_score: float | None,
                          lexicon_label: str | None) -> float:
    """Probability that the review complains about `topic` (see the module text)."""
    model = _load()
    keys, vals = _feature_list(topic, mentions, review_score, lexicon_label)
    s = float(model["w"][np.array(keys, dtype=np.int64)] @ np.array(vals))
    return 1.0 / (1.0 + math.exp(-max(min(s, 30.0), -30.0)))


__all__ = ["MENTION_MODEL", "DIM", "features", "complaint_probability", "known_topics", "threshold"]
