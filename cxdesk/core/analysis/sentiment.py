"""Sentiment of feedback text: a shipped character n-gram model for Chinese, a word model with VADER for English.

How a row is scored (`analyze_texts`):

1. The text is normalised for the model only (the stored text is never changed): NFKC (full-width
   letters and digits become half-width), HTML entities unescaped, control characters removed,
   lower case (VADER gets the original case: it reads CAPS as emphasis), and traditional Chinese
   converted to simplified (OpenCC `t2s`, only for rows that contain a traditional-only character).
2. The language is decided per row from its script: Han characters against Latin words. Chinese
   (`zh`) goes to the shipped model, Latin-script text (`en`) to the English model, other scripts (kana, hangul,
   Cyrillic, ...) are `other`, and rows without letters (empty, emoji, punctuation, numbers) are
   `none`, and so are platform placeholders such as 此用户未填写评价内容. `other` and `none` rows get
   no score and the label `unknown`.
3. The Chinese model is a logistic regression over hashed character 1-3-grams, scaled by their
   naive Bayes log-count ratios (NB-SVM style, folded into the weights). N-grams that start within
   four characters after 不/没/无/未/别 (inside one clause) are separate features, so 好吃 and
   不好吃, 满意 and 不太满意 get opposite signs. Its raw score is Platt-calibrated on a product
   category it was not trained on, so 0.5 is a fair cut even on skewed sets. Texts longer than
   `LONG_TEXT` characters are scored sentence by sentence and the sentence logits are averaged,
   weighted by their length. `tools/train_sentiment.py` rebuilds it.
4. English (`cxdesk.core.analysis.english`): a logistic regression over hashed words and word pairs
   (negation scope marked) plus VADER's compound, pos and neg scores and counts of complaint and
   praise phrases VADER does not know ("stopped working", "as described"), learnt from 3,000 labelled review sentences (UCI, Kotzias et
   al. 2015). A text without any opinion evidence stays in the neutral band. Reviews of several
   sentences are scored by sentence and the logits averaged (weighted by words, capped).

Labels (`label_for`): score < 0.40 negative, 0.40 <= score < 0.60 neutral, score >= 0.60 positive;
no score -> unknown. `score_texts` always returns a float; rows without a score get 0.5 there, so
use `analyze_texts` when `unknown` matters.

Importing this module is cheap: numpy, the model, OpenCC and VADER load on first use (or in the
background through `warm_up()`).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from cxdesk.core.analysis.text import sentence_units

# The Chinese model file and its features (in model.json; shop adapters are tied to it).
ZH_MODEL = "zh-ngram-2"
# How Latin-script rows are scored (the English model's id; it uses VADER 3.3.2's scores).
EN_METHOD = "en-wordlr-2"
# Which rows count as the customer's words at all (noise, platform placeholders).
TEXT_RULES = "r2"
# Changes whenever the model, the English method, the rules or the thresholds change (stored
# with each row, so a change makes `analyze` score rows again).
MODEL_VERSION = f"{ZH_MODEL}+{EN_METHOD}+{TEXT_RULES}+t40-60"

NEGATIVE_BELOW = 0.40
POSITIVE_FROM = 0.60
LONG_TEXT = 200          # characters; longer texts are scored sentence by sentence

LABELS = ("positive", "neutral", "negative", "unknown")
LANGS = ("zh", "en", "other", "none")

# Feature definition, shared by `tools/train_sentiment.py` and scoring. Changing any of these
# requires retraining the model.
HASH_BITS = 20
NEGATORS = "不没无未别"
NEGATION_SCOPE = 4
_CLAUSE_BREAKS = ",.!?;:、~…\n\r\t ()[]{}<>\"'“”‘’/\\|—-。，！？；：（）【】《》「」『』～"
_HASH_MULT = 0x9E3779B97F4A7C15
_SCOPE_FLAG = 1 << 63
# Characters scored in one numpy pass: its arrays take about 150 bytes a character while it runs, so
# 100,000 keep an analysis worker within 15 MB of its usual size (400,000 made it jump by 55 MB on
# batches of long reviews), at no measurable cost in speed.
_CHUNK_CHARS = 100_000

_PATTERNS: dict[str, re.Pattern] = {}
_PATTERN_SOURCES = {
    "sentence": r"[^。！？!?；;…\n]+(?:[。！？!?；;…\n]+|$)",
    "en_sentence": r"(?<=[a-z0-9][.])\s+",
    "han": "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]",
    "latin_word": "[a-z\u00c0-\u024f]+",
    # Texts review platforms fill in when the customer wrote nothing (JD, Taobao, Meituan exports).
    "placeholder": r"^(?:此|该)?(?:用户|买家|顾客)?(?:未|没有)(?:及时)?(?:填写|做出|作出)?(?:评价|评论)(?:内容)?"
                   r"[，,。.!！]*(?:系统默认(?:好评|评价)?)?[。.!！]*$|^(?:系统)?默认(?:好评|评价)[。.!！]*$",
    "other_script": "[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u0e00-\u0e7f"
                    "\u3040-\u30ff\u1100-\u11ff\uac00-\ud7af]",
}


def _re(name: str) -> re.Pattern:
    """Patterns compiled on first use (compiling them all costs milliseconds at import)."""
    pattern = _PATTERNS.get(name)
    if pattern is None:
        pattern = _PATTERNS[name] = re.compile(_PATTERN_SOURCES[name])
    return pattern


_CONTROL = {c: " " for c in range(32)}
_CONTROL.update({0x7F: " ", 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None})


@dataclass(frozen=True)
class SentimentResult:
    score: float | None      # probability of positive, 0..1; None when the row cannot be scored
    label: str               # positive | neutral | negative | unknown
    lang: str                # zh | en | other | none


@dataclass(frozen=True, eq=False)
class Adapter:
    """A shop's own correction of the Chinese model, learnt from its rated and corrected rows.

    z = scale * z_base + bias + (sum of `weights` over the text's features) / sqrt(feature count)
    """

    version: str
    base_version: str
    scale: float
    bias: float
    indices: Any             # int64 array of hashed buckets with a weight
    values: Any              # float32 array, same length
    bits: int = HASH_BITS
    info: dict = field(default_factory=dict)

    def dense(self):
        cached = self.info.get("_dense")
        if cached is None:
            np = _np()
            cached = np.zeros(1 << self.bits, dtype=np.float32)
            cached[np.asarray(self.indices, dtype=np.int64)] = np.asarray(self.values, dtype=np.float32)
            self.info["_dense"] = cached
        return cached


# ---------------------------------------------------------------------------------------------
# Lazy resources


def _np():
    import numpy

    return numpy


@dataclass(frozen=True, eq=False)
class _Model:
    weights: Any
    bias: float
    platt_a: float
    platt_b: float
    bits: int
    meta: dict


_lock = threading.RLock()
_model: _Model | None = None
_vader = None
_trad_chars: frozenset[str] | None = None
_t2s = None


def _model_files():
    from importlib import resources

    return resources.files("cxdesk").joinpath("core", "data", "sentiment")


def _load_model() -> _Model:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import io
                import json

                np = _np()
                folder = _model_files()
                meta = json.loads(folder.joinpath("model.json").read_text(encoding="utf-8"))
                with np.load(io.BytesIO(folder.joinpath("model.npz").read_bytes()), allow_pickle=False) as z:
                    weights = z["weights"].astype(np.float32)
                    bias = float(z["bias"])
                bits = int(meta["hash_bits"])
                if weights.shape != (1 << bits,) or bits != HASH_BITS or meta.get("model") != ZH_MODEL:
                    raise RuntimeError("sentiment model does not match the feature definition")
                _model = _Model(weights, bias, float(meta["platt_a"]), float(meta["platt_b"]), bits, meta)
    return _model


def model_info() -> dict:
    """The shipped model's metadata (version, training data, held-out figures)."""
    return dict(_load_model().meta)


def _load_vader():
    global _vader
    if _vader is None:
        with _lock:
            if _vader is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                _vader = SentimentIntensityAnalyzer()
    return _vader


def _traditional_chars() -> frozenset[str]:
    """Characters that occur only in traditional Chinese (so simplified rows skip OpenCC)."""
    global _trad_chars
    if _trad_chars is None:
        with _lock:
            if _trad_chars is None:
                from importlib import resources

                import opencc

                folder = resources.files(opencc).joinpath("dictionary")

                def read(name: str) -> dict[str, list[str]]:
                    table = {}
                    for line in folder.joinpath(name).read_text(encoding="utf-8").splitlines():
                        parts = line.split("\t")
                        if len(parts) >= 2:
                            table[parts[0]] = parts[1].split()
                    return table

                ts = read("TSCharacters.txt")
                st = read("STCharacters.txt")
                _trad_chars = frozenset(k for k, v in ts.items() if len(k) == 1 and k not in v and k not in st)
    return _trad_chars


def _converter():
    global _t2s
    if _t2s is None:
        with _lock:
            if _t2s is None:
                from opencc import OpenCC

                _t2s = OpenCC("t2s")
    return _t2s


def warm_up() -> None:
    """Load the models, VADER and the converter now (call from a background thread at start-up)."""
    from cxdesk.core.analysis import english

    _load_model()
    _load_vader()
    english.load_model()
    _traditional_chars()
    _converter()
    analyze_texts(["质量很好", "good"])


# ---------------------------------------------------------------------------------------------
# Text preparation


def is_traditional(text: str) -> bool:
    """True if the text contains a character used only in traditional Chinese."""
    return not _traditional_chars().isdisjoint(text)


def to_simplified(text: str) -> str:
    """Traditional Chinese converted to simplified; other text is returned unchanged."""
    if not text or not is_traditional(text):
        return text
    return _converter().convert(text)


def _clean(text: str | None) -> str:
    """NFKC, HTML entities unescaped, control characters removed (case kept: VADER reads CAPS)."""
    if not isinstance(text, str):
        if text is None or (isinstance(text, float) and math.isnan(text)):
            return ""
        text = str(text)  # a number from a spreadsheet cell
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text)
    if "&" in t:
        import html

        t = html.unescape(t)
    return t.translate(_CONTROL).strip()


