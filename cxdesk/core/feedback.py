"""Feedback rows for the browser: ids by filter and sort, rows by id, corrections, deletes and export.

The browser never loads a whole table: `query_ids` returns the ids of the filtered, sorted rows in one
SQL statement (a compact integer array), and `fetch_rows` loads the visible ones by primary key.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from cxdesk.core import storage
from cxdesk.core.analysis.store import set_manual_label, tag_topic
from cxdesk.core.changes import Changes
from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.core.filters import LABELS, FeedbackFilter, filter_sql
from cxdesk.core.progress import Progress, no_progress
from cxdesk.core.surveys.store import question_of
from cxdesk.i18n import N_, _

# Sort keys the browser offers, and the SQL each one orders by (ties broken by id, same direction).
SORT_COLUMNS: dict[str, str] = {
    "created_at": "f.created_at",
    "channel": "f.channel",
    "rating": "f.rating",
    "label": "f.label",
    "topics": "f.topics",
    "text": "f.text",
    "author": "f.author",
    "id": "f.id",
}

_ROW_COLUMNS = (
    "id, created_at, channel, rating, label, manual_label, model_label, sentiment, topics, text, "
    "author, source_id, source_row, external_id, lang, deleted, rating_raw, time_raw"
)

_CHUNK = 500  # ids per IN (...) list, well below SQLite's parameter limit
FEW_MATCHES = 20_000
EXCEL_MAX_ROWS = 1_048_576  # rows in an Excel sheet, the header row included  # below this many search matches, sorting them beats walking the time index


@dataclass(frozen=True)
class FeedbackRow:
    id: int
    created_at: str | None
    channel: str | None
    rating: float | None
    label: str | None            # effective label: manual_label if set, else model_label
    manual_label: str | None
    model_label: str | None
    sentiment: float | None
    topics: tuple[str, ...]
    text: str
    author: str | None
    source_id: int
    source_row: int | None
    external_id: str | None
    lang: str | None
    deleted: bool
    rating_raw: str | None
    time_raw: str | None


def _topics_tuple(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    try:
        parsed = json.loads(value)
    except ValueError:
        return ()
    if isinstance(parsed, list):
        return tuple(str(t) for t in parsed)
    return ()


def _row(values: tuple) -> FeedbackRow:
    (id_, created_at, channel, rating, label, manual, model, sentiment, topics, text, author,
     source_id, source_row, external_id, lang, deleted, rating_raw, time_raw) = values
    return FeedbackRow(int(id_), created_at, channel, rating, label, manual, model, sentiment,
                       _topics_tuple(topics), text or "", author, source_id, source_row, external_id,
                       lang, bool(deleted), rating_raw, time_raw)


# ---------------------------------------------------------------------------------------------
# Reading


def ids_sql(flt: FeedbackFilter, sort: str = "created_at", descending: bool = True,
            limit: int | None = None, few_matches: bool = False) -> tuple[str, list]:
    """The SELECT of ids for a filter and sort (exposed so benchmarks can time its parts).

    With `limit` (the first screenful) the covering time index is walked in order and stops early,
    which beats collecting every match first when the matches are many; `few_matches` says the
    search matches so few rows that sorting them is cheaper still.
    """
    if sort not in SORT_COLUMNS:
        raise InvalidValueError(_("Cannot sort by “{column}”.").format(column=sort))
    where, params = filter_sql(flt)
    direction = "DESC" if descending else "ASC"
    order = f"{SORT_COLUMNS[sort]} {direction}" + ("" if sort == "id" else f", f.id {direction}")
    if flt.ids or (flt.search.strip() and (limit is None or few_matches)):
        # The matching ids are few compared with the table: look them up by primary key and sort
        # them, instead of walking the whole time index and probing each row.
        source = "feedback f NOT INDEXED"
    elif not flt.include_deleted:
        # Covering index (deleted, created_at, id, label, channel, rating, source_id): the filters
        # and the default order are answered without reading the wide table rows.
        source = "feedback f INDEXED BY idx_feedback_browse"
    else:
        source = "feedback f"
    sql = f"SELECT f.id FROM {source} WHERE {where} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def query_ids(db, flt: FeedbackFilter, sort: str = "created_at", descending: bool = True,
              limit: int | None = None) -> np.ndarray:
    """Ids of the rows selected by `flt` in display order (the first `limit` only, if given), int64.

    The ids come back as one comma-joined string and are parsed by numpy: a million ids take about
    a tenth of a second, against a third of a second for a million Python tuples.
    """
    few = False
    if limit is not None and flt.search.strip():
        from cxdesk.core.search import estimate_matches

        few = estimate_matches(db, flt.search, FEW_MATCHES) < FEW_MATCHES
    sql, params = ids_sql(flt, sort, descending, limit, few)
    joined = db.execute(f"SELECT group_concat(id) FROM ({sql})", params).fetchone()[0]
    if not joined:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(joined, dtype=np.int64, sep=",")


def count_rows(db, flt: FeedbackFilter) -> int:
    where, params = filter_sql(flt)
    return int(db.execute(f"SELECT count(*) FROM feedback f WHERE {where}", params).fetchone()[0])


def fetch_rows(db, ids: Iterable[int]) -> list[FeedbackRow]:
    """Rows for `ids`, in the order given; ids that no longer exist are skipped."""
    wanted = [int(i) for i in ids]
    found: dict[int, FeedbackRow] = {}
    for chunk in storage.iter_chunks(wanted, _CHUNK):
        marks = ", ".join("?" * len(chunk))
        for values in db.execute(f"SELECT {_ROW_COLUMNS} FROM feedback WHERE id IN ({marks})", chunk):
            found[int(values[0])] = _row(values)
    return [found[i] for i in wanted if i in found]


def get_row(db, feedback_id: int) -> FeedbackRow:
    rows = fetch_rows(db, [feedback_id])
    if not rows:
        raise NotFoundError(_("Feedback row {id} does not exist.").format(id=feedback_id))
    return rows[0]


def distinct_channels(db) -> list[str]:
    """Channel names in use (blank channels left out), sorted."""
    rows = db.execute(
        "SELECT DISTINCT channel FROM feedback WHERE channel IS NOT NULL AND channel != '' ORDER BY channel"
    ).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class SourceOption:
    id: int
    file_name: str
    imported_at: str
    rows: int


@dataclass(frozen=True)
class FilterOptions:
    """What the browser's filter boxes offer."""

    channels: tuple[str, ...]
    topics: tuple[str, ...]
    sources: tuple[SourceOption, ...]


