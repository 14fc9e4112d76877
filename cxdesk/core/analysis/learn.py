"""Learning from the owner's own data: adapt the Chinese sentiment model to one shop in one action.

Weak labels come from star ratings (4-5 positive, 1-2 negative, 3 unused) and, taking precedence,
from the owner's corrections (`feedback.manual_label` positive/negative; those survive re-analysis
because analysis never writes that column). Only Chinese rows count, deleted rows never do.

The adapter is a small logistic regression on the shipped model's own features, stacked on its
calibrated logit:  z = scale * z_base + bias + X·v / sqrt(features).  It starts at the shipped model
(scale 1, bias 0, v 0) and is pulled back to it by an L2 penalty chosen on an inner split, so a few
hundred labels cannot wreck it. Before/after figures are measured on rows held back from training
(30%, random with a fixed seed, or the newest 30% with `split="time"`); the stored adapter is then
trained on all labelled rows. It is kept only if it did not make the held-back rows worse.

Stored in the database (`settings` key `sentiment.adapter`) as JSON with base64 float32/uint32
arrays, never pickle; it is ignored if the shipped model changes (`base_version`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from cxdesk.core.analysis import sentiment as S
from cxdesk.core.errors import CxdeskError
from cxdesk.core.progress import Progress, no_progress
from cxdesk.core.storage import get_setting, now_text, set_setting
from cxdesk.i18n import _

ADAPTER_KEY = "sentiment.adapter"
ADAPTER_FORMAT = 1
MIN_PER_CLASS = 50
TEST_SHARE = 0.3
SEED = 12345
L2_CANDIDATES = (3e-2, 1e-2, 3e-3, 1e-3)
STEPS = 250
ANCHOR = 1.0


class NotEnoughLabelsError(CxdeskError):
    """Too few rated or corrected rows to learn from."""


@dataclass(frozen=True)
class LearnReport:
    n_positive: int              # labelled Chinese rows used, by class
    n_negative: int
    from_ratings: int            # of which labelled by star rating
    from_corrections: int        # of which labelled by the owner's correction
    n_train: int                 # rows used to train the checked adapter
    n_test: int                  # rows held back to measure before/after
    accuracy_before: float       # shipped model on the held-back rows (cut 0.5)
    accuracy_after: float        # with the adapter
    macro_f1_before: float
    macro_f1_after: float
    kept: bool                   # adapter stored (it did not make held-back rows worse)
    adapter_version: str | None  # version of the stored adapter (None if not kept)
    split: str                   # random | time
    message: str                 # one translated sentence for the owner

    def as_dict(self) -> dict:
        return dict(self.__dict__)


# ---------------------------------------------------------------------------------------------
# Labels


@dataclass(frozen=True)
class LabelledRow:
    feedback_id: int
    text: str                    # normalised text, as the model sees it
    label: int                   # 1 positive, 0 negative
    origin: str                  # rating | correction
    created_at: str | None


def owner_labels(db) -> list[LabelledRow]:
    """Chinese rows with a usable weak label: the owner's correction first, else the star rating."""
    rows = db.execute(
        "SELECT id, text, rating, manual_label, created_at FROM feedback "
        "WHERE deleted = 0 AND (manual_label IN ('positive', 'negative') "
        "OR (manual_label IS NULL AND (rating >= 4 OR rating <= 2))) ORDER BY id"
    ).fetchall()
    out = []
    for fid, text, rating, manual, created in rows:
        norm = S.normalize_text(text)
        if S.detect_language(norm) != "zh":
            continue
        if manual in ("positive", "negative"):
            out.append(LabelledRow(fid, norm, 1 if manual == "positive" else 0, "correction", created))
        elif rating is not None:
            out.append(LabelledRow(fid, norm, 1 if rating >= 4 else 0, "rating", created))
    return out


# ---------------------------------------------------------------------------------------------
# Fitting


def _macro_f1(np, y, pred) -> float:
    f1s = []
    for cls in (0, 1):
        tp = int(np.sum((pred == cls) & (y == cls)))
        fp = int(np.sum((pred == cls) & (y != cls)))
        fn = int(np.sum((pred != cls) & (y == cls)))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s))


