"""The trend summary tables: keeping them correct, and whether they can answer a filter.

`trend_daily` and `trend_topic_daily` hold one row per day, channel and source (and topic);
`trend_topic_monthly` the topic totals per month. Triggers note changed days in `trend_dirty`
(migrations 40 and 41 in `schema.py`); `refresh_summary` rebuilds exactly those days before a read.
The queries over them are in `trends.py`.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Iterator, Sequence

from cxdesk.core.brief import moments
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.progress import Progress, no_progress
from cxdesk.core.schema import TRENDS_SCHEMA_40, TRENDS_SCHEMA_41, exec_script
from cxdesk.i18n import _

FULL_REBUILD = "*"  # marker in trend_dirty: rebuild every day

# ---------------------------------------------------------------------------------------------
# Schema: the summary tables, the dirty-day list and its triggers are migrations 40 and 41 (schema.py)


def _ensure_schema(db) -> None:
    """A database that passed versions 40/41 before these tables existed (development copies) gets
    the tables and triggers here."""
    if getattr(db, "_trend_schema_ok", False):
        return
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'trend_%'")}
    if "trend_daily" not in names or "trend_topic_monthly" not in names:
        with _write_txn(db):
            if "trend_daily" not in names:
                exec_script(db, TRENDS_SCHEMA_40)
            exec_script(db, TRENDS_SCHEMA_41)
    db._trend_schema_ok = True


_MONTHLY_SQL = """
INSERT INTO trend_topic_monthly(topic_id, month, channel, source_id, n, m_pos, m_neg, neg_only)
SELECT topic_id, substr(day, 1, 7), channel, source_id, sum(n_pos + n_neu + n_neg + n_unk), sum(m_pos),
       sum(m_neg), sum(neg_only)
FROM trend_topic_daily WHERE {where} GROUP BY 1, 2, 3, 4"""

# ---------------------------------------------------------------------------------------------
# Keeping the summaries correct


@contextmanager
def _write_txn(db, busy_ms: int | None = None) -> Iterator[None]:
    """BEGIN IMMEDIATE (the write lock up front, so a waiting reader never deadlocks a writer)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    old = None
    if busy_ms is not None:
        old = db.execute("PRAGMA busy_timeout").fetchone()[0]
        db.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    try:
        db.execute("BEGIN IMMEDIATE")
    finally:
        if old is not None:
            db.execute(f"PRAGMA busy_timeout = {int(old)}")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    else:
        try:
            db.execute("COMMIT")
        except sqlite3.Error:
            if db.conn.in_transaction:      # e.g. the disk filled up: leave nothing half-open
                db.execute("ROLLBACK")
            raise


_KNOWN_SQL = "('positive', 'neutral', 'negative')"

DAILY_COLUMNS = f"""
    sum(CASE WHEN f.label = 'positive' THEN 1 ELSE 0 END), sum(CASE WHEN f.label = 'neutral' THEN 1 ELSE 0 END),
    sum(CASE WHEN f.label = 'negative' THEN 1 ELSE 0 END),
    sum(CASE WHEN f.label IN {_KNOWN_SQL} THEN 0 ELSE 1 END),
    count(f.rating), total(f.rating),
    sum(CASE WHEN f.sentiment IS NOT NULL AND f.label IN {_KNOWN_SQL} THEN 1 ELSE 0 END),
    total(CASE WHEN f.label IN {_KNOWN_SQL} THEN f.sentiment END)"""

NEG_ONLY_SQL = """sum(CASE WHEN f.label = 'negative' AND ft.label = 'negative' AND NOT EXISTS (
        SELECT 1 FROM feedback_topics x WHERE x.feedback_id = f.id AND x.label = 'negative'
        AND x.topic_id <> ft.topic_id) THEN 1 ELSE 0 END)"""


def _rebuild_sql(where: str) -> tuple[str, str]:
    daily = f"""
INSERT INTO trend_daily(day, channel, source_id, n_pos, n_neu, n_neg, n_unk, rating_n, rating_sum,
                        sentiment_n, sentiment_sum)
SELECT coalesce(substr(f.created_at, 1, 10), ''), coalesce(f.channel, ''), f.source_id, {DAILY_COLUMNS}
FROM feedback f WHERE f.deleted = 0 AND {where}
GROUP BY 1, 2, 3"""
    topic = f"""
INSERT INTO trend_topic_daily(topic_id, day, channel, source_id, n_pos, n_neu, n_neg, n_unk,
                              rating_n, rating_sum, sentiment_n, sentiment_sum, m_pos, m_neg, neg_only)
SELECT ft.topic_id, coalesce(substr(f.created_at, 1, 10), ''), coalesce(f.channel, ''), f.source_id,
       {DAILY_COLUMNS},
       sum(CASE WHEN ft.label = 'positive' THEN 1 ELSE 0 END),
       sum(CASE WHEN ft.label = 'negative' THEN 1 ELSE 0 END),
       sum(CASE WHEN f.label = 'negative' AND ft.label = 'negative' AND so.feedback_id IS NOT NULL THEN 1 ELSE 0 END)
FROM feedback f JOIN feedback_topics ft ON ft.feedback_id = f.id
LEFT JOIN temp.trend_sole so ON so.feedback_id = f.id
WHERE f.deleted = 0 AND {where}
GROUP BY 1, 2, 3, 4"""
    return daily, topic


