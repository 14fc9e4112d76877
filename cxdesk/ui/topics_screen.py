"""The 主题 (topics) screen: the topic dictionary (add, rename, merge, delete, synonyms, on/off), the
shop's own words, for each topic its keywords and latest examples, and the complaints no topic covers
(还没归类的抱怨), each of which becomes a topic, or a word of one, in one click.

Counts cover the period chosen at the top, like 概览 (the last 90 days of the data by default). Every
edit is one core call run as a background task (topics_edits); the parts of the screen are built by
topics_panels; after edits the feedback is re-analysed in the background.
"""

from __future__ import annotations

import logging
from datetime import date

from shiboken6 import isValid
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QLabel, QListWidgetItem, QPushButton, QSplitter, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from cxdesk.core import formatting
from cxdesk.core.changes import Changes
from cxdesk.core.filters import FeedbackFilter
from cxdesk.i18n import N_, _
from cxdesk.ui import theme
from cxdesk.ui.drivers_panel import DriversPanel
from cxdesk.ui.topics_edits import TopicsEditsMixin, split_words  # noqa: F401 - split_words: public name
from cxdesk.ui.topics_panels import WORD_SEPARATORS, build_detail_side, build_period_bar, build_topic_side  # noqa: F401
from cxdesk.ui.widgets.date_range import preset_range

log = logging.getLogger("cxdesk.ui.topics_screen")

LABEL_NAMES = {"positive": N_("positive"), "negative": N_("negative"), "neutral": N_("neutral"),
               "unknown": N_("unknown")}
RELATIVE_PRESETS = ("7d", "30d", "90d", "year")


def period_for(preset: str, custom: tuple[date | None, date | None], data_to: date | None,
               today: date | None = None) -> tuple[date | None, date | None, date | None]:
    """(from, to, anchor): a relative preset counts back from the newest feedback when that is older
    than today (historical data), so “last 90 days” follows the data after every import."""
    today = today or date.today()
    anchor = data_to if data_to is not None and data_to < today else None
    if preset in RELATIVE_PRESETS:
        start, end = preset_range(preset, anchor or today)
        return start, end, anchor
    return custom[0], custom[1], anchor


