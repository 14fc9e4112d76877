"""Survey defects found by a user test: duplicates within one export, detractor cases, detection, the interval."""

from __future__ import annotations

import csv
import math
import random
from dataclasses import replace

import pytest
from survey_fixtures import WJX_HEADER, make_responses, write_wjx_csv

from cxdesk.core.importers import sniff_file
from cxdesk.core.surveys import detect_survey, import_survey, survey_figures
from cxdesk.core.surveys.nps import nps_of_scores


def _import(db, path, **kw):
    plan = sniff_file(path)
    survey = detect_survey(plan)
    assert survey is not None, "not recognised as a questionnaire"
    return import_survey(db, plan, survey, **kw)


def test_rows_repeated_within_one_export_are_duplicates(db, tmp_path):
    responses = make_responses(30, seed=21)
    twin = replace(responses[5], number=31)             # another respondent, the very same answers and time
    rows = responses + [responses[3], responses[3], responses[10], twin]
    result = _import(db, write_wjx_csv(tmp_path / "dup.csv", rows))
    assert (result.rows_read, result.imported, result.duplicates) == (34, 31, 3)
    assert survey_figures(db).nps.responses == 31


def test_repeated_rows_without_number_but_with_time_are_duplicates(db, tmp_path):
    header = [h for h in WJX_HEADER if h != "序号"]
    path = tmp_path / "nonumber.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in make_responses(20, seed=4) * 2:
            w.writerow([r.submitted.strftime("%Y/%m/%d %H:%M:%S"), f"{r.seconds}秒", "微信", "N/A", "1.2.3.4(北京)",
                        r.store, r.nps, r.csat, r.why, r.tip or "(跳过)"])
    result = _import(db, path)
    assert (result.imported, result.duplicates) == (20, 20)


def _write_rows(path, header, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_second_open_question_kept_when_most_answers_say_nothing(tmp_path):
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来自IP", "1、您有多大可能向朋友推荐我们？",
              "2、您对我们有什么建议？", "3、其他意见"]
    rows = []
    for i in range(1, 41):
        tip = "希望停车方便一点" if i % 10 == 0 else "无"
        other = "服务员很好" if i % 8 == 0 else ("没有" if i % 3 else "")
        rows.append([i, f"2026/09/{i % 28 + 1:02d} 12:00:00", "30秒", "手机提交", "1.2.3.4", i % 11, tip, other])
    survey = detect_survey(sniff_file(_write_rows(tmp_path / "q.csv", header, rows)))
    assert [q.text for q in survey.questions if q.kind == "open"] == header[6:]


def test_recommend_question_with_a_few_bad_cells_is_detected(db, tmp_path):
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来自IP", "1、您有多大可能向朋友推荐我们？",
              "2、您对本次用餐的满意度", "3、您对我们有什么建议？"]
    cells = ["10分", "9 - 非常愿意", "0 - 完全不可能", "7分", "", "11", "很好", "6", "3分", "8", "10", "5.5", "９",
             "10（非常愿意）", "N/A", "(跳过)", "-1", "1"]
    rows = [[i, f"2026/12/0{1 + i % 3} 10:{i:02d}:00", "30秒", "微信", "1.1.1.1", v, "4",
             f"意见{i}：上菜慢" if i % 2 else "上菜太慢了"] for i, v in enumerate(cells, 1)]
    path = _write_rows(tmp_path / "h.csv", header, rows)
    survey = detect_survey(sniff_file(path))
    assert survey.column_of("nps") == 5
    result = import_survey(db, sniff_file(path), survey)
    assert {n.value for n in result.notes} == {"11", "很好", "5.5", "-1"}
    stored = sorted(r[0] for r in db.execute("SELECT nps FROM survey_responses WHERE nps IS NOT NULL"))
    assert stored == sorted([10, 9, 0, 7, 6, 3, 8, 10, 9, 10, 1])


