"""Did an action work? Compare the weeks before its go-live with the weeks after, honestly.

The primary metric is the share of all feedback in a window that mentions the action's topics
negatively (a busy week does not fake a change). The difference after − before gets a Newcombe
(hybrid Wilson score) 95% interval and a two-sided p-value (pooled z-test, Fisher's exact test when an
expected count is below 5). All other feedback is the control: the difference-in-differences is taken on
the ratio scale (topic's after/before ratio divided by the control's), because a season or a promotion
moves rates proportionally, and a 3-point rise means little for a 5% topic but much for a 40% one.
The verdict needs the plain difference to be significant and the difference-in-differences to agree,
unless the control is too small to tell (fewer negative rows than the topic) and did not clearly move
the same way (p ≥ 0.05).

The metric has one name everywhere (`metric_name`: “关于上菜速度的差评 占全部反馈”). When the verdict is
“no clear change” or “not enough data”, `settle_estimate` works out from the power of the test how much
more feedback would tell a given drop apart, so the owner knows what to wait for.

One SQL pass grouped by day feeds both the windows and the daily chart, so a million-row database is
evaluated in well under a second.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from cxdesk.core import storage
from cxdesk.core.actions import EVALUATION_WINDOW_DAYS, get_action, list_actions, list_owners, list_topic_names
from cxdesk.core.bounds import latest
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.filters import day_start
from cxdesk.i18n import _, ngettext

Z95 = 1.959963984540054
Z80 = 0.8416212335729143    # one-sided z for 80% power
POWER = 0.8
ALPHA = 0.05
CONTROL_ALPHA = 0.05    # other feedback counts as having moved below this p-value
MIN_ROWS = 30           # feedback rows needed in each window
MIN_EVENTS = 10         # negative topic mentions needed in both windows together
DATA_GAP_DAYS = 3       # the newest feedback may be this much older than the after-window's end
EXAMPLES_PER_SIDE = 3
VERDICTS = ("improved", "worsened", "no_significant_change", "insufficient_data")


# ---------------------------------------------------------------------------------------------
# Statistics (pure functions, no database)


def wilson_interval(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion x/n."""
    if n <= 0:
        return 0.0, 1.0
    p = x / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for p2 − p1."""
    p1 = x1 / n1 if n1 else 0.0
    p2 = x2 / n2 if n2 else 0.0
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p2 - p1
    return d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test for x1/n1 vs x2/n2 (sum of tables as likely or less)."""
    k = x1 + x2
    n = n1 + n2
    lo, hi = max(0, k - n2), min(k, n1)
    if hi <= lo:
        return 1.0
    log_total = _log_comb(n, k)
    logs = [_log_comb(n1, i) + _log_comb(n2, k - i) - log_total for i in range(lo, hi + 1)]
    observed = logs[x1 - lo]
    p = sum(math.exp(v) for v in logs if v <= observed + 1e-7)
    return min(1.0, p)


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    zval = abs(x2 / n2 - x1 / n1) / se
    return math.erfc(zval / math.sqrt(2))


def compare_proportions(x1: int, n1: int, x2: int, n2: int) -> tuple[float, str]:
    """(two-sided p-value, test name): Fisher's exact test when any expected count is below 5, else z."""
    k = x1 + x2
    n = n1 + n2
    if n == 0:
        return 1.0, "none"
    expected = [n1 * k / n, n1 * (n - k) / n, n2 * k / n, n2 * (n - k) / n]
    if min(expected) < 5:
        return fisher_exact(x1, n1, x2, n2), "fisher"
    return two_proportion_z(x1, n1, x2, n2), "z"


def ratio_did(x1: int, n1: int, x2: int, n2: int, c1: int, m1: int, c2: int, m2: int,
              z: float = Z95) -> tuple[float, float, float]:
    """Ratio of ratios (x2/n2 ÷ x1/n1) ÷ (c2/m2 ÷ c1/m1) with a 95% interval on the log scale.

    Zero counts get the usual 0.5 correction so the interval stays finite.
    """
    cells = [x1, x2, c1, c2]
    adj = 0.5 if min(cells) == 0 else 0.0
    x1a, x2a, c1a, c2a = (v + adj for v in cells)
    n1a, n2a, m1a, m2a = (v + 2 * adj for v in (n1, n2, m1, m2))
    log_ratio = math.log(x2a / n2a) - math.log(x1a / n1a) - (math.log(c2a / m2a) - math.log(c1a / m1a))
    var = sum(max(0.0, 1 / a - 1 / b) for a, b in ((x1a, n1a), (x2a, n2a), (c1a, m1a), (c2a, m2a)))
    se = math.sqrt(var)
    return math.exp(log_ratio), math.exp(log_ratio - z * se), math.exp(log_ratio + z * se)


