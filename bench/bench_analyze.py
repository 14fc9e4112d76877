"""Analysis throughput: rows per second for `analyze` in one process and with two worker processes.

    python bench/bench_analyze.py [--rows 100000] [--repeat 3] [--naive-rows 500]

Rows come from the public review sets in `../shared/data/` (repeated up to --rows) when present,
otherwise from generated restaurant and shop reviews. Each figure is a full `analyze` of a fresh copy
of one database (sentiment, language, clause-level topic sentiment, writes); single-process and
2-worker runs alternate and the median of --repeat runs is shown (the machine may be busy with
other work, so compare the ratios of one run, not figures across days). Also measured in the same run:
a re-run with nothing to do, a re-run after a topic edit (topics only), and the naive approach on a
sample: SnowNLP per row, topics by substring per row, one UPDATE and commit per row.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def load_texts(n: int) -> tuple[list[str], str]:
    texts: list[str] = []
    source = "generated"
    shopping = SHARED / "online_shopping_9_cats.csv"
    jd = SHARED / "jd_iphone8plus_reviews.csv"
    if shopping.exists():
        with shopping.open(encoding="utf-8") as fh:
            texts += [r["review"] for r in csv.DictReader(fh)]
        source = shopping.name
        if jd.exists():
            with jd.open(encoding="utf-8") as fh:
                texts += [r["text"] for r in csv.DictReader(fh)]
            source += " + " + jd.name
    if not texts:
        rng = random.Random(7)
        parts = ["菜很好吃", "服务太慢", "价格实惠", "环境一般", "物流很快", "包装破了", "质量不错", "分量太少",
                 "老板很热情", "上菜等了半小时", "卫生不太好", "下次还来", "性价比高", "客服不理人", "味道偏咸"]
        texts = ["，".join(rng.sample(parts, rng.randint(1, 4))) for _ in range(5000)]
    out = (texts * (n // len(texts) + 1))[:n]
    return out, source


def fill_db(path: Path, texts: list[str], business: str = "电商/零售"):
    from cxdesk.core.storage import now_text, open_db, set_setting

    db = open_db(path)
    with db.atomic():
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'bench', 'x', ?)", [now_text()])
        db.conn.executemany("INSERT INTO feedback(source_id, source_row, text, dedup_key) VALUES (1, ?, ?, ?)",
                            [(i + 1, t, f"b{i}") for i, t in enumerate(texts)])
    set_setting(db, "business_type", business)
    return db


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the worker processes)."""
    try:
        import resource
    except ImportError:  # Windows
        return time.process_time()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_analyze(base: Path, target: Path, workers: int):
    from cxdesk.core.analysis import analyze
    from cxdesk.core.storage import open_db

    shutil.copyfile(base, target)
    db = open_db(target)
    cpu = cpu_seconds()
    started = time.perf_counter()
    result = analyze(db, workers=workers)
    seconds = time.perf_counter() - started
    return db, result, seconds, cpu_seconds() - cpu


