"""The improvement board: drag a card to 已上线, move with the keyboard, undo, create from a prefill, evaluate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.core.eval_data import plant

LIVE = date.today() - timedelta(days=40)
pytestmark = pytest.mark.usefixtures("settle_tasks")   # the board reloads after each change


@pytest.fixture
def board(ctx, qtbot):
    from cxdesk.core import actions
    from cxdesk.core.storage import open_db
    from cxdesk.ui.board_screen import BoardScreen

    db = open_db(ctx.db_path)
    plant(db, 7, n_before=900, n_after=900, p_before=0.12, p_after=0.05, live=LIVE)
    ids = {
        "courier": actions.create_action(db, "换成顺丰快递", topics=["物流"], owner="小王", live_date=LIVE,
                                         status="doing"),
        "box": actions.create_action(db, "外箱加厚", topics=["物流"], owner="老李"),
    }
    db.close()
    widget = BoardScreen(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    qtbot.waitUntil(lambda: widget.data is not None and widget._load_task is None, timeout=10_000)
    widget.ids = ids
    yield widget
    qtbot.waitUntil(lambda: widget._load_task is None, timeout=10_000)


def _status(ctx, aid):
    from cxdesk.core.actions import get_action
    from cxdesk.core.storage import open_db

    db = open_db(ctx.db_path)
    try:
        return get_action(db, aid)
    finally:
        db.close()


def _drag(source, target, aid):
    """What a mouse drag delivers: the source's own mime data, entered, moved and dropped on the target."""
    mime = source.mimeData([source.item_for(aid)])
    assert target.mimeTypes() == mime.formats()
    pos = QPointF(20, 20)
    vp = target.viewport()
    for kind in (QDragEnterEvent, QDragMoveEvent):
        try:        # newer PySide6 wants QPointF here, older ones only take QPoint
            event = kind(pos, Qt.MoveAction, mime, Qt.LeftButton, Qt.NoModifier)
        except TypeError:
            event = kind(pos.toPoint(), Qt.MoveAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(vp, event)
    drop = QDropEvent(pos, Qt.MoveAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, drop)
    return drop


def test_cards_in_their_columns(board):
    cols = board.columns
    assert cols["doing"].action_ids() == [board.ids["courier"]]
    assert cols["todo"].action_ids() == [board.ids["box"]]
    assert board.column_titles["doing"].text().startswith("进行中")
    card = cols["doing"].item(0).data(Qt.UserRole + 2)
    assert card["title"] == "换成顺丰快递" and card["topics"] == "物流" and "小王" in card["meta"]
    assert card["badge"] == ""


def test_drag_to_live_then_open_evaluation(board, ctx, qtbot):
    aid = board.ids["courier"]
    drop = _drag(board.columns["doing"], board.columns["live"], aid)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: board.columns["live"].item_for(aid) is not None and board._load_task is None,
                    timeout=10_000)
    assert board.columns["doing"].count() == 0
    a = _status(ctx, aid)
    assert a.status == "live" and a.live_date == LIVE
    card = board.columns["live"].item_for(aid).data(Qt.UserRole + 2)
    assert card["verdict"] == "improved" and card["chip"] == "有改善"
    assert card["badge"].startswith("12.") and "→" in card["badge"] and "（−" in card["badge"]
    assert "关于物流的差评 占全部反馈" in board.columns["live"].item_for(aid).toolTip()

    board.select_action(aid)
    with qtbot.waitSignal(board.evaluation_opened, timeout=5000) as opened:
        qtbot.mouseClick(board.evaluate_button, Qt.LeftButton)
    dialog = opened.args[0]
    qtbot.addWidget(dialog)
    view = dialog.view
    qtbot.waitUntil(lambda: view.evaluation is not None, timeout=10_000)
    assert view.evaluation.verdict == "improved"
    assert "有改善" in view.verdict_label.text() and "下一步" in view.verdict_label.text()
    assert "关于物流的差评 占全部反馈" in view.metric_label.text()
    assert view.table.verticalHeaderItem(1).text() == "关于物流的差评 占全部反馈"
    assert view.table.item(1, 0).text().endswith("%") and view.table.item(1, 2).text().startswith("−")
    # The statistics stay folded until asked for, in plain words.
    assert not view.details_label.isVisibleTo(view)
    qtbot.mouseClick(view.details_button, Qt.LeftButton)
    assert view.details_label.isVisibleTo(view) and "有 95% 的把握" in view.details_label.text()
    assert "个百分点" in view.details_label.text() and "p =" not in view.details_label.text()
    assert view.before_examples.count() >= 1 and view.after_examples.count() >= 1
    assert len(view.series.days) > 56
    # a longer window recomputes
    view.window_spin.setValue(14)
    qtbot.waitUntil(lambda: view.evaluation.window_days == 14 and view._task is None, timeout=10_000)
    assert view.evaluation.before.start == LIVE - timedelta(days=14)
    dialog.close()