def normalize_text(text: str | None) -> str:
    """The text as the models see it (NFKC, unescaped, lower case, simplified, no control chars)."""
    return to_simplified(_clean(text).lower())


def detect_language(normalized: str) -> str:
    """zh | en | other | none for a normalised text, from its script (Han characters vs Latin words)."""
    if "评" in normalized and _re("placeholder").match(normalized):
        return "none"
    han = len(_re("han").findall(normalized))
    latin = len(_re("latin_word").findall(normalized))
    other = len(_re("other_script").findall(normalized))
    if han == 0 and latin == 0 and other == 0:
        return "none"
    if other > han and other > latin:
        return "other"
    if han > 0 and han * 2 >= latin:
        return "zh"
    if latin > 0:
        # "hhhhh", "gggg", "zzz": keyboard noise, not English (BAD_INPUTS #35)
        if not any(_is_word(w) for w in _re("latin_word").findall(normalized)):
            return "none"
        return "en"
    return "other"


def _is_word(token: str) -> bool:
    return len(set(token)) > 1 and any(c in "aeiouyàáâäèéêëìíîïòóôöùúûü" for c in token) or token in ("a", "i", "o")


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, split after 。！？!?；;… and line breaks (and '. ' in English)."""
    if not text:
        return []
    out = []
    for piece in _re("sentence").findall(text):
        for sub in _re("en_sentence").split(piece):
            sub = sub.strip()
            if sub:
                out.append(sub)
    return out


def label_for(score: float | None) -> str:
    """positive (>= 0.60), neutral (0.40-0.60), negative (< 0.40), unknown (no score)."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "unknown"
    if score >= POSITIVE_FROM:
        return "positive"
    if score < NEGATIVE_BELOW:
        return "negative"
    return "neutral"


