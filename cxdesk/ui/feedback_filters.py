"""The feedback browser's filter boxes and search: what they offer, the filter they build, and the note
for conditions that came from another screen and no box can show."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from cxdesk.core import feedback as fb
from cxdesk.core.filters import FeedbackFilter
from cxdesk.i18n import N_, _, ngettext

# Combo items carry a comma-joined key ("1,2"): Qt hands tuples back as lists, strings stay strings.
RATING_CHOICES: tuple[tuple[str, str], ...] = (
    (N_("All ratings"), ""),
    (N_("5 stars"), "5"),
    (N_("4 stars"), "4"),
    (N_("3 stars"), "3"),
    (N_("2 stars"), "2"),
    (N_("1 star"), "1"),
    (N_("Good (4–5 stars)"), "4,5"),
    (N_("Poor (1–2 stars)"), "1,2"),
    (N_("No rating"), "0"),
)


LABEL_CHOICES: tuple[tuple[str, str], ...] = (
    (N_("All sentiments"), ""),
    (N_("Positive"), "positive"),
    (N_("Neutral"), "neutral"),
    (N_("Negative"), "negative"),
    (N_("Unclear"), "unknown"),
)


def _key(values) -> str:
    return ",".join(str(v) for v in values)



class FeedbackFiltersMixin:
    """Part of FeedbackScreen (needs the filter boxes, `search_edit`, `date_range`, `base_bar`, `base_label`,
    `_search_timer` and `_run_query`)."""

    def current_filter(self) -> FeedbackFilter:
        date_from, date_to = self.date_range.range()
        changes = {"search": self.search_edit.text().strip(), "date_from": date_from, "date_to": date_to}
        channel = self.channel_combo.currentData()
        if channel is not None:
            changes["channels"] = (channel,)
        labels = self.label_combo.currentData()
        if labels:
            changes["labels"] = tuple(labels.split(","))
        topic = self.topic_combo.currentData()
        if topic:
            changes["topics"] = (topic,)
        ratings = self.rating_combo.currentData()
        if ratings:
            changes["ratings"] = tuple(int(r) for r in ratings.split(","))
        source = self.source_combo.currentData()
        if source:
            changes["sources"] = (int(source),)
        return self._base.with_changes(**changes)

    def apply_filters(self) -> None:
        """Run the filter the boxes show (the search box calls this after a short pause)."""
        if self._quiet:
            return
        self._search_timer.stop()
        # Other rows now: start with none selected, so an edit only ever touches rows the owner sees selected.
        self._run_query(self.current_filter(), keep_selection=False)

    def clear_filters(self) -> None:
        self.show_filter(FeedbackFilter())

    def show_filter(self, flt: FeedbackFilter) -> None:
        """Show exactly the rows of `flt` (called for `ctx.open_feedback_requested`)."""
        if not isinstance(flt, FeedbackFilter):
            flt = FeedbackFilter.from_dict(dict(flt or {}))
        self._quiet = True
        rest = {}
        try:
            self.search_edit.setText(flt.search)
            self.date_range.set_range(flt.date_from, flt.date_to, emit=False)
            # Each box shows one value; anything else stays as an extra condition in the note.
            rest["channels"] = self._show_in(self.channel_combo, tuple(flt.channels))
            rest["labels"] = () if self._select(self.label_combo, _key(flt.labels)) else flt.labels
            rest["topics"] = self._show_in(self.topic_combo, tuple(flt.topics))
            rest["ratings"] = () if self._select(self.rating_combo, _key(sorted(flt.ratings))) else flt.ratings
            rest["sources"] = self._show_in(self.source_combo, tuple(int(x) for x in flt.sources))
        finally:
            self._quiet = False
        self._base = FeedbackFilter(ids=flt.ids, topic_labels=flt.topic_labels, include_deleted=flt.include_deleted,
                                    **rest)
        self._update_base_bar()
        self.apply_filters()

    def _select(self, combo: QComboBox, key: str) -> bool:
        """Select the item with data `key` ("" = the "all" item); False (and "all") if absent."""
        index = combo.findData(key) if key else 0
        combo.setCurrentIndex(max(index, 0))
        return index >= 0

    def _show_in(self, combo: QComboBox, values: tuple) -> tuple:
        """Show a one-value condition in `combo`; returns what it cannot show (for the note)."""
        if len(values) == 1 and values[0] not in ("", None):
            index = combo.findData(values[0])
            if index > 0:
                combo.setCurrentIndex(index)
                return ()
        combo.setCurrentIndex(0)
        return values

    def _update_base_bar(self) -> None:
        b = self._base
        parts = []
        if b.ids:
            parts.append(ngettext("only the {n} row sent here", "only the {n} rows sent here", len(b.ids)).format(n=len(b.ids)))
        if b.topics:
            parts.append(_("topics: {names}").format(names="、".join(b.topics)))
        if b.topic_labels:
            parts.append(_("topic mentions that are {labels}").format(
                labels="、".join(fb.label_name(label) for label in b.topic_labels)))
        if b.channels:
            parts.append(_("channels: {names}").format(names="、".join(c or _("Unspecified") for c in b.channels)))
        if b.labels:
            parts.append(_("sentiment: {labels}").format(labels="、".join(fb.label_name(label) for label in b.labels)))
        if b.ratings:
            parts.append(_("ratings: {values}").format(values="、".join(str(r) if r else _("none") for r in b.ratings)))
        if b.sources:
            parts.append(ngettext("{n} imported file", "{n} imported files", len(b.sources)).format(n=len(b.sources)))
        if b.include_deleted:
            parts.append(_("deleted rows included"))
        self.base_label.setText(_("Also filtered by: {parts}").format(parts="；".join(parts)) if parts else "")
        self.base_bar.setVisible(bool(parts))

    def _clear_base(self) -> None:
        self._base = FeedbackFilter()
        self._update_base_bar()
        self.apply_filters()

    def _on_search_text(self, _text: str) -> None:
        if not self._quiet:
            self._search_timer.start()
