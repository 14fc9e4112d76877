"""Every schema step of the database, in order, in one place.

`storage.migrate` applies the steps a file has not had yet, each in its own transaction, and sets
`PRAGMA user_version` to the step's number. Append only; never edit a migration that has shipped.
No step uses `executescript`, which would commit the migration's transaction early: scripts run
statement by statement through `exec_script`.

The long SQL texts of the released steps stand in `schema_sql.py`; the steps that other areas also
need (the search triggers, the trend summary tables) are imported by those areas from here.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Callable

import sqlite_utils

from cxdesk.core.brief.tables import BRIEF_SCHEMA_97, BRIEF_SCHEMA_101
from cxdesk.core.identity import is_placeholder_author, looks_mangled_id, plain_content_key
from cxdesk.core.schema_sql import (CHAR_INDEX_LIMIT, CHAR_TOKENIZER, REMOVED_TOPICS_SQL, SCHEMA_1, SCHEMA_75, SCHEMA_95,
                                    SCHEMA_96, SEARCH_TRIGGER_NAMES, SEARCH_TRIGGERS, SPACED_SQL, TRENDS_SCHEMA_40,
                                    TRENDS_SCHEMA_41)

Migration = Callable[[sqlite_utils.Database], None]


def exec_script(db, script: str) -> None:
    """Run a script of several statements inside the caller's transaction, one statement at a time."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            db.execute(buf)
            buf = ""
    if buf.strip():
        raise ValueError("incomplete SQL statement at the end of a schema script")


# ---------------------------------------------------------------------------------------------
# 1: the first schema

def _migrate_1(db) -> None:
    exec_script(db, SCHEMA_1)


# ---------------------------------------------------------------------------------------------
# 10: import undo lookups


def _migrate_10(db) -> None:
    # Undo looks up versions by the import that replaced them; cascades look them up by row.
    db.execute("CREATE INDEX IF NOT EXISTS idx_feedback_versions_feedback ON feedback_versions(feedback_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_feedback_versions_by_source ON feedback_versions(replaced_by_source)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_sources_undone ON sources(undone_at)")


# ---------------------------------------------------------------------------------------------
# 20: topics the owner took off a row

def _migrate_20(db) -> None:
    # A topic the owner took off a row must not come back when the row is analyzed again.
    exec_script(db, REMOVED_TOPICS_SQL)


# ---------------------------------------------------------------------------------------------
# 30, 31, 51: full-text search over feedback text (see search.py for how it is used)

def _create_backlog(db) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS search_backlog (id INTEGER PRIMARY KEY)")


def _create_chars_table(db) -> None:
    db.execute(f"CREATE VIRTUAL TABLE feedback_chars USING fts5(body, content='', tokenize=\"{CHAR_TOKENIZER}\")")


def rebuild_search_index(db) -> None:
    """Re-create both search indexes from the feedback table (after a bulk load with triggers off)."""
    db.execute("DELETE FROM search_backlog")
    db.execute("INSERT INTO feedback_fts(feedback_fts) VALUES ('rebuild')")
    db.execute("INSERT INTO feedback_chars(feedback_chars) VALUES ('delete-all')")
    db.execute(
        "INSERT INTO feedback_chars(rowid, body) SELECT f.id, " + SPACED_SQL.format(col="f.text")
        + " FROM feedback f"
    )


def _migrate_30(db) -> None:
    """Search indexes over feedback text, their triggers, and the browser's default-order index."""
    _create_backlog(db)
    db.execute("CREATE TABLE search_numbers (n INTEGER PRIMARY KEY)")
    db.execute(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?) "
        "INSERT INTO search_numbers(n) SELECT n FROM seq",
        [CHAR_INDEX_LIMIT],
    )
    db.execute(
        "CREATE VIRTUAL TABLE feedback_fts USING fts5(text, content='feedback', content_rowid='id', "
        "tokenize='trigram', detail='full')"
    )
    _create_chars_table(db)
    for trigger in SEARCH_TRIGGERS:
        db.execute(trigger)
    # The browser opens on "not deleted, newest first" and filters by label, channel, rating and
    # source: this covering index answers all of that without touching the (wide) table rows.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_feedback_browse "
        "ON feedback(deleted, created_at, id, label, channel, rating, source_id)"
    )
    rebuild_search_index(db)


def _migrate_31(db) -> None:
    """Character index with every character a token (the first version dropped punctuation)."""
    row = db.execute("SELECT sql FROM sqlite_master WHERE name = 'feedback_chars'").fetchone()
    if row is not None and "tokenchars" in row[0]:
        return
    for name in SEARCH_TRIGGER_NAMES:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute("DROP TABLE IF EXISTS feedback_chars")
    _create_chars_table(db)
    for trigger in SEARCH_TRIGGERS:
        db.execute(trigger)
    db.execute("INSERT INTO feedback_chars(rowid, body) SELECT f.id, " + SPACED_SQL.format(col="f.text") + " FROM feedback f")


def _migrate_51(db) -> None:
    """The import backlog (rows stored but not yet indexed) and triggers that leave its rows alone."""
    _create_backlog(db)
    for name in SEARCH_TRIGGER_NAMES:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for trigger in SEARCH_TRIGGERS:
        db.execute(trigger)


# ---------------------------------------------------------------------------------------------
# 40, 41: trend summary tables, the dirty-day list and the triggers that fill it (see trends.py)

def _migrate_40(db) -> None:
    exec_script(db, TRENDS_SCHEMA_40)


def _migrate_41(db) -> None:
    exec_script(db, TRENDS_SCHEMA_41)


# ---------------------------------------------------------------------------------------------
# 50: action history grouped by change


