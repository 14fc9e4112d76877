"""客户跟进: the queue of unhappy reviews to answer, one case at a time, with its draft and status buttons.

The queue (ids in order: overdue first, then severity) is read off the GUI thread; rows are loaded by
id in pages as they are shown, so 10,000 cases open as fast as 100. Status changes and draft edits are
writes through `ctx.run_task`. All rules live in `cxdesk.core.cases`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QListWidget, QPlainTextEdit, QPushButton, QSplitter, QTableView,
                               QTextBrowser, QVBoxLayout, QWidget)

from cxdesk.core import cases
from cxdesk.core.formatting import short_day_text, time_text
from cxdesk.i18n import N_, _
from cxdesk.ui import theme
from cxdesk.ui.tasks import LatestRead
from cxdesk.ui.widgets.message_bar import MessageBar

PAGE = 200
RAW_ROLE = Qt.UserRole + 1
COLUMNS = (N_("Status"), N_("Due"), N_("Rating"), N_("Channel"), N_("Customer"), N_("Complaint topics"), N_("Review"))
# Status buttons and their shortcuts, in the order the owner works a case.
STATUS_KEYS = (("replied", "Ctrl+1"), ("contacted", "Ctrl+2"), ("resolved", "Ctrl+3"), ("ignored", "Ctrl+4"),
               ("open", "Ctrl+0"))


class CasesTableModel(QAbstractTableModel):
    """Case ids in queue order; rows are fetched by id, a page at a time, into a small cache."""

    def __init__(self, read_db, parent=None) -> None:
        super().__init__(parent)
        self._read_db = read_db
        self.ids: list[int] = []
        self._cache: dict[int, cases.Case] = {}

    def set_ids(self, ids: list[int]) -> None:
        self.beginResetModel()
        self.ids = list(ids)
        self._cache.clear()
        self.endResetModel()

    def forget(self, case_id: int) -> None:
        self._cache.pop(case_id, None)
        if case_id in self.ids:
            row = self.ids.index(case_id)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def case_at(self, row: int) -> cases.Case | None:
        if row < 0 or row >= len(self.ids):
            return None
        cid = self.ids[row]
        if cid not in self._cache:
            if len(self._cache) > 5 * PAGE:
                self._cache.clear()
            start = (row // PAGE) * PAGE
            for case in cases.get_cases(self._read_db(), self.ids[start:start + PAGE]):
                self._cache[case.id] = case
        return self._cache.get(cid)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802 - Qt override
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(COLUMNS):
            return _(COLUMNS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        case = self.case_at(index.row())
        if case is None:
            return None
        col = index.column()
        if role == RAW_ROLE:
            return case
        if role == Qt.DisplayRole:
            if col == 0:
                return case.status_label
            if col == 1:
                return ("⚠ " if case.overdue else "") + f"{short_day_text(case.due_at[:10])} {case.due_at[11:16]}"
            if col == 2:
                return case.score_short
            if col == 3:
                return case.channel or "–"
            if col == 4:
                return case.author or "–"
            if col == 5:
                return _("、").join(case.topics) or "–"
            if col == 6:
                return " ".join(case.text.split())[:120] or _("(no text)")
        if role == Qt.ForegroundRole:
            if case.overdue and col in (0, 1):
                return QBrush(QColor(theme.CASE_OVERDUE_FG))
            if case.urgent and col == 6:
                return QBrush(QColor(theme.CASE_URGENT_FG))
        if role == Qt.BackgroundRole and case.overdue:
            return QBrush(QColor(theme.CASE_OVERDUE_BG))
        if role == Qt.ToolTipRole and col == 6:
            return case.text
        if role == Qt.ToolTipRole and col == 2:
            return case.score_label
        if role == Qt.ToolTipRole and col == 1 and case.overdue:
            return _("Overdue")
        return None


def highlighted_review(text: str, complaint: tuple[str, ...]) -> str:
    """The review as HTML with each complaint clause marked (escaped; customer text is never markup)."""
    spans: list[tuple[int, int]] = []
    for words in complaint:
        start = text.find(words) if words else -1
        if start >= 0:
            spans.append((start, start + len(words)))
    spans.sort()
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f'<span style="background:{theme.CASE_COMPLAINT_BG}; font-weight:600">'
                   f"{html.escape(text[start:end])}</span>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


class CasesScreen(QWidget):
    """The 客户跟进 page."""

    open_count_changed = Signal(int)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current: cases.CaseDetail | None = None
        self._queue_reader = LatestRead(ctx, "cases")

        self._build_filters()
        self._build_table()
        self._build_detail()
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.table, 1)
        ll.addWidget(self.empty_label)
        self.splitter = QSplitter(Qt.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([820, 480])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(theme.PAGE_MARGIN, theme.PAGE_MARGIN, theme.PAGE_MARGIN, theme.PAGE_MARGIN)
        layout.addWidget(self.message_bar)
        head = QHBoxLayout()
        head.addWidget(self.title_label)
        head.addSpacing(16)
        head.addWidget(self.summary_label, 1)
        layout.addLayout(head)
        layout.addLayout(self.filters)
        layout.addWidget(self.splitter, 1)
        self._show_case(None)
        self.ctx.data_changed.connect(self._on_data_changed)
        self.reload()

    def _build_filters(self) -> None:
        self.filters = QHBoxLayout()
        self.message_bar = MessageBar(self)
        self.message_bar.hide()
        title = self.title_label = QLabel(_("Customer follow-up"), self)
        title.setFont(theme.scaled_font(title.font(), theme.TITLE_SCALE))
        self.summary_label = QLabel(self)
        self.summary_label.setStyleSheet("color: #444")

        self.status_filter = QComboBox(self)
        self.status_filter.addItem(_("All statuses"), None)
        for key in cases.STATUSES:
            self.status_filter.addItem(cases.status_name(key), key)
        self.status_filter.setCurrentIndex(1)  # 待处理: what needs an answer
        self.topic_filter = QComboBox(self)
        self.channel_filter = QComboBox(self)
        self.overdue_only = QCheckBox(_("Overdue only"), self)
        for combo in (self.status_filter, self.topic_filter, self.channel_filter):
            combo.currentIndexChanged.connect(self.reload)
        for combo in (self.topic_filter, self.channel_filter):
            # Filled after the first show: a fixed width for "All channels", never one that grows with a name.
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.overdue_only.toggled.connect(self.reload)

        filters = self.filters
        filters.addWidget(QLabel(_("Status"), self))
        filters.addWidget(self.status_filter)
        filters.addWidget(QLabel(_("Topic"), self))
        filters.addWidget(self.topic_filter)
        filters.addWidget(QLabel(_("Channel"), self))
        filters.addWidget(self.channel_filter)
        filters.addWidget(self.overdue_only)
        filters.addStretch(1)

    def _build_table(self) -> None:
        self.model = CasesTableModel(self.ctx.read_db, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # Fixed widths from the header font: sizing to contents would load thousands of rows to measure them.
        metrics = self.table.fontMetrics()
        # The score column holds five stars or a survey's "10/10" (its tooltip says "recommend 10/10"), so
        # the customer's name keeps the room in every language.
        samples = ("已回复", f"⚠ {short_day_text('2026-12-31')} 23:59", "★★★★★", "大众点评", "风一样的女子", "上菜速度、分量")
        for col, sample in enumerate(samples):
            header.setSectionResizeMode(col, QHeaderView.Interactive)
            header.resizeSection(col, max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(_(COLUMNS[col]))) + 12)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 10)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignCenter)
        self.empty_label.setStyleSheet("color: #666; padding: 24px")
        self.empty_label.hide()

    def _build_detail(self) -> None:
        # The case on the right
        self.case_title = QLabel(self)
        self.case_title.setFont(theme.scaled_font(self.case_title.font(), 1.05))
        self.case_title.setWordWrap(True)
        self.case_meta = QLabel(self)
        self.case_meta.setWordWrap(True)
        self.case_meta.setStyleSheet("color: #555")
        self.review = QTextBrowser(self)
        self.review.setOpenLinks(False)
        self.review.setMaximumHeight(110)
        self.draft = QPlainTextEdit(self)
        self.draft.setPlaceholderText(_("The reply to paste on the platform"))
        self.copy_button = QPushButton(_("Copy reply"), self)
        self.copy_button.setToolTip(_("Copy the reply to the clipboard (Ctrl+Shift+C), then paste it on the platform"))
        self.copy_button.clicked.connect(self.copy_draft)
        self.save_draft_button = QPushButton(_("Save draft"), self)
        self.save_draft_button.clicked.connect(self.save_draft)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(_("Note (e.g. called back, coupon sent)"))
        self.owner = QLineEdit(self)
        self.owner.setPlaceholderText(_("Who handles it"))
        self.owner.setMaximumWidth(140)
        self.status_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        for key, shortcut in STATUS_KEYS:
            label = _("Reopen") if key == "open" else cases.status_name(key)
            button = QPushButton(f"{label}  ({shortcut.replace('Ctrl+', 'Ctrl ')})", self)
            button.setToolTip(_("Set the case to “{status}” and go to the next one").format(status=cases.status_name(key)))
            button.clicked.connect(lambda _c=False, k=key: self.set_status(k))
            QShortcut(QKeySequence(shortcut), self, activated=lambda k=key: self.set_status(k))
            self.status_buttons[key] = button
            buttons.addWidget(button)
        buttons.addStretch(1)
        QShortcut(QKeySequence("Ctrl+Shift+C"), self, activated=self.copy_draft)
        self.history = QListWidget(self)
        self.history.setMaximumHeight(110)

        draft_row = QHBoxLayout()
        draft_row.addWidget(QLabel(_("Reply draft"), self))
        draft_row.addStretch(1)
        draft_row.addWidget(self.save_draft_button)
        draft_row.addWidget(self.copy_button)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note, 1)
        note_row.addWidget(self.owner)

        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        rl.addWidget(self.case_title)
        rl.addWidget(self.case_meta)
        rl.addWidget(self.review)
        rl.addLayout(draft_row)
        rl.addWidget(self.draft, 1)
        rl.addLayout(note_row)
        rl.addLayout(buttons)
        rl.addWidget(QLabel(_("History"), self))
        rl.addWidget(self.history)
        self.detail = right

    # ------------------------------------------------------------------ loading

    def _on_data_changed(self, changes) -> None:
        if changes.feedback or changes.sources or changes.topics:
            self.reload()

    def _fill_filters(self, topics: list[str], channels: list[str]) -> None:
        for combo, values, everything in ((self.topic_filter, topics, _("All topics")),
                                          (self.channel_filter, channels, _("All channels"))):
            keep = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for value in values:
                combo.addItem(value, value)
            index = combo.findData(keep) if keep is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def reload(self) -> None:
        """Read the queue in a task (open new cases first: reviews analysed since the last look)."""
        status = self.status_filter.currentData()
        topic = self.topic_filter.currentData()
        channel = self.channel_filter.currentData()
        overdue = self.overdue_only.isChecked()

        def work(db, progress):
            return (cases.queue_ids(db, status=status, overdue=overdue, topic=topic, channel=channel),
                    cases.case_stats(db, weeks=0), cases.case_topics(db), cases.case_channels(db))

        self._queue_reader.start(work, self._on_queue, self.message_bar.show_error)

    def _on_queue(self, result) -> None:
        ids, stats, topics, channels = result
        self._fill_filters(topics, channels)
        keep = self.current.case.id if self.current else None
        self.model.set_ids(ids)
        self.summary_label.setText(
            _("{open} open · {overdue} overdue · response rate {rate} · median {hours} h to first reply").format(
                open=stats.open, overdue=stats.overdue,
                rate=f"{stats.response_rate * 100:.0f}%" if stats.response_rate is not None else "–",
                hours=f"{stats.median_reply_hours:g}" if stats.median_reply_hours is not None else "–"))
        self.open_count_changed.emit(stats.open)
        self.empty_label.setVisible(not ids)
        self.table.setVisible(bool(ids))
        if not ids:
            self.empty_label.setText(
                _("No cases here. Reviews rated 1–2 stars (and unrated negative ones) become cases after each import.")
                if stats.total == 0 else _("No case matches these filters."))
            self._show_case(None)
            return
        row = self.model.ids.index(keep) if keep in self.model.ids else 0
        self.table.selectRow(row)

    def _on_current_row(self, current, _previous=None) -> None:
        case = self.model.case_at(current.row()) if current.isValid() else None
        if case is None:
            self._show_case(None)
            return
        try:
            self._show_case(cases.get_case(self.ctx.read_db(), case.id))
        except Exception as exc:  # noqa: BLE001 - the case was removed meanwhile (undone import)
            self.message_bar.show_error(str(exc))
            self._show_case(None)

    def _show_case(self, detail: cases.CaseDetail | None) -> None:
        self.current = detail
        self.detail.setEnabled(detail is not None)
        if detail is None:
            self.case_title.setText(_("Pick a case on the left."))
            self.case_meta.clear()
            self.review.clear()
            self.draft.clear()
            self.note.clear()
            self.owner.clear()
            self.history.clear()
            return
        c = detail.case
        stars = c.score_label
        title = f"#{c.id}  {c.status_label}  {stars}  {c.author or _('(no name)')}"
        if c.urgent:
            title += "  · " + _("urgent")
        self.case_title.setText(title)
        due = _("overdue since {time}") if c.overdue else _("reply by {time}")
        meta = [c.channel or "–", time_text(c.created_at), due.format(time=time_text(c.due_at))]
        if c.topics:
            meta.append(_("complains about: {topics}").format(topics=_("、").join(c.topics)))
        self.case_meta.setText("  ·  ".join(meta))
        self.review.setHtml(highlighted_review(c.text or _("(no text)"), detail.complaint))
        self.draft.setPlainText(c.reply or c.draft)
        self.note.setText(c.note)
        self.owner.setText(c.owner)
        self.history.clear()
        for h in detail.history:
            if h.field == "status":
                old = cases.status_name(h.old_value) if h.old_value else "–"
                line = f"{time_text(h.at)}  {cases.field_name('status')}: {old} → {cases.status_name(h.new_value)}"
            else:
                line = f"{time_text(h.at)}  {cases.field_name(h.field)}: {(h.new_value or '–')[:60]}"
            self.history.addItem(line)
        for key, button in self.status_buttons.items():
            button.setEnabled(key != c.status)

    # ------------------------------------------------------------------ actions

    def copy_draft(self) -> None:
        text = self.draft.toPlainText().strip()
        if not text:
            return
        QGuiApplication.clipboard().setText(text)
        self.message_bar.show_success(_("Reply copied. Paste it on the platform."), timeout_ms=3000)

    def save_draft(self) -> None:
        if self.current is not None:
            self._write(self.current.case.id, draft=self.draft.toPlainText().strip() or None, advance=False)

    def set_status(self, status: str) -> None:
        if self.current is None or not self.detail.isEnabled():
            return
        c = self.current.case
        reply = self.draft.toPlainText().strip() if status in ("replied", "contacted") else None
        note = self.note.text().strip()
        owner = self.owner.text().strip()
        self._write(c.id, status=status, reply=reply or None, note=note if note != c.note else None,
                    owner=owner if owner != c.owner else None, advance=True)

    def _write(self, case_id: int, *, advance: bool, **fields) -> None:
        row = self.table.currentIndex().row()
        self.detail.setEnabled(False)

        def work(db, progress):
            return cases.update_case(db, case_id, **fields)

        task = self.ctx.run_task(work, title=_("Saving the case"))
        task.signals.finished.connect(lambda detail: self._on_written(detail, row, advance))
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(lambda: self.detail.setEnabled(self.current is not None))

    def _on_written(self, detail: cases.CaseDetail, row: int, advance: bool) -> None:
        self.model.forget(detail.case.id)
        if advance and row + 1 < self.model.rowCount():
            self.table.selectRow(row + 1)
        else:
            self._show_case(detail)
        # The queue and the counts follow (a replied case leaves the 待处理 list).
        if advance:
            self.reload()