# ---------------------------------------------------------------------------------------------
# Values


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


# ---------------------------------------------------------------------------------------------
# Reading the database


@dataclass(frozen=True)
class _Day:
    total: int
    mentions: int
    negative: int
    all_negative: int
    mention_negative_label: int
    rating_sum: float
    rating_n: int
    sent_sum: float
    sent_n: int


def _target(db, action_id: int):
    action = get_action(db, action_id)
    if action.live_date is None:
        raise InvalidValueError(
            _("Action {id} has no go-live date yet, so there is nothing to compare. Move it to “{live}” or set the date.").format(
                id=action.id, live=_("Live")))
    topic_ids = [r[0] for r in db.execute(
        "SELECT topic_id FROM action_topics WHERE action_id = ?", [action.id])]
    if not topic_ids and not action.keywords:
        raise InvalidValueError(
            _("Action {id} is not linked to any topic or keyword, so there is nothing to measure.").format(id=action.id))
    return action, topic_ids


@dataclass(frozen=True)
class _Mention:
    id: int
    created_at: str
    negative: bool
    label: str | None
    rating: float | None
    sentiment: float | None


def _collect(db, action, topic_ids: list[int], first: date, last: date) -> tuple[dict[date, _Day], list[_Mention]]:
    """Per-day counts and the mention rows from `first` to `last` (inclusive).

    Small queries rather than one with correlated subqueries: day totals from the date index, topic
    mentions by primary-key lookups from the window's rows, keyword rows only when asked for.
    """
    where = "f.deleted = 0 AND f.created_at >= ? AND f.created_at < ?"
    params: list = [day_start(first), day_start(last + timedelta(days=1))]
    if action.channels:
        where += f" AND f.channel IN ({', '.join('?' * len(action.channels))})"
        params.extend(action.channels)
    totals = db.execute(
        f"SELECT substr(f.created_at, 1, 10), count(*), sum(f.label = 'negative') FROM feedback f WHERE {where} "
        "GROUP BY 1", params).fetchall()
    mentions: dict[int, _Mention] = {}
    if topic_ids:
        # Only columns of the date index are read from feedback, so the scan never touches the table rows.
        inlist = ", ".join(str(int(t)) for t in topic_ids)
        found: dict[int, list] = {}
        for fid, created, label, rating, tlabel, ts in db.execute(
                "SELECT f.id, f.created_at, f.label, f.rating, ft.label, ft.sentiment FROM feedback f "
                f"JOIN feedback_topics ft ON ft.feedback_id = f.id AND ft.topic_id IN ({inlist}) WHERE {where}",
                params):
            row = found.get(fid)
            if row is None:
                found[fid] = [created, tlabel == "negative", label, rating, [ts] if ts is not None else []]
            else:
                row[1] = row[1] or tlabel == "negative"
                if ts is not None:
                    row[4].append(ts)
        missing = [fid for fid, row in found.items() if not row[4]]
        row_sentiment: dict[int, float] = {}
        for i in range(0, len(missing), 500):
            chunk = missing[i:i + 500]
            row_sentiment.update(db.execute(
                f"SELECT id, sentiment FROM feedback WHERE id IN ({', '.join('?' * len(chunk))}) "
                "AND sentiment IS NOT NULL", chunk).fetchall())
        for fid, (created, neg, label, rating, sents) in found.items():
            sentiment = sum(sents) / len(sents) if sents else row_sentiment.get(fid)
            mentions[fid] = _Mention(fid, created, neg, label, rating, sentiment)
    if action.keywords:
        kw = " OR ".join("instr(f.text, ?) > 0" for _k in action.keywords)
        for fid, created, label, rating, fs in db.execute(
                f"SELECT f.id, f.created_at, f.label, f.rating, f.sentiment FROM feedback f WHERE {where} AND ({kw})",
                [*params, *action.keywords]):
            old = mentions.get(fid)
            if old is None:
                mentions[fid] = _Mention(fid, created, label == "negative", label, rating, fs)
            elif not old.negative and label == "negative":
                mentions[fid] = _Mention(fid, created, True, label, rating, old.sentiment)
    acc: dict[str, list] = {}
    for m in mentions.values():
        a = acc.setdefault(m.created_at[:10], [0, 0, 0, 0.0, 0, 0.0, 0])
        a[0] += 1
        a[1] += m.negative
        a[2] += m.label == "negative"
        if m.rating is not None:
            a[3] += m.rating
            a[4] += 1
        if m.sentiment is not None:
            a[5] += m.sentiment
            a[6] += 1
    days: dict[date, _Day] = {}
    for d, total, all_neg in totals:
        try:
            day = date.fromisoformat(d)
        except (TypeError, ValueError):
            continue
        mc, neg, mneg, rsum, rn, ssum, sn = acc.get(d, (0, 0, 0, 0.0, 0, 0.0, 0))
        days[day] = _Day(total, mc, neg, all_neg or 0, mneg, rsum, rn, ssum, sn)
    return days, list(mentions.values())


