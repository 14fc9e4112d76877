"""Full-text search over feedback text that works for Chinese and stays fast at a million rows.

Two FTS5 indexes, both kept in step with `feedback.text` by triggers (so imports, undo-import, hard
deletes and edited texts from re-imports need no extra calls):

- `feedback_fts` (trigram tokenizer, external content): answers terms of 3 or more characters.
- `feedback_chars` (contentless, over the text with a space between characters): answers 1–2
  character terms such as 物流 or 慢, which the trigram tokenizer silently cannot. Its `ascii`
  tokenizer keeps every non-ASCII character and all ASCII punctuation except quotes as tokens, so
  each character is one token and a term becomes the phrase of its characters: "物流" matches only
  where the two characters stand side by side (not "物，流"), like a substring search that ignores
  whitespace.

Spacing the characters needs no Python at write time: the triggers build it with `substr` over a
small numbers table, so every connection (the CLI, workers, the sqlite3 shell) keeps the index right.
Texts longer than `CHAR_INDEX_LIMIT` characters are indexed for short terms only up to that length.

Search semantics: terms separated by whitespace must all occur (case-insensitive substring match).
Soft-deleted rows stay in the index; every query joins through `feedback.deleted` via the filter.

An import does not index its rows inside its own transaction (building the trigram index costs more
than storing the rows): it lists their ids in `search_backlog`, committed with the rows, and
`index_some()` indexes them later in short transactions of its own (the window, in background steps
once any analysis is done; `catch_up()` all at once). Until then a search still finds backlog rows,
by a substring scan of just those rows, and the triggers leave them alone, so the index is never
wrong, even if the app stops in between (the next start of the window finishes the job).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

from cxdesk.core.schema import (CHAR_INDEX_LIMIT, SEARCH_TRIGGER_NAMES, SEARCH_TRIGGERS, SPACED_SQL,
                                rebuild_search_index)

TRIGRAM_MIN = 3

TRIGGER_NAMES = SEARCH_TRIGGER_NAMES
_TRIGGERS = SEARCH_TRIGGERS
_SPACED = SPACED_SQL
# Re-create both search indexes from the feedback table (after a bulk load with triggers off).
rebuild_index = rebuild_search_index


@contextmanager
def index_upkeep_suspended(db) -> Iterator[None]:
    """For bulk loads of many rows: drop the triggers, load, then rebuild both indexes in one pass.

    Rebuilding once is about twice as fast as keeping the index per row. Use inside `db.atomic()` so
    a failure leaves neither the rows nor a stale index behind.
    """
    for name in TRIGGER_NAMES:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        for trigger in _TRIGGERS:
            db.execute(trigger)
        rebuild_index(db)


@contextmanager
def bulk_load(db) -> Iterator[None]:
    """Leave the rows an import adds out of the index: their ids go to `search_backlog` with the rows,
    and `catch_up()` indexes them after the import's transaction. Use inside that transaction:
    `with db.atomic(), bulk_load(db): ...`; on an error the rollback undoes the backlog too.

    Rows that were indexed before and change or go during the import leave the index at once through
    the permanent triggers (their old text is only known then).
    """
    db.execute("DROP TRIGGER IF EXISTS feedback_search_ai")
    # Names inside a temporary trigger resolve to the main database when temp has no such table.
    db.execute("CREATE TEMP TRIGGER search_bulk_ai AFTER INSERT ON main.feedback BEGIN "
               "INSERT OR IGNORE INTO search_backlog(id) VALUES (new.id); END")
    ok = False
    try:
        yield
        ok = True
    finally:
        if ok:
            db.execute("DROP TRIGGER IF EXISTS temp.search_bulk_ai")
            db.execute(_TRIGGERS[0])
        # On an error the caller's rollback restores the trigger and drops the temporary one.


def backlog_size(db) -> int:
    """Rows stored but not yet in the search index."""
    return db.execute("SELECT count(*) FROM search_backlog").fetchone()[0]


def _spaced_python(text):
    return None if text is None else " ".join(str(text)[:CHAR_INDEX_LIMIT])


def catch_up(db, progress=None, *, batch: int = 20_000) -> int:
    """Index the rows in `search_backlog`, `batch` rows per transaction; returns how many.

    `progress(done, total, message)` may raise `Cancelled`: finished batches stay indexed.
    """
    from cxdesk.i18n import _

    total = backlog_size(db)
    if not total:
        return 0
    done = 0
    while True:
        if progress is not None:
            progress(done, total, _("Indexing the new rows for search"))
        n = index_some(db, batch)
        done += n
        if n < batch:
            break
    if progress is not None:
        progress(total, total, _("Indexing the new rows for search"))
    return done


def index_some(db, batch: int) -> int:
    """Index up to `batch` rows of the backlog (the oldest) in one transaction; returns how many
    (0: the index is complete). The window calls it in background steps; the analysis while its
    worker processes score, when a core is spare for it."""
    # The same spacing as the triggers' SQL, done in Python: about three times faster in bulk.
    db.conn.create_function("cx_search_spaced", 1, _spaced_python, deterministic=True)
    hi = db.execute("SELECT id FROM search_backlog ORDER BY id LIMIT 1 OFFSET ?", [batch - 1]).fetchone()
    bound = hi[0] if hi else db.execute("SELECT max(id) FROM search_backlog").fetchone()[0]
    if bound is None:
        return 0
    with db.atomic():
        chosen = "(SELECT id FROM search_backlog WHERE id <= ?)"
        db.execute(f"INSERT INTO feedback_fts(rowid, text) SELECT f.id, f.text FROM feedback f WHERE f.id IN {chosen}",
                   [bound])
        db.execute("INSERT INTO feedback_chars(rowid, body) SELECT f.id, cx_search_spaced(f.text) FROM feedback f "
                   f"WHERE f.id IN {chosen}", [bound])
        return db.execute("DELETE FROM search_backlog WHERE id <= ?", [bound]).rowcount


def optimize_index(db) -> None:
    """Merge the index segments (worth it after a large import); safe to skip."""
    db.execute("INSERT INTO feedback_fts(feedback_fts) VALUES ('optimize')")
    db.execute("INSERT INTO feedback_chars(feedback_chars) VALUES ('optimize')")


# ---------------------------------------------------------------------------------------------
# Queries


def split_terms(query: str) -> list[str]:
    """The whitespace-separated terms of a query (full-width spaces count).

    `"a b"` in double quotes stays one term, so a phrase with a space can be searched.
    """
    terms = []
    for quoted, plain in re.findall(r'"([^"]*)"|(\S+)', query or ""):
        term = (quoted or plain).strip()
        if term:
            terms.append(term)
    return terms


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _has_token_chars(term: str) -> bool:
    """Whether the character index has a token for the term (anything but quotes and spaces)."""
    return any(ch not in "\"'" and not ch.isspace() for ch in term)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(query: str, alias: str = "f") -> tuple[str, list]:
    """WHERE fragment (over `alias`, table feedback) for rows containing every term of `query`.

    Terms of 3+ characters go to the trigram index, shorter ones to the character index; a short
    term made only of quote characters falls back to LIKE, which is rare and still correct.
    """
    terms = split_terms(query)
    if not terms:
        return "1", []
    long_terms = [t for t in terms if len(t) >= TRIGRAM_MIN]
    short_terms = [t for t in terms if len(t) < TRIGRAM_MIN and _has_token_chars(t)]
    odd_terms = [t for t in terms if len(t) < TRIGRAM_MIN and not _has_token_chars(t)]
    parts: list[str] = []
    params: list = []
    # Rows still waiting in the import backlog are matched by a substring scan of those rows alone.
    # CROSS JOIN keeps the (small) backlog as the outer loop: never a scan of all texts.
    backlog = ("SELECT b.id FROM search_backlog b CROSS JOIN feedback g ON g.id = b.id WHERE "
               + " AND ".join("g.text LIKE ? ESCAPE '\\'" for _t in terms))
    backlog_params = [f"%{_escape_like(t)}%" for t in terms]
    if long_terms:
        parts.append(f"{alias}.id IN (SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH ? UNION ALL {backlog})")
        params.append(" ".join(_fts_string(t) for t in long_terms))
        params.extend(backlog_params)
    if short_terms:
        parts.append(f"{alias}.id IN (SELECT rowid FROM feedback_chars WHERE feedback_chars MATCH ? UNION ALL {backlog})")
        params.append(" ".join(_fts_string(" ".join(t)) for t in short_terms))
        params.extend(backlog_params)
    for term in odd_terms:
        parts.append(f"{alias}.text LIKE ? ESCAPE '\\'")
        params.append(f"%{_escape_like(term)}%")
    return "(" + " AND ".join(parts) + ")", params


def estimate_matches(db, query: str, cap: int = 20_000) -> int:
    """An upper bound on the rows matching `query` (soft-deleted rows included), counted up to `cap`.

    Reads only the index doclists, so it is cheap; the browser uses it to choose between walking the
    time index (many matches) and sorting the matches (few).
    """
    sql, params = search_clause(query, alias="f")
    best = cap
    for table in ("feedback_fts", "feedback_chars"):
        marker = f"SELECT rowid FROM {table} WHERE {table} MATCH ?"
        if marker not in sql:
            continue
        index = sql[: sql.index(marker)].count("?")
        n = db.execute(f"SELECT count(*) FROM ({marker} LIMIT ?)", [params[index], cap]).fetchone()[0]
        best = min(best, int(n))
    return best


def like_clause(query: str, alias: str = "f") -> tuple[str, list]:
    """The plain substring scan the indexes replace (kept for comparison in tests and benchmarks)."""
    terms = split_terms(query)
    if not terms:
        return "1", []
    parts = [f"{alias}.text LIKE ? ESCAPE '\\'" for _t in terms]
    return "(" + " AND ".join(parts) + ")", [f"%{_escape_like(t)}%" for t in terms]


def match_spans(text: str, query: str) -> list[tuple[int, int]]:
    """(start, end) character spans in `text` where the query's terms occur, for highlighting."""
    spans = []
    folded = (text or "").lower()  # lower() keeps positions for CJK and Latin alike
    for term in split_terms(query):
        needle = term.lower()
        start = folded.find(needle)
        while start >= 0 and needle:
            spans.append((start, start + len(needle)))
            start = folded.find(needle, start + len(needle))
    return sorted(spans)
