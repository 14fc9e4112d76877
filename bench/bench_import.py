"""Import speed and memory against the floors, with the naive approach measured in the same run.

    python bench/bench_import.py            # 100k-row xlsx, 1M-row CSV (UTF-8 and GBK), re-import
    python bench/bench_import.py --quick    # 20k-row xlsx and 100k-row CSV, for a fast look

Each measurement runs in a fresh interpreter so its peak memory (ru_maxrss) is its own. Timings
are medians of --repeat runs. Baselines printed beside each figure: openpyxl read-only merely
iterating the same xlsx, csv.reader merely iterating the same CSV. The import goes into a fresh
database with the full schema (search indexes and trend triggers included), and also into a bare
feedback table to show what the triggers of other areas cost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "online_shopping_9_cats.csv"

PHRASES = ["物流很快", "包装完好", "质量不错", "客服态度好", "价格实惠", "味道一般", "发货太慢", "有点小贵", "下次还来",
           "颜色和图片不一样", "尺码偏小", "性价比高", "服务热情", "送货上门", "做工粗糙", "非常满意", "不推荐"]
CHANNELS = ["淘宝", "京东", "美团", "抖音", "小红书", "门店"]


def texts(n: int) -> list[str]:
    """Review texts: the public sample when present (cycled), else generated phrases."""
    rng = random.Random(7)
    pool: list[str] = []
    if SHARED.exists():
        import csv

        with SHARED.open(encoding="utf-8", newline="") as fh:
            pool = [r[2] for r in csv.reader(fh) if len(r) > 2 and r[2]][1:20001]
    if not pool:
        pool = ["，".join(rng.sample(PHRASES, rng.randint(2, 5))) for _ in range(5000)]
    return [pool[i % len(pool)] + ("" if i < len(pool) else f"（{i}）") for i in range(n)]


def rows(n: int):
    rng = random.Random(11)
    start = datetime(2023, 1, 1)
    # A review every ~7 minutes (100k rows: 16 months), closer together for bigger files so that every
    # row stays within three years and none lies in the future (1M rows at 7 minutes would run to 2036).
    step = min(7.0, 3 * 365 * 24 * 60 / max(n, 1))
    for i, text in enumerate(texts(n)):
        t = start + timedelta(minutes=int(step * i) + rng.randint(0, max(int(step) - 1, 0)))
        yield [text, t.strftime("%Y-%m-%d %H:%M"), rng.randint(1, 5), CHANNELS[i % len(CHANNELS)],
               f"用户{rng.randint(1, 10**6)}", f"R{i:08d}"]


HEADER = ["评价内容", "评价时间", "评分", "渠道", "用户昵称", "评论ID"]


def make_xlsx(path: Path, n: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("评价")
    ws.append(HEADER)
    for r in rows(n):
        ws.append(r)
    wb.save(path)


def make_csv(path: Path, n: int, encoding: str) -> None:
    import csv

    with path.open("w", encoding=encoding, errors="replace", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows(n))


# ------------------------------------------------------------------------------------------
# One measurement in a child process


def child(kind: str, file: str, db_path: str, bare: bool) -> dict:
    import resource

    started = time.perf_counter()
    out: dict = {}
    if kind == "openpyxl":
        import openpyxl

        wb = openpyxl.load_workbook(file, read_only=True, data_only=True)
        n = sum(1 for _ in wb.active.iter_rows(values_only=True))
        out["rows"] = n
    elif kind == "calamine":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(file)
        out["rows"] = sum(1 for _ in wb.get_sheet_by_index(0).iter_rows())
    elif kind == "csvreader":
        import csv

        enc = "gb18030" if "gbk" in file else "utf-8"
        with open(file, encoding=enc, newline="") as fh:
            out["rows"] = sum(1 for _ in csv.reader(fh))
    elif kind == "sqlite-only":
        # The database's share alone: the same rows already converted (untimed), inserted the way an
        # import does (bulk path, same schema and statement, one transaction). No reading, no parsing.
        from cxdesk.core import storage
        from cxdesk.core.importers.pipeline import _INSERT

        n = int(file)
        data = [(1, i + 2, r[0], r[1] + ":00", "minute", r[1], float(r[2]), str(r[2]), r[3], r[4], r[5], None,
                 f"id:{r[3]}:{r[5]}") for i, r in enumerate(rows(n))]
        db = storage.open_db(db_path)
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'bench', 'x', '2024')")
        db.conn.commit()
        t0 = time.perf_counter()
        with storage.checkpoint_deferred(db), db.atomic(), storage.bulk_insert(db) as bulk:
            bulk.source_id = 1
            bulk.expect(n)
            for i in range(0, n, 5000):
                db.conn.executemany(_INSERT, data[i:i + 5000])
        out["seconds"] = time.perf_counter() - t0
        out["rows"] = n
    else:
        from cxdesk.core.importers import import_file, sniff_file
        from cxdesk.core.storage import open_db

        if bare:
            import sqlite_utils

            from cxdesk.core import schema, storage

            conn = storage.connect(db_path)
            db = sqlite_utils.Database(conn)
            with db.conn:
                schema.MIGRATIONS[0][1](db)
        else:
            db = open_db(db_path)
        t0 = time.perf_counter()
        plan = sniff_file(file)
        t1 = time.perf_counter()
        result = import_file(db, plan)
        out.update(sniff=t1 - t0, imported=result.imported, duplicates=result.duplicates,
                   rejected=result.rejected_total, already=result.already_imported)
        # Sniff + import; the interpreter start, module imports and the new database before it apart.
        out["seconds"] = time.perf_counter() - t0
        out["setup"] = t0 - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        out["cpu_import"] = usage.ru_utime + usage.ru_stime
        if not bare:
            # The search index is built after the import's commit (the analysis starts with it);
            # timed apart so the import's own figure and the whole job are both visible.
            from cxdesk.core import search

            t2 = time.perf_counter()
            search.catch_up(db)
            out["index_seconds"] = time.perf_counter() - t2
    out.setdefault("seconds", time.perf_counter() - started)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["peak_mb"] = usage.ru_maxrss / 1024
    # CPU seconds of this process: on a busy shared machine closer to the idle-machine time than wall time.
    out["cpu"] = usage.ru_utime + usage.ru_stime
    return out


def measure(kind: str, file: Path, db: Path | None, *, bare: bool = False, fresh_db: bool = True) -> dict:
    if db is not None and fresh_db:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--child", kind, str(file), str(db or ""), "1" if bare else "0"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_of(kind, file, db, repeat, **kw) -> dict:
    runs = [measure(kind, file, db, **kw) for _ in range(repeat)]
    best = dict(runs[0])
    best["seconds"] = statistics.median(r["seconds"] for r in runs)
    best["peak_mb"] = max(r["peak_mb"] for r in runs)
    best["cpu"] = statistics.median(r["cpu"] for r in runs)
    if "setup" in runs[0]:
        best["setup"] = statistics.median(r["setup"] for r in runs)
    if "index_seconds" in runs[0]:
        best["index_seconds"] = statistics.median(r["index_seconds"] for r in runs)
    return best


def machine_rows_per_s(n: int = 300_000) -> float:
    """How fast this machine inserts plain rows today: the yardstick the floors were written against."""
    import sqlite3

    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "speed.db")
        conn.execute("CREATE TABLE t(a, b, c, d, e, f)")
        data = [("评价内容很好" * 5, "2024-01-01 12:00", i % 5, "淘宝", f"用户{i}", f"R{i:08d}") for i in range(n)]
        best = float("inf")
        for _ in range(3):
            conn.execute("DELETE FROM t")
            conn.commit()
            t = time.perf_counter()
            conn.executemany("INSERT INTO t VALUES (?,?,?,?,?,?)", data)
            conn.commit()
            best = min(best, time.perf_counter() - t)
        conn.close()
    return n / best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=4)
    ap.add_argument("--csv-full-schema", action="store_true",
                    help="also import the big CSVs with the full schema (minutes: the search triggers)")
    ap.add_argument("--skip-xlsx", action="store_true")
    ap.add_argument("--skip-csv", action="store_true")
    args = ap.parse_args()
    if args.child:
        kind, file, db, bare = args.child
        print(json.dumps(child(kind, file, db, bare == "1")))
        return
    n_xlsx, n_csv = (20_000, 100_000) if args.quick else (100_000, 1_000_000)
    print(f"machine: plain sqlite3.executemany of 6-column rows in one transaction {machine_rows_per_s():,.0f} rows/s "
          "(the floors were set where this was about 600,000 rows/s)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "bench.db"
        if not args.skip_xlsx:
            xlsx = tmp / "bench.xlsx"
            t = time.perf_counter()
            make_xlsx(xlsx, n_xlsx)
            print(f"made {n_xlsx:,}-row xlsx ({xlsx.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
            base = median_of("openpyxl", xlsx, None, args.repeat)
            fastest = median_of("calamine", xlsx, None, args.repeat)
            imp = median_of("import", xlsx, db, args.repeat)
            bare = median_of("import", xlsx, db, args.repeat, bare=True)
            print(f"xlsx {n_xlsx:,} rows: openpyxl read-only iteration {base['seconds']:.2f} s (cpu {base['cpu']:.2f} s); "
                  f"python-calamine merely loading and iterating it {fastest['seconds']:.2f} s")
            print(f"  sniff + import (full schema) {imp['seconds']:.2f} s (process cpu by then {imp['cpu_import']:.2f} s, sniff {imp['sniff']:.2f} s; before it {imp['setup']:.2f} s for modules and the new database), "
                  f"peak {imp['peak_mb']:.0f} MB, imported {imp['imported']:,}; "
                  f"ratio to openpyxl {imp['seconds'] / base['seconds']:.2f}  [floor 3 s, 400 MB]")
            print(f"  then the search index catch-up {imp['index_seconds']:.2f} s (after the commit, before analysis); "
                  f"import + index {imp['seconds'] + imp['index_seconds']:.2f} s")
            alone = median_of("sqlite-only", Path(str(n_xlsx)), db, args.repeat)
            print(f"  the database's share alone (the same rows already converted, inserted as an import does) "
                  f"{alone['seconds']:.2f} s")
            print(f"  sniff + import (bare feedback table) {bare['seconds']:.2f} s (cpu {bare['cpu']:.2f} s), "
                  f"peak {bare['peak_mb']:.0f} MB; ratio to openpyxl {bare['seconds'] / base['seconds']:.2f} "
                  f"(cpu {bare['cpu'] / base['cpu']:.2f})")
            # Re-import of the same file: the first import stays, the second must add nothing.
            measure("import", xlsx, db)
            again = median_of("import", xlsx, db, args.repeat, fresh_db=False)
            print(f"  re-import of the same file {again['seconds']:.2f} s (cpu {again['cpu']:.2f} s), new rows {again['imported']}, "
                  f"already imported {again['already']}  [floor 1 s, 0 rows]")
        for enc in () if args.skip_csv else ("utf-8", "gbk"):
            path = tmp / f"bench-{enc}.csv"
            make_csv(path, n_csv, enc)
            base = median_of("csvreader", path, None, 1)
            bare = median_of("import", path, db, 1, bare=True)
            print(f"csv {enc} {n_csv:,} rows ({path.stat().st_size / 1e6:.0f} MB): csv.reader iteration "
                  f"{base['seconds']:.2f} s (cpu {base['cpu']:.2f} s); sniff + import into the bare table "
                  f"{bare['seconds']:.2f} s (cpu {bare['cpu']:.2f} s), "
                  f"peak {bare['peak_mb']:.0f} MB, imported {bare['imported']:,} [floor 15 s, 500 MB]")
            if enc == "utf-8":
                alone = median_of("sqlite-only", Path(str(n_csv)), db, 1)
                print(f"  the database's share alone (rows already converted, full schema, as an import inserts them) "
                      f"{alone['seconds']:.2f} s")
            if args.csv_full_schema:
                imp = median_of("import", path, db, 1)
                print(f"  full schema {imp['seconds']:.2f} s, peak {imp['peak_mb']:.0f} MB; "
                      f"then the search index catch-up {imp['index_seconds']:.2f} s")


if __name__ == "__main__":
    main()
