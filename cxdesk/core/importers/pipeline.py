"""Commit an `ImportPlan` to the database in one transaction, undo an import, list imports.

Every row becomes a `feedback` row or a line in the report (rejected with row, column, value and
reason, or counted as a duplicate). `cleaner.RowCleaner` checks and converts the fields of each row,
`writer.RowWriter` gives it its identity (dedup key) and writes it. Rows go in with plain
`executemany` inside one `db.atomic()`: all accepted rows or none. A large import into a smaller table
drops the secondary indexes and rebuilds them at the end, and other areas' per-row insert triggers
catch up set-wise (`storage.bulk_insert`). Search indexing follows after the commit and the analysis
(`search.index_some`, in the window's background), so the rows are on screen first.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Iterator

from cxdesk.core import storage
from cxdesk.core.changes import NOTHING, Changes
from cxdesk.core.errors import DatabaseError, NoTextColumnError, NotFoundError
from cxdesk.core.importers import readers
from cxdesk.core.importers.cleaner import MAX_COLUMNS, MAX_TEXT, RX_CONTROL, RejectedRow, RowCleaner, blank
from cxdesk.core.importers.results import ImportResult, SourceInfo, warn_counts, warn_ids, warn_kept
from cxdesk.core.importers.sniff import ImportPlan
from cxdesk.core.importers.writer import INSERT as _INSERT  # noqa: F401  (bench/bench_import.py)
from cxdesk.core.importers.writer import UPSERT_REPLY, IdState, RowWriter, reply_of
from cxdesk.core.progress import Progress, no_progress
from cxdesk.i18n import _, ngettext

BATCH = 5000
MAX_REJECTED_STORED = 1_000    # rejected rows kept in sources.report


class _DryRun(Exception):
    pass


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


def _start_source(conn, plan: ImportPlan) -> int:
    """The `sources` row of this import (its counts are filled in at the end)."""
    cur = conn.execute(
        "INSERT INTO sources(file_name, file_path, sha256, file_type, sheet, encoding, delimiter, header_row, "
        "mapping, reference_time, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [plan.file_name, str(plan.path), plan.sha256, plan.file_type, plan.sheet, plan.encoding, plan.delimiter,
         plan.header_row, json.dumps(plan.mapping, ensure_ascii=False),
         plan.reference_time.isoformat(sep=" "), storage.now_text()])
    return cur.lastrowid


def _changed_replies(conn, replies: list[tuple], source_id: int) -> int:
    """How many rows stored by earlier imports, and not already updated by this one, get a reply
    (text, time or status) that differs from the stored one. `replies`: (text, time, status, source, key)."""
    changed = 0
    for start in range(0, len(replies), 500):
        chunk = {r[4]: r[:3] for r in replies[start:start + 500]}
        marks = ", ".join("?" * len(chunk))
        stored = conn.execute(
            "SELECT f.dedup_key, r.text, r.replied_at, r.status FROM feedback f "
            "LEFT JOIN feedback_replies r ON r.feedback_id = f.id "
            f"WHERE f.dedup_key IN ({marks}) AND f.source_id != ? AND NOT EXISTS (SELECT 1 FROM feedback_versions v "
            "WHERE v.feedback_id = f.id AND v.replaced_by_source = ?)", [*chunk, source_id, source_id]).fetchall()
        for key, *old in stored:
            changed += any(new is not None and new != was for new, was in zip(chunk[key], old))
    return changed


def _import_rows(db, plan: ImportPlan, progress: Progress, bulk: storage.BulkInsert, *,
                 dry_run: bool) -> ImportResult:
    conn = db.conn
    source_id = bulk.source_id = _start_source(conn, plan)
    counts = {"read": 0, "imported": 0, "updated": 0, "dups": 0, "rejected": 0, "blank": 0, "ctrl": 0,
              "long": 0, "errors": 0, "ragged": 0, "anon_repeat": 0, "wide": 0}
    ids = IdState()
    cleaner = RowCleaner(plan, counts, ids)
    writer = RowWriter(conn, source_id, counts, ids, plan.channel or None)
    rows_iter, fraction = _data_rows(plan)
    replies = _read_rows(plan, rows_iter, fraction, cleaner, writer, counts, progress, bulk)
    writer.finish()
    if replies:
        refreshed = _changed_replies(conn, replies, source_id)
        counts["updated"] += refreshed          # rows whose only news is the shop's reply are updates,
        counts["dups"] -= refreshed             # not duplicates
        conn.executemany(UPSERT_REPLY, replies)
    if counts["read"] == 0:
        from cxdesk.core.errors import EmptyFileError

        raise EmptyFileError(_("“{file}” has a header row but no data rows.").format(file=plan.file_name))
    # Rebuilding indexes and the commit follow; a large import spends a moment there.
    progress(995, 1000, _("Saving the imported rows"))
    warnings = _file_warnings(plan, fraction)
    warn_counts(warnings, counts, len(plan.columns))
    warn_kept(warnings, cleaner.kept)
    id_i = plan.roles.get("id")
    warn_ids(warnings, ids, plan.columns[id_i] if id_i is not None else "")
    rejected, notes = cleaner.rejected, cleaner.notes
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


def _read_rows(plan: ImportPlan, rows_iter, fraction, cleaner: RowCleaner, writer: RowWriter, counts: dict,
               progress: Progress, bulk: storage.BulkInsert) -> list[tuple]:
    """Every data row cleaned and queued for writing (written batch by batch); returns the shop's
    replies found in the rows, to be written once the rows are: (text, time, status, source, key)."""
    # The shop's reply to a review (merchant-centre exports).
    reply_cols = (plan.roles.get("reply_text"), plan.roles.get("reply_time"), plan.roles.get("reply_status"))
    has_reply = any(i is not None for i in reply_cols)
    replies: list[tuple] = []
    text_rows = plan.file_type in ("csv", "html")
    blank_rows = read = 0
    ctrl_search = RX_CONTROL.search
    add = writer.add
    for rownum, row in rows_iter:
        # Workbook cells are text, numbers, dates; empty cells are "" or None.
        joined = "".join(row) if text_rows else "".join([v for v in row if v.__class__ is str])
        if (not joined or joined.isspace()) and (text_rows or blank(row)):
            blank_rows += 1
            continue
        read += 1
        cleaned = cleaner(rownum, row, ctrl_search(joined) is not None)
        if cleaned is None:
            continue
        key = add(rownum, cleaned)
        if has_reply:
            reply = reply_of(row, len(row), reply_cols, plan.reference_time, plan.day_first, plan.epoch1904)
            if reply is not None:
                # Found again by the row's key once written (an id key, or the content key).
                replies.append((*reply, writer.source_id, key))
        if len(writer) >= BATCH:
            done = fraction()  # decided at the first full batch: how many rows are coming in all?
            bulk.expect(int(read / done) if done > 0 else read)
            writer.flush()
            progress(int(fraction() * 990), 1000, _("Importing rows"))
    counts["read"], counts["blank"] = read, blank_rows
    return replies


def _file_warnings(plan: ImportPlan, fraction) -> list[str]:
    """The plan's warnings, and what the workbook itself holds back (merged cells, formulas without values)."""
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
    return warnings


