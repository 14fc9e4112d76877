"""The wizard's questionnaire section: when a file is a survey export, the owner confirms what each question is.

cxdesk's guess (`core.surveys.detect_survey`) fills one row per column: the question as exported and a
choice of recommend (0–10), satisfaction, open question, submission time, response number, store or
"keep only". Unticking "Import as survey responses" imports the file as ordinary reviews instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from cxdesk.core.errors import CxdeskError
from cxdesk.core.importers import ImportPlan
from cxdesk.core.surveys import KIND_LABELS, KINDS, SurveyPlan, detect_survey
from cxdesk.i18n import _

SCALES = (5, 7, 10)


class SurveySection(QGroupBox):
    """Shown only for questionnaire exports; `survey()` is the confirmed plan, or None to import as reviews."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Questionnaire export"), parent)
        self._plan: SurveyPlan | None = None
        v = QVBoxLayout(self)
        top = QHBoxLayout()
        self.use_check = QCheckBox(_("Import as survey responses (NPS and satisfaction)"), self)
        self.use_check.setChecked(True)
        self.use_check.toggled.connect(self._on_use_toggled)
        top.addWidget(self.use_check, 1)
        top.addWidget(QLabel(_("Satisfaction scale:"), self))
        self.scale_combo = QComboBox(self)
        for top_value in SCALES:
            self.scale_combo.addItem(f"1–{top_value}", top_value)
        self.scale_combo.activated.connect(lambda _i: self.changed.emit())
        top.addWidget(self.scale_combo)
        v.addLayout(top)
        self.hint = QLabel(_("cxdesk guessed what each question is from its wording and answers. Check the "
                             "recommend question (0–10), the satisfaction question and the open questions; "
                             "each written answer is analyzed as feedback with its question."), self)
        self.hint.setWordWrap(True)
        v.addWidget(self.hint)
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels([_("Question (column)"), _("What it is")])
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(150)
        v.addWidget(self.table, 1)
        self.combos: list[QComboBox] = []
        self._order: list[int] = []      # table row -> question index
        self._roles_hint: QLabel | None = None
        self.hide()

    @classmethod
    def placed(cls, layout, hint: QLabel, on_changed) -> "SurveySection":
        """A section added to the wizard's page `layout`; it hides the page's column-role `hint` while shown."""
        section = cls(hint.parentWidget())
        section._roles_hint = hint
        section.changed.connect(on_changed)
        layout.addWidget(section, 1)
        return section

    # ------------------------------------------------------------------ filling

    def set_plan(self, plan: ImportPlan | None) -> None:
        """Look at the sniffed plan; show the section with the guess when the file is a questionnaire."""
        guess = detect_survey(plan) if plan is not None else None
        if guess is not None and self._plan is not None and \
                [q.text for q in guess.questions] == [q.text for q in self._plan.questions]:
            guess = self._plan   # the same columns read again (another encoding): keep the owner's choices
        self._plan = guess
        self.setVisible(guess is not None)
        if self._roles_hint is not None:
            self._roles_hint.setVisible(guess is None)
        if guess is None:
            return
        self.table.setRowCount(len(guess.questions))
        self.combos = []
        # The questions cxdesk found a use for first; bookkeeping columns (所用时间, 来自IP) after them.
        self._order = sorted(range(len(guess.questions)), key=lambda i: (guess.questions[i].kind == "other", i))
        for row, qi in enumerate(self._order):
            q = guess.questions[qi]
            item = QTableWidgetItem(q.text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(q.text)
            self.table.setItem(row, 0, item)
            combo = QComboBox(self.table)
            for kind in KINDS:
                combo.addItem(_(KIND_LABELS[kind]), kind)
            combo.setCurrentIndex(KINDS.index(q.kind))
            combo.activated.connect(lambda _i, r=row: self._on_kind_chosen(r))
            self.table.setRowHeight(row, self.table.fontMetrics().height() + 12)
            self.table.setCellWidget(row, 1, combo)
            self.combos.append(combo)
        self.scale_combo.setCurrentIndex(SCALES.index(guess.csat_scale))
        self.changed.emit()

    def _on_kind_chosen(self, row: int) -> None:
        if self._plan is None:
            return
        kind = self.combos[row].currentData()
        try:
            self._plan = self._plan.with_kinds({self._plan.questions[self._order[row]].column: kind})
        except CxdeskError:
            return
        for r, qi in enumerate(self._order):   # a single kind moved away from its old column
            self.combos[r].setCurrentIndex(KINDS.index(self._plan.questions[qi].kind))
        self.changed.emit()

    def _on_use_toggled(self, on: bool) -> None:
        self.table.setEnabled(on)
        self.scale_combo.setEnabled(on)
        self.changed.emit()

    # ------------------------------------------------------------------ reading

    def set_kind(self, column: int, kind: str) -> None:
        """Choose what column `column` holds (as the owner would with the combo box)."""
        row = next(r for r, qi in enumerate(self._order) if self._plan.questions[qi].column == column)
        self.combos[row].setCurrentIndex(KINDS.index(kind))
        self._on_kind_chosen(row)

    def survey(self) -> SurveyPlan | None:
        if self._plan is None or not self.use_check.isChecked():
            return None
        return self._plan.with_kinds({}, csat_scale=self.scale_combo.currentData())

    def combo_for(self, column: int) -> QComboBox:
        return self.combos[next(r for r, qi in enumerate(self._order) if self._plan.questions[qi].column == column)]

    def ready(self) -> bool:
        """A survey import needs a recommend, satisfaction or open question."""
        s = self.survey()
        return s is not None and any(s.columns_of(k) for k in ("nps", "csat", "open"))
