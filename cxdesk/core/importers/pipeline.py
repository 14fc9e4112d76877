"""Commit an `ImportPlan` to the database in one transaction, undo an import, list imports.

Every row becomes a `feedback` row or a line in the report (rejected with row, column, value and
reason, or counted as a duplicate). Identity: the platform's review id when the file has one
(`id:<channel>:<id>`), else author + time + text (`ath:` + hash). Rows without an author keep an
occurrence number in the key, so two anonymous customers writing "好评" at the same minute stay
two rows, while the same export imported again still adds nothing (BAD_INPUTS #41).
Rows go in with plain `executemany` inside one `db.atomic()`: all accepted rows or none. A large
import into a smaller table drops the secondary indexes and rebuilds them at the end, and other
areas' per-row insert triggers catch up set-wise (`storage.bulk_insert`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterator

from cxdesk.core import storage
from cxdesk.core.changes import NOTHING, Changes
from cxdesk.core.errors import DatabaseError, NoTextColumnError, NotFoundError
from cxdesk.core.identity import is_placeholder_author, looks_mangled_id, plain_content_key
from cxdesk.core.importers import readers
from cxdesk.core.importers.dates import TimeParseError, parse_time
from cxdesk.core.importers.ratings import RatingParseError, parse_rating
from cxdesk.core.importers.sniff import ImportPlan
from cxdesk.core.progress import Progress, no_progress
from cxdesk.i18n import _, ngettext

BATCH = 5000
MAX_TEXT = 50_000              # characters stored per review (BAD_INPUTS #24)
MAX_REJECTED_KEPT = 10_000     # rejected rows listed in the result; all are counted
MAX_REJECTED_STORED = 1_000    # rejected rows kept in sources.report
MAX_COLUMNS = 512              # columns beyond this are ignored with a warning (#10)
MAX_ANON_IDS = 200_000         # id rows without a real author whose content key is remembered

_RX_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RX_ISO_MINUTE = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?$")

_INSERT = (
    "INSERT INTO feedback(source_id, source_row, text, created_at, time_precision, time_raw, rating, "
    "rating_raw, channel, author, external_id, extra, dedup_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT(dedup_key) DO NOTHING"
)


_UPSERT_REPLY = (
    "INSERT INTO feedback_replies(feedback_id, text, replied_at, status, source_id) "
    "SELECT id, ?, ?, ?, ? FROM feedback WHERE dedup_key = ? "
    "ON CONFLICT(feedback_id) DO UPDATE SET text = coalesce(excluded.text, text), "
    "replied_at = coalesce(excluded.replied_at, replied_at), status = coalesce(excluded.status, status), "
    "source_id = excluded.source_id"
)


def _reply_of(row: list, n: int, cols: tuple, ref: datetime, day_first, epoch1904) -> tuple | None:
    """(text, time, status) of the shop's reply in this row, or None; an unreadable reply time is left out."""
    text_i, time_i, status_i = cols
    out = []
    for i in (text_i, status_i):
        value = row[i] if i is not None and i < n else None
        value = _RX_CONTROL.sub("", readers.cell_text(value)).strip()[:MAX_TEXT] if value not in (None, "") else ""
        out.append(value or None)
    replied_at = None
    if time_i is not None and time_i < n and row[time_i] not in (None, ""):
        try:
            parsed = parse_time(row[time_i], ref, day_first=day_first, epoch1904=epoch1904)
            replied_at = parsed.text() if parsed else None
        except TimeParseError:
            replied_at = None
    if out[0] is None and out[1] is None and replied_at is None:
        return None
    return out[0], replied_at, out[1]


