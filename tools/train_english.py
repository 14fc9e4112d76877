"""Train the shipped English sentiment model and print how it does beside VADER alone.

    python tools/train_english.py            # evaluate, train on all sentences, write the model
    python tools/train_english.py --dry-run  # evaluate only

Training data: `en_labelled_sentences_3000.csv` (UCI "Sentiment Labelled Sentences", Kotzias et al.,
KDD 2015, CC BY 4.0) from the `shared/data` folder beside the repository, or `--data DIR`.
Evaluation, all in the same run, each beside VADER alone:
- 5-fold cross-validation over the 3,000 sentences;
- held-out source: trained on two of amazon / yelp / imdb, tested on the third;
- whole reviews: reviews of 3-7 sentences built from the held-out source's sentences (the majority
  of a review's sentences carry its label, up to one fewer than half the other one), scored the way the app
  scores them (by sentence, averaged);
- the hand-written reviews in bench/data/english_reviews.csv (never trained on).
Deterministic (fixed seed); takes about a minute.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from cxdesk.core.analysis import english as E  # noqa: E402
from train_sentiment import adam_logistic, roc_auc  # noqa: E402

OUT_DIR = ROOT / "cxdesk" / "core" / "data" / "sentiment"
HAND_WRITTEN = ROOT / "bench" / "data" / "english_reviews.csv"
SEED = 20261205
SOURCES = ("amazon", "yelp", "imdb")
L2 = 1e-4
STEPS = 400


def shared_data() -> Path:
    """`shared/data` beside the repository (or beside the folder that holds this checkout)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared" / "data"
    return ROOT.parent / "shared" / "data"


def sentences(data_dir: Path) -> list[tuple[str, int, str]]:
    with (data_dir / "en_labelled_sentences_3000.csv").open(encoding="utf-8", newline="") as fh:
        return [(r["source"], int(r["label"]), r["text"].strip()) for r in csv.DictReader(fh) if r["text"].strip()]


def hand_written() -> tuple[list[str], list[int]]:
    with HAND_WRITTEN.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [int(r["label"]) for r in rows]


