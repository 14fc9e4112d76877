"""The values an evaluation hands out: window counts, the difference-in-differences, the settle
estimate, the evaluation itself, its chart series, saved snapshots and board badges."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from cxdesk.core.evaluation_text import (
    detail_lines, metric_name, next_step, plain_verdict, topic_metric_name, verdict_name,
)



@dataclass(frozen=True)
class WindowStats:
    start: date                      # first day, inclusive
    end: date                        # last day, inclusive
    total: int                       # all feedback rows in the window (deleted=0)
    topic_mentions: int              # rows mentioning a linked topic (or keyword)
    topic_negative: int              # rows mentioning one negatively: the events
    negative_rate: float             # topic_negative / total: the primary metric
    topic_negative_share: float | None   # topic_negative / topic_mentions
    mean_sentiment: float | None     # mean sentiment (0..1) of the mentions
    mean_rating: float | None        # mean rating (1..5) of rows with a mention
    control_total: int               # rows without a mention
    control_negative: int            # of those, rows labelled negative
    control_rate: float

    def to_json(self) -> dict:
        out = asdict(self)
        out["start"] = self.start.isoformat()
        out["end"] = self.end.isoformat()
        for key in ("negative_rate", "topic_negative_share", "mean_sentiment", "mean_rating", "control_rate"):
            if out[key] is not None:
                out[key] = round(out[key], 6)
        return out


@dataclass(frozen=True)
class DiD:
    """The topic's change beyond the change in all other feedback, on the ratio scale.

    `relative` is read as a percentage: −0.4 = the topic's rate fell 40% more than other feedback moved.
    It can never go below −100%, and its interval is the ratio's interval, so it never reads as
    hundreds of “points”.
    """
    ratio: float                     # ratio of ratios; 1 = same change as everything else
    ratio_ci95: tuple[float, float]

    @property
    def relative(self) -> float:
        return self.ratio - 1.0

    @property
    def relative_ci95(self) -> tuple[float, float]:
        return self.ratio_ci95[0] - 1.0, self.ratio_ci95[1] - 1.0

    def to_json(self) -> dict:
        return {"ratio": round(self.ratio, 6), "ratio_ci95": [round(v, 6) for v in self.ratio_ci95],
                "relative": round(self.relative, 6), "relative_ci95": [round(v, 6) for v in self.relative_ci95]}


@dataclass(frozen=True)
class Settle:
    """What would settle an open question: rows per period for 80% power to tell `effect` apart."""
    effect: float                    # the relative drop to tell apart, e.g. 0.3 = a 30% drop
    rows_needed: int                 # feedback rows per period (before and after alike)
    rows_per_day: float              # the shop's usual volume, from the before-period
    more_rows: int                   # rows the after-period still lacks
    more_days: int                   # days of feedback still to collect from today
    window_days: int                 # the period length that holds `rows_needed` rows

    def to_json(self) -> dict:
        return {"effect": round(self.effect, 3), "rows_needed": self.rows_needed,
                "rows_per_day": round(self.rows_per_day, 2), "more_rows": self.more_rows,
                "more_days": self.more_days, "window_days": self.window_days}


@dataclass(frozen=True)
class Example:
    id: int
    created_at: str
    text: str
    label: str | None                # the row's overall label
    rating: float | None
    negative: bool = False           # the row mentions the topic negatively


@dataclass(frozen=True)
class Evaluation:
    action_id: int
    title: str
    topics: tuple[str, ...]
    live_date: date
    window_days: int
    lag_days: int
    today: date
    verdict: str
    reason: str                      # why: significant|not_significant|control_moved|after_window_incomplete|...
    complete_on: date | None         # with insufficient_data: first day the evaluation can be complete
    last_data: date | None           # newest feedback in the database
    before: WindowStats
    after: WindowStats
    difference: float                # after − before of negative_rate (0 while a window is empty)
    ci95: tuple[float, float]
    p_value: float
    test: str                        # z|fisher|none
    control_difference: float
    control_ci95: tuple[float, float]
    did: DiD | None
    examples_before: tuple[Example, ...] = field(default=())
    examples_after: tuple[Example, ...] = field(default=())
    keywords: tuple[str, ...] = field(default=())
    settle: Settle | None = None     # with no clear change / not enough data: what would settle it

    @property
    def comparable(self) -> bool:
        """Both windows hold feedback, so a change can be stated at all."""
        return self.before.total > 0 and self.after.total > 0

    @property
    def relative_change(self) -> float | None:
        """after/before − 1 of the metric (−0.47 = 47% fewer), None when it cannot be said."""
        if not self.comparable or self.before.negative_rate <= 0:
            return None
        return self.after.negative_rate / self.before.negative_rate - 1.0

    @property
    def metric(self) -> str:
        return metric_name(self.topics, self.keywords)

    def to_json(self) -> dict:
        ok = self.comparable
        rel = self.relative_change
        return {
            "action_id": self.action_id,
            "title": self.title,
            "topics": list(self.topics),
            "keywords": list(self.keywords),
            "metric": self.metric,
            "topic_metric": topic_metric_name(self.topics, self.keywords),
            "live_date": self.live_date.isoformat(),
            "window_days": self.window_days,
            "lag_days": self.lag_days,
            "evaluated_on": self.today.isoformat(),
            "verdict": self.verdict,
            "verdict_name": verdict_name(self.verdict),
            "reason": self.reason,
            "complete_on": self.complete_on.isoformat() if self.complete_on else None,
            "last_data": self.last_data.isoformat() if self.last_data else None,
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "difference": round(self.difference, 6) if ok else None,
            "relative_change": round(rel, 6) if rel is not None else None,
            "ci95": [round(v, 6) for v in self.ci95] if ok else None,
            "p_value": float(f"{self.p_value:.6g}") if ok else None,
            "test": self.test,
            "control": {"difference": round(self.control_difference, 6) if ok else None,
                        "ci95": [round(v, 6) for v in self.control_ci95] if ok else None,
                        "before_rate": round(self.before.control_rate, 6),
                        "after_rate": round(self.after.control_rate, 6) if ok else None},
            "did": self.did.to_json() if self.did else None,
            "settle": self.settle.to_json() if self.settle else None,
            "examples": {"before": [asdict(e) for e in self.examples_before],
                         "after": [asdict(e) for e in self.examples_after]},
            "sentence": plain_verdict(self),
            "next_step": next_step(self),
            "details": detail_lines(self),
        }


@dataclass(frozen=True)
class Series:
    """Per-day counts and 7-day rolling rates for the evaluation chart."""
    days: tuple[date, ...]
    total: tuple[int, ...]
    topic_negative: tuple[int, ...]
    control_total: tuple[int, ...]
    control_negative: tuple[int, ...]
    topic_rate: tuple[float | None, ...]      # rolling topic_negative / total
    control_rate: tuple[float | None, ...]    # rolling control_negative / control_total
    smooth_days: int
    last_day: date | None = None              # newest day with data shown (the after-period may run on)


@dataclass(frozen=True)
class Snapshot:
    id: int
    action_id: int
    created_at: str
    window_days: int
    lag_days: int
    verdict: str
    result: dict


@dataclass(frozen=True)
class Badge:
    """The verdict chip and the change in the named metric on a board card."""
    verdict: str
    before_rate: float | None
    after_rate: float | None
    complete_on: date | None
    text: str                        # the change, e.g. “4.9% → 2.6%（−47%）” or “06-29 起可评估”
    chip: str = ""                   # 有改善 / 变差 / 没有明显变化 / 数据不足
    metric: str = ""                 # the metric's name, for the card's tooltip