@dataclass(frozen=True)
class RejectedRow:
    row: int          # 1-based row number in the file
    column: str
    value: str
    reason: str

    def to_json(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


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


class _DryRun(Exception):
    pass


# ------------------------------------------------------------------------------------------
# Reading data rows


def _data_rows(plan: ImportPlan) -> tuple[Iterator[tuple[int, list]], callable]:
    """(row number 1-based, raw values) after the header row, and a 0..1 progress function."""
    start = plan.header_row + 1
    if plan.file_type in ("xlsx", "xls"):
        sheet_rows = readers.SheetRows(plan.path, plan.file_type, plan.sheet)
        state = {"n": 0}

        def gen():
            for i, row in enumerate(sheet_rows):
                state["n"] = i
                if i >= start:
                    yield i + 1, row

        fraction = lambda: state["n"] / sheet_rows.total if sheet_rows.total else 0.0  # noqa: E731
        fraction.sheet_rows = sheet_rows  # type: ignore[attr-defined]
        return gen(), fraction
    if plan.file_type == "html":
        text = readers.decode_whole(plan.path, plan.encoding or "utf-8")
        tables = readers.parse_html_tables(text)
        index = plan.sheets.index(plan.sheet) if plan.sheet in plan.sheets else 0
        table = tables[index] if index < len(tables) else []
        state = {"n": 0}

        def gen_html():
            for i, r in enumerate(table):
                state["n"] = i
                if i >= start:
                    yield i + 1, r

        return gen_html(), lambda: state["n"] / len(table) if table else 0.0
    csv_rows = readers.CsvRows(plan.path, plan.encoding or "utf-8", plan.delimiter or ",", len(plan.columns), start,
                               quote_none=plan.quote_none)
    return iter(csv_rows), lambda: csv_rows.fraction


def _blank(row: list) -> bool:
    for v in row:
        if v is not None and v != "" and not (isinstance(v, str) and not v.strip()):
            return False
    return True


# ------------------------------------------------------------------------------------------
# Import


def import_file(db, plan: ImportPlan, progress: Progress = no_progress, *, dry_run: bool = False) -> ImportResult:
    """Import the rows `plan` describes, in one transaction; see the module docstring."""
    import time as _time

    started = _time.perf_counter()
    if "text" not in plan.roles:
        raise NoTextColumnError(
            _("No column of “{file}” was chosen as the feedback text. Choose it in the preview (or use --map text=COLUMN).").format(
                file=plan.file_name))
    previous = db.execute(
        "SELECT id, imported_at, rows_read, imported, duplicates, rejected FROM sources "
        "WHERE sha256 = ? AND sheet IS ? AND undone_at IS NULL ORDER BY id LIMIT 1", [plan.sha256, plan.sheet]).fetchone()
    if previous is not None:
        sid, when, rows_read, imported, dups, rejected = previous
        return ImportResult(
            source_id=sid, file=plan.file_name, file_type=plan.file_type, encoding=plan.encoding, sheet=plan.sheet,
            header_row=plan.header_row, mapping=plan.mapping, rows_read=rows_read, imported=0, updated=0,
            duplicates=rows_read - rejected, rejected=[], warnings=[], already_imported=True,
            previous_import=when, changes=NOTHING, dry_run=dry_run, rejected_total=0,
            seconds=_time.perf_counter() - started)
    progress(0, 1000, _("Reading “{file}”").format(file=plan.file_name))
    try:
        try:
            with storage.checkpoint_deferred(db), db.atomic(), storage.bulk_insert(db) as bulk:
                result = _import_rows(db, plan, progress, bulk, dry_run=dry_run)
                if dry_run:
                    raise _DryRun(result)
        except readers.UnclosedQuoteError:
            # Found past the preview: a file that does not quote at all is read line by line
            # (everything above was rolled back); any other file is refused, naming the line.
            if plan.file_type != "csv" or plan.quote_none or not readers.file_lines_are_rows(
                    plan.path, plan.encoding or "utf-8", plan.delimiter or ",", len(plan.columns)):
                raise
            from dataclasses import replace as _replace

            plan = _replace(plan, quote_none=True, warnings=list(plan.warnings) + [_(
                "Quotation marks in “{file}” do not pair up; they were read as part of the text, one line per row.").format(
                file=plan.file_name)])
            with storage.checkpoint_deferred(db), db.atomic(), storage.bulk_insert(db) as bulk:
                result = _import_rows(db, plan, progress, bulk, dry_run=dry_run)
                if dry_run:
                    raise _DryRun(result)
    except _DryRun as done:
        result = done.args[0]
    except sqlite3.Error as exc:
        # Disk full, a read-only folder, a database locked by another program (BAD_INPUTS #44).
        raise DatabaseError(
            _("The database could not be written ({reason}); nothing from “{file}” was imported.").format(
                reason=storage.plain_sqlite_reason(exc), file=plan.file_name), details=repr(exc)) from exc
    progress(1000, 1000, _("Import finished"))
    from dataclasses import replace

    return replace(result, seconds=_time.perf_counter() - started)


class _RowCleaner:
    """Row in, cleaned row or rejection out: the fields of one file row checked and converted.

    A row without text is rejected (listed with its row, column, value and reason); a time or rating
    that cannot be read or cannot be true leaves the review undated or unrated and is noted. What it
    found along the way is counted in `counts` and listed in `rejected`, `notes` and `kept`.
    """

    def __init__(self, plan: ImportPlan, counts: dict, ids: "_IdState") -> None:
        self.rejected: list[RejectedRow] = []
        self.notes: list[RejectedRow] = []
        # Fields left empty (or mapped) so that the review itself is kept: kind -> [count, first example].
        self.kept: dict[str, list] = {}
        self.clean_row = _row_cleaner(plan, counts, ids, self.rejected, self.notes, self.kept)


def _row_cleaner(plan: ImportPlan, counts: dict, ids: "_IdState", rejected: list, notes: list, kept: dict):
    """`clean_row(rownum, row, ctrl)` -> (text, created, precision, time_raw, rating, rating_raw, channel,
    author, ext_id, extra, weak_id), or None for a rejected row. Built once per import: the caches
    and the values it reads each row are bound here, which keeps the per-row work small."""
    roles = plan.roles
    ncols = min(len(plan.columns), MAX_COLUMNS)
    text_i = roles["text"]
    time_i = roles.get("time")
    rating_i = roles.get("rating")
    channel_i = roles.get("channel")
    author_i = roles.get("author")
    id_i = roles.get("id")
    columns = plan.columns
    mapped = set(roles.values())
    extra_cols = [(i, columns[i]) for i in range(ncols) if i not in mapped]
    ref = plan.reference_time
    # A time more than a day after both the export and today cannot be a review's (9999-12-31);
    # today counts too, so a file with a wrong modification time loses no dates.
    future_limit = max(ref, datetime.now().replace(microsecond=0)) + timedelta(days=1)
    day_first, epoch1904, scale = plan.day_first, plan.epoch1904, plan.rating_scale
    cell_text = readers.cell_text
    errors_set = readers.ERROR_VALUES
    time_cache: dict = {}
    rating_cache: dict = {}
    exact_numbers: dict[int, str] | None = None
    future_text = future_limit.isoformat(sep=" ")
    iso_min = _RX_ISO_MINUTE.match
    fromiso = datetime.fromisoformat

    def reject(rownum: int, col: int, value, reason: str) -> None:
        counts["rejected"] += 1
        if len(rejected) < MAX_REJECTED_KEPT:
            rejected.append(RejectedRow(rownum, columns[col], cell_text(value)[:200], reason))

    def note(kind: str, rownum: int, col: int, value, reason: str) -> None:
        entry = kept.get(kind)
        value = value if value.__class__ is str else cell_text(value)
        if entry is None:
            kept[kind] = [1, rownum, value[:60]]
        else:
            entry[0] += 1
        if len(notes) < MAX_REJECTED_KEPT:
            notes.append(RejectedRow(rownum, columns[col], value[:200], reason))

    def clean(value, ctrl: bool) -> str | None:
        s = value if value.__class__ is str else cell_text(value)
        if ctrl and _RX_CONTROL.search(s):
            counts["ctrl"] += 1
            s = _RX_CONTROL.sub("", s)
        s = s.strip()
        if s in errors_set:
            counts["errors"] += 1
            return None
        return s or None

    def clean_row(rownum: int, row: list, ctrl: bool):
        nonlocal exact_numbers
        n = len(row)
        if n > ncols and not _blank(row[ncols:]):
            counts["ragged"] += 1
        # Text: the one field a review cannot do without.
        value = row[text_i] if text_i < n else None
        if value is None or value == "":
            text = ""
        elif not ctrl and value.__class__ is str:
            text = value.strip()
            if text in errors_set:
                counts["errors"] += 1
                text = ""
        else:
            text = clean(value, ctrl) or ""
        if not text:
            reject(rownum, text_i, value, _("no review text"))
            return None
        if len(text) > MAX_TEXT:
            counts["long"] += 1
            text = text[:MAX_TEXT]
        # Time: a time that cannot be read or cannot be true leaves the review undated, never dropped.
        created = precision = time_raw = None
        if time_i is not None and time_i < n:
            raw = row[time_i]
            if raw is not None and raw != "":
                hit = time_cache.get(raw)
                if hit is None:
                    if raw.__class__ is str and iso_min(raw):
                        # The common export form `2024-03-05 14:02[:33]`: no need for the cascade.
                        try:
                            fromiso(raw)
                            when = raw[:10] + " " + raw[11:16] + (raw[16:19] if len(raw) == 19 else ":00")
                            hit = (when, "second" if len(raw) == 19 else "minute",
                                   when > future_text or when < EARLIEST_TIME)
                        except ValueError:
                            hit = None
                    if hit is None:
                        try:
                            parsed = parse_time(raw, ref, day_first=day_first, epoch1904=epoch1904)
                            if parsed:
                                when = parsed.text()
                                hit = (when, parsed.precision, when > future_text or when < EARLIEST_TIME)
                            else:
                                hit = ("", None, False)
                        except TimeParseError as exc:
                            hit = exc
                        except (ValueError, OverflowError):
                            hit = TimeParseError(_("not a date or time cxdesk understands"))
                    if len(time_cache) > 100_000:
                        time_cache.clear()
                    time_cache[raw] = hit
                if hit.__class__ is TimeParseError:
                    if raw.__class__ is str and raw.strip() in errors_set:
                        counts["errors"] += 1
                    else:
                        time_raw = raw if raw.__class__ is str else cell_text(raw)
                        note("time", rownum, time_i, raw, hit.reason)
                elif hit[0]:
                    time_raw = raw if raw.__class__ is str else cell_text(raw)
                    if hit[2]:
                        note("time_implausible", rownum, time_i, raw,
                             _("before 2000 or more than a day in the future"))
                    else:
                        created, precision = hit[0], hit[1]
        # Rating: the same; a half star below the scale counts as its lowest rating.
        rating = rating_raw = None
        if rating_i is not None and rating_i < n:
            raw = row[rating_i]
            if raw is not None and raw != "":
                hit = rating_cache.get(raw)
                if hit is None:
                    try:
                        pr = parse_rating(raw, scale)
                        hit = (pr.value if pr else None, pr.below_scale if pr else False)
                    except RatingParseError as exc:
                        hit = exc
                    except (ValueError, OverflowError):
                        hit = RatingParseError(_("not a rating"))
                    if len(rating_cache) < 10_000:
                        rating_cache[raw] = hit
                if hit.__class__ is RatingParseError:
                    if raw.__class__ is str and raw.strip() in errors_set:
                        counts["errors"] += 1
                    else:
                        rating_raw = raw if raw.__class__ is str else cell_text(raw)
                        note("rating", rownum, rating_i, raw, hit.reason)
                else:
                    rating = hit[0]
                    if rating is not None:
                        rating_raw = raw if raw.__class__ is str else cell_text(raw)
                        if hit[1]:
                            note("rating_below", rownum, rating_i, raw, _("below the lowest rating; counted as 1"))
        # The rest
        channel = author = ext_id = None
        if channel_i is not None and channel_i < n:
            value = row[channel_i]
            if value is not None and value != "":
                if not ctrl and value.__class__ is str:
                    channel = value.strip() or None
                    if channel in errors_set:
                        counts["errors"] += 1
                        channel = None
                else:
                    channel = clean(value, ctrl)
        if author_i is not None and author_i < n:
            value = row[author_i]
            if value is not None and value != "":
                if not ctrl and value.__class__ is str:
                    author = value.strip() or None
                    if author in errors_set:
                        counts["errors"] += 1
                        author = None
                else:
                    author = clean(value, ctrl)
        weak_id = False
        if id_i is not None and id_i < n:
            value = row[id_i]
            if value is not None and value != "":
                if value.__class__ is float and abs(value) >= _EXACT_FLOAT:
                    # A long number in a workbook: its exact digits are in the sheet, not in the float.
                    if exact_numbers is None:
                        exact_numbers = readers.exact_number_texts(plan.path, plan.file_type, plan.sheet, id_i)
                    value = exact_numbers.get(rownum, cell_text(value))
                if not ctrl and value.__class__ is str:
                    ext_id = value.strip() or None
                    if ext_id in errors_set:
                        counts["errors"] += 1
                        ext_id = None
                else:
                    ext_id = clean(value, ctrl)
                if ext_id is not None:
                    if ext_id.lower() in _NO_ID:
                        ext_id = None
                    elif looks_mangled_id(ext_id):
                        weak_id = True
                        ids.mangled += 1
                        if ids.mangled_example is None:
                            ids.mangled_example = ext_id
        extra = None
        if extra_cols or n > ncols:
            ex = {}
            for i, name in extra_cols:
                if i < n:
                    v = row[i]
                    if v is not None and v != "":
                        ex[name] = v if v.__class__ is str else cell_text(v)
            if n > ncols:
                more = [cell_text(v) for v in row[ncols:] if v is not None and v != ""]
                if more:
                    ex["_more"] = more
            if ex:
                extra = json.dumps(ex, ensure_ascii=False)
        return text, created, precision, time_raw, rating, rating_raw, channel, author, ext_id, extra, weak_id

    return clean_row


def _import_rows(db, plan: ImportPlan, progress: Progress, bulk: storage.BulkInsert, *,
                 dry_run: bool) -> ImportResult:
    conn = db.conn
    now = storage.now_text()
    cur = conn.execute(
        "INSERT INTO sources(file_name, file_path, sha256, file_type, sheet, encoding, delimiter, header_row, "
        "mapping, reference_time, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [plan.file_name, str(plan.path), plan.sha256, plan.file_type, plan.sheet, plan.encoding, plan.delimiter,
         plan.header_row, json.dumps(plan.mapping, ensure_ascii=False),
         plan.reference_time.isoformat(sep=" "), now])
    source_id = bulk.source_id = cur.lastrowid
    roles = plan.roles
    id_i = roles.get("id")
    columns = plan.columns
    blake = hashlib.blake2b

    counts = {"read": 0, "imported": 0, "updated": 0, "dups": 0, "rejected": 0, "blank": 0, "ctrl": 0,
              "long": 0, "errors": 0, "ragged": 0, "anon_repeat": 0, "wide": 0}
    anon_seen: dict[bytes, int] = {}
    batch: list[tuple] = []
    id_batch: list[tuple] = []
    ids = _IdState()
    rows_iter, fraction = _data_rows(plan)
    cleaner = _RowCleaner(plan, counts, ids)
    clean_row = cleaner.clean_row
    rejected, notes, kept = cleaner.rejected, cleaner.notes, cleaner.kept

    def content_key(who: str | None, created, precision, time_raw, text: str, *, has_id: bool = False) -> str:
        """`who` is the author, or None for none or a placeholder."""
        # Coarse times ("3小时前", "2天前") come out differently from exports made on different
        # days; their calendar day is the part two exports agree on.
        tkey = created if precision in ("second", "minute") else (created[:10] if created else time_raw or "")
        digest = blake(f"{who or ''}\x1f{tkey}\x1f{text}".encode("utf-8"), digest_size=16).digest()
        if who is None:
            # Without a real author, identical reviews are told apart by their order in the file:
            # three 匿名用户 writing "好评" the same day stay three, the same file again adds none.
            seen = anon_seen.get(digest, 0)
            anon_seen[digest] = seen + 1
            if seen and not has_id:   # rows with their own ids are told apart by them
                counts["anon_repeat"] += 1
            return "ath:" + digest.hex() + (f":{seen}" if seen else "")
        return "ath:" + digest.hex()

    def fall_back(r: tuple) -> None:
        """A row whose id cannot be its identity joins the rows identified by their content."""
        batch.append(r[:12] + (r[13] or plain_content_key(r[9], r[3], r[4], r[5], r[2]),))

    # With no review ids in the database yet, id rows need no lookup: conflicts can only be repeats
    # within this file (the first import of a platform export, the common case).
    # Rows stored under their content before (an id that was mangled or shared then) are found by
    # that content key too.
    has_ids = conn.execute(
        "SELECT 1 FROM feedback WHERE dedup_key >= 'id:' AND dedup_key < 'id;' LIMIT 1").fetchone() is not None \
        or conn.execute("SELECT 1 FROM feedback WHERE dedup_key >= 'ath:' AND dedup_key < 'ath;' LIMIT 1").fetchone() is not None

    def flush() -> None:
        if id_batch:
            if has_ids:
                _flush_ids(conn, id_batch, source_id, counts, ids, fall_back)
            else:
                added = conn.executemany(_INSERT, [r[:13] for r in id_batch]).rowcount
                counts["imported"] += added
                if added < len(id_batch):
                    _sort_repeats(conn, id_batch, source_id, counts, ids, fall_back)
            id_batch.clear()
        if batch:
            added = conn.executemany(_INSERT, batch).rowcount
            counts["imported"] += added
            counts["dups"] += len(batch) - added
            batch.clear()

    default_channel = plan.channel or None   # for rows whose own channel cell is empty (or no such column)
    # The shop's reply to a review (merchant-centre exports), written once the rows are.
    reply_cols = (plan.roles.get("reply_text"), plan.roles.get("reply_time"), plan.roles.get("reply_status"))
    has_reply = any(i is not None for i in reply_cols)
    replies: list[tuple] = []
    text_rows = plan.file_type in ("csv", "html")
    blank = read = 0
    ctrl_search = _RX_CONTROL.search
    for rownum, row in rows_iter:
        if text_rows:
            joined = "".join(row)
            if not joined or joined.isspace():
                blank += 1
                continue
            ctrl = ctrl_search(joined) is not None
        else:
            # Workbook cells: text, numbers, dates; empty cells are "" or None.
            joined = "".join([v for v in row if v.__class__ is str])
            if (not joined or joined.isspace()) and _blank(row):
                blank += 1
                continue
            ctrl = ctrl_search(joined) is not None
        read += 1
        cleaned = clean_row(rownum, row, ctrl)
        if cleaned is None:
            continue
        text, created, precision, time_raw, rating, rating_raw, channel, author, ext_id, extra, weak_id = cleaned
        anonymous = author is None or is_placeholder_author(author)
        if ext_id and not weak_id and not anonymous and not has_ids:
            # A first import of ids: the content key of such a row is needed only if its id turns
            # out shared, and it does not depend on the other rows; made then.
            ckey = None
        else:
            ckey = content_key(None if anonymous else author, created, precision, time_raw, text,
                               has_id=bool(ext_id and not weak_id))
        if ext_id and not weak_id:
            id_key = f"id:{channel or ''}:{ext_id}"
            if anonymous and len(ids.anon_keys) < MAX_ANON_IDS:
                ids.anon_keys.setdefault(id_key, ckey)   # numbered by its place in the file
            id_batch.append((source_id, rownum, text, created, precision, time_raw, rating, rating_raw,
                             channel or default_channel, author, ext_id, extra, id_key, ckey))
        else:
            batch.append((source_id, rownum, text, created, precision, time_raw, rating, rating_raw,
                          channel or default_channel, author, ext_id, extra, ckey))
        if has_reply:
            reply = _reply_of(row, len(row), reply_cols, plan.reference_time, plan.day_first, plan.epoch1904)
            if reply is not None:
                # Found again by the row's key once written (an id key, or the content key).
                replies.append((*reply, source_id, (id_batch if ext_id and not weak_id else batch)[-1][12]))
        if len(batch) + len(id_batch) >= BATCH:
            done = fraction()  # decided at the first full batch: how many rows are coming in all?
            bulk.expect(int(read / done) if done > 0 else read)
            flush()
            progress(int(fraction() * 990), 1000, _("Importing rows"))
    flush()
    _settle_ids(conn, source_id, counts, ids)
    flush()
    if replies:
        conn.executemany(_UPSERT_REPLY, replies)
    counts["read"], counts["blank"] = read, blank

    if counts["read"] == 0:
        from cxdesk.core.errors import EmptyFileError

        raise EmptyFileError(_("“{file}” has a header row but no data rows.").format(file=plan.file_name))
    # Rebuilding indexes and the commit follow; a large import spends a moment there.
    progress(995, 1000, _("Saving the imported rows"))

    warnings = list(plan.warnings)
    sheet_rows = getattr(fraction, "sheet_rows", None)
    if sheet_rows is not None:
        merged = [m for m in sheet_rows.merged if m and m[0][0] > plan.header_row]
        if merged:
            warnings.append(ngettext(
                "{n} merged cell area in the data: only its first cell has a value, the others were left blank.",
                "{n} merged cell areas in the data: only their first cell has a value, the others were left blank.",
                len(merged)).format(n=len(merged)))
    if plan.file_type == "xlsx" and plan.sheet:
        formulas = readers.count_formulas_without_values(plan.path, plan.sheet)
        if formulas:
            warnings.append(ngettext(
                "{n} formula cell has no computed result (the file was saved by a program, not Excel); it was read as empty.",
                "{n} formula cells have no computed result (the file was saved by a program, not Excel); they were read as empty.",
                formulas).format(n=formulas))
    _warn(warnings, counts, len(plan.columns))
    _warn_kept(warnings, kept)
    _warn_ids(warnings, ids, columns[id_i] if id_i is not None else "")

    rejected_total = counts["rejected"]
    report = {"rejected": [r.to_json() for r in rejected[:MAX_REJECTED_STORED]], "rejected_total": rejected_total,
              "warnings": warnings, "notes": [r.to_json() for r in notes[:MAX_REJECTED_STORED]]}
    conn.execute(
        "UPDATE sources SET rows_read=?, imported=?, updated=?, duplicates=?, rejected=?, report=? WHERE id=?",
        [counts["read"], counts["imported"], counts["updated"], counts["dups"], rejected_total,
         json.dumps(report, ensure_ascii=False), source_id])
    changed = counts["imported"] > 0 or counts["updated"] > 0
    return ImportResult(
        source_id=None if dry_run else source_id, file=plan.file_name, file_type=plan.file_type,
        encoding=plan.encoding, sheet=plan.sheet, header_row=plan.header_row, mapping=plan.mapping,
        rows_read=counts["read"], imported=counts["imported"], updated=counts["updated"],
        duplicates=counts["dups"], rejected=rejected, warnings=warnings,
        changes=Changes(feedback=changed, sources=True) if not dry_run else NOTHING,
        dry_run=dry_run, rejected_total=rejected_total, notes=notes)