def _window(days: dict[date, _Day], start: date, end: date) -> WindowStats:
    acc = [0, 0, 0, 0, 0, 0.0, 0, 0.0, 0]
    d = start
    while d <= end:
        row = days.get(d)
        if row is not None:
            for i, v in enumerate((row.total, row.mentions, row.negative, row.all_negative,
                                   row.mention_negative_label, row.rating_sum, row.rating_n, row.sent_sum,
                                   row.sent_n)):
                acc[i] += v
        d += timedelta(days=1)
    total, mentions, negative, all_neg, mention_neg_label, rsum, rn, ssum, sn = acc
    control_total = total - mentions
    control_negative = all_neg - mention_neg_label
    return WindowStats(
        start=start, end=end, total=total, topic_mentions=mentions, topic_negative=negative,
        negative_rate=negative / total if total else 0.0,
        topic_negative_share=negative / mentions if mentions else None,
        mean_sentiment=ssum / sn if sn else None,
        mean_rating=rsum / rn if rn else None,
        control_total=control_total, control_negative=control_negative,
        control_rate=control_negative / control_total if control_total else 0.0,
    )


def window_stats(start: date, end: date, *, total: int, topic_negative: int, control_total: int,
                 control_negative: int, topic_mentions: int | None = None) -> WindowStats:
    """WindowStats from plain counts (simulations and tests); means are left empty."""
    mentions = topic_negative + (total - control_total - topic_negative) if topic_mentions is None else topic_mentions
    return WindowStats(start, end, total, mentions, topic_negative, topic_negative / total if total else 0.0,
                       topic_negative / mentions if mentions else None, None, None, control_total,
                       control_negative, control_negative / control_total if control_total else 0.0)


def _examples(db, mentions: list[_Mention], start: date, end: date) -> tuple[Example, ...]:
    """Negative mentions first, most negative first, then other mentions; distinct non-empty texts."""
    lo, hi = day_start(start), day_start(end + timedelta(days=1))
    inside = [m for m in mentions if lo <= m.created_at < hi]
    inside.sort(key=lambda m: (not m.negative, m.sentiment if m.sentiment is not None else 0.5, -m.id))
    out: list[Example] = []
    seen: set[str] = set()
    for i in range(0, len(inside), 50):
        chunk = inside[i:i + 50]
        texts = dict(db.execute(f"SELECT id, text FROM feedback WHERE id IN ({', '.join('?' * len(chunk))})",
                                [m.id for m in chunk]).fetchall())
        for m in chunk:
            text = (texts.get(m.id) or "").strip()
            if not text or text in seen:
                continue
            seen.add(text)
            out.append(Example(m.id, m.created_at, text[:300], m.label, m.rating, m.negative))
            if len(out) >= EXAMPLES_PER_SIDE:
                return tuple(out)
    return tuple(out)


def _last_data(db) -> date | None:
    row = db.execute("SELECT max(created_at) FROM feedback WHERE deleted = 0 AND created_at <= ?",
                     [latest().isoformat() + "~"]).fetchone()
    try:
        return date.fromisoformat(row[0][:10]) if row and row[0] else None
    except ValueError:
        return None


def _first_data(db) -> date | None:
    row = db.execute("SELECT min(created_at) FROM feedback WHERE deleted = 0").fetchone()
    try:
        return date.fromisoformat(row[0][:10]) if row and row[0] else None
    except ValueError:
        return None


def windows(live_date: date, window_days: int, lag_days: int) -> tuple[tuple[date, date], tuple[date, date]]:
    """(before_start, before_end), (after_start, after_end); days inclusive."""
    before = (live_date - timedelta(days=window_days), live_date - timedelta(days=1))
    after_start = live_date + timedelta(days=lag_days)
    return before, (after_start, after_start + timedelta(days=window_days - 1))


def _check_args(window_days: int, lag_days: int) -> tuple[int, int]:
    try:
        window_days, lag_days = int(window_days), int(lag_days)
    except (TypeError, ValueError):
        raise InvalidValueError(_("The window and the lag must be whole numbers of days.")) from None
    if not 1 <= window_days <= 366:
        raise InvalidValueError(_("The window must be between 1 and 366 days, not {n}.").format(n=window_days))
    if not 0 <= lag_days <= 366:
        raise InvalidValueError(_("The lag must be between 0 and 366 days, not {n}.").format(n=lag_days))
    return window_days, lag_days