def naive(folder: Path, texts: list[str]) -> float:
    """SnowNLP per row + substring topics + one UPDATE/commit per row; returns rows/s."""
    import json

    from snownlp import SnowNLP

    from cxdesk.core.analysis.topics import TEMPLATES

    db = fill_db(folder / "naive.db", texts)
    words = {**TEMPLATES["通用"], **TEMPLATES["电商/零售"]}
    started = time.perf_counter()
    ids = [r[0] for r in db.execute("SELECT id FROM feedback ORDER BY id").fetchall()]
    for fid in ids:
        text = db.execute("SELECT text FROM feedback WHERE id = ?", [fid]).fetchone()[0]
        score = SnowNLP(text).sentiments if text.strip() else None
        found = [name for name, syns in words.items() if any(s in text for s in (name, *syns))]
        with db.atomic():
            db.execute("UPDATE feedback SET sentiment = ?, topics = ? WHERE id = ?",
                       [score, json.dumps(found, ensure_ascii=False), fid])
    seconds = time.perf_counter() - started
    db.close()
    return len(ids) / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-rows", type=int, default=500)
    args = parser.parse_args()

    import os

    folder = Path(tempfile.mkdtemp(prefix="cxdesk-bench-"))
    os.environ["CXDESK_DATA_DIR"] = str(folder / "data")
    try:
        texts, source = load_texts(args.rows)
        print(f"rows: {len(texts):,} from {source}; CPUs: {os.cpu_count()}")

        # Warm jieba's cache file and the model once, so neither run pays for the first build.
        from cxdesk.core.analysis import sentiment
        from cxdesk.core.analysis.keywords import jieba_module

        jieba_module()
        sentiment.warm_up()

        naive_rate = naive(folder, texts[: args.naive_rows])
        print(f"naive (SnowNLP + per-row commit, {args.naive_rows:,} rows): {naive_rate:,.0f} rows/s")

        base = folder / "base.db"
        fill_db(base, texts).close()
        times: dict[int, list[float]] = {0: [], 2: []}
        cpus: dict[int, list[float]] = {0: [], 2: []}
        kept = None
        for rep in range(args.repeat):
            for workers in (0, 2):
                db, result, seconds, cpu = run_analyze(base, folder / f"run-{rep}-{workers}.db", workers)
                assert result.scored == len(texts)
                times[workers].append(seconds)
                cpus[workers].append(cpu)
                print(f"  run {rep + 1}, {'1 process ' if not workers else '2 workers'}: {seconds:6.1f} s wall, "
                      f"{cpu:6.1f} s CPU (all processes)", flush=True)
                if kept is None and workers == 0:
                    kept, mentions = db, result.topics_assigned
                else:
                    db.close()
        s1, s2 = statistics.median(times[0]), statistics.median(times[2])
        n = len(texts)
        print(f"analyze, 1 process : {s1:6.1f} s  {n / s1:8,.0f} rows/s  ({mentions:,} topic mentions)  median of {args.repeat}")
        print(f"analyze, 2 workers : {s2:6.1f} s  {n / s2:8,.0f} rows/s  median of {args.repeat}")
        print(f"  parallel / single: {s1 / s2:.2f}x   single / naive: {n / s1 / naive_rate:.0f}x   "
              f"parallel / naive: {n / s2 / naive_rate:.0f}x")
        c1, c2 = statistics.median(cpus[0]), statistics.median(cpus[2])
        print(f"  CPU seconds: 1 process {c1:.1f}, 2 workers {c2:.1f} (extra for starting workers: {c2 - c1:+.1f});"
              f" wall/CPU of the single run {s1 / c1:.2f} (above 1 means other programs took the CPU)")
        db1 = kept
        from cxdesk.core.analysis.pipeline import BUSY_LOAD_MARGIN, PARALLEL_MIN_ROWS, _spare_cores

        spare = _spare_cores()
        print(f"  automatic choice now: {'2 workers' if n > PARALLEL_MIN_ROWS and spare > -BUSY_LOAD_MARGIN else '1 process'} "
              f"({spare:.1f} spare cores by load average; workers from {PARALLEL_MIN_ROWS:,} rows)")

        from cxdesk.core.analysis import analyze
        from cxdesk.core.analysis.topics import add_topic

        noop = []
        for _i in range(3):
            t = time.perf_counter()
            analyze(db1)
            noop.append(time.perf_counter() - t)
        print(f"re-run with nothing to do: {statistics.median(noop) * 1000:.0f} ms (median of 3)")
        add_topic(db1, "屏幕", ["显示屏", "screen"])
        t = time.perf_counter()
        r3 = analyze(db1, workers=0)
        s3 = time.perf_counter() - t
        print(f"re-run after a topic edit (topics only, 1 process): {s3:.1f} s  {r3.scored / s3:,.0f} rows/s  "
              f"({s1 / s3:.1f}x the speed of a full run)")
        db1.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