def filter_options(db) -> FilterOptions:
    topics = tuple(r[0] for r in db.execute("SELECT name FROM topics WHERE enabled = 1 ORDER BY name"))
    sources = tuple(
        SourceOption(int(r[0]), r[1], r[2], int(r[3] or 0))
        for r in db.execute(
            "SELECT id, file_name, imported_at, imported FROM sources WHERE undone_at IS NULL ORDER BY id DESC"
        )
    )
    return FilterOptions(tuple(distinct_channels(db)), topics, sources)


@dataclass(frozen=True)
class TopicMention:
    topic: str
    label: str | None
    sentiment: float | None
    manual: bool
    words: tuple[str, ...]       # the topic name and its synonyms, as they may appear in the text


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    topic: str
    label: str | None


@dataclass(frozen=True)
class FeedbackDetail:
    row: FeedbackRow
    mentions: tuple[TopicMention, ...]
    highlights: tuple[Highlight, ...]   # non-overlapping spans of topic words in row.text
    source_name: str | None
    survey_question: str | None = None  # the question a survey answer replied to


def row_detail(db, feedback_id: int) -> FeedbackDetail:
    """One row with its topic mentions and where their words stand in the text."""
    row = get_row(db, feedback_id)
    mentions = []
    for name, synonyms, label, sentiment, manual in db.execute(
        "SELECT t.name, t.synonyms, ft.label, ft.sentiment, ft.manual FROM feedback_topics ft "
        "JOIN topics t ON t.id = ft.topic_id WHERE ft.feedback_id = ? ORDER BY t.name",
        [feedback_id],
    ):
        try:
            words = [str(w) for w in json.loads(synonyms or "[]") if str(w).strip()]
        except ValueError:
            words = []
        mentions.append(TopicMention(name, label, sentiment, bool(manual), tuple([name, *words])))
    source = db.execute("SELECT file_name FROM sources WHERE id = ?", [row.source_id]).fetchone()
    return FeedbackDetail(row, tuple(mentions), tuple(_highlights(row.text, mentions)),
                          source[0] if source else None, question_of(db, row.id))


