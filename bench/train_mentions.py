"""Train the mention model (cxdesk/core/analysis/mentions.py) and write cxdesk/core/data/mention_model.npz.

    python bench/train_mentions.py --data ../shared/data            # train, write the model
    python bench/train_mentions.py --data ../shared/data --cv-only  # cross-validation figures only

Examples are (review, topic) pairs of the tuning split of dianping_aspects_1000.csv (the 600 reviews
bench_topics.py calls `--split tune`; the 400 held-out reviews are never read here), one per
restaurant topic with a labelled column (see bench_topics.ASPECTS): positive when the human labels
say the review complains about the topic. Logistic regression on hashed features, L2, Adam, full batch.
The decision threshold is the one with the best mean F1 under 5-fold cross-validation over the
tuning split with eight seeds among those with a mean precision of at least `MIN_PRECISION` and a
precision of at least `FLOOR_PRECISION` on every seed (0.60: a margin over the 0.55 floor); the
figures and their spread over the seeds are printed. Pairs where no clause about the topic complains count as "no complaint" in
the figures, as `topics.topic_verdicts` never asks the model about them.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_topics import ASPECTS, gold, load_dianping, prf  # noqa: E402

L2 = 1e-3        # chosen by the cross-validation below (1e-3 and 3e-4 tie, 1e-2 is worse)
ITERATIONS = 200
RATE = 0.1
THRESHOLDS = (0.15, 0.175, 0.2, 0.225, 0.25, 0.275, 0.3, 0.325, 0.35, 0.375, 0.4, 0.45)
# The threshold is the best mean F1 among those whose mean precision is at least MIN_PRECISION and
# whose precision stays at least FLOOR_PRECISION on every seed (the floor on the hidden set is 0.55).
# Precision on reviews the word list was not tuned on (the held-out split) has come out 0.04 to 0.05
# below the cross-validated figure, hence the margin on every seed.
MIN_PRECISION = 0.60
FLOOR_PRECISION = 0.60


def examples(rows: list[dict]) -> tuple[list[dict[int, float]], np.ndarray, list[int], np.ndarray]:
    """Features, labels, review index and whether a clause about the topic complains at all (the
    gate `topics.topic_verdicts` applies before the model) of every (review, topic) pair."""
    from cxdesk.core.analysis import mentions, sentiment
    from cxdesk.core.analysis.topics import analyze_clauses, lexicon_verdicts

    texts = [r["text"] for r in rows]
    scores = [a.score for a in sentiment.analyze_texts(texts)]
    feats, labels, review, said = [], [], [], []
    for i, (row, text, score) in enumerate(zip(rows, texts, scores)):
        clauses = analyze_clauses(text)
        verdicts = lexicon_verdicts(clauses, score)
        negative = gold(row)[1]
        for topic in ASPECTS:
            label = verdicts.get(topic, (None, None))[1]
            feats.append(mentions.features(topic, clauses, score, label))
            labels.append(1.0 if topic in negative else 0.0)
            review.append(i)
            said.append(any(m.score is not None and m.score < 0.5 for m in clauses if topic in m.topics))
    return feats, np.array(labels), review, np.array(said)


def _pack(feats: list[dict[int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sizes = [len(f) for f in feats]
    rows = np.repeat(np.arange(len(feats)), sizes)
    cols = np.fromiter((k for f in feats for k in f), dtype=np.int64, count=sum(sizes))
    vals = np.fromiter((v for f in feats for v in f.values()), dtype=np.float64, count=sum(sizes))
    return rows, cols, vals


def train(feats: list[dict[int, float]], y: np.ndarray) -> np.ndarray:
    from cxdesk.core.analysis.mentions import DIM

    rows, cols, vals = _pack(feats)
    w = np.zeros(DIM)
    m = np.zeros(DIM)
    v = np.zeros(DIM)
    for it in range(1, ITERATIONS + 1):
        s = np.bincount(rows, weights=vals * w[cols], minlength=len(feats))
        err = 1.0 / (1.0 + np.exp(-s)) - y
        g = np.bincount(cols, weights=vals * err[rows], minlength=DIM) / len(feats) + L2 * w
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= RATE * (m / (1 - 0.9 ** it)) / (np.sqrt(v / (1 - 0.999 ** it)) + 1e-8)
    return w


def predict(w: np.ndarray, feats: list[dict[int, float]]) -> np.ndarray:
    rows, cols, vals = _pack(feats)
    return 1.0 / (1.0 + np.exp(-np.bincount(rows, weights=vals * w[cols], minlength=len(feats))))


def cross_validate(feats, y, review, said, seeds=(1, 2, 3, 4, 5, 6, 7, 8), folds=5
                   ) -> dict[float, tuple[float, float, float, float, float, float]]:
    """Per threshold: mean P, R, F1 over the seeds, then the lowest P, and the lowest and highest F1."""
    reviews = sorted(set(review))
    results: dict[float, list] = {t: [] for t in THRESHOLDS}
    for seed in seeds:
        order = reviews[:]
        random.Random(seed).shuffle(order)
        prob = np.zeros(len(y))
        for f in range(folds):
            test = set(order[f::folds])
            tr = [k for k, r in enumerate(review) if r not in test]
            te = [k for k, r in enumerate(review) if r in test]
            w = train([feats[k] for k in tr], y[tr])
            prob[te] = predict(w, [feats[k] for k in te])
        prob[~said] = 0.0
        for t in THRESHOLDS:
            hit = prob >= t
            results[t].append(prf(int((hit & (y == 1)).sum()), int((hit & (y == 0)).sum()), int((~hit & (y == 1)).sum())))
    out = {}
    for t, v in results.items():
        a = np.array(v)
        out[t] = (*a.mean(axis=0), a[:, 0].min(), a[:, 2].min(), a[:, 2].max())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cv-only", action="store_true")
    args = ap.parse_args()
    rows = load_dianping(args.data, "tune")
    feats, y, review, said = examples(rows)
    print(f"{len(rows)} reviews, {len(y)} (review, topic) pairs, {int(y.sum())} complaints")
    print(f"{int((y * said).sum())} complaints have a complaining clause about their topic (the most the model can find)")
    cv = cross_validate(feats, y, review, said)
    print("5-fold cross-validation on the tuning split, 8 seeds: threshold  mean P / R / F1   "
          "(lowest P of a seed; F1 from the worst to the best seed)")
    for t, (p, r, f, p_low, f_low, f_high) in cv.items():
        print(f"  {t:.3f}  {p:.3f} / {r:.3f} / {f:.3f}   (P >= {p_low:.3f}; F1 {f_low:.3f}…{f_high:.3f})")
    # The best mean F1 among thresholds whose precision keeps a margin over the floor (0.55 on the hidden set).
    safe = [t for t in cv if cv[t][0] >= MIN_PRECISION and cv[t][3] >= FLOOR_PRECISION]
    best = max(safe or cv, key=lambda t: cv[t][2])
    print(f"threshold {best:.3f}")
    if args.cv_only:
        return
    w = train(feats, y)
    out = ROOT / "cxdesk" / "core" / "data" / "mention_model.npz"
    np.savez_compressed(out, w=w.astype(np.float16), threshold=np.array(best),
                        topics=np.array(sorted(ASPECTS)))
    print(f"wrote {out.relative_to(ROOT)} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
