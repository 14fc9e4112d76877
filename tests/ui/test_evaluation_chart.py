"""The evaluation chart: every label over the plot shows its whole text, also near the right edge."""

from __future__ import annotations

from datetime import date, timedelta

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QWidget

from cxdesk.i18n import _


@pytest.fixture(scope="module")
def still_running(tmp_path_factory):
    """The demo shop with an action that went live 10 days ago: most of its after-period is still to come."""
    from cxdesk.core.actions import create_action
    from cxdesk.core.demo import create_demo_db
    from cxdesk.core.evaluation import evaluation_view_data
    from cxdesk.core.storage import open_db

    path = create_demo_db(tmp_path_factory.mktemp("chart") / "shop.db")
    db = open_db(path)
    try:
        action_id = create_action(db, "防漏餐盒", topics=("外卖配送",), live_date=date.today() - timedelta(days=10))
        ev, series, _snapshots = evaluation_view_data(db, action_id)
    finally:
        db.close()
    assert ev.after.end > series.last_day    # the days still to come are drawn
    return ev, series


@pytest.mark.parametrize("width", [360, 520, 900])
def test_labels_end_inside_the_plot(qtbot, still_running, width):
    from cxdesk.ui.evaluation_chart import EvaluationChart

    chart = EvaluationChart()
    qtbot.addWidget(chart)
    chart.resize(width, 300)
    QWidget.show(chart)               # EvaluationChart.show(ev, series) draws; the widget's own show shows it
    chart.show(*still_running)
    qtbot.wait(50)
    box = chart.plot.getViewBox()
    inside = box.sceneBoundingRect()
    labels = [item for item in chart.plot.items() if isinstance(item, pg.TextItem)]
    texts = [label.textItem.toPlainText() for label in labels]
    still = _("still collecting until {date}").split("{date}")[0]
    assert any(text.startswith(still) for text in texts), texts
    for label in labels:
        shown = label.sceneBoundingRect()
        assert shown.right() <= inside.right() + 1 and shown.left() >= inside.left() - 1, (
            label.textItem.toPlainText(), shown, inside)


def test_legend_keeps_its_lines_when_the_chart_is_short(qtbot, still_running):
    """A long title and verdict leave the chart 181 px in a 125 % dialog on 1366×768: the plot
    gives way, the legend underneath is not drawn over."""
    from cxdesk.ui.evaluation_chart import EvaluationChart

    holder = QWidget()            # as in the dialog's splitter: the chart gets less than it asks for
    qtbot.addWidget(holder)
    holder.resize(420, 181)
    chart = EvaluationChart(holder)
    chart.setGeometry(0, 0, 420, 181)
    holder.show()
    chart.show(*still_running)
    qtbot.wait(50)
    legend = chart.legend_label
    assert legend.height() >= legend.heightForWidth(legend.width())
    assert chart.plot.geometry().bottom() < legend.geometry().top(), (chart.plot.geometry(), legend.geometry())
