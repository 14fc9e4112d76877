"""The 话题 (topics) screen: the topic dictionary (add, rename, merge, delete, synonyms, on/off), the
shop's own words, for each topic its keywords and latest examples, and the complaints no topic covers
(还没归类的抱怨), each of which becomes a topic, or a word of one, in one click.

Every edit is one core call from `cxdesk.core.analysis.topics` run as a background task; after edits
the feedback is re-analysed in the background so the new dictionary takes effect.
"""

from __future__ import annotations

import logging

from shiboken6 import isValid
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QInputDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMenu, QMessageBox,
                               QPlainTextEdit, QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from cxdesk.core.changes import Changes
from cxdesk.core.filters import FeedbackFilter
from cxdesk.i18n import N_, _
from cxdesk.ui.drivers_panel import DriversPanel

log = logging.getLogger("cxdesk.ui.topics_screen")

LABEL_COLOURS = {"positive": "#2e7d32", "negative": "#c62828", "neutral": "#616161"}
LABEL_NAMES = {"positive": N_("positive"), "negative": N_("negative"), "neutral": N_("neutral"),
               "unknown": N_("unknown")}
WORD_SEPARATORS = N_("Separate words with commas, spaces or new lines.")


def split_words(text: str) -> list[str]:
    """Words typed by the owner: any of ， 、 , ; ； spaces or new lines separates them."""
    import re

    return [w for w in re.split(r"[\s,，、;；]+", text or "") if w]