def evaluate_action(db, action_id: int, window_days: int = EVALUATION_WINDOW_DAYS, lag_days: int = 0,
                    today: date | None = None) -> Evaluation:
    """Compare the `window_days` before go-live with the `window_days` after it (after `lag_days`)."""
    window_days, lag_days = _check_args(window_days, lag_days)
    today = today or date.today()
    action, topic_ids = _target(db, action_id)
    (b0, b1), (a0, a1) = windows(action.live_date, window_days, lag_days)
    days, mentions = _collect(db, action, topic_ids, b0, a1)
    before, after = _window(days, b0, b1), _window(days, a0, a1)
    return _judge(db, action, mentions, before, after, window_days, lag_days, today)


@dataclass(frozen=True)
class Comparison:
    """The statistics and the verdict for two windows; `compare_windows` makes it without a database."""
    verdict: str
    reason: str
    complete_on: date | None
    difference: float
    ci95: tuple[float, float]
    p_value: float
    test: str
    control_difference: float
    control_ci95: tuple[float, float]
    did: DiD | None


def compare_windows(before: WindowStats, after: WindowStats, *, today: date,
                    last_data: date | None) -> Comparison:
    """Difference with its interval and p-value, the control, the difference-in-differences, the verdict."""
    x1, n1, x2, n2 = before.topic_negative, before.total, after.topic_negative, after.total
    difference = after.negative_rate - before.negative_rate
    ci = newcombe_interval(x1, n1, x2, n2) if n1 and n2 else (-1.0, 1.0)
    p_value, test = compare_proportions(x1, n1, x2, n2)
    c1, m1, c2, m2 = before.control_negative, before.control_total, after.control_negative, after.control_total
    control_diff = after.control_rate - before.control_rate
    control_ci = newcombe_interval(c1, m1, c2, m2) if m1 and m2 else (-1.0, 1.0)
    did = None
    if n1 and n2 and m1 and m2 and (c1 + c2) > 0 and (x1 + x2) > 0:
        ratio, rlo, rhi = ratio_did(x1, n1, x2, n2, c1, m1, c2, m2)
        did = DiD(ratio=ratio, ratio_ci95=(rlo, rhi))

    complete_on = None
    if after.end >= today:
        verdict, reason, complete_on = "insufficient_data", "after_window_incomplete", after.end + timedelta(days=1)
    elif last_data is None or last_data < after.end - timedelta(days=DATA_GAP_DAYS):
        verdict, reason = "insufficient_data", "no_recent_data"
    elif n1 < MIN_ROWS or n2 < MIN_ROWS:
        verdict, reason = "insufficient_data", "too_few_rows"
    elif x1 + x2 < MIN_EVENTS:
        verdict, reason = "insufficient_data", "too_few_events"
    else:
        down = p_value < ALPHA and ci[1] < 0
        up = p_value < ALPHA and ci[0] > 0
        if did is not None:
            did_down, did_up = did.ratio_ci95[1] < 1, did.ratio_ci95[0] > 1
        else:
            did_down, did_up = down, up
        # The difference-in-differences guards against a season or a promotion that moved everything.
        # It is asked for when the control can tell (it holds at least as many negative rows as the
        # topic) or when other feedback did move the same way significantly. A control of a handful of
        # rows that did not clearly move cannot tell anything: its wide interval would only hide a real
        # change (a broad topic leaves few rows outside it).
        control_p, _test = compare_proportions(c1, m1, c2, m2) if m1 and m2 else (1.0, "none")
        informative = (c1 + c2) >= (x1 + x2)
        if not (informative or (control_p < CONTROL_ALPHA and control_diff < 0)):
            did_down = True
        if not (informative or (control_p < CONTROL_ALPHA and control_diff > 0)):
            did_up = True
        if down and did_down:
            verdict, reason = "improved", "significant"
        elif up and did_up:
            verdict, reason = "worsened", "significant"
        elif down or up:
            verdict, reason = "no_significant_change", "control_moved"
        else:
            verdict, reason = "no_significant_change", "not_significant"
    return Comparison(verdict, reason, complete_on, difference, ci, p_value, test, control_diff, control_ci, did)


