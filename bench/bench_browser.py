"""Feedback browser at a million rows: open the screen, filter, search, scroll to the end.

    python bench/bench_browser.py [--rows 1000000] [--repeat 5] [--fresh] [--skip-naive]

Floors: opening the feedback screen <= 1 s; applying a filter or a search <= 300 ms to the first rows
painted; scrolling to the end without loading all rows (memory measured). Search paths are compared
with a plain LIKE scan, and the id loading with fetching Python tuples, in the same run.

The database is generated once (rows inserted with executemany, not through the importer) and kept
in the temp folder for later runs; texts come from ../shared/data when present, else synthetic.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"

CHANNELS = ("淘宝", "京东", "美团", "抖音", "微信小程序", "门店")
LABELS = ("positive", "positive", "negative", "neutral", "unknown")
TOPICS = {"物流": ("物流", "快递"), "质量": ("质量",), "客服": ("客服",), "价格": ("价格", "便宜")}

SYNTH_PARTS = (
    "物流很快", "物流太慢了", "快递员态度好", "质量很好", "质量一般", "客服回复慢", "客服很耐心", "价格便宜",
    "包装破损", "味道不错", "下次还来", "等了一个小时", "性价比高", "屏幕有划痕", "电池不耐用", "发货速度快",
    "和描述不符", "非常满意", "不推荐", "还可以吧", "服务员很热情", "菜量少", "环境干净", "送货上门",
)


def rss_mb() -> float:
    """Resident memory of this process now (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, AttributeError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus() -> list[str]:
    texts: list[str] = []
    if SHARED.exists():
        for name, column in (("online_shopping_9_cats.csv", "review"), ("jd_iphone8plus_reviews.csv", "text")):
            path = SHARED / name
            if path.exists():
                with open(path, encoding="utf-8", newline="") as fh:
                    texts.extend(r[column] for r in csv.DictReader(fh) if r.get(column))
    if not texts:
        rnd = random.Random(7)
        texts = ["，".join(rnd.sample(SYNTH_PARTS, rnd.randint(1, 5))) + "。" for _ in range(50_000)]
    return texts


def build(path: Path, n: int) -> None:
    from cxdesk.core import search
    from cxdesk.core.storage import now_text, open_db

    texts = corpus()
    rnd = random.Random(1)
    path.unlink(missing_ok=True)
    db = open_db(path)
    started = time.perf_counter()
    now = now_text()
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'bench.csv', 'x', ?)", [now])

    def rows():
        for i in range(n):
            label = rnd.choice(LABELS)
            yield (i + 1, texts[i % len(texts)],
                   f"20{rnd.randint(23, 25)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} "
                   f"{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00",
                   rnd.randint(1, 5), rnd.choice(CHANNELS), f"bench-{i}", label, label)

    with db.atomic():
        with search.index_upkeep_suspended(db):
            db.conn.executemany(
                "INSERT INTO feedback(source_row, text, created_at, rating, channel, dedup_key, label, model_label, "
                "source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)", rows())
        for tid, (name, words) in enumerate(TOPICS.items(), 1):
            db.execute("INSERT INTO topics(id, name, synonyms, created_at, updated_at) VALUES (?, ?, '[]', ?, ?)",
                       [tid, name, now, now])
            for word in words:
                where, params = search.search_clause(word)
                db.execute("INSERT OR IGNORE INTO feedback_topics(feedback_id, topic_id, label, manual) "
                           f"SELECT f.id, ?, f.label, 0 FROM feedback f WHERE {where}", [tid, *params])
        db.execute("UPDATE feedback SET topics = (SELECT json_group_array(t.name) FROM feedback_topics ft "
                   "JOIN topics t ON t.id = ft.topic_id WHERE ft.feedback_id = feedback.id) "
                   "WHERE id IN (SELECT feedback_id FROM feedback_topics)")
    search.optimize_index(db)
    db.execute("ANALYZE")
    db.close()
    print(f"generated {n:,} rows in {time.perf_counter() - started:.1f} s -> {path.stat().st_size / 2**20:.0f} MB")