class TopicsScreen(QWidget):
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

        splitter = QSplitter(Qt.Horizontal, self)
        outer.addWidget(splitter, 1)

        # --- left: topic table and buttons, and below them the complaints no topic covers
        left_split = QSplitter(Qt.Vertical, splitter)
        left = QWidget(left_split)
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 4, left)
        self.table.setHorizontalHeaderLabels([_("Topic"), _("Mentions"), _("Negative"), _("Negative share")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        left_lay.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("New topic…"), left)
        self.rename_button = QPushButton(_("Rename…"), left)
        self.merge_button = QPushButton(_("Merge…"), left)
        self.merge_button.setToolTip(_("Fold the selected topics into one; their words and mentions move along"))
        self.delete_button = QPushButton(_("Delete"), left)
        for b in (self.add_button, self.rename_button, self.merge_button, self.delete_button):
            buttons.addWidget(b)
        left_lay.addLayout(buttons)
        self.analysis_label = QLabel("", left)
        self.analysis_label.setWordWrap(True)
        left_lay.addWidget(self.analysis_label)

        self.uncovered_box = QGroupBox(_("Complaints no topic covers"), left_split)
        self.uncovered_box.setToolTip(_(
            "Negative remarks that name none of your topics, grouped by their key phrase; new and growing "
            "ones first. Make one a topic, or add it to a topic's words, so it is counted from now on."))
        unc_lay = QVBoxLayout(self.uncovered_box)
        unc_lay.setContentsMargins(6, 6, 6, 6)
        self.uncovered_table = QTableWidget(0, 5, self.uncovered_box)
        self.uncovered_table.setHorizontalHeaderLabels(
            [_("Complaint"), _("Reviews"), _("Last {n} days").format(n=30), "", ""])
        self.uncovered_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.uncovered_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.uncovered_table.verticalHeader().setVisible(False)
        self.uncovered_table.setAlternatingRowColors(True)
        self.uncovered_table.setWordWrap(False)
        uheader = self.uncovered_table.horizontalHeader()
        uheader.setSectionResizeMode(0, QHeaderView.Stretch)
        for col in (1, 2, 3, 4):
            uheader.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        unc_lay.addWidget(self.uncovered_table, 1)
        self.uncovered_empty = QLabel(_("Every complaint names one of your topics."), self.uncovered_box)
        self.uncovered_empty.setStyleSheet("color: palette(dark);")
        self.uncovered_empty.hide()
        unc_lay.addWidget(self.uncovered_empty)
        self.uncovered: list = []        # UncoveredComplaint, in the order shown
        left_split.setStretchFactor(0, 3)
        left_split.setStretchFactor(1, 2)
        self.drivers_panel = DriversPanel(ctx, left_split)   # 什么在拉低评分 (ui/drivers_panel.py)

        # --- right: details of one topic, and the shop's own words
        right = QWidget(splitter)
        right_lay = QVBoxLayout(right)
        right_lay.setContentsMargins(0, 0, 0, 0)
        self.detail_box = QGroupBox(_("Topic"), right)
        form = QFormLayout(self.detail_box)
        self.enabled_check = QCheckBox(_("Use this topic"), self.detail_box)
        self.enabled_check.setToolTip(_("Switched-off topics are not looked for and not shown in the overview"))
        form.addRow(self.enabled_check)
        self.synonyms_edit = QPlainTextEdit(self.detail_box)
        self.synonyms_edit.setPlaceholderText(_(WORD_SEPARATORS))
        self.synonyms_edit.setMaximumHeight(90)
        self.synonyms_edit.setToolTip(_(WORD_SEPARATORS))
        syn_row = QVBoxLayout()
        syn_row.addWidget(self.synonyms_edit)
        self.save_synonyms_button = QPushButton(_("Save words"), self.detail_box)
        syn_buttons = QHBoxLayout()
        syn_buttons.addStretch(1)
        syn_buttons.addWidget(self.save_synonyms_button)
        syn_row.addLayout(syn_buttons)
        form.addRow(_("Words that mean this topic:"), syn_row)
        self.keywords_label = QLabel("–", self.detail_box)
        self.keywords_label.setWordWrap(True)
        self.keywords_label.setToolTip(_("Words customers use most when they talk about this topic"))
        form.addRow(_("What customers say:"), self.keywords_label)
        self.examples = QListWidget(self.detail_box)
        self.examples.setWordWrap(True)
        self.examples.setAlternatingRowColors(True)
        form.addRow(_("Latest feedback:"), self.examples)
        self.open_button = QPushButton(_("Read all feedback on this topic"), self.detail_box)
        form.addRow(self.open_button)
        right_lay.addWidget(self.detail_box, 3)

        words_box = QGroupBox(_("Your own words"), right)
        words_box.setToolTip(_("Product names, dishes or brand words that must be read as one word, e.g. 酸菜鱼 or 小蓝瓶"))
        words_lay = QVBoxLayout(words_box)
        self.user_words = QListWidget(words_box)
        self.user_words.setFlow(QListWidget.LeftToRight)
        self.user_words.setWrapping(True)
        self.user_words.setMaximumHeight(110)
        self.user_words.setSelectionMode(QAbstractItemView.ExtendedSelection)
        add_row = QHBoxLayout()
        self.word_edit = QLineEdit(words_box)
        self.word_edit.setPlaceholderText(_("New word, e.g. 酸菜鱼"))
        self.add_word_button = QPushButton(_("Add"), words_box)
        self.remove_word_button = QPushButton(_("Remove selected"), words_box)
        add_row.addWidget(self.word_edit, 1)
        add_row.addWidget(self.add_word_button)
        add_row.addWidget(self.remove_word_button)
        words_lay.addWidget(self.user_words)
        words_lay.addLayout(add_row)
        right_lay.addWidget(words_box, 1)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([420, 600])

        # --- signals
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
        ctx.data_changed.connect(self._on_data_changed)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(0)
        self._reload_timer.timeout.connect(self._start_reload)
        self._update_buttons()

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

        def work(db, progress):
            from cxdesk.core.analysis import topics

            from cxdesk.core.analysis.uncovered import uncovered_complaints

            return (topics.list_topics(db), topics.topic_stats(db, keywords=False), topics.list_user_words(db),
                    uncovered_complaints(db))

        task = self.ctx.run_task(work, write=False, title=_("Loading topics"))
        task.signals.finished.connect(lambda result, g=generation: self._on_loaded(g, result))
        task.signals.failed.connect(self.message_bar.show_error)

    def _on_loaded(self, generation: int, result) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        if generation != self._generation:
            return
        all_topics, stats, words, uncovered = result
        self._loaded_once = True
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
                name_item.setForeground(QColor("#9e9e9e"))
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

        def work(db, progress):
            from cxdesk.core.analysis import topics
            from cxdesk.core.analysis.keywords import keywords_for_topic

            try:
                words = keywords_for_topic(db, name, top_k=12)
            except Exception:  # noqa: BLE001 - keywords are a nicety; the examples still show
                log.exception("keywords for %s failed", name)
                words = []
            return words, topics.topic_examples(db, name, n=8)

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
            when = (ex.created_at or "")[:10]
            item = QListWidgetItem(f"[{_(LABEL_NAMES.get(label, label))}] {when}  {ex.text}")
            item.setData(Qt.UserRole, ex.feedback_id)
            item.setForeground(QColor(LABEL_COLOURS.get(label, "#424242")))
            self.examples.addItem(item)
        if not examples:
            self.examples.addItem(QListWidgetItem(_("No feedback mentions this topic yet.")))
        self.details_shown.emit(name)

    def open_feedback(self) -> None:
        topic = self.current_topic()
        if topic is not None:
            self.ctx.open_feedback_requested.emit(FeedbackFilter(topics=(topic.name,)))

    def _on_example_activated(self, item: QListWidgetItem) -> None:
        fid = item.data(Qt.UserRole)
        if fid:
            self.ctx.open_feedback_requested.emit(FeedbackFilter(ids=(int(fid),)))

    # ---------------------------------------------------------------- edits (each one core call)

    def _edit(self, fn, select: list[str] | None = None, message: str = ""):
        """Run a dictionary edit in the background; on success reload and re-analyse."""

        def work(db, progress):
            return fn(db)

        task = self.ctx.run_task(work, title=_("Saving topics"))
        self.last_task = task

        def done(changes) -> None:
            if not isValid(self):
                return
            if select is not None:
                self._pending_select = select
            if message:
                self.message_bar.show_success(message, timeout_ms=5000)
            self.ctx.notify(changes if isinstance(changes, Changes) else Changes(topics=True))
            self.reload()
            if isinstance(changes, Changes) and changes.any():
                self.schedule_analysis()
            self.edit_finished.emit(changes)

        task.signals.finished.connect(done)
        task.signals.failed.connect(self.message_bar.show_error)
        return task

    def add_topic(self, name: str, synonyms: list[str] | str = ()):
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.add_topic(db, name, synonyms), [name.strip()],
                          _("Topic “{name}” added.").format(name=name.strip()))

    def rename_selected(self, new: str):
        topic = self.current_topic()
        if topic is None:
            return None
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.rename_topic(db, topic.name, new), [new.strip()],
                          _("“{old}” is now called “{new}”; the old name stays one of its words.").format(
                              old=topic.name, new=new.strip()))

    def merge_selected_into(self, target: str):
        names = self.selected_names()
        if not names:
            return None
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.merge_topics(db, names, target), [target.strip()],
                          _("Merged into “{name}”.").format(name=target.strip()))

    def delete_selected(self):
        names = self.selected_names()
        if not names:
            return None
        from cxdesk.core.analysis import topics

        def fn(db):
            changes = Changes()
            for n in names:
                changes = changes | topics.delete_topic(db, n)
            return changes

        return self._edit(fn, [], _("Deleted: {names}").format(names="、".join(names)))

    def save_synonyms(self):
        topic = self.current_topic()
        if topic is None:
            return None
        from cxdesk.core.analysis import topics

        words = split_words(self.synonyms_edit.toPlainText())
        return self._edit(lambda db: topics.set_synonyms(db, topic.name, words), [topic.name],
                          _("Words of “{name}” saved.").format(name=topic.name))

    def _on_enabled_clicked(self, checked: bool) -> None:
        self.set_selected_enabled(checked)

    def set_selected_enabled(self, enabled: bool):
        topic = self.current_topic()
        if topic is None:
            return None
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.set_topic_enabled(db, topic.name, enabled), [topic.name])

    def add_word(self, word: str):
        from cxdesk.core.analysis import topics

        return self._edit(lambda db: topics.add_user_word(db, word), None,
                          _("“{word}” will be read as one word.").format(word=word.strip()))

    def add_word_from_edit(self):
        word = self.word_edit.text().strip()
        if not word:
            return None
        self.word_edit.clear()
        return self.add_word(word)

    def remove_selected_words(self):
        words = [i.text() for i in self.user_words.selectedItems()]
        if not words:
            return None
        from cxdesk.core.analysis import topics

        def fn(db):
            changes = Changes()
            for w in words:
                changes = changes | topics.remove_user_word(db, w)
            return changes

        return self._edit(fn, None)

    def make_topic_of(self, phrase: str):
        """A complaint no topic covers becomes a topic of its own."""
        from cxdesk.core.analysis import uncovered

        return self._edit(lambda db: uncovered.make_topic(db, phrase), [phrase],
                          _("“{phrase}” is now a topic; the feedback is read again.").format(phrase=phrase))

    def add_phrase_to_topic(self, phrase: str, topic: str):
        """A complaint no topic covers becomes one more word of `topic`."""
        from cxdesk.core.analysis import uncovered

        return self._edit(lambda db: uncovered.add_to_topic(db, phrase, topic), [topic],
                          _("“{phrase}” is now a word of “{topic}”; the feedback is read again.").format(
                              phrase=phrase, topic=topic))

    # ---------------------------------------------------------------- dialogs around the edits

    def _ask_add_to_topic(self, phrase: str, button: QPushButton) -> None:
        menu = QMenu(self)
        for name in sorted(n for n, t in self.topics.items() if t.enabled):
            menu.addAction(name, lambda n=name: self.add_phrase_to_topic(phrase, n))
        if menu.isEmpty():
            self.message_bar.show_error(_("There are no topics yet; make the phrase a topic instead."))
            return
        menu.exec(button.mapToGlobal(button.rect().bottomLeft()))

    def _ask_add(self) -> None:
        name, ok = QInputDialog.getText(self, _("New topic"), _("Name of the topic, e.g. 上菜速度:"))
        if ok and name.strip():
            self.add_topic(name)

    def _ask_rename(self) -> None:
        topic = self.current_topic()
        if topic is None:
            return
        name, ok = QInputDialog.getText(self, _("Rename topic"), _("New name for “{name}”:").format(name=topic.name),
                                        text=topic.name)
        if ok and name.strip() and name.strip() != topic.name:
            self.rename_selected(name)

    def _ask_merge(self) -> None:
        names = self.selected_names()
        if not names:
            return
        choices = sorted(self.topics)
        target, ok = QInputDialog.getItem(
            self, _("Merge topics"),
            _("Merge {names} into (pick a topic or type a new name):").format(names="、".join(names)),
            choices, choices.index(names[0]) if names[0] in choices else 0, True)
        if ok and target.strip():
            self.merge_selected_into(target)

    def _ask_delete(self) -> None:
        names = self.selected_names()
        if not names:
            return
        answer = QMessageBox.question(
            self, _("Delete topics"),
            _("Delete {names}? Feedback stays; it is just no longer counted under these topics.").format(
                names="、".join(names)))
        if answer == QMessageBox.Yes:
            self.delete_selected()

    # ---------------------------------------------------------------- background re-analysis

    def schedule_analysis(self) -> None:
        """Re-read the feedback with the new dictionary (once more if edits arrive meanwhile)."""
        if self.analysis_task is not None and not self.analysis_task.done.is_set():
            self._analysis_pending = True
            return
        from cxdesk.core.analysis import analyze

        task = self.ctx.run_task(lambda db, p: analyze(db, p), title=_("Re-analysing feedback"))
        self.analysis_task = task
        self.analysis_label.setText(_("Re-reading the feedback with the new words…"))
        task.signals.progressed.connect(self._on_analysis_progress)
        task.signals.finished.connect(self._on_analysis_finished)
        task.signals.failed.connect(self._on_analysis_failed)
        task.signals.cancelled.connect(self._on_analysis_cancelled)
        task.signals.ended.connect(self._on_analysis_ended)

    def _on_analysis_progress(self, done: int, total: int, message: str) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        pct = int(100 * done / total) if total else 0
        self.analysis_label.setText(_("Re-reading the feedback with the new words… {pct}%").format(pct=pct))

    def _on_analysis_finished(self, _result) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        self.analysis_label.setText(_("All feedback has been read with the current words."))
        self.ctx.notify(Changes(feedback=True, topics=True, alerts=True))

    def _on_analysis_failed(self, message: str) -> None:
        if not isValid(self):
            return
        self.analysis_label.setText(_("The re-analysis stopped; the words are saved. Edit again or restart to retry."))
        self.message_bar.show_error(message)

    def _on_analysis_cancelled(self) -> None:
        if isValid(self):
            self.analysis_label.setText(_("The re-analysis was cancelled; the words are saved."))

    def _on_analysis_ended(self) -> None:
        if not isValid(self):
            return  # the screen was closed while the task ran
        self.analysis_task = None
        if self._analysis_pending:
            self._analysis_pending = False
            self.schedule_analysis()