def _highlights(text: str, mentions: Sequence[TopicMention]) -> list[Highlight]:
    lowered = text.lower()
    spans: list[Highlight] = []
    for mention in mentions:
        for word in sorted(set(mention.words), key=len, reverse=True):
            needle = word.lower()
            start = lowered.find(needle)
            while start >= 0:
                spans.append(Highlight(start, start + len(needle), mention.topic, mention.label))
                start = lowered.find(needle, start + len(needle))
    # Longest first wins where words overlap (手机屏幕 over 屏幕), then keep text order.
    spans.sort(key=lambda h: (-(h.end - h.start), h.start))
    taken: list[Highlight] = []
    for h in spans:
        if all(h.end <= t.start or h.start >= t.end for t in taken):
            taken.append(h)
    return sorted(taken, key=lambda h: h.start)


# ---------------------------------------------------------------------------------------------
# Changing rows (each returns what changed; the UI wraps them in undo commands)


def _id_chunks(ids: Iterable[int]) -> list[list[int]]:
    return list(storage.iter_chunks(sorted({int(i) for i in ids}), _CHUNK))


def delete_rows(db, ids: Iterable[int]) -> Changes:
    """Hide rows everywhere (`deleted = 1`); `restore_rows` brings them back."""
    return _set_deleted(db, ids, 1)


def restore_rows(db, ids: Iterable[int]) -> Changes:
    return _set_deleted(db, ids, 0)


def _set_deleted(db, ids: Iterable[int], value: int) -> Changes:
    chunks = _id_chunks(ids)
    if not chunks:
        return Changes()
    with db.atomic():
        for chunk in chunks:
            db.execute(f"UPDATE feedback SET deleted = ? WHERE id IN ({', '.join('?' * len(chunk))})",
                       [value, *chunk])
    return Changes(feedback=True, topics=True)


def manual_labels(db, ids: Iterable[int]) -> dict[int, str | None]:
    """Current manual labels (None = none) of `ids`, so a correction can be undone exactly."""
    out: dict[int, str | None] = {}
    for chunk in _id_chunks(ids):
        for fid, manual in db.execute(
            f"SELECT id, manual_label FROM feedback WHERE id IN ({', '.join('?' * len(chunk))})", chunk
        ):
            out[int(fid)] = manual
    return out


def correct_label(db, ids: Iterable[int], label: str | None) -> Changes:
    """Store the owner's sentiment for rows (None removes the correction; the model's label returns)."""
    if label is not None and label not in LABELS:
        raise InvalidValueError(_("“{label}” is not a sentiment label.").format(label=label))
    return set_manual_label(db, ids, label)


def rows_with_topic(db, ids: Iterable[int], topic: str) -> set[int]:
    """Which of `ids` already mention `topic` (so tagging can be undone without losing earlier tags)."""
    out: set[int] = set()
    for chunk in _id_chunks(ids):
        out.update(int(r[0]) for r in db.execute(
            f"SELECT ft.feedback_id FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
            f"WHERE t.name = ? AND ft.feedback_id IN ({', '.join('?' * len(chunk))})", [topic, *chunk]))
    return out


def tag_rows(db, ids: Iterable[int], topic: str, remove: bool = False) -> Changes:
    """Tag rows with a topic (created if new) or remove the tag."""
    topic = (topic or "").strip()
    if not topic:
        raise InvalidValueError(_("Please enter a topic name."))
    return tag_topic(db, ids, topic, remove=remove)


# ---------------------------------------------------------------------------------------------
# Export

EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", N_("No.")),
    ("created_at", N_("Time")),
    ("channel", N_("Channel")),
    ("rating", N_("Rating")),
    ("label", N_("Sentiment")),
    ("topics", N_("Topics")),
    ("text", N_("Feedback text")),
    ("author", N_("Author")),
    ("external_id", N_("Platform ID")),
    ("source", N_("Source file")),
)

LABEL_NAMES = {
    "positive": N_("Positive"),
    "neutral": N_("Neutral"),
    "negative": N_("Negative"),
    "unknown": N_("Unclear"),
}


