"""UI test set-up: an AppContext on a fresh database; teardown checks no task is left running."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture
def ctx(qapp, tmp_path):
    """An AppContext on a new, migrated database file in the test's own folder."""
    from PySide6.QtCore import QThreadPool

    from cxdesk.core.storage import open_db
    from cxdesk.ui.context import AppContext

    from cxdesk.core.storage import set_setting

    path = tmp_path / "shop.db"
    db = open_db(path)
    # The owner has answered the first-run question (tests of that question use a bare database).
    set_setting(db, "business_type", "餐饮")   # only the answer: no topics are installed here
    db.close()
    context = AppContext(path)
    yield context
    # Every task must have ended by the end of a test: a dangling worker would write into the next
    # test's database or crash at interpreter exit.
    busy = context.tasks.busy
    idle = context.tasks.wait_idle(10_000) and QThreadPool.globalInstance().waitForDone(10_000)
    qapp.processEvents()
    context.close()
    context.undo_stack.clear()
    context.deleteLater()
    assert idle, "thread pools did not become idle"
    assert not busy or not context.tasks.busy, "a task was still running at the end of the test"


def open_main_window(qtbot, ctx, size=(1366, 768)):
    """The real main window on `ctx`, shown at `size`, once its first row count is in."""
    from cxdesk.ui.main_window import MainWindow

    win = MainWindow(ctx)
    win.confirm_quit = False  # a modal question would block the test run
    qtbot.addWidget(win)
    win.resize(*size)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    return win


@pytest.fixture
def settle_tasks(ctx, qtbot):
    """Reloads started by a test's last step finish before the context is torn down (use with
    `pytestmark = pytest.mark.usefixtures("settle_tasks")` in screens that reload in the background)."""
    yield
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=60000)
