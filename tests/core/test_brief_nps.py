"""The brief with surveys: the NPS goal, NPS in the headline, shops with surveys only, reviews only or neither,
and the rating drivers' daily sums against a fit read row by row."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from brief_data import WEEK, plant, plant_responses
from cxdesk.core.brief import drivers as drv
from cxdesk.core.brief.brief import build_brief
from cxdesk.core.brief.goals import METRICS, add_goal, goals_progress, parse_target
from cxdesk.core.brief.moments import read_moments
from cxdesk.core.brief.text import brief_lines, nps_line, wechat_message
from cxdesk.core.surveys import nps_for_period

SUNDAY = WEEK + timedelta(days=6)


@pytest.fixture
def both(db):
    plant(db)
    plant_responses(db)
    return db


def test_nps_goal_measures_the_survey_nps(both):
    assert parse_target("nps", "30") == 30 and parse_target("nps", "−20") == -20
    add_goal(both, "nps", "30")
    add_goal(both, "nps", "15", period="month")
    week, month = goals_progress(both, SUNDAY)
    assert week.value == pytest.approx(20.0) and week.previous == pytest.approx(25.0) and week.met is False
    assert week.value == nps_for_period(both, WEEK, SUNDAY).value
    assert week.text == "净推荐值 目标 ≥ 30，本周 20，比上周差 5 分"
    assert month.met is True and month.value == pytest.approx(100 * (7 - 4) / 14)   # Nov 1–29: 7 P, 3 A, 4 D


def test_nps_goal_is_offered_only_when_there_are_responses(db):
    assert METRICS["nps"].offered(db) is False
    assert all(m.offered(db) for name, m in METRICS.items() if name != "nps")
    plant_responses(db)
    assert METRICS["nps"].offered(db) is True


def test_headline_shows_nps_with_its_interval_and_last_week(both, tmp_path):
    brief = build_brief(both, WEEK)
    head = brief.to_dict()["headline"]
    nps = head["nps"]
    assert (nps["value"], nps["promoters"], nps["passives"], nps["detractors"]) == (20.0, 5, 2, 3)
    assert nps["vs_last_week"] == -5.0 and nps["last_week"]["value"] == 25.0
    # The multinomial interval: 20 ± 1.96·√((.5 + .3 − .2²) / 10)·100
    assert nps["ci95"] == [round(20 - 54.03, 1), round(20 + 54.03, 1)]
    line = nps_line(brief)
    assert line == "净推荐值 NPS 20（95% 区间 −34 至 74，10 份问卷），比上周 −5 分"
    lines = brief_lines(brief)
    assert lines[1].startswith("评价 300 条") and lines[2] == line
    assert line in wechat_message(brief)
    from cxdesk.core.reports.brief_page import write_brief_html

    page = write_brief_html(brief, tmp_path / "brief.html").read_text(encoding="utf-8")
    assert line in page and "<td style='text-align:left'>净推荐值</td><td><b>20</b></td><td>25</td>" in page


def test_excel_brief_sheet_has_the_nps_row(both, tmp_path):
    from openpyxl import load_workbook

    from cxdesk.core.filters import FeedbackFilter
    from cxdesk.core.reports.excel import build_summary

    flt = FeedbackFilter(date_from=WEEK - timedelta(days=27), date_to=SUNDAY)
    ws = load_workbook(build_summary(both, tmp_path / "汇总.xlsx", flt, sections=["brief"]).path)["本周要点"]
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "净推荐值")
    assert row[1:4] == (20, 25, -5) and row[4].startswith("净推荐值 NPS 20（95% 区间")


def test_reviews_only_has_no_nps(db):
    plant(db)
    brief = build_brief(db, WEEK)
    assert brief.nps is None and brief.to_dict()["headline"]["nps"] is None
    assert not any("NPS" in line for line in brief_lines(brief))


def test_score_only_surveys_give_a_brief_of_their_own(db):
    plant_responses(db)
    brief = build_brief(db)     # the week of the newest response, not of today
    assert brief.week == "2026-W48" and brief.end == date(2026, 11, 27) and not brief.has_reviews
    lines = brief_lines(brief)
    assert lines[0].startswith("本周要点 2026-W48")
    # The same days of last week (Mon–Fri) hold the response of the 17th.
    assert lines[1] == "净推荐值 NPS 20（95% 区间 −34 至 74，10 份问卷），比上周 −5 分"
    assert "没有文字反馈可找出差评主题：问卷回复只有评分。" in lines
    assert not any("本周没有评价" in line for line in lines)


def test_cli_nps_goal_and_briefs_of_each_kind_of_shop(tmp_path):
    from tests.conftest import run_cli
    from cxdesk.core.storage import open_db

    empty, surveys = tmp_path / "new.db", tmp_path / "surveys.db"
    open_db(empty).close()
    out = run_cli("--db", str(empty), "brief")
    assert out.returncode == 0 and out.stdout.strip() == "还没有可总结的内容：请先导入评价或问卷导出文件。"
    database = open_db(surveys)
    plant_responses(database)
    database.close()
    out = run_cli("--db", str(surveys), "goal", "add", "nps", "30")
    assert out.returncode == 0, out.stderr
    out = run_cli("--db", str(surveys), "brief", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["headline"]["nps"]["value"] == 20.0 and d["headline"]["total"] == 0
    assert d["headline"]["goals"][0]["metric"] == "nps" and d["headline"]["goals"][0]["value"] == 20.0
    out = run_cli("--db", str(surveys), "goal", "add", "nps", "150")
    assert out.returncode != 0 and "−100" in out.stderr and "Traceback" not in out.stderr


# ---------------------------------------------------------------------------------------------
# The drivers from daily sums


def _fit_row_by_row(db, date_from: date, date_to: date):
    """The fit as it was read before the daily sums: every rated row with its complained-topic pattern."""
    topics = db.execute("SELECT id, name FROM topics WHERE enabled = 1 ORDER BY id").fetchall()
    index = {tid: i for i, (tid, _n) in enumerate(topics)}
    patterns: dict[int, set] = {}
    for fid, tid in db.execute("SELECT feedback_id, topic_id FROM feedback_topics WHERE label = 'negative'"):
        patterns.setdefault(fid, set()).add(tid)
    groups = []
    for fid, rating in db.execute("SELECT id, rating FROM feedback WHERE deleted = 0 AND rating IS NOT NULL "
                                  "AND created_at >= ? AND created_at < ?",
                                  [date_from.isoformat(), (date_to + timedelta(days=1)).isoformat()]):
        pattern = tuple(sorted(index[t] for t in patterns.get(fid, ()) if t in index))
        groups.append((pattern, 1, rating, rating * rating))
    return drv.fit_drivers([n for _i, n in topics], groups)


def _same(a, b) -> None:
    assert [d.topic for d in a] == [d.topic for d in b]
    for x, y in zip(a, b):
        assert x.complaints == y.complaints
        assert (x.coefficient, x.ci_low, x.ci_high, x.mean_with) == pytest.approx(
            (y.coefficient, y.ci_low, y.ci_high, y.mean_with), abs=1e-9)


def test_daily_sums_give_the_same_coefficients_as_the_rows(db):
    plant(db)
    start, end = drv._window(SUNDAY)
    fitted = drv.compute_drivers(db, start, end).drivers
    _same(fitted, _fit_row_by_row(db, start, end))
    assert fitted[0].topic == "上菜速度" and fitted[0].coefficient == pytest.approx(-1.5, abs=0.1)
    # Straight from the rows (the summaries busy) gives the same sums as the daily table.
    direct = sorted(read_moments(db, start.isoformat(), end.isoformat(), summary=False))
    daily = sorted(read_moments(db, start.isoformat(), end.isoformat()))
    assert len(direct) == len(daily) == 16
    for a, b in zip(direct, daily):
        assert a[:3] == b[:3] and a[3:] == pytest.approx(b[3:])


def test_daily_sums_follow_edits_deletions_and_disabled_topics(db):
    plant(db)
    start, end = drv._window(SUNDAY)
    drv.compute_drivers(db, start, end)
    with db.atomic():
        db.execute("UPDATE feedback SET rating = 1 WHERE id IN (SELECT id FROM feedback ORDER BY id LIMIT 40)")
        db.execute("UPDATE feedback SET deleted = 1 WHERE id IN (SELECT id FROM feedback ORDER BY id DESC LIMIT 30)")
        db.execute("DELETE FROM feedback_topics WHERE feedback_id IN "
                   "(SELECT id FROM feedback WHERE created_at LIKE '2026-10-1%')")
        db.execute("UPDATE topics SET enabled = 0 WHERE name = '价格'")
    _same(drv.compute_drivers(db, start, end).drivers, _fit_row_by_row(db, start, end))
    assert drv.compute_drivers(db, start, end).get("价格") is None


def test_migration_101_fills_the_daily_sums_of_an_older_database(tmp_path):
    from cxdesk.core.storage import open_db

    db = open_db(tmp_path / "old.db")
    plant(db)
    start, end = drv._window(SUNDAY)
    expected = drv.compute_drivers(db, start, end).drivers
    with db.atomic():   # as a database of version 100 was: no daily sums
        db.execute("DROP TABLE brief_moments_daily")
        db.execute("CREATE TABLE brief_driver_cache (date_from TEXT, date_to TEXT, signature TEXT, result TEXT)")
    db.execute("PRAGMA user_version = 100")
    db.close()
    db = open_db(tmp_path / "old.db")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 101
        assert db.execute("SELECT sum(n) FROM brief_moments_daily WHERE a = 0").fetchone()[0] == db.execute(
            "SELECT count(*) FROM feedback WHERE rating IS NOT NULL AND deleted = 0").fetchone()[0]
        _same(drv.compute_drivers(db, start, end).drivers, expected)
    finally:
        db.close()
