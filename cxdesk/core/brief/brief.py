"""The weekly brief in one call: headline against last week and the goals, the three fixes, actions, cases, alerts.

Everything is read from the trend summary tables (the same counts as 概览 and `cxdesk stats`), the
rating drivers (`drivers.py`, fitted from their daily sums), the goals (`goals.py`), the action board,
the case queue, the spike test of `alerts.py` and the survey responses' NPS (`surveys/nps.py`); nothing is written.

Fixes are ranked by expected gain = stars per complaint × this week's complaint share × recent rise ×
(½ when a live action already covers the topic); the three shown are the largest gain, then topics whose
complaints at least doubled (`choose_fixes`), then the next largest gains:
- stars per complaint = −coefficient of the topic in the rating model (at least `PRIOR_STARS`, so a
  shop without ratings still gets its fixes ranked by complaints and their rise);
- complaint share = the topic's negative mentions this week / labelled reviews this week;
- rise = (this week + 1) / (weekly average of the 4 weeks before + 1), kept within ¼ … 5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from cxdesk.core.actions import EVALUATION_WINDOW_DAYS, list_actions
from cxdesk.core.analysis import trends
from cxdesk.core.analysis.alerts import find_spikes
from cxdesk.core.bounds import EARLIEST, clamp_day, latest
from cxdesk.core.brief.drivers import PRIOR_STARS, Drivers, rating_drivers
from cxdesk.core.brief.goals import GoalProgress, goals_progress
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.progress import Progress, no_progress
from cxdesk.core.surveys.nps import NpsFigure, nps_for_period
from cxdesk.core.surveys.store import has_responses, last_response_day
from cxdesk.i18n import _

FIXES = 3
EXAMPLES = 2
BASELINE_WEEKS = 4
COVERED_FACTOR = 0.5
RISE_FACTOR = 2.0          # a sudden rise: at least double the weekly average of the weeks before ...
RISE_MIN = 5               # ... and at least this many complaints this week
PARTIAL_MIN_DAYS = 3       # the default brief skips a newest week with fewer days than this
_WEEK_RX = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


def parse_week(text: str) -> date:
    """'2026-W48' -> the Monday of that ISO week."""
    m = _WEEK_RX.match(text or "")
    if not m:
        raise InvalidValueError(_("“{value}” is not a week; write it like 2026-W05.").format(value=text))
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise InvalidValueError(_("Week {value} does not exist.").format(value=text)) from None
    if clamp_day(monday) != monday or clamp_day(monday + timedelta(days=6)) != monday + timedelta(days=6):
        raise InvalidValueError(_("Week {value} is outside the dates cxdesk works with ({first} to {last}).").format(
            value=text, first=EARLIEST.isoformat(), last=latest().isoformat()))
    return monday


def week_name(monday: date) -> str:
    year, week, _d = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Example:
    id: int
    text: str
    created_at: str
    rating: float | None
    channel: str | None

    def to_dict(self) -> dict:
        return {"id": self.id, "text": self.text, "created_at": self.created_at, "rating": self.rating,
                "channel": self.channel}


@dataclass(frozen=True)
class Fix:
    topic: str
    negative_mentions: int          # this week
    last_week: int
    baseline: float                 # weekly average of the 4 weeks before
    change: float | None            # relative to last week: 2.0 = tripled; None when last week had none
    rating_impact: float            # stars the average would gain without the topic's complaints (year model)
    stars_per_complaint: float | None
    ci: tuple[float, float] | None  # of the coefficient
    expected_gain: float
    covered_by: tuple[tuple[int, str], ...]   # live actions on the topic: (id, title)
    examples: tuple[Example, ...]

    @property
    def rising(self) -> bool:
        """At least doubled against the weeks before, and not a handful."""
        return self.negative_mentions >= RISE_MIN and self.negative_mentions >= RISE_FACTOR * self.baseline

    def to_dict(self) -> dict:
        return {"topic": self.topic, "negative_mentions": self.negative_mentions,
                "change": None if self.change is None else round(self.change, 3),
                "rating_impact": round(self.rating_impact, 3), "examples": [e.to_dict() for e in self.examples],
                "last_week": self.last_week, "baseline": round(self.baseline, 2),
                "stars_per_complaint": None if self.stars_per_complaint is None else round(self.stars_per_complaint, 3),
                "coefficient_ci": None if self.ci is None else [round(self.ci[0], 3), round(self.ci[1], 3)],
                "expected_gain": round(self.expected_gain, 5), "rising": self.rising, "covered": bool(self.covered_by),
                "covered_by": [{"id": i, "title": t} for i, t in self.covered_by]}


@dataclass(frozen=True)
class ActionItem:
    id: int
    title: str
    status: str
    state: str                      # going_live | ready_to_evaluate
    live_date: date | None
    topics: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "status": self.status, "state": self.state,
                "live_date": self.live_date.isoformat() if self.live_date else None, "topics": list(self.topics)}


@dataclass(frozen=True)
class Brief:
    week: str
    start: date
    end: date
    current: trends.Counts
    previous: trends.Counts
    goals: tuple[GoalProgress, ...]
    fixes: tuple[Fix, ...]
    actions: tuple[ActionItem, ...]
    alerts: tuple = ()
    cases: dict = field(default_factory=dict)
    drivers: Drivers | None = None
    data_to: date | None = None     # last day with feedback or a survey response
    covered: tuple[Fix, ...] = ()   # topics complained about this week that a live action already covers
    nps: NpsFigure | None = None            # survey responses of the week; None when the database has none
    nps_previous: NpsFigure | None = None   # ... of the same days of last week
    has_reviews: bool = True                # the database has feedback rows (not only survey scores)

    @property
    def empty(self) -> bool:
        """Nothing to brief at all: no feedback and no survey responses in the database."""
        return not self.has_reviews and self.nps is None

    @property
    def nps_change(self) -> float | None:
        """This week's NPS − last week's, in points (None when either week has no responses)."""
        if self.nps is None or self.nps.value is None or self.nps_previous.value is None:
            return None
        return self.nps.value - self.nps_previous.value

    def nps_dict(self) -> dict | None:
        if self.nps is None:
            return None
        change = self.nps_change
        return {**self.nps.to_dict(), "vs_last_week": None if change is None else round(change, 1),
                "last_week": self.nps_previous.to_dict()}

    @property
    def partial(self) -> bool:
        """The data stops inside the week: it is compared with the same days of last week."""
        return self.end < self.start + timedelta(days=6)

    @property
    def newer_days(self) -> int:
        """Days of the week after this one that hold newer data (the default brief skips a week of 1–2 days)."""
        if self.data_to is None or self.data_to <= self.end or self.partial:
            return 0
        return max(0, min(7, (self.data_to - self.end).days))

    def change(self, name: str) -> float | None:
        a, b = getattr(self.current, name), getattr(self.previous, name)
        return None if a is None or b is None else a - b

    def to_dict(self) -> dict:
        r = (lambda x, n=4: None if x is None else round(x, n))
        return {
            "week": self.week, "from": self.start.isoformat(), "to": self.end.isoformat(), "partial": self.partial,
            "data_to": None if self.data_to is None else self.data_to.isoformat(),
            "headline": {
                "total": self.current.total, "negative_share": r(self.current.negative_share),
                "average_rating": r(self.current.mean_rating, 3),
                "vs_last_week": {"total": self.current.total - self.previous.total,
                                 "negative_share": r(self.change("negative_share")),
                                 "average_rating": r(self.change("mean_rating"), 3),
                                 "last_week": {"from": (self.start - timedelta(days=7)).isoformat(),
                                               "to": (self.end - timedelta(days=7)).isoformat(),
                                               "total": self.previous.total,
                                               "negative_share": r(self.previous.negative_share),
                                               "average_rating": r(self.previous.mean_rating, 3)}},
                "nps": self.nps_dict(),
                "goals": [g.to_dict() for g in self.goals]},
            "fixes": [f.to_dict() for f in self.fixes],
            "actions": [a.to_dict() for a in self.actions],
            "alerts": [a.to_dict() for a in self.alerts],
            "cases": self.cases,
            "covered": [f.to_dict() for f in self.covered],
            "drivers": None if self.drivers is None else self.drivers.to_dict(),
        }


# ---------------------------------------------------------------------------------------------


def last_day(db) -> date | None:
    """The newest day with feedback or a survey response (a shop may run score-only surveys)."""
    days = [d for d in (trends.data_range(db)[1], last_response_day(db)) if d is not None]
    return max(days) if days else None


def default_week(db) -> date:
    """The Monday of the week of the newest feedback or survey response (of today when there is none);
    the week before when the newest week has fewer than `PARTIAL_MIN_DAYS` days so far and there is
    feedback before it: a brief of one day says little (the brief then names the newer week)."""
    last = last_day(db) or date.today()
    monday = last - timedelta(days=last.weekday())
    first = trends.data_range(db)[0]
    if last.weekday() + 1 < PARTIAL_MIN_DAYS and first is not None and first < monday:
        return monday - timedelta(days=7)
    return monday


def week_end(monday: date, data_to: date | None) -> date:
    """Sunday, or the last day with feedback when the data stops inside the week (the brief then compares
    those days with the same days of the weeks before)."""
    sunday = monday + timedelta(days=6)
    return data_to if data_to is not None and monday <= data_to < sunday else sunday


def _negatives(db, start: date, end: date) -> dict[str, int]:
    return {r.name: r.negative_mentions for r in trends.topic_ranking(db, FeedbackFilter(date_from=start, date_to=end))}


def _examples(db, topic: str, start: date, end: date) -> tuple[Example, ...]:
    # The week's rows by date first (CROSS JOIN keeps that order): a few thousand, not every mention of the topic.
    # Reviews that complain about this topic alone first: they show the problem most plainly.
    rows = db.execute(
        "SELECT f.id, f.text, f.created_at, f.rating, f.channel FROM feedback f "
        "CROSS JOIN feedback_topics ft ON ft.feedback_id = f.id JOIN topics t ON t.id = ft.topic_id "
        "WHERE f.deleted = 0 AND f.created_at >= ? AND f.created_at < ? AND t.name = ? AND ft.label = 'negative' "
        "AND length(trim(f.text)) > 0 ORDER BY (SELECT count(*) FROM feedback_topics x WHERE x.feedback_id = f.id "
        "AND x.label = 'negative'), coalesce(f.rating, 3), coalesce(f.sentiment, 0.5), "
        "length(f.text) DESC, f.id LIMIT ?",
        [start.isoformat(), (end + timedelta(days=1)).isoformat(), topic, 500]).fetchall()
    out: dict[str, Example] = {}
    for i, t, c, r, ch in rows:   # two different texts, not one review posted twice
        out.setdefault(" ".join(t.split()), Example(int(i), t, c or "", r, ch))
    return tuple(out.values())[:EXAMPLES]


def _live_actions_by_topic(actions) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for a in actions:
        if a.status == "live":
            for t in a.topics:
                out.setdefault(t, []).append((a.id, a.title))
    return out


def rank_fixes(db, start: date, end: date, labelled: int, drivers: Drivers, actions) -> list[Fix]:
    """Every topic complained about this week, by expected gain (largest first)."""
    now = _negatives(db, start, end)
    # The same weekdays of the weeks before: a week the data stops inside is compared fairly.
    weeks = [_negatives(db, start - timedelta(weeks=w), end - timedelta(weeks=w)) for w in range(1, BASELINE_WEEKS + 1)]
    covered = _live_actions_by_topic(actions)
    fixes = []
    for topic, n in now.items():
        if n <= 0:
            continue
        last = weeks[0].get(topic, 0)
        baseline = sum(w.get(topic, 0) for w in weeks) / len(weeks)
        rise = min(5.0, max(0.25, (n + 1) / (baseline + 1)))
        d = drivers.get(topic)
        stars = max(PRIOR_STARS, -d.coefficient) if d is not None else PRIOR_STARS
        share = n / labelled if labelled else 0.0
        cover = tuple(covered.get(topic, ()))
        gain = stars * share * rise * (COVERED_FACTOR if cover else 1.0)
        fixes.append(Fix(topic, n, last, baseline, (n - last) / last if last else None,
                         d.rating_impact if d is not None else 0.0, -d.coefficient if d is not None else None,
                         (d.ci_low, d.ci_high) if d is not None else None, gain, cover, ()))
    fixes.sort(key=lambda f: (-f.expected_gain, -f.negative_mentions, f.topic))
    return fixes


def choose_fixes(ranked: list[Fix], n: int = FIXES) -> list[Fix]:
    """The largest expected gain, then topics whose complaints suddenly rose, then the next largest gains.

    A topic that costs few stars in the long run can still be what broke this week; it is not left out
    because steadier, costlier topics fill the list.
    """
    if not ranked:
        return []
    rest = ranked[1:]
    risers = [f for f in rest if f.rising]
    chosen = [ranked[0]] + risers[: n - 1]
    chosen += [f for f in rest if f not in chosen][: n - len(chosen)]
    return sorted(chosen, key=ranked.index)


def action_items(actions, start: date, end: date, data_to: date | None) -> list[ActionItem]:
    """Actions going live this week or next, and live actions whose after-window is complete."""
    out = []
    horizon = start + timedelta(days=13)
    seen_to = min(end, data_to) if data_to else end
    for a in actions:
        if a.live_date is None or a.status in ("evaluated", "dropped"):
            continue
        if a.status == "live" and a.live_date + timedelta(days=EVALUATION_WINDOW_DAYS - 1) <= seen_to:
            out.append(ActionItem(a.id, a.title, a.status, "ready_to_evaluate", a.live_date, a.topics))
        elif start <= a.live_date <= horizon:
            out.append(ActionItem(a.id, a.title, a.status, "going_live", a.live_date, a.topics))
    return out


def case_counts(db, now: datetime | None = None) -> dict:
    """Open and overdue cases and the response rate, counted as `cases.case_stats` counts them.

    Its own query walks the cases first (CROSS JOIN): on a million reviews and few cases SQLite
    otherwise scans every review.
    """
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    total, opened, overdue, ignored, responded = db.execute(
        "SELECT count(*), total(c.status = 'open'), total(c.status = 'open' AND c.due_at < ?), "
        "total(c.status = 'ignored'), total(c.first_reply_at IS NOT NULL) "
        "FROM cases c CROSS JOIN feedback f ON f.id = c.feedback_id WHERE f.deleted = 0", [stamp]).fetchone()
    base = total - ignored
    return {"open": int(opened), "overdue": int(overdue),
            "response_rate": round(responded / base, 4) if base else None}


def build_brief(db, week: date | None = None, progress: Progress = no_progress) -> Brief:
    """The brief for the ISO week starting on Monday `week` (default: the week of the newest feedback),
    up to its Sunday or to the newest feedback inside it."""
    progress(0, 4, _("Writing the weekly brief"))
    start = week - timedelta(days=week.weekday()) if week else default_week(db)
    reviews_to = trends.data_range(db)[1]
    data_to = last_day(db)
    end = week_end(start, data_to)
    current = trends.totals(db, FeedbackFilter(date_from=start, date_to=end))
    previous = trends.totals(db, FeedbackFilter(date_from=start - timedelta(days=7), date_to=end - timedelta(days=7)))
    goals = tuple(goals_progress(db, end))
    progress(1, 4, _("Writing the weekly brief"))
    drivers = rating_drivers(db, end)
    progress(2, 4, _("Writing the weekly brief"))
    actions = list_actions(db)
    ranked = rank_fixes(db, start, end, current.labelled, drivers, actions)
    fixes = tuple(replace(f, examples=_examples(db, f.topic, start, end)) for f in choose_fixes(ranked))
    progress(3, 4, _("Writing the weekly brief"))
    alerts = tuple(find_spikes(db, as_of=min(end, data_to))) if data_to and data_to >= start else ()
    cases = case_counts(db)
    nps = previous_nps = None
    if has_responses(db):
        nps = nps_for_period(db, start, end)
        previous_nps = nps_for_period(db, start - timedelta(days=7), end - timedelta(days=7))
    progress(4, 4, _("Writing the weekly brief"))
    return Brief(week_name(start), start, end, current, previous, goals, fixes,
                 tuple(action_items(actions, start, end, data_to)), alerts, cases, drivers, data_to,
                 tuple(f for f in ranked if f.covered_by), nps, previous_nps, reviews_to is not None)


__all__ = ["Brief", "Fix", "Example", "ActionItem", "build_brief", "last_day", "rank_fixes", "choose_fixes", "action_items", "parse_week", "week_end",
           "week_name", "default_week"]
