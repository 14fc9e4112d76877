"""The topics an action is about, as a checklist: most complained-about first, with a search box.

The action editor uses it; the complaint counts load in the background (one core call) and the list is
re-sorted when they arrive, keeping what the owner ticked.
"""

from __future__ import annotations

from shiboken6 import isValid
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from cxdesk.i18n import _, ngettext

NAME_ROLE = Qt.UserRole + 1
ROWS_SHOWN = 6


def complaint_volume(db) -> dict[str, int]:
    """Negative mentions per enabled topic over all the feedback (what the picker sorts by)."""
    from cxdesk.core.analysis.trends import topic_ranking

    return {r.name: r.negative_mentions for r in topic_ranking(db)}


def sort_by_volume(names: list[str], volume: dict[str, int]) -> list[str]:
    """Most complaints first; equal counts (and topics without any) by name."""
    return sorted(names, key=lambda n: (-volume.get(n, 0), n))


class TopicPicker(QWidget):
    """A search box above a checkable list; `list` is the QListWidget, `checked()` the ticked names."""

    def __init__(self, topics: list[str], chosen=(), parent: QWidget | None = None, *, ctx=None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Find a topic…"))
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setUniformItemSizes(True)
        lay.addWidget(self.search)
        lay.addWidget(self.list)
        chosen = set(chosen)
        self._names = list(topics) + sorted(t for t in chosen if t not in topics)
        self._volume: dict[str, int] = {}
        self._fill(chosen)
        if not self._names:
            QListWidgetItem(_("No topics yet: run the analysis first."), self.list).setFlags(Qt.NoItemFlags)
            self.search.hide()
        self.search.textChanged.connect(self._apply_search)
        if ctx is not None and self._names:
            task = ctx.run_task(lambda db, progress: complaint_volume(db), write=False, title=_("Loading topics"))
            task.signals.finished.connect(self._on_volume)

    def checked(self) -> list[str]:
        return [self.list.item(i).data(NAME_ROLE) for i in range(self.list.count())
                if self.list.item(i).flags() & Qt.ItemIsUserCheckable
                and self.list.item(i).checkState() == Qt.Checked]

    def names(self) -> list[str]:
        """The topics in the order shown (hidden ones by the search included)."""
        return [self.list.item(i).data(NAME_ROLE) for i in range(self.list.count())
                if self.list.item(i).flags() & Qt.ItemIsUserCheckable]

    def set_volume(self, volume: dict[str, int]) -> None:
        """Sort by these complaint counts, most first (each count in its topic's tooltip)."""
        self._volume = dict(volume)
        self._fill(set(self.checked()))

    def _on_volume(self, volume) -> None:
        if isValid(self):
            self.set_volume(volume)

    def _fill(self, chosen: set[str]) -> None:
        blocked = self.list.blockSignals(True)
        self.list.clear()
        for name in sort_by_volume(self._names, self._volume):
            n = self._volume.get(name)
            item = QListWidgetItem(name, self.list)     # the name alone: the editor reads it back
            item.setData(NAME_ROLE, name)
            item.setToolTip(name if n is None else ngettext("{name}: {n} complaint", "{name}: {n} complaints",
                                                            n).format(name=name, n=n))
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if name in chosen else Qt.Unchecked)
        self.list.blockSignals(blocked)
        self._apply_search(self.search.text())
        self._fit_height()

    def _fit_height(self) -> None:
        """Whole rows only: up to ROWS_SHOWN of them, the rest behind the scroll bar (none cut in half)."""
        row = self.list.sizeHintForRow(0) if self.list.count() else self.list.fontMetrics().height() + 4
        rows = min(max(self.list.count(), 1), ROWS_SHOWN)
        self.list.setFixedHeight(row * rows + 2 * self.list.frameWidth())

    def _apply_search(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            name = item.data(NAME_ROLE) or ""
            item.setHidden(bool(needle) and needle not in name.lower() and item.checkState() != Qt.Checked)