# ---------------------------------------------------------------------------------------------
# Chinese model


def hashed_features(units: Sequence[str], bits: int = HASH_BITS):
    """(unit index, hashed bucket) of every feature of every normalised unit, and features per unit.

    Features: character unigrams, bigrams and trigrams (not across spaces); those that start
    inside a negation scope are flagged, so they get their own weights. Digits are folded to 0. Shared with the training script, so scoring and training see the same thing.
    """
    np = _np()
    count = len(units)
    joined = "\x00".join(units) + "\x00"
    cp = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32).astype(np.uint64)
    sep = cp == 0
    doc = (np.cumsum(sep) - sep).astype(np.int32)
    cp[(cp >= 49) & (cp <= 57)] = 48
    stop = sep | (cp == 32)
    ok = ~stop
    n = cp.size
    # Negation scope: positions 1..NEGATION_SCOPE after a negator with no clause break between.
    # An n-gram starting there becomes a different feature (好吃 after 不 is not 好吃).
    neg = np.isin(cp, _negator_codes())
    brk = np.isin(cp, _break_codes()) | sep
    idx = np.arange(n, dtype=np.int64)
    last_neg = np.maximum.accumulate(np.where(neg, idx, -1))
    last_brk = np.maximum.accumulate(np.where(brk, idx, -1))
    dist = idx - last_neg
    scope = (last_neg > last_brk) & (dist >= 1) & (dist <= NEGATION_SCOPE) & ok
    flag = np.where(scope, np.uint64(_SCOPE_FLAG), np.uint64(0))
    codes = [(cp | flag)[ok]]
    docs = [doc[ok]]
    if n >= 2:
        ok2 = ok[:-1] & ok[1:]
        bi = (cp[:-1] << np.uint64(21)) | cp[1:] | flag[:-1]
        codes.append(bi[ok2])
        docs.append(doc[:-1][ok2])
    if n >= 3:
        ok3 = ok[:-2] & ok[1:-1] & ok[2:]
        tri = (cp[:-2] << np.uint64(42)) | (cp[1:-1] << np.uint64(21)) | cp[2:] | flag[:-2]
        codes.append(tri[ok3])
        docs.append(doc[:-2][ok3])
    all_codes = np.concatenate(codes)
    all_docs = np.concatenate(docs)
    buckets = ((all_codes * np.uint64(_HASH_MULT)) >> np.uint64(64 - bits)).astype(np.int64)
    per_unit = np.bincount(all_docs, minlength=count)[:count]
    return all_docs, buckets, per_unit


