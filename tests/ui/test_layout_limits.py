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


def add_long_action(qtbot, board) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    editor = board.new_action({"title": TITLE})
    box = editor.findChild(QDialogButtonBox)
    qtbot.mouseClick(box.button(QDialogButtonBox.Save), Qt.LeftButton)
    qtbot.waitUntil(lambda: board.undo_action.isEnabled(), timeout=10000)
    QApplication.processEvents()


def test_every_screen_fits_1366x768_with_a_200_character_title(qtbot, ctx, tmp_path):
    """The size hint, the minimum size hint and the width stay within 1366 px on every screen."""
    from cxdesk.ui.main_window import MainWindow

    seed(ctx, tmp_path)
    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    win.resize(1366, 768)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    add_long_action(qtbot, win.show_screen("board"))
    for key in win.screen_keys():
        win.show_screen(key)
        qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=20000)
        QApplication.processEvents()
        assert win.minimumSizeHint().width() <= 1366, key
        assert win.sizeHint().width() <= 1366, key
        assert win.width() <= 1366, key
        screen = win.stack.currentWidget()
        assert screen.minimumSizeHint().width() <= 1366 - win.nav.width(), key


SCALED_RUN = r'''
import json, os, sys
from pathlib import Path
sys.path.insert(0, os.environ["CXDESK_ROOT"])
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QDialogButtonBox, QLabel, QWidget
from cxdesk.i18n import set_language
set_language(os.environ.get("CXDESK_LANG", "zh_CN"))
app = QApplication([])
from cxdesk.ui.context import AppContext
from cxdesk.ui.main_window import MainWindow
ctx = AppContext(Path(sys.argv[1]))
win = MainWindow(ctx)
win.confirm_quit = False
win.show()

def settle():
    for _ in range(200):
        app.processEvents()
        if not ctx.tasks.busy:
            break
        ctx.tasks.wait_idle(50)
    app.processEvents()

settle()
board = win.show_screen("board")
editor = board.new_action({"title": sys.argv[2]})
editor.findChild(QDialogButtonBox).button(QDialogButtonBox.Save).click()
settle()
avail = app.primaryScreen().availableGeometry()
out = {"screen": [avail.width(), avail.height()], "scale": app.primaryScreen().devicePixelRatio(), "pages": {}}
for key in win.screen_keys():
    win.show_screen(key)
    settle()
    beyond = []
    for w in win.findChildren(QWidget):
        if isinstance(w, (QAbstractButton, QLabel, QComboBox)) and w.isVisible() and w.window() is win and w.width() > 0:
            right = w.mapTo(win, QPoint(w.width(), 0)).x()
            if right > win.width() + 1:
                beyond.append(f"{type(w).__name__} {w.objectName()} {(getattr(w, 'text', lambda: '')() or '')[:20]}")
    out["pages"][key] = {"min_hint": win.minimumSizeHint().width(), "width": win.width(),
                         "frame_right": win.frameGeometry().right(), "beyond": beyond}
win.close()
ctx.tasks.wait_idle(10000)
print(json.dumps(out))
'''


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_1366x768_at_125_percent_scaling(ctx, tmp_path, lang):
    """A real 1366×768 screen at 125 % (1093×614 logical px): every page fits, nothing sticks out."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    seed(ctx, tmp_path)
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": 1366, "height": 768,
                                                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    script = tmp_path / "scaled.py"
    script.write_text(SCALED_RUN, encoding="utf-8")
    env = {**os.environ, "QT_SCALE_FACTOR": "1.25", "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "CXDESK_ROOT": str(Path(__file__).resolve().parents[2]), "CXDESK_LANG": lang,
           "CXDESK_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, str(script), str(ctx.db_path), TITLE], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["screen"] == [1093, 614] and result["scale"] == 1.25
    for key, page in result["pages"].items():
        assert page["min_hint"] <= 1093, (key, page)
        assert page["width"] <= 1093 and page["frame_right"] < 1093, (key, page)
        assert page["beyond"] == [], (key, page)
