"""A week the data stops inside: one comparison rule (the same days of last week) in every sentence and sheet,
and the default brief skips a newest week of one or two days and says so."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from brief_data import WEEK, plant
from cxdesk.core.brief.brief import build_brief, default_week
from cxdesk.core.brief.goals import add_goal
from cxdesk.core.brief.text import brief_lines, headline


@pytest.fixture
def one_day(db):
    """The planted weeks, with only the Monday of the last week (2026-W48) left."""
    plant(db)
    with db.atomic():
        db.execute("DELETE FROM feedback_topics WHERE feedback_id IN (SELECT id FROM feedback WHERE created_at >= '2026-11-24')")
        db.execute("DELETE FROM feedback WHERE created_at >= '2026-11-24'")
    return db


def test_default_brief_is_the_last_complete_week_and_names_the_newer_one(one_day):
    assert default_week(one_day) == WEEK - timedelta(days=7)
    brief = build_brief(one_day)
    assert (brief.week, brief.end, brief.partial, brief.newer_days) == ("2026-W47", date(2026, 11, 22), False, 1)
    lines = brief_lines(brief)
    assert "2026-W48" in lines[1] and "1 天" in lines[1]
    assert "比上周 " in lines[2] and "同期" not in lines[2]
    d = brief.to_dict()
    assert (d["to"], d["partial"], d["data_to"]) == ("2026-11-22", False, "2026-11-23")
    assert d["headline"]["vs_last_week"]["last_week"]["to"] == "2026-11-15"


def test_a_partial_week_says_same_days_everywhere(one_day, tmp_path):
    from openpyxl import load_workbook

    from cxdesk.core.filters import FeedbackFilter
    from cxdesk.core.reports.excel import build_summary

    add_goal(one_day, "negative_share", "8%")
    brief = build_brief(one_day, WEEK)
    assert brief.partial and brief.end == WEEK and brief.newer_days == 0
    assert "比上周同期" in headline(brief) and "（比上周 " not in headline(brief)
    assert "比上周同期" in brief.goals[0].text and brief.goals[0].to_dict()["to"] == brief.to_dict()["to"]
    assert brief.to_dict()["headline"]["vs_last_week"]["last_week"]["to"] == "2026-11-16"
    flt = FeedbackFilter(date_from=WEEK - timedelta(days=27), date_to=WEEK + timedelta(days=6))
    ws = load_workbook(build_summary(one_day, tmp_path / "汇总.xlsx", flt, sections=["brief"]).path)["本周要点"]
    rows = [r for r in ws.iter_rows(values_only=True) if r[0]]
    start = next(i for i, r in enumerate(rows) if r[0] == "本周最多的差评") + 1
    assert rows[start][2] == "上周同期"
    top = {r[0]: r[2] for r in rows[start + 1:start + 6]}
    for fix in brief.fixes:   # "last week" of the sheet = the fixes' last week = the same Monday a week before
        assert top[fix.topic] == fix.last_week


def test_one_review_is_one_review_in_english(one_day):
    from cxdesk.i18n import set_language

    with one_day.atomic():
        keep = one_day.execute("SELECT min(id) FROM feedback WHERE created_at >= '2026-11-23'").fetchone()[0]
        one_day.execute("DELETE FROM feedback_topics WHERE feedback_id IN (SELECT id FROM feedback "
                        "WHERE created_at >= '2026-11-23' AND id != ?)", [keep])
        one_day.execute("DELETE FROM feedback WHERE created_at >= '2026-11-23' AND id != ?", [keep])
    set_language("en")
    line = headline(build_brief(one_day, WEEK))
    assert line.startswith("1 review (same days last week ") and "1 reviews" not in line
    assert brief_lines(build_brief(one_day))[1].startswith("The newest week, 2026-W48, has only 1 day of data")
