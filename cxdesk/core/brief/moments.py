"""The rating drivers' sufficient statistics, aggregated in SQL instead of read row by row.

The ridge fit of `drivers.py` needs X'X and X'y only (X: an intercept and one 0/1 column per topic, the
review complains about it; y: the rating). Those are counts and rating sums of the rated reviews
complaining about each pair of topics (the diagonal: about one topic), plus the count, Σy and Σy² of all
rated reviews. Table `brief_moments_daily` (migration 101) holds them per day and pair, rebuilt by the
trend summary refresh for exactly the days it rebuilds, so a year's fit reads a few thousand small rows.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

# Rated rows of the selection (alias f, `{where}`), then every pair of their negative topic mentions.
_SELECT = """
SELECT {day} 0, 0, count(*), total(f.rating), total(f.rating * f.rating) FROM feedback f
WHERE f.deleted = 0 AND f.rating IS NOT NULL AND f.created_at IS NOT NULL AND {where} {group_day}
UNION ALL
SELECT {day} a.topic_id, b.topic_id, count(*), total(f.rating), total(f.rating * f.rating) FROM feedback f
CROSS JOIN feedback_topics a ON a.feedback_id = f.id
CROSS JOIN feedback_topics b ON b.feedback_id = f.id AND b.topic_id >= a.topic_id
WHERE f.deleted = 0 AND f.rating IS NOT NULL AND f.created_at IS NOT NULL AND {where}
  AND a.label = 'negative' AND b.label = 'negative' GROUP BY {group_pair}"""


def _day_sql(where: str) -> str:
    return ("INSERT INTO brief_moments_daily(day, a, b, n, y, yy) " + _SELECT.format(
        day="substr(f.created_at, 1, 10),", where=where, group_day="GROUP BY 1",
        group_pair="1, 2, 3"))


def rebuild_days(db, where: str = "1", params: Sequence = (), *, day_from: str | None = None,
                 day_to: str | None = None) -> None:
    """Rebuild the moments of the feedback selected by `where` (all days, or day_from..day_to)."""
    if day_from is None:
        db.execute("DELETE FROM brief_moments_daily")
    else:
        db.execute("DELETE FROM brief_moments_daily WHERE day BETWEEN ? AND ?", [day_from, day_to])
    db.execute(_day_sql(where), [*params, *params])


def read_moments(db, day_from: str, day_to: str, *, summary: bool = True) -> list[tuple[int, int, int, float, float]]:
    """(a, b, n, Σy, Σy²) of the rated feedback dated day_from..day_to (inclusive 'YYYY-MM-DD'):
    from the daily table when the summaries are current (`summary`), else straight from the rows."""
    if summary:
        return db.execute("SELECT a, b, sum(n), total(y), total(yy) FROM brief_moments_daily "
                          "WHERE day BETWEEN ? AND ? GROUP BY a, b", [day_from, day_to]).fetchall()
    where = "f.created_at >= ? AND f.created_at < ?"
    params = [day_from, day_to + "~"]   # '~' sorts after every time of day_to
    return db.execute(_SELECT.format(day="", where=where, group_day="", group_pair="1, 2"),
                      [*params, *params]).fetchall()


def moment_matrices(topic_ids: list[int], rows) -> tuple[np.ndarray, np.ndarray, float]:
    """X'X ((k+1)²), X'y (k+1) and Σy² for the topics `topic_ids` (in this order) from `read_moments` rows;
    pairs of other (disabled) topics are left out, as their columns are."""
    index = {tid: i + 1 for i, tid in enumerate(topic_ids)}
    index[0] = 0
    k = len(topic_ids)
    xtx, xty, yy = np.zeros((k + 1, k + 1)), np.zeros(k + 1), 0.0
    for a, b, n, y, q in rows:
        if a == 0 and b == 0:
            xtx[0, 0], xty[0], yy = n, y, q
            continue
        i, j = index.get(a), index.get(b)
        if i is None or j is None:
            continue
        xtx[i, j] = xtx[j, i] = n
        if i == j:
            xtx[0, i] = xtx[i, 0] = n
            xty[i] = y
    return xtx, xty, float(yy)


__all__ = ["rebuild_days", "read_moments", "moment_matrices"]
