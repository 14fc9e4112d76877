"""The tables that hold survey responses, created by migration 100 of `core/schema.py`.

A response is not a review: it keeps its own scores (NPS 0–10, CSAT with its scale) and every raw
answer. Each written answer is also a `feedback` row, linked here with its question, so sentiment and
topics read it like any feedback. Undoing an import removes its responses (a trigger on `sources`).
"""

from __future__ import annotations

import sqlite3

SURVEY_SCHEMA_100 = """
CREATE TABLE IF NOT EXISTS survey_responses (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    source_row INTEGER,                          -- 1-based row number in the file
    response_key TEXT NOT NULL UNIQUE,           -- identity across re-imports and overlapping exports
    external_id TEXT,                            -- 序号 / 答卷编号 / Response ID as exported
    submitted_at TEXT,                           -- local 'YYYY-MM-DD HH:MM:SS', NULL if unknown
    time_raw TEXT,
    channel TEXT,                                -- store or channel of the response
    nps INTEGER CHECK (nps BETWEEN 0 AND 10),    -- the 0-10 recommend answer, never mapped to stars
    nps_question TEXT,
    csat REAL,                                   -- satisfaction on its own scale
    csat_scale INTEGER,                          -- 5, 7 or 10 (the top of the scale)
    csat_question TEXT,
    answers TEXT NOT NULL DEFAULT '{}',          -- JSON: question -> answer as exported
    imported_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_survey_responses_time ON survey_responses(submitted_at);
CREATE INDEX IF NOT EXISTS idx_survey_responses_source ON survey_responses(source_id);

CREATE TABLE IF NOT EXISTS survey_answers (
    feedback_id INTEGER PRIMARY KEY REFERENCES feedback(id) ON DELETE CASCADE,
    response_id INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    question TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_survey_answers_response ON survey_answers(response_id);

CREATE TRIGGER IF NOT EXISTS survey_import_undone AFTER UPDATE OF undone_at ON sources
WHEN NEW.undone_at IS NOT NULL
BEGIN
    DELETE FROM survey_answers WHERE response_id IN (SELECT id FROM survey_responses WHERE source_id = NEW.id);
    DELETE FROM survey_responses WHERE source_id = NEW.id;
END;
"""


def has_responses(db) -> bool:
    """True when the database holds at least one survey response."""
    try:
        return db.execute("SELECT 1 FROM survey_responses LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:   # a database older than migration 100 has none
        return False


def question_of(db, feedback_id: int) -> str | None:
    """The survey question a feedback row answers, or None for a review."""
    if not has_responses(db):
        return None
    row = db.execute("SELECT question FROM survey_answers WHERE feedback_id = ?", [int(feedback_id)]).fetchone()
    return row[0] if row else None


def last_response_day(db):
    """The day of the newest dated survey response (a `date`), or None."""
    from datetime import date

    if not has_responses(db):
        return None
    row = db.execute("SELECT max(submitted_at) FROM survey_responses WHERE submitted_at IS NOT NULL").fetchone()
    try:
        return date.fromisoformat(row[0][:10]) if row and row[0] else None
    except ValueError:
        return None
