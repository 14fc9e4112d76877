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
def _key(name: str) -> int:
    """The weight index of a named feature."""
    return zlib.crc32(name.encode("utf-8")) % DIM


_PER_TOPIC = ("z", "comp", "matched", "mcomp")


@lru_cache(maxsize=1024)
def _topic_keys(topic: str) -> dict[str, int]:
    """The weight indexes of a topic's own features (`t:NAME:TOPIC`, and `t:TOPIC`)."""
    return {"t": _key("t:" + topic), **{name: _key(f"t:{name}:{topic}") for name in _PER_TOPIC}}


def _feature_list(topic: str, mentions: Sequence, review_score: float | None,
                  lexicon_label: str | None) -> tuple[list[int], list[float]]:
    """Weight indexes and values of the features; an index may repeat (its values add up)."""
    from cxdesk.core.analysis.clauses import value_of
    from cxdesk.core.analysis.topic_text import _CONTRAST_START

    own = _topic_keys(topic)
    all_values: list[float] = []
    values: list[float] = []
    other = 0.0
    late = contrast = False
    by_model = length = 0
    late_from = 0.6 * len(mentions)
    for k, m in enumerate(mentions):
        length += len(m.clause)
        about = topic in m.topics
        if about:
            by_model += m.by_model
            contrast = contrast or (m.label == "negative" and _CONTRAST_START.match(m.clause) is not None)
        if m.score is None:
            continue
        v = value_of(m.score)
        all_values.append(v)
        if about:
            values.append(v)
            late = late or (v < 0 and k >= late_from)
        elif not m.topics and v < 0:
            other -= v
    complaints = -sum(v for v in values if v < 0)
    z = 0.0
    if review_score is not None:
        p = min(max(review_score, 1e-4), 1 - 1e-4)
        z = max(min(math.log(p / (1 - p)), 8.0), -8.0)
    keys = [_key("bias"), own["t"], _key("z"), own["z"], _key("zpos"), _key("comp"), own["comp"], _key("praise")]
    vals = [1.0, 1.0, z / 4, z / 4, max(z, 0.0) / 4, min(complaints, 4.0) / 2, min(complaints, 4.0) / 2,
            min(sum(v for v in values if v > 0), 4.0) / 2]
    if values:
        label = lexicon_label or "unknown"
        keys += [_key("matched"), own["matched"], _key("verdict:" + label), _key(f"t:verdict:{topic}:{label}")]
        vals += [1.0, 1.0, 1.0, 1.0]
        if contrast:
            keys.append(_key("contrastneg"))
            vals.append(1.0)
    # How the whole review reads: its strongest complaint about the topic, how many there are,
    # all its praise and complaints, its length, and whether the complaint comes late (the point
    # a review ends on); complaints that name no topic (`ocomp`).
    keys += [_key("ocomp"), _key("worst"), _key("nneg"), _key("rpraise"), _key("rcomp"), _key("len"), _key("late")]
    vals += [min(other, 4.0) / 2, min(max(-min(values, default=0.0), 0.0), 4.0) / 2,
             min(sum(1 for v in values if v < 0), 3) / 3, min(sum(v for v in all_values if v > 0), 8.0) / 4,
             min(-sum(v for v in all_values if v < 0), 8.0) / 4, math.log1p(length) / 5, 1.0 if late else 0.0]
    # Complaints only the character model found (no listed word, `topic_text.MODEL_COMPLAINT_BELOW`):
    # their weight, and whether they are all the review says against the topic, alone and in a review
    # the model scores high (there the clause is more likely a fact than a complaint).
    if by_model:
        only = by_model == sum(1 for v in values if v < 0)
        keys += [_key("mcomp"), own["mcomp"], _key("monly"), _key("monlyz")]
        vals += [min(by_model, 3) / 3, min(by_model, 3) / 3, 1.0 if only else 0.0, max(z, 0.0) / 4 if only else 0.0]
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
