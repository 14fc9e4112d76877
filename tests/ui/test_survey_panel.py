"""概览 with survey responses: the NPS and CSAT cards and the NPS trend with its band; hidden without responses."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from survey_fixtures import hand_nps, make_responses, write_wjx_xlsx  # noqa: E402


pytestmark = pytest.mark.usefixtures("settle_tasks")


def _screen(ctx, qtbot):
    from cxdesk.ui.trends_screen import TrendsScreen

    w = TrendsScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.date_picker.set_preset("all", emit=False)
    w.set_granularity("month")
    with qtbot.waitSignal(w.refreshed, timeout=20000):
        w.show()
        w.reload()
    qtbot.waitUntil(lambda: w.survey_panel.overview is not None, timeout=20000)
    return w


def test_survey_card_and_trend(ctx, qtbot, tmp_path):
    from cxdesk.core.importers import sniff_file
    from cxdesk.core.storage import open_db
    from cxdesk.core.surveys import detect_survey, import_survey

    responses = make_responses(150, seed=3)
    path = write_wjx_xlsx(tmp_path / "a.xlsx", responses)
    db = open_db(ctx.db_path)
    plan = sniff_file(path)
    import_survey(db, plan, detect_survey(plan))
    db.close()
    w = _screen(ctx, qtbot)
    panel = w.survey_panel
    assert panel.isVisible()
    total = hand_nps([r.nps for r in responses])
    assert panel.card_nps.value.text() == f"{total:+.0f}"
    assert "150" in panel.card_nps.change.full_text()
    months = {}
    for r in responses:
        months.setdefault(r.submitted.strftime("%Y-%m"), []).append(r.nps)
    line = [c for c in panel.plot.listDataItems() if c.opts["symbol"] == "o"][0]
    assert list(line.yData) == pytest.approx([hand_nps(months[k]) for k in sorted(months)])
    w.grab().save(str(tmp_path / "overview.png"))


def test_no_responses_no_survey_row(ctx, qtbot):
    w = _screen(ctx, qtbot)
    assert not w.survey_panel.isVisible() and w.survey_panel.overview.responses_in_db == 0


def test_evaluation_view_shows_the_nps_change(ctx, qtbot, tmp_path):
    from dataclasses import replace
    from datetime import date, datetime

    from cxdesk.core.actions import create_action
    from cxdesk.core.importers import sniff_file
    from cxdesk.core.storage import open_db
    from cxdesk.core.surveys import detect_survey, import_survey
    from cxdesk.ui.evaluation_screen import EvaluationView

    before = make_responses(100, seed=31, start=datetime(2024, 1, 1), days=28)
    after = [replace(r, nps=min(10, r.nps + 3), number=200 + r.number)
             for r in make_responses(100, seed=32, start=datetime(2024, 1, 29), days=28)]
    db = open_db(ctx.db_path)
    plan = sniff_file(write_wjx_xlsx(tmp_path / "a.xlsx", before + after))
    import_survey(db, plan, detect_survey(plan))
    aid = create_action(db, "加快上菜", keywords=("上菜",), live_date=date(2024, 1, 29))
    db.close()
    view = EvaluationView(ctx, aid)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    qtbot.waitUntil(lambda: view.evaluation is not None or bool(view.message_bar.text()), timeout=20000)
    assert view.evaluation is not None, view.message_bar.text()
    qtbot.waitUntil(lambda: view.nps_label is not None and view.nps_label.isVisible(), timeout=20000)
    text = view.nps_label.text()
    assert f"{hand_nps([r.nps for r in before]):+.1f} → {hand_nps([r.nps for r in after]):+.1f}" in text
    assert "净推荐值上升" in text
    view.grab().save(str(tmp_path / "evaluation.png"))


def test_score_only_surveys_show_the_overview_not_the_first_run_page(ctx, qtbot, tmp_path):
    from brief_data import plant_responses

    from tests.ui.conftest import open_main_window

    from cxdesk.core.storage import open_db

    db = open_db(ctx.db_path)
    plant_responses(db)     # 14 responses scored 0–10, no written answers: no feedback rows at all
    db.close()
    win = open_main_window(qtbot, ctx)
    win.show_screen("dashboard")
    qtbot.waitUntil(lambda: "dashboard" in win.screens and win.stack.currentWidget() is win.screens["dashboard"],
                    timeout=20000)
    screen = win.screens["dashboard"]
    qtbot.waitUntil(lambda: screen.survey_panel.overview is not None and screen.survey_panel.isVisible(),
                    timeout=20000)
    assert win.row_count == 0 and win.stack.currentWidget() is not win.welcome
    assert screen.pages.currentWidget() is screen.content and screen.filter_bar.isVisible()
    assert screen.survey_panel.overview.total.nps.responses == 14            # 7 promoters, 3 passives, 4 detractors
    assert screen.survey_panel.card_nps.value.text() == f"{100 * (7 - 4) / 14:+.0f}"
    win.grab().save(str(tmp_path / "survey-only-overview.png"))


def test_trend_axis_readable_and_card_note_whole_at_1366(ctx, qtbot, tmp_path):
    """Few weekly responses give wide bands: the axis keeps three labels, no point sits on an edge, and the
    NPS card's note (interval and count) is shown whole."""
    from cxdesk.core.importers import sniff_file
    from cxdesk.core.storage import open_db
    from cxdesk.core.surveys import detect_survey, import_survey

    path = write_wjx_xlsx(tmp_path / "a.xlsx", make_responses(60, seed=8))
    db = open_db(ctx.db_path)
    plan = sniff_file(path)
    import_survey(db, plan, detect_survey(plan))
    db.close()
    w = _screen(ctx, qtbot)
    w.set_granularity("week")
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=20000)
    qtbot.waitUntil(lambda: len(w.survey_panel.overview.periods) > 8, timeout=20000)
    panel = w.survey_panel
    ticks = panel.plot.getAxis("left")._tickLevels[0]
    bottom, top = panel.plot.viewRange()[1]
    assert 2 <= len(ticks) <= 3 and all(bottom + 0.05 * (top - bottom) < v < top - 0.05 * (top - bottom)
                                        for v, _label in ticks)
    line = [c for c in panel.plot.listDataItems() if c.opts["symbol"] == "o"][0]
    left, right = panel.plot.viewRange()[0]
    assert left < line.xData.min() - 86400 and line.xData.max() + 86400 < right
    assert panel.card_nps.change.text() == panel.card_nps.change.full_text()
    w.grab().save(str(tmp_path / "overview-week.png"))
