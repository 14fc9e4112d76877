"""Benchmark of the Excel summary: time and peak memory for N feedback rows, against a naive write.

    python bench/bench_report.py [--rows 100000] [--repeat 3] [--no-libreoffice]

Each measurement runs in a fresh interpreter so peak memory (ru_maxrss) belongs to that run alone;
"above baseline" subtracts the resident size after cxdesk is imported and the database opened.
The naive approach is what one writes first: openpyxl in normal mode, all rows fetched, then saved.
Floors (issue 7): 100k rows in ≤ 10 s and ≤ 300 MB above baseline.

When LibreOffice is installed, a workbook with every sheet is converted to PDF (a file that needs
repair fails to convert or loses sheets) and its first pages are written as PNG files to look at.
Texts come from the public sample reviews beside the repository when present, else are generated.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def sample_texts(limit: int = 20000) -> list[str]:
    path = SHARED / "online_shopping_9_cats.csv"
    texts: list[str] = []
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("review"):
                    texts.append(row["review"])
                if len(texts) >= limit:
                    break
    if not texts:
        rnd = random.Random(1)
        parts = ["上菜太慢了", "味道很好", "服务员态度很差", "环境干净", "价格实惠", "包装漏了", "配送很快", "分量太少"]
        texts = ["，".join(rnd.sample(parts, 3)) + "。" for _ in range(2000)]
    texts += ['=HYPERLINK("http://x","点我")', "+86 138 0000 0000", "-5分", "@客服 在吗", "控制\x0b字符"]
    return texts


def make_db(path: Path, rows: int) -> None:
    from cxdesk.core.actions import create_action
    from cxdesk.core.storage import open_db

    texts = sample_texts()
    rnd = random.Random(7)
    db = open_db(path)
    topics = ["上菜速度", "服务", "口味", "环境", "价格", "包装", "配送"]
    with db.atomic():
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'bench.xlsx', 'x', '2025-01-01 00:00:00')")
        for i, name in enumerate(topics, 1):
            db.execute("INSERT INTO topics(id, name, created_at, updated_at) VALUES (?, ?, '2024', '2024')", [i, name])
        start = datetime(2024, 1, 1)
        span = 60 * 24 * 365
        batch, mentions = [], []
        for i in range(1, rows + 1):
            label = rnd.choice(("positive", "positive", "neutral", "negative", "unknown"))
            when = start + timedelta(minutes=rnd.randrange(span))
            t1 = rnd.randrange(len(topics))
            batch.append((i, 1, rnd.choice(texts), when.isoformat(sep=" "), rnd.choice((1, 2, 3, 4, 5, None)),
                          rnd.choice(("美团", "大众点评", "饿了么", None)), f"b{i}", label, label,
                          json.dumps([topics[t1]], ensure_ascii=False)))
            mentions.append((i, t1 + 1, label))
            if len(batch) >= 20000:
                db.conn.executemany("INSERT INTO feedback(id, source_id, text, created_at, rating, channel, dedup_key, "
                                    "model_label, label, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                db.conn.executemany("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, ?)", mentions)
                batch, mentions = [], []
        if batch:
            db.conn.executemany("INSERT INTO feedback(id, source_id, text, created_at, rating, channel, dedup_key, "
                                "model_label, label, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
            db.conn.executemany("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, ?)", mentions)
    create_action(db, "高峰期加派后厨人手", topics=["上菜速度"], owner="王店长", live_date="2024-06-01",
                  description="午市和晚市高峰增加两名后厨。")
    create_action(db, "更换打包盒", topics=["包装"], owner="李姐")
    # Build the trend summaries once, as the app does after an import, so each run measures the report.
    from cxdesk.core.analysis import trends

    trends.refresh_summary(db)
    db.close()


CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
mode, db_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
from cxdesk.core.storage import open_db
from cxdesk.core.filters import FeedbackFilter, filter_sql
import openpyxl
db = open_db(db_path)

def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

base = rss_mb()
t = time.perf_counter()
cpu = time.process_time()
if mode == "cxdesk":
    from cxdesk.core.reports.excel import build_summary
    result = build_summary(db, out, FeedbackFilter())
    rows = result.detail_rows
else:
    # Naive: normal (in-memory) openpyxl workbook, every row fetched at once, then saved.
    from openpyxl import Workbook
    from cxdesk.core.safe_cells import clean_text
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws.append(["时间", "渠道", "评分", "情感", "主题", "反馈"])
    where, params = filter_sql(FeedbackFilter())
    data = db.execute(f"SELECT created_at, channel, rating, label, topics, text FROM feedback f WHERE {{where}} "
                      "ORDER BY created_at, id", params).fetchall()
    for created, channel, rating, label, topics, text in data:
        ws.append([created, channel, rating, label, topics, clean_text(text)])
    wb.save(out)
    rows = len(data)
seconds = time.perf_counter() - t
cpu = time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "cpu": cpu, "peak_above_mb": peak - base, "baseline_mb": base, "rows": rows,
                  "size_mb": os.path.getsize(out) / 2**20}}))
"""


