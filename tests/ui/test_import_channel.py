"""The platform of an import in the wizard, and 未指定 in the channel filters."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt


def write_csv(path: Path, n: int, header=("评价时间", "评分", "评价内容"), start: int = 0) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(start, start + n):
            w.writerow([f"2024-03-{i % 28 + 1:02d} 12:00", "4", f"味道不错，第{i}次来"])
    return path


@pytest.fixture
def open_wizard(qtbot, ctx):
    from cxdesk.ui.importing import ImportWizard

    made = []

    def make(path: Path):
        wizard = ImportWizard(ctx, path)
        qtbot.addWidget(wizard)
        wizard.analyze_check.setChecked(False)
        made.append(wizard)
        with qtbot.waitSignal(wizard.preview_ready, timeout=15000):
            wizard.show()
        return wizard

    yield make
    for wizard in made:
        wizard._generation += 1


def channels(ctx) -> list:
    from cxdesk.core.storage import open_db

    db = open_db(ctx.db_path)
    try:
        return [r[0] for r in db.execute("SELECT channel FROM feedback ORDER BY id")]
    finally:
        db.close()


def test_wizard_guesses_asks_and_remembers_the_platform(qtbot, ctx, tmp_path, open_wizard):
    first = open_wizard(write_csv(tmp_path / "美团评价导出.csv", 3))
    assert first.channel_combo.currentText() == "美团"
    assert first.channel_label.isVisible()
    # The owner types a platform of their own instead.
    first.channel_combo.lineEdit().selectAll()
    qtbot.keyClicks(first.channel_combo.lineEdit(), "App")
    assert first.chosen_channel() == "App"
    first.header_spin.setValue(1)   # reading again keeps the choice
    with qtbot.waitSignal(first.report_shown, timeout=30000):
        first.start_import()
    first.accept()
    assert channels(ctx) == ["App"] * 3

    second = open_wizard(write_csv(tmp_path / "export.csv", 2, start=10))
    assert second.chosen_channel() == "App"      # same columns: remembered
    second.channel_combo.setCurrentIndex(0)
    assert second.channel_combo.currentText() in ("未指定", "Unspecified")
    assert second.chosen_channel() == ""
    with qtbot.waitSignal(second.report_shown, timeout=30000):
        second.start_import()
    second.accept()
    assert channels(ctx) == ["App"] * 3 + [None] * 2


def test_unspecified_in_feedback_and_trends_filters(qtbot, ctx, tmp_path):
    from cxdesk.core.importers import import_file, sniff_file
    from cxdesk.core.storage import open_db
    from cxdesk.ui.feedback_screen import FeedbackScreen
    from cxdesk.ui.trends_screen import TrendsScreen

    db = open_db(ctx.db_path)
    import_file(db, sniff_file(write_csv(tmp_path / "a.csv", 4), db=db).with_changes(channel="门店"))
    import_file(db, sniff_file(write_csv(tmp_path / "b.csv", 3, header=("时间", "评分", "内容"), start=10), db=db))
    db.close()

    screen = FeedbackScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.total() == 7, timeout=10000)
    index = screen.channel_combo.findData("")
    assert index > 0 and screen.channel_combo.itemText(index) in ("未指定", "Unspecified")
    screen.channel_combo.setCurrentIndex(index)
    qtbot.waitUntil(lambda: screen.model.total() == 3, timeout=5000)
    screen.channel_combo.setCurrentIndex(screen.channel_combo.findData("门店"))
    qtbot.waitUntil(lambda: screen.model.total() == 4, timeout=5000)

    trends = TrendsScreen(ctx)
    qtbot.addWidget(trends)
    with qtbot.waitSignal(trends.refreshed, timeout=20000):
        trends.show()
    index = trends.channel_combo.findData("")
    assert index > 0 and trends.channel_combo.itemText(index) in ("未指定", "Unspecified")
    assert trends.channel_combo.itemData(0) is None
    trends.channel_combo.setCurrentIndex(index)
    assert trends.current_filter().channels == ("",)
