"""本周要点 on 概览 and 什么在拉低评分 on 主题, driven through their real widgets on planted reviews."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from brief_data import SPIKE_TOPIC, plant  # noqa: E402
from cxdesk.core.storage import open_db  # noqa: E402


pytestmark = pytest.mark.usefixtures("settle_tasks")


@pytest.fixture
def planted_ctx(ctx):
    db = open_db(ctx.db_path)
    plant(db)
    db.close()
    return ctx


@pytest.fixture
def panel(planted_ctx, qtbot):
    from cxdesk.ui.brief_panel import BriefPanel

    w = BriefPanel(planted_ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    with qtbot.waitSignal(w.refreshed, timeout=30000):
        w.show()
    return w


def test_brief_shows_the_week_fixes_and_creates_an_action(planted_ctx, qtbot, panel):
    assert panel.title_label.text().startswith("本周要点 2026-W48")
    assert "评价 300 条" in panel.headline_label.text()
    assert [f.topic for f in panel.brief.fixes][0] == "上菜速度" and SPIKE_TOPIC in [f.topic for f in panel.brief.fixes]
    assert len(panel.fix_buttons) == 3 and panel.fix_buttons[0].text() == "新建改进行动"
    with qtbot.waitSignal(planted_ctx.create_action_requested, timeout=3000) as sig:
        qtbot.mouseClick(panel.fix_buttons[0], Qt.LeftButton)
    prefill = sig.args[0]
    assert prefill["topics"] == ["上菜速度"] and len(prefill["feedback_ids"]) == 2 and "上菜速度" in prefill["title"]
    assert not panel.next_button.isEnabled()       # the newest week
    with qtbot.waitSignal(panel.refreshed, timeout=30000):
        qtbot.mouseClick(panel.prev_button, Qt.LeftButton)
    assert panel.brief.week == "2026-W47" and panel.next_button.isEnabled()


def test_copy_puts_the_wechat_message_on_the_clipboard(qtbot, panel):
    qtbot.mouseClick(panel.copy_button, Qt.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert text.startswith("本周要点 2026-W48") and "本周最该改的三件事" in text and "例：" in text
    assert panel.message_bar.kind == "success"


def test_goal_editor_adds_a_goal_and_the_brief_shows_its_progress(qtbot, panel):
    dialog = panel.edit_goals()
    dialog.metric_combo.setCurrentIndex(dialog.metric_combo.findData("negative_share"))
    qtbot.keyClicks(dialog.target_edit, "8%")
    with qtbot.waitSignal(panel.refreshed, timeout=30000):
        qtbot.mouseClick(dialog.add_button, Qt.LeftButton)
    texts = [panel.goals_lay.itemAt(i).widget().text() for i in range(panel.goals_lay.count())]
    assert any(t.startswith("✗ 差评率 目标 < 8%，本周 ") for t in texts)
    qtbot.waitUntil(lambda: dialog.goal_list.count() == 1, timeout=10000)
    dialog.metric_combo.setCurrentIndex(dialog.metric_combo.findData("average_rating"))
    qtbot.keyClicks(dialog.target_edit, "9")
    qtbot.mouseClick(dialog.add_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.message_bar.kind == "error", timeout=10000)
    assert "1 到 5 星" in dialog.message_bar.text()
    assert dialog.target_edit.text() == "9"       # a refused target stays in the box to be corrected
    qtbot.waitUntil(lambda: not panel.ctx.tasks.busy, timeout=10000)
    dialog.metric_combo.setCurrentIndex(dialog.metric_combo.findData("negative_share"))
    dialog.target_edit.setText("8")               # the same goal again (8 = 8%): refused
    qtbot.mouseClick(dialog.add_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "已经设" in dialog.message_bar.text(), timeout=10000)
    assert dialog.target_edit.text() == "8" and dialog.goal_list.count() == 1
    dialog.goal_list.setCurrentRow(0)
    with qtbot.waitSignal(panel.refreshed, timeout=30000):
        qtbot.mouseClick(dialog.remove_button, Qt.LeftButton)
    assert panel.brief.goals == ()
    dialog.close()


def test_export_html_and_pdf(qtbot, panel, tmp_path, cjk_font):
    panel.export_to(str(tmp_path / "brief.html"))
    assert "本周最该改的三件事" in (tmp_path / "brief.html").read_text(encoding="utf-8")
    panel.export_to(str(tmp_path / "brief.pdf"))
    assert (tmp_path / "brief.pdf").read_bytes()[:4] == b"%PDF"


def test_overview_button_switches_to_the_brief(planted_ctx, qtbot):
    from cxdesk.ui.trends_screen import TrendsScreen

    w = TrendsScreen(planted_ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    with qtbot.waitSignal(w.refreshed, timeout=30000):
        w.show()
    with qtbot.waitSignal(w.brief_panel.refreshed, timeout=30000):
        qtbot.mouseClick(w.brief_button, Qt.LeftButton)
    assert w.pages.currentWidget() is w.brief_panel and not w.date_picker.isEnabled()
    qtbot.mouseClick(w.brief_button, Qt.LeftButton)
    assert w.pages.currentWidget() is w.content


def test_topics_screen_shows_what_pulls_the_rating_down(planted_ctx, qtbot):
    from cxdesk.ui.topics_screen import TopicsScreen

    w = TopicsScreen(planted_ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.drivers_panel.result is not None, timeout=30000)
    table = w.drivers_panel.table
    assert table.item(0, 0).text() == "上菜速度"
    assert table.item(0, 1).text().startswith("-1.")
    assert "约 0.2" in table.item(0, 3).text()


def test_goal_editor_offers_nps_only_with_survey_responses(planted_ctx, qtbot, panel):
    from brief_data import plant_responses

    dialog = panel.edit_goals()
    names = [dialog.metric_combo.itemData(i) for i in range(dialog.metric_combo.count())]
    assert "nps" not in names and "negative_share" in names
    dialog.close()
    db = open_db(planted_ctx.db_path)
    plant_responses(db)
    db.close()
    dialog = panel.edit_goals()
    dialog.metric_combo.setCurrentIndex(dialog.metric_combo.findData("nps"))
    assert dialog.metric_combo.currentText() == "净推荐值" and dialog.target_edit.placeholderText() == "例如 30"
    qtbot.keyClicks(dialog.target_edit, "30")
    with qtbot.waitSignal(panel.refreshed, timeout=30000):
        qtbot.mouseClick(dialog.add_button, Qt.LeftButton)
    assert panel.nps_label.isVisible() and panel.nps_label.text().startswith("净推荐值 NPS 20（95% 区间")
    goals = [w.text() for w in panel.goals_box.findChildren(type(panel.nps_label))]
    assert "✗ 净推荐值 目标 ≥ 30，本周 20，比上周差 5 分" in goals


def _brief_panel(ctx, qtbot, size=(1366, 768)):
    from cxdesk.ui.brief_panel import BriefPanel

    w = BriefPanel(ctx)
    qtbot.addWidget(w)
    w.resize(*size)
    with qtbot.waitSignal(w.refreshed, timeout=30000):
        w.show()
    return w


def test_brief_of_a_new_database_says_so_in_one_sentence(ctx, qtbot):
    w = _brief_panel(ctx, qtbot)
    assert w.headline_label.text() == "还没有可总结的内容：请先导入评价或问卷导出文件。"
    assert not w.goals_box.isVisible() and not w.fixes_box.isVisible() and not w.copy_button.isEnabled()


def test_brief_of_score_only_surveys(ctx, qtbot):
    from brief_data import plant_responses

    db = open_db(ctx.db_path)
    plant_responses(db)
    db.close()
    w = _brief_panel(ctx, qtbot)
    assert w.title_label.text().startswith("本周要点 2026-W48") and not w.headline_label.isVisible()
    assert w.nps_label.text().startswith("净推荐值 NPS 20")
    empty = [x.text() for x in w.fixes_box.findChildren(type(w.nps_label))]
    assert empty == ["没有文字反馈可找出差评主题：问卷回复只有评分。"]