def bench_index_upkeep(n: int) -> None:
    """What keeping the search index costs an import of n rows: per-row triggers vs `bulk_load`."""
    from cxdesk.core import search
    from cxdesk.core.storage import open_db

    texts = corpus()
    rows = [(texts[i % len(texts)], f"u{i}") for i in range(n)]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("no index", "per-row triggers", "bulk_load"):
            db = open_db(Path(tmp) / f"{mode.replace(' ', '_')}.db")
            db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'u', 'x', 'now')")
            if mode == "no index":
                for name in search.TRIGGER_NAMES:
                    db.execute(f"DROP TRIGGER {name}")
            t0 = time.perf_counter()
            with db.atomic():
                ctx = search.bulk_load(db) if mode == "bulk_load" else nullcontext()
                with ctx:
                    db.conn.executemany("INSERT INTO feedback(source_id, text, dedup_key) VALUES (1, ?, ?)", rows)
            results[mode] = time.perf_counter() - t0
            if mode == "bulk_load":
                t1 = time.perf_counter()
                search.catch_up(db)   # the import's transaction is over; the index is built now
                results["catch_up"] = time.perf_counter() - t1
            db.close()
    base = results["no index"]
    whole = results["bulk_load"] + results["catch_up"]
    print(f"\nindex upkeep while importing {n:,} rows: no index {base:.2f} s, per-row triggers "
          f"{results['per-row triggers']:.2f} s, bulk_load {results['bulk_load']:.2f} s in the import's transaction "
          f"+ catch_up {results['catch_up']:.2f} s after it = {whole:.2f} s "
          f"(x{results['per-row triggers'] / whole:.1f} faster than per-row)")


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="generate the database again")
    parser.add_argument("--skip-naive", action="store_true", help="skip loading every row (the memory comparison)")
    parser.add_argument("--upkeep-rows", type=int, default=50_000,
                        help="rows for the index-upkeep comparison (0 skips it)")
    args = parser.parse_args()

    folder = Path(tempfile.gettempdir()) / "cxdesk-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"browser-{args.rows}.db"
    if args.fresh or not path.exists():
        build(path, args.rows)

    from PySide6.QtWidgets import QApplication

    from cxdesk.core import feedback as fb
    from cxdesk.core import search
    from cxdesk.core.filters import FeedbackFilter, filter_sql
    from cxdesk.i18n import set_language

    set_language("zh_CN")
    app = QApplication.instance() or QApplication([])
    from cxdesk.ui.context import AppContext
    from cxdesk.ui.feedback_screen import FeedbackScreen

    rss_start = rss_mb()
    print(f"database: {path} ({path.stat().st_size / 2**20:.0f} MB), repeat {args.repeat}, medians\n")

    def wait_complete(screen) -> None:
        while not screen.model.complete:
            app.processEvents()
            time.sleep(0.0005)

    # ---- open the screen (new context and connection each time)
    opened = []
    complete_ms = []

    def open_once():
        ctx = AppContext(path)
        t0 = time.perf_counter()
        screen = FeedbackScreen(ctx)
        screen.resize(1280, 800)
        screen.show()
        screen.table.viewport().repaint()
        app.processEvents()
        first = time.perf_counter()
        wait_complete(screen)
        complete_ms.append((time.perf_counter() - t0) * 1000)
        opened.append((ctx, screen))
        return (first - t0) * 1000

    firsts = [open_once() for _ in range(args.repeat)]
    ctx, screen = opened[-1]
    ms = statistics.median(firsts)
    total = screen.model.total()
    print(f"open feedback screen, first rows painted: first open {firsts[0]:.1f} ms, median {ms:.1f} ms   "
          f"floor 1000 ms {'OK' if max(firsts) <= 1000 else 'OVER'}; all {total:,} ids in place after "
          f"{statistics.median(complete_ms):.1f} ms (median)")
    for other_ctx, other in opened[:-1]:
        other.close()
        other.deleteLater()
        other_ctx.close()
    app.processEvents()

    # ---- filters and searches through the widgets, to the first rows painted
    full_ms: list[float] = []

    def apply(setter):
        def run():
            t0 = time.perf_counter()
            setter()
            screen.apply_filters()
            screen.table.viewport().repaint()
            app.processEvents()
            first = time.perf_counter()
            wait_complete(screen)
            full_ms.append((time.perf_counter() - t0) * 1000)
            return first - t0, screen.model.total()
        return run

    def reset():
        screen._quiet = True
        screen.search_edit.setText("")
        for combo in (screen.channel_combo, screen.label_combo, screen.topic_combo, screen.rating_combo):
            combo.setCurrentIndex(0)
        screen.date_range.set_preset("all", emit=False)
        screen._quiet = False

    cases = [
        ("channel = 淘宝", lambda: screen.channel_combo.setCurrentIndex(screen.channel_combo.findData("淘宝"))),
        ("sentiment = negative", lambda: screen.label_combo.setCurrentIndex(screen.label_combo.findData("negative"))),
        ("rating = poor (1-2)", lambda: screen.rating_combo.setCurrentIndex(screen.rating_combo.findData("1,2"))),
        ("topic = 物流", lambda: screen.topic_combo.setCurrentIndex(screen.topic_combo.findData("物流"))),
        ("2024-03 (one month)", lambda: screen.date_range.set_range(date(2024, 3, 1), date(2024, 3, 31), emit=False)),
    ]
    for term in ("物流", "慢", "质量很好", "送货速度快", "不错", "客服 慢", "的"):
        cases.append((f"search “{term}”", lambda t=term: screen.search_edit.setText(t)))
    print("\napply a filter or search in the screen: first rows painted (floor 300 ms) | all ids in place:")
    worst_common = 0.0
    for name, setter in cases:
        screen._quiet = True
        reset()
        setter()
        screen._quiet = False
        full_ms.clear()
        runs = [apply(lambda: None)() for _ in range(args.repeat)]
        ms = statistics.median(r[0] for r in runs) * 1000
        n = runs[-1][1]
        note = "" if ms <= 300 else "  OVER"
        worst_common = max(worst_common, ms)
        print(f"  {name:24s} {ms:7.1f} ms | {statistics.median(full_ms):7.1f} ms  {n:>9,} rows{note}")
    screen._quiet = True
    reset()
    screen._quiet = False
    screen.apply_filters()
    print(f"  worst median to first rows: {worst_common:.1f} ms")

    # ---- search paths against a plain LIKE scan (same SQL shape, ids only)
    db = ctx.read_db()
    print("\nsearch paths vs plain LIKE (ids of matching rows, newest first):")
    for term in ("物流", "慢", "质量很好", "送货速度快", "不错"):
        flt = FeedbackFilter(search=term)
        ms_idx, ids = timed(lambda: fb.query_ids(db, flt), args.repeat)
        where, params = search.like_clause(term)
        base_where, base_params = filter_sql(FeedbackFilter())
        like_sql = (f"SELECT group_concat(id) FROM (SELECT f.id FROM feedback f WHERE {base_where} AND {where} "
                    "ORDER BY f.created_at DESC, f.id DESC)")
        ms_like, joined = timed(lambda: db.execute(like_sql, [*base_params, *params]).fetchone()[0], max(1, args.repeat // 2))
        like_n = len(joined.split(",")) if joined else 0
        path_name = "trigram" if len(term) >= 3 else "char index"
        trigram_alone = db.execute("SELECT count(*) FROM feedback_fts WHERE feedback_fts MATCH ?",
                                   ['"' + term + '"']).fetchone()[0]
        print(f"  {term:8s} {path_name:10s} {ms_idx:7.1f} ms {len(ids):>8,} rows | LIKE {ms_like:7.1f} ms "
              f"{like_n:>8,} rows | x{ms_like / max(ms_idx, 0.01):5.1f} faster | trigram alone finds {trigram_alone:,}")

    # ---- loading ids: one joined string vs Python tuples
    sql, params = fb.ids_sql(FeedbackFilter())
    ms_tuples, rows = timed(lambda: db.execute(sql, params).fetchall(), args.repeat)
    ms_ids, ids = timed(lambda: fb.query_ids(db, FeedbackFilter()), args.repeat)
    print(f"\nall {len(ids):,} ids: query_ids {ms_ids:.1f} ms vs fetchall tuples {ms_tuples:.1f} ms "
          f"(x{ms_tuples / ms_ids:.1f}); id array {ids.nbytes / 2**20:.1f} MB")
    del rows

    # ---- a selection of every row (Ctrl+A) read and restored, as edits do
    wait_complete(screen)
    t0 = time.perf_counter()
    screen.table.selectAll()
    app.processEvents()
    chosen = screen.selected_ids()
    t1 = time.perf_counter()
    screen._restore_selection(chosen, chosen[0] if chosen else None)
    t2 = time.perf_counter()
    print(f"select all {len(chosen):,} rows and read their ids: {(t1 - t0) * 1000:.0f} ms; "
          f"restore that selection after a reload: {(t2 - t1) * 1000:.0f} ms")
    screen.table.clearSelection()

    # ---- scroll to the end, page by page as the scroll bar moves
    rss_before = rss_mb()
    bar = screen.table.verticalScrollBar()
    steps = 200
    t0 = time.perf_counter()
    for k in range(steps + 1):
        bar.setValue(bar.maximum() * k // steps)
        screen.table.viewport().repaint()
        app.processEvents()
    scroll_ms = (time.perf_counter() - t0) * 1000
    last = screen.table.rowAt(screen.table.viewport().height() - 2)
    print(f"\nscroll to the end in {steps} jumps: {scroll_ms / steps:.1f} ms per jump, last visible row {last + 1:,} of "
          f"{screen.model.total():,}; rows cached {screen.model.cached_rows():,}, pages loaded "
          f"{screen.model.pages_loaded}; memory {rss_before:.0f} -> {rss_mb():.0f} MB")

    if not args.skip_naive:
        before = rss_mb()
        t0 = time.perf_counter()
        every = fb.fetch_rows(db, ids.tolist())
        naive_s = time.perf_counter() - t0
        print(f"naive: loading all {len(every):,} rows takes {naive_s:.1f} s and {rss_mb() - before:.0f} MB more memory "
              f"(the screen holds at most {screen.model.cached_rows():,} rows)")
        del every
    print(f"\nprocess memory at start {rss_start:.0f} MB, end {rss_mb():.0f} MB")
    if args.upkeep_rows:
        bench_index_upkeep(args.upkeep_rows)
    screen.close()
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