def _migrate_50(db) -> None:
    """Group history rows by the call that made them, and mark the groups that were undone."""
    db.execute("ALTER TABLE action_history ADD COLUMN change_id INTEGER")
    db.execute("ALTER TABLE action_history ADD COLUMN undone_at TEXT")
    db.execute("CREATE INDEX idx_action_history_change ON action_history(action_id, change_id)")


# ---------------------------------------------------------------------------------------------
# 60: an index nothing used


def _migrate_60(db) -> None:
    # No query looks feedback up by the platform's id (identity goes through dedup_key), yet every
    # import and edit kept this index up to date.
    db.execute("DROP INDEX IF EXISTS idx_feedback_external")


# ---------------------------------------------------------------------------------------------
# 75: complaint clauses for "uncovered complaints"

def _migrate_75(db) -> None:
    exec_script(db, SCHEMA_75)


# ---------------------------------------------------------------------------------------------
# 80: trustworthy identity keys for older rows

def _migrate_80(db) -> None:
    # Rows imported before identity was made trustworthy: a placeholder author (匿名用户, a***) was
    # part of the content key, and Excel-mangled ids (1.23457E+17) were keys themselves. Give them
    # the keys an import computes now, so another export of the same reviews finds them.
    conn = db.conn if hasattr(db, "conn") else db
    placeholders = [a for (a,) in conn.execute("SELECT DISTINCT author FROM feedback WHERE author IS NOT NULL")
                    if is_placeholder_author(a)]
    rows = []
    for i in range(0, len(placeholders), 500):
        chunk = placeholders[i:i + 500]
        rows += conn.execute(
            "SELECT id, author, created_at, time_precision, time_raw, text, dedup_key, source_id, source_row "
            "FROM feedback WHERE dedup_key LIKE 'ath:%%' AND author IN (%s)" % ",".join("?" * len(chunk)),
            chunk).fetchall()
    rows += [r for r in conn.execute(
        "SELECT id, author, created_at, time_precision, time_raw, text, dedup_key, source_id, source_row, "
        "external_id FROM feedback WHERE dedup_key LIKE 'id:%' AND external_id IS NOT NULL") if looks_mangled_id(r[9])]
    rows.sort(key=lambda r: (r[7] or 0, r[8] or 0, r[0]))
    for r in rows:
        key = plain_content_key(r[1], r[2], r[3], r[4], r[5] or "")
        if key is None:
            tkey = r[2] if r[3] in ("second", "minute") else (r[2][:10] if r[2] else r[4] or "")
            base = "ath:" + hashlib.blake2b(f"\x1f{tkey}\x1f{r[5] or ''}".encode("utf-8"), digest_size=16).digest().hex()
            n = 0
            key = base
            while conn.execute("SELECT 1 FROM feedback WHERE dedup_key = ?", [key]).fetchone():
                n += 1
                key = f"{base}:{n}"
        conn.execute("UPDATE OR IGNORE feedback SET dedup_key = ? WHERE id = ?", [key, r[0]])


# ---------------------------------------------------------------------------------------------
# The list. Append only.

def _migrate_95(db) -> None:
    exec_script(db, SCHEMA_95)   # the case queue (core/cases.py)


def _migrate_96(db) -> None:
    # The shop's reply to a review as the platform's export shows it; a later export updates it.
    db.execute(SCHEMA_96)


def _migrate_97(db) -> None:
    exec_script(db, BRIEF_SCHEMA_97)      # goals and the rating drivers' cache (core/brief/)
def _migrate_100(db) -> None:
    from cxdesk.core.surveys.store import SURVEY_SCHEMA_100

    exec_script(db, SURVEY_SCHEMA_100)   # survey responses and their written answers
def _migrate_101(db) -> None:
    from cxdesk.core.brief.moments import rebuild_days

    exec_script(db, BRIEF_SCHEMA_101)     # the rating drivers' daily sums (core/brief/moments.py), filled at once
    rebuild_days(db)


def _migrate_102(db) -> None:
    from cxdesk.core.brief.goals import reattach_goals

    reattach_goals(db)   # topic goals left behind by a rename or merge follow the topic (core/brief/goals.py)


MIGRATIONS: list[tuple[int, Migration]] = [
    (1, _migrate_1),
    (10, _migrate_10),
    (20, _migrate_20),
    (30, _migrate_30),
    (31, _migrate_31),
    (40, _migrate_40),
    (41, _migrate_41),
    (50, _migrate_50),
    (51, _migrate_51),
    (60, _migrate_60),
    (75, _migrate_75),
    (80, _migrate_80),
    (95, _migrate_95),
    (96, _migrate_96),
    (97, _migrate_97),
    (100, _migrate_100),
    (101, _migrate_101),
    (102, _migrate_102),
]


# ---------------------------------------------------------------------------------------------
# Per-row insert triggers, and how their areas catch up set-wise for the rows of one import
# (`storage.bulk_insert` suspends the triggers during a large import and calls these after).


def _backlog_import(db, source_id: int) -> None:
    """Search: an import's new rows wait in the backlog for `search.catch_up()`, which indexes them
    after the import's transaction."""
    db.execute("INSERT OR IGNORE INTO search_backlog(id) SELECT id FROM feedback WHERE source_id = ?", [source_id])


def _dirty_days_of_import(db, source_id: int) -> None:
    """Trends: the insert trigger's work for all rows of an import at once."""
    db.execute("INSERT OR IGNORE INTO trend_dirty(day) SELECT DISTINCT coalesce(substr(created_at, 1, 10), '') "
               "FROM feedback WHERE source_id = ?", [source_id])


BULK_INSERT_CATCH_UPS: dict[str, Callable[[sqlite_utils.Database, int], None]] = {
    "feedback_search_ai": _backlog_import,
    "trend_feedback_insert": _dirty_days_of_import,
}
