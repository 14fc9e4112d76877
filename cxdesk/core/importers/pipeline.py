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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterator

from cxdesk.core import storage
from cxdesk.core.changes import NOTHING, Changes
from cxdesk.core.errors import DatabaseError, NoTextColumnError, NotFoundError
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

_RX_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RX_ISO_MINUTE = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?$")

_INSERT = (
    "INSERT INTO feedback(source_id, source_row, text, created_at, time_precision, time_raw, rating, "
    "rating_raw, channel, author, external_id, extra, dedup_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT(dedup_key) DO NOTHING"
)


def _migrate_10(db) -> None:
    # Undo looks up versions by the import that replaced them; cascades look them up by row.
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS idx_feedback_versions_feedback ON feedback_versions(feedback_id);
        CREATE INDEX IF NOT EXISTS idx_feedback_versions_by_source ON feedback_versions(replaced_by_source);
        CREATE INDEX IF NOT EXISTS idx_sources_undone ON sources(undone_at);
        """
    )


storage.register_migration(10, _migrate_10)


def _migrate_60(db) -> None:
    # No query looks feedback up by the platform's id (identity goes through dedup_key), yet every
    # import and edit kept this index up to date.
    db.execute("DROP INDEX IF EXISTS idx_feedback_external")


storage.register_migration(60, _migrate_60)


def _migrate_96(db) -> None:
    # The shop's reply to a review as the platform's export shows it; a later export updates it.
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS feedback_replies (
            feedback_id INTEGER PRIMARY KEY REFERENCES feedback(id) ON DELETE CASCADE,
            text TEXT,
            replied_at TEXT,
            status TEXT,
            source_id INTEGER REFERENCES sources(id)
        );
        """
    )


