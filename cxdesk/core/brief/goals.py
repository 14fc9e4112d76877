"""The owner's goals (table `goals`) and their progress in plain words, the same on 概览, in the brief and the CLI.

A goal is a metric, a target and a period (a calendar week, or the month so far). Each metric says
whether lower or higher is better and how it is measured; `METRICS` is the one list, and
`register_metric` lets another area (e.g. surveys) add one without touching this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from cxdesk.core import storage
from cxdesk.core.analysis import trends
from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.formatting import NONE
from cxdesk.i18n import N_, _, ngettext

PERIODS = ("week", "month")
Measure = Callable[..., "float | None"]   # (db, date_from, date_to, topic) -> value or None
UNITS = ("share", "stars", "count", "points")


@dataclass(frozen=True)
class Metric:
    name: str
    label: str                  # N_() text; `{topic}` is filled for topic metrics
    better: str                 # "lower" | "higher"
    unit: str                   # "share" (0..1) | "stars" | "count" | "points" (a score −100..100, e.g. NPS)
    measure: Measure
    needs_topic: bool = False
    available: Callable[..., bool] | None = None   # (db) -> whether the data can measure it (None: always)

    def offered(self, db) -> bool:
        """Whether a goal editor offers this metric for `db` (NPS only once there are survey responses)."""
        return self.available is None or bool(self.available(db))

    def title(self, topic: str = "") -> str:
        return _(self.label).format(topic=topic)


def _negative_share(db, start: date, end: date, topic: str = "") -> float | None:
    return trends.totals(db, FeedbackFilter(date_from=start, date_to=end)).negative_share


def _average_rating(db, start: date, end: date, topic: str = "") -> float | None:
    return trends.totals(db, FeedbackFilter(date_from=start, date_to=end)).mean_rating


def _reply_rate(db, start: date, end: date, topic: str = "") -> float | None:
    # As the weekly figures of `cases.case_stats`: cases by the day of their review, answered at all.
    n, answered = db.execute(
        "SELECT count(*), total(c.first_reply_at IS NOT NULL) FROM cases c JOIN feedback f ON f.id = c.feedback_id "
        "WHERE f.deleted = 0 AND coalesce(f.created_at, c.opened_at) >= ? AND coalesce(f.created_at, c.opened_at) < ?",
        [start.isoformat(), (end + timedelta(days=1)).isoformat()]).fetchone()
    return answered / n if n else None


def _topic_complaints(db, start: date, end: date, topic: str = "") -> float | None:
    for rank in trends.topic_ranking(db, FeedbackFilter(date_from=start, date_to=end)):
        if rank.name == topic:
            return float(rank.negative_mentions)
    return 0.0


METRICS: dict[str, Metric] = {}


def register_metric(metric: Metric) -> None:
    METRICS[metric.name] = metric


for _m in (Metric("negative_share", N_("Negative-review rate"), "lower", "share", _negative_share),
           Metric("average_rating", N_("Average rating"), "higher", "stars", _average_rating),
           Metric("reply_rate", N_("Reply rate"), "higher", "share", _reply_rate),
           Metric("topic_complaints", N_("Complaints about “{topic}”"), "lower", "count", _topic_complaints, True)):
    register_metric(_m)


@dataclass(frozen=True)
class Goal:
    id: int
    metric: str
    topic: str
    target: float
    period: str

    def to_dict(self) -> dict:
        return {"id": self.id, "metric": self.metric, "topic": self.topic or None, "target": self.target,
                "period": self.period}


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    title: str                  # 差评率 / “上菜速度”差评数
    start: date
    end: date
    value: float | None
    previous: float | None
    met: bool | None            # None when there is no value yet
    text: str                   # 差评率 目标 < 8%，本周 9.6%，比上周好 1.2 个百分点
    topic_deleted: bool = False # the goal's topic no longer exists: nothing is measured, never "on target"

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def to_dict(self) -> dict:
        r = (lambda x: None if x is None else round(x, 4))
        return {**self.goal.to_dict(), "title": self.title, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "value": r(self.value), "previous": r(self.previous), "change": r(self.change), "met": self.met,
                "text": self.text, "topic_deleted": self.topic_deleted}


# ---------------------------------------------------------------------------------------------
# Storing goals


def parse_target(metric: str, text) -> float:
    """The target as stored. A rate is always typed in percent points, with or without the sign: "8%" and "8"
    are 8%, "0.5" is 0.5% (stored as the share 0.08, 0.005); stars 1..5; a whole count; NPS −100..100."""
    m = _metric(metric)
    raw = str(text).strip().rstrip("%％").strip().replace("−", "-")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidValueError(_("“{value}” is not a number.").format(value=text))
    if m.unit == "share":
        if not 0 <= value <= 100:
            raise InvalidValueError(_("A rate goal must be between 0% and 100%, not {value}.").format(value=text))
        value /= 100
    elif m.unit == "stars" and not 1 <= value <= 5:
        raise InvalidValueError(_("A rating goal must be between 1 and 5 stars, not {value}.").format(value=text))
    elif m.unit == "count" and (value < 0 or value != int(value)):
        raise InvalidValueError(_("A complaint goal must be a whole number of 0 or more, not {value}.").format(value=text))
    elif m.unit == "points" and not -100 <= value <= 100:
        raise InvalidValueError(_("An NPS goal must be between −100 and 100, not {value}.").format(value=text))
    return value


def _metric(name: str) -> Metric:
    if name not in METRICS:
        raise InvalidValueError(_("Unknown goal “{value}”: use one of {names}.").format(
            value=name, names=", ".join(METRICS)))
    return METRICS[name]


def add_goal(db, metric: str, target, *, topic: str = "", period: str = "week") -> int:
    """Store a goal and return its id; the target may be typed text (see `parse_target`)."""
    m = _metric(metric)
    if period not in PERIODS:
        raise InvalidValueError(_("A goal's period is week or month, not “{value}”.").format(value=period))
    topic = (topic or "").strip()
    if m.needs_topic:
        if not topic:
            raise InvalidValueError(_("Name the topic of this goal."))
        if db.execute("SELECT 1 FROM topics WHERE name = ?", [topic]).fetchone() is None:
            raise InvalidValueError(_("There is no topic “{topic}”.").format(topic=topic))
    else:
        topic = ""
    value = parse_target(metric, target)
    with db.atomic():
        if db.execute("SELECT 1 FROM goals WHERE metric = ? AND topic = ? AND period = ? AND abs(target - ?) < 1e-9",
                      [metric, topic, period, value]).fetchone() is not None:
            raise InvalidValueError(_("This goal is already set: {goal}.").format(
                goal=_("{metric} target {op} {target}").format(metric=m.title(topic), op=_op(m),
                                                              target=format_value(m, value))))
        cur = db.execute("INSERT INTO goals(metric, topic, target, period, created_at) VALUES (?, ?, ?, ?, ?)",
                         [metric, topic, value, period, storage.now_text()])
    return int(cur.lastrowid)


def reattach_goals(db) -> int:
    """Goals about a topic renamed or merged before goals followed such edits (migration 102): the old name
    is kept as a word of the topic it went into, so a goal whose topic is gone follows the one topic that
    lists its name. A name listed by no topic, or by several, is left as it is (shown as deleted)."""
    words = "topics t, json_each(CASE WHEN json_valid(t.synonyms) THEN t.synonyms ELSE '[]' END) j"
    rows = db.execute(
        f"SELECT g.id, (SELECT min(t.name) FROM {words} WHERE j.value = g.topic), "
        f"(SELECT count(DISTINCT t.id) FROM {words} WHERE j.value = g.topic) FROM goals g "
        "WHERE g.topic != '' AND NOT EXISTS (SELECT 1 FROM topics t WHERE t.name = g.topic)").fetchall()
    moved = [(name, gid) for gid, name, n in rows if n == 1]
    for name, gid in moved:
        db.execute("UPDATE goals SET topic = ? WHERE id = ?", [name, gid])
    return len(moved)


def list_goals(db) -> list[Goal]:
    return [Goal(int(i), m, t, float(v), p) for i, m, t, v, p in
            db.execute("SELECT id, metric, topic, target, period FROM goals ORDER BY id")]


def remove_goal(db, goal_id: int) -> None:
    with db.atomic():
        if db.execute("DELETE FROM goals WHERE id = ?", [int(goal_id)]).rowcount == 0:
            raise NotFoundError(_("There is no goal number {id}.").format(id=goal_id))


# ---------------------------------------------------------------------------------------------
# Progress


def period_bounds(period: str, as_of: date) -> tuple[date, date, date, date]:
    """(start, end, previous start, previous end): the calendar week of `as_of` up to `as_of` and the same
    days of the week before, or the month up to `as_of` and the same days of the month before."""
    if period == "week":
        start = as_of - timedelta(days=as_of.weekday())
        return start, as_of, start - timedelta(days=7), as_of - timedelta(days=7)
    start = as_of.replace(day=1)
    prev_start = (start - timedelta(days=1)).replace(day=1)
    prev_end = min(prev_start + timedelta(days=as_of.day - 1), start - timedelta(days=1))
    return start, as_of, prev_start, prev_end


def format_value(metric: Metric, value: float | None) -> str:
    if value is None:
        return NONE
    if metric.unit == "share":
        return f"{value * 100:.1f}%".replace(".0%", "%")
    if metric.unit == "stars":
        return f"{value:.2f}"
    if metric.unit == "points":
        return points_text(value)
    return f"{value:.0f}"


def points_text(value: float) -> str:
    """An NPS as people write it: 32, 32.5, −12 (one decimal at most, a true minus sign)."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text.replace("-", "−")


