"""Actions on the board: create, edit, move, undo, delete and restore, all recorded in the history."""

from __future__ import annotations

from datetime import date

import pytest

from cxdesk.core import action_proposal, actions, board
from cxdesk.core.errors import InvalidValueError, NotFoundError


@pytest.fixture
def shop(db):
    now = "2024-05-01 10:00:00"
    for name in ("物流", "包装", "口味"):
        db.execute("INSERT INTO topics(name, created_at, updated_at) VALUES (?, ?, ?)", [name, now, now])
    src = db.execute("INSERT INTO sources(file_name, sha256, imported_at) VALUES ('a.xlsx', 'x', ?)", [now]).lastrowid
    for i in range(1, 4):
        db.execute("INSERT INTO feedback(id, source_id, text, created_at, dedup_key) VALUES (?, ?, ?, ?, ?)",
                   [i, src, f"快递慢 {i}", now, f"k{i}"])
    return db


def test_create_and_read_back(shop):
    aid = actions.create_action(shop, "  换快递公司 ", topics=["物流", "包装"], owner="小王", description="试用顺丰",
                                keywords="慢，破损", channels=["美团"], feedback_ids=[3, 1])
    a = actions.get_action(shop, aid)
    assert a.title == "换快递公司"
    assert a.topics == ("包装", "物流")
    assert a.keywords == ("慢", "破损")
    assert a.channels == ("美团",)
    assert a.feedback_ids == (1, 3)
    assert a.status == "todo" and a.live_date is None
    assert a.status_name == "待办"
    assert [h.field for h in actions.action_history(shop, aid)] == ["created"]


def test_create_with_past_live_date_starts_live(shop):
    aid = actions.create_action(shop, "打包加厚", topics=["包装"], live_date="2024/3/5")
    a = actions.get_action(shop, aid)
    assert a.status == "live" and a.live_date == date(2024, 3, 5)


def test_bad_input_names_the_problem(shop):
    with pytest.raises(InvalidValueError):
        actions.create_action(shop, "   ", topics=["物流"])
    with pytest.raises(NotFoundError, match="没有"):
        actions.create_action(shop, "x", topics=["没有这个"])
    with pytest.raises(NotFoundError, match="99"):
        actions.create_action(shop, "x", feedback_ids=[99])
    with pytest.raises(InvalidValueError, match="13/13"):
        actions.create_action(shop, "x", live_date="2024/13/13")
    with pytest.raises(NotFoundError):
        actions.get_action(shop, 12345)
    assert shop.execute("SELECT count(*) FROM actions").fetchone()[0] == 0


@pytest.mark.parametrize("text,code", [("live", "live"), ("已上线", "live"), ("Live", "live"), ("待办", "todo"),
                                       ("进行中", "doing"), ("In progress", "doing"), ("已评估", "evaluated"),
                                       ("已放弃", "dropped"), ("DROPPED", "dropped")])
def test_parse_status_accepts_chinese_and_english(text, code):
    assert actions.parse_status(text) == code


def test_parse_status_rejects_unknown():
    with pytest.raises(InvalidValueError, match="foo"):
        actions.parse_status("foo")


def test_move_to_live_sets_today_or_given_date(shop):
    aid = actions.create_action(shop, "a", topics=["物流"])
    board.move_action(shop, aid, "doing")
    board.move_action(shop, aid, "已上线", today=date(2024, 6, 1))
    assert actions.get_action(shop, aid).live_date == date(2024, 6, 1)
    bid = actions.create_action(shop, "b", topics=["物流"])
    board.move_action(shop, bid, "live", date="2024-05-20")
    b = actions.get_action(shop, bid)
    assert b.status == "live" and b.live_date == date(2024, 5, 20)


def test_move_to_evaluated_needs_live_date_and_stores_snapshot(shop):
    aid = actions.create_action(shop, "a", topics=["物流"])
    with pytest.raises(InvalidValueError):
        board.move_action(shop, aid, "evaluated")
    board.move_action(shop, aid, "live", date="2024-04-01")
    board.move_action(shop, aid, "evaluated", today=date(2024, 6, 1))
    rows = shop.execute("SELECT action_id, verdict, window_days FROM evaluations").fetchall()
    assert rows == [(aid, "insufficient_data", 28)]


def test_positions_within_column(shop):
    ids = [actions.create_action(shop, t, topics=["物流"]) for t in "abc"]
    board.move_action(shop, ids[2], "todo", position=0)
    assert [a.title for a in actions.list_actions(shop, status="todo")] == ["c", "a", "b"]
    board.move_action(shop, ids[0], "doing")
    assert [a.title for a in actions.list_actions(shop)] == ["c", "b", "a"]