def measure(mode: str, db_path: Path, out: Path) -> dict:
    code = CHILD.format(root=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code, mode, str(db_path), str(out)], capture_output=True, text=True,
                          timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def libreoffice_check(folder: Path) -> None:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        print("LibreOffice: not installed, check skipped")
        return
    from cxdesk.core.filters import FeedbackFilter
    from cxdesk.core.reports.excel import build_summary
    from cxdesk.core.storage import open_db

    small_db = folder / "small.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(small_db) + suffix).unlink(missing_ok=True)
    make_db(small_db, 1500)
    db = open_db(small_db)
    xlsx = folder / "summary.xlsx"
    for old in folder.glob("page-*.png"):
        old.unlink()
    result = build_summary(db, xlsx, FeedbackFilter(), granularity="month")
    db.close()
    proc = subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(xlsx)],
                          capture_output=True, text=True, timeout=300)
    pdf = folder / "summary.pdf"
    ok = proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 0
    print(f"LibreOffice: converted {xlsx.name} ({len(result.sheets)} sheets, {result.detail_rows} rows) -> "
          f"{'OK' if ok else 'FAILED'} {proc.stderr.strip()[:200]}")
    if ok and shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "6", str(pdf), str(folder / "page")],
                       check=False, timeout=120)
        pages = sorted(folder.glob("page-*.png"))
        print(f"LibreOffice: first pages as PNG to look at: {', '.join(str(p) for p in pages)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-libreoffice", action="store_true")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive write (e.g. for 1M rows)")
    parser.add_argument("--keep", metavar="DIR", help="write files here instead of a temporary folder")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cxdesk-bench-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CXDESK_DATA_DIR", str(folder / "data"))
    db_path = folder / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    print(f"building a database with {args.rows:,} rows (texts: "
          f"{'public sample reviews' if (SHARED / 'online_shopping_9_cats.csv').exists() else 'generated'}) …")
    make_db(db_path, args.rows)
    results: dict[str, list[dict]] = {"cxdesk": [], "naive": []}
    if args.no_naive:
        results.pop("naive")
    for i in range(args.repeat):
        for mode in ("cxdesk",) if args.no_naive else ("cxdesk", "naive"):
            r = measure(mode, db_path, folder / f"{mode}-{i}.xlsx")
            results[mode].append(r)
            print(f"  run {i + 1} {mode:<6}: {r['seconds']:6.2f} s wall, {r['cpu']:6.2f} s CPU, peak +{r['peak_above_mb']:6.1f} MB "
                  f"(baseline {r['baseline_mb']:.0f} MB), {r['size_mb']:.1f} MB file")
    med = {m: (statistics.median(r["seconds"] for r in rs), statistics.median(r["cpu"] for r in rs),
               statistics.median(r["peak_above_mb"] for r in rs)) for m, rs in results.items()}
    (ct, cc, cm) = med["cxdesk"]
    nt, nc, nm = med.get("naive", (float("nan"),) * 3)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nsummary workbook, {args.rows:,} rows, median of {args.repeat} (load average now {load:.1f} "
          f"on {os.cpu_count()} cores; wall time grows with other work, CPU time does not):")
    print(f"  cxdesk (all 6 sheets, streaming):      {ct:6.2f} s wall, {cc:6.2f} s CPU, +{cm:6.1f} MB")
    print(f"  naive  (detail sheet only, in memory): {nt:6.2f} s wall, {nc:6.2f} s CPU, +{nm:6.1f} MB")
    if "naive" in med:
        print(f"  ratio cxdesk/naive: wall {ct / nt:.2f}×, CPU {cc / nc:.2f}×, memory {cm / nm:.2f}×")
    floors_ok = ct <= 10 and cm <= 300
    print(f"  floors for 100k rows (≤ 10 s, ≤ 300 MB above baseline): {'met' if floors_ok else 'NOT met'} on wall time; "
          f"{'met' if cc <= 10 and cm <= 300 else 'NOT met'} on CPU time")
    if not args.no_libreoffice:
        libreoffice_check(folder)
    return 0 if floors_ok else 1


if __name__ == "__main__":
    sys.exit(main())
