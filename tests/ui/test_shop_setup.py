"""First run asks the kind of business and the shop's name; Settings changes them later."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


@pytest.fixture
def bare_ctx(qapp, tmp_path):
    from PySide6.QtCore import QThreadPool

    from cxdesk.core.storage import open_db
    from cxdesk.ui.context import AppContext

    path = tmp_path / "new.db"
    open_db(path).close()
    context = AppContext(path)
    yield context
    assert context.tasks.wait_idle(10_000) and QThreadPool.globalInstance().waitForDone(10_000)
    qapp.processEvents()
    context.close()
    context.deleteLater()


@pytest.fixture
def window(qtbot, bare_ctx):
    from cxdesk.ui.main_window import MainWindow

    win = MainWindow(bare_ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    yield win
    if win.wizard is not None:
        win.wizard._generation += 1
        win.wizard.reject()


def shop_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["订单时间", "评分", "评价内容"])
        for i, text in enumerate(["物流太慢了，等了一周", "发错货了，客服也不理", "尺码偏小，退货麻烦"]):
            w.writerow([f"2024-03-0{i + 1} 12:00", "2", text])
    return path


def choose(combo, data) -> None:
    """Pick an entry the way the keyboard does: focus the box and step to it."""
    combo.setFocus()
    target = combo.findData(data)
    assert target >= 0
    while combo.currentIndex() != target:
        QTest.keyClick(combo, Qt.Key_Down if combo.currentIndex() < target else Qt.Key_Up)


def topic_names(path) -> set[str]:
    from cxdesk.core.analysis.topics import list_topics
    from cxdesk.core.storage import open_db

    db = open_db(path)
    try:
        return {t.name for t in list_topics(db) if t.enabled}
    finally:
        db.close()


def test_first_run_asks_business_and_name_before_import(qtbot, window, bare_ctx, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from cxdesk.core.shop import shop_profile
    from cxdesk.core.storage import open_db

    panel = window.welcome
    assert window.stack.currentWidget() is panel
    assert panel.shop_fields.isVisible()
    assert not panel.import_button.isEnabled()
    # A drop or the menu before the answer: one sentence, no wizard.
    assert window.open_import(shop_csv(tmp_path / "淘宝评价.csv")) is None
    assert window.wizard is None
    assert "kind of business" in window.message_bar.text() or "类型" in window.message_bar.text()

    choose(panel.shop_fields.business_combo, "电商/零售")
    panel.shop_fields.name_edit.insert("小美服饰")  # keyClicks aborts on non-Latin text
    assert panel.import_button.isEnabled()
    path = shop_csv(tmp_path / "订单评价.csv")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    with qtbot.waitSignal(window.wizard_opened, timeout=5000):
        qtbot.mouseClick(panel.import_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not bare_ctx.tasks.busy, timeout=10000)
    assert not panel.asking_for_shop()
    db = open_db(bare_ctx.db_path)
    try:
        assert shop_profile(db).business_type == "电商/零售"
        assert shop_profile(db).shop_name == "小美服饰"
    finally:
        db.close()
    names = topic_names(bare_ctx.db_path)
    assert {"物流", "售后"} <= names and "上菜速度" not in names


def test_settings_switches_business_and_keeps_own_topics(qtbot, window, bare_ctx):
    from cxdesk.core.analysis.topics import add_topic
    from cxdesk.core.shop import set_business_type
    from cxdesk.core.storage import open_db
    from cxdesk.ui.window_parts import SettingsDialog
    from cxdesk.core.shop import shop_profile

    db = open_db(bare_ctx.db_path)
    set_business_type(db, "餐饮")
    add_topic(db, "停车", ["停车位"])
    profile = shop_profile(db)
    db.close()
    dialog = SettingsDialog(window, profile)
    qtbot.addWidget(dialog)
    assert dialog.shop_fields.business() == "餐饮"
    assert not dialog.shop_changed()
    choose(dialog.shop_fields.business_combo, "酒店/民宿")
    qtbot.keyClicks(dialog.shop_fields.name_edit, "Shanju")
    assert dialog.shop_fields.logo_row.isVisibleTo(dialog)
    logo = bare_ctx.db_path.parent / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    dialog.shop_fields.set_logo(str(logo))
    assert dialog.shop_changed()
    dialog.accept()
    window.apply_settings(dialog)
    qtbot.waitUntil(lambda: "停车" in topic_names(bare_ctx.db_path)
                    and "上菜速度" not in topic_names(bare_ctx.db_path), timeout=10000)
    assert "停车" in topic_names(bare_ctx.db_path)
    db = open_db(bare_ctx.db_path)
    try:
        saved = shop_profile(db)
    finally:
        db.close()
    assert saved.business_type == "酒店/民宿" and saved.shop_name == "Shanju" and saved.logo == str(logo.resolve())


def test_language_change_offers_restart(qtbot, window, monkeypatch):
    import sys

    from PySide6.QtCore import QProcess

    from cxdesk.ui import app as app_module
    from cxdesk.ui import settings
    from cxdesk.ui.window_parts import SettingsDialog

    dialog = SettingsDialog(window, None)
    qtbot.addWidget(dialog)
    assert not dialog.language_changed()
    target = "en" if dialog.language_combo.currentData() != "en" else "zh_CN"
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData(target))
    assert dialog.language_changed()
    dialog.accept()
    asked = []
    monkeypatch.setattr(type(window), "ask_restart", lambda self: asked.append(True) or True)
    window.apply_settings(dialog)
    assert asked and window.restart_requested and not window.isVisible()
    assert settings.get(settings.LANGUAGE) == target

    started = []
    monkeypatch.setattr(QProcess, "startDetached", staticmethod(lambda program, args: started.append((program, args)) or True))
    monkeypatch.setattr(sys, "argv", ["cxdesk", "--db", "/x/shop.db", "--lang", "zh_CN", "--demo"])
    assert app_module.restart_process()
    assert started == [(sys.executable, ["-m", "cxdesk", "--db", "/x/shop.db"])]


def test_settings_say_which_language_runs_when_the_saved_one_differs(qtbot, window):
    from cxdesk.i18n import set_language
    from cxdesk.ui import settings
    from cxdesk.ui.window_parts import SettingsDialog

    settings.set(settings.LANGUAGE, "zh_CN")
    set_language("en")                     # started with --lang en over a saved 简体中文
    dialog = SettingsDialog(window, None)
    qtbot.addWidget(dialog)
    assert dialog.language_combo.currentData() == "zh_CN"
    assert dialog.language_note.text().startswith("cxdesk is running in English now; 简体中文 applies when")
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("en"))
    assert dialog.language_note.text().startswith("cxdesk is running in English. Another language applies")


def test_language_kept_says_saved(qtbot, window, monkeypatch):
    from cxdesk.ui.window_parts import SettingsDialog

    dialog = SettingsDialog(window, None)
    qtbot.addWidget(dialog)
    monkeypatch.setattr(type(window), "ask_restart", lambda self: pytest.fail("no language change, no question"))
    dialog.accept()
    window.apply_settings(dialog)
    assert window.isVisible() and not window.restart_requested


def test_settings_set_the_reply_target_for_cases(qtbot, window, bare_ctx, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from cxdesk.core.cases import get_settings
    from cxdesk.core.storage import open_db
    from cxdesk.ui import window_parts

    seen = {}

    def fake_exec(dialog):
        seen["dialog"] = dialog
        assert dialog.reply_spin.isVisibleTo(dialog) and dialog.reply_spin.value() == 24
        dialog.reply_spin.setValue(8)
        return QDialog.Accepted

    monkeypatch.setattr(window_parts.SettingsDialog, "exec", fake_exec)
    window.open_settings()
    assert seen["dialog"].reply_hours_changed()
    qtbot.waitUntil(lambda: not bare_ctx.tasks.busy, timeout=10000)
    db = open_db(bare_ctx.db_path)
    try:
        assert get_settings(db).reply_target_hours == 8
    finally:
        db.close()


def _luminance(colour) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def test_settings_rows_line_up_and_the_note_reads(qtbot, window):
    """The shop's fields and the rows below start at one x; the note on the business type has a text
    contrast of at least 4.5:1 (WCAG AA) against the dialog, as drawn."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QLabel

    from cxdesk.core.shop import ShopProfile
    from cxdesk.ui.window_parts import SettingsDialog

    dialog = SettingsDialog(window, ShopProfile("电商/零售", "小美服饰旗舰店"), 24)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    fields = [dialog.shop_fields.business_combo, dialog.shop_fields.name_edit, dialog.shop_fields.logo_row,
              dialog.reply_spin, dialog.language_combo]
    starts = [f.mapTo(dialog, QPoint(0, 0)).x() for f in fields]
    assert len(set(starts)) == 1, starts
    note = next(w for w in dialog.findChildren(QLabel) if w.wordWrap() and w.isVisible() and w is not dialog.language_note)
    image = note.grab().toImage()
    colours = {image.pixelColor(x, y).rgb() for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)}
    lum = sorted(_luminance(QColor.fromRgb(c)) for c in colours)
    background, darkest = lum[-1], lum[0]       # dark text on the light dialog
    assert (background + 0.05) / (darkest + 0.05) >= 4.5, (background, darkest)
