"""A compact date-range picker: presets (最近7天/30天/90天/今年/全部) plus a custom from–to pair.

It emits `changed(date | None, date | None)` with inclusive local calendar days; `None` means open
on that side, so "全部" is `(None, None)` and maps straight onto `FeedbackFilter(date_from, date_to)`.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from cxdesk.core import formatting
from cxdesk.i18n import N_, _

PRESETS: tuple[tuple[str, str], ...] = (
    ("all", N_("All time")),
    ("7d", N_("Last 7 days")),
    ("30d", N_("Last 30 days")),
    ("90d", N_("Last 90 days")),
    ("year", N_("This year")),
    ("custom", N_("Custom…")),
)


def preset_range(key: str, today: date | None = None) -> tuple[date | None, date | None]:
    """The inclusive (from, to) days of a preset, relative to `today`."""
    today = today or date.today()
    if key == "7d":
        return today - timedelta(days=6), today
    if key == "30d":
        return today - timedelta(days=29), today
    if key == "90d":
        return today - timedelta(days=89), today
    if key == "year":
        return date(today.year, 1, 1), today
    return None, None


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class DateRangePicker(QWidget):
    changed = Signal(object, object)  # date | None, date | None

    def __init__(self, parent: QWidget | None = None, *, preset: str = "all", today: date | None = None,
                 label: str = "") -> None:
        super().__init__(parent)
        self._today = today
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.preset_combo = QComboBox(self)
        self.label = QLabel(label, self) if label else None     # e.g. “日期：”, so “全部” reads as all dates
        if self.label is not None:
            self.label.setBuddy(self.preset_combo)
            layout.addWidget(self.label)
        for key, label in PRESETS:
            self.preset_combo.addItem(_(label), key)
        self.preset_combo.setToolTip(_("Which days to include"))
        self.from_edit = QDateEdit(self)
        self.to_edit = QDateEdit(self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(formatting.qt_date_format())
        self.dash = QLabel("–", self)
        layout.addWidget(self.preset_combo)
        layout.addWidget(self.from_edit)
        layout.addWidget(self.dash)
        layout.addWidget(self.to_edit)
        self._range: tuple[date | None, date | None] = (None, None)
        self._quiet = False
        self.preset_combo.currentIndexChanged.connect(self._on_preset)
        self.from_edit.dateChanged.connect(self._on_custom)
        self.to_edit.dateChanged.connect(self._on_custom)
        self.set_preset(preset, emit=False)

    # ---------------------------------------------------------------- public

    def today(self) -> date:
        return self._today or date.today()

    def anchor(self) -> date | None:
        """The day set by `set_today` (None: the presets count back from the real today)."""
        return self._today

    def set_today(self, day: date | None) -> None:
        """The day the presets count back from ("last 90 days" of historical data ends at its newest day);
        None is the real today. Call `set_preset` afterwards to apply it."""
        self._today = day

    def range(self) -> tuple[date | None, date | None]:
        return self._range

    def preset(self) -> str:
        return self.preset_combo.currentData()

    def set_preset(self, key: str, *, emit: bool = True) -> None:
        index = self.preset_combo.findData(key)
        if index < 0:
            index = 0
        self._quiet = not emit
        try:
            if self.preset_combo.currentIndex() == index:
                self._on_preset(index)
            else:
                self.preset_combo.setCurrentIndex(index)
        finally:
            self._quiet = False

    def set_range(self, date_from: date | None, date_to: date | None, *, emit: bool = True) -> None:
        """Show an explicit range (as 自定义 unless it is open on both sides)."""
        if date_from is None and date_to is None:
            self.set_preset("all", emit=emit)
            return
        self._quiet = True
        try:
            self.preset_combo.setCurrentIndex(self.preset_combo.findData("custom"))
            self.from_edit.setDate(_qdate(date_from or date_to))
            self.to_edit.setDate(_qdate(date_to or self.today()))
        finally:
            self._quiet = False
        self._set(date_from, date_to, emit)

    # ---------------------------------------------------------------- internals

    def _on_preset(self, index: int) -> None:
        key = self.preset_combo.itemData(index)
        custom = key == "custom"
        for w in (self.from_edit, self.dash, self.to_edit):
            w.setVisible(custom)
        quiet, self._quiet = self._quiet, True
        try:
            if custom:
                start, end = self._range
                end = end or self.today()
                start = start or end - timedelta(days=29)
                self.from_edit.setDate(_qdate(start))
                self.to_edit.setDate(_qdate(end))
                rng = (start, end)
            else:
                rng = preset_range(key, self.today())
                if rng[0] is not None:
                    self.from_edit.setDate(_qdate(rng[0]))
                    self.to_edit.setDate(_qdate(rng[1]))
        finally:
            self._quiet = quiet
        self._set(rng[0], rng[1], not quiet)

    def _on_custom(self, _qd=None) -> None:
        if self._quiet or self.preset() != "custom":
            return
        start, end = _pydate(self.from_edit.date()), _pydate(self.to_edit.date())
        if start > end:
            start, end = end, start
        self._set(start, end, True)

    def _set(self, start: date | None, end: date | None, emit: bool) -> None:
        changed = (start, end) != self._range
        self._range = (start, end)
        if emit and changed:
            self.changed.emit(start, end)
