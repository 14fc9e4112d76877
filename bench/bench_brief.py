"""The weekly brief on 1M feedback rows over 3 years, beside yardsticks measured in the same run.

    python bench/bench_brief.py [--rows 1000000] [--repeat 5] [--keep DIR]

Prints: the first brief after new data (it refreshes the summaries and fits the rating drivers over a year
from their daily sums), the median brief afterwards (floor ≤ 300 ms), the driver fit alone, the one-off filling of the drivers' daily sums for every row (what opening an older database
costs once), and yardsticks: the core call behind `cxdesk stats --json` for the same week
(`trends.kpis`), the 概览 refresh of the last 90 days (`trends.dashboard`) and a bare count of the rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dashboard import DAYS, START, generate, insert, prepare  # noqa: E402
from cxdesk.core.actions import create_action  # noqa: E402
from cxdesk.core.analysis import trends  # noqa: E402
from cxdesk.core.brief import drivers, moments  # noqa: E402
from cxdesk.core.brief.brief import build_brief  # noqa: E402
from cxdesk.core.brief.goals import add_goal  # noqa: E402
from cxdesk.core.filters import FeedbackFilter  # noqa: E402
from cxdesk.core.storage import open_db  # noqa: E402


def timed_ms(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def median_ms(fn, repeat: int) -> float:
    return statistics.median(timed_ms(fn)[0] for _ in range(repeat))


def _refill(db) -> None:
    with db.atomic():
        moments.rebuild_days(db)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", metavar="DIR", help="keep/reuse the generated database in DIR")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cxdesk-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"brief-{args.rows}.db"
    print(f"cxdesk weekly brief benchmark: {args.rows:,} rows over {DAYS} days, {os.cpu_count()} CPUs")
    fresh = not path.exists()
    db = open_db(path)
    if fresh:
        prepare(db)
        rows, mentions = generate(np.random.default_rng(0), args.rows)
        took = insert(db, rows, mentions)
        print(f"inserted {len(rows):,} rows and {len(mentions):,} mentions in {took:.1f} s")
        del rows, mentions
        end = START + timedelta(days=DAYS - 1)
        create_action(db, "加快发货", topics=("物流",), live_date=end - timedelta(days=40), status="live")
        create_action(db, "换新包装", topics=("包装",), live_date=end + timedelta(days=3), status="doing")
        add_goal(db, "negative_share", "15%")
        add_goal(db, "average_rating", "4.5", period="month")
        add_goal(db, "topic_complaints", "100", topic="质量")
    trends.refresh_summary(db)
    # New data: 500 of the newest ratings change (6 − r, so the next run changes them back); the first brief
    # then refreshes those days of the summaries and of the drivers' daily sums, and fits.
    with db.atomic():
        db.execute("UPDATE feedback SET rating = 6 - rating WHERE id IN (SELECT id FROM feedback "
                   "WHERE rating IS NOT NULL AND deleted = 0 ORDER BY created_at DESC LIMIT 500)")

    cold, brief = timed_ms(lambda: build_brief(db))
    week = brief.start
    warm = median_ms(lambda: build_brief(db), args.repeat)
    fit = median_ms(lambda: drivers.compute_drivers(db, week - timedelta(days=drivers.WINDOW_DAYS - 7), brief.end),
                    max(1, min(3, args.repeat)))
    fill = timed_ms(lambda: _refill(db))[0]
    flt = FeedbackFilter(date_from=week, date_to=brief.end)
    kpis = median_ms(lambda: trends.kpis(db, flt), args.repeat)
    count = median_ms(lambda: db.execute("SELECT count(*) FROM feedback WHERE deleted = 0").fetchone(), args.repeat)
    dash_flt = FeedbackFilter(date_from=brief.end - timedelta(days=89), date_to=brief.end)
    dash = median_ms(lambda: trends.dashboard(db, dash_flt, "day"), args.repeat)

    print(f"brief {brief.week}: {brief.current.total:,} reviews this week, "
          f"{brief.drivers.rated:,} rated reviews in the drivers' year, fixes: {', '.join(f.topic for f in brief.fixes)}")
    print(f"{'first brief after new data (500 ratings changed)':52s} {cold:9.1f} ms")
    print(f"{'driver fit alone (a year, from the daily sums)':52s} {fit:9.1f} ms")
    print(f"{'daily sums of the drivers, every row (once)':52s} {fill:9.1f} ms")
    print(f"{'brief, median of ' + str(args.repeat) + ' (summary tables, drivers refitted)':52s} {warm:9.1f} ms"
          f"   floor 300 ms: {'OK' if warm <= 300 else 'MISSED'}")
    print(f"{'yardstick: trends.kpis for the week (stats --json)':52s} {kpis:9.1f} ms")
    print(f"{'yardstick: 概览 refresh, last 90 days (trends.dashboard)':52s} {dash:9.1f} ms")
    print(f"{'yardstick: SELECT count(*) FROM feedback WHERE deleted = 0':52s} {count:9.1f} ms")
    db.close()
    if not args.keep:
        for p in folder.glob("*"):
            p.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
