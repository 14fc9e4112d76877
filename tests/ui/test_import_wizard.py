"""The import wizard driven like an owner would: real widgets, real files, waiting on signals."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

HEADER = ["昵称", "评价时间", "评分", "评价内容", "门店"]


def write_gbk_csv(path: Path, n: int = 30, *, start: int = 0) -> Path:
    rows = [HEADER]
    times = ["2024/3/5 14:02", "2024年3月6日", "2024-03-07 09:30", "坏时间"]
    ratings = ["5星", "4", "★★★☆☆", "好评"]
    for i in range(start, start + n):
        rows.append([f"顾客{i}", times[i % 4], ratings[i % 4], f"菜很好吃，上菜有点慢，第{i}次来", f"人民广场店{i % 3}"])
    with path.open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def feedback_rows(ctx) -> list[tuple]:
    from cxdesk.core.storage import open_db

    db = open_db(ctx.db_path)
    try:
        return db.execute(
            "SELECT source_row, text, author, channel, created_at, rating FROM feedback WHERE deleted = 0 "
            "ORDER BY source_row").fetchall()
    finally:
        db.close()


def count(ctx, table: str) -> int:
    from cxdesk.core.storage import open_db

    db = open_db(ctx.db_path)
    try:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def count_where(ctx, sql: str):
    from cxdesk.core.storage import open_db

    db = open_db(ctx.db_path)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def open_wizard(qtbot, ctx):
    from cxdesk.ui.importing import ImportWizard

    made = []

    def make(path: Path) -> ImportWizard:
        wizard = ImportWizard(ctx, path)
        qtbot.addWidget(wizard)
        wizard.analyze_check.setChecked(False)  # analysis has its own tests; keep these fast
        made.append(wizard)
        return wizard

    yield make
    for wizard in made:
        wizard._generation += 1


def wait_preview(qtbot, wizard, timeout=15000):
    with qtbot.waitSignal(wizard.preview_ready, timeout=timeout):
        wizard.show()


def column_texts(wizard, column: int) -> list[str]:
    from cxdesk.ui.importing import RawValueRole

    model = wizard.preview_model
    return [model.index(r, column).data(RawValueRole) for r in range(model.rowCount())]


def test_gbk_csv_with_changed_encoding_and_roles(qtbot, ctx, tmp_path, open_wizard):
    path = write_gbk_csv(tmp_path / "点评导出.csv")
    wizard = open_wizard(path)
    wait_preview(qtbot, wizard)
    assert wizard.plan.encoding in ("gb18030", "gbk")
    assert wizard.plan.columns == HEADER
    assert column_texts(wizard, 3)[0] == "菜很好吃，上菜有点慢，第0次来"

    # The owner tries Big5: the file is not Big5, so one clear message, and the working preview stays.
    big5 = wizard.encoding_combo.findData("big5")
    assert big5 >= 0
    wizard.encoding_combo.setCurrentIndex(big5)
    with qtbot.waitSignal(wizard.import_failed, timeout=15000):
        wizard.encoding_combo.activated.emit(big5)
    assert wizard.message_bar.kind == "error" and "big5" in wizard.message_bar.text()
    assert wizard.encoding_combo.currentData() == "gb18030"
    assert column_texts(wizard, 3)[0] == "菜很好吃，上菜有点慢，第0次来"
    assert wizard.import_button.isEnabled()
    # ... then picks plain GBK: the file is read again with it and the preview follows.
    with qtbot.waitSignal(wizard.preview_ready, timeout=15000):
        wizard.set_encoding("gbk")
    assert wizard.plan.encoding == "gbk" and wizard.encoding_combo.currentData() == "gbk"
    assert wizard.message_bar.kind != "error"
    assert column_texts(wizard, 3)[1] == "菜很好吃，上菜有点慢，第1次来"

    # Roles: the shop column becomes the channel, the nickname is ignored.
    header = wizard.header
    assert header.role_of(3) == "text"
    header.combos[4].setCurrentIndex(header.combos[4].findData("channel"))
    header.combos[0].setCurrentIndex(header.combos[0].findData(""))
    assert wizard.plan.roles.get("channel") == 4
    assert "author" not in wizard.plan.roles

    # Times show how they were read; the unreadable one carries its reason.
    from cxdesk.ui.importing import ParsedRole, ParseErrorRole

    model = wizard.preview_model
    time_col = wizard.plan.roles["time"]
    assert model.index(0, time_col).data(ParsedRole).startswith("2024-03-05 14:02")
    assert model.index(3, time_col).data(ParseErrorRole)
    assert "✗" in model.index(3, time_col).data()

    with qtbot.waitSignal(wizard.report_shown, timeout=30000):
        qtbot.mouseClick(wizard.import_button, __import__("PySide6.QtCore").QtCore.Qt.LeftButton)
    result = wizard.result
    rows = feedback_rows(ctx)
    assert result.imported == len(rows) > 0
    assert {r[3] for r in rows} == {"人民广场店0", "人民广场店1", "人民广场店2"}
    assert all(r[2] is None for r in rows)           # nickname ignored
    assert rows[0][1] == "菜很好吃，上菜有点慢，第0次来"
    assert rows[0][4] == "2024-03-05 14:02:00"
    assert count_where(ctx, "SELECT encoding FROM sources") == "gbk"
    assert wizard.pages.currentIndex() == wizard.PAGE_REPORT
    assert wizard.count_labels["imported"].text() == f"{result.imported:,}"
    # The rows with "坏时间" are reported with row, column, value and reason.
    rejected = wizard.rejected_model.rows()
    if result.rejected:
        assert rejected[0][2] == "坏时间" and rejected[0][1] == "评价时间"


def test_mapping_remembered_for_same_headers(qtbot, ctx, tmp_path, open_wizard):
    first = open_wizard(write_gbk_csv(tmp_path / "一月.csv"))
    wait_preview(qtbot, first)
    first.header.combos[4].setCurrentIndex(first.header.combos[4].findData("channel"))
    with qtbot.waitSignal(first.report_shown, timeout=30000):
        first.start_import()
    first.accept()

    second = open_wizard(write_gbk_csv(tmp_path / "二月.csv", start=100))
    wait_preview(qtbot, second)
    assert second.plan.roles.get("channel") == 4
    assert second.header.role_of(4) == "channel"


def test_cancel_mid_import_adds_nothing(qtbot, ctx, tmp_path, open_wizard):
    path = write_gbk_csv(tmp_path / "大文件.csv", n=30000)
    wizard = open_wizard(path)
    wait_preview(qtbot, wizard)
    task = wizard.start_import()
    assert wizard.pages.currentIndex() == wizard.PAGE_RUN
    # Cancel once rows are being written inside the transaction.
    qtbot.waitUntil(lambda: wizard.run_progress.maximum() > 0 and wizard.run_progress.value() > 0, timeout=30000)
    with qtbot.waitSignal(wizard.import_cancelled, timeout=30000):
        qtbot.mouseClick(wizard.run_cancel, __import__("PySide6.QtCore").QtCore.Qt.LeftButton)
    assert task.is_cancelled
    assert wizard.pages.currentIndex() == wizard.PAGE_PLAN
    assert wizard.message_bar.kind == "info"
    assert count(ctx, "feedback") == 0
    assert count(ctx, "sources") == 0
    assert wizard.import_button.isEnabled()


def test_cancel_before_start_adds_nothing(qtbot, ctx, tmp_path, open_wizard):
    wizard = open_wizard(write_gbk_csv(tmp_path / "小文件.csv"))
    wait_preview(qtbot, wizard)
    with qtbot.waitSignal(wizard.import_cancelled, timeout=15000):
        wizard.start_import()
        wizard.cancel_task()
    assert count(ctx, "feedback") == 0 and count(ctx, "sources") == 0


def test_bad_file_shows_one_message(qtbot, ctx, tmp_path, open_wizard):
    empty = tmp_path / "空文件.xlsx"
    empty.write_bytes(b"")
    wizard = open_wizard(empty)
    with qtbot.waitSignal(wizard.import_failed, timeout=15000):
        wizard.show()
    assert wizard.message_bar.kind == "error"
    assert "空文件.xlsx" in wizard.message_bar.text()
    assert not wizard.import_button.isEnabled()
    assert wizard.preview_model.rowCount() == 0


def test_report_export_and_view_new_rows(qtbot, ctx, tmp_path, open_wizard):
    from openpyxl import load_workbook

    from cxdesk.core.filters import FeedbackFilter

    wizard = open_wizard(write_gbk_csv(tmp_path / "评价.csv", n=12))
    wait_preview(qtbot, wizard)
    with qtbot.waitSignal(wizard.report_shown, timeout=30000):
        wizard.start_import()
    rejected = wizard.rejected_model.rows()
    assert len(rejected) == 3  # every fourth row has "坏时间"
    assert wizard.export_button.isVisibleTo(wizard)

    xlsx = wizard.export_rejected(tmp_path / "out.xlsx")
    sheet = load_workbook(xlsx).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["行号", "列", "文件中的原值", "原因"]
    assert values[1][:3] == [rejected[0][0], "评价时间", "坏时间"]
    csv_path = wizard.export_rejected(tmp_path / "out.csv")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "坏时间" in text and text.splitlines()[0] == "行号,列,文件中的原值,原因"

    source_id = wizard.result.source_id
    with qtbot.waitSignal(ctx.open_feedback_requested, timeout=2000) as blocker:
        qtbot.mouseClick(wizard.view_button, __import__("PySide6.QtCore").QtCore.Qt.LeftButton)
    assert blocker.args == [FeedbackFilter(sources=(source_id,))]


def test_import_without_analysis_indexes_search_in_the_background(qtbot, ctx, tmp_path, open_wizard):
    wizard = open_wizard(write_gbk_csv(tmp_path / "评价.csv", n=12))
    wait_preview(qtbot, wizard)
    with qtbot.waitSignal(wizard.report_shown, timeout=30000):
        wizard.start_import()
    assert wizard.index_task is not None   # the report is shown first; indexing follows
    qtbot.waitUntil(lambda: wizard.index_task.done.is_set(), timeout=30000)
    assert count_where(ctx, "SELECT count(*) FROM search_backlog") == 0
    assert count_where(ctx, "SELECT count(*) FROM feedback_fts WHERE feedback_fts MATCH '\"上菜有\"'") == 12


def test_formula_like_values_stay_text_in_exports(tmp_path):
    from openpyxl import load_workbook

    from cxdesk.ui.importing import write_rejected

    rows = [(3, "评价内容", "=HYPERLINK(\"http://x\")", "原因"), (4, "评分", "-5分", "不是评分")]
    sheet = load_workbook(write_rejected(tmp_path / "r.xlsx", rows)).active
    assert sheet["C2"].value == "=HYPERLINK(\"http://x\")" and sheet["C2"].data_type == "s"
    lines = (tmp_path / "r.csv").write_text("") or write_rejected(tmp_path / "r.csv", rows).read_text("utf-8-sig")
    assert "'=HYPERLINK" in lines and "'-5分" in lines


def test_import_undo_and_redo(qtbot, ctx, tmp_path, open_wizard):
    wizard = open_wizard(write_gbk_csv(tmp_path / "撤销.csv", n=8))
    wait_preview(qtbot, wizard)
    with qtbot.waitSignal(wizard.report_shown, timeout=30000):
        wizard.start_import()
    imported = wizard.result.imported
    assert imported > 0 and ctx.undo_stack.count() == 1 and ctx.undo_stack.canUndo()
    assert wizard.undo_button.isVisibleTo(wizard)
    with qtbot.waitSignal(ctx.data_changed, timeout=15000):
        qtbot.mouseClick(wizard.undo_button, __import__("PySide6.QtCore").QtCore.Qt.LeftButton)
    assert len(feedback_rows(ctx)) == 0
    assert not wizard.undo_button.isEnabled() and not wizard.view_button.isEnabled()
    command = ctx.undo_stack.command(0)
    with qtbot.waitSignal(ctx.data_changed, timeout=15000):
        ctx.undo_stack.redo()
    assert len(feedback_rows(ctx)) == imported
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=30000)  # the follow-up analysis, ok or not
    assert command.source_id != wizard.result.source_id


def test_header_row_and_reference_time(qtbot, ctx, tmp_path, open_wizard):
    from datetime import datetime

    from cxdesk.ui.importing import ParsedRole

    path = tmp_path / "带标题.csv"
    path.write_text("店铺评价导出\n时间,内容\n昨天 10:21,很好吃\n3小时前,服务一般\n", encoding="utf-8")
    wizard = open_wizard(path)
    wait_preview(qtbot, wizard)
    assert wizard.plan.header_row == 1 and wizard.header_spin.value() == 2
    with qtbot.waitSignal(wizard.preview_ready, timeout=15000):
        wizard.set_reference_time(datetime(2024, 3, 5, 12, 0))
    col = wizard.plan.roles["time"]
    assert wizard.preview_model.index(0, col).data(ParsedRole) == "2024-03-04 10:21"
    assert wizard.preview_model.index(1, col).data(ParsedRole) == "2024-03-05 09:00"
    with qtbot.waitSignal(wizard.preview_ready, timeout=15000):
        wizard.set_header_row(1)
    assert wizard.plan.header_row == 0 and wizard.plan.columns[0] == "店铺评价导出"


def test_preview_models_pass_modeltester(qtbot, qtmodeltester, ctx, tmp_path, open_wizard):
    from cxdesk.ui.importing import RejectedRowsModel

    wizard = open_wizard(write_gbk_csv(tmp_path / "模型.csv", n=120))
    wait_preview(qtbot, wizard)
    model = wizard.preview_model
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 49  # the importer previews the first 50 lines of the file
    qtmodeltester.check(model)
    from cxdesk.core.importers import RejectedRow

    rejected = RejectedRowsModel([RejectedRow(2, "a", "b", "c"), RejectedRow(3, "x", "", "r")])
    qtmodeltester.check(rejected)
    assert rejected.rows() == [(2, "a", "b", "c"), (3, "x", "", "r")]


def test_sheet_chooser_reads_the_chosen_sheet(qtbot, ctx, tmp_path, open_wizard):
    from openpyxl import Workbook

    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本表为门店评价导出"])
    data = wb.create_sheet("评价")
    data.append(["时间", "评分", "内容"])
    for i in range(6):
        data.append([f"2024-05-0{i + 1} 10:00", 5 - i % 3, f"服务很好第{i}次"])
    other = wb.create_sheet("外卖")
    other.append(["下单时间", "星级", "评价"])
    other.append(["2024-06-01 12:00", "3星", "送餐有点慢"])
    other.append(["2024-06-02 12:00", "5星", "很准时"])
    path = tmp_path / "门店评价.xlsx"
    wb.save(path)

    wizard = open_wizard(path)
    wait_preview(qtbot, wizard)
    assert wizard.sheet_combo.isVisibleTo(wizard)
    assert [wizard.sheet_combo.itemData(i) for i in range(wizard.sheet_combo.count())] == ["说明", "评价", "外卖"]
    assert wizard.plan.sheet == "评价" and wizard.preview_model.rowCount() == 6
    index = wizard.sheet_combo.findData("外卖")
    wizard.sheet_combo.setCurrentIndex(index)
    with qtbot.waitSignal(wizard.preview_ready, timeout=15000):
        wizard.sheet_combo.activated.emit(index)
    assert wizard.plan.sheet == "外卖" and wizard.plan.columns == ["下单时间", "星级", "评价"]
    assert column_texts(wizard, 2) == ["送餐有点慢", "很准时"]
    assert not wizard.encoding_combo.isVisibleTo(wizard)  # workbooks have no text encoding


def test_same_file_twice_says_already_imported(qtbot, ctx, tmp_path, open_wizard):
    path = write_gbk_csv(tmp_path / "重复.csv", n=6)
    first = open_wizard(path)
    wait_preview(qtbot, first)
    with qtbot.waitSignal(first.report_shown, timeout=30000):
        first.start_import()
    first.accept()
    before = len(feedback_rows(ctx))

    second = open_wizard(path)
    wait_preview(qtbot, second)
    with qtbot.waitSignal(second.report_shown, timeout=30000):
        second.start_import()
    assert second.result.already_imported
    assert "已" in second.report_title.text() and "导入过" in second.report_title.text()
    assert second.count_labels["imported"].text() == "0"
    assert not second.view_button.isEnabled() and not second.undo_button.isVisibleTo(second)
    assert len(feedback_rows(ctx)) == before and ctx.undo_stack.count() == 1
