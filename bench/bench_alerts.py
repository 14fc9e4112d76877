"""Spike alerts on synthetic data: detection of a planted doubling and the false-alert rate.

    python bench/bench_alerts.py [--seeds 2000] [--db-seeds 200]

Part 1 tests the spike rule alone on Poisson weekly counts (many seeds per baseline level).
Part 2 runs the real detector (`find_spikes`) on databases with 8 topics over 20 weeks: one topic's
weekly negatives double in the last week; the false-alert rate is counted over every (topic, week)
and every (channel, week) check of the spike-free weeks. Floors: doubling at >= 20/week found in
>= 95% of seeds; false alerts in <= 5% of weeks. A naive rule (alert when this week > 1.5 x last week)
is measured on the same data for comparison.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cxdesk.core.analysis import alerts  # noqa: E402
from cxdesk.core.analysis.alerts import AlertSettings, spike_test  # noqa: E402
from cxdesk.core.storage import open_db  # noqa: E402

TOPICS = ["物流", "包装", "质量", "价格", "客服", "尺码", "颜色", "售后"]
CHANNELS = ["淘宝", "京东", "抖音"]


def naive(observed: int, baseline: list[int]) -> bool:
    return observed > 1.5 * baseline[-1]


def part1(seeds: int) -> None:
    s = AlertSettings()
    rng = np.random.default_rng(1)
    print(f"Part 1: the rule alone, {seeds} seeds per level, baseline {s.baseline_weeks} weeks")
    print(f"{'weekly negatives':>18s} {'doubling found':>15s} {'false alerts':>13s} {'naive found':>12s} {'naive false':>12s}")
    for lam in (5, 10, 20, 30, 50, 100):
        hit = fa = nhit = nfa = 0
        for _ in range(seeds):
            base = list(rng.poisson(lam, s.baseline_weeks))
            spike, quiet = int(rng.poisson(2 * lam)), int(rng.poisson(lam))
            hit += spike_test(spike, base, s).is_spike
            fa += spike_test(quiet, base, s).is_spike
            nhit += naive(spike, base)
            nfa += naive(quiet, base)
        print(f"{lam:>18d} {hit / seeds:>15.1%} {fa / seeds:>13.1%} {nhit / seeds:>12.1%} {nfa / seeds:>12.1%}")


def build(rng, weeks: int, per_week: float, spike_topic: int | None):
    db = open_db(":memory:")
    now = "2025-01-01 00:00:00"
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a', 'a', ?)", [now])
    for i, t in enumerate(TOPICS, 1):
        db.execute("INSERT INTO topics(id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", [i, t, now, now])
    last = date(2024, 12, 29)  # a Sunday
    start = last - timedelta(days=7 * weeks - 1)
    rows, mentions = [], []
    fid = 0
    for d in range(7 * weeks):
        day = start + timedelta(days=d)
        final = day > last - timedelta(days=7)
        for ti in range(len(TOPICS)):
            lam = per_week / 7 * (2 if (final and ti == spike_topic) else 1)
            for _ in range(int(rng.poisson(lam))):
                fid += 1
                rows.append((fid, f"{day.isoformat()} 10:00:00", CHANNELS[fid % 3], f"k{fid}"))
                mentions.append((fid, ti + 1))
    with db.atomic():
        db.conn.executemany("INSERT INTO feedback(id, source_id, created_at, channel, label, model_label, dedup_key)"
                            " VALUES (?, 1, ?, ?, 'negative', 'negative', ?)", rows)
        db.conn.executemany("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, 'negative')",
                            mentions)
    return db, last


def part2(db_seeds: int, per_week: float) -> tuple[float, float]:
    weeks, checked_weeks = 20, 10
    rng = np.random.default_rng(7)
    found = 0
    false_checks = false_alerts = weeks_with_any = 0
    for seed in range(db_seeds):
        db, last = build(rng, weeks, per_week, spike_topic=seed % len(TOPICS))
        planted = TOPICS[seed % len(TOPICS)]
        spikes = alerts.find_spikes(db, as_of=last)
        found += any(a.kind == "topic" and a.key == planted and a.granularity == "week" for a in spikes)
        # spike-free weeks: the 10 weeks before the last one
        for w in range(1, checked_weeks + 1):
            as_of = last - timedelta(weeks=w)
            got = alerts.find_spikes(db, as_of=as_of)
            false_checks += len(TOPICS) + len(CHANNELS)
            false_alerts += len(got)
            weeks_with_any += bool(got)
        db.close()
    return found / db_seeds, false_alerts / false_checks, weeks_with_any / (db_seeds * checked_weeks)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=2000)
    ap.add_argument("--db-seeds", type=int, default=200)
    args = ap.parse_args()
    t = time.perf_counter()
    part1(args.seeds)
    print(f"\nPart 2: the detector on databases ({args.db_seeds} seeds, {len(TOPICS)} topics, {len(CHANNELS)} channels)")
    for per_week in (20, 40):
        det, fa, any_rate = part2(args.db_seeds, per_week)
        print(f"  {per_week}/week per topic: planted doubling found in {det:.1%} of seeds (floor 95%: "
              f"{'OK' if det >= 0.95 else 'MISSED'}); false alerts in {fa:.1%} of (topic|channel, week) checks "
              f"(floor 5%: {'OK' if fa <= 0.05 else 'MISSED'}); weeks with any false alert among "
              f"{len(TOPICS) + len(CHANNELS)} series: {any_rate:.0%}")
    print(f"\ntook {time.perf_counter() - t:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