def test_cli_refuses_one_column_for_both_scores_and_a_time_column_as_recommend(tmp_path):
    from tests.conftest import run_cli

    dbp = tmp_path / "shop.db"
    path = write_wjx_csv(tmp_path / "a.csv", make_responses(20, seed=8))
    nps_q = "2、您有多大可能向朋友推荐我们？"
    same = run_cli("--db", str(dbp), "import", str(path), "--nps-column", nps_q, "--csat-column", nps_q)
    assert same.returncode == 2 and nps_q in same.stderr and "Traceback" not in same.stderr
    timed = run_cli("--db", str(dbp), "import", str(path), "--nps-column", "提交答卷时间")
    assert timed.returncode == 2 and "提交答卷时间" in timed.stderr and "Traceback" not in timed.stderr
    assert not dbp.exists() or run_cli("--db", str(dbp), "stats", "--json").stdout.count('"nps"') == 0
    ok = run_cli("--db", str(dbp), "import", str(path), "--nps-column", nps_q, "--no-analyze")
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize("n", [15, 30, 150])
@pytest.mark.parametrize("shares", [(0.45, 0.30, 0.25), (0.85, 0.10, 0.05), (0.20, 0.30, 0.50)])
def test_interval_coverage_from_small_samples_up(n, shares):
    """Seeded simulation: the 95 % interval holds the true NPS in 93–97 % of 1500 samples of n responses."""
    rng = random.Random(n * 1000 + int(shares[0] * 100))
    true = 100 * (shares[0] - shares[2])
    reps = 1500
    inside = sum(lo <= true <= hi for lo, hi in (nps_of_scores(rng.choices((10, 8, 3), weights=shares, k=n)).ci95
                                                 for _ in range(reps)))
    assert 0.93 <= inside / reps <= 0.97


def test_adjusted_interval_equals_the_plain_one_for_large_samples():
    f = nps_of_scores([10] * 4500 + [8] * 3000 + [2] * 2500)
    p, d = 0.45, 0.25
    half = 1.959963984540054 * math.sqrt((p + d - (p - d) ** 2) / 10_000) * 100
    lo, hi = f.ci95
    assert abs(lo - (20 - half)) < 0.05 and abs(hi - (20 + half)) < 0.05


def test_detractor_cases_show_the_recommend_score_and_passives_open_none(db, tmp_path):
    from datetime import datetime, timedelta

    from cxdesk.core.analysis import analyze
    from cxdesk.core.cases import list_cases

    header = ["序号", "提交答卷时间", "所用时间", "来源", "来自IP", "1、您有多大可能向朋友推荐我们？",
              "2、您对我们有什么建议？"]
    answers = [(3, "服务员态度很差，上菜太慢了，等了四十分钟"), (8, "服务员态度很差，叫了好几次没人理，菜是凉的"),
               (7, "太贵了，分量很少，卫生间很脏"), (10, "菜品很新鲜，服务员很热情"), (0, "菜是凉的，还有头发，太恶心了")]
    # Recent answers (analysis opens the review cases as of today).
    day = datetime.now() - timedelta(days=3)
    rows = [[i, (day + timedelta(hours=i)).strftime("%Y/%m/%d %H:%M:%S"), "30秒", "微信", "1.1.1.1", s, t]
            for i, (s, t) in enumerate(answers, 1)]
    _import(db, _write_rows(tmp_path / "q.csv", header, rows))
    analyze(db)             # opens the review cases, then the detractors' ones
    found = list_cases(db)
    assert sorted(c.nps for c in found) == [0, 3]           # the passives' complaints open no case
    assert {c.score_label for c in found} == {"推荐分 3/10", "推荐分 0/10"}      # not 无评分
    assert {c.score_short for c in found} == {"3/10", "0/10"}       # the queue's narrow column; the tip says 推荐分
    assert all(c.to_json()["nps"] in (0, 3) for c in found)


