"""Surveys: questionnaire exports recognised and imported, NPS and CSAT counted with their intervals."""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime

import openpyxl
import pytest
from tests.conftest import run_cli
from survey_fixtures import (hand_nps, make_responses, write_google_csv, write_paper_cards, write_tencent_xlsx,
                             write_wjx_csv, write_wjx_xlsx)
from test_import_fixtures import write_xlsx

from cxdesk.core.importers import import_file, sniff_file, undo_import
from cxdesk.core.surveys import by_channel, by_period, detect_survey, import_survey, nps_for_period, survey_figures
from cxdesk.core.surveys.nps import CsatFigure, NpsFigure, difference, nps_of_scores


def _import(db, path, **kw):
    plan = sniff_file(path)
    survey = detect_survey(plan)
    assert survey is not None, "not recognised as a questionnaire"
    return import_survey(db, plan, survey, **kw)


# ---------------------------------------------------------------------------------------------
# The figures


def test_nps_against_hand_computed_values():
    f = nps_of_scores([10, 10, 9, 7, 2])          # 3 promoters, 1 passive, 1 detractor
    assert (f.promoters, f.passives, f.detractors, f.responses) == (3, 1, 1, 5)
    assert f.value == pytest.approx(40.0)
    p, d = 3.75 / 8, 1.75 / 8                  # adjusted: ¾ promoter, 1½ passive, ¾ detractor added
    half = 1.959963984540054 * math.sqrt((p + d - (p - d) ** 2) / 8) * 100
    assert f.ci95 == pytest.approx((25.0 - half, min(100.0, 25.0 + half)))
    assert nps_of_scores([10, 9, 9, 8, 7, 6, 0, 3]).value == pytest.approx(0.0)
    assert nps_of_scores([0, 6, 6]).value == -100.0 and nps_of_scores([]).value is None
    assert NpsFigure().to_dict() == {"value": None, "promoters": 0, "passives": 0, "detractors": 0,
                                     "responses": 0, "ci95": None}
    c = CsatFigure(satisfied=8, responses=10)
    assert c.value == pytest.approx(80.0)
    lo, hi = c.ci95
    assert 44 < lo < 80 < hi < 95            # Wilson: 49.0–94.3
    diff, (dlo, dhi) = difference(nps_of_scores([9] * 5 + [3] * 5), nps_of_scores([9] * 8 + [3] * 2))
    assert diff == pytest.approx(60.0) and dlo < 60 < dhi


def test_interval_coverage_on_resampled_data():
    """Seeded simulation: the 95 % interval holds the true NPS in 93–97 % of 2000 samples of 150."""
    rng = random.Random(20240305)
    shares = (0.45, 0.30, 0.25)
    true = 100 * (shares[0] - shares[2])
    inside = 0
    reps = 2000
    for _ in range(reps):
        draws = rng.choices((10, 8, 3), weights=shares, k=150)
        lo, hi = nps_of_scores(draws).ci95
        inside += lo <= true <= hi
    assert 0.93 <= inside / reps <= 0.97


# ---------------------------------------------------------------------------------------------
# Import


def test_wjx_export_per_month_nps_matches_hand_count(db, tmp_path):
    responses = make_responses(150, seed=3)
    result = _import(db, write_wjx_xlsx(tmp_path / "问卷星导出.xlsx", responses))
    assert (result.rows_read, result.imported, result.duplicates, result.rejected_total) == (150, 150, 0, 0)
    assert result.with_nps == 150 and result.with_csat == 150
    months = defaultdict(list)
    for r in responses:
        months[r.submitted.strftime("%Y-%m")].append(r.nps)
    got = {p.start.strftime("%Y-%m"): p.figures.nps for p in by_period(db, "month")}
    assert set(got) == set(months)
    for month, scores in months.items():
        assert got[month].value == pytest.approx(hand_nps(scores))
        assert got[month].responses == len(scores)
    assert survey_figures(db).nps.value == pytest.approx(hand_nps([r.nps for r in responses]))
    feb = [r.nps for r in responses if r.submitted.month == 2]
    assert nps_for_period(db, date(2024, 2, 1), date(2024, 2, 29)).value == pytest.approx(hand_nps(feb))
    store = [r.nps for r in responses if r.store == "望京店"]
    assert by_channel(db)["望京店"].nps.value == pytest.approx(hand_nps(store))
    assert nps_for_period(db, None, None, channel="望京店").value == pytest.approx(hand_nps(store))
    top2 = sum(1 for r in responses if r.csat >= 4)
    assert survey_figures(db).csat.value == pytest.approx(100 * top2 / 150)