def pseudo_reviews(texts: list[str], labels: list[int], n: int, rng) -> tuple[list[str], list[int]]:
    """Reviews of 3-7 sentences: most carry the review's label, fewer than half the other label."""
    texts_arr = np.asarray(texts, dtype=object)
    by = {0: np.flatnonzero(np.asarray(labels) == 0), 1: np.flatnonzero(np.asarray(labels) == 1)}
    out, ys = [], []
    for i in range(n):
        y = i % 2
        k = int(rng.integers(3, 8))
        other = int(rng.integers(0, (k - 1) // 2 + 1))
        picks = list(rng.choice(by[y], k - other, replace=False)) + list(rng.choice(by[1 - y], other, replace=False))
        rng.shuffle(picks)
        parts = []
        for j in picks:
            s = str(texts_arr[j]).strip()
            parts.append(s if s[-1:] in ".!?" else s + ".")
        out.append(" ".join(parts))
        ys.append(y)
    return out, ys


def fit(rows, cols, vals, y, dim: int, l2: float = L2, steps: int = STEPS):
    """`adam_logistic` with the dense VADER columns unpenalised."""
    pen = np.full(dim, l2)
    pen[dim - len(E.DENSE):] = 0.0
    return adam_logistic(rows, cols, vals, y, dim, pen, steps)


def train_model(texts: list[str], labels: list[int], vader, l2: float = L2) -> E.Model:
    rows, cols, vals, _words = E.design(texts, vader)
    dim = (1 << E.HASH_BITS) + len(E.DENSE)
    w, b = fit(rows, cols, vals, labels, dim, l2)
    return E.Model(w, b, E.HASH_BITS, {})


def vader_scores(texts: list[str], vader) -> np.ndarray:
    return np.array([vader.polarity_scores(t)["compound"] for t in texts])


def compare(name: str, texts: list[str], y: list[int], model: E.Model, vader, split: bool = True) -> dict:
    z = E.logits(texts, vader, split=split, model=model)
    row = {"n": len(y), "vader_auc": round(roc_auc(y, vader_scores(texts, vader)), 4),
           "model_auc": round(roc_auc(y, z), 4),
           "model_accuracy": round(float(np.mean((z >= 0).astype(int) == np.asarray(y))), 4)}
    print(f"  {name:<34} n={row['n']:>5}  AUC VADER {row['vader_auc']:.4f}  model {row['model_auc']:.4f}"
          f"  (accuracy {row['model_accuracy']:.3f})")
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=shared_data())
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--l2", type=float, default=L2)
    args = ap.parse_args(argv)
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    rng = np.random.default_rng(SEED)
    data = sentences(args.data)
    texts = [t for _s, _y, t in data]
    labels = [y for _s, y, _t in data]
    sources = np.array([s for s, _y, _t in data])
    report: dict = {}
    t0 = time.perf_counter()

    print("5-fold cross-validation (sentences):")
    fold = rng.permutation(len(texts)) % 5
    z_cv = np.zeros(len(texts))
    for k in range(5):
        tr = np.flatnonzero(fold != k)
        te = np.flatnonzero(fold == k)
        m = train_model([texts[i] for i in tr], [labels[i] for i in tr], vader, args.l2)
        z_cv[te] = E.logits([texts[i] for i in te], vader, split=False, model=m)
    report["cv_sentences"] = {"n": len(texts), "vader_auc": round(roc_auc(labels, vader_scores(texts, vader)), 4),
                              "model_auc": round(roc_auc(labels, z_cv), 4)}
    print(f"  {'all':<34} n={len(texts):>5}  AUC VADER {report['cv_sentences']['vader_auc']:.4f}"
          f"  model {report['cv_sentences']['model_auc']:.4f}")

    print("Held-out source (trained on the other two):")
    for source in SOURCES:
        tr = np.flatnonzero(sources != source)
        te = np.flatnonzero(sources == source)
        m = train_model([texts[i] for i in tr], [labels[i] for i in tr], vader, args.l2)
        te_texts = [texts[i] for i in te]
        te_y = [labels[i] for i in te]
        report[f"heldout_{source}_sentences"] = compare(f"{source} sentences", te_texts, te_y, m, vader, split=False)
        rev, rev_y = pseudo_reviews(te_texts, te_y, 600, rng)
        report[f"heldout_{source}_reviews"] = compare(f"{source} reviews of 3-7 sentences", rev, rev_y, m, vader)

    print("Trained on all 3,000 sentences:")
    model = train_model(texts, labels, vader, args.l2)
    hw, hw_y = hand_written()
    report["hand_written_reviews"] = compare("hand-written reviews (bench/data)", hw, hw_y, model, vader)
    print(f"({time.perf_counter() - t0:.0f} s)")

    if args.dry_run:
        return 0
    nz = np.flatnonzero(np.abs(model.weights) > 1e-6)
    np.savez_compressed(OUT_DIR / "english.npz", indices=nz.astype(np.int32),
                        values=model.weights[nz].astype(np.float32), bias=np.float64(model.bias))
    meta = {
        "model": E.MODEL_ID,
        "kind": "logistic regression over hashed word unigrams and bigrams (negation scope marked) plus VADER's compound, pos and neg and counts of complaint and praise phrases",
        "hash_bits": E.HASH_BITS,
        "dense": list(E.DENSE),
        "negation_scope": E.NEGATION_SCOPE,
        "l2": args.l2,
        "steps": STEPS,
        "dense_weights": {name: round(float(model.weights[(1 << E.HASH_BITS) + j]), 4) for j, name in enumerate(E.DENSE)},
        "training_data": {"en_labelled_sentences_3000": len(texts),
                          "credit": "Kotzias et al., From Group to Individual Labels using Deep Features, KDD 2015 (UCI, CC BY 4.0)"},
        "evaluation": report,
        "seed": SEED,
    }
    (OUT_DIR / "english.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(nz)} weights to cxdesk/core/data/sentiment/english.npz")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
