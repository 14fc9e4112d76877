"""什么在拉低评分 on 主题: for each topic, the stars a complaint about it costs (others held equal, with its
95% interval) and how much the average rating would rise without those complaints.

One core call, `brief.drivers.rating_drivers(db, last day)`, run off the GUI thread.
"""

from __future__ import annotations

from shiboken6 import isValid
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QAbstractItemView, QGroupBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from cxdesk.core.changes import Changes
from cxdesk.core.formatting import day_text, percent
from cxdesk.i18n import N_, _
from cxdesk.ui import theme

DRIVERS_HELP = N_("A regularised linear model of the star rating on “this review complains about the topic”, "
                  "over the year up to the newest review; reviews without a rating are left out. Stars per "
                  "complaint = how much lower such reviews rate, the other topics held equal (95% interval). "
                  "Fixing it would lift the rating by = stars per complaint × share of rated reviews complaining.")


class DriversPanel(QGroupBox):
    """Rating drivers table; reloads itself when feedback or topics change."""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(_("What pulls the rating down"), parent)
        self.ctx = ctx
        self.result = None
        self._loaded_once = False
        self.setToolTip(_(DRIVERS_HELP))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([_("Topic"), _("Stars per complaint"), _("Complaining"),
                                              _("Fixing it lifts the rating by")])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        lay.addWidget(self.table, 1)
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {theme.CHART_EMPTY_TEXT};")
        lay.addWidget(self.note)
        ctx.data_changed.connect(self._on_data_changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._start)

    def reload(self) -> None:
        self._timer.start()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._loaded_once:
            self.reload()

    def _on_data_changed(self, changes: Changes) -> None:
        if self._loaded_once and (changes is None or changes.feedback or changes.topics):
            self.reload()

    def _start(self) -> None:
        def work(db, progress):
            from datetime import date

            from cxdesk.core.analysis.trends import data_range
            from cxdesk.core.brief.drivers import rating_drivers

            return rating_drivers(db, data_range(db)[1] or date.today())

        task = self.ctx.run_task(work, write=False, title=_("What pulls the rating down"))
        task.signals.finished.connect(self._show)
        task.signals.failed.connect(self.note.setText)

    def _show(self, result) -> None:
        if not isValid(self):
            return
        self._loaded_once = True
        self.result = result
        rows = [d for d in result.drivers if d.coefficient < 0]
        self.table.setRowCount(len(rows))
        for r, d in enumerate(rows):
            cells = (d.topic, _("{stars:.2f} ({low:.2f} to {high:.2f})").format(
                         stars=d.coefficient, low=d.ci_low, high=d.ci_high),
                     percent(d.share), _("about {stars:.2f} stars").format(stars=d.rating_impact))
            for c, value in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(value))
        if not result.drivers:
            self.note.setText(_("Not enough rated reviews with topics yet to tell what costs stars."))
        else:
            self.note.setText(_("{n} rated reviews from {start} to {end}; average rating {mean:.2f}.").format(
                n=result.rated, start=day_text(result.date_from), end=day_text(result.date_to),
                mean=result.mean_rating or 0))
