"""The feedback browser driven as the owner would: filter, search, correct, tag, delete, undo, export."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication

from cxdesk.core import feedback as fb
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.storage import open_db

TEXTS = [
    ("物流太慢了，等了一周", "京东", 1, "negative"),
    ("质量很好，物流也快", "淘宝", 5, "positive"),
    ("一般般吧", "淘宝", 3, "neutral"),
    ("客服态度差", "门店", 2, "negative"),
    ("包装精美，会回购", "京东", 5, "positive"),
]


def fill(path, n: int = 250) -> None:
    db = open_db(path)
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, '评价.csv', 'x', '2024-05-01 00:00:00')")
    db.execute("INSERT INTO topics(name, synonyms, created_at, updated_at) VALUES ('物流', '[\"快递\"]', 'n', 'n')")
    rows = []
    for i in range(n):
        text, channel, rating, label = TEXTS[i % len(TEXTS)]
        rows.append((i + 1, f"{text} #{i + 1}", f"2024-04-{1 + i % 28:02d} {i % 24:02d}:00:00", channel, rating,
                     label, label, f"k{i}"))
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO feedback(id, source_id, text, created_at, channel, rating, label, model_label, dedup_key) "
            "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.close()


@pytest.fixture
def screen(ctx, qtbot):
    fill(ctx.db_path)
    from cxdesk.ui.feedback_screen import FeedbackScreen

    widget = FeedbackScreen(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def check_db(ctx):
    return open_db(ctx.db_path)


def test_model_passes_qtmodeltester(ctx, qtmodeltester):
    fill(ctx.db_path, 450)
    from cxdesk.ui.models.feedback_table import FeedbackTableModel

    model = FeedbackTableModel(ctx.read_db)
    model.set_query(FeedbackFilter())
    assert model.rowCount() == 450
    qtmodeltester.check(model)
    model.sort(2, Qt.AscendingOrder)
    qtmodeltester.check(model)
    model.set_query(FeedbackFilter(search="物流"))
    assert model.rowCount() == 180
    qtmodeltester.check(model)


def test_model_loads_pages_and_keeps_the_cache_bounded(ctx, monkeypatch):
    fill(ctx.db_path, 1200)
    from cxdesk.ui.models import feedback_table as ft

    monkeypatch.setattr(ft, "MAX_PAGES", 2)
    model = ft.FeedbackTableModel(ctx.read_db)
    model.set_query(FeedbackFilter())
    assert model.pages_loaded == 0 and model.cached_rows() == 0
    ids = []
    for row in range(model.rowCount()):
        ids.append(model.index(row, 0).data(ft.ID_ROLE))
        assert model.cached_rows() <= 2 * ft.PAGE_SIZE
    assert len(set(ids)) == 1200
    assert model.pages_loaded == 1200 // ft.PAGE_SIZE
    assert model.index(0, 0).data(ft.RAW_ROLE) == "2024-04-28 23:00:00"


def type_chinese(widget, text: str) -> None:
    """What a Chinese input method sends: a committed string (QTest.keyClicks is ASCII only)."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def test_filter_and_search(screen, qtbot):
    assert screen.model.total() == 250
    with qtbot.waitSignal(screen.reloaded, timeout=3000):
        type_chinese(screen.search_edit, "物流")
    assert screen.model.total() == 100
    assert all("物流" in screen.model.row_at(r).text for r in range(screen.model.total()))
    with qtbot.waitSignal(screen.reloaded, timeout=3000):
        screen.search_edit.setText("慢")   # one character: the character index answers it
    assert screen.model.total() == 50
    screen.search_edit.clear()
    qtbot.waitUntil(lambda: screen.model.total() == 250, timeout=3000)
    screen.label_combo.setCurrentIndex(screen.label_combo.findData("negative"))
    assert screen.model.total() == 100
    screen.channel_combo.setCurrentIndex(screen.channel_combo.findData("门店"))
    assert screen.model.total() == 50
    assert "50" in screen.count_label.text()
    screen.rating_combo.setCurrentIndex(screen.rating_combo.findData("1,2"))
    assert screen.model.total() == 50
    screen.clear_filters()
    assert screen.model.total() == 250 and screen.label_combo.currentIndex() == 0


def test_sort_by_header(screen):
    header = screen.table.horizontalHeader()
    header.setSortIndicator(2, Qt.AscendingOrder)   # rating
    ratings = [screen.model.row_at(r).rating for r in range(screen.model.total())]
    assert ratings == sorted(ratings)
    header.setSortIndicator(2, Qt.DescendingOrder)
    assert screen.model.row_at(0).rating == 5


def select_first(screen, n: int = 1) -> list[int]:
    screen.table.selectRow(0)
    for r in range(1, n):
        screen.table.selectionModel().select(screen.model.index(r, 0),
                                             QItemSelectionModel.Select | QItemSelectionModel.Rows)
    return screen.selected_ids()