def test_two_open_questions_are_both_feedback_with_their_question(db, tmp_path):
    responses = make_responses(40, seed=5)
    _import(db, write_wjx_xlsx(tmp_path / "a.xlsx", responses))
    rows = db.execute("SELECT f.text, a.question, f.rating, f.channel FROM feedback f "
                      "JOIN survey_answers a ON a.feedback_id = f.id ORDER BY f.id").fetchall()
    questions = {q for _t, q, _r, _c in rows}
    assert questions == {"4、您给出这个分数的主要原因是？", "5、您对我们还有什么建议或意见？"}
    # every "why" answer is there; a skipped tip is not a feedback row
    assert sum(1 for _t, q, _r, _c in rows if q.startswith("4")) == 40
    # "无" (nothing to say) stays in the response's answers but is no feedback to analyse
    assert sum(1 for _t, q, _r, _c in rows if q.startswith("5")) == sum(1 for r in responses if r.tip not in ("", "无"))
    assert any(r.tip == "无" for r in responses)
    kept = [json.loads(a) for (a,) in db.execute("SELECT answers FROM survey_responses")]
    assert sum(1 for a in kept if a.get("5、您对我们还有什么建议或意见？") == "无") == sum(1 for r in responses if r.tip == "无")
    assert {t for t, q, _r, _c in rows if q.startswith("5")} <= {r.tip for r in responses}
    assert {c for _t, _q, _r, c in rows} <= {"五道口店", "望京店", "国贸店"}
    from cxdesk.core.analysis import analyze

    analyze(db)
    labels = db.execute("SELECT count(*) FROM feedback f JOIN survey_answers a ON a.feedback_id = f.id "
                        "WHERE f.label IS NOT NULL").fetchone()[0]
    assert labels == len(rows)
    extra = json.loads(db.execute("SELECT extra FROM feedback LIMIT 1").fetchone()[0])
    assert extra["survey_question"].startswith("4、")


def test_zero_to_ten_is_never_mapped_to_stars(db, tmp_path):
    responses = make_responses(60, seed=11)
    _import(db, write_wjx_xlsx(tmp_path / "a.xlsx", responses))
    assert db.execute("SELECT count(*) FROM feedback WHERE rating IS NOT NULL OR rating_raw IS NOT NULL").fetchone()[0] == 0
    stored = sorted(r[0] for r in db.execute("SELECT nps FROM survey_responses"))
    assert stored == sorted(r.nps for r in responses)
    assert min(stored) == 0 and max(stored) == 10


def test_reimport_and_overlapping_export_add_nothing(db, tmp_path):
    responses = make_responses(80, seed=2)
    path = write_wjx_xlsx(tmp_path / "a.xlsx", responses)
    _import(db, path)
    again = _import(db, path)
    assert again.already_imported and again.imported == 0
    # A later export, as GBK CSV: the same 80 responses plus ten newer ones; only the ten are new.
    newer = [replace(r, number=80 + r.number) for r in make_responses(10, seed=99, start=datetime(2024, 4, 10))]
    later = _import(db, write_wjx_csv(tmp_path / "b.csv", responses + newer))
    assert (later.imported, later.duplicates) == (10, 80)
    assert db.execute("SELECT count(*) FROM survey_responses").fetchone()[0] == 90
    first_answers = db.execute("SELECT count(*) FROM feedback WHERE source_id = ?", [again.source_id]).fetchone()[0]
    undo_import(db, again.source_id)
    assert db.execute("SELECT count(*) FROM survey_responses").fetchone()[0] == 10
    assert first_answers > 0
    assert db.execute("SELECT count(*) FROM survey_answers").fetchone()[0] == db.execute(
        "SELECT count(*) FROM feedback").fetchone()[0]


def test_google_form_and_typed_cards(db, tmp_path):
    responses = make_responses(50, seed=9, skip_nps=4)
    g = _import(db, write_google_csv(tmp_path / "Form responses 1.csv", responses))
    assert g.imported == 50 and g.with_nps == 46
    assert survey_figures(db).nps.value == pytest.approx(hand_nps([r.nps for r in responses]))
    plan = sniff_file(write_paper_cards(tmp_path / "意见卡.xlsx", responses))
    survey = detect_survey(plan)
    assert survey.tool == "excel"
    assert [plan.columns[survey.column_of(k)] for k in ("time", "channel", "nps", "csat")] == [
        "日期", "门店", "推荐意愿(0-10)", "满意度"]
    assert survey.columns_of("open") == [4]


