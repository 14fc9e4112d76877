"""The topic screen: the dictionary editor calls the topic functions, shows keywords and examples, and
re-analyses the feedback in the background after an edit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cxdesk.core.storage import open_db

NOW = "2024-04-01 00:00:00"
TEXTS = [("送餐太慢了，等了一个小时", "negative", "配送"), ("配送很快，小哥态度好", "positive", "配送"),
         ("味道不错，酸菜鱼很好吃", "positive", "味道"), ("太咸了，味道一般", "negative", "味道"),
         ("价格有点贵", "negative", "价格")]


def fill(path):
    db = open_db(path)
    with db.atomic():
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a.xlsx', 'a', ?)", [NOW])
        for i, (name, syn) in enumerate((("配送", '["送餐", "外卖"]'), ("味道", '["口味", "咸"]'),
                                         ("价格", '["贵", "便宜"]')), 1):
            db.execute("INSERT INTO topics(id, name, synonyms, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                       [i, name, syn, NOW, NOW])
        ids = {"配送": 1, "味道": 2, "价格": 3}
        for n, (text, label, topic) in enumerate(TEXTS * 3):
            cur = db.execute("INSERT INTO feedback(source_id, text, created_at, label, model_label, dedup_key) "
                             "VALUES (1, ?, ?, ?, ?, ?)", [text, f"2024-03-{n % 28 + 1:02d} 12:00:00", label, label, f"k{n}"])
            db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, ?)",
                       [cur.lastrowid, ids[topic], label])
    db.close()


pytestmark = pytest.mark.usefixtures("settle_tasks")


@pytest.fixture
def screen(ctx, qtbot):
    fill(ctx.db_path)
    from cxdesk.ui.topics_screen import TopicsScreen

    w = TopicsScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1100, 700)
    with qtbot.waitSignal(w.refreshed, timeout=20000):
        w.show()
    return w


def names_in_table(w):
    return sorted(w.table.item(r, 0).text() for r in range(w.table.rowCount()))


def wait_edit_and_reload(qtbot, w, start, until=None):
    """Run an edit, wait for it, then for the list to show `until()` (reloads may overlap)."""
    with qtbot.waitSignal(w.edit_finished, timeout=20000):
        task = start()
    assert task is not None and task.error is None, task.error if task else None
    if until is not None:
        qtbot.waitUntil(until, timeout=20000)
    return task


def wait_analysis(qtbot, w):
    qtbot.waitUntil(lambda: w.analysis_task is None and not w._analysis_pending, timeout=120000)


def test_list_counts_and_details(ctx, qtbot, screen):
    assert names_in_table(screen) == ["价格", "味道", "配送"]
    row = next(r for r in range(screen.table.rowCount()) if screen.table.item(r, 0).text() == "配送")
    assert screen.table.item(row, 1).data(Qt.DisplayRole) == 6
    assert screen.table.item(row, 2).data(Qt.DisplayRole) == 3
    with qtbot.waitSignal(screen.details_shown, timeout=60000) as sig:
        screen.select_topics(["味道"])
    assert sig.args == ["味道"]
    assert screen.synonyms_edit.toPlainText() == "口味、咸"
    texts = [screen.examples.item(i).text() for i in range(screen.examples.count())]
    assert len(texts) == 6 and all("味道" in t or "咸" in t for t in texts)
    with qtbot.waitSignal(ctx.open_feedback_requested, timeout=2000) as opened:
        qtbot.mouseClick(screen.open_button, Qt.LeftButton)
    assert opened.args[0].topics == ("味道",)


def test_add_rename_merge_delete_and_words(ctx, qtbot, screen, monkeypatch):
    from cxdesk.ui.widgets import dialogs

    monkeypatch.setattr(dialogs, "ask_text", lambda *a, **k: ("环境", True))
    wait_edit_and_reload(qtbot, screen, lambda: (screen._ask_add(), screen.last_task)[1],
                         lambda: "环境" in names_in_table(screen))
    assert screen.selected_names() == ["环境"]
    wait_analysis(qtbot, screen)

    wait_edit_and_reload(qtbot, screen, lambda: screen.rename_selected("用餐环境"),
                         lambda: "用餐环境" in names_in_table(screen))
    assert "用餐环境" in names_in_table(screen) and "环境" not in names_in_table(screen)
    assert "环境" in screen.topics["用餐环境"].synonyms
    wait_analysis(qtbot, screen)

    screen.select_topics(["价格", "用餐环境"])
    monkeypatch.setattr(dialogs, "ask_item", lambda *a, **k: ("价格", True))
    wait_edit_and_reload(qtbot, screen, lambda: (screen._ask_merge(), screen.last_task)[1],
                         lambda: names_in_table(screen) == ["价格", "味道", "配送"])
    assert names_in_table(screen) == ["价格", "味道", "配送"]
    assert {"用餐环境", "环境", "贵"} <= set(screen.topics["价格"].synonyms)
    wait_analysis(qtbot, screen)

    screen.select_topics(["价格"])
    screen.synonyms_edit.setPlainText("贵, 便宜 ，性价比\n划算")
    wait_edit_and_reload(qtbot, screen, screen.save_synonyms,
                         lambda: screen.topics["价格"].synonyms == ("贵", "便宜", "性价比", "划算"))
    assert screen.topics["价格"].synonyms == ("贵", "便宜", "性价比", "划算")
    wait_analysis(qtbot, screen)

    monkeypatch.setattr(dialogs, "ask_yes_no", lambda *a, **k: True)
    screen.select_topics(["价格"])
    wait_edit_and_reload(qtbot, screen, lambda: (screen._ask_delete(), screen.last_task)[1],
                         lambda: names_in_table(screen) == ["味道", "配送"])
    assert names_in_table(screen) == ["味道", "配送"]
    wait_analysis(qtbot, screen)

    screen.word_edit.setText("酸菜鱼")
    wait_edit_and_reload(qtbot, screen, screen.add_word_from_edit, lambda: screen.user_words.count() == 1)
    assert [screen.user_words.item(i).text() for i in range(screen.user_words.count())] == ["酸菜鱼"]
    wait_analysis(qtbot, screen)
    screen.user_words.item(0).setSelected(True)
    wait_edit_and_reload(qtbot, screen, screen.remove_selected_words, lambda: screen.user_words.count() == 0)
    assert screen.user_words.count() == 0
    wait_analysis(qtbot, screen)


def test_duplicate_name_shows_a_message_not_a_crash(ctx, qtbot, screen):
    task = screen.add_topic("味道")
    with qtbot.waitSignal(task.signals.ended, timeout=20000):
        pass
    assert task.error and "味道" in task.error
    assert screen.message_bar.kind == "error" and "味道" in screen.message_bar.text()


def test_edit_triggers_background_reanalysis(ctx, qtbot, screen):
    screen.select_topics(["配送"])
    screen.synonyms_edit.setPlainText("送餐、外卖、小哥")
    wait_edit_and_reload(qtbot, screen, screen.save_synonyms)
    assert screen.analysis_task is not None
    wait_analysis(qtbot, screen)
    assert screen.analysis_label.text() == "所有反馈都已按当前关键词分析完毕。", screen.message_bar.text()
    db = ctx.read_db()
    n = db.execute("SELECT count(*) FROM feedback WHERE analysis_version IS NOT NULL").fetchone()[0]
    assert n == len(TEXTS) * 3


def test_new_topic_dialog_shows_its_whole_title(ctx, qtbot, screen):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog

    from cxdesk.ui.widgets.dialogs import title_width

    seen = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        seen["title"], seen["width"] = dialog.windowTitle(), dialog.width()
        seen["need"] = title_width(dialog.windowTitle(), dialog)
        dialog.setTextValue("环境")
        dialog.accept()

    QTimer.singleShot(200, answer)
    with qtbot.waitSignal(screen.edit_finished, timeout=20000):
        screen._ask_add()
    assert seen["title"] == "新建主题"
    assert seen["width"] >= seen["need"] > 200
    qtbot.waitUntil(lambda: "环境" in names_in_table(screen), timeout=20000)


def test_counts_follow_the_chosen_period(ctx, qtbot, screen):
    def mentions(name):
        row = next(r for r in range(screen.table.rowCount()) if screen.table.item(r, 0).text() == name)
        return screen.table.item(row, 1).data(Qt.DisplayRole)

    # The data end on 2024-03-15: “last 7 days” counts back from there, not from today.
    with qtbot.waitSignal(screen.refreshed, timeout=20000):
        screen.date_picker.set_preset("7d")
    assert (screen.period.date_from.isoformat(), screen.period.date_to.isoformat()) == ("2024-03-09", "2024-03-15")
    db = open_db(ctx.db_path)
    try:
        expected = db.execute("SELECT count(*) FROM feedback_topics ft JOIN feedback f ON f.id = ft.feedback_id "
                              "WHERE ft.topic_id = 1 AND f.created_at >= '2024-03-09' "
                              "AND f.created_at < '2024-03-16'").fetchone()[0]
    finally:
        db.close()
    assert 0 < mentions("配送") == expected < 6
    assert screen.period_label.full_text() == "2024-03-09 – 2024-03-15"
    with qtbot.waitSignal(screen.refreshed, timeout=20000):
        screen.date_picker.set_preset("all")
    assert mentions("配送") == 6 and screen.period_label.full_text() == "全部反馈"


def test_period_for_follows_the_data():
    from datetime import date

    from cxdesk.ui.topics_screen import period_for

    today = date(2026, 12, 5)
    assert period_for("90d", (None, None), date(2024, 3, 28), today) == (date(2023, 12, 30), date(2024, 3, 28),
                                                                          date(2024, 3, 28))
    assert period_for("30d", (None, None), today, today) == (date(2026, 11, 6), today, None)
    assert period_for("all", (None, None), date(2024, 3, 28), today)[:2] == (None, None)


def test_kind_of_business_switches_the_template_topics(ctx, qtbot, screen):
    from cxdesk.core.shop import shop_profile

    combo = screen.business_combo
    assert combo.currentData() == "餐饮"             # the answer the context's owner gave
    index = combo.findData("电商/零售")
    combo.setCurrentIndex(index)
    with qtbot.waitSignal(screen.edit_finished, timeout=20000):
        combo.activated.emit(index)
    qtbot.waitUntil(lambda: "物流" in screen.topics, timeout=20000)
    db = open_db(ctx.db_path)
    try:
        assert shop_profile(db).business_type == "电商/零售"
    finally:
        db.close()
    assert {"配送", "味道", "价格"} <= set(screen.topics)     # the owner's own topics stay
    wait_analysis(qtbot, screen)
