"""The action editor's topic checklist: most complained-about first, a search box, ticks kept."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cxdesk.ui.topic_picker import TopicPicker, sort_by_volume


def test_sort_by_volume_most_complaints_first_then_by_name():
    assert sort_by_volume(["味道", "价格", "配送", "环境"], {"配送": 9, "价格": 9, "味道": 2}) == \
        ["价格", "配送", "味道", "环境"]


def test_picker_sorts_searches_and_keeps_ticks(qtbot):
    names = [f"主题{i}" for i in range(12)]
    picker = TopicPicker(names, chosen=("主题3",))
    qtbot.addWidget(picker)
    picker.set_volume({"主题7": 40, "主题3": 5, "主题11": 12})
    assert picker.names()[:3] == ["主题7", "主题11", "主题3"]
    assert picker.checked() == ["主题3"]
    assert "40" in picker.list.item(0).toolTip()
    qtbot.keyClicks(picker.search, "1")
    visible = [picker.list.item(i).text() for i in range(picker.list.count()) if not picker.list.item(i).isHidden()]
    assert visible == ["主题11", "主题3", "主题1", "主题10"]      # a ticked topic stays in sight
    picker.search.clear()
    assert all(not picker.list.item(i).isHidden() for i in range(picker.list.count()))


def test_editor_lists_topics_by_complaints_from_the_database(ctx, qtbot):
    from cxdesk.core.storage import open_db
    from cxdesk.ui.board_screen import ActionEditor
    from tests.ui.test_topics_screen import fill

    fill(ctx.db_path)     # 3 complaints on each topic; 4 more on 价格 make it lead
    db = open_db(ctx.db_path)
    with db.atomic():
        for n in range(4):
            cur = db.execute("INSERT INTO feedback(source_id, text, created_at, label, model_label, dedup_key) "
                             "VALUES (1, '太贵了', '2024-03-20 12:00:00', 'negative', 'negative', ?)", [f"x{n}"])
            db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, 3, 'negative')",
                       [cur.lastrowid])
    db.close()


    from PySide6.QtWidgets import QWidget

    host = QWidget()
    host.ctx = ctx
    qtbot.addWidget(host)
    editor = ActionEditor(topics=["味道", "价格", "配送"], owners=[], values={"topics": ("配送",)}, parent=host)
    qtbot.waitUntil(lambda: editor.topic_picker.names()[0] == "价格", timeout=20000)
    assert editor.topic_picker.names() == ["价格", "味道", "配送"]
    assert editor.values()["topics"] == ("配送",)
    assert editor.topic_list.item(2).checkState() == Qt.Checked
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=20000)


def test_the_list_shows_whole_rows_only(qtbot):
    from cxdesk.ui.topic_picker import ROWS_SHOWN

    picker = TopicPicker([f"主题{i}" for i in range(12)])
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    lst = picker.list
    inner = lst.viewport().height()
    row = lst.sizeHintForRow(0)
    assert inner == row * ROWS_SHOWN          # six whole rows, the seventh behind the scroll bar
    few = TopicPicker(["味道", "服务"])
    qtbot.addWidget(few)
    few.show()
    qtbot.waitExposed(few)
    assert few.list.viewport().height() == 2 * few.list.sizeHintForRow(0)
