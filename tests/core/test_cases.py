"""Customer cases: which reviews open a case, backfill window, duplicates, undo, overdue, drafts, figures, notify."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from cxdesk.core import case_notify, cases, storage
from cxdesk.core.analysis import analyze
from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.core.importers import import_file, sniff_file, undo_import
from test_import_fixtures import write_csv

HEADER = ["评论ID", "用户昵称", "评分", "评论内容", "评价时间", "渠道"]
NOW = datetime.now().replace(microsecond=0)


def ago(**kw) -> str:
    return (NOW - timedelta(**kw)).strftime("%Y-%m-%d %H:%M")


def rows_recent():
    return [
        ["R1", "小王", "1", "上菜太慢了，等了一个小时，味道也一般", ago(hours=30), "美团"],
        ["R2", "李女士", "2", "分量太少，价格偏贵", ago(hours=2), "大众点评"],
        ["R3", "阿花", "5", "味道很好，服务热情，下次还来", ago(hours=3), "美团"],
        ["R4", "张三", "4", "还不错", ago(hours=5), "美团"],
        ["R5", "老赵", "3", "服务员态度很差，上菜慢", ago(hours=6), "美团"],
        ["R6", "小李", "1", "吃完拉肚子，食物中毒了，要投诉退款", ago(hours=1), "大众点评"],
    ]


def do_import(db, path):
    result = import_file(db, sniff_file(path))
    analyze(db)
    return result


def by_feedback_text(db):
    return {c.text: c for c in cases.list_cases(db)}


def test_low_ratings_open_cases_and_others_do_not(db, tmp_path):
    do_import(db, write_csv(tmp_path / "a.csv", header=HEADER, rows=rows_recent()))
    found = by_feedback_text(db)
    assert sorted(c.rating for c in found.values()) == [1, 1, 2]
    assert all(c.status == "open" for c in found.values())
    # Queue: the overdue one (30 h old, target 24 h) first, then severity: urgent words, 1★, 2★.
    queue = cases.list_cases(db)
    assert [c.text[:4] for c in queue] == ["上菜太慢", "吃完拉肚", "分量太少"]
    assert queue[0].overdue and not queue[1].overdue
    assert queue[1].urgent and queue[1].severity > queue[2].severity
    stats = cases.case_stats(db)
    assert (stats.open, stats.overdue, stats.total) == (3, 1, 3)


def test_three_star_with_complaint_only_when_set(db, tmp_path):
    cases.set_settings(db, three_star=True)
    do_import(db, write_csv(tmp_path / "a.csv", header=HEADER, rows=rows_recent()))
    texts = sorted(by_feedback_text(db))
    assert "服务员态度很差，上菜慢" in texts and len(texts) == 4


def test_unrated_negative_review_opens_a_case(db, tmp_path):
    header = ["用户昵称", "评论内容", "评价时间"]
    rows = [["小王", "太难吃了，服务也很差，再也不来了", ago(hours=3)], ["小李", "很好吃，推荐", ago(hours=3)]]
    do_import(db, write_csv(tmp_path / "u.csv", header=header, rows=rows))
    found = cases.list_cases(db)
    assert [c.text for c in found] == ["太难吃了，服务也很差，再也不来了"] and found[0].rating is None


def test_backfill_window(db, tmp_path):
    rows = [["B1", "甲", "1", "上菜慢", ago(days=29), "美团"], ["B2", "乙", "1", "太咸了", ago(days=31), "美团"],
            ["B3", "丙", "2", "分量少", ago(days=400), "美团"]]
    do_import(db, write_csv(tmp_path / "old.csv", header=HEADER, rows=rows))
    assert [c.text for c in cases.list_cases(db)] == ["上菜慢"]
    storage_db = db
    cases.set_settings(storage_db, backfill_days=7)
    rows2 = [["B4", "丁", "1", "服务差", ago(days=8), "美团"], ["B5", "戊", "1", "环境脏", ago(days=6), "美团"]]
    do_import(db, write_csv(tmp_path / "old2.csv", header=HEADER, rows=rows2))
    assert sorted(c.text for c in cases.list_cases(db)) == ["上菜慢", "环境脏"]


def test_duplicates_and_updated_reviews_open_no_second_case(db, tmp_path):
    path = write_csv(tmp_path / "a.csv", header=HEADER, rows=rows_recent())
    do_import(db, path)
    again = write_csv(tmp_path / "b.csv", header=HEADER,
                      rows=[r if r[0] != "R1" else [*r[:3], "上菜太慢了，等了一个半小时", *r[4:]] for r in rows_recent()])
    result = do_import(db, again)
    assert result.updated == 1
    assert cases.case_stats(db).total == 3
    cases.open_cases(db)
    assert db.execute("SELECT count(*) FROM cases").fetchone()[0] == 3


def test_undo_import_removes_its_cases(db, tmp_path):
    first = do_import(db, write_csv(tmp_path / "a.csv", header=HEADER, rows=rows_recent()))
    second = do_import(db, write_csv(tmp_path / "b.csv", header=HEADER,
                                     rows=[["N1", "钱七", "1", "菜是凉的", ago(hours=1), "美团"]]))
    assert cases.case_stats(db).total == 4
    undo_import(db, second.source_id)
    assert cases.case_stats(db).total == 3
    undo_import(db, first.source_id)
    assert cases.case_stats(db).total == 0
    # A later import (feedback ids may be reused after an undo) still opens its cases.
    do_import(db, write_csv(tmp_path / "c.csv", header=HEADER, rows=rows_recent()[:2]))
    assert cases.case_stats(db).total == 2


def test_due_time_and_overdue_follow_the_target(db, tmp_path):
    cases.set_settings(db, reply_target_hours=2)
    do_import(db, write_csv(tmp_path / "a.csv", header=HEADER, rows=rows_recent()))
    queue = cases.list_cases(db)
    for c in queue:
        assert c.due_at == (datetime.fromisoformat(c.created_at) + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    assert [c.overdue for c in queue] == [True, True, False]   # 30 h and 2 h old are overdue; 1 h old is not yet
    assert len(cases.list_cases(db, overdue=True)) == 2
    replied = cases.update_case(db, queue[0].id, status="replied")
    assert not replied.case.overdue
    assert cases.case_stats(db).overdue == 1


def test_status_changes_have_history_and_figures(db, tmp_path):
    do_import(db, write_csv(tmp_path / "a.csv", header=HEADER, rows=rows_recent()))
    queue = cases.list_cases(db)
    later = NOW + timedelta(hours=1)
    detail = cases.update_case(db, queue[0].id, status="已回复", note="电话沟通过", reply="抱歉，已改进", owner="小王",
                               now=later)
    assert detail.case.status == "replied" and detail.case.reply == "抱歉，已改进" and detail.case.owner == "小王"
    fields = [(h.field, h.old_value, h.new_value) for h in detail.history]
    assert fields[0] == ("status", None, "open")
    assert ("status", "open", "replied") in fields and ("note", "", "电话沟通过") in fields
    cases.update_case(db, queue[1].id, status="ignored")
    cases.update_case(db, queue[2].id, status="resolved", now=later)
    stats = cases.case_stats(db)
    assert (stats.open, stats.replied, stats.resolved, stats.ignored) == (0, 1, 1, 1)
    assert stats.response_rate == 1.0 and stats.resolved_share == 0.5
    hours_r1 = (later - datetime.fromisoformat(queue[0].created_at)).total_seconds() / 3600
    hours_r2 = (later - datetime.fromisoformat(queue[2].created_at)).total_seconds() / 3600
    assert stats.median_reply_hours == round((hours_r1 + hours_r2) / 2, 1)
    assert sum(w.cases for w in stats.weeks) == 3
    with pytest.raises(InvalidValueError):
        cases.update_case(db, queue[0].id, status="done")
    with pytest.raises(NotFoundError):
        cases.get_case(db, 9999)


@pytest.mark.parametrize("batch", [2, 5_000])
def test_drafts_never_empty_and_fill_name_and_words(db, tmp_path, monkeypatch, batch):
    monkeypatch.setattr(cases, "DRAFT_BATCH", batch)   # new cases are drafted a batch at a time
    rows = rows_recent() + [["E1", "Tom", "1", "The food was cold and the waiter was rude", ago(hours=1), "Google"],
                            ["E2", "", "1", "", ago(hours=1), "美团"],
                            ["E3", "匿名", "2", "！！！", ago(hours=1), "美团"]]
    do_import(db, write_csv(tmp_path / "a.csv", header=HEADER, rows=rows))
    drafts = {c.text: cases.get_case(db, c.id).case.draft for c in cases.list_cases(db)}
    assert all(d.strip() for d in drafts.values())
    stored = dict(db.execute("SELECT f.text, c.draft FROM cases c JOIN feedback f ON f.id = c.feedback_id").fetchall())
    assert stored == drafts                                     # stored on the case when it opened
    assert len(stored) > 2 * batch or batch > 2                 # several batches when they are small
    slow = drafts["上菜太慢了，等了一个小时，味道也一般"]
    assert slow.startswith("小王您好") and "“上菜太慢了”" in slow and "出餐" in slow
    assert drafts["The food was cold and the waiter was rude"].startswith("Dear Tom")
    assert "" not in drafts                                          # a row without text is not imported
    assert drafts["！！！"].startswith("亲爱的顾客您好")             # a placeholder author gets no name
    # The pure function: no topics, no text, any language, still a reply.
    for text in ("", "   ", "差", "bad"):
        assert cases.make_draft(text, None, ()).strip()


def test_owner_edits_a_reply_template(db, tmp_path):
    cases.set_reply_template(db, "上菜速度", "zh", "关于{words}，我们加了一位厨师。")
    do_import(db, write_csv(tmp_path / "a.csv", header=HEADER, rows=rows_recent()[:1]))
    draft = cases.get_case(db, cases.list_cases(db)[0].id).case.draft
    assert "关于上菜太慢了，我们加了一位厨师。" in draft


def test_notify_lists_only_before_window_complainers(db, tmp_path):
    from cxdesk.core.actions import create_action
    from cxdesk.core.board import move_action

    live = (NOW - timedelta(days=10)).date()
    rows = [
        ["N1", "前客", "2", "上菜太慢了", (datetime.combine(live, datetime.min.time()) - timedelta(days=3)).strftime("%Y-%m-%d %H:%M"), "美团"],
        ["N2", "早客", "1", "上菜慢得离谱", (datetime.combine(live, datetime.min.time()) - timedelta(days=40)).strftime("%Y-%m-%d %H:%M"), "美团"],
        ["N3", "后客", "1", "上菜还是慢", (datetime.combine(live, datetime.min.time()) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M"), "美团"],
        ["N4", "夸客", "5", "上菜很快，好评", (datetime.combine(live, datetime.min.time()) - timedelta(days=2)).strftime("%Y-%m-%d %H:%M"), "美团"],
        ["N5", "价客", "1", "价格太贵", (datetime.combine(live, datetime.min.time()) - timedelta(days=2)).strftime("%Y-%m-%d %H:%M"), "美团"],
        ["N6", "前客", "2", "等太久了，上菜慢", (datetime.combine(live, datetime.min.time()) - timedelta(days=9)).strftime("%Y-%m-%d %H:%M"), "美团"],
        ["N7", "前客", "1", "上菜太慢", (datetime.combine(live, datetime.min.time()) - timedelta(days=5)).strftime("%Y-%m-%d %H:%M"), "饿了么"],
    ]
    do_import(db, write_csv(tmp_path / "n.csv", header=HEADER, rows=rows))
    aid = create_action(db, title="加了一位厨师，上菜更快", topics=["上菜速度"])
    with pytest.raises(InvalidValueError):
        case_notify.notify_list(db, aid)
    # A go-live date alone, still planned (or in the future), is not a fix to tell anyone about.
    planned = create_action(db, title="以后再说", topics=["上菜速度"], live_date=live, status="todo")
    with pytest.raises(InvalidValueError):
        case_notify.notify_list(db, planned)
    move_action(db, aid, "live", date=live)
    found = case_notify.notify_list(db, aid)
    # 前客 complained twice on 美团 (told once, about the latest) and once on 饿了么.
    assert [(n.author, n.channel, n.text) for n in found] == [("前客", "饿了么", "上菜太慢"), ("前客", "美团", "上菜太慢了")]
    found = [n for n in found if n.channel == "美团"]
    assert found[0].message.startswith("前客您好，您之前提到的“上菜太慢了”，我们已经加了一位厨师")
    assert case_notify.mark_notified(db, aid, [found[0].feedback_id]) == 1
    assert case_notify.mark_notified(db, aid, [found[0].feedback_id]) == 0
    assert [n.notified_at is not None for n in case_notify.notify_list(db, aid)] == [False, True]
    assert case_notify.notified_count(db, aid) == 1


def test_excel_sheet_has_the_figures_and_keeps_customer_text_as_text(db, tmp_path):
    from openpyxl import load_workbook

    from cxdesk.core.reports import excel

    rows = rows_recent() + [["X1", "=cmd|' /C calc'!A0", "1", '=HYPERLINK("http://evil","点我")上菜慢', ago(hours=1), "@美团"]]
    do_import(db, write_csv(tmp_path / "a.csv", header=HEADER, rows=rows))
    result = excel.build_summary(db, tmp_path / "汇总.xlsx", sections=["cases"])
    assert result.sheets == ("客户跟进",)
    ws = load_workbook(result.path)["客户跟进"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    figures = {r[0]: r[1] for r in values[:12] if r[0]}
    assert figures["待处理"] == 4 and figures["已超时"] == 1
    texts = [r[6] for r in values if r[6]]
    assert '=HYPERLINK("http://evil","点我")上菜慢' in texts
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)     # text, never a formula
    authors = [r[4] for r in values if r[4]]
    assert "=cmd|' /C calc'!A0" in authors


def test_platform_replies_mark_cases_replied_and_a_later_export_updates_them(db, tmp_path):
    header = ["评价ID", "用户", "评分", "内容", "评价时间", "渠道", "回复状态", "商家回复", "回复时间"]
    rows = [["P1", "小王", "1", "上菜太慢了", ago(hours=30), "美团", "已回复", "抱歉，已加厨师", ago(hours=20)],
            ["P2", "李女士", "2", "分量太少", ago(hours=10), "美团", "未回复", "", ""]]
    plan = sniff_file(write_csv(tmp_path / "a.csv", header=header, rows=rows))
    assert {k: plan.columns[v] for k, v in plan.roles.items() if k.startswith("reply")} == {
        "reply_status": "回复状态", "reply_text": "商家回复", "reply_time": "回复时间"}
    import_file(db, plan)
    analyze(db)
    found = {c.author: c for c in cases.list_cases(db)}
    assert found["小王"].status == "replied" and found["李女士"].status == "open"
    detail = cases.get_case(db, found["小王"].id)
    assert detail.case.reply == "抱歉，已加厨师" and detail.case.first_reply_at == ago(hours=20) + ":00"
    stats = cases.case_stats(db)
    assert stats.response_rate == 0.5 and stats.median_reply_hours == 10.0
    # A later export: the same reviews, now 李女士 answered too; nothing else changes.
    rows[1][6:] = ["已回复", "抱歉，下次多给", ago(hours=1)]
    again = import_file(db, sniff_file(write_csv(tmp_path / "b.csv", header=header, rows=rows)))
    assert again.imported == 0   # how the reply-only rows are counted: tests/core/test_reimport_replies.py
    analyze(db)
    assert cases.get_case(db, found["李女士"].id).case.status == "replied"
    assert cases.case_stats(db).total == 2


def test_a_platform_reply_imported_after_a_case_was_set_by_hand_is_its_first_reply(db, tmp_path):
    header = ["评价ID", "用户", "评分", "内容", "评价时间", "渠道", "回复状态", "商家回复", "回复时间"]
    rows = [["H1", "张先生", "1", "菜凉了", ago(hours=30), "美团", "未回复", "", ""]]
    import_file(db, sniff_file(write_csv(tmp_path / "a.csv", header=header, rows=rows)))
    analyze(db)
    (case,) = cases.list_cases(db)
    cases.update_case(db, case.id, status="contacted")
    rows[0][6:] = ["已回复", "抱歉，已换保温袋", ago(hours=25)]
    import_file(db, sniff_file(write_csv(tmp_path / "b.csv", header=header, rows=rows)))
    analyze(db)
    detail = cases.get_case(db, case.id).case
    assert detail.status == "contacted"                          # the owner's status stands
    assert detail.reply == "抱歉，已换保温袋" and detail.first_reply_at == ago(hours=25) + ":00"
    assert cases.case_stats(db).median_reply_hours == 5.0


def test_low_ratings_open_cases_before_analysis_and_unrated_ones_wait(db, tmp_path):
    rows = [["W1", "甲", "1", "上菜太慢了", ago(hours=3), "美团"], ["W2", "乙", "", "太难吃了，服务也很差", ago(hours=3), "美团"]]
    import_file(db, sniff_file(write_csv(tmp_path / "w.csv", header=HEADER, rows=rows)))
    cases.open_cases(db)
    assert [c.author for c in cases.list_cases(db)] == ["甲"]
    assert cases.get_case(db, cases.list_cases(db)[0].id).case.draft.startswith("甲您好")
    analyze(db)
    assert sorted(c.author for c in cases.list_cases(db)) == ["乙", "甲"]
    assert cases.case_stats(db).total == 2


def test_the_draft_quotes_the_clause_that_complains_not_the_first_that_names_the_topic():
    found = cases.complaint_words("点了外卖，口味变了，外卖送得太慢了，包装很严实。",
                                  {"外卖配送": ("外卖", "送餐"), "味道": ("口味", "好吃")}, ("外卖配送", "味道"))
    assert found == {"外卖配送": "外卖送得太慢了", "味道": "口味变了"}
    draft = cases.make_draft("点了外卖，口味变了，外卖送得太慢了，包装很严实。", "老陈", ("外卖配送",),
                             synonyms={"外卖配送": ("外卖",)})
    assert "外卖送得太慢了" in draft and "“点了外卖”" not in draft
