"""The search index's background steps (`AppContext.index_search`): one chain at a time, stopped by a
close or a switch of database, never in the owner's way."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer

from tests.ui.test_main_window import seed


@pytest.fixture
def small_steps(monkeypatch):
    from cxdesk.ui import context

    monkeypatch.setattr(context, "SEARCH_INDEX_BATCH", 3)


def backlog(ctx) -> int:
    from cxdesk.core import search
    from cxdesk.core.storage import open_db

    db = open_db(ctx.db_path)
    try:
        return search.backlog_size(db)
    finally:
        db.close()


def test_asking_again_while_a_step_runs_starts_no_second_chain(qtbot, ctx, small_steps):
    seed(ctx, 7)
    steps = []

    again = []

    def on_started(task):
        if task.upkeep:
            steps.append(task)
            QTimer.singleShot(0, ask_again)

    def ask_again():   # as a status count arriving while a step runs
        running = ctx.index_task
        if running is not None:
            again.append(ctx.index_search() is running)

    ctx.tasks.task_started.connect(on_started)
    first = ctx.index_search()
    assert ctx.index_search() is first
    qtbot.waitUntil(lambda: ctx.index_task is None and backlog(ctx) == 0, timeout=20000)
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=10000)
    assert len(steps) == 3                           # 3 + 3 + 1 rows
    assert all(again)


def test_a_cancelled_chain_starts_no_further_step(qtbot, ctx, small_steps):
    seed(ctx, 7)
    steps = []
    ctx.tasks.task_started.connect(lambda t: steps.append(t) if t.upkeep else None)
    ctx.index_search()
    assert ctx.tasks.wait_idle(10000)                # what closing the window does
    qtbot.wait(200)                                  # let any queued result arrive
    assert len(steps) == 1 and ctx.index_task is None and not ctx.tasks.busy
    assert backlog(ctx) in (4, 7)                    # the step finished its rows, or never began


def test_switching_databases_is_not_held_up_by_indexing(qtbot, ctx, tmp_path, small_steps):
    from cxdesk.core.storage import open_db
    from cxdesk.ui.main_window import MainWindow

    seed(ctx, 7)
    other = tmp_path / "other.db"
    open_db(other).close()
    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    qtbot.waitUntil(lambda: ctx.index_task is not None, timeout=10000)
    assert win._user_tasks() == []                   # upkeep, not the owner's work
    assert win.open_database(other)
    assert ctx.db_path == other and ctx.index_task is None
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=10000)
