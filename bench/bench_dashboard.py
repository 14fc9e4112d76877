"""Dashboard refresh on 1M feedback rows over 3 years: summaries vs a direct GROUP BY, in the same run.

    python bench/bench_dashboard.py [--rows 1000000] [--repeat 5] [--keep DIR]

Prints: time to build the database, the import slowdown caused by the summary triggers, the full and
incremental summary rebuild, and for each filter change the median dashboard refresh with summaries
and with the naive direct GROUP BY (floor: ≤ 200 ms with summaries).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cxdesk.core.analysis import trends  # noqa: E402
from cxdesk.core.filters import FeedbackFilter  # noqa: E402
from cxdesk.core.storage import open_db  # noqa: E402

CHANNELS = ["淘宝", "京东", "拼多多", "抖音", "美团"]
TOPICS = ["物流", "包装", "质量", "价格", "客服", "尺码", "颜色", "味道", "售后", "发票", "赠品", "做工"]
LABELS = np.array(["positive", "neutral", "negative", "unknown"])
START = date(2022, 1, 1)
DAYS = 3 * 365 + 1


def generate(rng: np.random.Generator, n: int, id0: int = 0, day0: int = 0, days: int = DAYS):
    day = np.sort(rng.integers(day0, day0 + days, n))
    secs = rng.integers(0, 86400, n)
    label = rng.choice(4, n, p=[0.6, 0.15, 0.2, 0.05])
    chan = rng.integers(0, len(CHANNELS), n)
    rating = np.where(rng.random(n) < 0.8, np.clip(5 - label - rng.integers(0, 2, n), 1, 5), 0)
    senti = np.clip(np.where(label == 0, 0.8, np.where(label == 2, 0.15, 0.5)) + rng.normal(0, 0.1, n), 0, 1)
    rows = []
    mentions = []
    for i in range(n):
        d = START + timedelta(days=int(day[i]))
        s = int(secs[i])
        created = f"{d.isoformat()} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
        fid = id0 + i + 1
        lab = LABELS[label[i]]
        source = (d.year - START.year) * 12 + d.month
        rows.append((fid, source, created, CHANNELS[chan[i]], str(lab), str(lab),
                     float(rating[i]) if rating[i] else None, float(senti[i]), f"k{fid}"))
    k = rng.choice(4, n, p=[0.3, 0.4, 0.2, 0.1])
    for i in np.nonzero(k)[0]:
        for t in rng.choice(len(TOPICS), int(k[i]), replace=False):
            tl = "negative" if (label[i] == 2 and rng.random() < 0.7) else ("positive" if label[i] == 0 else "neutral")
            mentions.append((id0 + int(i) + 1, int(t) + 1, tl))
    return rows, mentions


def insert(db, rows, mentions) -> float:
    t = time.perf_counter()
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO feedback(id, source_id, created_at, channel, label, model_label, rating, sentiment,"
            " dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.conn.executemany("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, ?)", mentions)
    return time.perf_counter() - t


def prepare(db) -> None:
    with db.atomic():
        for m in range(1, 37 + 1):
            db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (?, ?, ?, '2025-01-01')",
                       [m, f"m{m}.xlsx", f"m{m}"])
        for i, t in enumerate(TOPICS, 1):
            db.execute("INSERT INTO topics(id, name, created_at, updated_at) VALUES (?, ?, '2025-01-01', '2025-01-01')",
                       [i, t])


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def trigger_slowdown(folder: Path, n: int, repeat: int) -> tuple[float, float]:
    """Median seconds to insert n rows (+ mentions) with and without the summary triggers."""
    rng = np.random.default_rng(1)
    rows, mentions = generate(rng, n)
    with_t, without_t = [], []
    for r in range(repeat):
        for keep in (True, False):
            path = folder / f"trig-{r}-{keep}.db"
            db = open_db(path)
            prepare(db)
            if not keep:
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'trend_%'").fetchall():
                    db.execute(f"DROP TRIGGER {name}")
            (with_t if keep else without_t).append(insert(db, rows, mentions))
            db.close()
            path.unlink()
    return statistics.median(with_t), statistics.median(without_t)


def real_import_slowdown(folder: Path, n: int, repeat: int) -> tuple[float, float]:
    """Median seconds of `import_file` on an n-row CSV export, with and without the summary triggers."""
    from cxdesk.core.importers import import_file, sniff_file

    rng = np.random.default_rng(3)
    csv_path = folder / "export.csv"
    texts = ["送餐太慢了", "味道很好，下次还来", "太贵了，分量也少", "服务员态度很差", "环境不错"]
    with csv_path.open("w", encoding="utf-8") as fh:
        fh.write("评价内容,评价时间,评分,渠道\n")
        for i in range(n):
            d = START + timedelta(days=int(rng.integers(0, DAYS)))
            fh.write(f"{texts[i % 5]}{i},{d} 12:00:00,{int(rng.integers(1, 6))},{CHANNELS[i % 5]}\n")
    with_t, without_t = [], []
    for r in range(repeat):
        for keep in (True, False):
            path = folder / f"imp-{r}-{keep}.db"
            db = open_db(path)
            if not keep:
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'trend_%'").fetchall():
                    db.execute(f"DROP TRIGGER {name}")
            plan = sniff_file(csv_path)
            t = time.perf_counter()
            import_file(db, plan)
            (with_t if keep else without_t).append(time.perf_counter() - t)
            db.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
    csv_path.unlink()
    return statistics.median(with_t), statistics.median(without_t)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", metavar="DIR", help="keep/reuse the generated database in DIR")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cxdesk-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dash-{args.rows}.db"
    print(f"cxdesk dashboard benchmark: {args.rows:,} rows over {DAYS} days, {os.cpu_count()} CPUs")

    trig_n = min(200_000, args.rows)
    with_t, without_t = trigger_slowdown(folder, trig_n, 3)
    print(f"import {trig_n:,} rows + topic mentions: with summary triggers {with_t:.2f} s, "
          f"without {without_t:.2f} s -> slowdown x{with_t / without_t:.2f}")

    imp_n = min(50_000, args.rows)
    with_t, without_t = real_import_slowdown(folder, imp_n, 3)
    print(f"cxdesk import of a {imp_n:,}-row CSV: with summary triggers {with_t:.2f} s, without {without_t:.2f} s "
          f"-> slowdown x{with_t / without_t:.2f}")

    fresh = not path.exists()
    db = open_db(path)
    if fresh:
        prepare(db)
        t = time.perf_counter()
        rows, mentions = generate(np.random.default_rng(0), args.rows)
        gen = time.perf_counter() - t
        took = insert(db, rows, mentions)
        print(f"generated in {gen:.1f} s, inserted {len(rows):,} rows and {len(mentions):,} mentions in {took:.1f} s")
        del rows, mentions
    else:
        db.execute("INSERT OR IGNORE INTO trend_dirty(day) VALUES ('*')")
        db.conn.commit()
    t = time.perf_counter()
    trends.refresh_summary(db)
    print(f"full summary rebuild: {time.perf_counter() - t:.2f} s "
          f"({db.execute('SELECT count(*) FROM trend_daily').fetchone()[0]:,} daily rows, "
          f"{db.execute('SELECT count(*) FROM trend_topic_daily').fetchone()[0]:,} topic rows)")

    # An incremental import of one more day, then the refresh that follows it.
    last = db.execute("SELECT max(id) FROM feedback").fetchone()[0]
    rows, mentions = generate(np.random.default_rng(5), 900, id0=last, day0=DAYS - 1, days=1)
    insert(db, rows, mentions)
    t = time.perf_counter()
    n = trends.refresh_summary(db)
    print(f"refresh after importing 900 rows of one day: {(time.perf_counter() - t) * 1000:.0f} ms ({n} day)")
    with db.atomic():
        db.execute("UPDATE feedback SET manual_label = 'positive', label = 'positive' WHERE id = "
                   "(SELECT min(id) FROM feedback WHERE label = 'negative' AND id > 12345)")
    t = time.perf_counter()
    trends.refresh_summary(db)
    print(f"refresh after one label correction: {(time.perf_counter() - t) * 1000:.0f} ms")

    end = START + timedelta(days=DAYS - 1)
    cases = [
        ("all time, by month", FeedbackFilter(), "month"),
        ("all time, by day", FeedbackFilter(), "day"),
        ("last 90 days, by day", FeedbackFilter(date_from=end - timedelta(days=89), date_to=end), "day"),
        ("last year, by week", FeedbackFilter(date_from=end - timedelta(days=364), date_to=end), "week"),
        ("channel 京东, by week", FeedbackFilter(channels=("京东",)), "week"),
        ("topic 物流, by week", FeedbackFilter(topics=("物流",)), "week"),
        ("topic + channel + 90 days", FeedbackFilter(topics=("客服",), channels=("抖音",),
                                                     date_from=end - timedelta(days=89), date_to=end), "day"),
        ("source (one import), by day", FeedbackFilter(sources=(30,)), "day"),
    ]
    print(f"\n{'filter change':32s} {'summaries':>10s} {'direct':>10s} {'ratio':>7s}")
    worst = 0.0
    for name, flt, gran in cases:
        fast = median_ms(lambda: trends.dashboard(db, flt, gran), args.repeat)
        slow = median_ms(lambda: trends.dashboard(db, flt, gran, use_summary=False), max(1, min(3, args.repeat)))
        worst = max(worst, fast)
        print(f"{name:32s} {fast:8.1f}ms {slow:8.0f}ms {slow / fast:6.1f}x")
    print(f"\nworst dashboard refresh with summaries: {worst:.1f} ms (floor 200 ms: {'OK' if worst <= 200 else 'MISSED'})")
    db.close()
    if not args.keep:
        for p in folder.glob("*"):
            p.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