def test_tencent_export_counts_by_submission_time(db, tmp_path):
    responses = make_responses(80, seed=13)
    # A response begun on 31 January and submitted on 1 February counts in February.
    edge = replace(responses[0], number=81, submitted=datetime(2024, 2, 1, 0, 0, 30), seconds=300, nps=0)
    responses = responses + [edge]
    plan = sniff_file(write_tencent_xlsx(tmp_path / "腾讯问卷.xlsx", responses))
    survey = detect_survey(plan)
    assert survey.tool == "tencent" and plan.columns[survey.column_of("time")] == "结束答题时间"
    assert survey.csat_scale == 5 and survey.columns_of("open") == [10]
    result = import_survey(db, plan, survey)
    assert result.imported == 81 and result.with_csat == 81
    feb = [r.nps for r in responses if r.submitted.strftime("%Y-%m") == "2024-02"]
    got = {p.start.strftime("%Y-%m"): p.figures for p in by_period(db, "month")}
    assert got["2024-02"].nps.value == pytest.approx(hand_nps(feb))
    top2 = sum(1 for r in responses if r.csat >= 4)
    assert survey_figures(db).csat.value == pytest.approx(100 * top2 / 81)


def test_review_exports_are_not_surveys(tmp_path):
    assert detect_survey(sniff_file(write_xlsx(tmp_path / "评价.xlsx"))) is None


def test_bad_answers_are_noted_and_empty_responses_rejected(db, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "提交答卷时间", "所用时间", "1、您有多大可能向朋友推荐我们？", "2、您对我们有什么建议？"])
    ws.append([1, "2024/03/05 12:00:00", "30秒", 10, "很好吃，服务也很棒"])
    ws.append([2, "2024/03/05 13:00:00", "31秒", "很想推荐", "上菜有点慢，希望改进"])
    ws.append([3, "2024/03/05 14:00:00", "32秒", 0, "(跳过)"])
    ws.append([4, "2024/03/05 15:00:00", "33秒", "(跳过)", "(跳过)"])
    ws.append([5, "下辈子", "34秒", 6, "一般般吧没有特色"])
    ws.append([6, "2024/03/06 10:00:00", "35秒", 7, "还不错的一次用餐"])
    ws.append([7, "2024/03/06 11:00:00", "36秒", 9, "环境很好，推荐给朋友"])
    path = tmp_path / "q.xlsx"
    wb.save(path)
    result = _import(db, path)
    assert (result.rows_read, result.imported, result.rejected_total) == (7, 6, 1)
    assert result.rejected[0].row == 5 and "推荐" in result.rejected[0].column
    assert {(n.row, n.value) for n in result.notes} == {(3, "很想推荐"), (6, "下辈子")}
    assert survey_figures(db).nps.to_dict()["responses"] == 5     # 10, 0, 6, 7, 9
    assert survey_figures(db).nps.value == pytest.approx(100 * (2 - 2) / 5)
    assert db.execute("SELECT count(*) FROM survey_responses WHERE submitted_at IS NULL").fetchone()[0] == 1


def test_dry_run_saves_nothing(db, tmp_path):
    path = write_wjx_xlsx(tmp_path / "a.xlsx", make_responses(20))
    result = _import(db, path, dry_run=True)
    assert result.dry_run and result.imported == 20 and result.source_id is None
    assert db.execute("SELECT count(*) FROM survey_responses").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


# ---------------------------------------------------------------------------------------------
# CLI


def test_cli_stats_json_shape(tmp_path):
    dbp = tmp_path / "shop.db"
    responses = make_responses(100, seed=4)
    out = run_cli("--db", str(dbp), "import", str(write_wjx_xlsx(tmp_path / "a.xlsx", responses)), "--json",
                  "--no-analyze")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["survey"]["responses"] == 100 and data["mapping"]["nps"] == "2、您有多大可能向朋友推荐我们？"
    stats = json.loads(run_cli("--db", str(dbp), "stats", "--json").stdout)
    nps = stats["nps"]
    assert set(nps) == {"value", "promoters", "passives", "detractors", "responses", "ci95"}
    assert nps["value"] == round(hand_nps([r.nps for r in responses]), 1) and nps["responses"] == 100
    assert nps["ci95"][0] < nps["value"] < nps["ci95"][1]
    by_month = defaultdict(list)
    for r in responses:
        by_month[r.submitted.strftime("%Y-%m-01")].append(r.nps)
    periods = {p["start"]: p["nps"] for p in stats["periods"] if p["nps"]}
    assert {k: v["value"] for k, v in periods.items()} == {k: round(hand_nps(v), 1) for k, v in by_month.items()}
    text = run_cli("--db", str(dbp), "stats", "--lang", "en")
    assert "NPS +" in text.stdout and "100 responses" in text.stdout


