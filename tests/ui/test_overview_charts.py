"""概览 read at a glance: each measure on its own scale with its unit, legends outside the data, the
unfinished period shaded and labelled, platforms compared, and “last 90 days” following the data."""

from __future__ import annotations

from datetime import date

import pytest

from cxdesk.core.changes import Changes
from cxdesk.core.storage import open_db
from tests.ui.test_trends_screen import fill, load


pytestmark = pytest.mark.usefixtures("settle_tasks")


@pytest.fixture
def screen(ctx, qtbot):
    from cxdesk.ui.trends_screen import TrendsScreen

    w = TrendsScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.date_picker.set_preset("all", emit=False)
    w.set_granularity("week")
    return w


def add_rows(path, day: str, n: int, channel=None) -> None:
    db = open_db(path)
    with db.atomic():
        for i in range(n):
            db.execute("INSERT INTO feedback(source_id, text, created_at, channel, label, model_label, rating, "
                       "sentiment, dedup_key) VALUES (1, 't', ?, ?, 'negative', 'negative', 1, 0.1, ?)",
                       [f"{day} 09:00:00", channel, f"{day}-{channel}-{i}"])
    db.close()


def test_each_measure_on_its_own_scale_with_legends_outside(ctx, qtbot, screen):
    fill(ctx.db_path)
    load(qtbot, screen)
    dash = screen.dashboard
    for plot in screen.trend_plots:
        assert plot.plotItem.legend is None          # no legend box drawn over the lines
        low, high = plot.getViewBox().viewRange()[1]
        assert -0.25 * high < low < 0           # every y axis starts at 0, with room for the 0 label
    assert 1.0 < screen.share_plot.getViewBox().viewRange()[1][1] < 1.3       # 0–100 %
    assert 100 < screen.score_plot.getViewBox().viewRange()[1][1] < 130       # 0–100 points
    score = next(c for c in screen.score_plot.listDataItems() if c.name() == "情感得分")
    expected = [b.counts.mean_sentiment * 100 for b in dash.trend.buckets]
    assert list(score.yData) == pytest.approx(expected)
    assert not any(c.name() == "情感得分" for c in screen.share_plot.listDataItems())
    assert screen.count_legend.entries == ["正面", "中性", "负面"]
    assert screen.share_legend.entries[0] == "差评占比（%）"
    assert screen.count_plot.getAxis("left").labelText == "条"
    assert screen.card_sentiment.value.full_text().endswith("/100")
    text = screen.describe_bucket(3)
    assert "Wilson" not in text and "条" in text and "满分 100" in text


def test_unfinished_last_week_is_shaded_and_labelled(ctx, qtbot, screen):
    fill(ctx.db_path)
    add_rows(ctx.db_path, "2024-04-02", 3)        # data now stop on a Tuesday
    load(qtbot, screen)
    last = screen.dashboard.trend.buckets[-1]
    assert (last.start, last.end) == (date(2024, 4, 1), date(2024, 4, 7))
    assert all(region.isVisible() for region in screen.partial_regions)
    assert screen.partial_text.isVisible() and screen.partial_text.textItem.toPlainText() == "未结束"
    assert "灰色：本期尚未结束（数据截至 2024-04-02）" in screen.count_legend.entries
    assert "未结束" in screen.describe_bucket(len(screen.dashboard.trend.buckets) - 1)


def test_platforms_compared_with_unspecified_and_double_click_narrows(ctx, qtbot, screen):
    from cxdesk.core.analysis import trends

    fill(ctx.db_path)
    add_rows(ctx.db_path, "2024-03-20", 5, channel=None)
    load(qtbot, screen)
    table = screen.platform_table
    db = ctx.read_db()
    by = trends.counts_by_channel(db)
    assert table.channels() == list(by) and set(by) == {"淘宝", "京东", ""}
    row = table.channels().index("")
    assert table.item(row, 0).text() == "未指定" and table.item(row, 1).text() == "5"
    assert table.item(row, 3).text() == "100.0%"
    jd = table.channels().index("京东")
    assert table.item(jd, 1).text() == f"{by['京东'].total:,}"
    with qtbot.waitSignal(screen.refreshed, timeout=20000):
        table.itemDoubleClicked.emit(table.item(row, 0))
    assert screen.dashboard.filter.channels == ("",) and screen.dashboard.kpis.current.total == 5
    # Every platform stays listed while the overview shows one of them.
    assert set(table.channels()) == {"淘宝", "京东", ""}


def test_last_90_days_follow_the_data_after_an_import(ctx, qtbot, screen):
    fill(ctx.db_path)
    screen.date_picker.set_preset("90d", emit=False)
    load(qtbot, screen)
    qtbot.waitUntil(lambda: screen.dashboard.filter.date_to == date(2024, 3, 31), timeout=20000)
    add_rows(ctx.db_path, "2024-04-10", 4)
    with qtbot.waitSignal(screen.refreshed, timeout=20000):
        ctx.notify(Changes(feedback=True))
    qtbot.waitUntil(lambda: screen.dashboard.filter.date_to == date(2024, 4, 10), timeout=20000)
    assert screen.dashboard.filter.date_from == date(2024, 1, 12)
