"""The numbers a report shows, taken from the modules that own them and shaped into plain rows.

Nothing here computes a statistic of its own: KPIs, trends and topic ranking come from
`analysis.trends`, actions from `actions`, verdicts from `evaluation`, alerts from `analysis.alerts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cxdesk.core.bounds import clamp_stored_day
from cxdesk.core.filters import FeedbackFilter
from cxdesk.i18n import N_, _


# ---------------------------------------------------------------------------------------------
# Overview


@dataclass(frozen=True)
class Kpi:
    label: str                 # English source; translate where shown
    kind: str                  # int | pct | rating | num
    current: float | None
    previous: float | None


@dataclass(frozen=True)
class Overview:
    current_from: date | None
    current_to: date | None
    previous_from: date | None
    previous_to: date | None
    rows: tuple[Kpi, ...]
    notes: tuple[str, ...] = ()


def overview(db, flt: FeedbackFilter) -> Overview:
    from cxdesk.core.analysis import trends

    k = trends.kpis(db, flt)
    cur, prev = k.current, k.previous
    date_from, date_to = k.date_from, k.date_to
    if date_from is None or date_to is None:
        first, last = trends.data_range(db)
        date_from, date_to = date_from or first, date_to or last

    def pair(name: str):
        return getattr(cur, name), (getattr(prev, name) if prev is not None else None)

    rows = [
        Kpi(N_("Feedback received"), "int", *pair("total")),
        Kpi(N_("Positive"), "int", *pair("positive")),
        Kpi(N_("Neutral"), "int", *pair("neutral")),
        Kpi(N_("Negative"), "int", *pair("negative")),
        Kpi(N_("Positive share"), "pct", *pair("positive_share")),
        Kpi(N_("Negative share"), "pct", *pair("negative_share")),
        Kpi(N_("Average rating (1–5)"), "rating", *pair("mean_rating")),
        Kpi(N_("Rows with a rating"), "int", *pair("rating_n")),
    ]
    notes = [_("Shares count only rows whose sentiment is known (positive, neutral or negative).")]
    if cur.unknown:
        notes.append(_("{n} rows have no known sentiment (no text, or another language).").format(n=cur.unknown))
    ci = cur.negative_ci
    if ci is not None:
        notes.append(_("Negative share this period: {share:.1%} (95% interval {low:.1%} – {high:.1%}).").format(
            share=cur.negative_share, low=ci[0], high=ci[1]))
    return Overview(date_from, date_to, k.previous_from, k.previous_to, tuple(rows), tuple(notes))


# ---------------------------------------------------------------------------------------------
# Trend


@dataclass(frozen=True)
class TrendRow:
    period_start: date
    period_end: date
    count: int
    positive: int
    neutral: int
    negative: int
    negative_share: float | None
    avg_rating: float | None


def trend(db, flt: FeedbackFilter, granularity: str) -> list[TrendRow]:
    from cxdesk.core.analysis import trends

    tr = trends.trend(db, flt, granularity)
    return [TrendRow(b.start, b.end, b.counts.total, b.counts.positive, b.counts.neutral, b.counts.negative,
                     b.counts.negative_share, b.counts.mean_rating) for b in tr.buckets]


# ---------------------------------------------------------------------------------------------
# Topics


@dataclass(frozen=True)
class TopicRow:
    name: str
    mentions: int
    negative: int
    negative_share: float | None     # negative mentions / mentions
    impact: float                    # drop of the overall negative share without this topic (0..1)
    change: int | None               # negative mentions minus those of the previous period


def topics(db, flt: FeedbackFilter) -> list[TopicRow]:
    from cxdesk.core.analysis import trends

    ranking = trends.topic_ranking(db, flt)
    previous: dict[str, int] = {}
    if flt.date_from and flt.date_to:
        pf, pt = trends.previous_period(flt.date_from, flt.date_to)
        previous = {r.name: r.negative_mentions
                    for r in trends.topic_ranking(db, flt.with_changes(date_from=pf, date_to=pt))}
    out = []
    for r in ranking:
        change = (r.negative_mentions - previous.get(r.name, 0)) if (flt.date_from and flt.date_to) else None
        out.append(TopicRow(r.name, r.mentions, r.negative_mentions,
                            r.negative_mentions / r.mentions if r.mentions else None, r.impact, change))
    return out


# ---------------------------------------------------------------------------------------------
# Actions and their evaluation


@dataclass(frozen=True)
class ActionRow:
    id: int
    title: str
    status: str
    owner: str
    live_date: date | None
    verdict: str               # short verdict in words ("有效" …), "" if not evaluated
    measure: str               # what was compared, e.g. "负面占比"
    before: float | None
    after: float | None
    change: float | None
    low: float | None          # interval of the change
    high: float | None
    is_share: bool
    evaluated_at: datetime | None
    plain: str                 # the result in one plain sentence


def actions(db, action_ids: tuple[int, ...] | None = None) -> list[ActionRow]:
    """Every action in board order (or just `action_ids`), with its latest evaluation."""
    from cxdesk.core import actions as actions_core

    chosen = actions_core.list_actions(db)
    if action_ids is not None:
        wanted = set(action_ids)
        chosen = [a for a in chosen if a.id in wanted]
    out = []
    for a in chosen:
        e = evaluation_for(db, a)
        out.append(ActionRow(
            a.id, a.title, a.status, a.owner, a.live_date,
            e.verdict if e else "", e.measure if e else "", e.before if e else None, e.after if e else None,
            e.change if e else None, e.low if e else None, e.high if e else None,
            True, e.evaluated_at if e else None, e.plain if e else ""))
    return out


@dataclass(frozen=True)
class EvaluationView:
    verdict_code: str          # improved | worsened | no_significant_change | insufficient_data
    verdict: str               # in words
    measure: str
    before: float | None       # negative rate of the action's topics before go-live
    after: float | None
    change: float | None       # after − before
    low: float | None          # 95% interval of the change
    high: float | None
    evaluated_at: datetime | None
    plain: str                 # the whole result in one sentence
    before_total: int
    after_total: int
    before_negative: int
    after_negative: int
    before_start: date | None
    before_end: date | None
    after_start: date | None
    after_end: date | None
    examples_before: tuple[dict, ...] = ()   # {"id", "created_at", "text", "label", "rating"}
    stored: bool = False                     # from a saved snapshot (else evaluated just now)


def _day(value) -> date | None:
    try:
        return clamp_stored_day(value)
    except ValueError:
        return None


def evaluation_for(db, action) -> EvaluationView | None:
    """The action's latest saved evaluation, or a fresh one for a live action (None before go-live)."""
    from cxdesk.core import evaluation

    if action.live_date is None or action.status not in ("live", "evaluated"):
        return None
    result: dict | None = None
    evaluated_at: datetime | None = None
    stored = False
    snaps = evaluation.list_snapshots(db, action.id)
    if snaps:
        result = snaps[0].result
        stored = True
        try:
            evaluated_at = datetime.fromisoformat(snaps[0].created_at)
        except ValueError:
            evaluated_at = None
    else:
        from cxdesk.core.errors import CxdeskError

        try:
            ev = evaluation.evaluate_action(db, action.id)
        except CxdeskError:
            return None
        result = ev.to_json()
        evaluated_at = datetime.now().replace(microsecond=0)
    if not result:
        return None
    before, after = result.get("before") or {}, result.get("after") or {}
    verdict = result.get("verdict", "")
    ci = result.get("ci95") or [None, None]
    known = verdict != "insufficient_data"
    return EvaluationView(
        verdict_code=verdict,
        verdict=evaluation.verdict_name(verdict),
        measure=evaluation.saved_metric_name(result, action.topics, action.keywords),
        before=before.get("negative_rate"),
        after=after.get("negative_rate") if known else None,
        change=result.get("difference") if known else None,
        low=ci[0] if known else None,
        high=ci[1] if known else None,
        evaluated_at=evaluated_at,
        plain=result.get("sentence", ""),
        before_total=int(before.get("total") or 0),
        after_total=int(after.get("total") or 0),
        before_negative=int(before.get("topic_negative") or 0),
        after_negative=int(after.get("topic_negative") or 0),
        before_start=_day(before.get("start")), before_end=_day(before.get("end")),
        after_start=_day(after.get("start")), after_end=_day(after.get("end")),
        examples_before=tuple((result.get("examples") or {}).get("before") or ()),
        stored=stored,
    )


