"""`LatestRead`: a screen's reload runs once at a time, the newest request wins, a cancel ends it."""

from __future__ import annotations

import threading


def test_a_request_during_a_read_runs_after_it_and_the_stale_result_is_dropped(ctx, qtbot):
    from cxdesk.ui.tasks import LatestRead

    reader = LatestRead(ctx, "test")
    gate = threading.Event()
    results: list = []

    def slow(db, progress):
        gate.wait(5)
        return "old"

    reader.start(slow, results.append)
    first = reader.task
    reader.start(lambda db, progress: "middle", results.append)
    reader.start(lambda db, progress: "new", results.append)   # replaces "middle"
    gate.set()
    qtbot.waitUntil(lambda: reader.task is None and bool(results), timeout=10_000)
    assert first.done.is_set()
    assert results == ["new"]


def test_a_cancelled_read_starts_no_follow_up(ctx, qtbot):
    from cxdesk.ui.tasks import LatestRead

    reader = LatestRead(ctx, "test")
    gate = threading.Event()
    results: list = []

    def slow(db, progress):
        gate.wait(5)
        progress(1, 1, "")   # raises Cancelled once cancelled
        return "old"

    reader.start(slow, results.append)
    reader.start(lambda db, progress: "new", results.append)
    reader.task.cancel()
    gate.set()
    qtbot.waitUntil(lambda: reader.task is None, timeout=10_000)
    qtbot.wait(100)
    assert reader.task is None and results == []


def test_a_result_for_a_screen_already_gone_is_dropped(ctx, qtbot):
    from PySide6.QtWidgets import QLabel
    from shiboken6 import isValid

    from cxdesk.ui.tasks import LatestRead

    shown: list = []

    class Screen(QLabel):
        def on_loaded(self, text: str) -> None:
            shown.append(text)
            self.setText(text)   # raises once the widget is deleted

    reader = LatestRead(ctx, "test")
    gate = threading.Event()
    screen = Screen()

    def slow(db, progress):
        gate.wait(5)
        return "loaded"

    reader.start(slow, screen.on_loaded)
    screen.deleteLater()
    qtbot.waitUntil(lambda: not isValid(screen), timeout=5_000)
    gate.set()
    qtbot.waitUntil(lambda: reader.task is None, timeout=10_000)
    assert shown == []