def _warn(warnings: list[str], c: dict, ncols: int) -> None:
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


def _warn_kept(warnings: list[str], kept: dict[str, list]) -> None:
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


def _warn_ids(warnings: list[str], ids: "_IdState", column: str) -> None:
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


# ------------------------------------------------------------------------------------------
# Identity


EARLIEST_TIME = "2000-01-01"          # a review time before this is a placeholder (0001-01-01, 1900-01-00)
_EXACT_FLOAT = float(2 ** 53)          # above this a float no longer holds every integer exactly
_NO_ID = frozenset({"0", "-", "--", "—", "/", "null", "none", "n/a", "na", "nan", "无", "空", "暂无"})
class _IdState:
    """What the rows with a platform id told about that id column during one import."""

    def __init__(self) -> None:
        self.mangled = 0
        self.mangled_example: str | None = None
        self.conflicts = 0
        self.conflict_example: str | None = None
        self.other_author = 0
        self.conflicted: set[str] = set()         # id keys shared by different reviews in this file
        self.pending: dict[str, tuple] = {}       # id key -> the row whose text would replace an older one
        self.anon_keys: dict[str, str] = {}       # id key -> content key, for rows without a real author
        self.matched_by_content: dict[str, tuple] = {}   # id key -> first row of it found by its content
        self.unchanged: bytearray | None = None

    # Ids met in this file with the text already stored, in a bit set (1 MB whatever the file's
    # size): a later row of the id with another text is then another review, not an edit. A false
    # hit only keeps an edit as a new review.
    _BITS = 1 << 23

    def mark_unchanged(self, key: str) -> None:
        if self.unchanged is None:
            self.unchanged = bytearray(self._BITS >> 3)
        h = hash(key) & (self._BITS - 1)
        self.unchanged[h >> 3] |= 1 << (h & 7)

    def was_unchanged(self, key: str) -> bool:
        if self.unchanged is None:
            return False
        h = hash(key) & (self._BITS - 1)
        return bool(self.unchanged[h >> 3] & (1 << (h & 7)))

    def conflict(self, key: str, r: tuple, fall_back) -> None:
        if self.conflict_example is None:
            self.conflict_example = r[10]
        self.conflicts += 1
        self.conflicted.add(key)
        fall_back(r)


