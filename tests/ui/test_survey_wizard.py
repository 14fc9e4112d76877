"""The import wizard with a questionnaire export: the owner confirms the questions, responses are imported."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))

from survey_fixtures import hand_nps, make_responses, write_wjx_xlsx  # noqa: E402
from test_import_wizard import count, count_where, open_wizard, wait_preview  # noqa: E402,F401


def test_wizard_confirms_questions_and_imports_responses(qtbot, ctx, tmp_path, open_wizard):  # noqa: F811
    responses = make_responses(60, seed=6)
    wizard = open_wizard(write_wjx_xlsx(tmp_path / "满意度调查.xlsx", responses))
    wait_preview(qtbot, wizard)
    section = wizard.survey_section
    assert section.isVisible()
    survey = section.survey()
    assert wizard.plan.columns[survey.column_of("nps")] == "2、您有多大可能向朋友推荐我们？"
    assert [wizard.plan.columns[c] for c in survey.columns_of("open")] == [
        "4、您给出这个分数的主要原因是？", "5、您对我们还有什么建议或意见？"]
    assert wizard.import_button.isEnabled()
    # The owner says the second open question is only to keep, and picks the combo by hand.
    combo = section.combo_for(10)
    combo.setCurrentIndex(combo.findData("other"))
    combo.activated.emit(combo.currentIndex())
    assert section.survey().columns_of("open") == [9]
    # Choosing the recommend kind for another column moves it there (one recommend question only).
    section.set_kind(8, "nps")
    assert section.survey().column_of("nps") == 8 and section.combo_for(7).currentData() == "other"
    section.set_kind(7, "nps")
    section.set_kind(8, "csat")
    with qtbot.waitSignal(wizard.report_shown, timeout=30000):
        qtbot.mouseClick(wizard.import_button, Qt.LeftButton)
    assert wizard.result.imported == 60
    assert "新增 60 份答卷" in wizard.report_details.text() and "60 条文字回答" in wizard.report_details.text()
    assert count(ctx, "survey_responses") == 60
    assert count(ctx, "survey_answers") == 60        # only the reasons became feedback
    assert count_where(ctx, "SELECT count(*) FROM feedback WHERE rating IS NOT NULL") == 0
    from cxdesk.core.storage import open_db
    from cxdesk.core.surveys import survey_figures

    db = open_db(ctx.db_path)
    try:
        assert survey_figures(db).nps.value == hand_nps([r.nps for r in responses])
    finally:
        db.close()


def test_plain_review_file_shows_no_survey_section(qtbot, ctx, tmp_path, open_wizard):  # noqa: F811
    from test_import_wizard import write_gbk_csv

    wizard = open_wizard(write_gbk_csv(tmp_path / "点评导出.csv"))
    wait_preview(qtbot, wizard)
    assert not wizard.survey_section.isVisible() and wizard.survey_section.survey() is None


def test_survey_answer_shows_its_question_in_the_detail_pane(ctx, tmp_path):
    from cxdesk.core.feedback import row_detail
    from cxdesk.core.importers import sniff_file
    from cxdesk.core.storage import open_db
    from cxdesk.core.surveys import detect_survey, import_survey
    from cxdesk.ui.feedback_view import detail_html

    db = open_db(ctx.db_path)
    try:
        plan = sniff_file(write_wjx_xlsx(tmp_path / "a.xlsx", make_responses(5, seed=1)))
        import_survey(db, plan, detect_survey(plan))
        fid = db.execute("SELECT min(id) FROM feedback").fetchone()[0]
        detail = row_detail(db, fid)
    finally:
        db.close()
    assert detail.survey_question == "4、您给出这个分数的主要原因是？"
    assert "4、您给出这个分数的主要原因是？" in detail_html(detail, "")
