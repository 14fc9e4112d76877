"""Commit a questionnaire export: one `survey_responses` row per response, one feedback row per written answer.

The file is read by the same readers as any import and follows the same rules: one transaction (all
responses or none), the same file again adds nothing ("already imported"), an overlapping later export
adds only the new responses (identity = submitted time + response number + every answer). A row
repeated within one export is a duplicate: the same response number (序号) again, or, without one, the
same submission time (to the minute) with identical answers; identical rows without a number and
with only a day, or no time, are counted each (two cards typed in on one day may read the same). No row is dropped silently: a response without any
score or written answer is rejected with its row and reason; an unreadable time, recommend or
satisfaction value is left empty and noted. A 0–10 answer is kept as 0–10, never turned into stars.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Iterator

from cxdesk.core import storage
from cxdesk.core.changes import NOTHING, Changes
from cxdesk.core.errors import DatabaseError
from cxdesk.core.importers import ImportPlan, ImportResult, RejectedRow, readers
from cxdesk.core.importers.dates import TimeParseError, guess_day_first, parse_time
from cxdesk.core.progress import Progress, no_progress
from cxdesk.core.surveys.detect import NOTHING_TO_SAY, SKIPPED, SurveyPlan, csat_of, score_of
from cxdesk.i18n import _, ngettext

MAX_TEXT = 50_000
MAX_LISTED = 1_000
_RX_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_INSERT_RESPONSE = (
    "INSERT INTO survey_responses(source_id, source_row, response_key, external_id, submitted_at, time_raw, channel, "
    "nps, nps_question, csat, csat_scale, csat_question, answers, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT(response_key) DO NOTHING"
)
_INSERT_FEEDBACK = (
    "INSERT INTO feedback(source_id, source_row, text, created_at, time_precision, time_raw, rating, rating_raw, "
    "channel, author, external_id, extra, dedup_key) VALUES (?,?,?,?,?,?,NULL,NULL,?,NULL,NULL,?,?) "
    "ON CONFLICT(dedup_key) DO NOTHING"
)


@dataclass(frozen=True)
class SurveyImportResult(ImportResult):
    """An import result that also counts responses, written answers and the scores found."""

    answers: int = 0                    # written answers stored as feedback
    with_nps: int = 0
    with_csat: int = 0
    survey: dict | None = None          # the confirmed survey plan

    def to_json(self) -> dict:
        out = super().to_json()
        out["survey"] = {"responses": self.imported, "answers": self.answers, "with_nps": self.with_nps,
                         "with_csat": self.with_csat, "plan": self.survey}
        return out

    def summary(self) -> str:
        if self.already_imported:
            return super().summary()
        return super().summary() + " " + self.survey_sentence()

    def survey_sentence(self) -> str:
        return _("Survey: {responses}, {answers}; {nps} with a recommend score, {csat} with a satisfaction score.").format(
            responses=ngettext("{n} new response", "{n} new responses", self.imported).format(n=self.imported),
            answers=ngettext("{n} written answer", "{n} written answers", self.answers).format(n=self.answers),
            nps=self.with_nps, csat=self.with_csat)


def _file_rows(plan: ImportPlan) -> Iterator[tuple[int, list]]:
    """(row number from 1, raw values) of the rows below the header."""
    start = plan.header_row + 1
    if plan.file_type in ("xlsx", "xls"):
        return ((i + 1, r) for i, r in enumerate(readers.SheetRows(plan.path, plan.file_type, plan.sheet)) if i >= start)
    if plan.file_type == "html":
        tables = readers.parse_html_tables(readers.decode_whole(plan.path, plan.encoding or "utf-8"))
        index = plan.sheets.index(plan.sheet) if plan.sheet in plan.sheets else 0
        table = tables[index] if index < len(tables) else []
        return ((i + 1, r) for i, r in enumerate(table) if i >= start)
    return iter(readers.CsvRows(plan.path, plan.encoding or "utf-8", plan.delimiter or ",", len(plan.columns), start,
                                quote_none=plan.quote_none))


def _text(value) -> str:
    return _RX_CONTROL.sub("", readers.cell_text(value)).strip()


def survey_mapping(plan: ImportPlan, survey: SurveyPlan) -> dict[str, str]:
    """kind -> column name, open questions numbered (`open`, `open_2`, ...), as the import report shows it."""
    out: dict[str, str] = {}
    for q in survey.questions:
        if q.kind == "other":
            continue
        key, n = q.kind, 1
        while key in out:
            n += 1
            key = f"{q.kind}_{n}"
        out[key] = plan.columns[q.column]
    return out


class _Rows:
    """Turns file rows into response and feedback tuples, collecting rejections and notes."""

    def __init__(self, plan: ImportPlan, survey: SurveyPlan) -> None:
        self.plan, self.survey = plan, survey
        self.rejected: list[RejectedRow] = []
        self.notes: list[RejectedRow] = []
        self.occurrences: dict[str, int] = {}
        self.keys_of_ids: dict[str, str] = {}      # response number -> key, for a 序号 repeated in this file
        self.read = 0                    # non-blank rows
        cols = plan.columns
        self.time_i, self.id_i = survey.column_of("time"), survey.column_of("id")
        self.channel_i, self.nps_i = survey.column_of("channel"), survey.column_of("nps")
        self.csat_i = survey.column_of("csat")
        self.open_cols = survey.columns_of("open")
        self.names = cols
        # Day/month order from this survey's own time column (the sniffed plan guessed it for its own).
        data = plan.preview_values[plan.header_row + 1:]
        self.day_first = plan.day_first if self.time_i is None else guess_day_first(
            r[self.time_i] for r in data if self.time_i < len(r))

    def _time(self, rownum: int, value, raw: str) -> tuple[str | None, str | None, str | None]:
        if not raw:
            return None, None, None
        try:
            parsed = parse_time(value, self.plan.reference_time, day_first=self.day_first,
                                epoch1904=self.plan.epoch1904)
        except TimeParseError as exc:
            self.notes.append(RejectedRow(rownum, self.names[self.time_i], raw, exc.reason))
            return None, None, raw
        return (parsed.text(), parsed.precision, raw) if parsed else (None, None, raw)

    def _score(self, rownum: int, value, raw: str, i: int | None, scale: int | None) -> int | None:
        if not raw:
            return None
        n = score_of(value) if scale is None else csat_of(value, scale)
        if n is None:
            reason = (_("not a whole number from 0 to 10") if scale is None
                      else _("not a satisfaction score from 1 to {top}").format(top=scale))
            self.notes.append(RejectedRow(rownum, self.names[i], raw, reason))
        return n

    def convert(self, rownum: int, row: list) -> tuple[tuple, list[tuple[str, str]]] | None:
        """(response values without source and key, [(question, answer text)]); None for a blank or rejected row."""
        width = len(self.names)
        # Each cell's text once; a skipped answer ((跳过), (空), -3) is an empty one.
        texts = [_text(v) if v is not None else "" for v in row[:width]]
        texts = [t if t.lower() not in SKIPPED else "" for t in texts] + [""] * (width - len(texts))
        if not any(texts):
            return None
        self.read += 1
        values = row[:width] + [None] * (width - len(row))

        def at(i: int | None) -> tuple:
            return (values[i], texts[i]) if i is not None else (None, "")

        created, precision, time_raw = self._time(rownum, *at(self.time_i))
        nps = self._score(rownum, *at(self.nps_i), self.nps_i, None)
        csat = self._score(rownum, *at(self.csat_i), self.csat_i, self.survey.csat_scale)
        written = [(self.names[i], texts[i][:MAX_TEXT]) for i in self.open_cols
                   if texts[i] and texts[i].lower() not in NOTHING_TO_SAY]
        if nps is None and csat is None and not written:
            shown = self.nps_i if self.nps_i is not None else (self.csat_i if self.csat_i is not None else 0)
            self.rejected.append(RejectedRow(rownum, self.names[shown] if self.names else "", texts[shown] if texts else "",
                                             _("no recommend score, satisfaction score or written answer")))
            return None
        answers = {self.names[i]: t for i, t in enumerate(texts) if t}
        ext = at(self.id_i)[1] or None
        channel = at(self.channel_i)[1][:200] or self.plan.channel
        return (rownum, ext, created, time_raw, channel, nps, csat, answers, precision), written

    def key(self, values: tuple) -> str:
        """The response's identity; a repeated response number or timed identical row gets the first one's key."""
        _row, ext, created, time_raw, _channel, _nps, _csat, answers, precision = values
        if ext and ext in self.keys_of_ids:
            return self.keys_of_ids[ext]
        base = hashlib.blake2b(json.dumps([created or time_raw, ext, sorted(answers.items())], ensure_ascii=False)
                               .encode("utf-8"), digest_size=16).hexdigest()
        if ext or precision in ("second", "minute"):
            if ext:
                self.keys_of_ids[ext] = f"svy:{base}"
            return f"svy:{base}"
        n = self.occurrences.get(base, 0) + 1
        self.occurrences[base] = n
        return f"svy:{base}" + (f":{n}" if n > 1 else "")


def import_survey(db, plan: ImportPlan, survey: SurveyPlan, progress: Progress = no_progress, *,
                  dry_run: bool = False) -> SurveyImportResult:
    """Import the responses of a questionnaire export in one transaction; see the module docstring."""
    previous = db.execute(
        "SELECT id, imported_at, rows_read, rejected FROM sources "
        "WHERE sha256 = ? AND sheet IS ? AND undone_at IS NULL ORDER BY id LIMIT 1", [plan.sha256, plan.sheet]).fetchone()
    mapping = survey_mapping(plan, survey)
    if previous is not None:
        sid, when, rows_read, rejected = previous
        return SurveyImportResult(
            source_id=sid, file=plan.file_name, file_type=plan.file_type, encoding=plan.encoding, sheet=plan.sheet,
            header_row=plan.header_row, mapping=mapping, rows_read=rows_read, imported=0, updated=0,
            duplicates=rows_read - rejected, rejected=[], warnings=[], already_imported=True, previous_import=when,
            dry_run=dry_run, survey=survey.to_json())
    progress(0, 1000, _("Reading “{file}”").format(file=plan.file_name))
    try:
        # The feedback tables' per-row insert triggers catch up set-wise at the end, as in any import.
        with storage.checkpoint_deferred(db), db.atomic(), storage.bulk_insert(db) as bulk:
            result = _import(db, plan, survey, mapping, progress, bulk)
            if dry_run:
                raise _DryRun(result)
    except _DryRun as done:
        from dataclasses import replace

        result = replace(done.args[0], source_id=None, dry_run=True, changes=NOTHING)
    except sqlite3.Error as exc:
        raise DatabaseError(
            _("The database could not be written ({reason}); nothing from “{file}” was imported.").format(
                reason=storage.plain_sqlite_reason(exc), file=plan.file_name), details=repr(exc)) from exc
    progress(1000, 1000, _("Import finished"))
    return result


class _DryRun(Exception):
    pass


def _import(db, plan: ImportPlan, survey: SurveyPlan, mapping: dict, progress: Progress,
            bulk: storage.BulkInsert) -> SurveyImportResult:
    conn = db.conn
    now = storage.now_text()
    source_id = conn.execute(
        "INSERT INTO sources(file_name, file_path, sha256, file_type, sheet, encoding, delimiter, header_row, "
        "mapping, reference_time, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [plan.file_name, str(plan.path), plan.sha256, plan.file_type, plan.sheet, plan.encoding, plan.delimiter,
         plan.header_row, json.dumps(mapping, ensure_ascii=False), plan.reference_time.isoformat(sep=" "), now]).lastrowid
    bulk.source_id = source_id
    rows = _Rows(plan, survey)
    nps_q = plan.columns[rows.nps_i] if rows.nps_i is not None else None
    csat_q = plan.columns[rows.csat_i] if rows.csat_i is not None else None
    c = {"new": 0, "dups": 0, "answers": 0, "nps": 0, "csat": 0}
    for rownum, row in _file_rows(plan):
        if rows.read % 200 == 199:
            progress(min(999, rows.read // 10), 1000, _("Importing responses"))
        converted = rows.convert(rownum, row)
        if converted is None:
            continue
        values, written = converted
        key = rows.key(values)
        rownum, ext, created, time_raw, channel, nps, csat, answers, precision = values
        cur = conn.execute(_INSERT_RESPONSE, [
            source_id, rownum, key, ext, created, time_raw, channel, nps, nps_q, csat,
            survey.csat_scale if csat is not None else None, csat_q, json.dumps(answers, ensure_ascii=False), now])
        if cur.rowcount <= 0:
            c["dups"] += 1
            continue
        response_id = cur.lastrowid
        c["new"] += 1
        c["nps"] += nps is not None
        c["csat"] += csat is not None
        for n, (question, text) in enumerate(written, 1):
            extra = json.dumps({"survey_question": question}, ensure_ascii=False)
            fcur = conn.execute(_INSERT_FEEDBACK, [source_id, rownum, text, created, precision, time_raw, channel,
                                                   extra, f"{key}:q{n}"])
            if fcur.rowcount > 0:
                conn.execute("INSERT INTO survey_answers(feedback_id, response_id, question) VALUES (?,?,?)",
                             [fcur.lastrowid, response_id, question])
                c["answers"] += 1
    c["read"] = rows.read
    warnings = _warnings(survey, c, len(rows.notes))
    rejected_total = len(rows.rejected)
    report = {"rejected": [r.to_json() for r in rows.rejected[:MAX_LISTED]], "rejected_total": rejected_total,
              "warnings": warnings, "notes": [r.to_json() for r in rows.notes[:MAX_LISTED]],
              "survey": survey.to_json()}
    conn.execute("UPDATE sources SET rows_read=?, imported=?, updated=0, duplicates=?, rejected=?, report=? WHERE id=?",
                 [c["read"], c["new"], c["dups"], rejected_total, json.dumps(report, ensure_ascii=False), source_id])
    return SurveyImportResult(
        source_id=source_id, file=plan.file_name, file_type=plan.file_type, encoding=plan.encoding, sheet=plan.sheet,
        header_row=plan.header_row, mapping=mapping, rows_read=c["read"], imported=c["new"], updated=0,
        duplicates=c["dups"], rejected=rows.rejected, warnings=warnings,
        changes=Changes(feedback=c["answers"] > 0, sources=True), rejected_total=rejected_total, notes=rows.notes,
        answers=c["answers"], with_nps=c["nps"], with_csat=c["csat"], survey=survey.to_json())


def _warnings(survey: SurveyPlan, c: dict, noted: int) -> list[str]:
    out = []
    if survey.column_of("nps") is None:
        out.append(_("No question was marked as the recommend question (0–10), so there is no NPS for this file."))
    csat = [q.text for q in survey.questions if q.kind == "csat"]
    if len(csat) > 1:
        out.append(_("CSAT is counted from “{first}”; the other satisfaction questions are kept with each response.").format(
            first=csat[0]))
    if survey.column_of("time") is None:
        out.append(_("No column was marked as the submission time; the responses count in no period."))
    if noted:
        out.append(ngettext("{n} answer could not be read and was left empty; see the notes.",
                            "{n} answers could not be read and were left empty; see the notes.", noted).format(n=noted))
    return out
