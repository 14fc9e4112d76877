"""Help → 使用指南: the offline guide opens from the menu, explains the numbers in plain words and shows
the screenshots that ship inside the package."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QTextDocument

from cxdesk.ui.guide import guide_path


@pytest.mark.parametrize("lang, words", [("zh_CN", ("差评占比", "情感得分", "各平台对比", "未结束", "未指定")),
                                         ("en", ("Negative share", "Mean sentiment", "Platforms compared",
                                                 "not over", "Unspecified"))])
def test_guide_explains_each_number_and_its_pictures_ship(lang, words):
    path = guide_path(lang)
    text = path.read_text(encoding="utf-8")
    for word in words:
        assert word in text, word
    assert "Wilson" not in text
    pictures = re.findall(r'<img src="([^"]+)"', text)
    assert len(pictures) >= 6
    for src in pictures:
        assert (path.parent / src).resolve().is_file(), src
        assert "cxdesk" in (path.parent / src).resolve().parts     # inside the package, not the checkout


def test_help_menu_opens_the_guide_with_its_pictures(qtbot, ctx):
    from cxdesk.ui.main_window import MainWindow

    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    win.resize(1366, 768)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    assert win.guide_action.text().replace("&", "").startswith("使用指南")
    win.guide_action.trigger()
    dialog = win.guide
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    doc = dialog.browser.document()
    assert "差评占比" in doc.toPlainText()
    image = doc.resource(QTextDocument.ImageResource, dialog.browser.source().resolved(
        __import__("PySide6.QtCore", fromlist=["QUrl"]).QUrl("../screenshots/screen-dashboard.png")))
    assert image is not None and not image.isNull()
    assert dialog.width() <= 1366 and dialog.height() <= 768
    dialog.close()