def test_every_detractor_becomes_a_case_also_without_a_comment(db, tmp_path):
    from datetime import datetime, timedelta

    from cxdesk.core.analysis import analyze
    from cxdesk.core.cases import case_stats, get_case, list_cases, open_count
    from cxdesk.core.importers import undo_import

    header = ["序号", "提交答卷时间", "所用时间", "来源", "来自IP", "1、您有多大可能向朋友推荐我们？",
              "2、您对我们有什么建议？", "3、您的门店"]
    answers = [(3, ""), (5, "无"), (8, ""), (10, ""), (0, "菜是凉的，还有头发，太恶心了"), (6, "(跳过)")]
    day = datetime.now() - timedelta(days=2)
    rows = [[i, (day + timedelta(hours=i)).strftime("%Y/%m/%d %H:%M:%S"), "30秒", "微信", "1.1.1.1", s, t, "望京店"]
            for i, (s, t) in enumerate(answers, 1)]
    result = _import(db, _write_rows(tmp_path / "q.csv", header, rows))
    analyze(db)
    found = list_cases(db)
    assert sorted(c.nps for c in found) == [0, 3, 5, 6]          # every detractor, written or not
    silent = [c for c in found if c.feedback_id is None]
    assert sorted(c.nps for c in silent) == [3, 5, 6]
    assert {c.score_label for c in silent} == {"推荐分 3/10", "推荐分 5/10", "推荐分 6/10"}
    assert all(c.text == "" and c.draft and c.channel == "望京店" and c.created_at for c in silent)
    assert get_case(db, silent[0].id).to_json()["nps"] == silent[0].nps
    assert open_count(db) == 4 and case_stats(db).open == 4
    assert [c.nps for c in list_cases(db, channel="望京店")].count(3) == 1
    undo_import(db, result.source_id)
    assert list_cases(db) == [] and db.execute("SELECT count(*) FROM case_history").fetchone()[0] == 0


def test_migration_104_keeps_cases_and_their_history(tmp_path):
    import sqlite3

    from cxdesk.core.schema import MIGRATIONS
    from cxdesk.core.storage import open_db

    path = tmp_path / "old.db"
    db = open_db(path)
    fid = db.execute("INSERT INTO sources(file_name, file_path, sha256, file_type, imported_at) "
                     "VALUES ('a.csv', 'a.csv', 'x', 'csv', '2026-01-01 00:00:00')").lastrowid
    fid = db.execute("INSERT INTO feedback(source_id, text, dedup_key) VALUES (?, '太慢了', 'k1')", [fid]).lastrowid
    cid = db.execute("INSERT INTO cases(feedback_id, opened_at, due_at, updated_at, note) VALUES "
                     "(?, '2026-01-01 00:00:00', '2026-01-02 00:00:00', '2026-01-01 00:00:00', '已回电')",
                     [fid]).lastrowid
    db.execute("INSERT INTO case_history(case_id, at, field, old_value, new_value) "
               "VALUES (?, '2026-01-01 00:00:00', 'status', NULL, 'open')", [cid])
    db.conn.commit()
    assert MIGRATIONS[-1][0] >= 104
    # Back to the schema before 104 (the table as migration 95 made it), then open again.
    from cxdesk.core.schema_sql import SCHEMA_95

    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("CREATE TABLE keep AS SELECT * FROM case_history")
    con.execute("DROP TABLE case_history")
    con.execute("CREATE TABLE cases_copy AS SELECT id, feedback_id, status, owner, note, reply, draft, severity, "
                "urgent, opened_at, due_at, first_reply_at, resolved_at, updated_at FROM cases")
    con.execute("DROP TABLE cases")
    con.executescript(SCHEMA_95)            # every other table of it exists already
    con.execute("INSERT INTO cases SELECT * FROM cases_copy")
    con.execute("INSERT INTO case_history SELECT * FROM keep")
    con.execute("DROP TABLE cases_copy")
    con.execute("DROP TABLE keep")
    con.execute("PRAGMA user_version = 101")
    con.commit()
    con.close()
    db = open_db(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == MIGRATIONS[-1][0]
    assert db.execute("SELECT feedback_id, response_id, note FROM cases").fetchall() == [(fid, None, "已回电")]
    assert db.execute("SELECT count(*) FROM case_history WHERE case_id = ?", [cid]).fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
