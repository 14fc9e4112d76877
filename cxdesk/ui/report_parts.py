"""Parts of the 报告 page: the Excel summary's choices, and the improvement report's numbers and quotes
as the owner checks them before export."""

from __future__ import annotations

import html
import re
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSplitter, QTextBrowser,
                               QVBoxLayout, QWidget)

from cxdesk.core.evaluation_text import format_pct, format_relative, verdict_name
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.reports.excel import SECTION_NAMES, SECTIONS
from cxdesk.core.formatting import day_text, time_text
from cxdesk.i18n import _
from cxdesk.ui import theme
from cxdesk.ui.widgets.date_range import DateRangePicker
from cxdesk.ui.widgets.elide import WholeTextLabel


def safe_file_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_") or "report"


class SummaryBox(QGroupBox):
    """What goes into the Excel summary: dates, channel, trend granularity and sheets."""

    changed = Signal()      # a sheet was ticked or unticked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Excel summary"), parent)
        self.date_range = DateRangePicker(self, preset="30d")
        self.channel_combo = QComboBox(self)
        self.granularity_combo = QComboBox(self)
        self.granularity_combo.addItem(_("By week"), "week")
        self.granularity_combo.addItem(_("By month"), "month")
        self.section_checks: dict[str, QCheckBox] = {}
        sections = QGridLayout()
        sections.setHorizontalSpacing(16)
        for i, key in enumerate(SECTIONS):
            box = QCheckBox(_(SECTION_NAMES[key]), self)
            box.setChecked(True)
            box.toggled.connect(lambda _on: self.changed.emit())
            self.section_checks[key] = box
            sections.addWidget(box, i // 4, i % 4)
        self.excel_button = QPushButton(_("Export Excel summary…"), self)
        self.excel_button.setDefault(True)
        # Dates, channel, trend and the button on one line, so the page fits a 1366×768 screen.
        choices = QHBoxLayout()
        for label, field in ((_("Dates"), self.date_range), (_("Channel"), self.channel_combo),
                             (_("Trend"), self.granularity_combo)):
            choices.addWidget(QLabel(label, self))
            choices.addWidget(field)
            choices.addSpacing(12)
        choices.addStretch(1)
        choices.addWidget(self.excel_button)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldsStayAtSizeHint)
        form.addRow(choices)
        form.addRow(_("Sheets"), sections)
        layout = QVBoxLayout(self)
        layout.addLayout(form)

    def fill_channels(self, channels: list[str]) -> None:
        """The channel choices of the database, keeping the one chosen where it still exists."""
        current = self.channel_combo.currentData()
        self.channel_combo.blockSignals(True)
        self.channel_combo.clear()
        self.channel_combo.addItem(_("All channels"), None)
        for name in channels:
            self.channel_combo.addItem(name, name)
        self.channel_combo.addItem(_("Unspecified"), "")   # rows imported without a platform
        index = self.channel_combo.findData(current) if current is not None else 0
        self.channel_combo.setCurrentIndex(max(index, 0))
        self.channel_combo.blockSignals(False)

    def summary_filter(self) -> FeedbackFilter:
        date_from, date_to = self.date_range.range()
        channel = self.channel_combo.currentData()
        return FeedbackFilter(date_from=date_from, date_to=date_to, channels=(channel,) if channel is not None else ())

    def chosen_sections(self) -> list[str]:
        return [k for k, box in self.section_checks.items() if box.isChecked()]

    def file_name(self) -> str:
        """The suggested file name: the summary's dates in it."""
        date_from, date_to = self.date_range.range()
        name = _("Feedback summary")
        if date_from or date_to:
            name += f"_{date_from or ''}_{date_to or date.today()}"
        return safe_file_name(name) + ".xlsx"


def facts_html(report) -> str:
    """Each action's numbers in the report (verdict, metric before → after) and where they come from."""
    lines = []
    for s in report.stories:
        head = f"<b>{html.escape(s.title)}</b>"
        if s.before is None:
            lines.append(head + "：" + html.escape(_("not live yet, no numbers")))
            continue
        when = (_("evaluation saved {at}").format(at=time_text(s.evaluated_at)) if s.evaluation_id
                else _("evaluated now; saved with the export"))
        after = (f"{format_pct(s.after.negative_rate)}（{s.after.topic_negative}/{s.after.total}）"
                 if s.after else _("no feedback yet"))
        change = f" {format_relative(s.relative_change)}" if s.relative_change is not None else ""
        lines.append(
            f"{head}：{html.escape(verdict_name(s.verdict))} · {html.escape(s.metric)} "
            f"{format_pct(s.before.negative_rate)}（{s.before.topic_negative}/{s.before.total}）→ {after}{change}"
            f"<br><span style='color:{theme.REPORT_MUTED}'>{html.escape(when)}</span>")
    return "<br>".join(lines)


