"""The demo shop tells a true story: the numbers the screens show come out of the real pipeline."""

from datetime import date

import pytest

from cxdesk.core import demo


def test_generated_rows_follow_the_story():
    today = date(2026, 6, 15)
    story, by_channel = demo.generate_rows(today, seed=3)
    rows = [r for rs in by_channel.values() for r in rs]
    assert 5000 < len(rows) < 12000
    assert min(r["time"].date() for r in rows) == story.start
    assert max(r["time"].date() for r in rows) <= story.end < today
    assert (today - story.start).days >= 17 * 30
    assert not any(r["channel"].delivery for r in by_channel["大众点评"])
    # Serving-time complaints fall after the first action goes live.
    def speed_share(rs):
        neg = sum("上菜太慢" in r["text"] or "半天不上" in r["text"] or "出餐太慢" in r["text"] or "上菜速度慢" in r["text"] for r in rs)
        return neg / max(1, len(rs))
    dine = by_channel["大众点评"]
    before = [r for r in dine if (story.speed_action_live - r["time"].date()).days in range(1, 90)]
    after = [r for r in dine if (r["time"].date() - story.speed_action_live).days in range(0, 90)]
    assert speed_share(after) < 0.6 * speed_share(before)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from cxdesk.core.storage import open_db

    path = demo.create_demo_db(tmp_path_factory.mktemp("demo") / "demo.db", today=date(2026, 6, 15), seed=5)
    db = open_db(path)
    yield db
    db.close()


def test_demo_database_has_every_part(demo_db):
    db = demo_db
    n = db.execute("SELECT count(*) FROM feedback").fetchone()[0]
    assert n > 5000
    channels = {r[0] for r in db.execute("SELECT DISTINCT channel FROM feedback")}
    assert channels == {"大众点评", "美团外卖", "饿了么", "微信小程序", "抖音"}
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 5
    assert db.execute("SELECT count(*) FROM feedback WHERE rating IS NULL AND channel != '抖音'").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM feedback WHERE analysis_version IS NULL").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM feedback_topics").fetchone()[0] > n


def test_demo_actions_one_worked_one_did_not_one_collecting(demo_db):
    from cxdesk.core.actions import list_actions
    from cxdesk.core.evaluation import evaluate_action

    actions = {a.title: a for a in list_actions(demo_db)}
    assert len(actions) == 4
    speed = next(a for t, a in actions.items() if "传菜" in t)
    boxes = next(a for t, a in actions.items() if "餐盒" in t)
    assert speed.status == "evaluated" and boxes.status == "evaluated"
    assert evaluate_action(demo_db, speed.id, today=date(2026, 6, 15)).verdict == "improved"
    assert evaluate_action(demo_db, boxes.id, today=date(2026, 6, 15)).verdict == "no_significant_change"
    # The third is live for ten days: still collecting, with the day it can be evaluated.
    training = next(a for t, a in actions.items() if "培训" in t)
    early = evaluate_action(demo_db, training.id, today=date(2026, 6, 15))
    assert training.status == "live" and early.verdict == "insufficient_data"
    assert early.reason == "after_window_incomplete" and early.complete_on == date(2026, 7, 3)
    snapshots = demo_db.execute("SELECT verdict FROM evaluations ORDER BY action_id").fetchall()
    assert [v for (v,) in snapshots] == ["improved", "no_significant_change"]
