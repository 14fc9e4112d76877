"""Survey import speed beside a yardstick: a questionnaire export against a review file of the same rows.

    python bench/bench_survey_import.py             # 30 000 responses (two written answers each)
    python bench/bench_survey_import.py --n 5000    # a quicker look

Both files are UTF-8 CSV written here. The yardstick imports the same rows as a plain review file
(text, time, store, a 1–5 rating) with the ordinary importer, into a fresh database each; the survey
import writes a response row per line plus a feedback row per written answer, so it stores more.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "core"))

from survey_fixtures import make_responses, write_wjx_csv  # noqa: E402

from cxdesk.core.importers import import_file, sniff_file  # noqa: E402
from cxdesk.core.storage import open_db  # noqa: E402
from cxdesk.core.surveys import detect_survey, import_survey  # noqa: E402


def _timed(path: Path, db_path: Path, survey: bool) -> tuple[float, int]:
    db = open_db(db_path)
    try:
        started = time.perf_counter()
        plan = sniff_file(path)
        result = import_survey(db, plan, detect_survey(plan)) if survey else import_file(db, plan)
        return time.perf_counter() - started, result.imported
    finally:
        db.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30_000)
    args = ap.parse_args()
    responses = make_responses(args.n, days=365)
    with tempfile.TemporaryDirectory(prefix="cxdesk-bench-") as tmp:
        folder = Path(tmp)
        survey_csv = write_wjx_csv(folder / "survey.csv", responses, encoding="utf-8")
        reviews_csv = folder / "reviews.csv"
        with reviews_csv.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["评价时间", "门店", "评分", "评价内容"])
            for r in responses:
                w.writerow([r.submitted.strftime("%Y/%m/%d %H:%M:%S"), r.store, r.csat, f"{r.why}。{r.tip}"])
        s_time, s_n = _timed(survey_csv, folder / "s.db", survey=True)
        r_time, r_n = _timed(reviews_csv, folder / "r.db", survey=False)
    print(f"survey import   {s_n:>7} responses  {s_time:6.2f} s  {s_n / s_time:8.0f} responses/s")
    print(f"review import   {r_n:>7} reviews    {r_time:6.2f} s  {r_n / r_time:8.0f} rows/s   (yardstick)")
    print(f"ratio           {s_time / r_time:.2f}× the review import of the same rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