_NEG_CODES = None
_BRK_CODES = None


def _negator_codes():
    global _NEG_CODES
    if _NEG_CODES is None:
        _NEG_CODES = _np().array([ord(c) for c in NEGATORS], dtype="uint64")
    return _NEG_CODES


def _break_codes():
    global _BRK_CODES
    if _BRK_CODES is None:
        _BRK_CODES = _np().array(sorted({ord(c) for c in _CLAUSE_BREAKS}), dtype="uint64")
    return _BRK_CODES


def _linear(units: Sequence[str], weights, bias: float, bits: int):
    """Raw logit and feature count per unit: bias + sum(weights of its features) / sqrt(count)."""
    np = _np()
    out = np.empty(len(units), dtype=np.float64)
    counts = np.empty(len(units), dtype=np.int64)
    start = 0
    while start < len(units):
        end, size = start, 0
        while end < len(units) and (size < _CHUNK_CHARS or end == start):
            size += len(units[end]) + 1
            end += 1
        docs, buckets, per_unit = hashed_features(units[start:end], bits)
        sums = np.bincount(docs, weights=weights[buckets], minlength=end - start)[: end - start]
        out[start:end] = sums / np.sqrt(np.maximum(per_unit, 1)) + bias
        counts[start:end] = per_unit
        start = end
    return out, counts


