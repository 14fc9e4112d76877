"""Customer cases: first rows of the 客户跟进 screen with 10,000 cases, and what opening cases adds to an import.

    python bench/bench_cases.py [--rows 1000000] [--cases 10000] [--import-rows 100000] [--repeat 5]

Prints, each beside a yardstick measured in the same run:
- the screen: time from building `CasesScreen` to its first rows shown (floor ≤ 300 ms), and the core
  calls it makes (queue ids + the first page); yardstick: loading every case at once;
- the import: `import_file` of a CSV of `--import-rows` rows and its analysis, as the app runs them
  (the yardsticks), then `open_cases` for that import (floor: ≤ 5 % of import + analysis).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from cxdesk.core import cases  # noqa: E402
from cxdesk.core.importers import import_file, sniff_file  # noqa: E402
from cxdesk.core.storage import open_db  # noqa: E402

CHANNELS = ["美团", "大众点评", "饿了么", "淘宝", "京东"]
# A shop's usual spread of stars (14 % are 1–2★), for the imported file.
STARS = [1, 2, 3, 4, 5]
STAR_WEIGHTS = [8, 6, 10, 20, 56]
TEXTS = ["上菜太慢了，等了一个小时", "分量太少，价格偏贵", "服务员态度很差", "味道很好，下次还来", "环境不错，服务热情",
         "菜不新鲜，有异味", "外卖送到都凉了", "还可以吧"]


def build(path: Path, rows: int, n_cases: int, rng: random.Random) -> None:
    """`rows` analysed reviews over 3 years (one import per month) and `n_cases` open cases among the newest."""
    from cxdesk.core.analysis.pipeline import load_adapter, sentiment_version
    from cxdesk.core.analysis.store import ensure_tables
    from cxdesk.core.analysis.topics import dictionary_hash, ensure_default_topics

    db = open_db(path)
    ensure_tables(db)
    ensure_default_topics(db)
    # Marked as scored by the current model, so the timed analysis scores only the new import.
    version = f"{sentiment_version(load_adapter(db))}|t{dictionary_hash(db)}"
    now = datetime.now().replace(microsecond=0)
    conn = db.conn
    with db.atomic():
        for m in range(37):
            conn.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (?,?,?,?)",
                         [m + 1, f"m{m}.csv", f"s{m}", now.isoformat(sep=" ")])
        batch = []
        for i in range(rows):
            age = (rows - i) * (3 * 365 * 86400) / rows
            created = (now - timedelta(seconds=age)).strftime("%Y-%m-%d %H:%M:%S")
            rating = rng.choice([1, 2, 3, 4, 5, 5, 5, 4])
            label = "negative" if rating <= 2 else "positive"
            batch.append((min(int(i * 37 / rows) + 1, 37), rng.choice(TEXTS), created, float(rating),
                          rng.choice(CHANNELS), f"u{i % 5000}", f"k{i}", label, label, version))
            if len(batch) == 20000:
                conn.executemany("INSERT INTO feedback(source_id, text, created_at, rating, channel, author, dedup_key, "
                                 "model_label, label, analysis_version) VALUES (?,?,?,?,?,?,?,?,?,?)", batch)
                batch = []
        if batch:
            conn.executemany("INSERT INTO feedback(source_id, text, created_at, rating, channel, author, dedup_key, "
                             "model_label, label, analysis_version) VALUES (?,?,?,?,?,?,?,?,?,?)", batch)
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM feedback WHERE rating <= 2 ORDER BY id DESC LIMIT ?", [n_cases])]
        stamp = now.strftime("%Y-%m-%d %H:%M:%S")
        conn.executemany(
            "INSERT INTO cases(feedback_id, draft, severity, opened_at, due_at, updated_at) VALUES (?,?,?,?,?,?)",
            [(fid, "您好", rng.choice([20, 30, 35, 130]),  stamp,
              (now + timedelta(hours=rng.randint(-72, 24))).strftime("%Y-%m-%d %H:%M:%S"), stamp) for fid in ids])
        conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", [cases.SCANNED_KEY, "37"])
    db.execute("ANALYZE")
    db.close()


def time_screen(path: Path, repeat: int) -> list[float]:
    from PySide6.QtWidgets import QApplication

    from cxdesk.ui.cases_screen import CasesScreen
    from cxdesk.ui.context import AppContext

    app = QApplication.instance() or QApplication([])
    out = []
    for _ in range(repeat):
        ctx = AppContext(path)
        ctx.read_db()  # the window has its read connection open already
        started = time.perf_counter()
        screen = CasesScreen(ctx)
        screen.resize(1366, 768)
        screen.show()
        while screen.current is None:
            app.processEvents()
            time.sleep(0.001)
        out.append(time.perf_counter() - started)
        screen.close()
        ctx.tasks.wait_idle(10000)
        ctx.close()
        screen.deleteLater()
        app.processEvents()
    return out


def time_core(path: Path, repeat: int) -> tuple[list[float], list[float], int]:
    db = open_db(path)
    first, everything = [], []
    n = 0
    for _ in range(repeat):
        t = time.perf_counter()
        ids = cases.queue_ids(db, status="open")
        cases.get_cases(db, ids[:200])
        first.append(time.perf_counter() - t)
        t = time.perf_counter()
        all_ids = cases.queue_ids(db)
        cases.get_cases(db, all_ids)
        everything.append(time.perf_counter() - t)
        n = len(all_ids)
    db.close()
    return first, everything, n


def time_import(path: Path, rows: int, folder: Path, rng: random.Random) -> tuple[float, float, float, int]:
    now = datetime.now()
    csv_path = folder / "new.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["评价ID", "用户", "评分", "内容", "评价时间", "渠道"])
        for i in range(rows):
            w.writerow([f"N{i}", f"n{i}", rng.choices(STARS, STAR_WEIGHTS)[0], rng.choice(TEXTS),
                        (now - timedelta(minutes=rows - i)).strftime("%Y-%m-%d %H:%M"), rng.choice(CHANNELS)])
    db = open_db(path)
    plan = sniff_file(csv_path)
    t = time.perf_counter()
    result = import_file(db, plan)
    t_import = time.perf_counter() - t
    # The analysis the app runs after every import (the pipeline itself, without the cases step).
    from cxdesk.core.analysis.pipeline import analyze

    t = time.perf_counter()
    analyze(db, workers=0)
    t_analyze = time.perf_counter() - t
    t = time.perf_counter()
    opened = cases.open_cases(db)
    t_cases = time.perf_counter() - t
    db.close()
    assert result.imported == rows
    return t_import, t_analyze, t_cases, opened.opened


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--import-rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-cases-") as tmp:
        folder = Path(tmp)
        path = folder / "shop.db"
        t = time.perf_counter()
        build(path, args.rows, args.cases, rng)
        print(f"database: {args.rows:,} reviews, {args.cases:,} cases, built in {time.perf_counter() - t:.1f} s")
        first, everything, n = time_core(path, args.repeat)
        print(f"core, queue ids + first page of 200: median {statistics.median(first) * 1000:.1f} ms  "
              f"(yardstick, every one of {n:,} cases loaded: {statistics.median(everything) * 1000:.1f} ms)")
        screen = time_screen(path, args.repeat)
        print(f"screen 客户跟进, built to first rows shown: median {statistics.median(screen) * 1000:.1f} ms, "
              f"max {max(screen) * 1000:.1f} ms (floor 300 ms)")
        t_import, t_analyze, t_cases, opened = time_import(path, args.import_rows, folder, rng)
        whole = t_import + t_analyze
        print(f"import of {args.import_rows:,} rows: import_file {t_import:.2f} s + analysis {t_analyze:.2f} s "
              f"(yardsticks); open_cases: {t_cases:.3f} s for {opened:,} cases = {t_cases / whole * 100:.2f} % of "
              f"import + analysis (floor 5 %), {t_cases / t_import * 100:.1f} % of import_file alone")


if __name__ == "__main__":
    main()