def test_update_records_one_undoable_step(shop):
    aid = actions.create_action(shop, "旧标题", topics=["物流"], owner="小王")
    assert not actions.update_action(shop, aid, owner="小王").any()   # no change, nothing recorded
    actions.update_action(shop, aid, title="新标题", owner="老李", topics=["口味"])
    a = actions.get_action(shop, aid)
    assert (a.title, a.owner, a.topics) == ("新标题", "老李", ("口味",))
    fields = [h.field for h in actions.action_history(shop, aid)]
    assert fields == ["created", "title", "owner", "topics"]
    assert actions.undo_last_change(shop, aid).actions
    a = actions.get_action(shop, aid)
    assert (a.title, a.owner, a.topics) == ("旧标题", "小王", ("物流",))
    assert all(h.undone_at for h in actions.action_history(shop, aid)[1:])
    assert not actions.undo_last_change(shop, aid).any()       # creation is not undone here


def test_undo_move_restores_status_and_live_date(shop):
    aid = actions.create_action(shop, "a", topics=["物流"])
    board.move_action(shop, aid, "live", date="2024-05-01")
    board.move_action(shop, aid, "live", date="2024-05-03")
    actions.undo_last_change(shop, aid)
    assert actions.get_action(shop, aid).live_date == date(2024, 5, 1)
    actions.undo_last_change(shop, aid)
    a = actions.get_action(shop, aid)
    assert a.status == "todo" and a.live_date is None


def test_delete_and_restore_keep_everything(shop):
    aid = actions.create_action(shop, "a", topics=["物流"], feedback_ids=[2])
    actions.update_action(shop, aid, owner="小王")
    before = actions.get_action(shop, aid)
    history = actions.action_history(shop, aid)
    snap = actions.delete_action(shop, aid)
    assert actions.list_actions(shop) == []
    assert actions.restore_action(shop, snap) == aid
    assert actions.get_action(shop, aid) == before
    assert actions.action_history(shop, aid) == history


def test_filters(shop):
    actions.create_action(shop, "a", topics=["物流"], owner="小王")
    actions.create_action(shop, "b", topics=["口味"], owner="老李")
    assert [a.title for a in actions.list_actions(shop, topic="口味")] == ["b"]
    assert [a.title for a in actions.list_actions(shop, owner="小王")] == ["a"]
    assert actions.list_owners(shop) == ["小王", "老李"]


def test_action_from_alert_marks_the_alert(shop):
    alert = shop.execute(
        "INSERT INTO alerts(kind, key, granularity, period_start, period_end, observed, expected, created_at) "
        "VALUES ('topic', '物流', 'day', '2024-05-01', '2024-05-01', 12, 3.0, '2024-05-02 08:00:00')").lastrowid
    aid = actions.create_action(shop, "物流差评突增", topics=["物流"], alert_id=alert)
    assert shop.execute("SELECT action_id FROM alerts WHERE id = ?", [alert]).fetchone()[0] == aid
    snap = actions.delete_action(shop, aid)
    assert shop.execute("SELECT action_id FROM alerts WHERE id = ?", [alert]).fetchone()[0] is None
    actions.restore_action(shop, snap)
    assert shop.execute("SELECT action_id FROM alerts WHERE id = ?", [alert]).fetchone()[0] == aid


def test_proposal_from_rows_found_by_a_search(shop):
    db = shop
    now = "2024-05-02 10:00:00"
    ids = []
    texts = ["菜太咸了", "太咸了，外卖也慢", "汤太咸，分量少", "太咸，齁得慌"]
    for i, text in enumerate(texts, 10):
        db.execute("INSERT INTO feedback(id, source_id, text, created_at, dedup_key) VALUES (?, 1, ?, ?, ?)",
                   [i, text, now, f"s{i}"])
        ids.append(i)
    tid = dict(db.execute("SELECT name, id FROM topics").fetchall())
    # Three of four rows mention 口味; one each mentions 物流 and 包装.
    for fid, name in ((10, "口味"), (11, "口味"), (11, "物流"), (12, "口味"), (12, "包装")):
        db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, 'negative')", [fid, tid[name]])
    p = action_proposal.propose_action(db, ids, "太咸")
    assert p["topics"] == ("口味",) and p["keywords"] == ("太咸",)
    assert p["title"] == "改进：太咸" and p["feedback_ids"] == tuple(ids)
    assert "菜太咸了" in p["description"]
    # Without a search: only the shared topic; a multi-word search keeps its longer words.
    assert action_proposal.propose_action(db, ids)["keywords"] == ()
    assert action_proposal.propose_action(db, ids, "咸 外卖")["keywords"] == ("外卖",)
    # The proposal is savable as ready for evaluation; without topic and keyword only as an idea.
    aid = actions.create_action(db, p["title"], topics=p["topics"], keywords=p["keywords"], live_date="2024-05-03")
    assert actions.get_action(db, aid).status == "live"
    assert actions.needs_target_warning((), ()) and actions.needs_target_warning((), ("咸",)) is None
    idea = actions.create_action(db, "想法")
    with pytest.raises(InvalidValueError, match="主题或关键词"):
        board.move_action(db, idea, "live")
    with pytest.raises(InvalidValueError, match="主题或关键词"):
        actions.update_action(db, aid, keywords=(), topics=())
