"""`--demo --db PATH` writes the demo there; the demo never becomes the database a plain start opens."""

from __future__ import annotations


def test_demo_at_a_chosen_path_is_not_remembered_as_the_default(qtbot, ctx, tmp_path):
    from cxdesk.ui import settings
    from cxdesk.ui.main_window import MainWindow

    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    settings.set(settings.LAST_DATABASE, str(ctx.db_path))
    target = tmp_path / "my-demo.db"
    with qtbot.waitSignal(ctx.database_changed, timeout=120000):
        win.open_demo(target)
    assert ctx.db_path == target and target.is_file()
    assert settings.get(settings.LAST_DATABASE) == str(ctx.db_path.parent / "shop.db")
    from cxdesk.ui.app import _resolve_db_path

    assert _resolve_db_path(None) != target