def _judge(db, action, mentions: list[_Mention], before: WindowStats, after: WindowStats, window_days: int, lag_days: int,
           today: date) -> Evaluation:
    last = _last_data(db)
    c = compare_windows(before, after, today=today, last_data=last)
    settle = None
    if c.verdict in ("no_significant_change", "insufficient_data") and c.reason != "no_recent_data":
        settle = settle_estimate(before, after, window_days=window_days, today=min(today, last or today))
    return Evaluation(
        action_id=action.id, title=action.title, topics=tuple(action.topics),
        live_date=action.live_date, window_days=window_days, lag_days=lag_days, today=today,
        verdict=c.verdict, reason=c.reason, complete_on=c.complete_on, last_data=last,
        before=before, after=after, difference=c.difference, ci95=c.ci95, p_value=c.p_value, test=c.test,
        control_difference=c.control_difference, control_ci95=c.control_ci95, did=c.did,
        examples_before=_examples(db, mentions, before.start, before.end),
        examples_after=_examples(db, mentions, after.start, min(after.end, today)),
        keywords=tuple(action.keywords), settle=settle,
    )


def rows_for_power(p_before: float, effect: float, *, z_alpha: float = Z95, z_power: float = Z80) -> int | None:
    """Rows per period for the two-sided 5% test to find a drop of `effect` (relative) with 80% power.

    The usual sample size of two proportions (Fleiss): n = (zα·√(2p̄q̄) + zβ·√(p1q1 + p2q2))² / (p1 − p2)².
    None when there is nothing to drop from (no negative feedback before) or no drop asked for.
    """
    if not 0 < p_before < 1 or not 0 < effect < 1:
        return None
    p1, p2 = p_before, p_before * (1 - effect)
    pbar = (p1 + p2) / 2
    top = z_alpha * math.sqrt(2 * pbar * (1 - pbar)) + z_power * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil((top / (p1 - p2)) ** 2)


def power_of_test(p_before: float, effect: float, n: int, *, z_alpha: float = Z95) -> float:
    """Chance that the two-sided 5% test finds a drop of `effect` (relative) with `n` rows per period."""
    if n <= 0 or not 0 < p_before < 1 or not 0 < effect < 1:
        return 0.0
    p1, p2 = p_before, p_before * (1 - effect)
    pbar = (p1 + p2) / 2
    se0 = math.sqrt(2 * pbar * (1 - pbar) / n)
    se1 = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    zval = (abs(p1 - p2) - z_alpha * se0) / se1
    return 0.5 * math.erfc(-zval / math.sqrt(2))


def _effect_to_settle(before: WindowStats, after: WindowStats) -> float:
    """The drop to aim at: the one seen (20–60%, rounded to tens) when it is a drop, else 30%."""
    if after.total and before.negative_rate > 0:
        seen = 1 - after.negative_rate / before.negative_rate
        if seen > 0:
            return round(min(0.6, max(0.2, seen)), 1)
    return 0.3


def settle_estimate(before: WindowStats, after: WindowStats, *, window_days: int, today: date) -> Settle | None:
    """How much more feedback would tell a drop of the metric apart, from the power of the test.

    The shop's usual volume is read from the before-period. The after-period needs `rows_needed` rows;
    what it holds now (or will hold when its days are over) is subtracted. None when it cannot be said:
    no feedback before go-live, or no negative feedback about the topic before it.
    """
    if before.total <= 0 or before.topic_negative <= 0:
        return None
    effect = _effect_to_settle(before, after)
    need = rows_for_power(before.negative_rate, effect)
    if need is None:
        return None
    per_day = before.total / max(1, (before.end - before.start).days + 1)
    have = after.total
    more_rows = max(0, need - have)
    # Days from today: the after-period's own days still to come count, then whatever more is needed.
    days_left = max(0, (after.end - today).days)
    expected = have + per_day * days_left
    more_days = days_left + (math.ceil((need - expected) / per_day) if expected < need else 0)
    if more_rows == 0:
        more_days = 0 if after.end < today else days_left
    window = max(window_days, math.ceil(need / per_day))
    return Settle(effect=effect, rows_needed=need, rows_per_day=per_day, more_rows=more_rows,
                  more_days=more_days, window_days=window)


