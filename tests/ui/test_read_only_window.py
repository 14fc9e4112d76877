"""The window on a database in a read-only place: it opens, says so once, and a change says why not."""

from __future__ import annotations

import csv

import pytest


@pytest.fixture
def read_only_place(monkeypatch):
    """The file system says the folder is read-only (as for a USB stick); SQLite opens it `mode=ro`."""
    from cxdesk.core import storage

    monkeypatch.setattr(storage, "place_is_read_only", lambda _path: "the folder is read-only")


def test_window_opens_read_only_with_a_message_bar(qtbot, ctx, tmp_path, read_only_place):
    from cxdesk.core.importers import import_file, sniff_file
    from cxdesk.core.storage import open_db
    from cxdesk.i18n import set_language
    from cxdesk.ui.app import read_only_note
    from cxdesk.ui.main_window import MainWindow

    set_language("en")
    rows = tmp_path / "rows.csv"
    with rows.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["时间", "评分", "内容"])
        for i in range(6):
            w.writerow([f"2024-03-{i + 1:02d} 12:00", "2", f"上菜太慢了，第{i}次"])
    db = open_db(ctx.db_path, read_only=False)
    import_file(db, sniff_file(rows))
    db.close()

    note = read_only_note(ctx.db_path)
    assert "read-only place" in note and "the folder is read-only" in note
    assert ctx.read_db().read_only

    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    win.message_bar.show_warning(note)   # as run_app does
    assert win.message_bar.isVisible() and "read-only place" in win.message_bar.text()
    assert ctx.index_task is None        # the rows not in the search index stay so: searches scan them

    # A change (here: analysing the new rows) fails with the same plain sentence, nothing crashes.
    win.message_bar.dismiss()
    task = win.run_analysis()
    with qtbot.waitSignal(task.signals.failed, timeout=20000) as failed:
        pass
    assert "read-only place" in failed.args[0]
    assert "read-only place" in win.message_bar.text()
    assert "went wrong" not in win.message_bar.text()
    set_language("zh_CN")


def test_switching_to_a_read_only_database_says_so(qtbot, ctx, tmp_path, monkeypatch):
    from cxdesk.core import storage
    from cxdesk.i18n import set_language
    from cxdesk.ui.app import watch_read_only
    from cxdesk.ui.main_window import MainWindow

    set_language("en")
    other = tmp_path / "usb" / "shop.db"
    other.parent.mkdir()
    storage.open_db(other).close()
    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    watch_read_only(win, ctx)
    assert not win.message_bar.isVisible()
    monkeypatch.setattr(storage, "place_is_read_only",
                        lambda path: "the drive is mounted read-only" if "usb" in str(path) else "")
    assert win.open_database(other)
    assert win.message_bar.isVisible() and "read-only place" in win.message_bar.text()
    set_language("zh_CN")
