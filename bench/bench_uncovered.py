"""Complaints no topic covers on a big database: the query beside the topic table, in the same run.

    python bench/bench_uncovered.py [--rows 100000] [--distinct 4000] [--repeat 5]

Builds a database of `--rows` reviews over one year: `--distinct` real reviews (negative and positive
ones from the fruit and clothes categories of online_shopping_9_cats.csv in `shared/data`, or
bench/data's English reviews when it is missing) are analysed for real, then copied with their
analysis, their mentions and their stored complaint clauses to fill the year. Prints
- the analysis of the distinct reviews with and without reading them for complaints (`refresh`),
  so the extra cost of keeping the list current shows beside what analysis costs anyway;
- the median time of `uncovered_complaints` over the whole year and over one month, beside
  `topic_stats(keywords=False)` (the topic table of the same screen) on the same filters.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from cxdesk.core.analysis import analyze, uncovered  # noqa: E402
from cxdesk.core.analysis.topics import topic_stats  # noqa: E402
from cxdesk.core.filters import FeedbackFilter  # noqa: E402
from cxdesk.core.storage import now_text, open_db, set_setting  # noqa: E402
from train_english import shared_data  # noqa: E402

START = date(2024, 1, 1)
DAYS = 366


def texts(n: int) -> list[str]:
    path = shared_data() / "online_shopping_9_cats.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [r["review"] for r in csv.DictReader(fh) if r["cat"] in ("水果", "衣服") and r["review"].strip()]
    else:
        with (ROOT / "bench" / "data" / "english_reviews.csv").open(encoding="utf-8", newline="") as fh:
            rows = [r["text"] for r in csv.DictReader(fh)]
    random.Random(5).shuffle(rows)
    return (rows * (n // max(len(rows), 1) + 1))[:n]


def build(path: Path, rows: int, distinct: int) -> tuple[float, float]:
    db = open_db(path)
    set_setting(db, "business_type", "电商/零售")
    sample = texts(distinct)
    with db.atomic():
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'bench.csv', 'x', ?)", [now_text()])
        db.conn.executemany(
            "INSERT INTO feedback(source_id, source_row, text, created_at, dedup_key) VALUES (1, ?, ?, ?, ?)",
            [(i + 1, t, f"{START + timedelta(days=i * DAYS // distinct)} 12:00:00", f"k{i}") for i, t in enumerate(sample)])
    # The same analysis with and without reading for complaints, after a first run that loads the
    # models and jieba (so neither pays for that).
    real_refresh = uncovered.refresh

    def timed(refresh) -> float:
        db.execute("UPDATE feedback SET analysis_version = NULL")
        uncovered.refresh = refresh
        try:
            t = time.perf_counter()
            analyze(db)
            return time.perf_counter() - t
        finally:
            uncovered.refresh = real_refresh

    timed(lambda db, progress=None: 0)
    without = timed(lambda db, progress=None: 0)
    with_refresh = timed(real_refresh)
    cols = ("source_row, text, created_at, rating, channel, lang, sentiment, model_label, label, topics, "
            "analysis_version, analyzed_at")
    copies = rows // distinct - 1
    with db.atomic():
        for k in range(1, copies + 1):
            offset = k * distinct
            db.execute(
                f"INSERT INTO feedback(id, source_id, dedup_key, {cols}) SELECT id + ?, 1, dedup_key || '-' || ?, "
                f"{cols.replace('created_at', 'datetime(created_at, printf(%s, ?))' % repr('+%d hours'))} "
                f"FROM feedback WHERE id <= ?", [offset, k, k, distinct])
            db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, sentiment, label, manual) "
                       "SELECT feedback_id + ?, topic_id, sentiment, label, manual FROM feedback_topics "
                       "WHERE feedback_id <= ?", [offset, distinct])
            db.execute("INSERT INTO complaint_scan(feedback_id, version) SELECT feedback_id + ?, version "
                       "FROM complaint_scan WHERE feedback_id <= ?", [offset, distinct])
            db.execute("INSERT INTO complaint_clauses(feedback_id, clause, words) SELECT feedback_id + ?, clause, words "
                       "FROM complaint_clauses WHERE feedback_id <= ?", [offset, distinct])
    db.close()
    return with_refresh, without


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--distinct", type=int, default=4_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as tmp:
        path = Path(tmp) / "shop.db"
        t = time.perf_counter()
        with_refresh, without = build(path, args.rows, args.distinct)
        db = open_db(path)
        total = db.execute("SELECT count(*) FROM feedback").fetchone()[0]
        stored = db.execute("SELECT count(*) FROM complaint_clauses").fetchone()[0]
        print(f"database: {total} reviews, {stored} stored complaint clauses no topic covers "
              f"(built in {time.perf_counter() - t:.0f} s)")
        print(f"analysis of {args.distinct} distinct reviews: {without:.1f} s without reading for complaints, "
              f"{with_refresh:.1f} s with it (+{(with_refresh / without - 1) * 100:.0f} %)")
        uncovered.uncovered_complaints(db)  # first call loads jieba, the word lists and VADER
        for name, flt in (("whole year", FeedbackFilter()),
                          ("one month", FeedbackFilter(date_from=date(2024, 6, 1), date_to=date(2024, 6, 30)))):
            u = median_seconds(lambda: uncovered.uncovered_complaints(db, flt), args.repeat)
            s = median_seconds(lambda: topic_stats(db, flt, keywords=False), args.repeat)
            found = uncovered.uncovered_complaints(db, flt)
            print(f"{name:<10}  uncovered_complaints {u * 1000:7.0f} ms   topic_stats(keywords=False) "
                  f"{s * 1000:7.0f} ms   ({len(found)} phrases; first: "
                  f"{', '.join(f'{x.phrase} {x.count}' for x in found[:3])})")
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
