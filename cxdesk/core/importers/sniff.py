"""First look at a feedback file: type, encoding, delimiter, sheet, header row and column roles.

`sniff_file(path)` returns an `ImportPlan` the owner can correct in the preview (or with CLI
options) before `import_file` commits it. Nothing here writes to the database except
`remember_mapping`, which stores a confirmed mapping under the file's header signature so the
next export with the same columns is mapped the same way. The guesses themselves live in
`encoding.py` (text encoding, delimiter) and `columns.py` (header row, column names and roles).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from cxdesk.core.errors import EmptyFileError, InvalidValueError, UnreadableFileError
from cxdesk.core.importers import readers
from cxdesk.core.importers.columns import detect_header_row, guess_roles, header_names, is_blank, normalize_header
from cxdesk.core.importers.dates import TimeParseError, guess_day_first, parse_time
from cxdesk.core.importers.encoding import decode_sample, detect_delimiter, detect_encoding
from cxdesk.core.importers.labels import file_type_label, role_label
from cxdesk.core.importers.ratings import RatingParseError, detect_scale, parse_rating
from cxdesk.i18n import _, ngettext

ROLES = ("text", "time", "rating", "channel", "author", "id", "reply_text", "reply_time", "reply_status")
PREVIEW_ROWS = 50
SAMPLE_BYTES = 1 << 20
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp932", "cp949")


@dataclass(frozen=True)
class ImportPlan:
    path: Path
    file_name: str
    sha256: str
    file_type: str                      # xlsx | xls | html | csv
    encoding: str | None
    delimiter: str | None
    sheets: list[str]
    sheet: str | None
    header_row: int                     # 0-based index in the raw rows; -1 = no header row
    columns: list[str]
    roles: dict[str, int]               # role -> column index
    reference_time: datetime
    raw_preview: list[list[str]]
    warnings: list[str]
    encodings_possible: list[str]
    epoch1904: bool = False
    day_first: bool | None = None
    rating_scale: str = "5"
    hidden_sheets: list[str] = field(default_factory=list)
    size: int = 0
    preview_values: list[list] = field(default_factory=list, repr=False, compare=False)
    quote_none: bool = False            # a CSV whose quotation marks are text (they do not pair up)
    channel: str | None = None          # platform given to rows without a channel of their own

    @property
    def header_signature(self) -> str:
        return header_signature(self.columns)

    @property
    def mapping(self) -> dict[str, str]:
        """role -> column name."""
        return {role: self.columns[idx] for role, idx in self.roles.items() if 0 <= idx < len(self.columns)}

    def with_changes(self, **changes) -> "ImportPlan":
        """A new plan; changing encoding, delimiter, sheet or header row reads the file again."""
        reread = {"encoding", "delimiter", "sheet", "header_row", "reference_time"}
        if reread & changes.keys():
            kw = {
                "encoding": changes.get("encoding", self.encoding if self.file_type in ("csv", "html") else None),
                "delimiter": changes.get("delimiter", self.delimiter if self.file_type == "csv" else None),
                "sheet": changes.get("sheet", self.sheet),
                "reference_time": changes.get("reference_time", self.reference_time),
            }
            if "header_row" in changes:
                kw["header_row"] = changes["header_row"]
            elif not ({"encoding", "delimiter", "sheet"} & changes.keys()):
                kw["header_row"] = self.header_row
            new = _sniff(self.path, sha256=self.sha256, **kw)
            roles = dict(new.roles)
            for role, idx in self.roles.items():
                if 0 <= idx < len(self.columns) and self.columns[idx] in new.columns:
                    target = new.columns.index(self.columns[idx])
                    roles = {r: i for r, i in roles.items() if i != target and r != role}
                    roles[role] = target
            new = new.with_changes(roles=roles, channel=self.channel)
            rest = {k: v for k, v in changes.items() if k not in reread}
            return new.with_changes(**rest) if rest else new
        if "channel" in changes:
            from cxdesk.core.importers.channels import clean_channel

            changes["channel"] = clean_channel(changes["channel"])
        if "roles" in changes:
            changes["roles"] = _validated_roles(changes["roles"], self.columns)
            # The rating scale and day/month order belong to the columns now chosen.
            derived = _derived(self.preview_values[self.header_row + 1:], changes["roles"])
            for key, value in derived.items():
                changes.setdefault(key, value)
        return replace(self, **changes)


def _derived(data: list[list], roles: dict[str, int]) -> dict:
    out: dict = {"day_first": None, "rating_scale": "5"}
    if "time" in roles:
        out["day_first"] = guess_day_first(r[roles["time"]] for r in data if roles["time"] < len(r))
    if "rating" in roles:
        out["rating_scale"] = detect_scale(r[roles["rating"]] for r in data if roles["rating"] < len(r))
    return out


def _validated_roles(roles: dict, columns: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    used: set[int] = set()
    for role, idx in roles.items():
        if role not in ROLES:
            raise InvalidValueError(_("Unknown column role “{role}”; use one of: {roles}.").format(
                role=role, roles=", ".join(ROLES)))
        if idx is None:
            continue
        if not (0 <= int(idx) < len(columns)):
            raise InvalidValueError(_("There is no column number {n}.").format(n=int(idx) + 1))
        if int(idx) in used:
            raise InvalidValueError(_("Column “{column}” cannot have two roles.").format(column=columns[int(idx)]))
        used.add(int(idx))
        out[role] = int(idx)
    return out



def header_signature(columns: list[str]) -> str:
    joined = "\x1f".join(normalize_header(c) for c in columns)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------------------------------
# Reading the first rows


def _read_preview(path: Path, facts: readers.FileFacts, *, encoding: str | None, delimiter: str | None,
                  sheet: str | None) -> dict:
    """The first rows of the file and what was learnt reading them (encoding, sheets, warnings)."""
    out: dict = {"encoding": None, "delimiter": None, "sheets": [], "sheet": None, "hidden": [],
                 "rows": [], "possible": [], "warnings": [], "quote_none": False}
    if facts.file_type in ("xlsx", "xls"):
        _read_workbook_preview(path, facts, sheet, out)
    elif facts.file_type == "html":
        _read_html_preview(path, facts, encoding, sheet, out)
    else:
        _read_text_preview(path, facts, encoding, delimiter, out)
    return out


def _read_workbook_preview(path: Path, facts: readers.FileFacts, sheet: str | None, out: dict) -> None:
    infos = readers.workbook_sheets(path)
    usable = [s for s in infos if not s.chart]
    out["sheets"] = [s.name for s in usable]
    out["hidden"] = [s.name for s in usable if s.hidden]
    if not usable:
        raise EmptyFileError(_("“{file}” has no worksheets with data.").format(file=path.name))
    if sheet is not None:
        chosen = _match_sheet(path, sheet, out["sheets"])
        rows = list(readers.iter_workbook_rows(path, facts.file_type, chosen, preview=True, limit=PREVIEW_ROWS))
    else:
        chosen, rows = None, []
        for s in [s for s in usable if not s.hidden] + [s for s in usable if s.hidden]:
            rows = list(readers.iter_workbook_rows(path, facts.file_type, s.name, preview=True, limit=PREVIEW_ROWS))
            chosen = s.name
            if sum(1 for r in rows if any(not is_blank(v) for v in r)) >= 2:
                break
    out["sheet"], out["rows"] = chosen, rows


def _read_html_preview(path: Path, facts: readers.FileFacts, encoding: str | None, sheet: str | None,
                       out: dict) -> None:
    enc = encoding or _html_encoding(path, facts)
    text = readers.decode_whole(path, enc)
    tables = readers.parse_html_tables(text)
    if not tables:
        raise EmptyFileError(_("“{file}” is a web page without a table.").format(file=path.name))
    names = [_("Table {n}").format(n=i + 1) for i in range(len(tables))]
    out["sheets"] = names
    if sheet is not None:
        chosen = _match_sheet(path, sheet, names)
    else:
        chosen = names[max(range(len(tables)), key=lambda i: len(tables[i]))]
    out["sheet"] = chosen
    out["rows"] = tables[names.index(chosen)][:PREVIEW_ROWS]
    out["encoding"] = enc
    out["possible"] = [enc]


def _read_text_preview(path: Path, facts: readers.FileFacts, encoding: str | None, delimiter: str | None,
                       out: dict) -> None:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
        complete = fh.read(1) == b""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidValueError(_("Unknown text encoding “{encoding}”.").format(encoding=encoding)) from None
    guess, possible = detect_encoding(sample, complete=complete, bom=facts.bom_encoding)
    enc = encoding or guess
    text = decode_sample(sample, enc, complete=complete)
    if text is None:
        # The sample does not decode: name the line (mixed encodings, BAD_INPUTS #22).
        readers.decode_whole(path, enc)
        text = ""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not complete:
        cut = text.rfind("\n")
        text = text[:cut + 1] if cut > 0 else text
    if enc.startswith(("utf-16", "utf-32")) and delimiter is None and "\t" in text[:4096].split("\n", 1)[0]:
        # Excel's "Unicode text" is tab-separated: a tab in the header line says so (a tab inside
        # a quoted review further down does not).
        delim = "\t"
    else:
        delim = delimiter or detect_delimiter(text)
    try:
        rows = _preview_records(path, text, delim, complete)
    except readers.UnclosedQuoteError:
        # A file that does not quote at all, with a quotation mark inside a review: each line is
        # one row. Anything else with an unpaired quote is refused, naming the line.
        first = text.split("\n", 1)[0]
        if not readers.lines_are_rows(text.splitlines(), delim, first.count(delim) + 1):
            raise
        width = first.count(delim) + 1
        rows = [r for r in readers.LineRecords(io.StringIO(text, newline=""), delim, width)][:PREVIEW_ROWS]
        out["quote_none"] = True
        out["warnings"].append(_("Quotation marks in “{file}” do not pair up; they were read as part of the text, one line per row.").format(
            file=path.name))
    out.update(encoding=enc, delimiter=delim, possible=possible or [enc], rows=rows)


def _preview_records(path: Path, text: str, delim: str, complete: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    width = 1
    try:
        last_line = 0
        for row in reader:
            width = max(width, len(row)) if len(rows) < 5 else width
            if reader.line_num - last_line > 1 and readers.swallowed_lines(row, delim, width):
                raise readers.unclosed_quote_error(path, last_line + 1)
            if reader.line_num - last_line > 1 and width > 1 and readers.holds_row_like_lines(row, delim, width) \
                    and readers.lines_are_rows(text.splitlines(), delim, width):
                raise readers.unclosed_quote_error(path, last_line + 1)
            last_line = reader.line_num
            rows.append(row)
            if len(rows) >= PREVIEW_ROWS:
                break
        else:
            if complete and rows and any(v.endswith(("\n", "\r")) for v in rows[-1]) \
                    and readers.swallowed_lines(rows[-1], delim, width, at_end=True):
                raise readers.unclosed_quote_error(path, last_line)
    except csv.Error as exc:
        raise UnreadableFileError(_("Cannot import “{file}”: line {line} cannot be read as CSV ({reason}).").format(
            file=path.name, line=reader.line_num, reason=exc)) from None
    return rows


def _html_encoding(path: Path, facts: readers.FileFacts) -> str:
    if facts.bom_encoding:
        return facts.bom_encoding
    charset = (facts.html_charset or "").lower()
    data = path.read_bytes()[:SAMPLE_BYTES]
    if charset in ("gb2312", "gbk", "gb18030", "x-gbk"):
        return "gb18030"
    if charset in ("big5", "big5-hkscs"):
        return "big5"
    if charset:
        try:
            name = codecs.lookup(charset).name
            if decode_sample(data, name, complete=False) is not None:
                return name
        except LookupError:
            pass
    return detect_encoding(data, complete=len(data) < SAMPLE_BYTES)[0]


def _match_sheet(path: Path, sheet: str, names: list[str]) -> str:
    if sheet in names:
        return sheet
    for n in names:
        if normalize_header(n) == normalize_header(sheet):
            return n
    if str(sheet).isdigit() and 1 <= int(sheet) <= len(names):
        return names[int(sheet) - 1]
    raise InvalidValueError(_("“{file}” has no sheet “{sheet}”. Sheets: {names}.").format(
        file=path.name, sheet=sheet, names="、".join(names)))


# ------------------------------------------------------------------------------------------
# The plan


def sniff_file(path, *, encoding: str | None = None, sheet: str | None = None, header_row: int | None = None,
               reference_time: datetime | None = None, delimiter: str | None = None, db=None) -> ImportPlan:
    """Look at `path` and propose how to import it; raises `UnreadableFileError` with one sentence."""
    plan = _sniff(Path(path), encoding=encoding, sheet=sheet, header_row=header_row,
                  reference_time=reference_time, delimiter=delimiter)
    from cxdesk.core.importers.channels import guess_channel, recall_channel

    channel = guess_channel(plan.file_name, plan.columns)
    if db is not None:
        remembered = recall_mapping(db, plan)
        if remembered:
            plan = plan.with_changes(roles=remembered)
        channel = recall_channel(db, plan.header_signature) or channel
    return plan.with_changes(channel=channel)


def _sniff(path: Path, *, encoding=None, sheet=None, header_row=None, reference_time=None, delimiter=None,
           sha256: str | None = None) -> ImportPlan:
    path = Path(path)
    facts = readers.detect_file(path)
    size = path.stat().st_size
    if reference_time is None:
        reference_time = datetime.fromtimestamp(int(os.path.getmtime(path)))
    elif reference_time.tzinfo is not None:
        reference_time = reference_time.astimezone().replace(tzinfo=None)
    info = _read_preview(path, facts, encoding=encoding, delimiter=delimiter, sheet=sheet)
    rows = info["rows"]
    warnings = list(facts.warnings) + info["warnings"]
    if not any(any(not is_blank(v) for v in r) for r in rows):
        raise EmptyFileError(_("“{file}” has no data rows.").format(file=path.name))
    if header_row is None:
        header_row = detect_header_row(rows)
    elif header_row < -1 or header_row >= len(rows):
        raise InvalidValueError(_("The header row must be between 1 and {n}.").format(n=len(rows)))
    header = rows[header_row] if header_row >= 0 else []
    width = len(header)
    while width > 0 and is_blank(header[width - 1]):
        width -= 1
    if width == 0:
        # No header (or an empty one): as wide as the data.
        width = max((len(r) for r in rows), default=0)
        while width > 0 and all(is_blank(r[width - 1]) if len(r) >= width else True for r in rows):
            width -= 1
    columns = header_names(header, width)
    data = [r for r in rows[header_row + 1:] if any(not is_blank(v) for v in r)]
    if header_row >= 0 and not data and len(rows) < PREVIEW_ROWS:
        raise EmptyFileError(_("“{file}” has a header row but no data rows.").format(file=path.name))
    roles = guess_roles(columns, data, reference=reference_time, epoch1904=facts.epoch1904)
    if "text" not in roles:
        warnings.append(_("No column looks like the feedback text; choose it in the preview."))
    language = {"cp932": _("Japanese (Shift-JIS)"), "cp949": _("Korean (EUC-KR)"),
                "utf-32": "UTF-32", "utf-32-le": "UTF-32", "utf-32-be": "UTF-32"}.get(info["encoding"] or "")
    if language:
        warnings.append(_("The text is in {encoding} encoding and was read as such; check the preview.").format(
            encoding=language))
    if info["hidden"]:
        warnings.append(_("Hidden sheets: {names}.").format(names="、".join(info["hidden"])))
    derived = _derived(data, roles)
    day_first, scale = derived["day_first"], derived["rating_scale"]
    return ImportPlan(
        path=path.resolve(), file_name=path.name, sha256=sha256 or file_sha256(path), file_type=facts.file_type,
        encoding=info["encoding"], delimiter=info["delimiter"], sheets=info["sheets"], sheet=info["sheet"],
        header_row=header_row, columns=columns, roles=roles, reference_time=reference_time.replace(microsecond=0),
        raw_preview=[[readers.cell_text(v) for v in r] for r in rows], warnings=warnings,
        encodings_possible=info["possible"], epoch1904=facts.epoch1904, day_first=day_first, rating_scale=scale,
        hidden_sheets=info["hidden"], size=size, preview_values=rows, quote_none=info["quote_none"],
    )


# ------------------------------------------------------------------------------------------
# Preview with parsed values


@dataclass(frozen=True)
class PreviewRow:
    row: int                       # 1-based row number in the file
    values: list[str]
    text: str
    time: str | None               # parsed, 'YYYY-MM-DD HH:MM:SS'
    time_error: str | None
    rating: float | None           # 1..5
    rating_error: str | None


def preview_rows(plan: ImportPlan, n: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first data rows as the import will read them: how times and ratings were understood."""
    out = []
    for i, raw in enumerate(plan.preview_values[plan.header_row + 1:], start=plan.header_row + 2):
        if len(out) >= n:
            break
        if not any(not is_blank(v) for v in raw):
            continue
        values = [readers.cell_text(raw[c]) if c < len(raw) else "" for c in range(len(plan.columns))]
        t = terr = None
        r = rerr = None
        if "time" in plan.roles and plan.roles["time"] < len(raw):
            try:
                parsed = parse_time(raw[plan.roles["time"]], plan.reference_time, day_first=plan.day_first,
                                    epoch1904=plan.epoch1904)
                t = parsed.text() if parsed else None
                latest = max(plan.reference_time, datetime.now()) + timedelta(days=1)
                if parsed and not (datetime(2000, 1, 1) <= parsed.value <= latest):
                    # The import keeps such a review without a date; the preview says why.
                    t, terr = None, _("before 2000 or more than a day in the future")
            except TimeParseError as exc:
                terr = exc.reason
        if "rating" in plan.roles and plan.roles["rating"] < len(raw):
            try:
                pr = parse_rating(raw[plan.roles["rating"]], plan.rating_scale)
                r = pr.value if pr else None
            except RatingParseError as exc:
                rerr = exc.reason
        text = values[plan.roles["text"]] if "text" in plan.roles else ""
        out.append(PreviewRow(i, values, text, t, terr, r, rerr))
    return out


