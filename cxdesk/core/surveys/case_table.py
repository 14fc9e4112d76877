"""Migration 104: a case may belong to a survey response instead of a feedback row.

A detractor who answered the recommend question but wrote nothing has no feedback row, yet the shop
should still call them back. `cases.feedback_id` becomes optional and `cases.response_id` names the
response; exactly one of the two is set. Undoing the survey import removes the response and, by the
foreign key, its case. The table is rebuilt (SQLite cannot drop a NOT NULL): the history is kept
aside while the old table goes, since its foreign key would delete it.
"""

from __future__ import annotations

CASES_SCHEMA_104 = """
CREATE TEMP TABLE case_history_kept AS SELECT * FROM case_history;
CREATE TABLE cases_104 (
    id INTEGER PRIMARY KEY,
    feedback_id INTEGER UNIQUE REFERENCES feedback(id) ON DELETE CASCADE,
    response_id INTEGER UNIQUE REFERENCES survey_responses(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'replied', 'contacted', 'resolved', 'ignored')),
    owner TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    reply TEXT,
    draft TEXT NOT NULL DEFAULT '',
    severity INTEGER NOT NULL DEFAULT 0,
    urgent INTEGER NOT NULL DEFAULT 0,
    opened_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    first_reply_at TEXT,
    resolved_at TEXT,
    updated_at TEXT NOT NULL,
    CHECK ((feedback_id IS NULL) != (response_id IS NULL))
);
INSERT INTO cases_104(id, feedback_id, response_id, status, owner, note, reply, draft, severity, urgent, opened_at,
                      due_at, first_reply_at, resolved_at, updated_at)
SELECT id, feedback_id, NULL, status, owner, note, reply, draft, severity, urgent, opened_at, due_at,
       first_reply_at, resolved_at, updated_at FROM cases;
DROP TABLE cases;
ALTER TABLE cases_104 RENAME TO cases;
CREATE INDEX IF NOT EXISTS idx_cases_queue ON cases(status, due_at);
INSERT INTO case_history SELECT * FROM case_history_kept;
DROP TABLE case_history_kept;
"""