class _Features:
    """Hashed features of some texts, re-indexed onto the buckets they actually use."""

    def __init__(self, np, texts: list[str]):
        docs, buckets, per_unit = S.hashed_features(texts, S.HASH_BITS)
        self.n = len(texts)
        self.docs = docs.astype(np.int64)
        self.used, self.local = np.unique(buckets, return_inverse=True)
        self.row_scale = (1.0 / np.sqrt(np.maximum(per_unit, 1)))[self.docs]

    def dot(self, np, v_local):
        return np.bincount(self.docs, weights=v_local[self.local] * self.row_scale, minlength=self.n)


def _fit(np, feats: _Features, z_base, y, l2: float, progress=None, steps: int = STEPS):
    """Adam on class-balanced mean log-loss + l2/2 |v|^2 + ANCHOR/2 ((scale-1)^2 + bias^2)."""
    k = len(feats.used)
    params = np.zeros(k + 2)
    params[k] = 1.0  # scale
    m = np.zeros_like(params)
    s = np.zeros_like(params)
    lr, b1, b2 = 0.05, 0.9, 0.999
    yf = y.astype(np.float64)
    # Both classes weigh the same: the adapter learns the shop's words, not its share of 5-star
    # reviews, which moves with time (a launch month of complaints, then praise) and would skew it.
    n_pos = max(int(yf.sum()), 1)
    n_neg = max(len(yf) - n_pos, 1)
    sample_w = np.where(yf > 0.5, len(yf) / (2.0 * n_pos), len(yf) / (2.0 * n_neg))
    # The words' part is centred on the (balanced) average review, so it re-ranks reviews rather
    # than moving them all one way; the centre is folded into the bias when stored.
    mix = sample_w / sample_w.sum()
    centre = np.bincount(feats.local, weights=mix[feats.docs] * feats.row_scale, minlength=k)
    for t in range(1, steps + 1):
        v, scale, bias = params[:k], params[k], params[k + 1]
        words = feats.dot(np, v)
        z = scale * z_base + bias + words - float(np.dot(mix, words))
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        r = sample_w * (p - yf) / feats.n
        g = np.empty_like(params)
        g[:k] = (np.bincount(feats.local, weights=r[feats.docs] * feats.row_scale, minlength=k)
                 - r.sum() * centre + l2 * v)
        # Scale and bias stay near the shipped model's unless the labels insist: left free, the bias
        # trades off against words common to every review and short reviews end up far off.
        g[k] = float(np.dot(r, z_base)) + ANCHOR * (scale - 1.0)
        g[k + 1] = float(r.sum()) + ANCHOR * bias
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        params -= lr * (m / (1 - b1 ** t)) / (np.sqrt(s / (1 - b2 ** t)) + 1e-8)
        if progress is not None and t % 25 == 0:
            progress(t, steps)
    v = params[:k].copy()
    return float(params[k]), float(params[k + 1]) - float(np.dot(mix, feats.dot(np, v))), v


def _predict(np, feats: _Features, z_base, scale, bias, v):
    return scale * z_base + bias + feats.dot(np, v)


def _base_logits(texts: list[str]):
    return S._zh_logits(texts, True, None)


def _choose_l2(np, texts, z_base, y, rng, progress=None) -> float:
    """Pick the penalty on an inner 75/25 split of the training rows (best held-out log-loss)."""
    idx = rng.permutation(len(texts))
    cut = int(len(idx) * 0.75)
    tr, va = idx[:cut], idx[cut:]
    f_tr = _Features(np, [texts[i] for i in tr])
    f_va = _Features(np, [texts[i] for i in va])
    best = None
    for j, l2 in enumerate(L2_CANDIDATES):
        step_progress = None if progress is None else (lambda d, t, j=j: progress(j * t + d, (len(L2_CANDIDATES) + 1) * t))
        scale, bias, v = _fit(np, f_tr, z_base[tr], y[tr], l2, step_progress)
        full = np.zeros(1 << S.HASH_BITS)
        full[f_tr.used] = v
        z = scale * z_base[va] + bias + f_va.dot(np, full[f_va.used])
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        loss = -float(np.mean(y[va] * np.log(p + 1e-12) + (1 - y[va]) * np.log(1 - p + 1e-12)))
        if best is None or loss < best[0]:
            best = (loss, l2)
    return best[1]