def describe_plan(plan: ImportPlan) -> list[str]:
    """Plain sentences about the plan for the CLI and the wizard's summary line."""
    lines = [_("File: {file} ({kind})").format(file=plan.file_name, kind=file_type_label(plan.file_type))]
    if plan.encoding:
        lines.append(_("Encoding: {encoding}").format(encoding=plan.encoding))
    if plan.sheet:
        lines.append(_("Sheet: {sheet}").format(sheet=plan.sheet))
    lines.append(_("Header row: {row}").format(row=plan.header_row + 1 if plan.header_row >= 0 else _("none")))
    for role in ROLES:
        if role in plan.roles:
            lines.append(_("{role} ← column “{column}”").format(role=role_label(role), column=plan.columns[plan.roles[role]]))
    if plan.channel:
        lines.append(_("Channel of rows that name none: {channel}").format(channel=plan.channel))
    n = len(plan.warnings)
    if n:
        lines.append(ngettext("{n} warning", "{n} warnings", n).format(n=n))
    return lines


# ------------------------------------------------------------------------------------------
# Remembered mappings


def remember_mapping(db, plan: ImportPlan) -> None:
    """Store the plan's roles under its header signature, for the next file with these columns."""
    from cxdesk.core.storage import now_text

    with db.atomic():
        db.execute(
            "INSERT INTO mappings(signature, mapping, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(signature) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at",
            [plan.header_signature, json.dumps(_remembered(plan), ensure_ascii=False), now_text()],
        )


def _remembered(plan: ImportPlan) -> dict[str, str]:
    from cxdesk.core.importers.channels import CHANNEL_KEY

    out = dict(plan.mapping)
    if plan.channel:
        out[CHANNEL_KEY] = plan.channel
    return out


def recall_mapping(db, plan: ImportPlan) -> dict[str, int] | None:
    row = db.execute("SELECT mapping FROM mappings WHERE signature = ?", [plan.header_signature]).fetchone()
    if not row:
        return None
    try:
        stored = json.loads(row[0])
    except ValueError:
        return None
    roles = {}
    for role, name in stored.items():
        if role in ROLES and name in plan.columns:
            roles[role] = plan.columns.index(name)
    return roles or None