def daily_series(db, action_id: int, window_days: int = EVALUATION_WINDOW_DAYS, lag_days: int = 0, smooth_days: int = 7,
                 today: date | None = None) -> Series:
    """Per-day counts from a little before the before-window to the end of the after-window (or today)."""
    window_days, lag_days = _check_args(window_days, lag_days)
    today = today or date.today()
    action, topic_ids = _target(db, action_id)
    (b0, _b1), (_a0, a1) = windows(action.live_date, window_days, lag_days)
    pad = max(7, window_days // 4)
    first, last = b0 - timedelta(days=pad), min(a1 + timedelta(days=pad), max(today, b0))
    newest = _last_data(db)
    if newest is not None and first <= newest < last:
        last = newest   # days after the newest import would read as zero feedback
    days, _mentions = _collect(db, action, topic_ids, first, last)
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    empty = _Day(0, 0, 0, 0, 0, 0.0, 0, 0.0, 0)
    rows = [days.get(d, empty) for d in span]
    total = [r.total for r in rows]
    neg = [r.negative for r in rows]
    ctot = [r.total - r.mentions for r in rows]
    cneg = [r.all_negative - r.mention_negative_label for r in rows]

    first_data = _first_data(db)
    # A rolling rate only where its whole window lies inside the data: a part-window at either end
    # would start the line with a false spike or drop it to zero.
    full = [i >= smooth_days - 1 and first_data is not None and span[i - smooth_days + 1] >= first_data
            for i in range(len(span))]

    def rolling(num: list[int], den: list[int]) -> tuple[float | None, ...]:
        out = []
        for i in range(len(num)):
            lo = i - smooth_days + 1
            d = sum(den[lo:i + 1]) if full[i] else 0
            out.append(sum(num[lo:i + 1]) / d if d else None)
        return tuple(out)

    return Series(days=tuple(span), total=tuple(total), topic_negative=tuple(neg), control_total=tuple(ctot),
                  control_negative=tuple(cneg), topic_rate=rolling(neg, total), control_rate=rolling(cneg, ctot),
                  smooth_days=smooth_days, last_day=span[-1] if span else None)


# ---------------------------------------------------------------------------------------------
# Snapshots and badges


def snapshot_evaluation(db, action_id: int, window_days: int = EVALUATION_WINDOW_DAYS, lag_days: int = 0,
                        today: date | None = None) -> Evaluation:
    """Evaluate and store the result as a dated snapshot in `evaluations`."""
    result = evaluate_action(db, action_id, window_days, lag_days, today=today)
    save_evaluation(db, result)
    return result


def save_evaluation(db, result: Evaluation) -> Snapshot:
    """Store an evaluation already made as a dated snapshot; returns the snapshot."""
    data = result.to_json()
    created = storage.now_text()
    with db.atomic():
        cur = db.execute(
            "INSERT INTO evaluations(action_id, created_at, window_days, lag_days, verdict, result) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [result.action_id, created, result.window_days, result.lag_days, result.verdict,
             json.dumps(data, ensure_ascii=False)])
    return Snapshot(cur.lastrowid, result.action_id, created, result.window_days, result.lag_days,
                    result.verdict, data)


def same_numbers(a: dict, b: dict) -> bool:
    """Whether two evaluation results (as JSON) say the same: verdict, windows and their counts."""
    keys = ("start", "end", "total", "topic_negative", "topic_mentions", "control_total", "control_negative")
    return (a.get("verdict") == b.get("verdict")
            and all((a.get(side) or {}).get(k) == (b.get(side) or {}).get(k) for side in ("before", "after")
                    for k in keys))


def list_snapshots(db, action_id: int) -> list[Snapshot]:
    rows = db.execute(
        "SELECT id, action_id, created_at, window_days, lag_days, verdict, result FROM evaluations "
        "WHERE action_id = ? ORDER BY id DESC", [int(action_id)]).fetchall()
    out = []
    for r in rows:
        try:
            result = json.loads(r[6])
        except ValueError:
            result = {}
        out.append(Snapshot(r[0], r[1], r[2], r[3], r[4], r[5], result))
    return out


def badge_for(db, action, today: date | None = None) -> Badge | None:
    """Verdict chip and change for a live or evaluated card (the latest snapshot for evaluated ones)."""
    if action.status not in ("live", "evaluated") or action.live_date is None:
        return None
    metric = metric_name(action.topics, action.keywords)
    if action.status == "evaluated":
        snaps = list_snapshots(db, action.id)
        if snaps:
            res = snaps[0].result
            complete = res.get("complete_on")
            after = res.get("after", {})
            return _badge(snaps[0].verdict, res.get("before", {}).get("negative_rate"),
                          after.get("negative_rate") if after.get("total") else None,
                          date.fromisoformat(complete) if complete else None, res.get("metric") or metric)
    try:
        ev = evaluate_action(db, action.id, today=today)
    except InvalidValueError:
        return None
    return _badge(ev.verdict, ev.before.negative_rate if ev.before.total else None,
                  ev.after.negative_rate if ev.comparable and ev.complete_on is None else None,
                  ev.complete_on, ev.metric)


