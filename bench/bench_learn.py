"""Learning from a shop's own ratings: held-back macro-F1 and accuracy before/after, per "shop".

    python bench/bench_learn.py

Each public review set the shipped model never saw plays one shop: the JD phone reviews (real 1-5
stars, 4-5 positive, 1-2 negative, 3 unused) and the held-out shopping categories (their labels
become 5 or 1 stars). The reviews go into a fresh database; `learn_from_owner` trains on half and
measures on the other half, both with a random split and with a time split (JD only: train on the
older half, check on the newer; reported, not a floor: JD's older half is 41% positive and its
newer half 89%, a shift no adapter can foresee). Needs the public data beside the repository.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def shops() -> dict[str, list[tuple[str, float, str | None]]]:
    out: dict[str, list] = {}
    with (DATA / "jd_iphone8plus_reviews.csv").open(encoding="utf-8", newline="") as fh:
        out["jd_iphone8plus"] = [(r["text"], float(r["rating"]), r["date"] + ":00") for r in csv.DictReader(fh)
                                 if r["rating"]]
    cats = ("手机", "蒙牛", "热水器")
    with (DATA / "online_shopping_9_cats.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["cat"] in cats:
                out.setdefault(f"shopping/{r['cat']}", []).append((r["review"], 5.0 if r["label"] == "1" else 1.0, None))
    return out


def load(db, rows) -> None:
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'bench', 'x', '2024-01-01 00:00:00')")
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO feedback(source_id, source_row, text, rating, created_at, dedup_key) VALUES (1, ?, ?, ?, ?, ?)",
            [(i + 2, text, rating, created, f"k{i}") for i, (text, rating, created) in enumerate(rows)])


def main() -> int:
    if not (DATA / "jd_iphone8plus_reviews.csv").exists():
        print("public data not found beside the repository; nothing to measure")
        return 0
    from cxdesk.core.analysis.learn import learn_from_owner
    from cxdesk.core.storage import open_db

    print(f"{'shop':22} {'split':6} {'train':>6} {'test':>6} | {'F1 before':>9} {'F1 after':>9} | "
          f"{'acc before':>10} {'acc after':>9} | {'kept':>4} {'seconds':>7}")
    better = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows in shops().items():
            db = open_db(Path(tmp) / f"{name.replace('/', '_')}.db")
            load(db, rows)
            for split in (("random", "time") if name.startswith("jd") else ("random",)):
                t = time.perf_counter()
                rep = learn_from_owner(db, split=split, test_share=0.5)
                dt = time.perf_counter() - t
                if split == "random":
                    better.append(rep.macro_f1_after > rep.macro_f1_before)
                print(f"{name:22} {split:6} {rep.n_train:>6} {rep.n_test:>6} | {rep.macro_f1_before:>9.3f} "
                      f"{rep.macro_f1_after:>9.3f} | {rep.accuracy_before:>10.3f} {rep.accuracy_after:>9.3f} | "
                      f"{'yes' if rep.kept else 'no':>4} {dt:>7.1f}")
            db.close()
    print(f"\n{'PASS' if all(better) else 'FAIL'}  training on a random half improves the other half's macro-F1 "
          f"({sum(better)}/{len(better)} shops)")
    print("(time split: the older half teaches the newer; when that makes the newer half worse, the adapter "
          "is not kept and the shop stays on the shipped model)")
    return 0 if all(better) else 1


if __name__ == "__main__":
    sys.exit(main())
