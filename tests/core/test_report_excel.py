"""The Excel summary: open the written workbook and compare it with the core's own numbers."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from cxdesk.core.errors import InvalidValueError
from cxdesk.core.filters import FeedbackFilter, filter_sql
from cxdesk.core.progress import Cancelled
from cxdesk.core.reports import excel, excel_details
from cxdesk.core.reports.cells import EXCEL_CELL_LIMIT, cut_marker, excel_text
from tests.core.report_fixtures import HOSTILE_TEXTS, fill_shop

MARCH = FeedbackFilter(date_from=date(2024, 3, 1), date_to=date(2024, 3, 31))


@pytest.fixture
def shop(db):
    info = fill_shop(db)
    return db, info


def _rows(ws, first=1):
    return [list(r) for r in ws.iter_rows(min_row=first, values_only=True)]


def test_sheets_in_ui_language_and_overview_matches_kpis(shop, tmp_path):
    db, _info = shop
    from cxdesk.core.analysis import trends

    result = excel.build_summary(db, tmp_path / "汇总.xlsx", MARCH)
    assert result.sheets == ("本周要点", "概览", "趋势", "主题", "改进措施", "预警", "客户跟进", "明细")
    wb = load_workbook(result.path)
    assert wb.sheetnames == list(result.sheets)
    ws = wb["概览"]
    values = {r[0]: r[1:4] for r in _rows(ws) if r[0]}
    k = trends.kpis(db, MARCH)
    assert values["收到反馈"][0] == k.current.total
    assert values["收到反馈"][1] == k.previous.total
    assert values["收到反馈"][2] == k.current.total - k.previous.total
    assert values["差评占比"][0] == pytest.approx(k.current.negative_share)
    assert values["差评占比"][1] == pytest.approx(k.previous.negative_share)
    assert values["平均评分（1–5分）"][0] == pytest.approx(k.current.mean_rating)
    assert values["统计期间"][0] == "2024-03-01 – 2024-03-31"
    assert values["对比期间"][0] == "2024-01-30 – 2024-02-29"
    assert values["筛选条件"][0] == "无"
    assert isinstance(values["生成时间"][0], datetime)
    assert ws.freeze_panes is not None
    # Percent and number formats on the KPI cells.
    share_row = next(row for row in ws.iter_rows() if row[0].value == "差评占比")
    assert share_row[1].number_format == "0.0%"
    assert share_row[3].value == pytest.approx((k.current.negative_share - k.previous.negative_share) * 100)
    assert "个百分点" in share_row[3].number_format


def test_trend_topics_and_charts(shop, tmp_path):
    db, _info = shop
    from cxdesk.core.analysis import trends

    path = tmp_path / "t.xlsx"
    flt = FeedbackFilter(date_from=date(2024, 1, 1), date_to=date(2024, 6, 30))
    excel.build_summary(db, path, flt, granularity="month")
    wb = load_workbook(path)
    trend_rows = _rows(wb["趋势"], 2)
    expected = trends.trend(db, flt, "month").buckets
    assert len(trend_rows) == len(expected) == 6
    for row, bucket in zip(trend_rows, expected):
        assert row[0].date() == bucket.start
        assert row[1] == bucket.counts.total
        assert row[4] == bucket.counts.negative
        assert row[5] == pytest.approx(bucket.counts.negative_share)
    assert wb["趋势"]["A2"].number_format == "yyyy-mm"
    assert wb["趋势"].freeze_panes == "A2"
    topic_rows = _rows(wb["主题"], 2)
    ranking = trends.topic_ranking(db, flt)
    assert [r[0] for r in topic_rows] == [r.name for r in ranking]
    assert [r[2] for r in topic_rows] == [r.negative_mentions for r in ranking]
    assert topic_rows[0][4] == pytest.approx(ranking[0].impact)
    # openpyxl does not read charts back: look at the package itself.
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert sum(bool(re.search(r"<(c:)?lineChart>", c)) for c in charts) == 2
        assert sum(bool(re.search(r"<(c:)?barChart>", c)) for c in charts) == 2   # topics, and the brief's top complaints
        assert any("趋势" in c for c in charts)   # the series point at the trend sheet


def test_details_rows_are_safe_text_and_real_dates(shop, tmp_path):
    db, _info = shop
    path = tmp_path / "d.xlsx"
    result = excel.build_summary(db, path, FeedbackFilter(), sections=["details"])
    assert result.sheets == ("明细",)
    total = db.execute("SELECT count(*) FROM feedback WHERE deleted = 0").fetchone()[0]
    assert result.detail_rows == total
    wb = load_workbook(path)
    ws = wb["明细"]
    assert [c.value for c in ws[1]] == ["时间", "渠道", "评分", "情感", "主题", "反馈"]
    assert ws.max_row == total + 1
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:F{total + 1}"
    texts = {}
    for row in ws.iter_rows(min_row=2):
        when, channel, rating, label, topics, text = row
        assert isinstance(when.value, datetime)
        assert when.number_format == "yyyy-mm-dd hh:mm"
        assert text.data_type == "s"
        assert label.value in ("正面", "中性", "负面", "未知")
        texts[text.value] = text
    for hostile in HOSTILE_TEXTS[:4]:
        assert hostile in texts, hostile
        assert texts[hostile].data_type == "s"
    assert "还行吧有控制字符" in texts   # \x0b and \x00 removed
    assert result.cleaned_cells > 0
    # No formula anywhere in the package.
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode()
    # Rows come out in time order.
    times = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert times == sorted(times)


def test_filter_selects_the_same_rows(shop, tmp_path):
    db, _info = shop
    flt = FeedbackFilter(channels=("美团",), labels=("negative",))
    result = excel.build_summary(db, tmp_path / "f.xlsx", flt, sections=["overview", "details"])
    where, params = filter_sql(flt)
    n = db.execute(f"SELECT count(*) FROM feedback f WHERE {where}", params).fetchone()[0]
    assert result.detail_rows == n > 0
    ws = load_workbook(result.path)["概览"]
    values = {r[0]: r[1] for r in _rows(ws) if r[0]}
    assert values["筛选条件"] == "渠道：美团；情感：负面"
    assert values["统计期间"] == "2024-01-01 – 2024-06-30"   # open range: the data's own first and last day
    assert values["对比期间"] == "没有可对比的上一期"


def test_actions_sheet_shows_every_action_with_its_evaluation(shop, tmp_path):
    db, info = shop
    from cxdesk.core.evaluation import evaluate_action, verdict_name

    result = excel.build_summary(db, tmp_path / "a.xlsx", MARCH, sections=["actions"])
    ws = load_workbook(result.path)["改进措施"]
    rows = _rows(ws, 2)
    assert sorted(r[0] for r in rows) == sorted(info["actions"])
    by_id = {r[0]: r for r in rows}
    a1, a2 = info["actions"]
    ev = evaluate_action(db, a1)
    row = by_id[a1]
    assert row[1] == "高峰期加派后厨人手"
    from cxdesk.core.actions import status_name

    assert row[2] == status_name("live")
    assert row[3] == "王店长"
    assert row[4].date() == date(2024, 4, 1)
    assert ev.verdict == "improved"
    assert row[5] == verdict_name(ev.verdict)
    assert row[7] == pytest.approx(ev.before.negative_rate, abs=1e-6)
    assert row[8] == pytest.approx(ev.after.negative_rate, abs=1e-6)
    # Differences of shares are in percentage points.
    assert row[9] == pytest.approx(ev.difference * 100, abs=1e-4)
    assert row[10] == pytest.approx(ev.ci95[0] * 100, abs=1e-4) and row[11] == pytest.approx(ev.ci95[1] * 100, abs=1e-4)
    assert row[10] < row[9] < row[11] < 0
    assert "上菜速度" in row[13]
    todo = by_id[a2]
    assert todo[1] == "=服务员培训"         # a title that looks like a formula stays text
    assert todo[5] is None and todo[7] is None


def test_long_text_is_cut_with_a_marker(db, tmp_path):
    fill_shop(db, n=50)
    with db.atomic():
        db.execute("UPDATE feedback SET text = ? WHERE id = 1", ["很" * 40_000])
    result = excel.build_summary(db, tmp_path / "long.xlsx", FeedbackFilter(), sections=["details"])
    assert result.cut_cells == 1
    ws = load_workbook(result.path)["明细"]
    longest = max((r[5] for r in ws.iter_rows(min_row=2, values_only=True)), key=len)
    assert len(longest) == EXCEL_CELL_LIMIT
    assert longest.endswith(cut_marker())


def test_excel_text_helper():
    assert excel_text("a\x00b\x1fc\td\ne").text == "abc\td\ne"
    assert excel_text("a\x00").cleaned and not excel_text("ab").cleaned
    assert excel_text(None).text == ""
    assert excel_text(12).text == "12"


def test_detail_rows_continue_on_a_second_sheet(shop, tmp_path, monkeypatch):
    db, _info = shop
    monkeypatch.setattr(excel_details, "MAX_SHEET_ROWS", 501)
    result = excel.build_summary(db, tmp_path / "split.xlsx", FeedbackFilter(), sections=["details"])
    assert result.sheets == ("明细", "明细 (2)", "明细 (3)")
    wb = load_workbook(result.path)
    assert [wb[n].max_row for n in result.sheets] == [501, 501, result.detail_rows - 1000 + 1]
    assert wb["明细 (3)"].auto_filter.ref == f"A1:F{result.detail_rows - 1000 + 1}"


def test_cancel_leaves_no_file(shop, tmp_path):
    db, _info = shop
    target = tmp_path / "c.xlsx"
    calls = []

    def progress(done, total, message):
        calls.append(done)
        if len(calls) > 3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        excel.build_summary(db, target, FeedbackFilter(), progress=progress)
    assert not target.exists()
    assert list(tmp_path.glob("*.part")) == [] and list(tmp_path.glob(".cxdesk-*")) == []


def test_progress_reaches_the_end(shop, tmp_path):
    db, _info = shop
    seen = []
    excel.build_summary(db, tmp_path / "p.xlsx", MARCH, progress=lambda d, t, m: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1]
    assert all(d <= t for d, t in seen)


def test_english_names_and_bad_arguments(shop, tmp_path):
    db, _info = shop
    from cxdesk.i18n import set_language

    set_language("en")
    result = excel.build_summary(db, tmp_path / "en.xlsx", MARCH, sections=["overview", "details"])
    assert result.sheets == ("Overview", "Details")
    assert load_workbook(result.path)["Details"]["F1"].value == "Feedback"
    with pytest.raises(InvalidValueError):
        excel.build_summary(db, tmp_path / "x.xlsx", MARCH, granularity="day")
    with pytest.raises(InvalidValueError):
        excel.build_summary(db, tmp_path / "x.xlsx", MARCH, sections=[])
    with pytest.raises(excel.ReportWriteError):
        excel.build_summary(db, tmp_path / "missing" / "x.xlsx", MARCH)


def test_font_is_chinese_capable(shop, tmp_path):
    db, _info = shop
    path = tmp_path / "font.xlsx"
    excel.build_summary(db, path, MARCH, sections=["details"])
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
    fonts = re.findall(r'<name val="([^"]+)"', styles)
    assert fonts and set(fonts) == {excel.FONT_NAME}
    assert 'charset val="134"' in styles


@pytest.mark.slow
def test_100k_rows_stream_within_memory(db, tmp_path):
    """100k rows: the workbook is written in streaming mode; Python-side peak memory stays small."""
    import tracemalloc

    from tests.core.report_fixtures import fill_shop as fill

    fill(db, n=100_000)
    tracemalloc.start()
    result = excel.build_summary(db, tmp_path / "big.xlsx", FeedbackFilter())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.detail_rows == 100_000
    assert peak < 150 * 1024 * 1024, peak
    with zipfile.ZipFile(result.path) as z:
        assert z.testzip() is None


def test_alerts_sheet_lists_alerts_of_the_period(shop, tmp_path):
    db, info = shop
    from cxdesk.core.analysis.alerts import list_alerts

    with db.atomic():
        db.execute("INSERT INTO alerts(kind, key, granularity, period_start, period_end, observed, expected, p_value, "
                   "created_at, action_id) VALUES ('topic', '上菜速度', 'week', '2024-03-11', '2024-03-17', 42, 20.5, "
                   "0.0004, '2024-03-18 08:00:00', ?)", [info["actions"][0]])
        db.execute("INSERT INTO alerts(kind, key, granularity, period_start, period_end, observed, expected, p_value, "
                   "created_at, dismissed_at) VALUES ('channel', '美团', 'day', '2024-05-02', '2024-05-02', 9, 2.0, "
                   "0.001, '2024-05-03 08:00:00', '2024-05-03 09:00:00')")
    result = excel.build_summary(db, tmp_path / "al.xlsx", MARCH, sections=["alerts"])
    rows = _rows(load_workbook(result.path)["预警"], 2)
    assert len(rows) == 1                       # the May alert is outside March
    alert = next(a for a in list_alerts(db, include_dismissed=True) if a.key == "上菜速度")
    title, kind, key, start, end, observed, expected, ratio, p, state, action = rows[0]
    assert (title, key, observed, expected) == (alert.title(), "上菜速度", 42, 20.5)
    assert start.date() == date(2024, 3, 11) and end.date() == date(2024, 3, 17)
    assert ratio == pytest.approx(42 / 20.5)
    assert action == "高峰期加派后厨人手"
    everything = excel.build_summary(db, tmp_path / "al2.xlsx", FeedbackFilter(), sections=["alerts"])
    assert len(_rows(load_workbook(everything.path)["预警"], 2)) == 2


@pytest.mark.slow
def test_libreoffice_opens_the_workbook(shop, tmp_path):
    """LibreOffice converts the workbook without complaint and every sheet shows up in the PDF."""
    import shutil
    import subprocess

    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or pdftotext not installed")
    db, _info = shop
    result = excel.build_summary(db, tmp_path / "lo.xlsx", FeedbackFilter(), granularity="month")
    proc = subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(result.path)],
                          capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "HOME": str(tmp_path)})
    pdf = tmp_path / "lo.pdf"
    assert proc.returncode == 0 and pdf.exists(), proc.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=120).stdout
    for expected in ("顾客反馈汇总", "每月反馈数", "各主题差评数", "高峰期加派后厨人手", "上菜太慢了，等了四十分钟"):
        assert expected in text, expected


def test_trend_chart_has_one_label_per_period_and_marks_the_partial_one(shop, tmp_path):
    db, _info = shop
    from cxdesk.core.analysis import trends

    _first, last = trends.data_range(db)
    flt = FeedbackFilter(date_from=date(2024, 2, 5), date_to=last)
    path = tmp_path / "w.xlsx"
    excel.build_summary(db, path, flt, sections=["trend"], granularity="week")
    rows = [r for r in _rows(load_workbook(path)["趋势"], 2) if isinstance(r[0], datetime)]
    buckets = trends.trend(db, flt, "week").buckets
    assert len(rows) == len(buckets) > 4
    labels = [r[7] for r in rows]
    assert labels[0] == "2024-02-05 – 02-11"
    # The data stop inside the last week exactly when that week is labelled partial.
    assert labels[-1].endswith("（未满）") == (last < buckets[-1].end)
    assert all("未满" not in lb for lb in labels[:-1])
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    for chart in charts:
        # Categories are the text labels (one per period), not a date axis that labels every day.
        assert "<c:catAx>" in chart and "<c:dateAx>" not in chart
        assert f"$H$2:$H${len(rows) + 1}" in chart
        assert '<c:min val="0"/>' in chart
    if labels[-1].endswith("（未满）"):
        assert all('prstDash val="dash"' in c for c in charts)


def test_period_label_and_partial_rule():
    from cxdesk.core.reports.excel_trend import is_partial, period_label

    week = (date(2024, 3, 4), date(2024, 3, 10))
    assert period_label(*week, "week", False) == "2024-03-04 – 03-10"
    assert period_label(date(2024, 3, 1), date(2024, 3, 31), "month", True) == "2024-03（未满）"
    assert is_partial(*week, FeedbackFilter(), date(2024, 3, 6))
    assert not is_partial(*week, FeedbackFilter(), date(2024, 3, 10))
    assert is_partial(*week, FeedbackFilter(date_to=date(2024, 3, 8)), date(2024, 4, 1))
    assert is_partial(*week, FeedbackFilter(date_from=date(2024, 3, 5)), date(2024, 4, 1))
    assert not is_partial(*week, FeedbackFilter(date_from=date(2024, 3, 4)), None)


def test_undated_rows_come_last(db, tmp_path):
    fill_shop(db, n=40)
    with db.atomic():
        db.execute("UPDATE feedback SET created_at = NULL, text = '没有日期的评价' WHERE id = 5")
    result = excel.build_summary(db, tmp_path / "nd.xlsx", FeedbackFilter(), sections=["details"])
    rows = list(load_workbook(result.path)["明细"].iter_rows(min_row=2, values_only=True))
    assert result.detail_rows == len(rows) == 40
    assert rows[-1][0] is None and rows[-1][5] == "没有日期的评价"
    assert all(isinstance(r[0], datetime) for r in rows[:-1])


def test_detail_cells_keep_markup_lookalikes_and_spaces(db, tmp_path):
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a', 'x', 'now')")
    texts = ["<r><t>粗体</t></r>", "  前后有空格 ", "a & b < c > d", "第一行\n第二行", "好😀", "x" * 400]
    with db.atomic():
        for i, text in enumerate(texts):
            db.execute("INSERT INTO feedback(source_id, text, created_at, rating, channel, label, topics, dedup_key) "
                       "VALUES (1, ?, ?, ?, '美团&饿了么', 'negative', ?, ?)",
                       [text, f"2024-03-0{i + 1} 12:34:56", 4.5 if i % 2 else 2,
                        '["物流","包装"]' if i % 2 else None, f"k{i}"])
    result = excel.build_summary(db, tmp_path / "m.xlsx", FeedbackFilter(), sections=["details"])
    ws = load_workbook(result.path)["明细"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[5] for r in rows] == texts
    assert [r[0] for r in rows] == [datetime(2024, 3, i + 1, 12, 34, 56) for i in range(len(texts))]
    assert [r[2] for r in rows] == [2, 4.5, 2, 4.5, 2, 4.5]
    assert {r[1] for r in rows} == {"美团&饿了么"} and rows[1][4] == "物流、包装" and rows[0][4] is None
    assert ws.row_dimensions[7].height > 15    # the long text gets a taller row
    assert ws.dimensions == "A1:F7"
