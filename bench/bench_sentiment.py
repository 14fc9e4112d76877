"""Sentiment model against stock SnowNLP, in the same run: speed, accuracy, calibration, start-up.

    python bench/bench_sentiment.py            # everything (about two minutes, SnowNLP is slow)
    python bench/bench_sentiment.py --quick    # at most 600 texts per held-out set for SnowNLP

Reads the public data in `shared/data` beside the repository when present (held-out categories of
online_shopping_9_cats.csv and the JD phone reviews, which the shipped model never saw) and the
hand-written English reviews in bench/data/english_reviews.csv. Prints the floors and whether they hold.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from train_sentiment import evaluate, held_out_sets  # noqa: E402

DATA = next((base / "shared" / "data" for base in (ROOT.parent, ROOT.parent.parent)
             if (base / "shared" / "data").is_dir()), ROOT.parent / "shared" / "data")
ENGLISH = ROOT / "bench" / "data" / "english_reviews.csv"


def english_set() -> tuple[list[str], list[int]]:
    import csv

    with ENGLISH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [int(r["label"]) for r in rows]


def snownlp_scores(texts: list[str]) -> list[float]:
    from snownlp import SnowNLP

    out = []
    for t in texts:
        try:
            out.append(SnowNLP(t).sentiments)
        except Exception:  # SnowNLP('') raises ZeroDivisionError
            out.append(0.5)
    return out


def import_seconds(statement: str, before: str = "pass", repeat: int = 5) -> float:
    """Fastest of `repeat` fresh interpreters (timing noise on a shared machine only adds)."""
    times = []
    for _ in range(repeat):
        code = f"import time; {before}; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    floors = []

    print("== start-up (fresh interpreter, fastest of 5)")
    t_mod = import_seconds("import cxdesk.core.analysis.sentiment", before="import cxdesk.core.storage, cxdesk.core.analysis")
    t_load = import_seconds("import cxdesk.core.analysis.sentiment as s; s._load_model()", before="import cxdesk.core.storage, cxdesk.core.analysis")
    t_sn = import_seconds("from snownlp import SnowNLP")
    t_jieba = import_seconds("import jieba; jieba.initialize()")
    print(f"import sentiment module      {t_mod * 1000:7.1f} ms  (after storage and its package, as in the app)")
    print(f"import + load model          {t_load * 1000:7.1f} ms")
    print(f"import snownlp (reference)   {t_sn * 1000:7.1f} ms")
    print(f"jieba initialise (reference) {t_jieba * 1000:7.1f} ms")
    floors.append(("module import < 50 ms", t_mod < 0.05))
    floors.append(("model load < 1 s", t_load < 1.0))

    from cxdesk.core.analysis import sentiment as S

    have_data = (DATA / "online_shopping_9_cats.csv").exists()
    sets = held_out_sets(DATA) if have_data else {}
    if not have_data:
        print("\n(public data not found beside the repository: accuracy on Chinese sets skipped)")

    print("\n== throughput, 2,000 realistic texts, single process")
    rng = np.random.default_rng(7)
    if have_data:
        pool = [t for texts, _y in sets.values() for t in texts]
    else:
        pool = english_set()[0] + ["质量很好，物流也快", "不太满意，包装破了", "一般般吧", "客服态度很差，再也不买了"] * 50
    sample = [pool[i] for i in rng.choice(len(pool), size=2000, replace=len(pool) < 2000)]
    S.warm_up()
    ours = []
    for _ in range(5):
        t = time.perf_counter()
        S.analyze_texts(sample)
        ours.append(time.perf_counter() - t)
    t_ours = statistics.median(ours)
    n_sn = 2000 if not args.quick else 500
    from snownlp import SnowNLP

    SnowNLP("预热").sentiments
    t = time.perf_counter()
    snownlp_scores(sample[:n_sn])
    t_snow = (time.perf_counter() - t) * 2000 / n_sn
    ratio = t_snow / t_ours
    print(f"cxdesk analyze_texts  {2000 / t_ours:10,.0f} texts/s   (median of 5: {t_ours * 1000:.0f} ms)")
    print(f"stock SnowNLP         {2000 / t_snow:10,.0f} texts/s   ({n_sn} texts timed)")
    print(f"ratio                 {ratio:10.0f}x")
    floors.append(("throughput >= 50x SnowNLP", ratio >= 50))

    print("\n== accuracy on held-out sets (label cut 0.5; pred+ = share predicted positive)")
    header = f"{'set':22} {'n':>5} {'true+':>6} | {'AUC':>6} {'F1':>6} {'pred+':>6} | {'AUC':>6} {'F1':>6} {'pred+':>6}"
    print(f"{'':36}| {'cxdesk':^20} | {'SnowNLP':^20}")
    print(header)
    auc_gain, f1_gain = [], []
    scored = {}
    for name, (texts, y) in sets.items():
        y = np.array(y)
        if args.quick and len(texts) > 600:
            idx = rng.choice(len(texts), 600, replace=False)
            texts, y = [texts[i] for i in idx], y[idx]
        # Rows without the customer's words (platform placeholders such as 此用户未填写评价内容,
        # emoji only) are left out for both models: there is no sentiment to be right about.
        res = S.analyze_texts(texts)
        keep = np.array([r.score is not None for r in res])
        if not keep.all():
            print(f"  ({name}: {int((~keep).sum())} rows without words left out)")
        texts = [t for t, k in zip(texts, keep) if k]
        y = y[keep]
        p_ours = np.array([r.score for r, k in zip(res, keep) if k])
        p_snow = np.array(snownlp_scores(texts))
        scored[name] = (y, p_ours, p_snow)
        a, b = evaluate(y, p_ours), evaluate(y, p_snow)
        auc_gain.append(a["auc"] - b["auc"])
        f1_gain.append(a["macro_f1"] - b["macro_f1"])
        print(f"{name:22} {a['n']:>5} {a['true_pos_share']:>6.3f} | {a['auc']:>6.3f} {a['macro_f1']:>6.3f} "
              f"{a['pred_pos_share']:>6.3f} | {b['auc']:>6.3f} {b['macro_f1']:>6.3f} {b['pred_pos_share']:>6.3f}")
    if sets:
        print(f"mean gain over SnowNLP: AUC {np.mean(auc_gain):+.3f}, macro-F1 {np.mean(f1_gain):+.3f}")
        floors.append(("Chinese AUC >= SnowNLP + 0.07 (mean)", np.mean(auc_gain) >= 0.07))
        floors.append(("Chinese macro-F1 >= SnowNLP + 0.15 (mean)", np.mean(f1_gain) >= 0.15))

        # Calibration on unbalanced sets: the balanced held-out sets resampled to 15% and 85%
        # positive (fixed seed). Reported, not part of the floors above.
        print("\nunbalanced resamples of the balanced held-out sets (calibration check)")
        for name, (y, p_ours, p_snow) in scored.items():
            if abs(y.mean() - 0.5) > 0.05:
                continue
            for share in (0.15, 0.85):
                pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
                n_neg = len(neg)
                n_pos = min(len(pos), int(round(n_neg * share / (1 - share))))
                if n_pos == len(pos):
                    n_neg = int(round(n_pos * (1 - share) / share))
                idx = np.concatenate([rng.choice(pos, n_pos, replace=False), rng.choice(neg, n_neg, replace=False)])
                a, b = evaluate(y[idx], p_ours[idx]), evaluate(y[idx], p_snow[idx])
                label = f"{name} @{share:.0%}"
                print(f"{label:22} {a['n']:>5} {a['true_pos_share']:>6.3f} | {a['auc']:>6.3f} {a['macro_f1']:>6.3f} "
                      f"{a['pred_pos_share']:>6.3f} | {b['auc']:>6.3f} {b['macro_f1']:>6.3f} {b['pred_pos_share']:>6.3f}")

    texts, y = english_set()
    y = np.array(y)
    res = S.analyze_texts(texts)
    p_ours = np.array([0.5 if r.score is None else r.score for r in res])
    p_snow = np.array(snownlp_scores(texts))
    a, b = evaluate(y, p_ours), evaluate(y, p_snow)
    print(f"{'english (hand-written)':22} {a['n']:>5} {a['true_pos_share']:>6.3f} | {a['auc']:>6.3f} {a['macro_f1']:>6.3f} "
          f"{a['pred_pos_share']:>6.3f} | {b['auc']:>6.3f} {b['macro_f1']:>6.3f} {b['pred_pos_share']:>6.3f}")
    print(f"english rows detected as en: {sum(r.lang == 'en' for r in res)}/{len(res)}")
    floors.append(("English AUC >= 0.85", a["auc"] >= 0.85))

    print("\n== floors")
    for label, ok in floors:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(ok for _l, ok in floors) else 1


if __name__ == "__main__":
    sys.exit(main())
