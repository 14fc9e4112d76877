"""Feedback over time: counts, sentiment shares with Wilson intervals, mean rating, KPIs and topic ranking.

Every function takes a `FeedbackFilter`, so the dashboard, the CLI and reports count the same rows.
Fast path (kept in `trend_summary.py`): two summary tables (`trend_daily`, `trend_topic_daily`) hold one row per day, channel and
source (and topic). They are correct by construction: SQLite triggers on `feedback` and
`feedback_topics` only note which days changed (in `trend_dirty`); the next read rebuilds exactly
those days from the base tables before answering. Filters the summaries cannot answer (search, ratings,
labels, explicit ids, several topics, deleted rows) are counted directly with one GROUP BY.

Definitions (also in the README and the dashboard tooltips):
- negative share = negative / (positive + neutral + negative); rows labelled unknown are left out.
- mean sentiment = mean model score (0 = negative … 1 = positive) over rows with a known label.
- negative volume of topic T = mentions of T whose sentence-level label is negative.
- impact of topic T = overall negative share − the negative share if every negative row whose *only*
  negative topic mention is T were not negative = (such rows) / (positive + neutral + negative).
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Sequence

from cxdesk.core.analysis.trend_summary import (DAILY_COLUMNS, NEG_ONLY_SQL, refresh_summary,  # noqa: F401  (re-exported)
                                               summary_can_answer, summary_is_current, try_refresh)
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.bounds import EARLIEST, add_days, day_or_none, latest
from cxdesk.core.filters import FeedbackFilter, filter_sql
from cxdesk.core.progress import Progress, no_progress
from cxdesk.i18n import _

GRANULARITIES = ("day", "week", "month")
Z95 = 1.959963984540054
KNOWN = ("positive", "neutral", "negative")
# ---------------------------------------------------------------------------------------------
# Results


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a share k/n (None when n == 0)."""
    if n <= 0:
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k <= 0 else max(0.0, centre - half)
    hi = 1.0 if k >= n else min(1.0, centre + half)
    return lo, hi