def _fill_sole(db, where: str, params: Sequence = ()) -> None:
    """temp.trend_sole: rows (selected by `where` over alias f) with exactly one negative topic mention.

    Joining this is much cheaper than a correlated NOT EXISTS per mention when rebuilding a million rows.
    """
    db.execute("CREATE TEMP TABLE IF NOT EXISTS trend_sole (feedback_id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.trend_sole")
    # For a day range, walk the rows of those days first (CROSS JOIN fixes the order); SQLite would
    # otherwise scan every negative mention in the database.
    source = ("feedback_topics ft JOIN feedback f ON f.id = ft.feedback_id" if where == "1"
              else "feedback f CROSS JOIN feedback_topics ft ON ft.feedback_id = f.id")
    db.execute(
        f"INSERT INTO temp.trend_sole(feedback_id) SELECT ft.feedback_id FROM {source} "
        f"WHERE ft.label = 'negative' AND {where} GROUP BY ft.feedback_id HAVING count(*) = 1", list(params))


def _day_ranges(days: Sequence[str]) -> list[tuple[str, str]]:
    """Collapse sorted 'YYYY-MM-DD' days into inclusive runs of consecutive days."""
    runs: list[tuple[str, str]] = []
    prev: date | None = None
    start = ""
    for text in days:
        d = date.fromisoformat(text)
        if prev is not None and d == prev + timedelta(days=1):
            prev = d
            continue
        if prev is not None:
            runs.append((start, prev.isoformat()))
        start, prev = text, d
    if prev is not None:
        runs.append((start, prev.isoformat()))
    return runs


def summary_is_current(db) -> bool:
    return db.execute("SELECT 1 FROM trend_dirty LIMIT 1").fetchone() is None


def refresh_summary(db, progress: Progress = no_progress, *, busy_ms: int | None = None) -> int:
    """Rebuild the summary rows of every day changed since the last refresh; returns days rebuilt.

    Raises `sqlite3.OperationalError` ("database is locked") if another writer holds the database
    longer than `busy_ms`; readers then count directly instead.
    """
    _ensure_schema(db)
    if summary_is_current(db):
        return 0
    with _write_txn(db, busy_ms):
        dirty = sorted(r[0] for r in db.execute("SELECT day FROM trend_dirty"))
        if not dirty:
            return 0
        known_days = db.execute("SELECT count(DISTINCT day) FROM trend_daily").fetchone()[0]
        full = FULL_REBUILD in dirty or len(dirty) > max(60, known_days // 4)
        if full:
            progress(0, 2, _("Updating the overview"))
            db.execute("DELETE FROM trend_daily")
            db.execute("DELETE FROM trend_topic_daily")
            daily, topic = _rebuild_sql("1")
            db.execute(daily)
            progress(1, 2, _("Updating the overview"))
            _fill_sole(db, "1")
            db.execute(topic)
            db.execute("DELETE FROM trend_topic_monthly")
            db.execute(_MONTHLY_SQL.format(where="1"))
            moments.rebuild_days(db)   # the rating drivers' sums (brief/moments.py)
            progress(2, 2, _("Updating the overview"))
        else:
            dated = [d for d in dirty if d]
            runs = _day_ranges(dated)
            if "" in dirty:
                db.execute("DELETE FROM trend_daily WHERE day = ''")
                db.execute("DELETE FROM trend_topic_daily WHERE day = ''")
                daily, topic = _rebuild_sql("f.created_at IS NULL")
                db.execute(daily)
                _fill_sole(db, "f.created_at IS NULL")
                db.execute(topic)
            for i, (a, b) in enumerate(runs, 1):
                db.execute("DELETE FROM trend_daily WHERE day BETWEEN ? AND ?", [a, b])
                db.execute("DELETE FROM trend_topic_daily WHERE day BETWEEN ? AND ?", [a, b])
                # '~' sorts after ' ' and digits, so this covers every time of day b.
                daily, topic = _rebuild_sql("f.created_at >= ? AND f.created_at < ?")
                db.execute(daily, [a, b + "~"])
                _fill_sole(db, "f.created_at >= ? AND f.created_at < ?", [a, b + "~"])
                db.execute(topic, [a, b + "~"])
                moments.rebuild_days(db, "f.created_at >= ? AND f.created_at < ?", [a, b + "~"], day_from=a, day_to=b)
                progress(i, len(runs), _("Updating the overview"))
            for month in sorted({d[:7] for d in dirty}):
                db.execute("DELETE FROM trend_topic_monthly WHERE month = ?", [month])
                if month:
                    db.execute(_MONTHLY_SQL.format(where="day >= ? AND day <= ?"), [month, month + "~"])
                else:
                    db.execute(_MONTHLY_SQL.format(where="day = ''"))
        db.execute("DELETE FROM trend_dirty")
        return len(dirty)


def try_refresh(db) -> bool:
    """Refresh if possible; False if another writer is busy or the database is read-only (the caller
    then counts directly)."""
    if getattr(db, "read_only", False):
        return summary_is_current(db)
    try:
        refresh_summary(db, busy_ms=500)
        return True
    except sqlite3.OperationalError as exc:
        if any(word in str(exc) for word in ("locked", "busy", "readonly", "full")):
            return False        # another writer, a read-only file or a full disk: count directly
        raise


# ---------------------------------------------------------------------------------------------
# Daily rows: from the summaries when they can answer the filter, else directly

_SUMMARY_FIELDS = {"date_from", "date_to", "channels", "sources", "topics"}


def summary_can_answer(flt: FeedbackFilter) -> bool:
    for name in flt.__dataclass_fields__:
        value = getattr(flt, name)
        if name in _SUMMARY_FIELDS or value in ((), "", None, False):
            continue
        if name == "search" and not str(value).strip():
            continue
        return False
    return len(flt.topics) <= 1


