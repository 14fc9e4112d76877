"""The 客户跟进 screen: the queue in order, the review with its complaint marked, copy, status keys, badge."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

NOW = datetime.now().replace(microsecond=0)


def ago(**kw) -> str:
    return (NOW - timedelta(**kw)).strftime("%Y-%m-%d %H:%M")


def seed_cases(ctx, tmp_path, first_channel="美团"):
    import csv

    from cxdesk.core.analysis import analyze
    from cxdesk.core.importers import import_file, sniff_file
    from cxdesk.core.storage import open_db

    rows = [["评价ID", "用户", "评分", "内容", "评价时间", "渠道"],
            ["R1", "小王", "1", "上菜太慢了，等了一个小时，味道也一般", ago(hours=30), first_channel],
            ["R2", "李女士", "2", "分量太少，价格偏贵", ago(hours=2), "大众点评"],
            ["R3", "阿花", "5", "味道很好，服务热情", ago(hours=3), "美团"],
            ["R6", "小李", "1", "吃完拉肚子，食物中毒了，要投诉退款", ago(hours=1), "大众点评"]]
    path = tmp_path / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    db = open_db(ctx.db_path)
    import_file(db, sniff_file(path))
    analyze(db)
    db.close()




def shown_queue(qtbot, ctx, tmp_path):
    """The 客户跟进 screen at 1366×768 over the seeded cases, once its three open cases are listed."""
    from cxdesk.ui.cases_screen import CasesScreen

    seed_cases(ctx, tmp_path)
    screen = CasesScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 3, timeout=10000)
    return screen


def test_queue_detail_copy_and_status_keys(qtbot, ctx, tmp_path):
    from cxdesk.core import cases
    from cxdesk.ui.cases_screen import RAW_ROLE

    screen = shown_queue(qtbot, ctx, tmp_path)
    order = [screen.model.index(r, 0).data(RAW_ROLE).author for r in range(3)]
    assert order == ["小王", "小李", "李女士"]          # overdue first, then the urgent 1★, then 2★
    assert screen.model.index(0, 1).data().startswith("⚠")
    qtbot.waitUntil(lambda: screen.current is not None and screen.current.case.author == "小王")
    assert "上菜太慢了" in screen.review.toHtml() and "font-weight:600" in screen.review.toHtml()
    assert screen.draft.toPlainText().startswith("小王您好")
    assert "open" not in screen.summary_label.text() and "3" in screen.summary_label.text()

    screen.draft.setPlainText("小王您好，已经加了厨师，抱歉。")
    qtbot.mouseClick(screen.copy_button, Qt.LeftButton)
    assert QGuiApplication.clipboard().text() == "小王您好，已经加了厨师，抱歉。"

    first = screen.current.case.id
    screen.note.setText("电话回访")
    qtbot.keyClick(screen, Qt.Key_1, Qt.ControlModifier)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=10000)
    detail = cases.get_case(ctx.read_db(), first)
    assert detail.case.status == "replied" and detail.case.reply == "小王您好，已经加了厨师，抱歉。"
    assert detail.case.note == "电话回访" and detail.case.first_reply_at is not None
    qtbot.waitUntil(lambda: screen.current is not None and screen.current.case.author == "小李")

    # Filters: all statuses shows the replied case too; a channel narrows the list.
    screen.status_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 3, timeout=10000)
    screen.channel_filter.setCurrentIndex(screen.channel_filter.findData("大众点评"))
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=10000)
    screen.grab().save(str(tmp_path / "cases.png"))
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=15000)


def test_english_columns_leave_the_customer_room_and_filters_show_their_whole_label(qtbot, ctx, tmp_path):
    from cxdesk.i18n import set_language

    set_language("en")
    screen = shown_queue(qtbot, ctx, tmp_path)
    header, metrics = screen.table.horizontalHeader(), screen.table.fontMetrics()
    assert header.sectionSize(2) < metrics.horizontalAdvance("recommend 10/10")     # stars or 10/10, not the words
    assert header.sectionSize(2) >= metrics.horizontalAdvance("★★★★★")
    assert header.sectionSize(4) >= metrics.horizontalAdvance("风一样的女子")
    assert screen.model.index(0, 2).data() == "★" and screen.model.index(0, 2).data(Qt.ToolTipRole) == "★"
    import re

    assert re.fullmatch(r"⚠ \d{1,2} [A-Z][a-z]{2} \d\d:\d\d", screen.model.index(0, 1).data())   # ⚠ 4 Dec 09:30
    for combo in (screen.topic_filter, screen.channel_filter):
        assert combo.width() >= combo.fontMetrics().horizontalAdvance(combo.currentText()) + 20, combo.currentText()
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=15000)


def test_navigation_badge_counts_open_cases(qtbot, ctx, tmp_path):
    from cxdesk.ui.main_window import MainWindow

    seed_cases(ctx, tmp_path)
    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    row = win.screen_keys().index("cases")
    qtbot.waitUntil(lambda: win.nav.item(row).text() == "客户跟进  (3)", timeout=10000)
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=15000)


def test_notify_dialog_lists_copies_and_marks(qtbot, ctx, tmp_path):
    from cxdesk.core import case_notify
    from cxdesk.core.actions import create_action
    from cxdesk.core.storage import open_db
    from cxdesk.ui.notify_dialog import NotifyDialog

    seed_cases(ctx, tmp_path)
    db = open_db(ctx.db_path)
    aid = create_action(db, "加了一位厨师", topics=["上菜速度"], live_date=NOW.date())
    db.close()
    dialog = NotifyDialog(ctx, aid, "加了一位厨师")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    assert dialog.table.item(0, 1).text() == "小王"
    assert dialog.message.toPlainText().startswith("小王您好，您之前提到的“上菜太慢了”")
    qtbot.mouseClick(dialog.copy_button, Qt.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.message.toPlainText()
    qtbot.mouseClick(dialog.mark_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1 and dialog.table.item(0, 4).text() != "", timeout=10000)
    assert case_notify.notified_count(ctx.read_db(), aid) == 1
    dialog.grab().save(str(tmp_path / "notify.png"))
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=15000)


def test_notify_dialog_keeps_the_review_in_view_beside_a_long_shop_name(qtbot, ctx, tmp_path):
    from cxdesk.core.actions import create_action
    from cxdesk.core.storage import open_db
    from cxdesk.ui.notify_dialog import NotifyDialog

    shop = "小美服飾官方旗艦店（台北信義誠品分店暨線上商城全通路客服中心）" * 2
    seed_cases(ctx, tmp_path, first_channel=shop)
    db = open_db(ctx.db_path)
    aid = create_action(db, "加了一位厨师", topics=["上菜速度"], live_date=NOW.date())
    db.close()
    dialog = NotifyDialog(ctx, aid, "加了一位厨师")
    qtbot.addWidget(dialog)
    dialog.resize(980, 600)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    table = dialog.table
    assert table.item(0, 0).text() == shop and table.item(0, 0).toolTip() == shop
    assert table.columnViewportPosition(3) + 100 < table.viewport().width()     # the review still shows
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=15000)


def test_overview_shows_the_case_figures(qtbot, ctx, tmp_path):
    from cxdesk.ui.trends_screen import TrendsScreen

    seed_cases(ctx, tmp_path)
    screen = TrendsScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    screen.reload()
    qtbot.waitUntil(lambda: screen.cases_label.text() != "", timeout=15000)
    assert screen.cases_label.text().startswith("客户跟进：待处理 3 条，已超时 1 条 · 回复率 0% ·")
    screen.grab().save(str(tmp_path / "overview.png"))
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=15000)
