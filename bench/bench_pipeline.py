"""Time to insight: import, analysis, first screen and `stats --json` beside the tools an owner would
otherwise use, all measured in one run, with the ratios the floors of issue 18 are written in.

    python bench/bench_pipeline.py                       # 100k rows
    python bench/bench_pipeline.py --rows 100000 1000000 # and 1M rows (several minutes; peak memory too)

For each size a CSV is made with bench_import.py's generator (review texts from the public sample in
`../shared/data/` when present, else generated phrases). Every step runs in its own process, as an
owner would run it, and is timed wall-clock including the interpreter start:

- `cxdesk import --no-analyze FILE` into a new database, beside `sqlite-utils insert DB t FILE --csv`
  (which only stores the cells) and a bare `csv.reader` + `executemany` into one plain table;
- `cxdesk analyze`, beside stock `jieba.lcut` alone over the same texts (its dictionary loaded
  before the clock starts);
- first screen: a new process opening the database and computing the dashboard (`trends.dashboard`);
- `cxdesk stats --json`;
- the search index of the new rows (`search.catch_up`), which the app builds in the background after
  the analysis (no floor: searches find the rows meanwhile by scanning those not yet indexed).

Peak memory is the largest sum of the resident memory of a step's process and its worker processes
(sampled from /proc every 20 ms; elsewhere the process's own peak). The machine may be busy with other
work: compare the ratios of one run, not figures across days.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the team's review generator)

FLOORS = {"import": 1.0, "analyze": 0.5, "stats_1m": 1.0, "scaling": 12.0, "peak_mb": 600.0}


# ------------------------------------------------------------------------------------------
# Running one step in its own process


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _tree_rss_mb(pid: int) -> float:
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
        stack += _children(p)
    return total / 2**20


def run(cmd: list[str], *, stdout=subprocess.DEVNULL) -> dict:
    """Wall seconds and peak memory (MB) of one command and its child processes."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), CXDESK_LANG="en")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    if os.path.isdir("/proc"):
        sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return {"seconds": seconds, "peak_mb": peak[0], "stdout": out}


def cxdesk(db: Path, *args: str, **kw) -> dict:
    return run([sys.executable, "-m", "cxdesk", "--db", str(db), *args], **kw)


def sqlite_utils_cli() -> list[str]:
    exe = Path(sys.executable).with_name("sqlite-utils" + (".exe" if os.name == "nt" else ""))
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "sqlite_utils"]


# ------------------------------------------------------------------------------------------
# Yardsticks run as child steps of this script