def _zh_logits(normalized: list[str], split_long: bool, adapter: Adapter | None):
    """Calibrated logits of normalised Chinese texts (long ones by sentence)."""
    np = _np()
    model = _load_model()
    units, owner = sentence_units(
        normalized, lambda text: split_sentences(text) if split_long and len(text) > LONG_TEXT else [])
    raw, counts = _linear(units, model.weights, model.bias, model.bits)
    z_units = model.platt_a * raw + model.platt_b
    if len(units) == len(normalized):
        z = z_units
    else:
        own = np.asarray(owner, dtype=np.int64)
        w = np.maximum(counts, 1).astype(np.float64)
        z = np.bincount(own, weights=z_units * w, minlength=len(normalized)) / np.bincount(
            own, weights=w, minlength=len(normalized))
    if adapter is not None:
        extra, _counts = _linear(normalized, adapter.dense(), 0.0, adapter.bits)
        z = adapter.scale * z + adapter.bias + extra
    return z


def _sigmoid(z):
    np = _np()
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


# ---------------------------------------------------------------------------------------------
# Public scoring API


def analyze_texts(texts: Iterable[str | None], adapter: Adapter | None = None, *,
                  split_long: bool = True) -> list[SentimentResult]:
    """Score, label and language of each text (None/empty is fine: label `unknown`, lang `none`).

    `adapter` (from `learn.load_adapter(db)`) adjusts the Chinese model for one shop.
    `split_long=False` scores each text as one unit (for sentences and clauses).
    """
    texts = list(texts)
    results: list[SentimentResult | None] = [None] * len(texts)
    zh_idx: list[int] = []
    zh_text: list[str] = []
    en_idx: list[int] = []
    en_text: list[str] = []
    for i, text in enumerate(texts):
        norm = normalize_text(text)
        lang = detect_language(norm)
        if lang == "zh":
            zh_idx.append(i)
            zh_text.append(norm)
        elif lang == "en":
            en_idx.append(i)
            en_text.append(_clean(text))
        else:
            results[i] = SentimentResult(None, "unknown", lang)
    if zh_text:
        probs = _sigmoid(_zh_logits(zh_text, split_long, adapter))
        for i, p in zip(zh_idx, probs.tolist()):
            results[i] = SentimentResult(p, label_for(p), "zh")
    if en_text:
        from cxdesk.core.analysis import english

        probs = _sigmoid(english.logits(en_text, _load_vader(), split=split_long))
        for i, p in zip(en_idx, probs.tolist()):
            results[i] = SentimentResult(p, label_for(p), "en")
    return results  # type: ignore[return-value]


def score_texts(texts: Iterable[str | None], adapter: Adapter | None = None) -> list[float]:
    """Probability of positive (0..1) per text; 0.5 where there is nothing to score."""
    return [0.5 if r.score is None else r.score for r in analyze_texts(texts, adapter)]


def label_texts(texts: Iterable[str | None], adapter: Adapter | None = None) -> list[str]:
    """positive | neutral | negative | unknown per text."""
    return [r.label for r in analyze_texts(texts, adapter)]


def score_sentences(sentences: Iterable[str | None], adapter: Adapter | None = None) -> list[float]:
    """Like `score_texts` for short units (sentences, clauses): each is scored whole, never split."""
    return [0.5 if r.score is None else r.score for r in analyze_texts(sentences, adapter, split_long=False)]


def load_adapter(db) -> Adapter | None:
    """The shop's adapter stored in the database, or None (see `cxdesk.core.analysis.learn`)."""
    from cxdesk.core.analysis.learn import load_adapter as _load

    return _load(db)