def test_cli_stats_without_responses_has_no_nps(tmp_path):
    dbp = tmp_path / "shop.db"
    run_cli("--db", str(dbp), "import", str(write_xlsx(tmp_path / "r.xlsx")), "--no-analyze")
    stats = json.loads(run_cli("--db", str(dbp), "stats", "--json").stdout)
    assert "nps" not in stats and all("nps" not in p for p in stats["periods"])


def test_cli_nps_and_csat_columns(tmp_path):
    dbp = tmp_path / "shop.db"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["时间", "分数A", "分数B", "留言"])
    for i, (a, b) in enumerate([(10, 5), (9, 4), (3, 2), (7, 3), (0, 1)]):
        ws.append([f"2024-05-0{i + 1} 12:00", a, b, f"第{i}位客人的留言内容"])
    path = tmp_path / "cards.xlsx"
    wb.save(path)
    out = run_cli("--db", str(dbp), "import", str(path), "--nps-column", "分数A", "--csat-column", "3", "--json",
                  "--no-analyze")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["survey"]["with_nps"] == 5 and data["survey"]["with_csat"] == 5
    stats = json.loads(run_cli("--db", str(dbp), "stats", "--json").stdout)
    assert stats["nps"]["value"] == 0.0 and stats["csat"]["value"] == 40.0
    bad = run_cli("--db", str(dbp), "import", str(path), "--nps-column", "没有这列")
    assert bad.returncode == 1 and "没有这列" in bad.stderr


def test_detractors_become_cases_once(db, tmp_path):
    from cxdesk.core.analysis import analyze
    from cxdesk.core.cases import list_cases
    from cxdesk.core.surveys.cases import open_detractor_cases

    responses = make_responses(150, seed=3)
    _import(db, write_wjx_xlsx(tmp_path / "a.xlsx", responses))
    analyze(db)
    now = datetime(2024, 4, 1, 12, 0)
    recent = [r for r in responses if r.nps <= 6 and (now - r.submitted).days < 30]
    already = db.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert recent and already == 0      # the 2024 answers are older than 30 days today
    opened = open_detractor_cases(db, now=now)
    assert opened == len(recent)
    assert open_detractor_cases(db, now=now) == 0
    found = list_cases(db, now=now)
    assert {c.text for c in found} == {r.why for r in recent}
    assert all(c.draft and c.rating is None for c in found)


def test_excel_summary_has_an_nps_sheet(db, tmp_path):
    from openpyxl import load_workbook

    from cxdesk.core.filters import FeedbackFilter
    from cxdesk.core.reports import excel

    responses = make_responses(90, seed=8)
    _import(db, write_wjx_xlsx(tmp_path / "a.xlsx", responses))
    result = excel.build_summary(db, tmp_path / "汇总.xlsx", FeedbackFilter(), granularity="month",
                                 sections=["overview", "trend"])
    assert "净推荐值" in result.sheets
    ws = load_workbook(tmp_path / "汇总.xlsx")["净推荐值"]
    rows = list(ws.iter_rows(values_only=True))
    months = defaultdict(list)
    for r in responses:
        months[r.submitted.strftime("%Y-%m")].append(r.nps)
    by_month = {row[0].strftime("%Y-%m"): row for row in rows[1:len(months) + 1]}
    assert set(by_month) == set(months)
    for month, scores in months.items():
        assert by_month[month][1] == len(scores)
        assert by_month[month][5] == pytest.approx(hand_nps(scores))
    total = next(row for row in rows if row[0] == "合计")
    assert total[5] == pytest.approx(hand_nps([r.nps for r in responses]))
    plain = excel.build_summary(db, tmp_path / "b.xlsx", FeedbackFilter(), sections=["trend"])
    assert "净推荐值" not in plain.sheets


