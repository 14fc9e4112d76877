"""What an import tells the owner: its result, the list of imports, and the warnings in plain sentences."""

from __future__ import annotations

from dataclasses import dataclass, field

from cxdesk.core.changes import NOTHING, Changes
from cxdesk.core.importers.cleaner import MAX_COLUMNS, MAX_TEXT, RejectedRow
from cxdesk.i18n import _, ngettext


@dataclass(frozen=True)
class ImportResult:
    source_id: int | None
    file: str
    file_type: str
    encoding: str | None
    sheet: str | None
    header_row: int
    mapping: dict[str, str]
    rows_read: int
    imported: int
    updated: int
    duplicates: int
    rejected: list[RejectedRow]
    warnings: list[str]
    already_imported: bool = False
    previous_import: str | None = None       # when the same file was imported before
    changes: Changes = NOTHING
    dry_run: bool = False
    rejected_total: int = 0
    seconds: float = 0.0
    # Rows kept with a field left empty or mapped (time, rating): row, column, original value, why.
    notes: list[RejectedRow] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "source_id": self.source_id,
            "file": self.file,
            "file_type": self.file_type,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "mapping": self.mapping,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "rejected": [r.to_json() for r in self.rejected],
            "rejected_total": self.rejected_total,
            "warnings": self.warnings,
            "notes": [r.to_json() for r in self.notes],
            "already_imported": self.already_imported,
            "previous_import": self.previous_import,
            "dry_run": self.dry_run,
        }

    def summary(self) -> str:
        if self.already_imported:
            return _("“{file}” was already imported on {when}; 0 new rows.").format(
                file=self.file, when=self.previous_import)
        parts = [
            ngettext("{n} row read", "{n} rows read", self.rows_read).format(n=self.rows_read),
            ngettext("{n} new", "{n} new", self.imported).format(n=self.imported),
        ]
        if self.updated:
            parts.append(ngettext("{n} updated", "{n} updated", self.updated).format(n=self.updated))
        parts.append(ngettext("{n} duplicate", "{n} duplicates", self.duplicates).format(n=self.duplicates))
        parts.append(ngettext("{n} rejected", "{n} rejected", self.rejected_total).format(n=self.rejected_total))
        text = _("“{file}”: {counts}.").format(file=self.file, counts=_(", ").join(parts))
        if self.dry_run:
            text += " " + _("(Trial run: nothing was saved.)")
        return text


@dataclass(frozen=True)
class SourceInfo:
    id: int
    file_name: str
    file_type: str | None
    sheet: str | None
    imported_at: str
    rows_read: int
    imported: int
    updated: int
    duplicates: int
    rejected: int
    live_rows: int
    undone_at: str | None
    mapping: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return dict(self.__dict__)


# ------------------------------------------------------------------------------------------
# Warnings


def warn_counts(warnings: list[str], c: dict, ncols: int) -> None:
    if c["blank"]:
        warnings.append(ngettext("{n} empty row was skipped.", "{n} empty rows were skipped.", c["blank"]).format(n=c["blank"]))
    if c["errors"]:
        warnings.append(ngettext("{n} cell holds an Excel error such as #N/A; it was treated as empty.",
                                 "{n} cells hold Excel errors such as #N/A; they were treated as empty.",
                                 c["errors"]).format(n=c["errors"]))
    if c["ctrl"]:
        warnings.append(ngettext("Invisible control characters were removed from {n} cell.",
                                 "Invisible control characters were removed from {n} cells.", c["ctrl"]).format(n=c["ctrl"]))
    if c["long"]:
        warnings.append(ngettext("{n} review was longer than {limit} characters and was shortened.",
                                 "{n} reviews were longer than {limit} characters and were shortened.",
                                 c["long"]).format(n=c["long"], limit=MAX_TEXT))
    if c["ragged"]:
        warnings.append(ngettext("{n} row has more cells than the header; the extra cells were kept aside.",
                                 "{n} rows have more cells than the header; the extra cells were kept aside.",
                                 c["ragged"]).format(n=c["ragged"]))
    if ncols > MAX_COLUMNS:
        warnings.append(_("Only the first {n} columns were read.").format(n=MAX_COLUMNS))
    if c["anon_repeat"]:
        warnings.append(ngettext(
            "{n} row repeats the text and time of another row without a real author (empty, 匿名用户 or a masked name); it was kept as a possible duplicate.",
            "{n} rows repeat the text and time of another row without a real author (empty, 匿名用户 or a masked name); they were kept as possible duplicates.",
            c["anon_repeat"]).format(n=c["anon_repeat"]))


def warn_kept(warnings: list[str], kept: dict[str, list]) -> None:
    """One sentence per kind of field that was left empty so that its review could be kept."""
    for kind, (n, row, value) in kept.items():
        if kind == "time":
            text = ngettext(
                "{n} time could not be read (row {row}: “{value}”); the review was kept without a date.",
                "{n} times could not be read (first: row {row}, “{value}”); the reviews were kept without a date.", n)
        elif kind == "time_implausible":
            text = ngettext(
                "{n} time lies before 2000 or more than a day in the future (row {row}: “{value}”); the review was kept without a date and the original value is kept.",
                "{n} times lie before 2000 or more than a day in the future (first: row {row}, “{value}”); the reviews were kept without a date and the original values are kept.", n)
        elif kind == "rating":
            text = ngettext(
                "{n} rating could not be read or is outside the scale (row {row}: “{value}”); the review was kept without a rating.",
                "{n} ratings could not be read or are outside the scale (first: row {row}, “{value}”); the reviews were kept without a rating.", n)
        else:
            text = ngettext(
                "{n} rating lies below one star (row {row}: “{value}”, a half star); it was counted as 1 star and the original value is kept.",
                "{n} ratings lie below one star (first: row {row}, “{value}”, half stars); they were counted as 1 star and the original values are kept.", n)
        warnings.append(text.format(n=n, row=row, value=value))


def warn_ids(warnings: list[str], ids, column: str) -> None:
    if ids.mangled:
        warnings.append(ngettext(
            "The “{column}” column looks changed by Excel ({n} value such as “{value}” lost its digits), so it cannot tell reviews apart: those rows were deduplicated by their content (author, time and text).",
            "The “{column}” column looks changed by Excel ({n} values such as “{value}” lost their digits), so it cannot tell reviews apart: those rows were deduplicated by their content (author, time and text).",
            ids.mangled).format(column=column, n=ids.mangled, value=ids.mangled_example))
    if ids.conflicts:
        warnings.append(ngettext(
            "{n} row has the same “{column}” as another row (“{value}”) but a different text, time or author; both were kept and deduplicated by their content.",
            "{n} rows have the same “{column}” as another row (first: “{value}”) but a different text, time or author; all were kept and deduplicated by their content.",
            ids.conflicts).format(column=column, n=ids.conflicts, value=ids.conflict_example))
    if ids.other_author:
        warnings.append(ngettext(
            "{n} row has the “{column}” of a review imported before but another author; it was kept as a new review instead of replacing that one.",
            "{n} rows have the “{column}” of reviews imported before but another author; they were kept as new reviews instead of replacing those.",
            ids.other_author).format(column=column, n=ids.other_author))


__all__ = ["ImportResult", "SourceInfo", "RejectedRow", "warn_counts", "warn_kept", "warn_ids"]
