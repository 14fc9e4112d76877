"""One file row in, its checked and converted fields out (or a rejection): the pure half of an import.

A row without text is rejected (listed with its row, column, value and reason); a time or rating
that cannot be read or cannot be true leaves the review undated or unrated and is noted, never
dropped. Distinct raw times and ratings are converted once per import (a file repeats them
constantly), and the common export form `2024-03-05 14:02[:33]` skips the date cascade.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxdesk.core.identity import looks_mangled_id
from cxdesk.core.importers import readers
from cxdesk.core.importers.dates import TimeParseError, parse_time
from cxdesk.core.importers.ratings import RatingParseError, parse_rating
from cxdesk.core.importers.sniff import ImportPlan
from cxdesk.i18n import _

MAX_TEXT = 50_000              # characters stored per review (BAD_INPUTS #24)
MAX_REJECTED_KEPT = 10_000     # rejected rows listed in the result; all are counted
MAX_COLUMNS = 512              # columns beyond this are ignored with a warning (#10)
EARLIEST_TIME = "2000-01-01"   # a review time before this is a placeholder (0001-01-01, 1900-01-00)
_EXACT_FLOAT = float(2 ** 53)  # above this a float no longer holds every integer exactly
_NO_ID = frozenset({"0", "-", "--", "—", "/", "null", "none", "n/a", "na", "nan", "无", "空", "暂无"})
_TIME_CACHE = 100_000          # distinct raw times remembered (then it starts again)
_RATING_CACHE = 10_000

RX_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RX_ISO_MINUTE = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?$")


@dataclass(frozen=True)
class RejectedRow:
    row: int          # 1-based row number in the file
    column: str
    value: str
    reason: str

    def to_json(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


def blank(row: list) -> bool:
    for v in row:
        if v is not None and v != "" and not (isinstance(v, str) and not v.strip()):
            return False
    return True


class IdNotes:
    """Ids that look changed by Excel (1.23457E+17): counted, with the first one as an example."""

    def __init__(self) -> None:
        self.mangled = 0
        self.mangled_example: str | None = None


class RowCleaner:
    """`cleaner(rownum, row, ctrl)` -> (text, created, precision, time_raw, rating, rating_raw, channel,
    author, ext_id, extra, weak_id), or None for a rejected row. `ctrl`: the row holds control
    characters. What it finds along the way is counted in `counts` and listed in `rejected`, `notes`
    (fields left empty so the review is kept) and `kept` (kind -> [count, first row, first value])."""

    def __init__(self, plan: ImportPlan, counts: dict, ids: IdNotes) -> None:
        self.plan, self.counts, self.ids = plan, counts, ids
        self.rejected: list[RejectedRow] = []
        self.notes: list[RejectedRow] = []
        self.kept: dict[str, list] = {}
        roles = plan.roles
        self.ncols = min(len(plan.columns), MAX_COLUMNS)
        self.text_i = roles["text"]
        self.time_i, self.rating_i, self.id_i = roles.get("time"), roles.get("rating"), roles.get("id")
        self.channel_i, self.author_i = roles.get("channel"), roles.get("author")
        self.columns = plan.columns
        mapped = set(roles.values())
        self.extra_cols = [(i, plan.columns[i]) for i in range(self.ncols) if i not in mapped]
        # A time more than a day after both the export and today cannot be a review's (9999-12-31);
        # today counts too, so a file with a wrong modification time loses no dates.
        future_limit = max(plan.reference_time, datetime.now().replace(microsecond=0)) + timedelta(days=1)
        self.future_text = future_limit.isoformat(sep=" ")
        self.errors = readers.ERROR_VALUES
        self.time_cache: dict = {}
        self.rating_cache: dict = {}
        self.exact_numbers: dict[int, str] | None = None

    # -- bookkeeping

    def reject(self, rownum: int, col: int, value, reason: str) -> None:
        self.counts["rejected"] += 1
        if len(self.rejected) < MAX_REJECTED_KEPT:
            self.rejected.append(RejectedRow(rownum, self.columns[col], readers.cell_text(value)[:200], reason))

    def note(self, kind: str, rownum: int, col: int, value, reason: str) -> None:
        entry = self.kept.get(kind)
        value = value if value.__class__ is str else readers.cell_text(value)
        if entry is None:
            self.kept[kind] = [1, rownum, value[:60]]
        else:
            entry[0] += 1
        if len(self.notes) < MAX_REJECTED_KEPT:
            self.notes.append(RejectedRow(rownum, self.columns[col], value[:200], reason))

    def clean(self, value, ctrl: bool) -> str | None:
        """A cell as stripped text without control characters; None for empty or an Excel error."""
        if not ctrl and value.__class__ is str:
            s = value.strip()
        else:
            s = value if value.__class__ is str else readers.cell_text(value)
            if ctrl and RX_CONTROL.search(s):
                self.counts["ctrl"] += 1
                s = RX_CONTROL.sub("", s)
            s = s.strip()
        if s in self.errors:
            self.counts["errors"] += 1
            return None
        return s or None

    def _is_error_text(self, raw) -> bool:
        if raw.__class__ is str and raw.strip() in self.errors:
            self.counts["errors"] += 1
            return True
        return False

    # -- the fields

    def __call__(self, rownum: int, row: list, ctrl: bool):
        n = len(row)
        if n > self.ncols and not blank(row[self.ncols:]):
            self.counts["ragged"] += 1
        # Text: the one field a review cannot do without.
        value = row[self.text_i] if self.text_i < n else None
        text = "" if value is None or value == "" else (self.clean(value, ctrl) or "")
        if not text:
            self.reject(rownum, self.text_i, value, _("no review text"))
            return None
        if len(text) > MAX_TEXT:
            self.counts["long"] += 1
            text = text[:MAX_TEXT]
        created = precision = time_raw = rating = rating_raw = None
        if self.time_i is not None and self.time_i < n and row[self.time_i] not in (None, ""):
            created, precision, time_raw = self._time(rownum, row[self.time_i])
        if self.rating_i is not None and self.rating_i < n and row[self.rating_i] not in (None, ""):
            rating, rating_raw = self._rating(rownum, row[self.rating_i])
        channel = self._plain(row, n, self.channel_i, ctrl)
        author = self._plain(row, n, self.author_i, ctrl)
        ext_id, weak_id = self._ext_id(rownum, row, n, ctrl)
        extra = self._extra(row, n) if self.extra_cols or n > self.ncols else None
        return text, created, precision, time_raw, rating, rating_raw, channel, author, ext_id, extra, weak_id

    def _parse_time(self, raw):
        """(time text or "", precision, implausible) or the TimeParseError, for one distinct raw value."""
        if raw.__class__ is str and _RX_ISO_MINUTE.match(raw):
            # The common export form `2024-03-05 14:02[:33]`: no need for the cascade.
            try:
                datetime.fromisoformat(raw)
                when = raw[:10] + " " + raw[11:16] + (raw[16:19] if len(raw) == 19 else ":00")
                return when, "second" if len(raw) == 19 else "minute", when > self.future_text or when < EARLIEST_TIME
            except ValueError:
                pass
        plan = self.plan
        try:
            parsed = parse_time(raw, plan.reference_time, day_first=plan.day_first, epoch1904=plan.epoch1904)
        except TimeParseError as exc:
            return exc
        except (ValueError, OverflowError):
            return TimeParseError(_("not a date or time cxdesk understands"))
        if not parsed:
            return "", None, False
        when = parsed.text()
        return when, parsed.precision, when > self.future_text or when < EARLIEST_TIME

    def _time(self, rownum: int, raw) -> tuple:
        """(created, precision, time_raw): a time that cannot be read or cannot be true leaves the
        review undated, with its original value kept and noted."""
        hit = self.time_cache.get(raw)
        if hit is None:
            hit = self._parse_time(raw)
            if len(self.time_cache) > _TIME_CACHE:
                self.time_cache.clear()
            self.time_cache[raw] = hit
        if hit.__class__ is TimeParseError:
            if self._is_error_text(raw):
                return None, None, None
            self.note("time", rownum, self.time_i, raw, hit.reason)
            return None, None, raw if raw.__class__ is str else readers.cell_text(raw)
        if not hit[0]:
            return None, None, None
        time_raw = raw if raw.__class__ is str else readers.cell_text(raw)
        if hit[2]:
            self.note("time_implausible", rownum, self.time_i, raw, _("before 2000 or more than a day in the future"))
            return None, None, time_raw
        return hit[0], hit[1], time_raw

    def _rating(self, rownum: int, raw) -> tuple:
        """(rating, rating_raw); a half star below the scale counts as its lowest rating."""
        hit = self.rating_cache.get(raw)
        if hit is None:
            try:
                pr = parse_rating(raw, self.plan.rating_scale)
                hit = (pr.value if pr else None, pr.below_scale if pr else False)
            except RatingParseError as exc:
                hit = exc
            except (ValueError, OverflowError):
                hit = RatingParseError(_("not a rating"))
            if len(self.rating_cache) < _RATING_CACHE:
                self.rating_cache[raw] = hit
        if hit.__class__ is RatingParseError:
            if self._is_error_text(raw):
                return None, None
            self.note("rating", rownum, self.rating_i, raw, hit.reason)
            return None, raw if raw.__class__ is str else readers.cell_text(raw)
        if hit[0] is None:
            return None, None
        if hit[1]:
            self.note("rating_below", rownum, self.rating_i, raw, _("below the lowest rating; counted as 1"))
        return hit[0], raw if raw.__class__ is str else readers.cell_text(raw)

    def _plain(self, row: list, n: int, i: int | None, ctrl: bool) -> str | None:
        if i is None or i >= n:
            return None
        value = row[i]
        return None if value is None or value == "" else self.clean(value, ctrl)

    def _ext_id(self, rownum: int, row: list, n: int, ctrl: bool) -> tuple[str | None, bool]:
        """(the platform's review id or None, whether it looks changed by Excel)."""
        i = self.id_i
        if i is None or i >= n or row[i] is None or row[i] == "":
            return None, False
        value = row[i]
        if value.__class__ is float and abs(value) >= _EXACT_FLOAT:
            # A long number in a workbook: its exact digits are in the sheet, not in the float.
            if self.exact_numbers is None:
                plan = self.plan
                self.exact_numbers = readers.exact_number_texts(plan.path, plan.file_type, plan.sheet, i)
            value = self.exact_numbers.get(rownum, readers.cell_text(value))
        ext_id = self.clean(value, ctrl)
        if ext_id is None or ext_id.lower() in _NO_ID:
            return None, False
        if looks_mangled_id(ext_id):
            self.ids.mangled += 1
            if self.ids.mangled_example is None:
                self.ids.mangled_example = ext_id
            return ext_id, True
        return ext_id, False

    def _extra(self, row: list, n: int) -> str | None:
        """The unmapped cells (and cells beyond the header) as JSON, or None."""
        ex = {}
        for i, name in self.extra_cols:
            if i < n:
                v = row[i]
                if v is not None and v != "":
                    ex[name] = v if v.__class__ is str else readers.cell_text(v)
        if n > self.ncols:
            more = [readers.cell_text(v) for v in row[self.ncols:] if v is not None and v != ""]
            if more:
                ex["_more"] = more
        return json.dumps(ex, ensure_ascii=False) if ex else None


__all__ = ["RowCleaner", "RejectedRow", "IdNotes", "blank", "MAX_TEXT", "MAX_COLUMNS", "MAX_REJECTED_KEPT",
           "EARLIEST_TIME", "RX_CONTROL"]