def test_action_evaluated_on_nps(db, tmp_path):
    from cxdesk.core.actions import create_action
    from cxdesk.core.surveys.evaluation import evaluate_nps

    before = make_responses(120, seed=21, start=datetime(2024, 1, 1), days=28)
    after = [replace(r, nps=min(10, r.nps + 3), number=200 + r.number)
             for r in make_responses(120, seed=22, start=datetime(2024, 1, 29), days=28)]
    _import(db, write_wjx_xlsx(tmp_path / "a.xlsx", before + after))
    aid = create_action(db, "加快上菜", keywords=("上菜",), live_date=date(2024, 1, 29))
    ev = evaluate_nps(db, aid, window_days=28)
    assert ev.before.value == pytest.approx(hand_nps([r.nps for r in before]))
    assert ev.after.value == pytest.approx(hand_nps([r.nps for r in after]))
    assert ev.change == pytest.approx(ev.after.value - ev.before.value)
    assert ev.ci95[0] < ev.change < ev.ci95[1]
    assert ev.verdict == "improved" and ev.to_json()["after"]["responses"] == 120
    out = run_cli("--db", str(tmp_path / "shop.db"), "evaluate", str(aid), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["nps"]["change"] == round(ev.change, 1)
    text = run_cli("--db", str(tmp_path / "shop.db"), "--lang", "en", "evaluate", str(aid))
    assert "points (95% interval" in text.stdout and "NPS rose" in text.stdout


def test_choice_questions_are_not_open_answers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "提交答卷时间", "所用时间", "1、您是通过什么渠道了解我们的？", "2、您就餐的门店",
               "3、您喜欢哪些菜？(多选)", "4、您有多大可能向朋友推荐我们？", "5、您对我们有什么建议？"])
    dishes = ["招牌烤鱼┋酸菜鱼", "酸菜鱼", "招牌烤鱼┋凉拌木耳┋米饭", "凉拌木耳┋米饭"]
    for i in range(20):
        ws.append([i + 1, f"2024/03/{i + 1:02d} 12:00:00", "60秒", ["大众点评", "朋友推荐"][i % 2],
                   ["望京店", "国贸店"][i % 2], dishes[i % 4], i % 11, f"第{i}位客人：希望菜单再丰富一点"])
    path = tmp_path / "q.xlsx"
    wb.save(path)
    plan = sniff_file(path)
    survey = detect_survey(plan)
    assert survey.column_of("channel") == 4 and survey.column_of("nps") == 6
    assert survey.columns_of("open") == [7] and survey.kinds()[5] == "other"


def test_nps_per_topic_counts_responses_that_mention_it(db, tmp_path):
    from cxdesk.core.analysis import analyze
    from cxdesk.core.surveys import by_topic

    responses = make_responses(120, seed=17)
    _import(db, write_wjx_xlsx(tmp_path / "a.xlsx", responses))
    analyze(db)
    topics = by_topic(db)
    assert topics
    name, figures = next(iter(topics.items()))
    # By hand: each response once, however many of its answers mention the topic.
    scores = [n for (n,) in db.execute(
        "SELECT r.nps FROM survey_responses r WHERE EXISTS (SELECT 1 FROM survey_answers a "
        "JOIN feedback_topics ft ON ft.feedback_id = a.feedback_id JOIN topics t ON t.id = ft.topic_id "
        "WHERE a.response_id = r.id AND t.name = ?)", [name])]
    assert figures.nps.responses == len(scores) > 0
    assert figures.nps.value == pytest.approx(hand_nps(scores))
    assert survey_figures(db, topics=(name,)).nps.value == pytest.approx(hand_nps(scores))


def test_several_satisfaction_questions_count_the_first(db, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "提交答卷时间", "1、您对菜品的满意度", "2、您对服务的满意度", "3、您有多大可能向朋友推荐我们？"])
    for i, (a, b, n) in enumerate([(5, 1, 10), (4, 2, 9), (2, 5, 3), (1, 5, 0)]):
        ws.append([i + 1, f"2024/05/0{i + 1} 12:00:00", a, b, n])
    path = tmp_path / "q.xlsx"
    wb.save(path)
    result = _import(db, path)
    assert any("1、您对菜品的满意度" in w for w in result.warnings)
    assert survey_figures(db).csat.value == 50.0
    answers = json.loads(db.execute("SELECT answers FROM survey_responses WHERE external_id = '3'").fetchone()[0])
    assert answers["2、您对服务的满意度"] == "5"