# ---------------------------------------------------------------------------------------------
# Alerts


@dataclass(frozen=True)
class AlertRow:
    title: str                 # “关于“上菜速度”的差评在增加”
    kind: str                  # in words: topic / channel
    key: str
    period_start: date
    period_end: date
    observed: int              # negative rows in the period
    expected: float            # usual number for such a period
    ratio: float | None
    p_value: float | None
    state: str                 # open / dismissed / has an action, in words
    action: str                # title of the linked action


def alerts(db, flt: FeedbackFilter) -> list[AlertRow]:
    """Stored alerts (dismissed ones too) whose period overlaps the report's dates."""
    from cxdesk.core.analysis import alerts as alerts_core

    titles = {r[0]: r[1] for r in db.execute("SELECT id, title FROM actions")}
    out = []
    for a in alerts_core.list_alerts(db, include_dismissed=True):
        if flt.date_from and a.period_end < flt.date_from:
            continue
        if flt.date_to and a.period_start > flt.date_to:
            continue
        if a.action_id is not None and a.action_id in titles:
            state = _("Action created")
        elif a.dismissed:
            state = _("Dismissed")
        else:
            state = _("Open")
        out.append(AlertRow(
            a.title(), _("Topic") if a.kind == "topic" else _("Channel"), a.key, a.period_start, a.period_end,
            a.observed, a.expected, a.ratio, a.p_value, state, titles.get(a.action_id, "") if a.action_id else ""))
    return out