def test_keyboard_move_and_undo(board, ctx, qtbot):
    aid = board.ids["box"]
    col = board.columns["todo"]
    col.setCurrentItem(col.item_for(aid))
    col.setFocus()
    qtbot.keyClick(col, Qt.Key_Right, Qt.ControlModifier)
    qtbot.waitUntil(lambda: board.columns["doing"].item_for(aid) is not None and board._load_task is None,
                    timeout=10_000)
    assert _status(ctx, aid).status == "doing"
    board.undo_stack.undo()
    qtbot.waitUntil(lambda: board.columns["todo"].item_for(aid) is not None and board._load_task is None,
                    timeout=10_000)
    assert _status(ctx, aid).status == "todo"


def test_moving_to_evaluated_without_date_is_refused(board, ctx, qtbot):
    aid = board.ids["box"]
    board.move_card(aid, "evaluated")
    assert board.message_bar.isVisible() and "上线日期" in board.message_bar.text()
    assert _status(ctx, aid).status == "todo"


def test_create_from_feedback_rows(board, ctx, qtbot):
    ctx.create_action_requested.emit({"title": "回复差评", "topics": ["物流"], "feedback_ids": [3, 5],
                                      "description": "来自反馈浏览"})
    editor = board._dialogs[0]
    assert editor.title_edit.text() == "回复差评"
    editor.title_edit.setText("48 小时内回复差评")
    editor.owner_edit.setCurrentText("阿芳")
    with qtbot.waitSignal(board.action_created, timeout=10_000) as created:
        editor.accept()
    new_id = created.args[0]
    qtbot.waitUntil(lambda: board.columns["todo"].item_for(new_id) is not None and board._load_task is None,
                    timeout=10_000)
    a = _status(ctx, new_id)
    assert (a.title, a.owner, a.topics, a.feedback_ids) == ("48 小时内回复差评", "阿芳", ("物流",), (3, 5))
    board.undo_stack.undo()
    qtbot.waitUntil(lambda: board.columns["todo"].item_for(new_id) is None and board._load_task is None,
                    timeout=10_000)
    board.undo_stack.redo()
    qtbot.waitUntil(lambda: board.columns["todo"].item_for(new_id) is not None and board._load_task is None,
                    timeout=10_000)


def test_filter_by_owner(board, qtbot):
    i = board.owner_filter.findData("老李")
    assert i > 0
    board.owner_filter.setCurrentIndex(i)
    qtbot.waitUntil(lambda: board._load_task is None and board.columns["doing"].count() == 0, timeout=10_000)
    assert board.columns["todo"].action_ids() == [board.ids["box"]]


def test_edit_dialog_saves_changes(board, ctx, qtbot):
    aid = board.ids["box"]
    editor = board.edit_action(aid)
    editor.title_edit.setText("外箱加厚，易碎品加气泡膜")
    with qtbot.waitSignal(board.write_finished, timeout=10_000):
        editor._on_accept()
    assert _status(ctx, aid).title == "外箱加厚，易碎品加气泡膜"
    qtbot.waitUntil(lambda: board._load_task is None, timeout=10_000)