class TopicsScreen(TopicsEditsMixin, QWidget):
    """Topic dictionary editor. `reload()` refreshes the list; `refreshed` fires when it is drawn."""

    refreshed = Signal()
    details_shown = Signal(str)        # topic name whose keywords and examples are now shown
    edit_finished = Signal(object)     # Changes of the last dictionary edit

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from cxdesk.ui.widgets.message_bar import MessageBar

        self.ctx = ctx
        self.stats: list = []            # TopicStat per enabled topic
        self.topics: dict = {}           # name -> Topic (all, also disabled)
        self.uncovered: list = []        # UncoveredComplaint, in the order shown
        self.period = FeedbackFilter()   # the days the counts cover (set by each load)
        self.analysis_task = None
        self._analysis_pending = False
        self._loaded_once = False
        self._generation = 0
        self._detail_generation = 0
        self.last_task = None
        self._pending_select: list[str] | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        self.message_bar = MessageBar(self)
        outer.addWidget(self.message_bar)
        intro = QLabel(_("Topics are what customers talk about (delivery, taste, price…). A review mentions a "
                         "topic when it contains the topic's name or one of its words. Edit the words here; "
                         "cxdesk then re-reads all feedback in the background."), self)
        intro.setWordWrap(True)
        intro.setStyleSheet("color: palette(dark);")
        outer.addWidget(intro)
        build_period_bar(self, outer)
        splitter = QSplitter(Qt.Horizontal, self)
        outer.addWidget(splitter, 1)
        build_topic_side(self, splitter)
        self.drivers_panel = DriversPanel(ctx, splitter.widget(0))   # 什么在拉低评分 (ui/drivers_panel.py)
        build_detail_side(self, splitter)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([420, 600])
        self._connect_signals()
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(0)
        self._reload_timer.timeout.connect(self._start_reload)
        self._update_buttons()

    def _connect_signals(self) -> None:
        self.date_picker.changed.connect(lambda _f, _t: self.reload())
        self.business_combo.activated.connect(self._on_business_chosen)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.add_button.clicked.connect(self._ask_add)
        self.rename_button.clicked.connect(self._ask_rename)
        self.merge_button.clicked.connect(self._ask_merge)
        self.delete_button.clicked.connect(self._ask_delete)
        self.save_synonyms_button.clicked.connect(self.save_synonyms)
        self.enabled_check.clicked.connect(self._on_enabled_clicked)
        self.open_button.clicked.connect(self.open_feedback)
        self.examples.itemDoubleClicked.connect(self._on_example_activated)
        self.add_word_button.clicked.connect(self.add_word_from_edit)
        self.word_edit.returnPressed.connect(self.add_word_from_edit)
        self.remove_word_button.clicked.connect(self.remove_selected_words)
        self.ctx.data_changed.connect(self._on_data_changed)

    # ---------------------------------------------------------------- loading

    def reload(self) -> None:
        self._generation += 1  # whatever is still on its way was computed for an older request
        self._reload_timer.start()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._loaded_once:
            self.reload()

    def _on_data_changed(self, changes: Changes) -> None:
        if changes is None or changes.topics or changes.feedback:
            if self._loaded_once or self.isVisible():
                self.reload()

    def _start_reload(self) -> None:
        self._generation += 1
        generation = self._generation

        preset, custom = self.date_picker.preset(), self.date_picker.range()

        def work(db, progress):
            from cxdesk.core.analysis import topics, trends
            from cxdesk.core.analysis.uncovered import uncovered_complaints
            from cxdesk.core.shop import shop_profile

            start, end, anchor = period_for(preset, custom, trends.data_range(db)[1])
            flt = FeedbackFilter(date_from=start, date_to=end)
            return (topics.list_topics(db), topics.topic_stats(db, flt, keywords=False), topics.list_user_words(db),
                    uncovered_complaints(db, flt), flt, anchor, shop_profile(db).business_type)

        task = self.ctx.run_task(work, write=False, title=_("Loading topics"))
        task.signals.finished.connect(lambda result, g=generation: self._on_loaded(g, result))
        task.signals.failed.connect(self.message_bar.show_error)

    def _on_loaded(self, generation: int, result) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        if generation != self._generation:
            return
        all_topics, stats, words, uncovered, self.period, anchor, business = result
        self._loaded_once = True
        self._show_period(anchor)
        self._show_business(business)
        selected = self._pending_select if self._pending_select is not None else self.selected_names()
        self._pending_select = None
        self.topics = {t.name: t for t in all_topics}
        self.stats = list(stats)
        by_name = {s.name: s for s in stats}
        self.table.setSortingEnabled(False)
        self.table.setRowCount(0)
        for t in all_topics:
            s = by_name.get(t.name)
            row = self.table.rowCount()
            self.table.insertRow(row)
            name_item = QTableWidgetItem(t.name)
            name_item.setData(Qt.UserRole, t.name)
            if not t.enabled:
                name_item.setForeground(QColor(theme.DISABLED_TEXT))
                name_item.setToolTip(_("Switched off"))
            self.table.setItem(row, 0, name_item)
            for col, value in ((1, s.mentions if s else 0), (2, s.negative if s else 0)):
                item = QTableWidgetItem()
                item.setData(Qt.DisplayRole, int(value))
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
            share = QTableWidgetItem(f"{s.negative_share * 100:.0f}%" if s and s.mentions else "–")
            share.setData(Qt.UserRole, s.negative_share if s else 0.0)
            share.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.table.setItem(row, 3, share)
        self.table.setSortingEnabled(True)
        self.table.sortItems(1, Qt.DescendingOrder)
        self.select_topics(selected or ([self.table.item(0, 0).text()] if self.table.rowCount() else []))
        self.user_words.clear()
        for w in words:
            self.user_words.addItem(w)
        self._show_uncovered(uncovered)
        self._update_buttons()
        self.refreshed.emit()

    def _show_period(self, anchor: date | None) -> None:
        """The picker counts back from the same day as the load did; the days are written out beside it."""
        picker = self.date_picker
        if picker.preset() in RELATIVE_PRESETS and picker.anchor() != anchor:
            picker.set_today(anchor)
            picker.set_preset(picker.preset(), emit=False)
        p = self.period
        self.period_label.set_full_text(formatting.day_range(p.date_from, p.date_to) if p.date_from or p.date_to
                                        else _("All feedback"))

    def _show_business(self, business: str | None) -> None:
        combo = self.business_combo
        combo.blockSignals(True)
        combo.setCurrentIndex(max(combo.findData(business), 0) if business else -1)
        combo.blockSignals(False)

    def _on_business_chosen(self, _index: int) -> None:
        business = self.business_combo.currentData()
        if business:
            self.set_business(business)

    def _show_uncovered(self, found: list) -> None:
        self.uncovered = list(found)
        table = self.uncovered_table
        table.setRowCount(0)
        for u in self.uncovered:
            row = table.rowCount()
            table.insertRow(row)
            item = QTableWidgetItem(u.phrase)
            item.setData(Qt.UserRole, u.phrase)
            item.setToolTip("\n".join(u.clauses))
            table.setItem(row, 0, item)
            for col, value in ((1, u.count), (2, u.recent)):
                cell = QTableWidgetItem()
                cell.setData(Qt.DisplayRole, int(value))
                cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                table.setItem(row, col, cell)
            make = QPushButton(_("Make a topic"), table)
            make.setToolTip(_("A new topic named “{phrase}”").format(phrase=u.phrase))
            make.clicked.connect(lambda _checked=False, p=u.phrase: self.make_topic_of(p))
            table.setCellWidget(row, 3, make)
            add = QPushButton(_("Add to topic…"), table)
            add.setToolTip(_("“{phrase}” becomes one more word of a topic you pick").format(phrase=u.phrase))
            add.clicked.connect(lambda _checked=False, p=u.phrase, b=add: self._ask_add_to_topic(p, b))
            table.setCellWidget(row, 4, add)
        table.setVisible(bool(self.uncovered))
        self.uncovered_empty.setVisible(not self.uncovered)

    # ---------------------------------------------------------------- selection and details

    def selected_names(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.table.item(r, 0).data(Qt.UserRole) for r in rows if self.table.item(r, 0)]

    def select_topics(self, names: list[str]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.MultiSelection)
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(Qt.UserRole) in names:
                self.table.selectRow(r)
        self.table.setSelectionMode(mode)

    def current_topic(self):
        names = self.selected_names()
        return self.topics.get(names[0]) if len(names) == 1 else None

    def _update_buttons(self) -> None:
        n = len(self.selected_names())
        self.rename_button.setEnabled(n == 1)
        self.delete_button.setEnabled(n >= 1)
        self.merge_button.setEnabled(n >= 1)
        self.detail_box.setEnabled(n == 1)

    def _on_selection(self) -> None:
        self._update_buttons()
        topic = self.current_topic()
        if topic is None:
            self.detail_box.setTitle(_("Topic"))
            return
        self.detail_box.setTitle(topic.name)
        self.enabled_check.setChecked(topic.enabled)
        self.synonyms_edit.setPlainText("、".join(topic.synonyms))
        self.keywords_label.setText(_("Loading…"))
        self.examples.clear()
        self._detail_generation += 1
        generation = self._detail_generation
        name = topic.name
        period = self.period

        def work(db, progress):
            from cxdesk.core.analysis import topics

            try:
                words = topics.keywords_for_topic(db, name, top_k=12, flt=period)
            except Exception:  # noqa: BLE001 - keywords are a nicety; the examples still show
                log.exception("keywords for %s failed", name)
                words = []
            return words, topics.topic_examples(db, name, n=8, flt=period)

        task = self.ctx.run_task(work, write=False, title=_("Loading topic details"))
        task.signals.finished.connect(lambda result, g=generation, n=name: self._on_details(g, n, result))
        task.signals.failed.connect(self.message_bar.show_error)

    def _on_details(self, generation: int, name: str, result) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        if generation != self._detail_generation:
            return
        words, examples = result
        self.keywords_label.setText("、".join(w for w, _s in words) if words else _("(not enough feedback yet)"))
        self.examples.clear()
        for ex in examples:
            label = ex.label or "unknown"
            when = formatting.day_text(ex.created_at)
            item = QListWidgetItem(f"[{_(LABEL_NAMES.get(label, label))}] {when}  {ex.text}")
            item.setData(Qt.UserRole, ex.feedback_id)
            item.setForeground(QColor(theme.sentiment(label).text))
            self.examples.addItem(item)
        if not examples:
            self.examples.addItem(QListWidgetItem(_("No feedback mentions this topic yet.")))
        self.details_shown.emit(name)

    def open_feedback(self) -> None:
        topic = self.current_topic()
        if topic is not None:
            self.ctx.open_feedback_requested.emit(self.period.with_changes(topics=(topic.name,)))

    def _on_example_activated(self, item: QListWidgetItem) -> None:
        fid = item.data(Qt.UserRole)
        if fid:
            self.ctx.open_feedback_requested.emit(FeedbackFilter(ids=(int(fid),)))
