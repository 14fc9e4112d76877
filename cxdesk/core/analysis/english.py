"""English sentiment: a small word/bigram logistic regression combined with VADER's scores.

A text is cut into words (lower case, `n't` split off, digits folded). Words after a negator (not,
no, never, n't, without, hardly …) up to the next punctuation, at most `NEGATION_SCOPE` words, get a
`!` mark, so "good" and "not good" are different features. Features are word unigrams and bigrams,
hashed into 2**`HASH_BITS` buckets and scaled by 1/sqrt(their count), plus VADER's compound, pos
and neg scores of the text and counts of product and service complaint and praise phrases VADER
does not know (`complaint_count`, `praise_count`). The weights were learnt by
`tools/train_english.py` from the UCI "Sentiment Labelled Sentences" (Kotzias et al., KDD 2015;
CC BY 4.0) and ship as package data. A sentence without opinion evidence stays near 0.5
(`sentence_logits`), so a clause such as "we ordered delivery" is neutral.

Reviews of several sentences are scored sentence by sentence; the review's logit is the mean of
its sentences' logits (each weighted by its word count, capped) so a long review neither saturates
nor lets one aside decide it.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

from cxdesk.core.analysis.text import sentence_units

MODEL_ID = "en-wordlr-2"
HASH_BITS = 18
NEGATION_SCOPE = 3
DENSE = ("vader_compound", "vader_pos", "vader_neg", "complaint_words", "praise_words")
# Sentences with more words than this weigh no more than this in a review's mean.
SENTENCE_WEIGHT_CAP = 12
_HASH_MULT = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1

_NEGATORS = frozenset(
    "not no never n't without nothing none nobody neither nor hardly barely cannot cant dont didnt doesnt "
    "isnt wasnt wont wouldnt shouldnt couldnt arent werent havent hasnt aint".split())
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]|[.,;:()]")
_SCOPE_END = frozenset(".,;:!?()")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+|(?<=[a-z0-9])\.(?=[A-Z])")
_DIGITS = re.compile(r"[0-9]")


def tokens(text: str) -> list[str]:
    """Words of a text with negation scope marked (`!good` after `not`), punctuation dropped."""
    out: list[str] = []
    scope = 0
    raw = text.lower().replace("\u2019", "'")
    for tok in _TOKEN.findall(raw):
        if tok in _SCOPE_END:
            scope = 0
            if tok in "!?":
                out.append(tok)
            continue
        if tok.endswith("n't"):
            head = tok[:-3]
            if head in ("ca", "wo"):
                head = {"ca": "can", "wo": "will"}[head]
            elif head == "":
                head = "not"
            out.append(_DIGITS.sub("0", head))
            out.append("n't")
            scope = NEGATION_SCOPE
            continue
        if tok.endswith("'s") or tok.endswith("'ll") or tok.endswith("'re") or tok.endswith("'ve") or tok.endswith("'d") or tok.endswith("'m"):
            tok = tok.split("'", 1)[0]
        tok = _DIGITS.sub("0", tok)
        if tok in _NEGATORS:
            out.append(tok)
            scope = NEGATION_SCOPE
            continue
        if scope > 0:
            out.append("!" + tok)
            scope -= 1
        else:
            out.append(tok)
    return out


@lru_cache(maxsize=1 << 17)
def _hash(s: str, bits: int) -> int:
    """FNV-1a of the UTF-8 bytes, mixed and cut to `bits` (stable across processes, unlike hash())."""
    h = 1469598103934665603
    for b in s.encode("utf-8"):
        h = ((h ^ b) * 1099511628211) & _MASK
    return ((h * _HASH_MULT) & _MASK) >> (64 - bits)


def feature_buckets(text: str, bits: int = HASH_BITS) -> list[int]:
    """Hashed unigram and bigram buckets of a text (with repeats)."""
    toks = tokens(text)
    feats = [_hash(t, bits) for t in toks]
    feats.extend(_hash(a + " " + b, bits) for a, b in zip(toks, toks[1:]))
    return feats


def split_sentences(text: str) -> list[str]:
    """Sentences of an English text (after . ! ? and line breaks)."""
    return [s.strip() for s in _SENTENCE.split(text or "") if s and s.strip()]


# Words of product and service complaints that carry no sentiment in VADER's lexicon ("it stopped
# working", "arrived late", "wrong size", "sent it back"); counted outside a negation scope.
_COMPLAINT = re.compile(
    r"\b(?:late|later than|delay(?:ed|s)?|slow(?:ly)?|wait(?:ed|ing)?|forever|cold|stale|soggy|burnt|"
    r"over ?cooked|under ?cooked|broke|broken|breaks|died|dead|defective|faulty|damaged|cracked|scratched|"
    r"leak(?:s|ed|ing)?|wrong|missing|forgot|forgotten|lost|overpriced|rude|ignored|dirty|"
    r"smell(?:s|ed|y)?|noisy|flimsy|uncomfortable|unfortunately|waste|junk|problems?|issues?|"
    r"complain(?:ed|t|ts)?|disappoint(?:ed|ing|ment)?|hours?|minutes?|"
    r"stop(?:s|ped)? (?:\w+ing)|quit (?:\w+ing)|"
    r"never (?:arrived|came|received|showed|got|answered|responded|replied|called|worked|heard)|"
    r"no (?:response|reply|answer|one answered|refund)|"
    r"(?:does|did|do|is|was|would|will|could|can)(?:n't| ?not) (?:work|charge|turn on|fit|last|hold|stay|connect)|"
    r"won't (?:work|charge|turn on|fit|last|hold|stay|connect)|"
    r"refund(?:ed)?|return(?:ed|ing)?|money back|sen[dt] (?:it|them|this) back|"
    r"too (?:small|big|large|short|long|loud|salty|sweet|expensive|much|little|slow|hot|tight|thin)|"
    r"runs (?:small|large|big)|fell apart|falls apart|came apart|ripped|torn|cheaply made|poor quality|"
    r"not as (?:described|pictured|advertised|expected)|false advertising|misleading|knock ?off|counterfeit|"
    r"fake|scam|buyer beware|stay away|save your money|(?:don't|do not|wouldn't|would not) (?:buy|recommend|bother)|"
    r"not worth|(?:one|1|zero|0) stars?|dead on arrival|doa|after (?:a|one|two|three|a few) (?:days?|weeks?|months?|uses?))\b")

# Praise of products and service that VADER's lexicon misses ("as described", "would buy again").
_PRAISE = re.compile(
    r"\b(?:as (?:described|pictured|advertised|expected)|no (?:complaints?|problems?|issues?)|"
    r"(?:buy|order|purchase) (?:it |this |them )?again|(?:five|5) stars?|worth (?:every penny|the money|the price)|"
    r"does the job|does what it|works (?:well|fine|perfectly|great)|arrived (?:on time|early|quickly)|"
    r"fast (?:shipping|delivery)|quick (?:shipping|delivery)|exceeded|sturdy|durable|well made|holds up|"
    r"comfortable|fits (?:well|perfectly|great)|true to size|good value|great value|bang for)\b")


_NEGATED = re.compile(r"\b(?:not|no|never|n't|without)\s+(?:\w+\s+)?$")


def _count(pattern: re.Pattern, text: str) -> int:
    """Matches of `pattern` that are not negated ("not late" does not count), at most 3."""
    low = text.lower().replace("\u2019", "'")
    hits = 0
    for m in pattern.finditer(low):
        if _NEGATED.search(low[max(0, m.start() - 12):m.start()]):
            continue
        hits += 1
    return min(hits, 3)


def complaint_count(text: str) -> int:
    """Complaint words of a text that are not negated ("not late" does not count), at most 3."""
    return _count(_COMPLAINT, text)


def praise_count(text: str) -> int:
    """Praise phrases VADER misses, not negated ("not as described" is no praise), at most 3."""
    return _count(_PRAISE, text)


def vader_features(vader, text: str) -> tuple[float, ...]:
    s = vader.polarity_scores(text)
    return s["compound"], s["pos"], s["neg"], float(complaint_count(text)), float(praise_count(text))


def design(texts: Sequence[str], vader, bits: int = HASH_BITS):
    """Sparse triplets (row, column, value) and word counts of `texts`, as training and scoring see them.

    Columns 0 .. 2**bits-1 are hashed words/bigrams (value 1/sqrt(count), repeats add up); the last
    `len(DENSE)` columns are the VADER scores.
    """
    import numpy as np

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    words = np.zeros(len(texts), dtype=np.int64)
    dense_base = 1 << bits
    for i, text in enumerate(texts):
        feats = feature_buckets(text, bits)
        words[i] = len(feats)
        if feats:
            v = 1.0 / math.sqrt(len(feats))
            rows.extend([i] * len(feats))
            cols.extend(feats)
            vals.extend([v] * len(feats))
        for j, x in enumerate(vader_features(vader, text)):
            rows.append(i)
            cols.append(dense_base + j)
            vals.append(x)
    return (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
            np.asarray(vals, dtype=np.float64), words)


def linear(weights, bias: float, rows, cols, vals, n: int):
    import numpy as np

    return np.bincount(rows, weights=weights[cols] * vals, minlength=n)[:n] + bias


# ---------------------------------------------------------------------------------------------
# The shipped model


@dataclass(frozen=True, eq=False)
class Model:
    weights: Any        # float64, 2**bits + len(DENSE)
    bias: float
    bits: int
    meta: dict


_lock = threading.RLock()
_model: Model | None = None


def load_model() -> Model:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import io
                import json
                from importlib import resources

                import numpy as np

                folder = resources.files("cxdesk").joinpath("core", "data", "sentiment")
                meta = json.loads(folder.joinpath("english.json").read_text(encoding="utf-8"))
                bits = int(meta["hash_bits"])
                if meta.get("model") != MODEL_ID or bits != HASH_BITS or tuple(meta.get("dense", ())) != DENSE:
                    raise RuntimeError("English sentiment model does not match the feature definition")
                with np.load(io.BytesIO(folder.joinpath("english.npz").read_bytes()), allow_pickle=False) as z:
                    weights = np.zeros((1 << bits) + len(DENSE), dtype=np.float64)
                    weights[z["indices"].astype(np.int64)] = z["values"].astype(np.float64)
                    bias = float(z["bias"])
                _model = Model(weights, bias, bits, meta)
    return _model


def model_info() -> dict:
    return dict(load_model().meta)


# A unit with no opinion evidence (no VADER sentiment word, no complaint word, no strongly weighted
# word of the learnt model) is squeezed into the neutral band: "we ordered delivery" is not a
# complaint. The learnt words decide the order within the band, so reviews still rank.
STRONG_WORDS = 1.5      # |sum of word weights| that counts as evidence on its own
NEUTRAL_SQUEEZE = 0.35  # no-evidence logits become NEUTRAL_SQUEEZE * tanh(z): p in (0.41, 0.59)


def sentence_logits(sentences: Sequence[str], vader, model: Model | None = None, *, gate: bool = True):
    """Logit of each unit scored whole (the training bias left out, so a text without evidence sits
    at 0.5), and its word count."""
    import numpy as np

    model = model or load_model()
    n = len(sentences)
    rows, cols, vals, words = design(sentences, vader, model.bits)
    contrib = model.weights[cols] * vals
    dense = cols >= (1 << model.bits)
    z = np.bincount(rows, weights=contrib, minlength=n)[:n]
    if not gate:
        return z + model.bias, words
    word_part = np.bincount(rows[~dense], weights=contrib[~dense], minlength=n)[:n]
    evidence_cols = dense & (vals != 0) & (cols != (1 << model.bits))  # pos, neg, complaint or praise words
    evidence = (np.bincount(rows[evidence_cols], minlength=n)[:n] > 0) | (np.abs(word_part) >= STRONG_WORDS)
    return np.where(evidence, z, NEUTRAL_SQUEEZE * np.tanh(z)), words


def logits(texts: Sequence[str], vader, *, split: bool = True, model: Model | None = None, gate: bool = True):
    """Logit per text; with `split`, texts of several sentences are scored by sentence and averaged."""
    import numpy as np

    model = model or load_model()
    units, owner = sentence_units(texts, lambda text: split_sentences(text) if split else [])
    z_units, words = sentence_logits(units, vader, model, gate=gate)
    if len(units) == len(texts):
        return z_units
    own = np.asarray(owner, dtype=np.int64)
    w = np.clip(words, 1, SENTENCE_WEIGHT_CAP).astype(np.float64)
    return np.bincount(own, weights=z_units * w, minlength=len(texts)) / np.bincount(own, weights=w, minlength=len(texts))


def clause_logits(clauses: Sequence[str]):
    """Logit of each clause scored whole (for topic mentions): no opinion evidence keeps it near 0."""
    from cxdesk.core.analysis.sentiment import _load_vader

    if not clauses:
        import numpy as np

        return np.zeros(0)
    return sentence_logits(list(clauses), _load_vader())[0]
