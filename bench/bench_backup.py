"""Backups and writers: what checking a backup costs, and how long a second writer waits.

    python bench/bench_backup.py [--rows 100000]

Part 1 builds a database of synthetic reviews and times, in the same run: SQLite's backup API
alone (the yardstick), `make_backup` (copy, quick check of the copy, thinning), the quick check
that `make_backup` runs, and the full integrity check that `cxdesk check` runs.
Part 2 holds the write lock in one process for 2 s while a second process commits one setting:
the second must wait and succeed (before `BEGIN IMMEDIATE` it failed with "database is locked").
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cxdesk.core import storage  # noqa: E402

WORDS = "菜 好吃 服务 太慢 价格 便宜 环境 干净 排队 很久 味道 一般 推荐 不错 失望 上菜 外卖 包装".split()


def build(path: Path, rows: int) -> None:
    db = storage.open_db(path)
    rng = random.Random(1)
    with db.atomic():
        sid = db.execute("INSERT INTO sources(file_name, sha256, imported_at) VALUES ('bench', 'x', ?)",
                         [storage.now_text()]).lastrowid
        db.conn.executemany(
            "INSERT INTO feedback(source_id, text, created_at, rating, dedup_key) VALUES (?, ?, ?, ?, ?)",
            ((sid, "".join(rng.choices(WORDS, k=30)) + str(i),
              f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 12:00:00", 1 + i % 5, f"b:{i}") for i in range(rows)))
    db.close()


def timed(label: str, fn) -> float:
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    print(f"  {label:<44} {seconds:7.2f} s")
    return seconds


def part1(folder: Path, rows: int) -> None:
    path = folder / "shop.db"
    build(path, rows)
    print(f"Part 1: {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB")
    db = storage.open_db(path)

    def raw_copy() -> None:
        dest = sqlite3.connect(str(folder / "raw.db"))
        db.conn.backup(dest)
        dest.close()

    timed("backup API alone (yardstick)", raw_copy)
    target = None

    def checked() -> None:
        nonlocal target
        target = storage.make_backup(db, reason="manual")

    timed("make_backup: copy + quick check + thinning", checked)
    timed("quick check of the copy", lambda: storage.file_integrity(target))
    timed("full integrity check (cxdesk check)", lambda: db.execute("PRAGMA integrity_check").fetchall())
    db.close()


_HOLDER = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('holder', '1')")
    print("locked", flush=True)
    time.sleep(2.0)
    conn.execute("COMMIT")
""")


def part2(folder: Path) -> None:
    path = folder / "shop.db"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    db = storage.open_db(path)
    started = time.perf_counter()
    try:
        with db.atomic():
            db.execute("SELECT count(*) FROM settings").fetchone()   # read first, then write
            db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('second', '1')")
        outcome = "committed"
    except sqlite3.OperationalError as exc:
        outcome = f"failed: {exc}"
    waited = time.perf_counter() - started
    holder.wait(30)
    print("Part 2: a second writer while another holds the lock for 2 s")
    print(f"  read-then-write transaction: {outcome} after {waited:.2f} s")
    db.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as tmp:
        folder = Path(tmp)
        part1(folder, args.rows)
        part2(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