def test_correct_a_label_and_undo_it(screen, ctx, qtbot):
    screen.show_filter(FeedbackFilter(labels=("negative",)))
    ids = select_first(screen, 2)
    assert len(ids) == 2
    with qtbot.waitSignal(screen.edit_finished, timeout=5000):
        screen.label_actions["positive"].trigger()
    db = check_db(ctx)
    assert {r.id: (r.manual_label, r.label) for r in fb.fetch_rows(db, ids)} == {i: ("positive", "positive") for i in ids}
    # The corrected rows left the "negative" filter.
    assert screen.model.total() == 98
    assert ctx.undo_stack.canUndo()
    with qtbot.waitSignal(screen.edit_finished, timeout=5000):
        ctx.undo_stack.undo()
    assert {r.id: (r.manual_label, r.label) for r in fb.fetch_rows(db, ids)} == {i: (None, "negative") for i in ids}
    assert screen.model.total() == 100
    with qtbot.waitSignal(screen.edit_finished, timeout=5000):
        ctx.undo_stack.redo()
    assert fb.get_row(db, ids[0]).manual_label == "positive"
    db.close()


def test_delete_and_undo(screen, ctx, qtbot):
    ids = select_first(screen, 3)
    with qtbot.waitSignal(screen.edit_finished, timeout=5000):
        screen.delete_action.trigger()
    assert screen.model.total() == 247
    assert all(screen.model.row_of(i) < 0 for i in ids)
    assert screen.message_bar.isVisible()
    with qtbot.waitSignal(screen.edit_finished, timeout=5000):
        ctx.undo_stack.undo()
    assert screen.model.total() == 250
    assert sorted(screen.selected_ids()) == sorted(ids)   # the restored rows are selected again


def test_tag_with_topic_and_undo(screen, ctx, qtbot):
    screen.show_filter(FeedbackFilter(search="客服"))
    ids = select_first(screen, 2)
    with qtbot.waitSignal(screen.edit_finished, timeout=5000):
        screen.tag_selected("服务")
    db = check_db(ctx)
    assert all(r.topics == ("服务",) for r in fb.fetch_rows(db, ids))
    assert screen.topic_combo.findData("服务") > 0       # the new topic is offered as a filter
    with qtbot.waitSignal(screen.edit_finished, timeout=5000):
        ctx.undo_stack.undo()
    assert all(r.topics == () for r in fb.fetch_rows(db, ids))
    db.close()


def test_show_filter_from_elsewhere(screen, ctx):
    ctx.open_feedback_requested.emit(FeedbackFilter(ids=(1, 2, 3), labels=("negative",)))
    assert sorted(screen.model.all_ids()) == [1]
    assert screen.base_bar.isVisible()
    assert screen.label_combo.currentData() == "negative"
    screen.base_clear.click()
    assert screen.model.total() == 100 and not screen.base_bar.isVisible()


def test_detail_pane_shows_full_text_with_highlights(screen, qtbot):
    screen.show_filter(FeedbackFilter(search="物流"))
    screen.table.selectRow(0)
    html = screen.detail.toHtml()
    row = screen.model.row_at(0)
    assert "物流" in html and row.channel in html
    assert "underline" in html      # the search hit is marked


def test_copy_selection(screen):
    ids = select_first(screen, 2)
    screen.copy_selected()
    text = QGuiApplication.clipboard().text()
    lines = text.strip().split("\n")
    assert len(lines) == 3 and lines[0].startswith("时间")
    assert str(fb.get_row(screen.ctx.read_db(), ids[0]).text) in lines[1]


def test_export_filtered_rows(screen, qtbot, tmp_path):
    import openpyxl

    screen.show_filter(FeedbackFilter(labels=("positive",)))
    target = tmp_path / "好评.xlsx"
    with qtbot.waitSignal(screen.export_finished, timeout=10000) as blocker:
        screen.export_rows(target)
    assert blocker.args[0].rows == 100
    ws = openpyxl.load_workbook(target).active
    assert ws.max_row == 101


def test_create_action_from_selection(screen, ctx, qtbot):
    screen.show_filter(FeedbackFilter(search="物流"))
    ids = select_first(screen, 2)
    with qtbot.waitSignal(ctx.create_action_requested, timeout=2000) as blocker:
        screen.create_action_action.trigger()
    prefill = blocker.args[0]
    assert prefill == {"feedback_ids": ids, "search": "物流"}   # the board proposes topics and keyword