def _badge(verdict: str, before: float | None, after: float | None, complete_on: date | None,
           metric: str = "") -> Badge:
    if verdict == "insufficient_data" and complete_on:
        text = _("can be evaluated from {date}").format(date=complete_on.strftime("%m-%d"))
    elif before is not None and after is not None:
        text = f"{format_pct(before)}→{format_pct(after)}"
        if before > 0:
            text += _(" ({change})").format(change=format_relative(after / before - 1))
    else:
        text = ""
    return Badge(verdict, before, after, complete_on, text, verdict_name(verdict), metric)


# ---------------------------------------------------------------------------------------------
# Words


def verdict_name(verdict: str) -> str:
    """The verdict chip: 有改善 / 变差 / 没有明显变化 / 数据不足."""
    return {
        "improved": _("Improved"),
        "worsened": _("Worse"),
        "no_significant_change": _("No clear change"),
        "insufficient_data": _("Not enough data"),
    }.get(verdict, verdict)


def subject_text(topics, keywords=()) -> str:
    """What an action is about, in words: 上菜速度、“咸”."""
    parts = list(topics) + [_("“{word}”").format(word=k) for k in keywords]
    return _(", ").join(parts)


def metric_name(topics, keywords=()) -> str:
    """The one name of the metric, the same on every screen, the CLI and the Excel summary."""
    return _("Negative feedback about {subject} as a share of all feedback").format(
        subject=subject_text(topics, keywords))


def topic_metric_name(topics, keywords=()) -> str:
    """The topic's own negative share, shown beside the metric."""
    return _("Negative share within feedback about {subject}").format(subject=subject_text(topics, keywords))


def format_pp(value: float) -> str:
    """Percentage points with one decimal, a true minus sign and a plus sign on rises."""
    text = f"{value * 100:+.1f}"
    if text in ("-0.0", "+0.0"):
        return "0.0"
    return text.replace("-", "−")


def format_pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def format_relative(value: float | None, cap: float = 3.0) -> str:
    """A relative change as a signed percentage (−47%, +12%); rises beyond `cap` are said as “over +300%”."""
    if value is None:
        return "–"
    if value > cap:
        return _("over {value}").format(value=f"+{cap * 100:.0f}%")
    text = f"{value * 100:+.0f}%"
    if text in ("-0%", "+0%"):
        return "0%"
    return text.replace("-", "−")


def topics_text(topics) -> str:
    return _(", ").join(topics)


def _span(days: int) -> str:
    if days >= 14:
        weeks = round(days / 7)
        return ngettext("about {n} week", "about {n} weeks", weeks).format(n=weeks)
    return ngettext("about {n} day", "about {n} days", days).format(n=max(1, days))


def plain_verdict(ev: Evaluation) -> str:
    """One sentence of why the verdict is what it is, in words a shop owner reads."""
    subject = subject_text(ev.topics, ev.keywords)
    if ev.verdict == "insufficient_data":
        if ev.reason == "after_window_incomplete":
            return _("The period after go-live runs until {end}, so it is too early to compare.").format(
                end=ev.after.end.isoformat())
        if ev.reason == "no_recent_data":
            if ev.last_data is None:
                return _("There is no feedback in the database yet.")
            return _("The newest feedback is from {last}, but the period after go-live runs until {end}.").format(
                last=ev.last_data.isoformat(), end=ev.after.end.isoformat())
        if ev.reason == "too_few_rows":
            return _("There are only {before} feedback rows before go-live and {after} after; at least {min} each are needed.").format(
                before=ev.before.total, after=ev.after.total, min=MIN_ROWS)
        return _("Both periods together hold only {n} negative mentions of {subject}; at least {min} are needed.").format(
            n=ev.before.topic_negative + ev.after.topic_negative, subject=subject, min=MIN_EVENTS)
    values = dict(metric=ev.metric, before=format_pct(ev.before.negative_rate),
                  after=format_pct(ev.after.negative_rate), change=format_relative(ev.relative_change))
    if ev.verdict == "improved":
        return _("{metric} fell from {before} to {after} ({change}): more than normal ups and downs, and other feedback did not move the same way.").format(**values)
    if ev.verdict == "worsened":
        return _("{metric} rose from {before} to {after} ({change}): more than normal ups and downs.").format(**values)
    if ev.reason == "control_moved":
        return _("{metric} went from {before} to {after} ({change}), but other feedback changed the same way at the same time (a season or a promotion, say), so this is not counted as the action's effect.").format(**values)
    return _("{metric} went from {before} to {after} ({change}); a change this size is within normal ups and downs, so it cannot yet be called the action's effect.").format(**values)