def _same_content(text, author, created, time_raw, r: tuple) -> bool:
    return text == r[2] and (author or None) == (r[9] or None) and (created or time_raw) == (r[3] or r[5])


def _fetch(conn, keys: list[str]) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        q = ("SELECT dedup_key, id, text, rating, rating_raw, created_at, source_id, source_row, author, time_raw "
             "FROM feedback WHERE dedup_key IN (%s)" % ",".join("?" * len(chunk)))
        for rec in conn.execute(q, chunk):
            out[rec[0]] = rec
    return out


def _sort_repeats(conn, rows: list[tuple], source_id: int, counts: dict, ids: _IdState, fall_back) -> None:
    """After a plain insert of id rows: the rows it skipped are either repeats of a review of this
    file (duplicates) or another review under the same id (kept, identified by content)."""
    stored = _fetch(conn, list({r[12] for r in rows}))
    for r in rows:
        old = stored.get(r[12])
        if old is None or (old[6] == source_id and old[7] == r[1]):
            continue  # this row is the one stored
        if _same_content(old[2], old[8], old[5], old[9], r):
            counts["dups"] += 1
        else:
            ids.conflict(r[12], r, fall_back)


def _flush_ids(conn, rows: list[tuple], source_id: int, counts: dict, ids: _IdState, fall_back) -> None:
    """Rows with a platform id: new ones are inserted, same text is a duplicate, edited text replaces
    the old one at the end of the import, if the id proved trustworthy in the whole file."""
    existing = _fetch(conn, list({r[12] for r in rows}))
    by_content = _fetch(conn, list({r[13] for r in rows if r[12] not in existing}))
    fresh = []
    local = ids.matched_by_content
    fresh_keys: set[str] = set()
    for r in rows:
        key = r[12]
        old = existing.get(key)
        if old is None and r[13] in by_content and by_content[r[13]][6] != source_id:
            # Stored before under its content (its id was not trusted then); later rows with this
            # id are compared with this one, as with a row stored now.
            counts["dups"] += 1
            local.setdefault(key, r)
            continue
        if old is None:
            first = local.get(key)
            if first is None:
                local[key] = r
                fresh.append(r)
                fresh_keys.add(key)
            elif _same_content(first[2], first[9], first[3], first[5], r):
                counts["dups"] += 1
            else:
                ids.conflict(key, r, fall_back)
            continue
        if old[6] == source_id:
            if _same_content(old[2], old[8], old[5], old[9], r):
                counts["dups"] += 1
            else:
                ids.conflict(key, r, fall_back)
            continue
        wait = ids.pending.get(key)
        if wait is not None:
            if _same_content(wait[2], wait[9], wait[3], wait[5], r):
                counts["dups"] += 1
                continue
            # The id carries two texts in this file: not an edit. The stored review is one of
            # them or neither; the other texts are other reviews.
            del ids.pending[key]
            ids.conflict(key, wait, fall_back)
            if old[2] == r[2]:
                counts["dups"] += 1
            else:
                ids.conflict(key, r, fall_back)
            continue
        if old[2] == r[2]:
            # The same text is the same review; an edit changes the text (a rating alone differing
            # between two exports is not taken as an edit, as it is not within one file either).
            counts["dups"] += 1
            ids.mark_unchanged(key)
            continue
        if key in ids.conflicted or ids.was_unchanged(key):
            # This file also has the stored text under this id: another review, not an edit.
            ids.conflict(key, r, fall_back)
            continue
        a, b = old[8], r[9]
        if a and b and not is_placeholder_author(a) and not is_placeholder_author(b) and \
                unicodedata.normalize("NFKC", a).strip() != unicodedata.normalize("NFKC", b).strip():
            # Another customer under the same number: not an edit of that review.
            ids.other_author += 1
            fall_back(r)
            continue
        ids.pending[key] = r
    for key in fresh_keys:
        del local[key]  # stored now: the next batches find them in the table
    if fresh:
        added = conn.executemany(_INSERT, [r[:13] for r in fresh]).rowcount
        counts["imported"] += added
        counts["dups"] += len(fresh) - added