def _amount(metric: Metric, delta: float) -> str:
    if metric.unit == "share":
        return _("{n} percentage points").format(n=f"{delta * 100:.1f}")
    if metric.unit == "stars":
        return _("{n} stars").format(n=f"{delta:.2f}")
    if metric.unit == "points":
        return _("{n} NPS points").format(n=points_text(delta))
    n = int(round(delta))
    return ngettext("{n} complaint", "{n} complaints", n).format(n=n)


_COMPARE = {  # (period, partial) -> (same, better, worse)
    ("week", False): (N_("same as last week"), N_("{amount} better than last week"), N_("{amount} worse than last week")),
    ("week", True): (N_("same as the same days last week"), N_("{amount} better than the same days last week"),
                     N_("{amount} worse than the same days last week")),
    ("month", False): (N_("same as last month"), N_("{amount} better than last month"),
                       N_("{amount} worse than last month")),
    ("month", True): (N_("same as the same days last month"), N_("{amount} better than the same days last month"),
                      N_("{amount} worse than the same days last month")),
}


def is_partial(period: str, as_of: date) -> bool:
    """The period stops before its last day (Sunday, or the month's last day): compared with the same days."""
    if period == "week":
        return as_of.weekday() != 6
    return (as_of + timedelta(days=1)).month == as_of.month