def _train(np, texts, z_base, y, rng, progress=None) -> tuple[float, float, object, object]:
    """Choose the penalty, then fit on all of `texts`; `progress(done, total)` may raise Cancelled."""
    l2 = _choose_l2(np, texts, z_base, y, rng, progress)
    feats = _Features(np, texts)
    n = len(L2_CANDIDATES)
    final_progress = None if progress is None else (lambda d, t: progress(n * t + d, (n + 1) * t))
    scale, bias, v = _fit(np, feats, z_base, y, l2, final_progress)
    keep = np.abs(v) > 1e-6
    return scale, bias, feats.used[keep], v[keep].astype(np.float32)


def _adapter_from(scale, bias, indices, values, info: dict) -> S.Adapter:
    import numpy as np

    payload = np.asarray(indices, dtype="<u4").tobytes() + np.asarray(values, dtype="<f4").tobytes()
    digest = hashlib.sha1(payload + json.dumps([round(scale, 6), round(bias, 6)]).encode()).hexdigest()[:10]
    return S.Adapter(version=f"ad-{digest}", base_version=S.ZH_MODEL, scale=float(scale),
                     bias=float(bias), indices=np.asarray(indices, dtype=np.int64),
                     values=np.asarray(values, dtype=np.float32), bits=S.HASH_BITS, info=dict(info))


def _split(np, rows: list[LabelledRow], split: str, rng, test_share: float = TEST_SHARE):
    n = len(rows)
    n_test = max(1, int(round(n * test_share)))
    if split == "time":
        order = sorted(range(n), key=lambda i: (rows[i].created_at or "", rows[i].feedback_id))
        return np.array(order[:-n_test]), np.array(order[-n_test:])
    y = np.array([r.label for r in rows])
    test = []
    for cls in (0, 1):  # stratified, so both classes are in the held-back rows
        members = np.flatnonzero(y == cls)
        rng.shuffle(members)
        test.extend(members[: int(round(len(members) * test_share))].tolist())
    test_set = set(test)
    train = [i for i in range(n) if i not in test_set]
    return np.array(train), np.array(sorted(test))


# ---------------------------------------------------------------------------------------------
# Public API