def child(kind: str, file: str, target: str) -> None:
    if kind == "bare":
        import sqlite3

        conn = sqlite3.connect(target)
        conn.execute("CREATE TABLE t(text, time, rating, channel, author, rid)")
        with open(file, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            with conn:
                conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", reader)
        conn.close()
    elif kind == "jieba":
        import jieba

        jieba.setLogLevel(60)
        with open(file, encoding="utf-8", newline="") as fh:
            texts = [r[0] for r in csv.reader(fh)][1:]
        jieba.initialize()
        started = time.perf_counter()
        for text in texts:
            jieba.lcut(text)
        print(f"{time.perf_counter() - started:.3f}")
    elif kind == "index":
        from cxdesk.core import search
        from cxdesk.core.storage import open_db

        started = time.perf_counter()
        rows = search.catch_up(open_db(file))
        print(f"{time.perf_counter() - started:.3f} {rows}")
    elif kind == "screen":
        from cxdesk.core.analysis import trends
        from cxdesk.core.filters import FeedbackFilter
        from cxdesk.core.storage import open_db

        started = time.perf_counter()
        db = open_db(file)
        board = trends.dashboard(db, FeedbackFilter())
        print(f"{time.perf_counter() - started:.3f} {board.total_rows}")


def me(kind: str, file: Path, target: Path | str = "", **kw) -> dict:
    return run([sys.executable, __file__, "--child", kind, str(file), str(target)], **kw)


# ------------------------------------------------------------------------------------------
# One size


def measure(n: int, folder: Path) -> dict:
    file = folder / f"reviews_{n}_{'sample' if bench_import.SHARED.exists() else 'phrases'}.csv"
    if not file.exists():
        bench_import.make_csv(file, n, "utf-8")
    db = folder / f"shop_{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    r: dict = {"rows": n}
    r["import"] = cxdesk(db, "import", "--no-analyze", str(file))
    r["analyze"] = cxdesk(db, "analyze")
    r["screen"] = me("screen", db, stdout=subprocess.PIPE)
    r["screen_inner"] = float(r["screen"]["stdout"].split()[0])
    r["stats"] = cxdesk(db, "stats", "--json")
    r["index"] = me("index", db, stdout=subprocess.PIPE)
    plain = folder / f"plain_{n}.db"
    bare = folder / f"bare_{n}.db"
    for p in (plain, bare):
        p.unlink(missing_ok=True)
    r["sqlite_utils"] = run([*sqlite_utils_cli(), "insert", str(plain), "t", str(file), "--csv"])
    r["bare"] = me("bare", file, bare)
    r["jieba"] = me("jieba", file, stdout=subprocess.PIPE)
    r["jieba_loop"] = float(r["jieba"]["stdout"].strip())
    for p in (plain, bare):
        p.unlink(missing_ok=True)
    return r


def report_size(r: dict) -> None:
    """The figures of one size and its two ratios, printed as soon as they are measured."""
    def s(step: dict) -> str:
        return f"{step['seconds']:7.2f} s"

    n = r["rows"]
    print(f"\n== {n:,} rows ==")
    print(f"  cxdesk import --no-analyze     {s(r['import'])}   peak {r['import']['peak_mb']:5.0f} MB")
    print(f"    sqlite-utils insert --csv    {s(r['sqlite_utils'])}")
    print(f"    csv.reader + executemany     {s(r['bare'])}")
    print(f"  cxdesk analyze                 {s(r['analyze'])}   peak {r['analyze']['peak_mb']:5.0f} MB")
    print(f"    jieba.lcut alone (loop)      {r['jieba_loop']:7.2f} s   (whole process {r['jieba']['seconds']:.2f} s)")
    print(f"  first screen (new process)     {s(r['screen'])}   (open + dashboard {r['screen_inner']:.3f} s)")
    print(f"  cxdesk stats --json            {s(r['stats'])}")
    print(f"  search index, built after      {s(r['index'])}   peak {r['index']['peak_mb']:5.0f} MB"
          "   (the app's background work once the analysis is done; searches scan the new rows meanwhile)")
    ratio_import = r["import"]["seconds"] / r["sqlite_utils"]["seconds"]
    ratio_analyze = r["analyze"]["seconds"] / r["jieba_loop"]
    print(f"  ratio import / sqlite-utils    {ratio_import:7.2f}x  (floor <= {FLOORS['import']:.1f}x)"
          f"  {'ok' if ratio_import <= FLOORS['import'] else 'MISSED'}")
    print(f"  ratio analyze / jieba.lcut     {ratio_analyze:7.2f}x  (floor <= {FLOORS['analyze']:.1f}x)"
          f"  {'ok' if ratio_analyze <= FLOORS['analyze'] else 'MISSED'}", flush=True)


def report(results: list[dict]) -> None:
    """The 1M floors: stats time, peak memory and how import + analysis scale from 100k."""
    small = next((r for r in results if r["rows"] == 100_000), None)
    big = next((r for r in results if r["rows"] == 1_000_000), None)
    if big is not None:
        print("\n== 1M rows ==")
        ok = big["stats"]["seconds"] <= FLOORS["stats_1m"]
        print(f"  stats --json                   {big['stats']['seconds']:7.2f} s   (floor <= 1 s)  {'ok' if ok else 'MISSED'}")
        peak = max(big["import"]["peak_mb"], big["analyze"]["peak_mb"])
        ok = peak <= FLOORS["peak_mb"]
        print(f"  peak memory import + analyze   {peak:7.0f} MB  (floor <= 600 MB)  {'ok' if ok else 'MISSED'}")
        if small is not None:
            both = lambda r: r["import"]["seconds"] + r["analyze"]["seconds"]  # noqa: E731
            ratio = both(big) / both(small)
            ok = ratio <= FLOORS["scaling"]
            print(f"  import + analyze, 1M / 100k    {ratio:7.2f}x  (floor <= 12x)  {'ok' if ok else 'MISSED'}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000], help="sizes to measure (default 100000)")
    ap.add_argument("--keep", type=Path, help="folder for the CSV files and databases (kept; CSVs are reused)")
    ap.add_argument("--shared", type=Path, help="folder of the public sample data, if not at ../shared/data "
                    "beside the checkout (its reviews become the generated texts)")
    args = ap.parse_args()
    if args.shared:
        bench_import.SHARED = args.shared / bench_import.SHARED.name
    print(f"texts: {'public sample ' + bench_import.SHARED.name if bench_import.SHARED.exists() else 'generated phrases'}")
    print(f"cxdesk pipeline benchmark; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}"
          if hasattr(os, "getloadavg") else "cxdesk pipeline benchmark")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        folder = args.keep
    else:
        tmp = tempfile.TemporaryDirectory()
        folder = Path(tmp.name)
    results = []
    for n in args.rows:
        results.append(measure(n, folder))
        report_size(results[-1])
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