def _op(metric: Metric) -> str:
    if metric.unit == "count":
        return "≤"
    return "<" if metric.better == "lower" else "≥"


def progress_text(metric: Metric, title: str, target: float, period: str, value: float | None,
                  previous: float | None, *, partial: bool = False) -> str:
    """差评率 目标 < 8%，本周 9.6%，比上周好 1.2 个百分点 (比上周同期 when the week is not over)."""
    head = _("{metric} target {op} {target}").format(metric=title, op=_op(metric), target=format_value(metric, target))
    now = (_("this week {value}") if period == "week" else _("this month so far {value}")).format(
        value=format_value(metric, value))
    if value is None:
        return _("{head}, {now}").format(head=head, now=_("no figures yet this week") if period == "week"
                                         else _("no figures yet this month"))
    if previous is None:
        return _("{head}, {now}").format(head=head, now=now)
    delta = value - previous
    better = -delta if metric.better == "lower" else delta
    same, up, down = _COMPARE[("week" if period == "week" else "month", partial)]
    if abs(delta) < {"share": 0.0005, "points": 0.05}.get(metric.unit, 0.005):
        cmp = _(same)
    else:
        cmp = _(up if better > 0 else down).format(amount=_amount(metric, abs(delta)))
    return _("{head}, {now}, {change}").format(head=head, now=now, change=cmp)


def goal_progress(db, goal: Goal, as_of: date) -> GoalProgress:
    metric = METRICS.get(goal.metric)
    if metric is None:  # a metric of a newer version of the app: shown, not measured
        return GoalProgress(goal, goal.metric, as_of, as_of, None, None, None, goal.metric)
    start, end, p_start, p_end = period_bounds(goal.period, as_of)
    title = metric.title(goal.topic)
    if metric.needs_topic and db.execute("SELECT 1 FROM topics WHERE name = ?", [goal.topic]).fetchone() is None:
        # Renames and merges carry goals along (topics.py); a deleted topic's goal is kept and said so.
        return GoalProgress(goal, title, start, end, None, None, None,
                            _("{metric}: the topic has been deleted").format(metric=title), topic_deleted=True)
    value = metric.measure(db, start, end, goal.topic)
    previous = metric.measure(db, p_start, p_end, goal.topic)
    met = None
    if value is not None:
        met = value < goal.target if metric.better == "lower" and metric.unit != "count" else (
            value <= goal.target if metric.better == "lower" else value >= goal.target)
    return GoalProgress(goal, title, start, end, value, previous, met,
                        progress_text(metric, title, goal.target, goal.period, value, previous,
                                      partial=is_partial(goal.period, as_of)))


def goals_progress(db, as_of: date) -> list[GoalProgress]:
    return [goal_progress(db, g, as_of) for g in list_goals(db)]


__all__ = ["reattach_goals", "Metric", "METRICS", "UNITS", "register_metric", "points_text", "Goal", "GoalProgress", "add_goal", "list_goals", "remove_goal",
           "goal_progress", "goals_progress", "is_partial", "parse_target", "period_bounds", "progress_text", "format_value",
           "PERIODS"]

# The survey area adds the NPS goal through `register_metric`. Imported last (it imports this module), so
# `METRICS` holds it wherever goals are used: the CLI's choices, the goal editor, the brief.
from cxdesk.core.surveys import goal as _survey_goal  # noqa: E402,F401
