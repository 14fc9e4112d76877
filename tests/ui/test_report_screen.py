"""The 报告 screen: exports run as tasks, the PDF renders Chinese text on A4, the announcement is copied."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from tests.core.report_fixtures import fill_shop

pypdf = pytest.importorskip("pypdf")


@pytest.fixture
def screen(ctx, qtbot):
    from cxdesk.core.storage import open_db
    from cxdesk.ui.report_screen import ReportScreen

    db = open_db(ctx.db_path)
    info = fill_shop(db)
    db.close()
    widget = ReportScreen(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.info = info
    yield widget
    # pytest-qt has already closed the widget here; just let its last preview task finish.
    task = widget._preview_task
    if task is not None:
        qtbot.waitUntil(task.done.is_set, timeout=10_000)


def _wait(qtbot, screen):
    qtbot.waitUntil(lambda: screen._task is None, timeout=30_000)


def _pdf_text(path) -> tuple[int, str]:
    reader = pypdf.PdfReader(str(path))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    # Qt's PDF maps some CJK glyphs to Kangxi radicals (⼈ for 人); NFKC folds them back.
    return len(reader.pages), unicodedata.normalize("NFKC", "".join(text.split()))


def test_lists_channels_and_actions(screen):
    channels = [screen.channel_combo.itemData(i) for i in range(screen.channel_combo.count())]
    assert channels == [None, "大众点评", "美团", ""]   # "": 未指定
    a1, a2 = screen.info["actions"]
    assert screen.chosen_actions() == [a1]          # only the live action is ticked at first
    assert screen.action_list.count() == 2
    assert screen.pdf_button.isEnabled()
    screen.set_actions_checked([])
    assert not screen.pdf_button.isEnabled() and not screen.copy_button.isEnabled()


def test_export_excel_with_chosen_sections(screen, qtbot, tmp_path):
    from openpyxl import load_workbook

    screen.date_range.set_range(date(2024, 3, 1), date(2024, 3, 31))
    screen.channel_combo.setCurrentIndex(screen.channel_combo.findData("美团"))
    for key in ("alerts", "actions", "cases"):
        screen.section_checks[key].setChecked(False)
    target = tmp_path / "汇总"
    task = screen.export_excel(target)
    assert not screen.excel_button.isEnabled()      # disabled while it runs
    _wait(qtbot, screen)
    path = tmp_path / "汇总.xlsx"
    assert path.exists() and screen.last_path == path
    wb = load_workbook(path)
    assert wb.sheetnames == ["本周要点", "概览", "趋势", "主题", "明细"]
    overview = {r[0]: r[1] for r in wb["概览"].iter_rows(values_only=True) if r[0]}
    assert overview["统计期间"] == "2024-03-01 – 2024-03-31"
    assert overview["筛选条件"] == "渠道：美团"
    assert {r[1] for r in wb["明细"].iter_rows(min_row=2, values_only=True)} == {"美团"}
    assert screen.message_bar.kind == "success" and "汇总.xlsx" in screen.message_bar.text()
    assert screen.message_bar.action_button.isVisibleTo(screen.message_bar)
    assert screen.excel_button.isEnabled()
    for box in screen.section_checks.values():
        box.setChecked(False)
    assert not screen.excel_button.isEnabled()


def test_export_pdf_and_html(screen, qtbot, tmp_path, cjk_font):
    a1, a2 = screen.info["actions"]
    screen.set_actions_checked([a1, a2])
    screen.shop_edit.setText("小满私房菜")
    task = screen.export_story(tmp_path / "改进报告.pdf", "pdf")
    _wait(qtbot, screen)
    pdf = tmp_path / "改进报告.pdf"
    assert pdf.exists(), screen.message_bar.text()
    pages, text = _pdf_text(pdf)
    assert pages == 1
    assert "我们听到了,我们改了" in text or "我们听到了，我们改了" in text
    assert "高峰期加派后厨人手" in text and "服务员培训" in text
    assert "小满私房菜" in text
    with pypdf.PdfReader(str(pdf)) as reader:
        box = reader.pages[0].mediabox
        assert round(float(box.width) / 72 * 25.4) == 210 and round(float(box.height) / 72 * 25.4) == 297
    task = screen.export_story(tmp_path / "改进报告", "html")
    _wait(qtbot, screen)
    page = (tmp_path / "改进报告.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "高峰期加派后厨人手" in page
    # The shop name is remembered in the database for next time.
    from cxdesk.core.storage import get_setting, open_db

    db = open_db(screen.ctx.db_path)
    assert get_setting(db, "shop_name") == "小满私房菜"
    db.close()


def test_many_actions_make_several_pages(screen, qtbot, tmp_path, cjk_font):
    from cxdesk.core.actions import create_action
    from cxdesk.core.storage import open_db

    db = open_db(screen.ctx.db_path)
    for i in range(8):
        create_action(db, f"改进措施{i}", topics=["服务"], description="每天开店前检查餐具和桌面。" * 6,
                      live_date=date(2024, 4, 1))
    db.close()
    screen.reload()
    screen.set_actions_checked([int(screen.action_list.item(i).data(256)) for i in range(screen.action_list.count())])
    task = screen.export_story(tmp_path / "多页.pdf", "pdf")
    _wait(qtbot, screen)
    pages, text = _pdf_text(tmp_path / "多页.pdf")
    assert pages >= 3
    assert "改进措施7" in text


def test_copy_announcement(screen, qtbot):
    from PySide6.QtGui import QGuiApplication

    task = screen.copy_announcement()
    _wait(qtbot, screen)
    text = QGuiApplication.clipboard().text()
    assert text.startswith("【我们听到了，我们改了】")
    assert "高峰期加派后厨人手" in text or "午市和晚市" in text
    assert screen.message_bar.kind == "success"


def test_preview_shows_the_report(screen, qtbot):
    qtbot.waitUntil(lambda: "高峰期加派后厨人手" in screen.preview.toPlainText(), timeout=10_000)
    screen.set_actions_checked([])
    assert "高峰期加派后厨人手" not in screen.preview.toPlainText()


def test_failure_goes_to_the_message_bar(screen, qtbot, tmp_path):
    task = screen.export_excel(tmp_path / "no such folder" / "x.xlsx")
    _wait(qtbot, screen)
    assert screen.message_bar.kind == "error"
    assert "不存在" in screen.message_bar.text()


def test_pdf_refused_without_a_chinese_font(qapp, tmp_path, monkeypatch):
    from cxdesk.render import pdf

    monkeypatch.setattr(pdf, "cjk_font_family", lambda: None)
    target = tmp_path / "空白.pdf"
    with pytest.raises(pdf.PdfWriteError) as err:
        pdf.html_to_pdf("<p>我们听到了，我们改了</p>", target)
    assert "中文字体" in err.value.message and not target.exists()
    # Text without Chinese still prints with the default font.
    assert pdf.html_to_pdf("<p>We heard you</p>", tmp_path / "en.pdf").read_bytes().startswith(b"%PDF")


def test_pdf_keeps_headings_with_the_text_after_them(qapp):
    """Whatever the text above, a heading never stays alone at the foot of a page."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument

    from cxdesk.render.pdf import keep_headings_with_next

    moved = 0
    for n in range(20, 60, 3):
        doc = QTextDocument()
        doc.setHtml("".join(f"<p>Line {i} of the text above.</p>" for i in range(n))
                    + "<h2>What we did</h2><h3>In place since May</h3><p>First line.</p><p>Second line.</p>")
        doc.setPageSize(QSizeF(500, 400))
        moved += keep_headings_with_next(doc)
        height = doc.pageSize().height()
        layout = doc.documentLayout()
        block = doc.begin()
        while block.isValid():
            nxt = block.next()
            if block.blockFormat().headingLevel() and nxt.isValid():
                top = layout.blockBoundingRect(block).top()
                line = nxt.layout().lineAt(0)
                below = layout.blockBoundingRect(nxt).top() + line.y() + line.height()
                assert int(top // height) == int((below - 1) // height), (n, block.text())
            block = nxt
    assert moved > 0   # some of these layouts did put a heading at the foot of a page


def test_numbers_and_quotes_shown_before_export_and_the_owner_picks_quotes(screen, qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from cxdesk.core.evaluation import list_snapshots
    from cxdesk.core.storage import open_db

    a1, _a2 = screen.info["actions"]
    qtbot.waitUntil(lambda: screen.last_report is not None and screen._preview_task is None, timeout=30_000)
    story = screen.last_report.stories[0]
    # The numbers the report will print, shown with where they come from; the preview saved nothing.
    text = screen.numbers_label.text()
    assert "有改善" in text and "关于上菜速度的差评 占全部反馈" in text
    assert f"{story.before.topic_negative}/{story.before.total}" in text and "导出时一并保存" in text
    db = open_db(screen.ctx.db_path)
    assert list_snapshots(db, a1) == []
    # Every candidate quote is listed; the first three are ticked. Untick one: it leaves the preview.
    assert screen.quote_list.count() == len(story.candidates) >= 3
    ticked = [screen.quote_list.item(i) for i in range(screen.quote_list.count())
              if screen.quote_list.item(i).checkState() == Qt.Checked]
    assert len(ticked) == 3
    dropped = ticked[0].data(Qt.UserRole)[1]
    ticked[0].setCheckState(Qt.Unchecked)
    qtbot.waitUntil(lambda: screen._preview_task is None and screen.last_report is not None
                    and dropped not in {q.feedback_id for q in screen.last_report.stories[0].quotes}, timeout=30_000)
    # The export saves the evaluation it states, and prints only the ticked quotes.
    path = tmp_path / "r.html"
    screen.export_story(path, "html")
    _wait(qtbot, screen)
    (snap,) = list_snapshots(db, a1)
    db.close()
    page = path.read_text(encoding="utf-8")
    assert snap.created_at[:16] in screen.numbers_label.text()
    kept = [q for q in screen.last_report.stories[0].quotes]
    assert len(kept) == 2 and all(q.text in page for q in kept)
    assert screen.last_report.stories[0].evaluation_id == snap.id


def test_logo_and_colour_reach_the_report(screen, qtbot, tmp_path):
    from PySide6.QtGui import QColor, QImage

    logo = tmp_path / "logo.png"
    image = QImage(40, 20, QImage.Format_RGB32)
    image.fill(QColor("#b5452b"))
    assert image.save(str(logo))
    screen.set_logo(str(logo))
    screen.set_colour("#b5452b")
    path = tmp_path / "r.html"
    qtbot.waitUntil(lambda: screen._preview_task is None, timeout=30_000)
    screen.export_story(path, "html")
    _wait(qtbot, screen)
    page = path.read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in page and "#b5452b" in page
    assert "logo.png" in screen.logo_button.text()
    for size in ((1366, 768), (1920, 1080)):
        screen.resize(*size)
        assert screen.grab().save(str(tmp_path / f"report-{size[0]}.png"))


def test_a_short_window_scrolls_the_page_instead_of_squashing_the_lists(screen, qtbot):
    """At 125 % on 1366×768 with the window's and the page's message bars, about 470 px are left."""
    screen.resize(800, 470)
    screen.show()
    qtbot.waitUntil(lambda: screen.last_report is not None and screen._preview_task is None, timeout=30_000)
    screen.message_bar.show_success("Saved the Excel summary as “反馈汇总 2026-12-05.xlsx”.")
    qtbot.wait(50)
    rows = screen.action_list.fontMetrics().height() + 8
    assert screen.action_list.height() >= 3 * rows and screen.quote_list.height() >= 3 * rows
    label = screen.numbers_label
    assert label.text() and label.height() >= label.heightForWidth(label.width())     # every line of the numbers
    assert screen.scroll.verticalScrollBar().maximum() > 0
    screen.scroll.verticalScrollBar().setValue(screen.scroll.verticalScrollBar().maximum())
    assert screen.copy_button.visibleRegion().boundingRect().height() == screen.copy_button.height()
