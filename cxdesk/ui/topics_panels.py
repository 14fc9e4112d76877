"""The parts of the 主题 screen, built onto it: the period bar, the topic table with its buttons, the
complaints no topic covers, one topic's details and the shop's own words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QListWidget, QPlainTextEdit, QPushButton, QSplitter, QTableWidget,
                               QVBoxLayout, QWidget)

from cxdesk.core.shop import BUSINESS_CHOICES, business_label
from cxdesk.i18n import N_, _
from cxdesk.ui.widgets.date_range import DateRangePicker
from cxdesk.ui.widgets.elide import ElidedLabel

WORD_SEPARATORS = N_("Separate words with commas, spaces or new lines.")


def build_period_bar(screen, outer: QVBoxLayout) -> None:
    """“期间” and the same date-range picker as 概览 (last 90 days of the data by default)."""
    bar = QHBoxLayout()
    bar.setContentsMargins(0, 0, 0, 0)
    label = QLabel(_("Period:"), screen)
    screen.date_picker = DateRangePicker(screen, preset="90d")
    label.setBuddy(screen.date_picker.preset_combo)
    screen.period_label = ElidedLabel("", screen)
    screen.period_label.setStyleSheet("color: palette(dark);")
    bar.addWidget(label)
    bar.addWidget(screen.date_picker)
    bar.addWidget(screen.period_label, 1)
    # The kind of business decides the template topics; the same choice as in Settings.
    business = QLabel(_("Kind of business:"), screen)
    screen.business_combo = QComboBox(screen)
    for name in BUSINESS_CHOICES:
        screen.business_combo.addItem(business_label(name), name)
    screen.business_combo.setToolTip(_("Another kind of business brings its own topics; the topics you made "
                                       "yourself stay, and the feedback is analysed again in the background."))
    business.setBuddy(screen.business_combo)
    bar.addWidget(business)
    bar.addWidget(screen.business_combo)
    outer.addLayout(bar)


def _table(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    # Every column as wide as its contents, the last one taking what is left: a stretched first column
    # was squeezed to “…” by the figures' long English headers at 125 %, hiding which topic a row is.
    for col in range(len(headers)):
        header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def build_topic_side(screen, splitter: QSplitter) -> None:
    """Left: the topic table and its buttons, and below them the complaints no topic covers."""
    left_split = QSplitter(Qt.Vertical, splitter)
    left = QWidget(left_split)
    left_lay = QVBoxLayout(left)
    left_lay.setContentsMargins(0, 0, 0, 0)
    screen.table = _table(left, [_("Topic"), _("Mentions"), _("Negative"), _("Negative share")])
    screen.table.setSelectionBehavior(QAbstractItemView.SelectRows)
    screen.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
    screen.table.setSortingEnabled(True)
    # The topics are what this page is about: at least four rows stay in sight on a 768 px screen at 125 %,
    # the panels below give way first.
    row_px = screen.table.fontMetrics().height() + 10
    screen.table.setMinimumHeight(row_px * 5 + 8)
    left_lay.addWidget(screen.table, 1)
    buttons = QHBoxLayout()
    screen.add_button = QPushButton(_("New topic…"), left)
    screen.rename_button = QPushButton(_("Rename…"), left)
    screen.merge_button = QPushButton(_("Merge…"), left)
    screen.merge_button.setToolTip(_("Fold the selected topics into one; their words and mentions move along"))
    screen.delete_button = QPushButton(_("Delete"), left)
    for b in (screen.add_button, screen.rename_button, screen.merge_button, screen.delete_button):
        buttons.addWidget(b)
    left_lay.addLayout(buttons)
    screen.analysis_label = QLabel("", left)
    screen.analysis_label.setWordWrap(True)
    left_lay.addWidget(screen.analysis_label)

    box = screen.uncovered_box = QGroupBox(_("Complaints no topic covers"), left_split)
    box.setToolTip(_(
        "Negative remarks that name none of your topics, grouped by their key phrase; new and growing "
        "ones first. Make one a topic, or add it to a topic's words, so it is counted from now on."))
    unc_lay = QVBoxLayout(box)
    unc_lay.setContentsMargins(6, 6, 6, 6)
    screen.uncovered_table = _table(box, [_("Complaint"), _("Reviews"), _("Last {n} days").format(n=30), "", ""])
    screen.uncovered_table.setSelectionMode(QAbstractItemView.NoSelection)
    screen.uncovered_table.setWordWrap(False)
    unc_lay.addWidget(screen.uncovered_table, 1)
    screen.uncovered_empty = QLabel(_("Every complaint names one of your topics."), box)
    screen.uncovered_empty.setStyleSheet("color: palette(dark);")
    screen.uncovered_empty.setWordWrap(True)
    screen.uncovered_empty.hide()
    unc_lay.addWidget(screen.uncovered_empty)
    left_split.setStretchFactor(0, 3)
    left_split.setStretchFactor(1, 2)


def build_detail_side(screen, splitter: QSplitter) -> None:
    """Right: one topic's words, what customers say about it, its latest feedback; the shop's own words."""
    right = QWidget(splitter)
    right_lay = QVBoxLayout(right)
    right_lay.setContentsMargins(0, 0, 0, 0)
    box = screen.detail_box = QGroupBox(_("Topic"), right)
    form = QFormLayout(box)
    screen.enabled_check = QCheckBox(_("Use this topic"), box)
    screen.enabled_check.setToolTip(_("Switched-off topics are not looked for and not shown in the overview"))
    form.addRow(screen.enabled_check)
    screen.synonyms_edit = QPlainTextEdit(box)
    screen.synonyms_edit.setPlaceholderText(_(WORD_SEPARATORS))
    screen.synonyms_edit.setMaximumHeight(90)
    screen.synonyms_edit.setToolTip(_(WORD_SEPARATORS))
    syn_row = QVBoxLayout()
    syn_row.addWidget(screen.synonyms_edit)
    screen.save_synonyms_button = QPushButton(_("Save words"), box)
    syn_buttons = QHBoxLayout()
    syn_buttons.addStretch(1)
    syn_buttons.addWidget(screen.save_synonyms_button)
    syn_row.addLayout(syn_buttons)
    form.addRow(_("Words that mean this topic:"), syn_row)
    screen.keywords_label = QLabel("–", box)
    screen.keywords_label.setWordWrap(True)
    screen.keywords_label.setToolTip(_("Words customers use most when they talk about this topic"))
    form.addRow(_("What customers say:"), screen.keywords_label)
    screen.examples = QListWidget(box)
    screen.examples.setWordWrap(True)
    screen.examples.setAlternatingRowColors(True)
    form.addRow(_("Latest feedback:"), screen.examples)
    screen.open_button = QPushButton(_("Read all feedback on this topic"), box)
    form.addRow(screen.open_button)
    right_lay.addWidget(box, 3)

    words_box = QGroupBox(_("Your own words"), right)
    words_box.setToolTip(_("Product names, dishes or brand words that must be read as one word, e.g. 酸菜鱼 or 小蓝瓶"))
    words_lay = QVBoxLayout(words_box)
    screen.user_words = QListWidget(words_box)
    screen.user_words.setFlow(QListWidget.LeftToRight)
    screen.user_words.setWrapping(True)
    screen.user_words.setMaximumHeight(110)
    screen.user_words.setSelectionMode(QAbstractItemView.ExtendedSelection)
    add_row = QHBoxLayout()
    screen.word_edit = QLineEdit(words_box)
    screen.word_edit.setPlaceholderText(_("New word, e.g. 酸菜鱼"))
    screen.add_word_button = QPushButton(_("Add"), words_box)
    screen.remove_word_button = QPushButton(_("Remove selected"), words_box)
    add_row.addWidget(screen.word_edit, 1)
    add_row.addWidget(screen.add_word_button)
    add_row.addWidget(screen.remove_word_button)
    words_lay.addWidget(screen.user_words)
    words_lay.addLayout(add_row)
    right_lay.addWidget(words_box, 1)