def label_name(label: str | None) -> str:
    return _(LABEL_NAMES[label]) if label in LABEL_NAMES else ""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


def export_rows(db, flt: FeedbackFilter, path: Path | str, progress: Progress = no_progress, *,
                sort: str = "created_at", descending: bool = True) -> ExportResult:
    """Write the filtered rows to .xlsx or .csv (by the file's suffix), customer text kept as text.

    The file is written beside the target and moved into place at the end, so a cancelled or failed
    export never leaves half a file behind.
    """
    from cxdesk.core import safe_cells

    path = Path(path)
    kind = path.suffix.lower()
    if kind not in (".xlsx", ".csv"):
        raise InvalidValueError(_("Cannot export to “{name}”: choose a .xlsx or .csv file name.").format(name=path.name))
    ids = query_ids(db, flt, sort, descending)
    if kind == ".xlsx" and len(ids) >= EXCEL_MAX_ROWS:
        raise InvalidValueError(
            _("{n} rows do not fit in one Excel sheet (at most {max}). Export to .csv instead, or filter the rows first.").format(
                n=f"{len(ids):,}", max=f"{EXCEL_MAX_ROWS - 1:,}"))
    sources = {int(r[0]): r[1] for r in db.execute("SELECT id, file_name FROM sources")}
    header = [_(title) for _key, title in EXPORT_COLUMNS]
    total = len(ids)
    batch = 1000

    def records():
        for start in range(0, total, batch):
            progress(start, total, _("Exporting rows"))
            for row in fetch_rows(db, ids[start:start + batch].tolist()):
                rating = int(row.rating) if row.rating is not None and row.rating == int(row.rating) else row.rating
                yield [row.id, row.created_at, row.channel, rating, label_name(row.label),
                       "、".join(row.topics), row.text, row.author, row.external_id,
                       sources.get(row.source_id, "")]
        progress(total, total, _("Exporting rows"))

    fd, tmp_name = tempfile.mkstemp(prefix=".cxdesk-export-", suffix=kind, dir=path.parent if path.parent.exists() else None)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if kind == ".xlsx":
            safe_cells.write_xlsx(tmp, header, records(), sheet_title=_("Feedback rows"),
                                  column_widths=[8, 20, 12, 8, 10, 20, 80, 14, 18, 24])
        else:
            safe_cells.write_csv(tmp, header, records())
        safe_cells.move_into_place(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportResult(path, total)


# ---------------------------------------------------------------------------------------------
# Counts for the window's status bar


@dataclass(frozen=True)
class RowCounts:
    total: int     # rows not deleted
    waiting: int   # of those, rows not analyzed yet
    stale: int = 0  # of those, rows analyzed with an older model (see `pipeline.stale_count`)
    responses: int = 0  # survey responses (a shop may run score-only surveys: not empty, but no rows)
    unindexed: int = 0  # rows not in the search index yet (`search.backlog_size`)

    @property
    def empty(self) -> bool:
        """Nothing imported yet: the first-run page instead of the screens."""
        return self.total == 0 and self.responses == 0


def status_counts(db) -> RowCounts:
    """How many rows there are, how many still wait for the analysis, and how many were analysed
    with an older model."""
    from cxdesk.core.analysis.pipeline import stale_count
    from cxdesk.core.search import backlog_size
    from cxdesk.core.surveys.nps import response_count

    row = db.execute(
        "SELECT count(*), coalesce(sum(analyzed_at IS NULL), 0) FROM feedback WHERE deleted = 0").fetchone()
    return RowCounts(total=int(row[0]), waiting=int(row[1]), stale=int(stale_count(db)) if row[0] else 0,
                     responses=response_count(db), unindexed=backlog_size(db))


def has_feedback(db) -> bool:
    """True once the database holds at least one row that is not deleted."""
    return db.execute("SELECT EXISTS (SELECT 1 FROM feedback WHERE deleted = 0)").fetchone()[0] == 1


def has_data(db) -> bool:
    """True once the database holds feedback or survey responses (the window then shows its screens)."""
    from cxdesk.core.surveys.store import has_responses

    return has_feedback(db) or has_responses(db)