@dataclass(frozen=True)
class Counts:
    """Counts and means for a set of rows (one bucket, one period, or everything)."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0
    unknown: int = 0
    rating_n: int = 0
    rating_sum: float = 0.0
    sentiment_n: int = 0
    sentiment_sum: float = 0.0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative + self.unknown

    @property
    def labelled(self) -> int:
        """Rows with a known label: the denominator of every share."""
        return self.positive + self.neutral + self.negative

    def share(self, label: str) -> float | None:
        n = self.labelled
        return getattr(self, label) / n if n else None

    def share_ci(self, label: str) -> tuple[float, float] | None:
        return wilson(getattr(self, label), self.labelled)

    @property
    def negative_share(self) -> float | None:
        return self.share("negative")

    @property
    def positive_share(self) -> float | None:
        return self.share("positive")

    @property
    def neutral_share(self) -> float | None:
        return self.share("neutral")

    @property
    def negative_ci(self) -> tuple[float, float] | None:
        return self.share_ci("negative")

    @property
    def mean_rating(self) -> float | None:
        return self.rating_sum / self.rating_n if self.rating_n else None

    @property
    def mean_sentiment(self) -> float | None:
        return self.sentiment_sum / self.sentiment_n if self.sentiment_n else None

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(self._values(), other._values())))

    def _values(self) -> tuple:
        return (self.positive, self.neutral, self.negative, self.unknown, self.rating_n,
                self.rating_sum, self.sentiment_n, self.sentiment_sum)

    def to_dict(self) -> dict:
        def r(x, nd=4):
            return None if x is None else round(x, nd)

        ci = self.negative_ci
        return {
            "total": self.total, "positive": self.positive, "neutral": self.neutral,
            "negative": self.negative, "unknown": self.unknown,
            "positive_share": r(self.positive_share), "neutral_share": r(self.neutral_share),
            "negative_share": r(self.negative_share),
            "negative_share_ci": None if ci is None else [r(ci[0]), r(ci[1])],
            "mean_rating": r(self.mean_rating, 3), "rated": self.rating_n,
            "mean_sentiment": r(self.mean_sentiment),
        }


@dataclass(frozen=True)
class Bucket:
    """One point of a trend: the rows dated start..end (inclusive, natural day/week/month bounds)."""

    start: date
    end: date
    counts: Counts

    def to_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), **self.counts.to_dict()}


@dataclass(frozen=True)
class Trend:
    granularity: str
    buckets: tuple[Bucket, ...]
    undated: int = 0          # rows in the filter without a date (not in any bucket)

    @property
    def totals(self) -> Counts:
        out = Counts()
        for b in self.buckets:
            out = out + b.counts
        return out


@dataclass(frozen=True)
class Kpis:
    """The selected period against the period of the same length just before it."""

    date_from: date | None
    date_to: date | None
    current: Counts
    previous_from: date | None = None
    previous_to: date | None = None
    previous: Counts | None = None

    def change(self, name: str) -> float | None:
        """Current minus previous for `total`, `negative_share`, `mean_rating`, `mean_sentiment`."""
        if self.previous is None:
            return None
        a, b = getattr(self.current, name), getattr(self.previous, name)
        if a is None or b is None:
            return None
        return a - b

    def to_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "current": self.current.to_dict(),
            "previous_from": self.previous_from.isoformat() if self.previous_from else None,
            "previous_to": self.previous_to.isoformat() if self.previous_to else None,
            "previous": self.previous.to_dict() if self.previous else None,
        }


@dataclass(frozen=True)
class TopicRank:
    topic_id: int
    name: str
    mentions: int             # rows mentioning the topic
    negative_mentions: int    # ... whose mention is negative ("negative volume")
    positive_mentions: int
    negative_only: int        # negative rows whose only negative mention is this topic
    impact: float             # drop of the overall negative share without those rows (0..1)

    def to_dict(self) -> dict:
        return {"topic": self.name, "mentions": self.mentions, "negative": self.negative_mentions,
                "positive": self.positive_mentions, "negative_only": self.negative_only,
                "impact": round(self.impact, 4)}


@dataclass(frozen=True)
class Dashboard:
    """Everything the overview screen shows for one filter, computed in one call."""

    filter: FeedbackFilter
    granularity: str
    trend: Trend
    kpis: Kpis
    ranking: tuple[TopicRank, ...]
    data_from: date | None
    data_to: date | None
    total_rows: int           # all rows in the database (for the first-run state)
    channels: tuple[str, ...] = field(default=())
    topics: tuple[str, ...] = field(default=())
    trend_filter: FeedbackFilter | None = None   # `filter` widened to whole periods (for the chart)

    def is_partial(self, bucket: Bucket) -> bool:
        """True when the data stops inside this period (e.g. a week that has only reached Tuesday)."""
        return self.data_to is not None and bucket.start <= self.data_to < bucket.end


DailyRow = tuple  # (day, pos, neu, neg, unk, rating_n, rating_sum, sentiment_n, sentiment_sum)


def _summary_where(flt: FeedbackFilter, alias: str) -> tuple[str, list]:
    a = alias
    clauses: list[str] = []
    params: list = []
    if flt.date_from:
        clauses.append(f"{a}.day >= ?")
        params.append(flt.date_from.isoformat())
    if flt.date_to:
        clauses.append(f"{a}.day <= ?")
        params.append(flt.date_to.isoformat())
    if flt.date_from or flt.date_to:
        clauses.append(f"{a}.day <> ''")
    if flt.channels:
        clauses.append(f"{a}.channel IN ({', '.join('?' * len(flt.channels))})")
        params.extend(flt.channels)
    if flt.sources:
        clauses.append(f"{a}.source_id IN ({', '.join('?' * len(flt.sources))})")
        params.extend(int(s) for s in flt.sources)
    return " AND ".join(clauses) or "1", params


_SUMMARY_SUMS = ("sum(s.n_pos), sum(s.n_neu), sum(s.n_neg), sum(s.n_unk), sum(s.rating_n), total(s.rating_sum), "
                 "sum(s.sentiment_n), total(s.sentiment_sum)")


def _summary_select(flt: FeedbackFilter, key: str) -> tuple[str, list]:
    """The summed counts per `key` (a column of the summary tables: s.day, s.channel) for the rows of `flt`."""
    where, params = _summary_where(flt, "s")
    if flt.topics:
        return (f"SELECT {key}, {_SUMMARY_SUMS} FROM trend_topic_daily s WHERE s.topic_id IN "
                f"(SELECT id FROM topics WHERE name = ?) AND {where} GROUP BY {key}", [flt.topics[0], *params])
    return f"SELECT {key}, {_SUMMARY_SUMS} FROM trend_daily s WHERE {where} GROUP BY {key}", params


def _daily_from_summary(db, flt: FeedbackFilter) -> list[DailyRow]:
    sql, params = _summary_select(flt, "s.day")
    return [tuple(r) for r in db.execute(sql + " ORDER BY s.day", params)]


def _daily_direct(db, flt: FeedbackFilter) -> list[DailyRow]:
    where, params = filter_sql(flt, "f")
    sql = (f"SELECT coalesce(substr(f.created_at, 1, 10), '') AS day, {DAILY_COLUMNS} "
           f"FROM feedback f WHERE {where} GROUP BY day ORDER BY day")
    return [tuple(r) for r in db.execute(sql, params)]


def daily_rows(db, flt: FeedbackFilter, *, use_summary: bool = True) -> list[DailyRow]:
    """Per-day counts for `flt` ('' = rows without a date), from the summaries when they are usable."""
    if use_summary and summary_can_answer(flt) and try_refresh(db):
        return _daily_from_summary(db, flt)
    return _daily_direct(db, flt)


def counts_by_channel(db, flt: FeedbackFilter = FeedbackFilter(), *, use_summary: bool = True) -> dict[str, Counts]:
    """Counts per channel ('' = no channel) for the rows of `flt`, biggest first."""
    if use_summary and summary_can_answer(flt) and try_refresh(db):
        sql, params = _summary_select(flt, "s.channel")
    else:
        where, params = filter_sql(flt, "f")
        sql = (f"SELECT coalesce(f.channel, ''), {DAILY_COLUMNS} FROM feedback f WHERE {where} "
               f"GROUP BY coalesce(f.channel, '')")
    out = {row[0]: _counts(row[1:]) for row in db.execute(sql, params)}
    return dict(sorted(out.items(), key=lambda kv: (-kv[1].total, kv[0])))


def _counts(row: Sequence) -> Counts:
    pos, neu, neg, unk, rn, rs, sn, ss = row
    return Counts(int(pos or 0), int(neu or 0), int(neg or 0), int(unk or 0), int(rn or 0), float(rs or 0.0),
                  int(sn or 0), float(ss or 0.0))


# ---------------------------------------------------------------------------------------------
# Buckets


def bucket_start(d: date, granularity: str) -> date:
    if granularity == "day":
        return d
    if granularity == "week":
        return d - timedelta(days=d.weekday())  # weeks start on Monday
    if granularity == "month":
        return d.replace(day=1)
    raise InvalidValueError(_("Unknown granularity “{value}”: use day, week or month.").format(value=granularity))


def bucket_end(start: date, granularity: str) -> date:
    if granularity == "day":
        return start
    if granularity == "week":
        return start + timedelta(days=6)
    nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def next_bucket(start: date, granularity: str) -> date:
    return bucket_end(start, granularity) + timedelta(days=1)


def trend(db, flt: FeedbackFilter = FeedbackFilter(), granularity: str = "week", *,
          fill_gaps: bool = True, use_summary: bool = True) -> Trend:
    """Counts per day, week (Monday–Sunday) or month for the rows of `flt`.

    With `fill_gaps`, buckets without rows between the first and last (or the filter's range) are
    included with zero counts, so a plot shows the quiet days instead of joining across them.
    """
    if granularity not in GRANULARITIES:
        raise InvalidValueError(_("Unknown granularity “{value}”: use day, week or month.").format(value=granularity))
    rows = daily_rows(db, flt, use_summary=use_summary)
    undated = 0
    by_start: dict[date, Counts] = {}
    for row in rows:
        c = _counts(row[1:])
        d = day_or_none(row[0])   # no date, unreadable, or an implausible 0001-01-01 / 9999-12-31
        if d is None:
            undated += c.total
            continue
        key = bucket_start(d, granularity)
        by_start[key] = by_start.get(key, Counts()) + c
    if fill_gaps and by_start:
        # The quiet periods between the data, and out to the filter's ends, but not across years
        # before the first row nor past today (`--from 2000-01-01 --to 9999-12-31`).
        data_first, data_last = min(by_start), max(by_start)
        first, last = data_first, data_last
        if flt.date_from:
            first = min(first, max(bucket_start(flt.date_from, granularity),
                                   bucket_start(add_days(data_first, -366), granularity)))
        if flt.date_to:
            last = max(last, min(bucket_start(flt.date_to, granularity),
                                 bucket_start(max(date.today(), data_last), granularity)))
        cur = first
        while cur <= last:
            by_start.setdefault(cur, Counts())
            cur = next_bucket(cur, granularity)
    buckets = tuple(Bucket(s, bucket_end(s, granularity), by_start[s]) for s in sorted(by_start))
    return Trend(granularity, buckets, undated)


def totals(db, flt: FeedbackFilter = FeedbackFilter(), *, use_summary: bool = True) -> Counts:
    out = Counts()
    for row in daily_rows(db, flt, use_summary=use_summary):
        out = out + _counts(row[1:])
    return out


def whole_periods(flt: FeedbackFilter, granularity: str) -> FeedbackFilter:
    """Widen the filter's dates to whole days/weeks/months, so the chart has no half-empty first period."""
    changes = {}
    if flt.date_from:
        changes["date_from"] = bucket_start(flt.date_from, granularity)
    if flt.date_to:
        changes["date_to"] = bucket_end(bucket_start(flt.date_to, granularity), granularity)
    return flt.with_changes(**changes) if changes else flt


def bucket_filter(flt: FeedbackFilter, bucket: Bucket, label: str | None = None) -> FeedbackFilter:
    """The filter for exactly the rows behind one plotted point (clipped to the filter's own range)."""
    start = max(bucket.start, flt.date_from) if flt.date_from else bucket.start
    end = min(bucket.end, flt.date_to) if flt.date_to else bucket.end
    out = flt.with_changes(date_from=start, date_to=end)
    if label:
        out = out.with_changes(labels=(label,))
    return out


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    length = (date_to - date_from).days + 1
    return date_from - timedelta(days=length), date_from - timedelta(days=1)


def kpis(db, flt: FeedbackFilter = FeedbackFilter(), *, use_summary: bool = True) -> Kpis:
    """Totals for the filter's period and for the equally long period before it.

    A filter open at either end is closed at the first/last day with data, so "all time" compares
    against nothing (there is no earlier period) while "last 30 days" compares with the 30 before.
    """
    current = totals(db, flt, use_summary=use_summary)
    if flt.date_from is None:
        return Kpis(flt.date_from, flt.date_to, current)
    date_to = flt.date_to or data_range(db)[1]
    if date_to is None or date_to < flt.date_from:
        return Kpis(flt.date_from, flt.date_to, current)
    pf, pt = previous_period(flt.date_from, date_to)
    previous = totals(db, flt.with_changes(date_from=pf, date_to=pt), use_summary=use_summary)
    return Kpis(flt.date_from, date_to, current, pf, pt, previous)


# ---------------------------------------------------------------------------------------------
# Topics


def topic_ranking(db, flt: FeedbackFilter = FeedbackFilter(), *, by: str = "negative",
                  limit: int | None = None, use_summary: bool = True) -> list[TopicRank]:
    """Enabled topics ranked by negative volume (`by="negative"`) or by impact (`by="impact"`).

    The filter's own topic selection is ignored: the ranking compares all topics within the same
    dates, channels and sources.
    """
    if by not in ("negative", "impact"):
        raise InvalidValueError(_("Unknown ranking “{value}”: use negative or impact.").format(value=by))
    base = flt.with_changes(topics=(), topic_labels=())
    labelled = totals(db, base, use_summary=use_summary).labelled
    if use_summary and summary_can_answer(base) and try_refresh(db):
        sql, params = _ranking_from_summary(base)
    else:
        where, params = filter_sql(base, "f")
        sql = (f"SELECT t.id, t.name, count(*), sum(ft.label = 'negative'), sum(ft.label = 'positive'), "
               f"{NEG_ONLY_SQL} FROM feedback f JOIN feedback_topics ft ON ft.feedback_id = f.id "
               f"JOIN topics t ON t.id = ft.topic_id WHERE t.enabled = 1 AND {where} GROUP BY t.id")
    out = []
    for tid, name, mentions, neg, pos, neg_only in db.execute(sql, params):
        neg_only = int(neg_only or 0)
        impact = neg_only / labelled if labelled else 0.0
        out.append(TopicRank(int(tid), name, int(mentions or 0), int(neg or 0), int(pos or 0), neg_only, impact))
    if by == "impact":
        out.sort(key=lambda r: (-r.negative_only, -r.negative_mentions, r.name))
    else:
        out.sort(key=lambda r: (-r.negative_mentions, -r.negative_only, r.name))
    out = [r for r in out if r.mentions > 0]
    return out[:limit] if limit else out


def _month_split(flt: FeedbackFilter) -> tuple[str | None, str | None, list[tuple[date | None, date | None]]]:
    """Whole months inside the filter's dates (first, last 'YYYY-MM') and the leftover day ranges."""
    a, b = flt.date_from, flt.date_to
    if a is None and b is None:
        return "", "~", []
    first = a if a is None or a.day == 1 else bucket_end(a, "month") + timedelta(days=1)
    last_end = b if b is None or b == bucket_end(bucket_start(b, "month"), "month") else bucket_start(b, "month") - timedelta(days=1)
    if first is not None and last_end is not None and first > last_end:
        return None, None, [(a, b)]  # no whole month inside: days only
    parts: list[tuple[date | None, date | None]] = []
    if a is not None and first != a:
        parts.append((a, first - timedelta(days=1)))
    if b is not None and last_end != b:
        parts.append((last_end + timedelta(days=1), b))
    m_first = "0000-00" if first is None else first.strftime("%Y-%m")
    m_last = "9999-99" if last_end is None else last_end.strftime("%Y-%m")
    return m_first, m_last, parts


def _ranking_from_summary(base: FeedbackFilter) -> tuple[str, list]:
    m_first, m_last, parts = _month_split(base)
    pieces: list[str] = []
    params: list = []
    dims = base.with_changes(date_from=None, date_to=None)
    if m_first is not None:
        where, p = _summary_where(dims, "m")
        date_clause = "m.month <> ''" if (base.date_from or base.date_to) else "1"
        pieces.append(f"SELECT m.topic_id AS tid, m.n AS n, m.m_neg AS mn, m.m_pos AS mp, m.neg_only AS no "
                      f"FROM trend_topic_monthly m WHERE m.month BETWEEN ? AND ? AND {date_clause} AND {where}")
        params += [m_first, m_last, *p]
    for a, b in parts:
        where, p = _summary_where(dims.with_changes(date_from=a, date_to=b), "s")
        pieces.append(f"SELECT s.topic_id AS tid, s.n_pos + s.n_neu + s.n_neg + s.n_unk AS n, s.m_neg AS mn, "
                      f"s.m_pos AS mp, s.neg_only AS no FROM trend_topic_daily s WHERE {where}")
        params += p
    union = " UNION ALL ".join(pieces)
    sql = (f"SELECT t.id, t.name, sum(x.n), sum(x.mn), sum(x.mp), sum(x.no) FROM ({union}) x "
           f"JOIN topics t ON t.id = x.tid WHERE t.enabled = 1 GROUP BY t.id")
    return sql, params


def topic_filter(flt: FeedbackFilter, topic: str, *, negative_only: bool = True) -> FeedbackFilter:
    """The rows behind a topic bar: mentions of `topic` (negative ones by default) within `flt`."""
    return flt.with_changes(topics=(topic,), topic_labels=("negative",) if negative_only else ())


# ---------------------------------------------------------------------------------------------
# What the dashboard needs in one call


def data_range(db) -> tuple[date | None, date | None]:
    """First and last day with (non-deleted) feedback, leaving out implausible dates (0001, 9999)."""
    lo, hi = EARLIEST.isoformat(), latest().isoformat() + "~"
    if try_refresh(db):
        row = db.execute("SELECT min(day), max(day) FROM trend_daily WHERE day <> '' AND day >= ? AND day <= ?",
                         [lo, hi]).fetchone()
    else:
        row = db.execute("SELECT min(created_at), max(created_at) FROM feedback "
                         "WHERE deleted = 0 AND created_at IS NOT NULL AND created_at >= ? AND created_at <= ?",
                         [lo, hi]).fetchone()
    if not row or row[0] is None:
        return None, None
    try:
        return date.fromisoformat(row[0][:10]), date.fromisoformat(row[1][:10])
    except ValueError:
        return None, None


def count_rows(db) -> int:
    """All visible feedback rows (0 means the first-run state)."""
    if try_refresh(db):
        return int(db.execute("SELECT total(n_pos + n_neu + n_neg + n_unk) FROM trend_daily").fetchone()[0])
    return db.execute("SELECT count(*) FROM feedback WHERE deleted = 0").fetchone()[0]


def list_channels(db) -> list[str]:
    if try_refresh(db):
        rows = db.execute("SELECT DISTINCT channel FROM trend_daily WHERE channel <> '' ORDER BY channel")
    else:
        rows = db.execute("SELECT DISTINCT channel FROM feedback WHERE deleted = 0 AND channel IS NOT NULL "
                          "AND channel <> '' ORDER BY channel")
    return [r[0] for r in rows]


def list_topic_names(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM topics WHERE enabled = 1 ORDER BY name")]


def default_granularity(date_from: date | None, date_to: date | None) -> str:
    if date_from is None or date_to is None:
        return "month"
    days = (date_to - date_from).days + 1
    return "day" if days <= 62 else ("week" if days <= 550 else "month")


def dashboard(db, flt: FeedbackFilter = FeedbackFilter(), granularity: str = "week", *,
              ranking_limit: int = 10, progress: Progress = no_progress, use_summary: bool = True) -> Dashboard:
    """Trend, KPIs, topic ranking and filter choices for the overview screen, in one call."""
    progress(0, 3, _("Updating the overview"))
    if use_summary:
        try:
            refresh_summary(db, progress=lambda d, t, m: progress(0, 3, m), busy_ms=500)
        except sqlite3.OperationalError:
            pass  # a writer is busy: the functions below count directly
    total_rows = count_rows(db)
    first, last = data_range(db)
    tflt = whole_periods(flt, granularity)
    tr = trend(db, tflt, granularity, use_summary=use_summary)
    progress(1, 3, _("Updating the overview"))
    k = kpis(db, flt, use_summary=use_summary)
    ranking = tuple(topic_ranking(db, flt, limit=ranking_limit, use_summary=use_summary))
    progress(2, 3, _("Updating the overview"))
    return Dashboard(flt, granularity, tr, k, ranking, first, last, total_rows,
                     tuple(list_channels(db)), tuple(list_topic_names(db)), tflt)
