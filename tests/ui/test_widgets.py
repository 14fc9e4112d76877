"""The shared widgets: message bar kinds and action, date-range presets and custom ranges."""

from __future__ import annotations

from datetime import date


def test_message_bar_shows_and_dismisses(qtbot):
    from cxdesk.ui.widgets.message_bar import MessageBar

    bar = MessageBar()
    qtbot.addWidget(bar)
    assert bar.isHidden()
    bar.show_error("文件是空的")
    assert not bar.isHidden() and bar.kind == "error" and bar.text() == "文件是空的"
    assert bar.action_button.isHidden()
    clicked = []
    bar.show_info("导入完成", action_text="查看", on_action=lambda: clicked.append(1))
    assert bar.kind == "info" and not bar.action_button.isHidden()
    bar.action_button.click()
    assert clicked == [1]
    with qtbot.waitSignal(bar.closed, timeout=1000):
        bar.close_button.click()
    assert bar.isHidden() and bar.kind == ""


def test_message_bar_timeout(qtbot):
    from cxdesk.ui.widgets.message_bar import MessageBar

    bar = MessageBar()
    qtbot.addWidget(bar)
    with qtbot.waitSignal(bar.closed, timeout=2000):
        bar.show_success("已保存", timeout_ms=50)
    assert bar.isHidden()


def test_date_range_presets(qtbot):
    from cxdesk.ui.widgets.date_range import DateRangePicker, preset_range

    today = date(2024, 3, 15)
    assert preset_range("7d", today) == (date(2024, 3, 9), today)
    assert preset_range("year", today) == (date(2024, 1, 1), today)
    assert preset_range("all", today) == (None, None)

    picker = DateRangePicker(today=today)
    qtbot.addWidget(picker)
    assert picker.range() == (None, None) and picker.from_edit.isHidden()
    with qtbot.waitSignal(picker.changed, timeout=1000) as blocker:
        picker.preset_combo.setCurrentIndex(picker.preset_combo.findData("30d"))
    assert blocker.args == [date(2024, 2, 15), today]
    with qtbot.waitSignal(picker.changed, timeout=1000) as blocker:
        picker.set_preset("all")
    assert blocker.args == [None, None]


def test_date_range_custom(qtbot):
    from PySide6.QtCore import QDate

    from cxdesk.ui.widgets.date_range import DateRangePicker

    picker = DateRangePicker(today=date(2024, 3, 15))
    qtbot.addWidget(picker)
    picker.set_range(date(2024, 1, 2), date(2024, 1, 9), emit=False)
    assert picker.preset() == "custom" and picker.range() == (date(2024, 1, 2), date(2024, 1, 9))
    picker.show()
    assert picker.from_edit.isVisible()
    with qtbot.waitSignal(picker.changed, timeout=1000) as blocker:
        picker.to_edit.setDate(QDate(2024, 1, 20))
    assert blocker.args == [date(2024, 1, 2), date(2024, 1, 20)]
    # A reversed pair is put in order rather than giving an empty range.
    with qtbot.waitSignal(picker.changed, timeout=1000) as blocker:
        picker.from_edit.setDate(QDate(2024, 2, 1))
    assert blocker.args == [date(2024, 1, 20), date(2024, 2, 1)]


def test_busy_overlay_covers_parent(qtbot):
    from PySide6.QtWidgets import QWidget

    from cxdesk.ui.widgets.busy_overlay import BusyOverlay

    host = QWidget()
    host.resize(300, 200)
    qtbot.addWidget(host)
    host.show()
    overlay = BusyOverlay(host, delay_ms=0)
    overlay.start("正在加载")
    assert overlay.isVisible() and overlay.geometry() == host.rect()
    host.resize(400, 300)
    qtbot.waitUntil(lambda: overlay.geometry() == host.rect(), timeout=1000)
    overlay.stop()
    assert not overlay.isVisible()


def test_task_progress_is_throttled_but_a_new_step_always_shows(qapp):
    from cxdesk.ui.tasks import Task

    task = Task(lambda db, progress: None, None)
    seen = []
    task.signals.progressed.connect(lambda done, total, message: seen.append((done, total, message)))
    task._progress(1, 10, "Importing rows")
    task._progress(2, 10, "Importing rows")        # within 0.1 s of the last update: skipped
    task._progress(3, 10, "Saving the imported rows")
    task._progress(10, 10, "Saving the imported rows")
    assert seen == [(1, 10, "Importing rows"), (3, 10, "Saving the imported rows"),
                    (10, 10, "Saving the imported rows")]


def test_day_axis_ticks_follow_the_ui_language(qapp):
    from datetime import datetime

    from cxdesk.i18n import set_language
    from cxdesk.ui.widgets.date_axis import DayAxis

    axis = DayAxis(orientation="bottom")
    stamps = [datetime(2026, 11, 5).timestamp(), datetime(2026, 12, 1).timestamp()]
    assert axis.tickStrings(stamps, 1, 30 * 86400) == ["2026-11", "2026-12"]
    assert axis.tickStrings(stamps, 1, 7 * 86400) == ["11-05", "12-01"]
    set_language("en")
    assert axis.tickStrings(stamps, 1, 30 * 86400) == ["Nov 2026", "Dec 2026"]
    assert axis.tickStrings(stamps, 1, 7 * 86400) == ["5 Nov", "1 Dec"]
