"""Spike alerts: topics or channels whose negative feedback in the latest week (or day) is well above
their own recent baseline.

The test, per topic and per channel: the expected count is the mean over the previous 8 weeks of the
negatives on the same weekdays (so a week that has only reached Wednesday is compared with the
Mondays–Wednesdays before it). An alert needs all three of: at least 10 negatives, at least 1.4× the
expected count, and a one-sided Poisson p-value below 0.04. The minimum count keeps 2 → 4 complaints
quiet; the ratio keeps tiny but "significant" rises of large topics quiet. With these settings a
doubling from 20 a week is caught in about 96% of cases and a steady topic raises an alert in about 4%
of weeks (see `bench/bench_alerts.py`). When a topic or channel averages at least 20 negatives a day,
the latest day is also tested against the previous 28 days. Thresholds can be changed per database
(setting `alerts.thresholds`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta

from cxdesk.core.bounds import clamp_day
from cxdesk.core import storage
from cxdesk.core.analysis import trends
from cxdesk.core.changes import Changes
from cxdesk.core.errors import NotFoundError
from cxdesk.core.filters import FeedbackFilter, day_start
from cxdesk.core.progress import Progress, no_progress
from cxdesk.i18n import _

SETTINGS_KEY = "alerts.thresholds"
CHECKED_KEY = "alerts.checked_signature"


@dataclass(frozen=True)
class AlertSettings:
    p_value: float = 0.04           # one-sided Poisson p-value must be below this
    min_count: int = 10             # at least this many negatives in the period
    min_ratio: float = 1.4          # observed at least this multiple of expected
    baseline_weeks: int = 8         # weeks before the latest one that form the baseline
    min_baseline_weeks: int = 3     # fewer weeks of history: no weekly test
    daily_min_mean: float = 20.0    # daily test only when the baseline averages this many a day
    baseline_days: int = 28


def alert_settings(db) -> AlertSettings:
    stored = storage.get_setting(db, SETTINGS_KEY, {}) or {}
    known = {k: v for k, v in stored.items() if k in AlertSettings.__dataclass_fields__} if isinstance(stored, dict) else {}
    try:
        return replace(AlertSettings(), **known)
    except TypeError:
        return AlertSettings()


def set_alert_settings(db, settings: AlertSettings) -> None:
    storage.set_setting(db, SETTINGS_KEY, asdict(settings))


# ---------------------------------------------------------------------------------------------
# The test


def poisson_sf(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_lam = math.log(lam)

    def pmf(i: int) -> float:
        return math.exp(i * log_lam - lam - math.lgamma(i + 1))

    if k > lam:  # sum the upper tail directly: its terms shrink quickly
        total, i = 0.0, k
        while True:
            term = pmf(i)
            total += term
            i += 1
            if term == 0.0 or term < 1e-16 * total:
                return min(1.0, total)
    return max(0.0, 1.0 - math.fsum(pmf(i) for i in range(k)))


@dataclass(frozen=True)
class SpikeTest:
    observed: int
    expected: float
    p_value: float
    is_spike: bool


def spike_test(observed: int, baseline: list[float], settings: AlertSettings = AlertSettings()) -> SpikeTest:
    """Is `observed` a spike against the counts of comparable earlier periods in `baseline`?"""
    expected = sum(baseline) / len(baseline) if baseline else 0.0
    lam = max(expected, 0.5)  # a quiet topic still has some chance of a complaint
    p = poisson_sf(observed, lam)
    spike = (observed >= settings.min_count and observed >= settings.min_ratio * lam and p < settings.p_value)
    return SpikeTest(int(observed), expected, p, spike)


# ---------------------------------------------------------------------------------------------
# Stored alerts


@dataclass(frozen=True)
class Alert:
    id: int | None
    kind: str                  # topic | channel
    key: str                   # topic or channel name
    granularity: str           # week | day
    period_start: date
    period_end: date
    observed: int
    expected: float
    p_value: float | None
    created_at: str = ""
    dismissed_at: str | None = None
    action_id: int | None = None

    @property
    def ratio(self) -> float | None:
        return self.observed / self.expected if self.expected > 0 else None

    @property
    def dismissed(self) -> bool:
        return self.dismissed_at is not None

    def feedback_filter(self) -> FeedbackFilter:
        """The negative rows behind the alert."""
        base = FeedbackFilter(date_from=self.period_start, date_to=self.period_end)
        if self.kind == "topic":
            return base.with_changes(topics=(self.key,), topic_labels=("negative",))
        return base.with_changes(channels=(self.key,), labels=("negative",))

    def title(self) -> str:
        if self.kind == "topic":
            return _("Complaints about “{key}” are rising").format(key=self.key)
        return _("Complaints from channel “{key}” are rising").format(key=self.key)

    def describe(self) -> str:
        """One sentence for the owner, e.g. 本周 42 条差评，平时同期约 20 条（2.1 倍）。"""
        period = (_("{start} – {end}").format(start=self.period_start.isoformat(), end=self.period_end.isoformat())
                  if self.granularity == "week" else self.period_start.isoformat())
        ratio = self.ratio
        if ratio is None:
            return _("{period}: {observed} negative, none expected").format(period=period, observed=self.observed)
        return _("{period}: {observed} negative, usually about {expected:.0f} ({ratio:.1f}×)").format(
            period=period, observed=self.observed, expected=self.expected, ratio=ratio)

    def to_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "key": self.key, "granularity": self.granularity,
                "period_start": self.period_start.isoformat(), "period_end": self.period_end.isoformat(),
                "observed": self.observed, "expected": round(self.expected, 2),
                "ratio": None if self.ratio is None else round(self.ratio, 2),
                "p_value": None if self.p_value is None else float(f"{self.p_value:.3g}"),
                "created_at": self.created_at, "dismissed_at": self.dismissed_at, "action_id": self.action_id,
                "title": self.title(), "description": self.describe()}


_COLUMNS = ("id, kind, key, granularity, period_start, period_end, observed, expected, p_value, created_at, "
            "dismissed_at, action_id")


def _from_row(row) -> Alert:
    (aid, kind, key, gran, start, end, observed, expected, p, created, dismissed, action) = row
    return Alert(int(aid), kind, key, gran, date.fromisoformat(start), date.fromisoformat(end), int(observed),
                 float(expected), p, created, dismissed, action)


def list_alerts(db, include_dismissed: bool = False) -> list[Alert]:
    """Stored alerts, newest period first, biggest rise first within a period."""
    where = "" if include_dismissed else "WHERE dismissed_at IS NULL"
    rows = db.execute(f"SELECT {_COLUMNS} FROM alerts {where} "
                      f"ORDER BY period_end DESC, observed * 1.0 / max(expected, 0.5) DESC, id")
    return [_from_row(r) for r in rows]


def get_alert(db, alert_id: int) -> Alert:
    row = db.execute(f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", [int(alert_id)]).fetchone()
    if row is None:
        raise NotFoundError(_("Alert {id} does not exist.").format(id=alert_id))
    return _from_row(row)


def dismiss_alert(db, alert_id: int) -> Changes:
    """Hide an alert; it stays dismissed when later runs find the same spike again."""
    get_alert(db, alert_id)
    with db.atomic():
        db.execute("UPDATE alerts SET dismissed_at = ? WHERE id = ? AND dismissed_at IS NULL",
                   [storage.now_text(), int(alert_id)])
    return Changes(alerts=True)


def restore_alert(db, alert_id: int) -> Changes:
    get_alert(db, alert_id)
    with db.atomic():
        db.execute("UPDATE alerts SET dismissed_at = NULL WHERE id = ?", [int(alert_id)])
    return Changes(alerts=True)


def link_action(db, alert_id: int, action_id: int | None) -> Changes:
    """Remember the improvement action created from an alert."""
    get_alert(db, alert_id)
    with db.atomic():
        db.execute("UPDATE alerts SET action_id = ? WHERE id = ?", [action_id, int(alert_id)])
    return Changes(alerts=True)


def action_prefill_from_alert(alert: Alert, db=None, *, examples: int = 20) -> dict:
    """Fields for a new improvement action about this alert (title, topics, channels, examples)."""
    out = {
        "title": alert.title(),
        "description": alert.describe(),
        "topics": [alert.key] if alert.kind == "topic" else [],
        "channels": [alert.key] if alert.kind == "channel" else [],
        "keywords": [],
        "feedback_ids": [],
        "filter": alert.feedback_filter().to_dict(),
        "alert_id": alert.id,
    }
    if db is not None:
        from cxdesk.core.filters import filter_sql

        where, params = filter_sql(alert.feedback_filter(), "f")
        rows = db.execute(f"SELECT f.id FROM feedback f WHERE {where} ORDER BY f.created_at DESC, f.id LIMIT ?",
                          [*params, int(examples)])
        out["feedback_ids"] = [r[0] for r in rows]
    return out


# ---------------------------------------------------------------------------------------------
# Detection


def _negative_series(db, start: date, end: date) -> dict[tuple[str, str], dict[date, int]]:
    """Negatives per day for every topic and channel between start and end (inclusive)."""
    a, b = start.isoformat(), end.isoformat()
    topic_rows = db.execute(
        "SELECT t.name, s.day, sum(s.m_neg) FROM trend_topic_daily s JOIN topics t ON t.id = s.topic_id "
        "WHERE t.enabled = 1 AND s.day BETWEEN ? AND ? GROUP BY t.name, s.day", [a, b])
    channel_rows = db.execute(
        "SELECT channel, day, sum(n_neg) FROM trend_daily WHERE channel <> '' AND day BETWEEN ? AND ? "
        "GROUP BY channel, day", [a, b])
    return _by_key_and_day(topic_rows, channel_rows)


def _negative_series_direct(db, start: date, end: date) -> dict[tuple[str, str], dict[date, int]]:
    a, b = day_start(start), day_start(end + timedelta(days=1))
    topic_rows = db.execute(
        "SELECT t.name, substr(f.created_at, 1, 10), count(*) FROM feedback f "
        "JOIN feedback_topics ft ON ft.feedback_id = f.id JOIN topics t ON t.id = ft.topic_id "
        "WHERE f.deleted = 0 AND t.enabled = 1 AND ft.label = 'negative' AND f.created_at >= ? AND f.created_at < ? "
        "GROUP BY 1, 2", [a, b])
    channel_rows = db.execute(
        "SELECT f.channel, substr(f.created_at, 1, 10), count(*) FROM feedback f "
        "WHERE f.deleted = 0 AND f.label = 'negative' AND f.channel IS NOT NULL AND f.channel <> '' "
        "AND f.created_at >= ? AND f.created_at < ? GROUP BY 1, 2", [a, b])
    return _by_key_and_day(topic_rows, channel_rows)


def _by_key_and_day(topic_rows, channel_rows) -> dict[tuple[str, str], dict[date, int]]:
    """(topic|channel, name) -> {day: negatives} from rows of (name, 'YYYY-MM-DD', count)."""
    series: dict[tuple[str, str], dict[date, int]] = {}
    for kind, rows in (("topic", topic_rows), ("channel", channel_rows)):
        for key, day, n in rows:
            series.setdefault((kind, key), {})[date.fromisoformat(day)] = int(n or 0)
    return series


def find_spikes(db, *, as_of: date | None = None, settings: AlertSettings | None = None) -> list[Alert]:
    """Test every topic and channel for the week (and, when dense, the day) ending at `as_of`.

    `as_of` defaults to the last day with feedback. Nothing is stored; see `run_alerts`.
    """
    settings = settings or alert_settings(db)
    first, last = trends.data_range(db)
    if last is None:
        return []
    as_of = clamp_day(as_of or last)
    week_start = as_of - timedelta(days=as_of.weekday())
    covered = (as_of - week_start).days + 1  # days of the latest week so far
    earliest = week_start - timedelta(weeks=settings.baseline_weeks)
    earliest_day = as_of - timedelta(days=settings.baseline_days)
    span_start = min(earliest, earliest_day)
    if trends.try_refresh(db):
        series = _negative_series(db, span_start, as_of)
    else:
        series = _negative_series_direct(db, span_start, as_of)
    history_start = first or as_of
    found: list[Alert] = []
    for (kind, key), per_day in sorted(series.items()):
        def total(a: date, n: int) -> int:
            return sum(per_day.get(a + timedelta(days=i), 0) for i in range(n))

        observed = total(week_start, covered)
        baseline = []
        for w in range(1, settings.baseline_weeks + 1):
            start = week_start - timedelta(weeks=w)
            if start < history_start - timedelta(days=history_start.weekday()):
                break  # before the data begins: no evidence either way
            baseline.append(total(start, covered))
        if len(baseline) >= settings.min_baseline_weeks:
            t = spike_test(observed, baseline, settings)
            if t.is_spike:
                found.append(Alert(None, kind, key, "week", week_start, as_of, t.observed, t.expected, t.p_value))
        days_back = [as_of - timedelta(days=i) for i in range(1, settings.baseline_days + 1)]
        days_back = [d for d in days_back if d >= history_start]
        if len(days_back) >= 7:
            base_days = [per_day.get(d, 0) for d in days_back]
            if sum(base_days) / len(base_days) >= settings.daily_min_mean:
                t = spike_test(per_day.get(as_of, 0), base_days, settings)
                if t.is_spike:
                    found.append(Alert(None, kind, key, "day", as_of, as_of, t.observed, t.expected, t.p_value))
    return found


def data_signature(db) -> str:
    """Changes whenever counts, labels, topic mentions or topics change (cheap: reads the summaries)."""
    import hashlib

    if trends.try_refresh(db):
        a = db.execute("SELECT total(n_pos), total(n_neu), total(n_neg), total(n_unk), max(day) FROM trend_daily").fetchone()
        b = db.execute("SELECT total(m_neg), total(m_pos), count(*) FROM trend_topic_daily").fetchone()
    else:
        a = db.execute("SELECT count(*), total(label = 'negative'), max(created_at) FROM feedback WHERE deleted = 0").fetchone()
        b = db.execute("SELECT count(*), total(label = 'negative') FROM feedback_topics").fetchone()
    c = db.execute("SELECT group_concat(id || ':' || name || ':' || enabled, ',') FROM "
                   "(SELECT id, name, enabled FROM topics ORDER BY id)").fetchone()
    d = db.execute("SELECT value FROM settings WHERE key = ?", [SETTINGS_KEY]).fetchone()
    return hashlib.sha1(repr((tuple(a), tuple(b), tuple(c), d)).encode("utf-8")).hexdigest()[:16]


def alerts_are_current(db) -> bool:
    """True if `run_alerts` already ran on exactly the data there is now."""
    return storage.get_setting(db, CHECKED_KEY) == data_signature(db)


def run_alerts(db, progress: Progress = no_progress, *, as_of: date | None = None) -> list[Alert]:
    """Find spikes in the latest week/day, store them and return the alerts not dismissed.

    Call after each import and whenever the owner asks. An alert found again keeps its id, its
    dismissal and its action; an earlier alert of the same period that no longer holds (rows were
    undone or corrected) is removed unless the owner dismissed it or made an action from it.
    """
    progress(0, 2, _("Looking for complaint spikes"))
    settings = alert_settings(db)
    spikes = find_spikes(db, as_of=as_of, settings=settings)
    progress(1, 2, _("Looking for complaint spikes"))
    first, last = trends.data_range(db)
    now = storage.now_text()
    with db.atomic():
        if last is not None:
            as_of_day = as_of or last
            week_start = as_of_day - timedelta(days=as_of_day.weekday())
            keep = {(a.kind, a.key, a.granularity, a.period_start.isoformat()) for a in spikes}
            stale = db.execute(
                "SELECT id, kind, key, granularity, period_start FROM alerts WHERE dismissed_at IS NULL "
                "AND action_id IS NULL AND ((granularity = 'week' AND period_start = ?) OR "
                "(granularity = 'day' AND period_start = ?))", [week_start.isoformat(), as_of_day.isoformat()]
            ).fetchall()
            for aid, *k in stale:
                if tuple(k) not in keep:
                    db.execute("DELETE FROM alerts WHERE id = ?", [aid])
        for a in spikes:
            db.execute(
                "INSERT INTO alerts(kind, key, granularity, period_start, period_end, observed, expected, p_value,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(kind, key, granularity, period_start) DO UPDATE SET period_end = excluded.period_end,"
                " observed = excluded.observed, expected = excluded.expected, p_value = excluded.p_value",
                [a.kind, a.key, a.granularity, a.period_start.isoformat(), a.period_end.isoformat(), a.observed,
                 a.expected, a.p_value, now])
        if as_of is None:
            storage.set_setting(db, CHECKED_KEY, data_signature(db))
    progress(2, 2, _("Looking for complaint spikes"))
    keys = {(a.kind, a.key, a.granularity, a.period_start) for a in spikes}
    return [a for a in list_alerts(db) if (a.kind, a.key, a.granularity, a.period_start) in keys]

