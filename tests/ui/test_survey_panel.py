"""概览 with survey responses: the NPS and CSAT cards and the NPS trend with its band; hidden without responses."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from survey_fixtures import hand_nps, make_responses, write_wjx_xlsx  # noqa: E402


@pytest.fixture(autouse=True)
def _settle(ctx, qtbot):
    yield
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=60000)


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
    assert "150" in panel.card_nps.change.text()
    months = {}
    for r in responses:
        months.setdefault(r.submitted.strftime("%Y-%m"), []).append(r.nps)
    line = [c for c in panel.plot.listDataItems() if c.opts["symbol"] == "o"][0]
    assert list(line.yData) == pytest.approx([hand_nps(months[k]) for k in sorted(months)])
    w.grab().save(str(tmp_path / "overview.png"))


def test_no_responses_no_survey_row(ctx, qtbot):
    w = _screen(ctx, qtbot)
    assert not w.survey_panel.isVisible() and w.survey_panel.overview.responses_in_db == 0
