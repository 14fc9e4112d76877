"""The dialog that edits (or creates) one improvement action, with its change history."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QVBoxLayout, QWidget)

from cxdesk.core.action_proposal import propose_action
from cxdesk.core.actions import STATUSES, field_name, history_value, needs_target_warning, status_name
from cxdesk.core.formatting import qt_date_format
from cxdesk.i18n import _, ngettext
from cxdesk.ui import theme
from cxdesk.ui.topic_picker import TopicPicker


class ActionEditor(QDialog):
    """Edit (or create) one action: title, description, owner, topics, keywords, channels, status, date."""

    def __init__(self, *, topics: list[str], owners: list[str], values: dict | None = None,
                 history: list | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        values = dict(values or {})
        self.setWindowTitle(_("Edit action") if values.get("id") else _("New action"))
        self.setMinimumWidth(460)
        self.feedback_ids = tuple(values.get("feedback_ids", ()))
        self.alert_id = values.get("alert_id")
        form = self._build_form(values, topics, owners)
        self.warning_label = QLabel(self)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(
            "color: {1}; background: {0}; padding: 4px; border-radius: 4px".format(*theme.MESSAGE["warning"]))
        self.warning_label.hide()
        self.topic_list.itemChanged.connect(lambda _i: self._update_warning())
        self.keywords_edit.textChanged.connect(lambda _t: self._update_warning())
        self.status_combo.currentIndexChanged.connect(lambda _i: self._update_warning())
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {theme.MESSAGE['error'][1]}")
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if history:
            layout.addWidget(QLabel(_("History"), self))
            layout.addWidget(self._history_list(history))
        layout.addWidget(self.warning_label)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.title_edit.setFocus()
        self._update_warning()

    def _build_form(self, values: dict, topics: list[str], owners: list[str]) -> QFormLayout:
        self.title_edit = QLineEdit(values.get("title", ""), self)
        self.title_edit.setPlaceholderText(_("e.g. Switch to a faster courier"))
        self.owner_edit = QComboBox(self)
        self.owner_edit.setEditable(True)
        self.owner_edit.addItems(owners)
        self.owner_edit.setCurrentText(values.get("owner", ""))
        self.status_combo = QComboBox(self)
        for s in STATUSES:
            self.status_combo.addItem(status_name(s), s)
        self.status_combo.setCurrentIndex(STATUSES.index(values.get("status", "todo")))
        self.topic_picker = TopicPicker(topics, values.get("topics", ()), self, ctx=getattr(self.parent(), "ctx", None))
        self.topic_list = self.topic_picker.list      # most complaints first, with a search box above
        self.keywords_edit = QLineEdit("、".join(values.get("keywords", ())), self)
        self.keywords_edit.setPlaceholderText(_("optional, separated by commas"))
        self.channels_edit = QLineEdit("、".join(values.get("channels", ())), self)
        self.channels_edit.setPlaceholderText(_("optional: only measure these channels"))
        self.description_edit = QPlainTextEdit(values.get("description", ""), self)
        self.description_edit.setMaximumHeight(90)
        form = QFormLayout()
        form.addRow(_("Title"), self.title_edit)
        form.addRow(_("Owner"), self.owner_edit)
        form.addRow(_("Status"), self.status_combo)
        form.addRow(_("Topics"), self.topic_picker)
        form.addRow(_("Keywords"), self.keywords_edit)
        form.addRow(_("Channels"), self.channels_edit)
        form.addRow("", self._live_row(values.get("live_date")))
        form.addRow(_("Description"), self.description_edit)
        if self.feedback_ids:
            n = len(self.feedback_ids)
            form.addRow(_("Examples"), QLabel(ngettext("{n} feedback row", "{n} feedback rows", n).format(n=n), self))
        return form

    def _live_row(self, live: date | None) -> QHBoxLayout:
        self.live_check = QCheckBox(_("Go-live date"), self)
        self.live_edit = QDateEdit(self)
        self.live_edit.setCalendarPopup(True)
        self.live_edit.setDisplayFormat(qt_date_format())
        self.live_check.setChecked(live is not None)
        self.live_edit.setDate(live or date.today())
        self.live_edit.setEnabled(live is not None)
        self.live_check.toggled.connect(self.live_edit.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.live_check)
        row.addWidget(self.live_edit, 1)
        return row

    def _history_list(self, history: list) -> QListWidget:
        self.history_list = QListWidget(self)
        self.history_list.setMaximumHeight(110)
        self.history_list.setAlternatingRowColors(True)
        for h in reversed(history):
            if h.field == "created":
                text = f"{h.at[:16]}  {field_name('created')}"
            else:
                text = (f"{h.at[:16]}  {field_name(h.field)}: {history_value(h.field, h.old_value)} → "
                        f"{history_value(h.field, h.new_value)}")
            if h.undone_at:
                text += "  " + _("(undone)")
            item = QListWidgetItem(text, self.history_list)
            item.setFlags(Qt.ItemIsEnabled)
        return self.history_list

    def _update_warning(self) -> None:
        """While an idea, no topic and no keyword is a warning; once live it is refused on Save."""
        v = self.values()
        text = needs_target_warning(v["topics"], v["keywords"])
        self.warning_label.setText(text or "")
        self.warning_label.setVisible(bool(text))

    def values(self) -> dict:
        topics = self.topic_picker.checked()
        return {
            "title": self.title_edit.text().strip(),
            "owner": self.owner_edit.currentText().strip(),
            "status": self.status_combo.currentData(),
            "topics": tuple(sorted(topics)),
            "keywords": self.keywords_edit.text(),
            "channels": self.channels_edit.text(),
            "live_date": self.live_edit.date().toPython() if self.live_check.isChecked() else None,
            "description": self.description_edit.toPlainText().strip(),
            "feedback_ids": self.feedback_ids,
            "alert_id": self.alert_id,
        }

    def _on_accept(self) -> None:
        v = self.values()
        if not v["title"]:
            self._error(_("Please give the action a title."))
            return
        if v["status"] in ("live", "evaluated") and v["live_date"] is None:
            self._error(_("A live action needs its go-live date."))
            return
        if v["status"] in ("live", "evaluated"):
            if needs_target_warning(v["topics"], v["keywords"]):
                self._error(_("Tick a topic or type a keyword before the action goes live, or keep it under “{todo}” "
                              "for now.").format(todo=status_name("todo")))
                return
        self.accept()

    def _error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()


def new_action_values(prefill: dict | None, topic: str | None, read_db) -> dict:
    """The editor's values for a new action: prefilled from a topic, an alert or feedback rows (whose
    shared topics and search word are proposed), else the topic the owner is looking at."""
    values: dict = {"title": "", "topics": (), "status": "todo"}
    if prefill is None and topic:
        values["topics"] = (topic,)
    prefill = dict(prefill or {})
    if "search" in prefill or (prefill.get("feedback_ids") and not prefill.get("topics")):
        proposal = propose_action(read_db(), prefill.get("feedback_ids") or (), prefill.pop("search", "") or "")
        prefill = {**proposal, **{k: v for k, v in prefill.items() if v}}
    values.update({k: v for k, v in prefill.items() if v is not None})
    values["topics"] = tuple(values.get("topics") or ())
    values["feedback_ids"] = tuple(int(i) for i in values.get("feedback_ids") or ())
    return values