def _settle_ids(conn, source_id: int, counts: dict, ids: _IdState) -> None:
    """End of the file: apply the edits of trustworthy ids (keeping the previous version,
    BAD_INPUTS #42); a review stored under an id that turned out shared is identified by its content."""
    now = storage.now_text()
    for key, r in ids.pending.items():
        old = _fetch(conn, [key]).get(key)
        if old is None:
            counts["imported"] += conn.execute(_INSERT, r[:13]).rowcount
            continue
        conn.execute(
            "INSERT INTO feedback_versions(feedback_id, text, rating, rating_raw, source_id, replaced_at, replaced_by_source) "
            "VALUES (?,?,?,?,?,?,?)", [old[1], old[2], old[3], old[4], old[6], now, source_id])
        conn.execute(
            "UPDATE feedback SET text=?, rating=?, rating_raw=?, created_at=coalesce(?, created_at), "
            "time_precision=coalesce(?, time_precision), time_raw=coalesce(?, time_raw), "
            "lang=NULL, sentiment=NULL, model_label=NULL, label=manual_label, topics=NULL, analysis_version=NULL, "
            "analyzed_at=NULL WHERE id=?",
            [r[2], r[6], r[7], r[3], r[4], r[5], old[1]])
        conn.execute("DELETE FROM feedback_topics WHERE feedback_id=? AND manual=0", [old[1]])
        counts["updated"] += 1
    ids.pending.clear()
    for key in sorted(ids.conflicted):
        rec = conn.execute(
            "SELECT id, author, created_at, time_precision, time_raw, text FROM feedback "
            "WHERE dedup_key = ? AND source_id = ?", [key, source_id]).fetchone()
        if rec is None:
            continue
        # The stored row is the first of its id in the file; without a real author, that first
        # row's numbered content key was kept when it was read.
        new_key = plain_content_key(rec[1], rec[2], rec[3], rec[4], rec[5]) or ids.anon_keys.get(key)
        if new_key is not None:
            # Should the content key be taken (the same text came again without an id), the row
            # keeps its id key: the rows of this import have no search entries yet to delete.
            conn.execute("UPDATE OR IGNORE feedback SET dedup_key = ? WHERE id = ?", [new_key, rec[0]])