storage.register_migration(96, _migrate_96)

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
    csv_rows = readers.CsvRows(plan.path, plan.encoding or "utf-8", plan.delimiter or ",", len(plan.columns), start)
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
                reason=exc, file=plan.file_name), details=repr(exc)) from exc
    progress(1000, 1000, _("Import finished"))
    from dataclasses import replace

    return replace(result, seconds=_time.perf_counter() - started)


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
    ncols = min(len(plan.columns), MAX_COLUMNS)
    text_i = roles["text"]
    time_i = roles.get("time")
    rating_i = roles.get("rating")
    channel_i = roles.get("channel")
    author_i = roles.get("author")
    id_i = roles.get("id")
    reply_cols = (roles.get("reply_text"), roles.get("reply_time"), roles.get("reply_status"))
    has_reply = any(i is not None for i in reply_cols)
    replies: list[tuple] = []
    columns = plan.columns
    mapped = set(roles.values())
    extra_cols = [(i, columns[i]) for i in range(ncols) if i not in mapped]
    ref = plan.reference_time
    future_limit = ref + timedelta(days=1)
    day_first, epoch1904, scale = plan.day_first, plan.epoch1904, plan.rating_scale
    cell_text = readers.cell_text
    errors_set = readers.ERROR_VALUES
    blake = hashlib.blake2b

    rejected: list[RejectedRow] = []
    counts = {"read": 0, "imported": 0, "updated": 0, "dups": 0, "rejected": 0, "blank": 0, "ctrl": 0,
              "long": 0, "errors": 0, "ragged": 0, "future": 0, "anon_repeat": 0, "no_text": 0, "wide": 0}
    time_cache: dict = {}
    rating_cache: dict = {}
    anon_seen: dict[bytes, int] = {}
    batch: list[tuple] = []
    id_batch: list[tuple] = []
    rows_iter, fraction = _data_rows(plan)

    def reject(rownum: int, col: int, value, reason: str) -> None:
        counts["rejected"] += 1
        if len(rejected) < MAX_REJECTED_KEPT:
            rejected.append(RejectedRow(rownum, columns[col], cell_text(value)[:200], reason))

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

    # With no review ids in the database yet, id rows need no lookup: conflicts can only be repeats
    # within this file (the first import of a platform export, the common case).
    has_ids = conn.execute(
        "SELECT 1 FROM feedback WHERE dedup_key >= 'id:' AND dedup_key < 'id;' LIMIT 1").fetchone() is not None

    def flush() -> None:
        if batch:
            added = conn.executemany(_INSERT, batch).rowcount
            counts["imported"] += added
            counts["dups"] += len(batch) - added
            batch.clear()
        if id_batch:
            if has_ids:
                _flush_ids(conn, id_batch, source_id, now, counts)
            else:
                added = conn.executemany(_INSERT, id_batch).rowcount
                counts["imported"] += added
                counts["dups"] += len(id_batch) - added
            id_batch.clear()

    text_rows = plan.file_type in ("csv", "html")
    future_text = future_limit.isoformat(sep=" ")
    iso_min = _RX_ISO_MINUTE.match
    fromiso = datetime.fromisoformat
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
        n = len(row)
        if n > ncols and not _blank(row[ncols:]):
            counts["ragged"] += 1
        # Time
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
                            text = raw[:10] + " " + raw[11:16] + (raw[16:19] if len(raw) == 19 else ":00")
                            hit = (text, "second" if len(raw) == 19 else "minute", text > future_text)
                        except ValueError:
                            hit = None
                    if hit is None:
                        try:
                            parsed = parse_time(raw, ref, day_first=day_first, epoch1904=epoch1904)
                            hit = (parsed.text(), parsed.precision, parsed.value > future_limit) if parsed else ("", None, False)
                        except TimeParseError as exc:
                            hit = exc
                    if len(time_cache) > 100_000:
                        time_cache.clear()
                    time_cache[raw] = hit
                if hit.__class__ is TimeParseError:
                    if not (raw.__class__ is str and raw.strip() in errors_set):
                        reject(rownum, time_i, raw, hit.reason)
                        continue
                    counts["errors"] += 1
                elif hit[0]:
                    created, precision = hit[0], hit[1]
                    if hit[2]:
                        counts["future"] += 1
                    time_raw = raw if raw.__class__ is str else cell_text(raw)
        # Rating
        rating = rating_raw = None
        if rating_i is not None and rating_i < n:
            raw = row[rating_i]
            if raw is not None and raw != "":
                hit = rating_cache.get(raw)
                if hit is None:
                    try:
                        pr = parse_rating(raw, scale)
                        hit = (pr.value if pr else None,)
                    except RatingParseError as exc:
                        hit = exc
                    if len(rating_cache) < 10_000:
                        rating_cache[raw] = hit
                if hit.__class__ is RatingParseError:
                    if not (raw.__class__ is str and raw.strip() in errors_set):
                        reject(rownum, rating_i, raw, hit.reason)
                        continue
                    counts["errors"] += 1
                else:
                    rating = hit[0]
                    if rating is not None:
                        rating_raw = raw if raw.__class__ is str else cell_text(raw)
        # Text and the rest
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
            counts["no_text"] += 1
        elif len(text) > MAX_TEXT:
            counts["long"] += 1
            text = text[:MAX_TEXT]
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
        if id_i is not None and id_i < n:
            value = row[id_i]
            if value is not None and value != "":
                if not ctrl and value.__class__ is str:
                    ext_id = value.strip() or None
                    if ext_id in errors_set:
                        counts["errors"] += 1
                        ext_id = None
                else:
                    ext_id = clean(value, ctrl)
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
        if ext_id:
            id_batch.append((source_id, rownum, text, created, precision, time_raw, rating, rating_raw, channel,
                             author, ext_id, extra, f"id:{channel or ''}:{ext_id}"))
        else:
            # Coarse times ("3小时前", "2天前") come out differently from exports made on different
            # days; their calendar day is the part two exports agree on.
            tkey = created if precision in ("second", "minute") else (created[:10] if created else time_raw or "")
            digest = blake(f"{author or ''}\x1f{tkey}\x1f{text}".encode("utf-8"), digest_size=16).digest()
            if author is None:
                seen = anon_seen.get(digest, 0)
                anon_seen[digest] = seen + 1
                if seen:
                    counts["anon_repeat"] += 1
                key = "ath:" + digest.hex() + (f":{seen}" if seen else "")
            else:
                key = "ath:" + digest.hex()
            batch.append((source_id, rownum, text, created, precision, time_raw, rating, rating_raw, channel,
                          author, None, extra, key))
        if has_reply:
            reply = _reply_of(row, n, reply_cols, ref, day_first, epoch1904)
            if reply is not None:
                replies.append((*reply, source_id, (id_batch if ext_id else batch)[-1][12]))
        if len(batch) + len(id_batch) >= BATCH:
            done = fraction()  # decided at the first full batch: how many rows are coming in all?
            bulk.expect(int(read / done) if done > 0 else read)
            flush()
            progress(int(fraction() * 990), 1000, _("Importing rows"))
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

    rejected_total = counts["rejected"]
    report = {"rejected": [r.to_json() for r in rejected[:MAX_REJECTED_STORED]], "rejected_total": rejected_total,
              "warnings": warnings}
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
        dry_run=dry_run, rejected_total=rejected_total)


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
    if c["future"]:
        warnings.append(ngettext("{n} time lies in the future; please check it.",
                                 "{n} times lie in the future; please check them.", c["future"]).format(n=c["future"]))
    if c["anon_repeat"]:
        warnings.append(ngettext(
            "{n} row repeats the text and time of another row without an author; it was kept as a possible duplicate.",
            "{n} rows repeat the text and time of another row without an author; they were kept as possible duplicates.",
            c["anon_repeat"]).format(n=c["anon_repeat"]))
    if c["no_text"]:
        warnings.append(ngettext("{n} row has no text; it was kept and marked “no text”.",
                                 "{n} rows have no text; they were kept and marked “no text”.",
                                 c["no_text"]).format(n=c["no_text"]))


def _flush_ids(conn, rows: list[tuple], source_id: int, now: str, counts: dict) -> None:
    """Rows with a platform id: new ones are inserted, same text is a duplicate, edited text updates."""
    existing: dict[str, tuple] = {}
    keys = list({r[12] for r in rows})
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        q = "SELECT dedup_key, id, text, rating, rating_raw, created_at, source_id FROM feedback WHERE dedup_key IN (%s)" % (
            ",".join("?" * len(chunk)))
        for rec in conn.execute(q, chunk):
            existing[rec[0]] = rec
    fresh = []
    for r in rows:
        old = existing.get(r[12])
        if old is None:
            fresh.append(r)
            continue
        if old[6] == source_id or (old[2] == r[2] and (r[6] is None or old[3] == r[6])):
            counts["dups"] += 1
            continue
        # Same review id, edited text or rating: keep the previous version (BAD_INPUTS #42).
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
        existing[r[12]] = (old[0], old[1], r[2], r[6], r[7], r[3], source_id)
        counts["updated"] += 1
    if fresh:
        added = conn.executemany(_INSERT, fresh).rowcount
        counts["imported"] += added
        counts["dups"] += len(fresh) - added


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

