"""The brief's tables (migration 97 in `schema.py`); plain SQL, so the schema imports nothing else."""

BRIEF_SCHEMA_97 = """
CREATE TABLE IF NOT EXISTS goals (
    id INTEGER PRIMARY KEY,
    metric TEXT NOT NULL,              -- negative_share | average_rating | reply_rate | topic_complaints | ...
    topic TEXT NOT NULL DEFAULT '',    -- the topic of topic_complaints
    target REAL NOT NULL,              -- a share 0..1, stars 1..5 or a count
    period TEXT NOT NULL DEFAULT 'week' CHECK (period IN ('week', 'month')),
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS brief_driver_cache (
    date_from TEXT NOT NULL,
    date_to TEXT NOT NULL,
    signature TEXT NOT NULL,           -- summary-table figures of the window when the fit was made
    result TEXT NOT NULL,              -- JSON: rated, mean_rating, drivers
    PRIMARY KEY (date_from, date_to)
);
"""

# The rating drivers' sufficient statistics per day (see `brief/moments.py`), kept with the trend summaries:
# `trend_summary.refresh_summary` rebuilds the days it rebuilds; migration 101 fills every day once.
BRIEF_SCHEMA_101 = """
CREATE TABLE IF NOT EXISTS brief_moments_daily (
    day TEXT NOT NULL,                 -- substr(created_at, 1, 10) of rated, non-deleted feedback
    a INTEGER NOT NULL,                -- topic ids with a <= b; a = b = 0: every rated row of the day
    b INTEGER NOT NULL,
    n INTEGER NOT NULL,                -- rated rows complaining about both a and b (a negative mention each)
    y REAL NOT NULL,                   -- Σ rating of those rows
    yy REAL NOT NULL,                  -- Σ rating²
    PRIMARY KEY (day, a, b)
) WITHOUT ROWID;
DROP TABLE IF EXISTS brief_driver_cache;   -- a fit from these sums is quicker than checking a cached one
"""
