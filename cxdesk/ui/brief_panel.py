"""本周要点 on 概览: the week against last week and the goals, the three fixes with a button each, actions,
cases and rising complaints; 复制 for the team's WeChat group, export, and the goal editor.

All numbers come from one core call, `brief.build_brief(db, week)`, run off the GUI thread; the
sentences are those of `brief.text`, the same as `cxdesk brief`.
"""

from __future__ import annotations

from datetime import timedelta

from shiboken6 import isValid
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QFileDialog, QFrame, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from cxdesk.core.changes import Changes
from cxdesk.i18n import _
from cxdesk.ui import theme
from cxdesk.ui.widgets.message_bar import MessageBar


def _label(text: str, parent: QWidget, *, bold: bool = False, colour: str = "", scale: float = 1.0) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    font = label.font()
    font.setBold(bold)
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    if colour:
        label.setStyleSheet(f"color: {colour};")
    return label


def _clear(layout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
        elif item.layout() is not None:
            _clear(item.layout())


class BriefPanel(QWidget):
    """The weekly brief. `reload()` rebuilds it in the background and emits `refreshed` when drawn."""

    refreshed = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.brief = None
        self.week = None                 # Monday of the week shown; None = the newest week
        self._task = None
        self._pending = False
        self._loaded_once = False
        self.fix_buttons: list[QPushButton] = []

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.message_bar = MessageBar(self)
        outer.addWidget(self.message_bar)
        head = QHBoxLayout()
        self.title_label = _label(_("Weekly brief"), self, bold=True, scale=theme.TITLE_SCALE)
        self.prev_button = QPushButton(_("◀ Week before"), self)
        self.next_button = QPushButton(_("Week after ▶"), self)
        self.copy_button = QPushButton(_("Copy"), self)
        self.copy_button.setToolTip(_("Copy the brief as a message for the team's WeChat group"))
        self.export_button = QPushButton(_("Export…"), self)
        self.export_button.setToolTip(_("Save the brief as a one-page HTML or PDF file"))
        self.goals_button = QPushButton(_("Goals…"), self)
        head.addWidget(self.title_label, 1)
        for b in (self.prev_button, self.next_button, self.copy_button, self.export_button, self.goals_button):
            head.addWidget(b)
        outer.addLayout(head)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        body = QWidget(scroll)
        body.setMaximumWidth(1200)   # on a wide screen the buttons stay near the fixes they belong to
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(0, 0, 8, 0)
        self.headline_label = _label("", body, scale=1.1)
        self.body.addWidget(self.headline_label)
        self.nps_label = _label("", body, scale=1.1)   # the survey responses' NPS, when there are any
        self.nps_label.setToolTip(_("Net promoter score of the week's survey responses: % promoters (9–10) − "
                                    "% detractors (0–6), with its 95% interval"))
        self.body.addWidget(self.nps_label)
        self.goals_box = QGroupBox(_("Goals"), body)
        self.goals_lay = QVBoxLayout(self.goals_box)
        self.body.addWidget(self.goals_box)
        self.fixes_box = QGroupBox(_("The three things to fix this week"), body)
        self.fixes_box.setToolTip(_("Ranked by expected gain: stars a complaint costs × this week's complaints × "
                                    "how much they rose × (half when a live action already covers the topic); "
                                    "a topic whose complaints suddenly doubled is always among them"))
        self.fixes_lay = QVBoxLayout(self.fixes_box)
        self.body.addWidget(self.fixes_box)
        self.more_box = QGroupBox(_("Actions, cases and rising complaints"), body)
        self.more_lay = QVBoxLayout(self.more_box)
        self.body.addWidget(self.more_box)
        self.body.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        self.prev_button.clicked.connect(lambda: self._step(-1))
        self.next_button.clicked.connect(lambda: self._step(1))
        self.copy_button.clicked.connect(self.copy_message)
        self.export_button.clicked.connect(self.export_dialog)
        self.goals_button.clicked.connect(self.edit_goals)
        ctx.data_changed.connect(self._on_data_changed)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(0)
        self._reload_timer.timeout.connect(self._start_reload)
        self._set_enabled(False)

    # ---------------------------------------------------------------- loading

    def reload(self) -> None:
        self._reload_timer.start()

    def _step(self, weeks: int) -> None:
        if self.brief is not None:
            self.week = self.brief.start + timedelta(weeks=weeks)
            self.reload()

    def _set_enabled(self, on: bool) -> None:
        for b in (self.prev_button, self.next_button, self.copy_button, self.export_button):
            b.setEnabled(on)

    def _start_reload(self) -> None:
        if self._task is not None and not self._task.done.is_set():
            self._pending = True
            return
        week = self.week

        def work(db, progress):
            from cxdesk.core.brief.brief import build_brief

            return build_brief(db, week, progress)

        self._task = task = self.ctx.run_task(work, write=False, title=_("Writing the weekly brief"))
        task.signals.finished.connect(self._show)
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(self._on_task_ended)

    def _on_task_ended(self) -> None:
        if not isValid(self):
            return
        self._task = None
        if self._pending:
            self._pending = False
            self._start_reload()

    def _on_data_changed(self, changes: Changes) -> None:
        if self._loaded_once and (changes is None or changes.any()):
            self.reload()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._loaded_once:
            self.reload()

    # ---------------------------------------------------------------- drawing

    def _show(self, brief) -> None:
        if not isValid(self):
            return
        from cxdesk.core.brief import text

        self.brief = brief
        self._loaded_once = True
        self._set_enabled(True)
        self.next_button.setEnabled(brief.data_to is not None and brief.end < brief.data_to)
        if brief.empty:
            self._show_nothing_yet()
            return
        for box in (self.goals_box, self.fixes_box):
            box.show()
        self.title_label.setText(text.title(brief))
        shown = brief.has_reviews or brief.current.total > 0
        self.headline_label.setText("\n".join(x for x in (text.headline(brief) if shown else "",
                                                           text.week_note(brief)) if x))
        self.headline_label.setVisible(shown or bool(text.week_note(brief)))
        self.nps_label.setText(text.nps_line(brief))
        self.nps_label.setVisible(brief.nps is not None)
        _clear(self.goals_lay)
        for g in brief.goals:
            colour = "" if g.met is None else (theme.CHANGE_GOOD if g.met else theme.CHANGE_BAD)
            mark = "" if g.met is None else ("✓ " if g.met else "✗ ")
            self.goals_lay.addWidget(_label(mark + g.text, self.goals_box, colour=colour))
        if not brief.goals:
            self.goals_lay.addWidget(_label(_("No goals yet: set one with “Goals…” (e.g. negative rate below 8%)."),
                                            self.goals_box, colour=theme.CHART_EMPTY_TEXT))
        self._draw_fixes(brief)
        self._draw_more(brief)
        self.refreshed.emit()

    def _show_nothing_yet(self) -> None:
        """A database with neither feedback nor survey responses: one sentence instead of empty parts."""
        from cxdesk.core.brief import text

        self.title_label.setText(_("Weekly brief"))
        self.headline_label.setText(text.nothing_yet())
        self.headline_label.show()
        self.nps_label.hide()
        for box in (self.goals_box, self.fixes_box, self.more_box):
            box.hide()
        self._set_enabled(False)
        self.refreshed.emit()

    def _draw_fixes(self, brief) -> None:
        from cxdesk.core.brief import text

        _clear(self.fixes_lay)
        self.fix_buttons = []
        if not brief.fixes:
            self.fixes_lay.addWidget(_label(text.fixes_heading(brief), self.fixes_box, colour=theme.CHART_EMPTY_TEXT))
        for i, fix in enumerate(brief.fixes, 1):
            row = QHBoxLayout()
            col = QVBoxLayout()
            col.addWidget(_label(f"{i}. {text.fix_line(fix)}", self.fixes_box, bold=True))
            for e in fix.examples:
                col.addWidget(_label("　" + _("e.g. “{text}”").format(text=" ".join(e.text.split())), self.fixes_box,
                                     colour=theme.CHART_AXIS))
            row.addLayout(col, 1)
            button = QPushButton(_("New improvement action"), self.fixes_box)
            button.clicked.connect(lambda _c=False, f=fix: self.new_action(f))
            self.fix_buttons.append(button)
            row.addWidget(button, 0, Qt.AlignTop)
            self.fixes_lay.addLayout(row)

    def _draw_more(self, brief) -> None:
        from cxdesk.core.brief import text

        _clear(self.more_lay)
        lines = [text.action_line(a) for a in brief.actions]
        lines += [a.title() + _(": ") + a.describe() for a in brief.alerts]
        if brief.cases:
            lines.append(text.cases_line(brief))
        for line in lines:
            self.more_lay.addWidget(_label("· " + line, self.more_box))
        self.more_box.setVisible(bool(lines))

    # ---------------------------------------------------------------- actions

    def new_action(self, fix) -> None:
        from cxdesk.core.brief.text import action_prefill

        self.ctx.create_action_requested.emit(action_prefill(self.brief, fix))

    def copy_message(self) -> str:
        from cxdesk.core.brief.text import wechat_message

        message = wechat_message(self.brief)
        QGuiApplication.clipboard().setText(message)
        self.message_bar.show_success(_("Copied: paste it into the team's WeChat group."), timeout_ms=5000)
        return message

    def export_to(self, path: str) -> None:
        from pathlib import Path

        from cxdesk.core.errors import CxdeskError
        from cxdesk.render.brief_page import write_brief_page

        try:
            write_brief_page(self.brief, Path(path))
        except CxdeskError as exc:
            self.message_bar.show_error(str(exc))
            return
        self.message_bar.show_success(_("Saved to {path}").format(path=path), timeout_ms=6000)

    def export_dialog(self) -> None:
        name = _("weekly brief") + f" {self.brief.week}.pdf"
        path, _filter = QFileDialog.getSaveFileName(self, _("Export the weekly brief"), name,
                                                    _("PDF (*.pdf);;Web page (*.html)"))
        if path:
            if not path.lower().endswith((".pdf", ".html", ".htm")):
                path += ".pdf"
            self.export_to(path)

    def edit_goals(self):
        from cxdesk.ui.goal_editor import GoalEditor

        dialog = GoalEditor(self.ctx, self.brief.end if self.brief else None, self)
        dialog.changed.connect(self.reload)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        return dialog


def add_brief_to_overview(screen) -> BriefPanel:
    """Put the brief on 概览 as a page of its own, shown by a 本周要点 button in the filter bar."""
    panel = BriefPanel(screen.ctx, screen.pages)
    screen.pages.addWidget(panel)
    button = screen.brief_button = QPushButton(_("Weekly brief"), screen)
    button.setCheckable(True)
    bar = screen.filter_bar.layout()
    bar.insertWidget(bar.indexOf(screen.save_button), button)
    overview_controls = (screen.date_picker, screen.granularity_combo, screen.channel_combo, screen.topic_combo,
                         screen.view_combo, screen.save_button)

    def show(on: bool) -> None:
        screen.pages.setCurrentWidget(panel if on else screen.content)
        for w in overview_controls:
            w.setEnabled(not on)   # the brief is about one week, all channels and topics

    def keep_shown() -> None:   # the overview's reload puts its own page back
        if button.isChecked() and screen.pages.currentWidget() is screen.content:
            screen.pages.setCurrentWidget(panel)

    button.toggled.connect(show)
    screen.refreshed.connect(keep_shown)
    screen.refresh_button.clicked.connect(lambda: button.isChecked() and panel.reload())
    return panel
