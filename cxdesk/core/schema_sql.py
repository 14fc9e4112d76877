"""The SQL texts of the released schema steps, which `schema.py` runs in order.

They live here so that `schema.py` reads as the list of steps; never edit a text a released step
runs (a new step writes new SQL). Search and trends also use the trigger and table texts.
"""

# 1: the first schema

SCHEMA_1 = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_path TEXT,
    sha256 TEXT NOT NULL,
    file_type TEXT,
    sheet TEXT,
    encoding TEXT,
    delimiter TEXT,
    header_row INTEGER,
    mapping TEXT NOT NULL DEFAULT '{}',          -- JSON: role -> column name, as confirmed
    reference_time TEXT,
    rows_read INTEGER NOT NULL DEFAULT 0,
    imported INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    report TEXT NOT NULL DEFAULT '{}',           -- JSON: rejected rows, warnings
    imported_at TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX idx_sources_sha ON sources(sha256);

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    source_row INTEGER,                          -- 1-based row number in the file
    text TEXT NOT NULL DEFAULT '',               -- as in the file (traditional kept)
    created_at TEXT,                             -- local 'YYYY-MM-DD HH:MM:SS', NULL if unknown
    time_precision TEXT,                         -- second|minute|hour|day|week|month
    time_raw TEXT,
    rating REAL,                                 -- normalised to 1..5
    rating_raw TEXT,
    channel TEXT,
    author TEXT,
    external_id TEXT,
    extra TEXT,                                  -- JSON object of unmapped columns
    dedup_key TEXT NOT NULL UNIQUE,
    deleted INTEGER NOT NULL DEFAULT 0,          -- 1 = deleted by the owner (undoable)
    lang TEXT,                                   -- zh|en|other|none, set by analysis
    sentiment REAL,                              -- model probability of positive, 0..1
    model_label TEXT,                            -- positive|neutral|negative|unknown
    manual_label TEXT,                           -- owner's correction, survives re-analysis
    label TEXT,                                  -- effective: manual_label or model_label
    topics TEXT,                                 -- JSON list of topic names (display cache)
    analysis_version TEXT,                       -- model+dictionary version that scored the row
    analyzed_at TEXT
);
CREATE INDEX idx_feedback_source ON feedback(source_id);
CREATE INDEX idx_feedback_created ON feedback(created_at);
CREATE INDEX idx_feedback_channel ON feedback(channel, created_at);
CREATE INDEX idx_feedback_external ON feedback(external_id) WHERE external_id IS NOT NULL;
CREATE INDEX idx_feedback_version ON feedback(analysis_version);

-- Earlier texts of a review whose platform id came back with edited text.
CREATE TABLE feedback_versions (
    id INTEGER PRIMARY KEY,
    feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    rating REAL,
    rating_raw TEXT,
    source_id INTEGER REFERENCES sources(id),
    replaced_at TEXT NOT NULL,
    replaced_by_source INTEGER
);

CREATE TABLE topics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    synonyms TEXT NOT NULL DEFAULT '[]',         -- JSON list of words that mean this topic
    template TEXT,                               -- template it came from, NULL if owner-made
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE user_words (
    word TEXT PRIMARY KEY,
    tag TEXT,
    freq INTEGER
);

CREATE TABLE feedback_topics (
    feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    sentiment REAL,                              -- sentence-level score for this topic
    label TEXT,                                  -- positive|neutral|negative|unknown
    manual INTEGER NOT NULL DEFAULT 0,           -- 1 = tagged by the owner
    PRIMARY KEY (feedback_id, topic_id)
) WITHOUT ROWID;
CREATE INDEX idx_feedback_topics_topic ON feedback_topics(topic_id, label);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'todo'
        CHECK (status IN ('todo', 'doing', 'live', 'evaluated', 'dropped')),
    live_date TEXT,                              -- 'YYYY-MM-DD'
    keywords TEXT NOT NULL DEFAULT '[]',
    channels TEXT NOT NULL DEFAULT '[]',
    position INTEGER NOT NULL DEFAULT 0,         -- order within its board column
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE action_topics (
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, topic_id)
) WITHOUT ROWID;

CREATE TABLE action_feedback (
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, feedback_id)
) WITHOUT ROWID;

CREATE TABLE action_history (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX idx_action_history ON action_history(action_id, id);

CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    window_days INTEGER NOT NULL,
    lag_days INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    result TEXT NOT NULL                         -- JSON, as `cxdesk evaluate --json` prints it
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                          -- topic|channel
    key TEXT NOT NULL,                           -- topic or channel name
    granularity TEXT NOT NULL,                   -- day|week
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    observed INTEGER NOT NULL,
    expected REAL NOT NULL,
    p_value REAL,
    created_at TEXT NOT NULL,
    dismissed_at TEXT,
    action_id INTEGER REFERENCES actions(id) ON DELETE SET NULL,
    UNIQUE (kind, key, granularity, period_start)
);