def test_status_change_in_editor_is_a_move(board, ctx, qtbot):
    from cxdesk.core.storage import open_db

    aid = board.ids["courier"]
    editor = board.edit_action(aid)
    assert editor.history_list.count() >= 1
    editor.status_combo.setCurrentIndex(editor.status_combo.findData("evaluated"))
    editor.owner_edit.setCurrentText("小李")
    editor._on_accept()
    qtbot.waitUntil(lambda: board.columns["evaluated"].item_for(aid) is not None and board._load_task is None,
                    timeout=10_000)
    a = _status(ctx, aid)
    assert (a.status, a.owner, a.live_date) == ("evaluated", "小李", LIVE)
    db = open_db(ctx.db_path)
    assert db.execute("SELECT verdict FROM evaluations WHERE action_id = ?", [aid]).fetchall() == [("improved",)]
    db.close()
    board.undo_stack.undo()     # one step undoes both the owner and the move
    qtbot.waitUntil(lambda: _status(ctx, aid).owner == "小王", timeout=10_000)
    qtbot.waitUntil(lambda: board.columns["doing"].item_for(aid) is not None and board._load_task is None,
                    timeout=10_000)
    assert _status(ctx, aid).status == "doing"


def test_new_action_from_searched_rows_proposes_shared_topics_and_the_search_word(board, ctx, qtbot):
    from cxdesk.core.storage import open_db

    db = open_db(ctx.db_path)
    rows = [r[0] for r in db.execute(
        "SELECT f.id FROM feedback f JOIN feedback_topics ft ON ft.feedback_id = f.id LIMIT 4").fetchall()]
    db.close()
    # What the feedback screen sends: the rows and the search word, nothing else.
    ctx.create_action_requested.emit({"feedback_ids": rows, "search": "太慢"})
    editor = board._dialogs[0]
    checked = [editor.topic_list.item(i).text() for i in range(editor.topic_list.count())
               if editor.topic_list.item(i).checkState() == Qt.Checked]
    assert checked == ["物流"] and editor.keywords_edit.text() == "太慢"
    assert editor.title_edit.text() == "改进：太慢" and not editor.warning_label.isVisibleTo(editor)
    editor.reject()


def test_editor_warns_without_topic_or_keyword_and_refuses_it_live(board, ctx, qtbot):
    editor = board.new_action({"title": "想法"})
    assert editor.warning_label.isVisibleTo(editor) and "无法评估效果" in editor.warning_label.text()
    editor.keywords_edit.setText("咸")
    assert not editor.warning_label.isVisibleTo(editor)
    editor.keywords_edit.setText("")
    # As an idea it may be saved (a warning, not a wall) ...
    with qtbot.waitSignal(board.action_created, timeout=10_000) as created:
        editor._on_accept()
    qtbot.waitUntil(lambda: board.columns["todo"].item_for(created.args[0]) is not None and board._load_task is None,
                    timeout=10_000)
    # ... but not as live: one sentence, the dialog stays open.
    editor = board.new_action({"title": "想法二"})
    editor.status_combo.setCurrentIndex(editor.status_combo.findData("live"))
    editor.live_check.setChecked(True)
    editor._on_accept()
    assert editor.error_label.isVisibleTo(editor) and "勾选一个主题或填写关键词" in editor.error_label.text()
    assert editor.result() == 0
    editor.reject()


def test_board_card_screenshot_shows_chip_and_change(board, ctx, qtbot, tmp_path):
    aid = board.ids["courier"]
    board.move_card(aid, "live")
    qtbot.waitUntil(lambda: board.columns["live"].item_for(aid) is not None and board._load_task is None,
                    timeout=10_000)
    for size in ((1366, 768), (1920, 1080)):
        board.resize(*size)
        image = board.grab()
        assert image.save(str(tmp_path / f"board-{size[0]}.png"))
        col = board.columns["live"]
        rect = col.visualItemRect(col.item_for(aid))
        assert rect.height() > 60 and rect.width() > 150