# ------------------------------------------------------------------------------------------
# Undo and listing


def undo_import(db, source_id: int) -> Changes:
    """Remove exactly the rows of import `source_id` (after a backup) and restore texts it replaced."""
    row = db.execute("SELECT id, file_name, undone_at FROM sources WHERE id = ?", [int(source_id)]).fetchone()
    if row is None:
        raise NotFoundError(_("There is no import with number {id}.").format(id=source_id))
    if row[2]:
        raise NotFoundError(_("Import {id} (“{file}”) was already undone on {when}.").format(
            id=source_id, file=row[1], when=row[2]))
    storage.make_backup(db, reason="undo-import")
    conn = db.conn
    with db.atomic():
        versions = conn.execute(
            "SELECT id, feedback_id, text, rating, rating_raw FROM feedback_versions WHERE replaced_by_source = ? "
            "ORDER BY id DESC", [int(source_id)]).fetchall()
        for vid, fid, text, rating, rating_raw in versions:
            conn.execute(
                "UPDATE feedback SET text=?, rating=?, rating_raw=?, lang=NULL, sentiment=NULL, model_label=NULL, "
                "label=manual_label, topics=NULL, analysis_version=NULL, analyzed_at=NULL WHERE id=?",
                [text, rating, rating_raw, fid])
            conn.execute("DELETE FROM feedback_topics WHERE feedback_id=? AND manual=0", [fid])
            conn.execute("DELETE FROM feedback_versions WHERE id=?", [vid])
        conn.execute("DELETE FROM feedback WHERE source_id = ?", [int(source_id)])
        conn.execute("UPDATE sources SET undone_at = ? WHERE id = ?", [storage.now_text(), int(source_id)])
    return Changes(feedback=True, topics=True, actions=True, alerts=False, sources=True)