# ------------------------------------------------------------------------------------------
# Reading data rows


def _numbered(rows, start: int, state: dict):
    """(row number 1-based, values) of the rows from index `start` on; `state["n"]`: rows read so far."""
    for i, row in enumerate(rows):
        state["n"] = i
        if i >= start:
            yield i + 1, row


def _data_rows(plan: ImportPlan) -> tuple[Iterator[tuple[int, list]], callable]:
    """(row number 1-based, raw values) after the header row, and a 0..1 progress function."""
    start = plan.header_row + 1
    state = {"n": 0}
    if plan.file_type in ("xlsx", "xls"):
        sheet_rows = readers.SheetRows(plan.path, plan.file_type, plan.sheet)
        fraction = lambda: state["n"] / sheet_rows.total if sheet_rows.total else 0.0  # noqa: E731
        fraction.sheet_rows = sheet_rows  # type: ignore[attr-defined]
        return _numbered(sheet_rows, start, state), fraction
    if plan.file_type == "html":
        text = readers.decode_whole(plan.path, plan.encoding or "utf-8")
        tables = readers.parse_html_tables(text)
        index = plan.sheets.index(plan.sheet) if plan.sheet in plan.sheets else 0
        table = tables[index] if index < len(tables) else []
        return _numbered(table, start, state), lambda: state["n"] / len(table) if table else 0.0
    csv_rows = readers.CsvRows(plan.path, plan.encoding or "utf-8", plan.delimiter or ",", len(plan.columns), start,
                               quote_none=plan.quote_none)
    return iter(csv_rows), lambda: csv_rows.fraction


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


__all__ = ["import_file", "undo_import", "list_sources", "source_report", "feedback_stats", "ImportResult",
           "RejectedRow", "SourceInfo", "BATCH", "MAX_TEXT", "MAX_COLUMNS"]