def learn_from_owner(db, progress: Progress = no_progress, *, split: str = "random",
                     min_per_class: int = MIN_PER_CLASS, test_share: float = TEST_SHARE) -> LearnReport:
    """Train the shop's adapter from rated and corrected rows, measure it on held-back rows, store it.

    Raises `NotEnoughLabelsError` when either class has fewer than `min_per_class` rows. The adapter
    is stored only if held-back macro-F1 did not drop; rows need re-analysis to use it.
    """
    import numpy as np

    if split not in ("random", "time") or not 0.0 < test_share < 1.0:
        raise ValueError((split, test_share))
    progress(0, 100, _("Collecting rated and corrected reviews"))
    rows = owner_labels(db)
    n_pos = sum(r.label for r in rows)
    n_neg = len(rows) - n_pos
    if n_pos < min_per_class or n_neg < min_per_class:
        raise NotEnoughLabelsError(
            _("Too few labelled reviews to learn from: {pos} positive and {neg} negative; at least {min} of each are needed. Import reviews with star ratings, or correct the sentiment of more reviews.").format(
                pos=n_pos, neg=n_neg, min=min_per_class))
    texts = [r.text for r in rows]
    y = np.array([r.label for r in rows])
    progress(5, 100, _("Scoring with the shipped model"))
    z_base = _base_logits(texts)
    rng = np.random.default_rng(SEED)
    train_idx, test_idx = _split(np, rows, split, rng, test_share)

    def fit_progress(start: int, end: int):
        def report(done: int, total: int) -> None:
            progress(start + (end - start) * done // total, 100, _("Learning from your reviews"))
        return report

    progress(10, 100, _("Learning from your reviews"))
    scale, bias, idx, vals = _train(np, [texts[i] for i in train_idx], z_base[train_idx], y[train_idx],
                                    rng, fit_progress(10, 50))
    check = _adapter_from(scale, bias, idx, vals, {})
    test_texts = [texts[i] for i in test_idx]
    z_after = S._zh_logits(test_texts, True, check)
    y_test = y[test_idx]
    before = (z_base[test_idx] >= 0).astype(int)
    after = (z_after >= 0).astype(int)
    acc_b, acc_a = float(np.mean(before == y_test)), float(np.mean(after == y_test))
    f1_b, f1_a = _macro_f1(np, y_test, before), _macro_f1(np, y_test, after)
    kept = f1_a >= f1_b - 0.005

    version = None
    if kept:
        progress(55, 100, _("Learning from your reviews"))
        scale, bias, idx, vals = _train(np, texts, z_base, y, rng, fit_progress(55, 95))
        info = {
            "trained_at": now_text(), "n_positive": n_pos, "n_negative": n_neg, "split": split,
            "held_out": {"n": len(test_idx), "accuracy_before": acc_b, "accuracy_after": acc_a,
                         "macro_f1_before": f1_b, "macro_f1_after": f1_a},
        }
        adapter = _adapter_from(scale, bias, idx, vals, info)
        progress(95, 100, _("Saving"))
        save_adapter(db, adapter)
        version = adapter.version
        message = _("Learnt from {n} of your rated or corrected reviews. On {test} reviews held back for checking, accuracy was {before:.1%} before and {after:.1%} after; it applies to rows analysed from now on.").format(
            n=len(rows), test=len(test_idx), before=acc_b, after=acc_a)
    else:
        message = _("Learning from your reviews did not help on {test} reviews held back for checking (accuracy {before:.1%} before, {after:.1%} after), so the shipped model stays as it is.").format(
            test=len(test_idx), before=acc_b, after=acc_a)
    progress(100, 100, _("Done"))
    return LearnReport(
        n_positive=n_pos, n_negative=n_neg,
        from_ratings=sum(r.origin == "rating" for r in rows),
        from_corrections=sum(r.origin == "correction" for r in rows),
        n_train=len(train_idx), n_test=len(test_idx),
        accuracy_before=round(acc_b, 4), accuracy_after=round(acc_a, 4),
        macro_f1_before=round(f1_b, 4), macro_f1_after=round(f1_a, 4),
        kept=kept, adapter_version=version, split=split, message=message)


def save_adapter(db, adapter: S.Adapter) -> None:
    """Store the adapter in the database (JSON + base64 little-endian arrays)."""
    import numpy as np

    info = {k: v for k, v in adapter.info.items() if not k.startswith("_")}
    value = {
        "format": ADAPTER_FORMAT,
        "version": adapter.version,
        "base_version": adapter.base_version,
        "bits": adapter.bits,
        "scale": adapter.scale,
        "bias": adapter.bias,
        "indices": base64.b64encode(np.asarray(adapter.indices, dtype="<u4").tobytes()).decode("ascii"),
        "values": base64.b64encode(np.asarray(adapter.values, dtype="<f4").tobytes()).decode("ascii"),
        "info": info,
    }
    with db.atomic():
        set_setting(db, ADAPTER_KEY, value)


def load_adapter(db) -> S.Adapter | None:
    """The shop's stored adapter, or None if there is none, it is damaged or the model changed."""
    value = get_setting(db, ADAPTER_KEY)
    if not isinstance(value, dict) or value.get("format") != ADAPTER_FORMAT:
        return None
    if value.get("base_version") != S.ZH_MODEL or value.get("bits") != S.HASH_BITS:
        return None
    try:
        import numpy as np

        indices = np.frombuffer(base64.b64decode(value["indices"]), dtype="<u4").astype(np.int64)
        values = np.frombuffer(base64.b64decode(value["values"]), dtype="<f4").astype(np.float32)
        if indices.shape != values.shape or (indices.size and indices.max() >= (1 << S.HASH_BITS)):
            return None
        return S.Adapter(version=str(value["version"]), base_version=value["base_version"],
                         scale=float(value["scale"]), bias=float(value["bias"]), indices=indices,
                         values=values, bits=int(value["bits"]), info=dict(value.get("info") or {}))
    except (KeyError, TypeError, ValueError):
        return None


def remove_adapter(db) -> bool:
    """Go back to the shipped model; True if an adapter was removed (rows need re-analysis)."""
    with db.atomic():
        cur = db.execute("DELETE FROM settings WHERE key = ?", [ADAPTER_KEY])
    return cur.rowcount > 0