def fill_quote_list(quote_list: QListWidget, report, quote_choice: dict[int, set[int]]) -> None:
    """The candidate quotes of each action, ticked where printed; an action seen for the first time
    starts with the quotes the report chose."""
    quote_list.blockSignals(True)
    quote_list.clear()
    for s in report.stories:
        printed = {q.feedback_id for q in s.quotes}
        if s.id not in quote_choice:
            quote_choice[s.id] = set(printed)
        if not s.candidates:
            item = QListWidgetItem(_("{title}: no quote from the period before go-live is about it and negative").format(
                title=s.title), quote_list)
            item.setFlags(Qt.NoItemFlags)
        for q in s.candidates:
            item = QListWidgetItem(f"{s.title[:12]} · {day_text(q.created_at)}  “{q.text}”", quote_list)
            item.setData(Qt.UserRole, (s.id, q.feedback_id))
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if q.feedback_id in printed else Qt.Unchecked)
    quote_list.blockSignals(False)


class StoryBox(QGroupBox):
    """The improvement report's choices (actions, shop name, logo, colour, quotes), its export buttons
    and its preview; the screen connects them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Improvement report for customers"), parent)
        self.action_list = QListWidget(self)
        self.action_list.setToolTip(_("Tick the actions the report should tell customers about"))
        self.shop_edit = QLineEdit(self)
        self.shop_edit.setPlaceholderText(_("Shop name printed on the report"))
        self.logo_button = QPushButton(_("Logo…"), self)
        self.logo_button.setToolTip(_("An image file (PNG or JPEG) printed at the top of the report"))
        self.logo_clear = QPushButton(_("No logo"), self)
        self.colour_button = QPushButton(_("Colour…"), self)
        self.numbers_label = WholeTextLabel(self)
        self.numbers_label.setWordWrap(True)
        self.numbers_label.setTextFormat(Qt.RichText)
        self.numbers_label.setStyleSheet(f"QLabel {{ background: {theme.REPORT_NUMBERS_BG}; border: 1px solid "
                                         f"{theme.REPORT_NUMBERS_BORDER}; border-radius: 4px; padding: 6px; }}")
        self.quote_list = QListWidget(self)
        self.quote_list.setWordWrap(True)
        self.quote_list.setToolTip(_("Tick the customer quotes to print; untick any you would rather not show"))
        self.pdf_button = QPushButton(_("Save as PDF…"), self)
        self.html_button = QPushButton(_("Save as web page…"), self)
        self.copy_button = QPushButton(_("Copy announcement text"), self)
        self.copy_button.setToolTip(_("A short post for WeChat Moments, Weibo or a review reply"))
        self.preview = QTextBrowser(self)
        self.preview.setOpenLinks(False)
        self.preview.setMinimumHeight(220)
        # Three rows of each list stay readable; a short window scrolls the page instead of squashing them.
        rows = self.fontMetrics().height() + 8
        self.action_list.setMinimumHeight(3 * rows + 4)
        self.quote_list.setMinimumHeight(3 * rows + 4)
        left = QVBoxLayout()
        left.addWidget(QLabel(_("Actions to include"), self))
        left.addWidget(self.action_list, 1)
        shop_row = QHBoxLayout()
        shop_row.addWidget(QLabel(_("Shop name"), self))
        shop_row.addWidget(self.shop_edit, 1)
        left.addLayout(shop_row)
        look_row = QHBoxLayout()
        look_row.addWidget(self.logo_button)
        look_row.addWidget(self.logo_clear)
        look_row.addWidget(self.colour_button)
        look_row.addStretch(1)
        left.addLayout(look_row)
        left.addWidget(QLabel(_("Numbers in the report (from the saved evaluation)"), self))
        left.addWidget(self.numbers_label)
        left.addWidget(QLabel(_("Customer quotes"), self))
        left.addWidget(self.quote_list, 1)
        buttons = QHBoxLayout()
        for b in (self.pdf_button, self.html_button, self.copy_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        left.addLayout(buttons)
        left_widget = QWidget(self)
        left_widget.setLayout(left)
        splitter = QSplitter(Qt.Horizontal, self)
        splitter.addWidget(left_widget)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
