"""The 还没归类的抱怨 list on the topic screen: ranked phrases, and one click makes a topic of one or
adds it to a topic, after which the feedback is read again and the phrase leaves the list."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cxdesk.core.storage import open_db
from tests.core.test_uncovered import planted


pytestmark = pytest.mark.usefixtures("settle_tasks")


@pytest.fixture
def screen(ctx, qtbot):
    db = open_db(ctx.db_path)
    planted(db, steady_each=12, new_count=40)
    db.close()
    from cxdesk.ui.topics_screen import TopicsScreen

    w = TopicsScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    with qtbot.waitSignal(w.refreshed, timeout=60000):
        w.show()
    return w


def phrases(w):
    return [w.uncovered_table.item(r, 0).data(Qt.UserRole) for r in range(w.uncovered_table.rowCount())]


def row_of(w, phrase):
    return phrases(w).index(phrase)


def test_new_complaint_on_top_and_make_topic_in_one_click(ctx, qtbot, screen, tmp_path):
    assert screen.uncovered_box.title() == "还没归类的抱怨"
    assert "发错货" in phrases(screen)[:5]
    row = row_of(screen, "发错货")
    assert screen.uncovered_table.item(row, 1).data(Qt.DisplayRole) == 40
    assert screen.uncovered_table.item(row, 2).data(Qt.DisplayRole) == 40
    screen.grab().save(str(tmp_path / "uncovered.png"))
    button = screen.uncovered_table.cellWidget(row, 3)
    assert button.text() == "设为话题"
    with qtbot.waitSignal(screen.edit_finished, timeout=20000):
        qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: screen.analysis_task is None and not screen._analysis_pending, timeout=120000)
    qtbot.waitUntil(lambda: "发错货" in screen.topics and "发错货" not in phrases(screen), timeout=60000)
    db = open_db(ctx.db_path)
    negative = db.execute("SELECT count(*) FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                          "WHERE t.name = '发错货' AND ft.label = 'negative'").fetchone()[0]
    db.close()
    assert negative == 40


def test_add_phrase_to_an_existing_topic(ctx, qtbot, screen):
    assert "包装破损" in phrases(screen)
    with qtbot.waitSignal(screen.edit_finished, timeout=20000):
        screen.add_phrase_to_topic("包装破损", "外卖配送")
    qtbot.waitUntil(lambda: screen.analysis_task is None and not screen._analysis_pending, timeout=120000)
    qtbot.waitUntil(lambda: "包装破损" not in phrases(screen), timeout=60000)
    assert "包装破损" in screen.topics["外卖配送"].synonyms
