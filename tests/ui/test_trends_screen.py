"""The overview screen: first-run state, filter -> chart update, click-through to exactly the rows behind
a point or a bar, alerts (create action, dismiss), saving the chart."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from cxdesk.core.storage import open_db

NOW = "2024-04-01 00:00:00"
LAST = date(2024, 3, 31)  # a Sunday


def fill(path, spike=False, seed=1):
    rng = random.Random(seed)
    db = open_db(path)
    with db.atomic():
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a.xlsx', 'a', ?)", [NOW])
        for i, name in enumerate(("物流", "质量", "客服"), 1):
            db.execute("INSERT INTO topics(id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", [i, name, NOW, NOW])
        n = 0
        for d in range(84):
            day = LAST - timedelta(days=83 - d)
            final_week = day > LAST - timedelta(days=7)
            for _ in range(rng.randint(4, 8) + (30 if spike and final_week and d % 7 < 5 else 0)):
                n += 1
                label = rng.choice(["positive", "positive", "neutral", "negative"])
                if spike and final_week and n % 3:
                    label = "negative"
                channel = rng.choice(["淘宝", "京东"])
                cur = db.execute(
                    "INSERT INTO feedback(source_id, text, created_at, channel, label, model_label, rating, sentiment,"
                    " dedup_key) VALUES (1, 't', ?, ?, ?, ?, ?, ?, ?)",
                    [f"{day.isoformat()} 10:00:00", channel, label, label, rng.randint(1, 5), rng.random(), f"k{n}"])
                topic = 1 if (spike and final_week and label == "negative") else rng.randint(1, 3)
                db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, ?)",
                           [cur.lastrowid, topic, label])
    db.close()


pytestmark = pytest.mark.usefixtures("settle_tasks")


@pytest.fixture
def screen(ctx, qtbot):
    from cxdesk.ui.trends_screen import TrendsScreen

    w = TrendsScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1300, 820)
    w.date_picker.set_preset("all", emit=False)
    w.set_granularity("week")
    return w


def load(qtbot, w):
    with qtbot.waitSignal(w.refreshed, timeout=20000):
        w.show()
        w.reload()


def click_view(qtbot, plot, x, y):
    """A real mouse click at data coordinates (x, y) of a pyqtgraph PlotWidget."""
    scene_pt = plot.getViewBox().mapViewToScene(QPointF(x, y))
    pos = plot.mapFromScene(scene_pt)
    QTest.mouseClick(plot.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(pos.x(), pos.y()))


def test_empty_database_shows_first_run_state(ctx, qtbot, screen):
    load(qtbot, screen)
    assert screen.pages.currentWidget() is screen.empty
    with qtbot.waitSignal(screen.import_requested, timeout=2000):
        qtbot.mouseClick(screen.empty.button, Qt.LeftButton)


def test_filter_updates_chart_and_click_opens_exact_rows(ctx, qtbot, screen):
    fill(ctx.db_path)
    load(qtbot, screen)
    assert screen.pages.currentWidget() is screen.content
    dash = screen.dashboard
    assert len(dash.trend.buckets) == 12 and dash.granularity == "week"
    assert screen.card_count.value.text() == f"{dash.kpis.current.total:,}"
    # stacked: the top curve is positive + neutral + negative of each week
    curves = screen.count_plot.listDataItems()
    top = max(curves, key=lambda c: c.yData.sum())
    assert list(top.yData) == [b.counts.labelled for b in dash.trend.buckets]

    # filter by channel: the numbers follow
    index = screen.channel_combo.findData("京东")
    assert index > 0
    screen.channel_combo.setCurrentIndex(index)
    with qtbot.waitSignal(screen.refreshed, timeout=20000):
        screen.channel_combo.activated.emit(index)
    db = ctx.read_db()
    jd = db.execute("SELECT count(*) FROM feedback WHERE channel = '京东'").fetchone()[0]
    assert screen.dashboard.kpis.current.total == jd
    assert screen.card_count.value.text() == f"{jd:,}"

    # click inside the negative band of the third week
    from cxdesk.core.filters import filter_sql

    b = screen.dashboard.trend.buckets[2]
    x = screen._xs[2]
    with qtbot.waitSignal(ctx.open_feedback_requested, timeout=3000) as sig:
        click_view(qtbot, screen.count_plot, x, b.counts.negative / 2)
    flt = sig.args[0]
    assert (flt.date_from, flt.date_to) == (b.start, b.end)
    assert flt.channels == ("京东",) and flt.labels == ("negative",)
    where, params = filter_sql(flt)
    assert db.execute(f"SELECT count(*) FROM feedback f WHERE {where}", params).fetchone()[0] == b.counts.negative

    # hovering text has the exact numbers of that week
    text = screen.describe_bucket(2)
    assert str(b.counts.total) in text and b.start.isoformat() in text


def test_topic_bar_click_and_ranking_switch(ctx, qtbot, screen):
    fill(ctx.db_path)
    load(qtbot, screen)
    first = screen._ranking[0]
    with qtbot.waitSignal(ctx.open_feedback_requested, timeout=3000) as sig:
        click_view(qtbot, screen.topic_plot, max(first.negative_mentions / 2, 0.1), 0)
    assert sig.args[0].topics == (first.name,) and sig.args[0].topic_labels == ("negative",)
    screen.rank_combo.setCurrentIndex(1)  # impact
    widths = list(screen.topic_bars.opts["width"])
    assert widths == sorted(widths, reverse=True)
    assert widths[0] == pytest.approx(screen._ranking[0].impact * 100)


def test_alert_check_create_action_and_dismiss(ctx, qtbot, screen):
    fill(ctx.db_path, spike=True)
    load(qtbot, screen)
    task = screen.run_alert_check()
    with qtbot.waitSignal(task.signals.ended, timeout=20000):
        pass
    assert task.error is None and ("topic", "物流") in [(a.kind, a.key) for a in task.result]
    qtbot.waitUntil(lambda: ("topic", "物流") in [(a.kind, a.key) for a in screen.alerts], timeout=20000)
    keys = [(a.kind, a.key) for a in screen.alerts]
    row = keys.index(("topic", "物流"))
    screen.alert_list.setCurrentRow(row)
    assert screen.alert_action_button.isEnabled()
    with qtbot.waitSignal(ctx.create_action_requested, timeout=3000) as sig:
        qtbot.mouseClick(screen.alert_action_button, Qt.LeftButton)
    prefill = sig.args[0]
    assert prefill["topics"] == ["物流"] and prefill["feedback_ids"] and "物流" in prefill["title"]
    with qtbot.waitSignal(ctx.open_feedback_requested, timeout=3000) as sig:
        qtbot.mouseClick(screen.alert_open_button, Qt.LeftButton)
    assert sig.args[0].topics == ("物流",)
    qtbot.mouseClick(screen.alert_dismiss_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: ("topic", "物流") not in [(a.kind, a.key) for a in screen.alerts], timeout=20000)
    assert ctx.read_db().execute("SELECT count(*) FROM alerts WHERE key = '物流' AND dismissed_at IS NOT NULL"
                                 ).fetchone()[0] == 1


def test_save_chart_png(ctx, qtbot, screen, tmp_path):
    fill(ctx.db_path)
    load(qtbot, screen)
    out = tmp_path / "chart.png"
    assert screen.save_chart(str(out))
    assert out.stat().st_size > 5000
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_lines_view_and_day_granularity(ctx, qtbot, screen):
    fill(ctx.db_path)
    load(qtbot, screen)
    screen.view_combo.setCurrentIndex(1)
    assert len(screen.count_plot.listDataItems()) == 3
    screen.set_granularity("day")
    with qtbot.waitSignal(screen.refreshed, timeout=20000):
        screen.granularity_combo.activated.emit(0)
    assert len(screen.dashboard.trend.buckets) == 84
    neg = next(c for c in screen.count_plot.listDataItems() if c.name() == "负面")
    assert list(neg.yData) == [b.counts.negative for b in screen.dashboard.trend.buckets]


def test_topic_hover_text_has_exact_numbers(ctx, qtbot, screen):
    fill(ctx.db_path)
    load(qtbot, screen)
    r = screen._ranking[0]
    text = screen.describe_topic(0)
    assert r.name in text and f"{r.negative_mentions}" in text and f"{r.impact * 100:.1f}" in text
    scene_pt = screen.topic_plot.getViewBox().mapViewToScene(QPointF(0.1, 0))
    assert screen.topic_index_at(scene_pt) == 0


def test_overview_says_how_many_reviews_have_no_date(ctx, qtbot, screen, tmp_path):
    """Reviews whose time could not be read are imported undated: counted in the cards, not in the
    chart, and the overview says how many there are."""
    from datetime import datetime

    from cxdesk.core.importers import import_file, sniff_file

    path = tmp_path / "评价.csv"
    path.write_text("评论,时间,评分\n上菜快,2024-03-01 10:00,5\n太咸了,9999-12-31,1\n一般,时间不详,3\n"
                    "环境好,0001-01-01,4\n", encoding="utf-8")
    db = open_db(ctx.db_path)
    result = import_file(db, sniff_file(path, reference_time=datetime(2024, 3, 10)))
    db.close()
    assert result.imported == 4
    load(qtbot, screen)
    assert screen.dashboard.trend.undated == 3
    assert sum(b.counts.total for b in screen.dashboard.trend.buckets) == 1
    assert "3 条反馈没有日期" in screen.status_label.text(), screen.status_label.text()


def test_overview_when_no_review_has_a_date(ctx, qtbot, screen, tmp_path):
    from datetime import datetime

    from cxdesk.core.importers import import_file, sniff_file

    path = tmp_path / "无日期.csv"
    path.write_text("评论,时间\n上菜快,不详\n太咸了,9999-12-31\n", encoding="utf-8")
    db = open_db(ctx.db_path)
    import_file(db, sniff_file(path, reference_time=datetime(2024, 3, 10)))
    db.close()
    load(qtbot, screen)
    assert screen.dashboard.kpis.current.total == 2
    assert "2 条反馈没有日期" in screen.status_label.text(), screen.status_label.text()