def list_sources(db, *, include_undone: bool = True) -> list[SourceInfo]:
    rows = db.execute(
        "SELECT s.id, s.file_name, s.file_type, s.sheet, s.imported_at, s.rows_read, s.imported, s.updated, "
        "s.duplicates, s.rejected, (SELECT count(*) FROM feedback f WHERE f.source_id = s.id AND f.deleted = 0), "
        "s.undone_at, s.mapping FROM sources s ORDER BY s.id").fetchall()
    out = []
    for r in rows:
        if r[11] and not include_undone:
            continue
        try:
            mapping = json.loads(r[12] or "{}")
        except ValueError:
            mapping = {}
        out.append(SourceInfo(*r[:12], mapping=mapping))
    return out


def source_report(db, source_id: int) -> dict:
    row = db.execute("SELECT report FROM sources WHERE id = ?", [int(source_id)]).fetchone()
    if row is None:
        raise NotFoundError(_("There is no import with number {id}.").format(id=source_id))
    return json.loads(row[0] or "{}")


def feedback_stats(db) -> dict:
    """Counts for `cxdesk stats`: total live rows, by channel, by month, by sentiment label."""
    total = db.execute("SELECT count(*) FROM feedback WHERE deleted = 0").fetchone()[0]
    by_channel = {(k if k is not None else ""): n for k, n in db.execute(
        "SELECT channel, count(*) FROM feedback WHERE deleted = 0 GROUP BY channel ORDER BY count(*) DESC")}
    by_month = {(k if k is not None else ""): n for k, n in db.execute(
        "SELECT substr(created_at, 1, 7), count(*) FROM feedback WHERE deleted = 0 GROUP BY 1 ORDER BY 1")}
    by_label = {(k if k is not None else ""): n for k, n in db.execute(
        "SELECT label, count(*) FROM feedback WHERE deleted = 0 GROUP BY label ORDER BY count(*) DESC")}
    rated = db.execute("SELECT count(rating), avg(rating) FROM feedback WHERE deleted = 0").fetchone()
    sources = db.execute("SELECT count(*) FROM sources WHERE undone_at IS NULL").fetchone()[0]
    first_last = db.execute("SELECT min(created_at), max(created_at) FROM feedback WHERE deleted = 0").fetchone()
    return {"total": total, "by_channel": by_channel, "by_month": by_month, "by_label": by_label,
            "rated": rated[0], "average_rating": round(rated[1], 2) if rated[1] is not None else None,
            "sources": sources, "first": first_last[0], "last": first_last[1]}

