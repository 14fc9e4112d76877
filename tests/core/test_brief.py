"""The weekly brief on planted data: rating drivers, the three fixes, live actions, goals, the CLI's JSON."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest

from brief_data import SPIKE_TOPIC, WEEK, plant
from cxdesk.core.brief import drivers as drv
from cxdesk.core.brief.brief import Fix, build_brief, case_counts, choose_fixes, parse_week, rank_fixes, week_name
from cxdesk.core.brief.goals import add_goal, goals_progress, list_goals, parse_target, period_bounds, remove_goal
from cxdesk.core.brief.text import brief_lines, wechat_message
from cxdesk.core.errors import InvalidValueError, NotFoundError


@pytest.fixture
def planted(db):
    plant(db)
    return db


def test_fit_recovers_planted_coefficients_from_grouped_rows():
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.random((n, 3)) < [0.2, 0.1, 0.05]
    y = 4.5 - 1.5 * x[:, 0] - 0.4 * x[:, 1] + rng.normal(0, 0.3, n)
    groups: dict[tuple, list] = {}
    for row, value in zip(x, y):
        g = groups.setdefault(tuple(i for i in range(3) if row[i]), [0, 0.0, 0.0])
        g[0] += 1
        g[1] += value
        g[2] += value * value
    fitted = {d.topic: d for d in drv.fit_drivers(["a", "b", "c"], [(k, *v) for k, v in groups.items()])}
    assert fitted["a"].ci_low < -1.5 < fitted["a"].ci_high or abs(fitted["a"].coefficient + 1.5) < 0.03
    assert abs(fitted["b"].coefficient + 0.4) < 0.05
    assert fitted["c"].ci_low < 0 < fitted["c"].ci_high          # no effect planted: the interval covers 0
    assert fitted["a"].rating_impact == pytest.approx(-fitted["a"].coefficient * fitted["a"].share)
    assert drv.fit_drivers(["a"], [((0,), 5, 10.0, 20.0)]) == ()  # too few rated rows


def test_topic_costing_one_and_a_half_stars_ranks_first(planted):
    result = drv.rating_drivers(planted, WEEK + timedelta(days=6))
    first = result.drivers[0]
    assert first.topic == "上菜速度"
    assert -1.6 < first.coefficient < -1.35 and first.ci_low < first.coefficient < first.ci_high
    assert 0.15 < first.rating_impact < 0.25
    assert result.rated == planted.execute("SELECT count(*) FROM feedback WHERE rating IS NOT NULL").fetchone()[0]


def test_drivers_follow_the_data_at_once(planted):
    end = WEEK + timedelta(days=6)
    first = drv.rating_drivers(planted, end)
    with planted.atomic():
        planted.execute("UPDATE feedback SET rating = 1 WHERE id IN (SELECT id FROM feedback ORDER BY id DESC LIMIT 50)")
    again = drv.rating_drivers(planted, end)
    assert again.drivers[0].topic == "上菜速度" and again != first and again.mean_rating < first.mean_rating
    assert planted.execute("SELECT count(*) FROM sqlite_master WHERE name = 'brief_driver_cache'").fetchone()[0] == 0


def test_tripled_topic_is_among_the_three_fixes_and_live_action_is_marked(planted):
    brief = build_brief(planted)
    assert brief.week == "2026-W48" and brief.start == WEEK
    topics = [f.topic for f in brief.fixes]
    assert len(topics) == 3 and topics[0] == "上菜速度" and SPIKE_TOPIC in topics
    spike = next(f for f in brief.fixes if f.topic == SPIKE_TOPIC)
    assert spike.negative_mentions >= 2 * spike.baseline and spike.change > 1
    assert all(len(f.examples) == 2 for f in brief.fixes)
    assert all(f.topic in e.text or "上菜" in e.text or "贵" in e.text for f in brief.fixes for e in f.examples)
    covered = {f.topic: f for f in brief.covered}
    assert list(covered) == ["卫生"] and covered["卫生"].covered_by[0][1] == "每桌消毒，餐具复查"
    ranked = rank_fixes(planted, brief.start, brief.end, brief.current.labelled, brief.drivers, [])
    uncovered = next(f for f in ranked if f.topic == "卫生")
    assert covered["卫生"].expected_gain == pytest.approx(uncovered.expected_gain / 2)
    assert any(a.key == SPIKE_TOPIC for a in brief.alerts)


def test_without_the_spike_the_quiet_topic_is_not_a_fix(db):
    plant(db, spike=False)
    assert SPIKE_TOPIC not in [f.topic for f in build_brief(db).fixes]


def test_brief_json_shape(planted):
    add_goal(planted, "negative_share", "30%")
    d = build_brief(planted, WEEK).to_dict()
    assert set(d) >= {"week", "headline", "fixes", "actions", "alerts"}
    assert set(d["headline"]) >= {"total", "negative_share", "average_rating", "vs_last_week", "goals"}
    assert set(d["fixes"][0]) >= {"topic", "negative_mentions", "change", "rating_impact", "examples"}
    assert d["headline"]["total"] == 300
    assert d["headline"]["goals"][0]["value"] == d["headline"]["negative_share"]
    json.dumps(d, ensure_ascii=False)


def test_goals_progress_and_plain_words(planted):
    gid = add_goal(planted, "negative_share", "8%")
    add_goal(planted, "topic_complaints", 50, topic="上菜速度")
    add_goal(planted, "average_rating", "4.5", period="month")
    progress = goals_progress(planted, WEEK + timedelta(days=6))
    share = progress[0]
    brief = build_brief(planted, WEEK)
    assert share.value == brief.current.negative_share and share.previous == brief.previous.negative_share
    assert share.met is False and "差评率 目标 < 8%，本周 " in share.text and "比上周差" in share.text
    topic = progress[1]
    assert topic.value == next(f.negative_mentions for f in brief.fixes if f.topic == "上菜速度") and topic.met
    assert progress[2].start == date(2026, 11, 1) and "本月至今" in progress[2].text
    remove_goal(planted, gid)
    assert [g.metric for g in list_goals(planted)] == ["topic_complaints", "average_rating"]
    with pytest.raises(NotFoundError):
        remove_goal(planted, gid)


def test_goal_inputs_are_checked(db):
    assert parse_target("negative_share", "8%") == pytest.approx(0.08)
    assert parse_target("negative_share", "8") == pytest.approx(0.08)
    assert parse_target("negative_share", "0.5") == pytest.approx(0.005)   # percent points, always
    assert parse_target("negative_share", "1") == pytest.approx(0.01)
    assert parse_target("reply_rate", "100") == pytest.approx(1.0)
    for metric, value in (("average_rating", "6"), ("negative_share", "101"), ("negative_share", "-1"), ("negative_share", "abc"), ("topic_complaints", "2.5"),
                          ("nps", "120"), ("topic_complaints", "nan"), ("topic_complaints", "inf"),
                          ("negative_share", "NaN%"), ("average_rating", "1e400")):
        with pytest.raises(InvalidValueError):
            parse_target(metric, value)
    with pytest.raises(InvalidValueError):
        add_goal(db, "topic_complaints", 5, topic="没有这个")
    with pytest.raises(InvalidValueError):
        add_goal(db, "negative_share", 5, period="year")
    add_goal(db, "negative_share", "8%")
    with pytest.raises(InvalidValueError, match="已经设"):
        add_goal(db, "negative_share", "8")              # the same goal, typed without the sign
    add_goal(db, "negative_share", "8", period="month")   # another period is another goal
    assert len(list_goals(db)) == 2


def test_reply_rate_goal_counts_like_the_case_screen(planted):
    from cxdesk.core.cases import case_stats, open_cases, update_case

    open_cases(planted, now=__import__("datetime").datetime(2026, 11, 30, 12))
    ids = [r[0] for r in planted.execute(
        "SELECT c.id FROM cases c JOIN feedback f ON f.id = c.feedback_id WHERE f.created_at >= ? ORDER BY c.id",
        [WEEK.isoformat()])]
    assert ids
    for cid in ids[: len(ids) // 2]:
        update_case(planted, cid, status="replied")
    add_goal(planted, "reply_rate", "90%")
    value = goals_progress(planted, WEEK + timedelta(days=6))[0].value
    stats = case_stats(planted)
    week = next(w for w in stats.weeks if w.week == WEEK.isoformat())
    assert value == pytest.approx(week.responded / week.cases)
    counts = case_counts(planted)
    assert (counts["open"], counts["overdue"], counts["response_rate"]) == (stats.open, stats.overdue,
                                                                              stats.response_rate)
    assert build_brief(planted).cases == counts


def test_weeks_and_periods():
    assert parse_week("2026-W48") == WEEK and week_name(WEEK) == "2026-W48"
    for bad in ("2026-48", "W48", "2026-W60", "9999-W52", "1999-W10", "0000-W01"):
        with pytest.raises(InvalidValueError):
            parse_week(bad)
    assert period_bounds("week", date(2026, 11, 29)) == (WEEK, date(2026, 11, 29), date(2026, 11, 16), date(2026, 11, 22))
    assert period_bounds("week", date(2026, 11, 25)) == (WEEK, date(2026, 11, 25), date(2026, 11, 16), date(2026, 11, 18))
    assert period_bounds("month", date(2026, 3, 31))[2:] == (date(2026, 2, 1), date(2026, 2, 28))


def test_lines_and_wechat_message(planted):
    brief = build_brief(planted, WEEK)
    lines = brief_lines(brief)
    assert lines[0].startswith("本周要点 2026-W48")
    assert any(line.startswith("1. 上菜速度：") and " 条差评（" in line and "解决后评分约可提高 0." in line for line in lines)
    msg = wechat_message(brief)
    assert msg.count("例：") == 3 and "环境" in msg


def test_empty_database_gives_an_empty_brief(db):
    brief = build_brief(db)
    assert brief.current.total == 0 and brief.fixes == () and brief.drivers.drivers == ()
    assert brief.empty and brief.nps is None and brief.to_dict()["headline"]["nps"] is None
    assert brief_lines(brief) == ["还没有可总结的内容：请先导入评价或问卷导出文件。"]


def test_cli_brief_json_and_goals(tmp_path):
    from tests.conftest import run_cli
    from cxdesk.core.storage import open_db

    path = tmp_path / "shop.db"
    database = open_db(path)
    plant(database)
    database.close()
    out = run_cli("--db", str(path), "goal", "add", "negative_share", "8%")
    assert out.returncode == 0, out.stderr
    out = run_cli("--db", str(path), "brief", "--week", "2026-W48", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["week"] == "2026-W48" and d["fixes"][0]["topic"] == "上菜速度"
    assert SPIKE_TOPIC in [f["topic"] for f in d["fixes"]] and d["covered"][0]["topic"] == "卫生"
    assert d["headline"]["goals"][0]["met"] is False
    out = run_cli("--db", str(path), "brief", "--week", "2026-48")
    assert out.returncode != 0 and "2026-W05" in out.stderr and "Traceback" not in out.stderr


def test_excel_summary_opens_with_the_brief(planted, tmp_path):
    from openpyxl import load_workbook

    from cxdesk.core.filters import FeedbackFilter
    from cxdesk.core.reports.excel import build_summary

    flt = FeedbackFilter(date_from=WEEK - timedelta(days=27), date_to=WEEK + timedelta(days=6))
    result = build_summary(planted, tmp_path / "汇总.xlsx", flt, sections=["brief", "overview"])
    wb = load_workbook(result.path)
    assert wb.sheetnames == ["本周要点", "概览"]
    ws = wb["本周要点"]
    rows = [r for r in ws.iter_rows(values_only=True) if r[0]]
    assert rows[0][0].startswith("本周要点 2026-W48")
    start = next(i for i, r in enumerate(rows) if r[0] == "本周最多的差评") + 2
    top = {r[0]: (r[1], r[2]) for r in rows[start:start + 5]}
    brief = build_brief(planted, WEEK)
    spike = next(f for f in brief.fixes if f.topic == SPIKE_TOPIC)
    assert top[SPIKE_TOPIC] == (spike.negative_mentions, spike.last_week)
    assert len(ws._charts) == 1
    fixes = next(i for i, r in enumerate(rows) if r[0] == "本周最该改的三件事") + 2
    assert [r[0] for r in rows[fixes:fixes + 3]] == [f.topic for f in brief.fixes]


def test_brief_page_html(planted, tmp_path):
    from cxdesk.core.reports.brief_page import write_brief_html

    brief = build_brief(planted, WEEK)
    page = write_brief_html(brief, tmp_path / "brief.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "本周最该改的三件事" in page and "上菜速度" in page and "解决后评分约可提高" in page
    with pytest.raises(Exception) as info:
        write_brief_html(brief, tmp_path / "missing" / "brief.html")
    assert "brief.html" in str(info.value)


def test_a_week_the_data_stops_inside_is_compared_with_the_same_days(planted):
    with planted.atomic():
        planted.execute("DELETE FROM feedback_topics WHERE feedback_id IN (SELECT id FROM feedback WHERE created_at >= '2026-11-26')")
        planted.execute("DELETE FROM feedback WHERE created_at >= '2026-11-26'")
    add_goal(planted, "negative_share", "8%")
    brief = build_brief(planted)
    assert (brief.start, brief.end) == (WEEK, date(2026, 11, 25)) and brief.to_dict()["to"] == "2026-11-25"
    same_days = planted.execute("SELECT count(*) FROM feedback WHERE created_at >= '2026-11-16' "
                                "AND created_at < '2026-11-19'").fetchone()[0]
    assert brief.previous.total == same_days
    assert brief.goals[0].value == brief.current.negative_share and brief.goals[0].previous == brief.previous.negative_share
    spike = next(f for f in brief.fixes if f.topic == SPIKE_TOPIC)
    assert spike.negative_mentions > 2 * spike.baseline


def test_a_sudden_rise_is_among_the_fixes_even_when_it_costs_few_stars():
    def fix(topic, n, baseline, gain):
        return Fix(topic, n, int(baseline), baseline, None, 0.0, None, None, gain, (), ())

    ranked = [fix("上菜速度", 40, 38, 0.3), fix("价格", 30, 28, 0.2), fix("服务态度", 25, 24, 0.1),
              fix("环境", 30, 9, 0.05), fix("卫生", 4, 1, 0.01)]
    assert [f.topic for f in choose_fixes(ranked)] == ["上菜速度", "价格", "环境"]
    assert ranked[3].rising and not ranked[4].rising            # four complaints are too few to call a rise
    steady = [f for f in ranked if f.topic != "环境"]
    assert [f.topic for f in choose_fixes(steady)] == ["上菜速度", "价格", "服务态度"]
    assert choose_fixes([]) == []


def test_drivers_are_read_while_another_writer_holds_the_database(planted, tmp_path):
    import time

    from cxdesk.core.storage import open_db

    other = open_db(tmp_path / "shop.db")
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        result = drv.rating_drivers(planted, WEEK + timedelta(days=6))
        assert time.monotonic() - started < 5 and result.drivers[0].topic == "上菜速度"
    finally:
        other.execute("ROLLBACK")
        other.close()
    summed = drv.rating_drivers(planted, WEEK + timedelta(days=6))    # from the rows above, now from the daily sums
    assert [d.topic for d in result.drivers] == [d.topic for d in summed.drivers]
    assert [d.coefficient for d in result.drivers] == pytest.approx([d.coefficient for d in summed.drivers], abs=1e-9)