def test_first_rows_at_once_then_the_rest(ctx, qtbot, qtmodeltester, monkeypatch):
    """Many matches: a screenful is shown at once, the full id list arrives from a worker."""
    from cxdesk.ui.models import feedback_table as ft
    from cxdesk.ui.feedback_screen import FeedbackScreen

    fill(ctx.db_path)
    monkeypatch.setattr(ft, "FIRST_ROWS", 40)
    screen = FeedbackScreen(ctx)
    qtbot.addWidget(screen)
    qtbot.waitUntil(lambda: screen.model.complete, timeout=5000)
    assert screen.model.total() == 250
    with qtbot.waitSignal(screen.model.ids_complete, timeout=5000):
        screen.label_combo.setCurrentIndex(screen.label_combo.findData("negative"))
        assert screen.model.total() == 40 and not screen.model.complete
        assert screen.count_label.text() == "正在统计条数…"
    assert screen.model.total() == 100 and screen.model.complete
    assert "100" in screen.count_label.text()
    ids = screen.model.all_ids()
    assert ids == fb.query_ids(ctx.read_db(), screen.model.filter).tolist()
    qtmodeltester.check(screen.model)


def test_select_all_delete_and_undo(screen, ctx, qtbot):
    screen.table.selectAll()
    assert len(screen.selected_ids()) == 250
    assert screen.selection_label.text() == "已选 250 条"
    with qtbot.waitSignal(screen.edit_finished, timeout=5000):
        screen.delete_selected()
    assert screen.model.total() == 0
    with qtbot.waitSignal(screen.edit_finished, timeout=5000):
        ctx.undo_stack.undo()
    assert screen.model.total() == 250 and len(screen.selected_ids()) == 250


def test_show_filter_keeps_what_the_boxes_cannot_show(screen):
    screen.show_filter(FeedbackFilter(channels=("",)))          # rows without a channel: none here
    assert screen.model.total() == 0 and screen.base_bar.isVisible()
    screen.show_filter(FeedbackFilter(channels=("淘宝", "门店"), ratings=(1, 2)))
    assert screen.channel_combo.currentIndex() == 0 and screen.rating_combo.currentData() == "1,2"
    assert screen.model.total() == 50   # 门店 rows are the 2-star ones; 淘宝 rows have 5 and 3 stars
    screen.show_filter(FeedbackFilter(channels=("淘宝",), labels=("negative", "neutral")))
    assert screen.channel_combo.currentData() == "淘宝" and screen.label_combo.currentIndex() == 0
    assert screen.model.total() == 50 and "情感" in screen.base_label.text()


def test_clicking_a_header_sorts(screen, qtbot):
    from PySide6.QtCore import QPoint

    header = screen.table.horizontalHeader()
    column = 2  # rating
    pos = QPoint(header.sectionViewportPosition(column) + header.sectionSize(column) // 2, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=pos)
    assert screen.model.sort_key == "rating"
    first = screen.model.row_at(0).rating
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=pos)
    assert screen.model.row_at(0).rating != first
    assert {screen.model.row_at(0).rating, first} == {1, 5}


def test_selection_is_cleared_when_the_filter_or_search_changes(screen, ctx, qtbot):
    """Delete, tag and correct act only on rows the owner can see selected."""
    ids = select_first(screen, 2)
    assert screen.selection_label.text() == "已选 2 条" and screen.delete_action.isEnabled()
    # A search that finds nothing: an empty list, nothing selected, nothing to act on.
    with qtbot.waitSignal(screen.reloaded, timeout=3000):
        type_chinese(screen.search_edit, "没有这样的评价")
    assert screen.model.total() == 0
    assert screen.selected_ids() == [] and screen.selection_label.text() == ""
    for action in (screen.delete_action, screen.tag_action, screen.copy_action, screen.create_action_action):
        assert not action.isEnabled()
    assert not screen.correct_button.isEnabled()
    screen.delete_selected()
    screen.correct_selected("positive")
    screen.tag_selected("物流")
    assert ctx.undo_stack.count() == 0
    # Back to every row: the earlier selection does not come back behind the owner's back.
    with qtbot.waitSignal(screen.reloaded, timeout=3000):
        screen.search_edit.clear()
    assert screen.model.total() == 250 and all(screen.model.row_of(i) >= 0 for i in ids)
    assert screen.selected_ids() == [] and screen.selection_label.text() == ""
    assert not screen.delete_action.isEnabled()
    # A filter box that still shows the selected rows clears the selection too.
    ids = select_first(screen, 1)
    label = screen.model.row_at(screen.model.row_of(ids[0])).label
    screen.label_combo.setCurrentIndex(screen.label_combo.findData(label))
    assert screen.model.row_of(ids[0]) >= 0
    assert screen.selected_ids() == [] and not screen.delete_action.isEnabled()
    assert screen.selection_label.text() == ""
    db = check_db(ctx)
    assert db.execute("SELECT count(*) FROM feedback WHERE deleted = 0").fetchone()[0] == 250
    db.close()
