"""The feedback browser reads at a glance: search words marked in the list, a sentence instead of an
empty grid, a labelled date filter, and the text column given the room."""

from __future__ import annotations

from PySide6.QtGui import QColor

from cxdesk.ui import theme
from cxdesk.ui.models.feedback_table import COLUMN_KEYS
from tests.ui.test_feedback_screen import fill


def marked_pixels(screen) -> int:
    """Pixels painted in the search-mark colour inside the text column."""
    col = COLUMN_KEYS.index("text")
    x0 = screen.table.columnViewportPosition(col)
    image = screen.table.viewport().grab().toImage()
    mark = QColor(theme.SEARCH_MARK_BG).rgb()
    return sum(image.pixel(x, y) == mark for x in range(x0, min(image.width(), x0 + 400), 2)
               for y in range(0, min(image.height(), 200), 2))


def search(qtbot, screen, text: str) -> None:
    screen.search_edit.setText(text)
    screen.apply_filters()
    qtbot.waitUntil(lambda: screen.model.complete and screen.text_delegate.query == text, timeout=10000)
    screen.table.viewport().repaint()


def test_search_words_are_marked_in_the_list(ctx, qtbot):
    from cxdesk.ui.feedback_screen import FeedbackScreen

    fill(ctx.db_path)
    screen = FeedbackScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitExposed(screen)
    search(qtbot, screen, "")
    assert marked_pixels(screen) == 0
    search(qtbot, screen, "物流")
    assert screen.model.total() == 100 and marked_pixels(screen) > 50
    assert not screen.empty_label.isVisible()


def test_no_hits_says_so_in_a_sentence(ctx, qtbot):
    from cxdesk.ui.feedback_screen import FeedbackScreen

    fill(ctx.db_path)
    screen = FeedbackScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitExposed(screen)
    search(qtbot, screen, "火星快递")
    assert screen.model.total() == 0
    assert screen.empty_label.isVisible() and "火星快递" in screen.empty_label.text()
    assert screen.empty_label.geometry() == screen.table.viewport().rect()
    search(qtbot, screen, "")
    assert not screen.empty_label.isVisible()


def test_labelled_dates_and_room_for_the_text(ctx, qtbot):
    from cxdesk.ui.feedback_screen import FeedbackScreen
    from cxdesk.ui.feedback_table_part import splitter_sizes

    fill(ctx.db_path, 20)
    screen = FeedbackScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitExposed(screen)
    assert screen.date_range.label.text() == "日期："
    assert screen.date_range.label.buddy() is screen.date_range.preset_combo
    table, detail = screen.splitter.sizes()
    assert table >= 2.5 * detail and detail >= 240
    text_col = screen.table.columnWidth(COLUMN_KEYS.index("text"))
    assert text_col > 0.4 * table
    assert splitter_sizes(1000) == [730, 270] and splitter_sizes(3000) == [2580, 420]
