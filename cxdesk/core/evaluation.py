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

The statistics are in `evaluation_stats.py`, the values in `evaluation_values.py`, the words in
`evaluation_text.py` (their public names are importable from here too); the board's badges and card
moves in `board.py`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta

from cxdesk.core import storage
from cxdesk.core.actions import EVALUATION_WINDOW_DAYS, get_action
from cxdesk.core.bounds import latest
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.evaluation_stats import (  # noqa: F401  (re-exported)
    ALPHA, CONTROL_ALPHA, DATA_GAP_DAYS, EXAMPLES_PER_SIDE, MIN_EVENTS, MIN_ROWS, POWER, VERDICTS, Z80, Z95,
    compare_proportions, fisher_exact, newcombe_interval, power_of_test, ratio_did, rows_for_power,
    two_proportion_z, wilson_interval,
)
from cxdesk.core.evaluation_text import (  # noqa: F401  (re-exported)
    detail_lines, format_pct, format_pp, format_relative, metric_name, next_step, plain_verdict,
    saved_metric_name, subject_text, topic_metric_name, topics_text, verdict_name,
)
from cxdesk.core.evaluation_values import (  # noqa: F401  (re-exported)
    Badge, DiD, Evaluation, Example, Series, Settle, Snapshot, WindowStats,
)
from cxdesk.core.filters import day_start
from cxdesk.i18n import _


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


def evaluation_view_data(db, action_id: int, window_days: int = EVALUATION_WINDOW_DAYS, lag_days: int = 0,
                         today: date | None = None) -> tuple[Evaluation, Series, list[Snapshot]]:
    """The evaluation, its daily chart series and the saved snapshots, in one call for the evaluation view."""
    return (evaluate_action(db, action_id, window_days, lag_days, today=today),
            daily_series(db, action_id, window_days, lag_days, today=today),
            list_snapshots(db, action_id))