-- Column mappings the owner confirmed, keyed by the file's header signature.
CREATE TABLE mappings (
    signature TEXT PRIMARY KEY,
    mapping TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Settings that belong to the data (so the CLI sees them too): JSON values.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


# 20: topics the owner took off a row

REMOVED_TOPICS_SQL = """
        CREATE TABLE IF NOT EXISTS feedback_topic_removed (
            feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
            topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
            PRIMARY KEY (feedback_id, topic_id)
        ) WITHOUT ROWID;
"""


# 30, 31, 51: full-text search over feedback text (see search.py for how it is used)

CHAR_INDEX_LIMIT = 20_000

# The characters of NEW/OLD text, space-separated, in order. The numbers table's primary key makes the
# scan ascending; `test_search.py` checks that the phrase order is kept.
SPACED_SQL = (
    "(SELECT group_concat(c, ' ') FROM (SELECT substr({col}, n, 1) AS c FROM search_numbers "
    "WHERE n <= min(length({col}), " + str(CHAR_INDEX_LIMIT) + ") ORDER BY n))"
)

_NOT_PENDING = "{id} NOT IN (SELECT id FROM search_backlog)"
SEARCH_TRIGGERS = (
    f"""CREATE TRIGGER feedback_search_ai AFTER INSERT ON feedback BEGIN
    INSERT INTO feedback_fts(rowid, text) VALUES (new.id, new.text);
    INSERT INTO feedback_chars(rowid, body) VALUES (new.id, {SPACED_SQL.format(col='new.text')});
END""",
    # Rows still in the backlog are not in the index: nothing to take out, and catch_up() indexes
    # whatever text they have by then.
    f"""CREATE TRIGGER feedback_search_ad AFTER DELETE ON feedback BEGIN
    INSERT INTO feedback_fts(feedback_fts, rowid, text) SELECT 'delete', old.id, old.text
        WHERE {_NOT_PENDING.format(id='old.id')};
    INSERT INTO feedback_chars(feedback_chars, rowid, body)
        SELECT 'delete', old.id, {SPACED_SQL.format(col='old.text')} WHERE {_NOT_PENDING.format(id='old.id')};
    DELETE FROM search_backlog WHERE id = old.id;
END""",
    f"""CREATE TRIGGER feedback_search_au AFTER UPDATE OF text ON feedback
WHEN old.text IS NOT new.text AND {_NOT_PENDING.format(id='old.id')} BEGIN
    INSERT INTO feedback_fts(feedback_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO feedback_chars(feedback_chars, rowid, body)
        VALUES ('delete', old.id, {SPACED_SQL.format(col='old.text')});
    INSERT INTO feedback_fts(rowid, text) VALUES (new.id, new.text);
    INSERT INTO feedback_chars(rowid, body) VALUES (new.id, {SPACED_SQL.format(col='new.text')});
END""",
)
SEARCH_TRIGGER_NAMES = ("feedback_search_ai", "feedback_search_ad", "feedback_search_au")


# Every character a token: ASCII letters and digits (case-folded), all non-ASCII characters (CJK,
# full-width punctuation, emoji) and ASCII punctuation except the two quote characters.
CHAR_TOKENIZER = "ascii tokenchars '!#$%&()*+,-./:;<=>?@[\\]^_`{|}~'"


# 40, 41: trend summary tables, the dirty-day list and the triggers that fill it (see trends.py)

TRENDS_SCHEMA_40 = """
CREATE TABLE trend_daily (
    day TEXT NOT NULL,                 -- 'YYYY-MM-DD', '' for rows without a date
    channel TEXT NOT NULL,             -- '' for rows without a channel
    source_id INTEGER NOT NULL,
    n_pos INTEGER NOT NULL, n_neu INTEGER NOT NULL, n_neg INTEGER NOT NULL, n_unk INTEGER NOT NULL,
    rating_n INTEGER NOT NULL, rating_sum REAL NOT NULL,
    sentiment_n INTEGER NOT NULL, sentiment_sum REAL NOT NULL,
    PRIMARY KEY (day, channel, source_id)
) WITHOUT ROWID;

CREATE TABLE trend_topic_daily (
    topic_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    channel TEXT NOT NULL,
    source_id INTEGER NOT NULL,
    n_pos INTEGER NOT NULL, n_neu INTEGER NOT NULL, n_neg INTEGER NOT NULL, n_unk INTEGER NOT NULL,
    m_pos INTEGER NOT NULL,            -- mentions whose sentence-level label is positive
    m_neg INTEGER NOT NULL,            -- ... negative
    neg_only INTEGER NOT NULL,         -- negative rows whose only negative mention is this topic
    rating_n INTEGER NOT NULL, rating_sum REAL NOT NULL,
    sentiment_n INTEGER NOT NULL, sentiment_sum REAL NOT NULL,
    PRIMARY KEY (topic_id, day, channel, source_id)
) WITHOUT ROWID;
CREATE INDEX idx_trend_topic_day ON trend_topic_daily(day);

CREATE TABLE trend_dirty (day TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO trend_dirty(day) VALUES ('*');

CREATE TRIGGER trend_feedback_insert AFTER INSERT ON feedback BEGIN
    INSERT OR IGNORE INTO trend_dirty(day) VALUES (coalesce(substr(NEW.created_at, 1, 10), ''));
END;
CREATE TRIGGER trend_feedback_delete AFTER DELETE ON feedback BEGIN
    INSERT OR IGNORE INTO trend_dirty(day) VALUES (coalesce(substr(OLD.created_at, 1, 10), ''));
END;
CREATE TRIGGER trend_feedback_update
AFTER UPDATE OF created_at, channel, source_id, label, rating, sentiment, deleted ON feedback
WHEN OLD.created_at IS NOT NEW.created_at OR OLD.channel IS NOT NEW.channel
  OR OLD.source_id IS NOT NEW.source_id OR OLD.label IS NOT NEW.label OR OLD.rating IS NOT NEW.rating
  OR OLD.sentiment IS NOT NEW.sentiment OR OLD.deleted IS NOT NEW.deleted
BEGIN
    INSERT OR IGNORE INTO trend_dirty(day) VALUES (coalesce(substr(OLD.created_at, 1, 10), ''));
    INSERT OR IGNORE INTO trend_dirty(day) VALUES (coalesce(substr(NEW.created_at, 1, 10), ''));
END;
CREATE TRIGGER trend_topics_insert AFTER INSERT ON feedback_topics BEGIN
    INSERT OR IGNORE INTO trend_dirty(day)
        SELECT coalesce(substr(created_at, 1, 10), '') FROM feedback WHERE id = NEW.feedback_id;
END;
CREATE TRIGGER trend_topics_delete AFTER DELETE ON feedback_topics BEGIN
    INSERT OR IGNORE INTO trend_dirty(day)
        SELECT coalesce(substr(created_at, 1, 10), '') FROM feedback WHERE id = OLD.feedback_id;
END;
CREATE TRIGGER trend_topics_update AFTER UPDATE ON feedback_topics BEGIN
    INSERT OR IGNORE INTO trend_dirty(day)
        SELECT coalesce(substr(created_at, 1, 10), '') FROM feedback WHERE id IN (OLD.feedback_id, NEW.feedback_id);
END;
"""

# Topic totals per month: the topic ranking over long ranges reads ~30x fewer rows than per day.
TRENDS_SCHEMA_41 = """
CREATE TABLE IF NOT EXISTS trend_topic_monthly (
    topic_id INTEGER NOT NULL,
    month TEXT NOT NULL,               -- 'YYYY-MM', '' for rows without a date
    channel TEXT NOT NULL,
    source_id INTEGER NOT NULL,
    n INTEGER NOT NULL, m_pos INTEGER NOT NULL, m_neg INTEGER NOT NULL, neg_only INTEGER NOT NULL,
    PRIMARY KEY (month, topic_id, channel, source_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO trend_dirty(day) VALUES ('*');
"""


# 75: complaint clauses for "uncovered complaints"

SCHEMA_75 = """
        CREATE TABLE IF NOT EXISTS complaint_clauses (
            feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
            clause TEXT NOT NULL,
            words TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS complaint_clauses_feedback ON complaint_clauses(feedback_id);
        CREATE TABLE IF NOT EXISTS complaint_scan (
            feedback_id INTEGER PRIMARY KEY REFERENCES feedback(id) ON DELETE CASCADE,
            version TEXT NOT NULL
        ) WITHOUT ROWID;
    """


# 95: the case queue, its history and the notices of actions gone live

SCHEMA_95 = """
        CREATE TABLE IF NOT EXISTS cases (
            id INTEGER PRIMARY KEY,
            feedback_id INTEGER NOT NULL UNIQUE REFERENCES feedback(id) ON DELETE CASCADE,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'replied', 'contacted', 'resolved', 'ignored')),
            owner TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            reply TEXT,                              -- the reply the owner gave (pasted into the platform)
            draft TEXT NOT NULL DEFAULT '',          -- the suggested reply, editable
            severity INTEGER NOT NULL DEFAULT 0,     -- higher first in the queue
            urgent INTEGER NOT NULL DEFAULT 0,       -- mentions 食物中毒 / 投诉 / 退款 / 12315 ...
            opened_at TEXT NOT NULL,
            due_at TEXT NOT NULL,
            first_reply_at TEXT,                     -- first change to replied/contacted/resolved
            resolved_at TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS idx_cases_queue ON cases(status, due_at);
        CREATE TABLE IF NOT EXISTS case_history (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            field TEXT NOT NULL,                     -- status|owner|note|reply|draft
            old_value TEXT,
            new_value TEXT
        );
        CREATE INDEX IF NOT EXISTS idx_case_history ON case_history(case_id, id);
        CREATE TABLE IF NOT EXISTS case_notices (
            action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
            feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE,
            notified_at TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (action_id, feedback_id)
        ) WITHOUT ROWID;
        """


# 96: the shop's reply to a review as the platform's export shows it

SCHEMA_96 = """
        CREATE TABLE IF NOT EXISTS feedback_replies (
            feedback_id INTEGER PRIMARY KEY REFERENCES feedback(id) ON DELETE CASCADE,
            text TEXT,
            replied_at TEXT,
            status TEXT,
            source_id INTEGER REFERENCES sources(id)
        )
        """
