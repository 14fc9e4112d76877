"""Long text never widens the window: a 200-character action title on the board's undo button."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

TITLE = ("把外卖包装换成防漏的双层餐盒并在每个订单里附上手写的感谢卡片" * 8)[:200]


@pytest.fixture
def window(qtbot, ctx):
    from cxdesk.ui.main_window import MainWindow

    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    win.resize(1366, 728)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    return win


def seed(ctx, tmp_path) -> None:
    import csv

    from cxdesk.core.importers import import_file, sniff_file
    from cxdesk.core.storage import open_db

    path = tmp_path / "rows.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["时间", "评分", "内容"])
        for i in range(5):
            w.writerow([f"2024-03-0{i + 1} 12:00", "2", f"包装漏了，第{i}次"])
    db = open_db(ctx.db_path)
    try:
        import_file(db, sniff_file(path))
    finally:
        db.close()


def test_200_character_action_title_keeps_the_window_within_1366(qtbot, ctx, window, tmp_path):
    seed(ctx, tmp_path)
    window.row_count = None
    board = window.show_screen("board")
    assert window.stack.currentWidget() is board
    before = window.minimumSizeHint().width()
    editor = board.new_action({"title": TITLE})
    assert editor.title_edit.text() == TITLE
    from PySide6.QtWidgets import QDialogButtonBox

    box = editor.findChild(QDialogButtonBox)
    qtbot.mouseClick(box.button(QDialogButtonBox.Save), Qt.LeftButton)
    qtbot.waitUntil(lambda: board.undo_action.isEnabled(), timeout=10000)
    QApplication.processEvents()
    full = board.undo_action.text()
    assert TITLE[:20] in full
    shown = board.undo_button.text()
    assert shown.endswith("…") and len(shown) < len(full)
    assert TITLE in board.undo_button.toolTip() or TITLE in board.undo_action.toolTip()
    assert board.undo_button.sizeHint().width() <= 300
    assert window.minimumSizeHint().width() <= 1366
    assert window.minimumSizeHint().width() <= before + 1
    assert window.width() <= 1366
    # Undo: the button text goes back to the short kind; the window keeps its size.
    board.undo_action.trigger()
    qtbot.waitUntil(lambda: not board.undo_action.isEnabled(), timeout=10000)
    assert window.width() <= 1366 and window.minimumSizeHint().width() <= 1366