def next_step(ev: Evaluation) -> str:
    """What the owner does next; for an open question, how much more feedback would settle it."""
    if ev.verdict == "improved":
        return _("Keep doing it, and evaluate again in a month or two to see that the effect lasts. You can tell your customers in a report.")
    if ev.verdict == "worsened":
        return _("Read the negative feedback since go-live to find out why, and consider changing or undoing the action.")
    if ev.reason == "no_recent_data":
        return _("Import the feedback up to {end}, then evaluate again.").format(end=ev.after.end.isoformat())
    subject = subject_text(ev.topics, ev.keywords)
    st = ev.settle
    if st is None:
        if ev.before.total == 0:
            return _("There is no feedback from before go-live to compare with: import it first.")
        return _("There was no negative feedback about {subject} before go-live, so there is nothing to reduce; link the action to another topic or keyword.").format(
            subject=subject)
    effect = f"{st.effect * 100:.0f}%"
    if ev.reason == "after_window_incomplete" and ev.complete_on:
        first = _("Evaluate again from {date}.").format(date=ev.complete_on.isoformat())
        if st.window_days <= ev.window_days:
            return first
    if st.window_days > 366:
        return _("At about {per_day} feedback rows a day it would take more than a year to tell a {effect} drop apart; a narrower keyword, or a more frequent complaint, can be measured sooner.").format(
            per_day=f"{st.rows_per_day:.0f}", effect=effect)
    if st.more_days == 0 and st.more_rows == 0:
        return _("There is already enough feedback to tell a {effect} drop apart; the change seen is smaller than that, so the action may have had little effect.").format(
            effect=effect)
    text = _("Collect {time} more feedback, or about {rows} rows, to tell a {effect} drop apart.").format(
        time=_span(st.more_days), rows=f"{max(st.more_rows, 1):,}", effect=effect)
    if st.window_days > ev.window_days:
        text += _join(text) + _("Then compare {days} days before and after go-live.").format(days=st.window_days)
    return text


def _join(text: str) -> str:
    """Between two sentences: nothing after a Chinese full stop, a space after an English one."""
    return "" if text.endswith(("。", "！", "？", "）")) else " "


def _format_chance(p: float) -> str:
    return f"{p * 100:.1f}%" if p < 0.1 else f"{p * 100:.0f}%"


def detail_lines(ev: Evaluation) -> list[str]:
    """The statistics behind the verdict (interval, chance, comparison), each in a plain sentence."""
    if not ev.comparable:
        return [_("There is no feedback in one of the two periods yet, so there are no numbers to compare.")]
    subject = subject_text(ev.topics, ev.keywords)
    lines = [
        _("With 95% confidence, the change is between {low} and {high} percentage points.").format(
            low=format_pp(ev.ci95[0]), high=format_pp(ev.ci95[1])),
        (_("If the action had no effect at all, a change this large would turn up by chance less than 0.1% of the time.")
         if ev.p_value < 0.001 else
         _("If the action had no effect at all, a change this large would still turn up by chance {chance} of the time.").format(
             chance=_format_chance(ev.p_value))),
        _("{metric}: {before} → {after}.").format(
            metric=topic_metric_name(ev.topics, ev.keywords), before=format_pct(ev.before.topic_negative_share),
            after=format_pct(ev.after.topic_negative_share)),
        _("Other feedback (not about {subject}) was negative {before} before and {after} after.").format(
            subject=subject, before=format_pct(ev.before.control_rate), after=format_pct(ev.after.control_rate)),
    ]
    if ev.did is not None:
        lo, hi = ev.did.relative_ci95
        lines.append(_("Taking out the change in other feedback, {subject} changed {change} (with 95% confidence between {low} and {high}).").format(
            subject=subject, change=format_relative(ev.did.relative), low=format_relative(lo), high=format_relative(hi)))
    return lines


@dataclass(frozen=True)
class BoardData:
    """Everything the board shows: cards in board order with their badges, and the filter choices."""
    cards: tuple[tuple[object, Badge | None], ...]     # (Action, Badge or None)
    topics: tuple[str, ...]
    owners: tuple[str, ...]


def board_data(db, *, topic: str | None = None, owner: str | None = None, today: date | None = None) -> BoardData:
    items = list_actions(db, topic=topic or None, owner=owner or None)
    cards = tuple((a, badge_for(db, a, today=today)) for a in items)
    return BoardData(cards, tuple(list_topic_names(db)), tuple(list_owners(db)))


def evaluation_view_data(db, action_id: int, window_days: int = EVALUATION_WINDOW_DAYS, lag_days: int = 0,
                         today: date | None = None) -> tuple[Evaluation, Series, list[Snapshot]]:
    """The evaluation, its daily chart series and the saved snapshots, in one call for the evaluation view."""
    return (evaluate_action(db, action_id, window_days, lag_days, today=today),
            daily_series(db, action_id, window_days, lag_days, today=today),
            list_snapshots(db, action_id))
