"""Goals about a topic follow its renames and merges; a deleted topic's goal says so and is never on target."""

from __future__ import annotations

from datetime import timedelta

from brief_data import WEEK, plant
from cxdesk.core.analysis.topics import delete_topic, merge_topics, rename_topic
from cxdesk.core.brief.brief import build_brief
from cxdesk.core.brief.goals import add_goal, goals_progress, list_goals
from cxdesk.core.brief.text import brief_lines

SUNDAY = WEEK + timedelta(days=6)


def test_a_topic_goal_follows_a_rename(db):
    plant(db)
    add_goal(db, "topic_complaints", 10, topic="卫生")
    before = goals_progress(db, SUNDAY)[0]
    rename_topic(db, "卫生", "干净卫生")
    assert [g.topic for g in list_goals(db)] == ["干净卫生"]
    after = goals_progress(db, SUNDAY)[0]
    assert after.value == before.value > 10 and after.met is False and "干净卫生" in after.text


def test_a_topic_goal_follows_a_merge(db):
    plant(db)
    add_goal(db, "topic_complaints", 1000, topic="环境")
    merge_topics(db, ["环境"], "卫生")
    goal = goals_progress(db, SUNDAY)[0]
    assert goal.goal.topic == "卫生" and goal.value == next(
        f.negative_mentions for f in build_brief(db, WEEK).fixes + build_brief(db, WEEK).covered if f.topic == "卫生")


def test_a_deleted_topic_goal_is_never_on_target(db):
    plant(db)
    add_goal(db, "topic_complaints", 10, topic="卫生")
    delete_topic(db, "卫生")
    goal = goals_progress(db, SUNDAY)[0]
    assert goal.met is None and goal.value is None and goal.topic_deleted
    assert goal.to_dict()["met"] is None and goal.to_dict()["topic_deleted"] is True
    assert "主题已删除" in goal.text
    line = next(x for x in brief_lines(build_brief(db, WEEK)) if "卫生" in x and x.startswith("· "))
    assert "主题已删除" in line and "达标" not in line


def test_read_commands_refuse_a_missing_database_and_create_nothing(tmp_path):
    from tests.conftest import run_cli

    missing = tmp_path / "nowhere" / "shop.db"
    for command in (["brief"], ["brief", "--json"], ["goal", "list"], ["stats"]):
        out = run_cli("--db", str(missing), *command)
        assert out.returncode == 1 and "不存在" in out.stderr and "cxdesk import" in out.stderr, command
        assert "Traceback" not in out.stderr
    assert not missing.parent.exists()


def test_goals_left_behind_by_an_earlier_rename_follow_the_topic_on_open(tmp_path):
    from cxdesk.core.storage import open_db

    path = tmp_path / "shop.db"
    db = open_db(path)
    plant(db)
    with db.atomic():   # as a rename did before goals followed it: the old name kept as a word of the topic
        db.execute("UPDATE topics SET name = '干净卫生', synonyms = '[\"卫生\", \"干净\"]' WHERE name = '卫生'")
        db.execute("UPDATE topics SET synonyms = 'not json' WHERE name = '价格'")
        for topic in ("卫生", "没有了"):
            db.execute("INSERT INTO goals(metric, topic, target, period, created_at) VALUES "
                       "('topic_complaints', ?, 10, 'week', '2026-12-01')", [topic])
        db.execute("PRAGMA user_version = 101")
    db.close()
    db = open_db(path)
    assert [g.topic for g in list_goals(db)] == ["干净卫生", "没有了"]
    first, gone = goals_progress(db, SUNDAY)
    assert first.value is not None and first.met is False and gone.topic_deleted and gone.met is None
    db.close()
