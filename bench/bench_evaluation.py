"""How fast and how honest is `evaluate_action`?

1. Speed: evaluate one action on a database of 1,000,000 feedback rows (floor: 300 ms), against the naive
   way (load every row of the two windows and its topic mentions into Python, then count).
2. Calibration and power over many seeds of synthetic shops, each written into a database and evaluated
   through the real `evaluate_action`: coverage of the 95% interval of the difference (must be 93–97%),
   false-positive rate with no effect, how often a season that moves everything is credited, and the
   power to detect a halving of the topic's negative rate at 30 events per window.

    python bench/bench_evaluation.py            # 1M rows, 300 seeds per scenario
    python bench/bench_evaluation.py --rows 200000 --seeds 200
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "core"))

from cxdesk.core import actions, evaluation  # noqa: E402
from cxdesk.core.storage import open_db  # noqa: E402
from eval_data import LIVE, ensure_base, plant  # noqa: E402

TODAY = LIVE + timedelta(days=90)


# ---------------------------------------------------------------------------------------------
# Speed on a big database


def build_big(path: Path, rows: int, seed: int = 1) -> int:
    """`rows` feedback rows over two years, 12 topics, ~35% of rows mention a topic; returns an action id."""
    db = open_db(path)
    rng = random.Random(seed)
    now = "2024-01-01 00:00:00"
    src, _tid = ensure_base(db)
    topics = [_tid] + [db.execute("INSERT INTO topics(name, created_at, updated_at) VALUES (?, ?, ?)",
                                  [f"主题{i}", now, now]).lastrowid for i in range(11)]
    start = datetime.combine(LIVE - timedelta(days=540), datetime.min.time())
    span = 730 * 86400
    texts = ["快递太慢了", "味道不错", "包装破了", "服务很好", "一般般", "还会再来"]
    batch, mentions = [], []
    t0 = time.perf_counter()
    with db.atomic():
        for i in range(1, rows + 1):
            when = (start + timedelta(seconds=rng.randrange(span))).isoformat(sep=" ")
            label = "negative" if rng.random() < 0.2 else "positive"
            batch.append((i, src, rng.choice(texts), when, label, label, rng.random(), rng.randint(1, 5), f"b{i}"))
            if rng.random() < 0.35:
                mentions.append((i, rng.choice(topics), rng.random(), "negative" if rng.random() < 0.3 else "positive"))
            if len(batch) == 50_000:
                db.conn.executemany("INSERT INTO feedback(id, source_id, text, created_at, model_label, label, "
                                    "sentiment, rating, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                db.conn.executemany("INSERT OR IGNORE INTO feedback_topics(feedback_id, topic_id, sentiment, label) "
                                    "VALUES (?, ?, ?, ?)", mentions)
                batch, mentions = [], []
        if batch:
            db.conn.executemany("INSERT INTO feedback(id, source_id, text, created_at, model_label, label, "
                                "sentiment, rating, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
            db.conn.executemany("INSERT OR IGNORE INTO feedback_topics(feedback_id, topic_id, sentiment, label) "
                                "VALUES (?, ?, ?, ?)", mentions)
    db.execute("ANALYZE")
    aid = actions.create_action(db, "换快递", topics=["物流"], live_date=LIVE)
    print(f"built {rows:,} rows in {time.perf_counter() - t0:.1f} s")
    db.close()
    return aid


def naive_evaluate(db, action_id: int, window: int = 28):
    """The obvious way: fetch the rows of both windows and every mention, count in Python."""
    a = actions.get_action(db, action_id)
    topic_ids = {r[0] for r in db.execute("SELECT topic_id FROM action_topics WHERE action_id = ?", [a.id])}
    b0 = a.live_date - timedelta(days=window)
    a1 = a.live_date + timedelta(days=window)
    rows = db.execute("SELECT id, created_at, label FROM feedback WHERE deleted = 0 AND created_at >= ? "
                      "AND created_at < ?", [f"{b0} 00:00:00", f"{a1} 00:00:00"]).fetchall()
    mentions = {}
    for fid, tid, label in db.execute("SELECT feedback_id, topic_id, label FROM feedback_topics"):
        if tid in topic_ids:
            mentions.setdefault(fid, []).append(label)
    live = f"{a.live_date} 00:00:00"
    counts = {"b": [0, 0], "a": [0, 0]}
    for fid, created, _label in rows:
        side = "b" if created < live else "a"
        counts[side][0] += 1
        counts[side][1] += "negative" in mentions.get(fid, [])
    return counts


def bench_speed(rows: int, repeats: int = 7) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.db"
        aid = build_big(path, rows)
        db = open_db(path)
        evaluation.evaluate_action(db, aid, today=TODAY)          # warm the page cache
        fast = []
        for _ in range(repeats):
            t = time.perf_counter()
            ev = evaluation.evaluate_action(db, aid, today=TODAY)
            fast.append(time.perf_counter() - t)
        series = []
        for _ in range(repeats):
            t = time.perf_counter()
            evaluation.daily_series(db, aid, today=TODAY)
            series.append(time.perf_counter() - t)
        naive = []
        for _ in range(max(3, repeats // 2)):
            t = time.perf_counter()
            counts = naive_evaluate(db, aid)
            naive.append(time.perf_counter() - t)
        assert counts["b"] == [ev.before.total, ev.before.topic_negative], (counts, ev.before)
        f, s, n = statistics.median(fast), statistics.median(series), statistics.median(naive)
        print(f"evaluate_action on {rows:,} rows: median {f * 1000:.0f} ms over {repeats} runs "
              f"(floor 300 ms: {'OK' if f <= 0.3 else 'TOO SLOW'}); windows hold {ev.before.total:,} + "
              f"{ev.after.total:,} rows")
        print(f"daily_series for the chart: median {s * 1000:.0f} ms")
        print(f"naive Python counting: median {n * 1000:.0f} ms -> evaluate_action is {n / f:.1f}x faster")
        db.close()


# ---------------------------------------------------------------------------------------------
# Calibration and power


SCENARIOS = {
    # name: (rows per window, p_before, p_after, control_before, control_after)
    "no effect": (600, 0.05, 0.05, 0.15, 0.15),
    "halving, 30 events per window": (600, 0.05, 0.025, 0.15, 0.15),
    "halving, 60 events per window": (1200, 0.05, 0.025, 0.15, 0.15),
    "season halves everything": (1200, 0.05, 0.025, 0.20, 0.10),
    "small topic, 10 events per window": (500, 0.02, 0.02, 0.15, 0.15),
}


def bench_calibration(seeds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "cal.db")
        ensure_base(db)
        aid = actions.create_action(db, "换快递", topics=["物流"], live_date=LIVE)
        print(f"\ncalibration: {seeds} seeds per scenario, each a database evaluated by evaluate_action")
        print(f"{'scenario':36s} {'coverage':>9s} {'improved':>9s} {'no change':>10s} {'worsened':>9s} "
              f"{'insufficient':>12s}")
        results = {}
        t0 = time.perf_counter()
        for name, (n, pb, pa, cb, ca) in SCENARIOS.items():
            covered = 0
            verdicts = dict.fromkeys(evaluation.VERDICTS, 0)
            for seed in range(seeds):
                plant(db, 1000 + seed, n_before=n, n_after=n, p_before=pb, p_after=pa, c_before=cb, c_after=ca)
                ev = evaluation.evaluate_action(db, aid, today=TODAY)
                covered += ev.ci95[0] <= pa - pb <= ev.ci95[1]
                verdicts[ev.verdict] += 1
            cov = covered / seeds
            results[name] = (cov, verdicts)
            print(f"{name:36s} {cov:9.1%} {verdicts['improved'] / seeds:9.1%} "
                  f"{verdicts['no_significant_change'] / seeds:10.1%} {verdicts['worsened'] / seeds:9.1%} "
                  f"{verdicts['insufficient_data'] / seeds:12.1%}")
        print(f"({time.perf_counter() - t0:.0f} s)")
        db.close()
    # The plain difference only: what a tool without the control would claim in the season scenario.
    cov_all = [results[k][0] for k in SCENARIOS if k != "small topic, 10 events per window"]
    fp = results["no effect"][1]
    print("\nsummary")
    print(f"  coverage of the 95% interval (scenarios with >= 30 events): "
          f"{min(cov_all):.1%} – {max(cov_all):.1%} (target 93–97%: "
          f"{'OK' if all(0.93 <= c <= 0.97 for c in cov_all) else 'OUT OF RANGE'})")
    print(f"  false positives with no effect: {(fp['improved'] + fp['worsened']) / seeds:.1%} (target <= 5%)")
    print(f"  season credited as improvement: {results['season halves everything'][1]['improved'] / seeds:.1%}")
    print(f"  power to detect a halving at 30 events per window: "
          f"{results['halving, 30 events per window'][1]['improved'] / seeds:.1%}; "
          f"at 60 events: {results['halving, 60 events per window'][1]['improved'] / seeds:.1%}")
    # The “what would settle it” estimate shown to the owner comes from this power formula: beside the
    # measured rates it shows how well it predicts them (the verdict also needs the control to agree).
    for name in ("halving, 30 events per window", "halving, 60 events per window"):
        n, pb, pa = SCENARIOS[name][:3]
        print(f"  power the owner's estimate predicts for {name!r}: "
              f"{evaluation.power_of_test(pb, 1 - pa / pb, n):.1%} (rows for 80%: "
              f"{evaluation.rows_for_power(pb, 1 - pa / pb):,} per window, here {n:,})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seeds", type=int, default=300)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-calibration", action="store_true")
    args = parser.parse_args()
    if not args.skip_speed:
        bench_speed(args.rows)
    if not args.skip_calibration:
        bench_calibration(args.seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
