"""An action's evaluation in words: the verdict, its reasons, what to do next, the statistics in sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxdesk.core.evaluation_stats import MIN_EVENTS, MIN_ROWS
from cxdesk.core.formatting import day_text, percent, short_day_text
from cxdesk.i18n import _, ngettext

if TYPE_CHECKING:
    from cxdesk.core.evaluation_values import Evaluation

# Settle estimates longer than this are not given in weeks and days (see `next_step`).
HALF_YEAR_DAYS = 183



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


def saved_metric_name(result: dict, topics=(), keywords=()) -> str:
    """The metric of a saved evaluation in the running language.

    A saved result keeps the topics and keywords it measured: the name is built from them again, so a
    result saved in Chinese reads in English in an English window. A result that holds only the name
    as text (none of them from this version) keeps that text, in the language it was saved in; the
    action's own `topics`/`keywords` name the metric when the result has neither.
    """
    saved_topics, saved_keywords = result.get("topics"), result.get("keywords")
    if saved_topics or saved_keywords:
        return metric_name(tuple(saved_topics or ()), tuple(saved_keywords or ()))
    return result.get("metric") or metric_name(topics, keywords)


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
    return percent(value)


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
                end=day_text(ev.after.end))
        if ev.reason == "no_recent_data":
            if ev.last_data is None:
                return _("There is no feedback in the database yet.")
            return _("The newest feedback is from {last}, but the period after go-live runs until {end}.").format(
                last=day_text(ev.last_data), end=day_text(ev.after.end))
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
        return _("Import the feedback up to {end}, then evaluate again.").format(end=day_text(ev.after.end))
    subject = subject_text(ev.topics, ev.keywords)
    st = ev.settle
    if st is None:
        if ev.before.total == 0:
            return _("There is no feedback from before go-live to compare with: import it first.")
        return _("There was no negative feedback about {subject} before go-live, so there is nothing to reduce; link the action to another topic or keyword.").format(
            subject=subject)
    effect = f"{st.effect * 100:.0f}%"
    if ev.reason == "after_window_incomplete" and ev.complete_on:
        first = _("Evaluate again from {date}.").format(date=day_text(ev.complete_on))
        if st.window_days <= ev.window_days:
            return first
    if st.window_days > HALF_YEAR_DAYS or st.more_days > HALF_YEAR_DAYS:
        # Beyond half a year an estimate in weeks ("30 weeks", "compare 222 days") promises more than
        # the shop's volume and seasons can keep.
        return _("Too little feedback: it would take more than about half a year to tell a {effect} drop apart (at about {per_day} feedback rows a day). A narrower keyword, or a more frequent complaint, can be measured sooner.").format(
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


def comparison_rows(ev: Evaluation) -> list[tuple[str, str, str, str]]:
    """The before/after table: (row name, before, after, change) as the owner reads them; the metric's row
    is the second one."""
    b, a = ev.before, ev.after
    has_after = a.total > 0

    def num(v):
        return "–" if v is None else f"{v:.2f}"

    def rate(value, n):
        return format_pct(value) if n else "–"

    def delta(x, y, fmt):
        return "–" if x is None or y is None or not has_after else fmt(y - x)

    def count_change(x, y):
        return f"{y - x:+d}".replace("-", "−") if has_after else "–"

    def points(v):
        return _("{pp} points").format(pp=format_pp(v))

    def after_count(n):
        return str(n) if has_after else "–"

    after_dates = f"{short_day_text(a.start)} – {short_day_text(a.end)}"
    if ev.reason == "after_window_incomplete":
        after_dates += " " + _("(running)")
    metric_change = "–"
    if ev.comparable:
        metric_change = points(ev.difference)
        if ev.relative_change is not None:
            metric_change += f"（{format_relative(ev.relative_change)}）"
    return [
        (_("Dates"), f"{short_day_text(b.start)} – {short_day_text(b.end)}", after_dates, ""),
        (ev.metric, rate(b.negative_rate, b.total), rate(a.negative_rate, a.total), metric_change),
        (_("All feedback"), str(b.total), after_count(a.total), count_change(b.total, a.total)),
        (_("Negative mentions"), str(b.topic_negative), after_count(a.topic_negative),
         count_change(b.topic_negative, a.topic_negative)),
        (_("Mention the topic"), str(b.topic_mentions), after_count(a.topic_mentions),
         count_change(b.topic_mentions, a.topic_mentions)),
        (_("Negative share within the topic"), format_pct(b.topic_negative_share),
         format_pct(a.topic_negative_share) if has_after else "–",
         delta(b.topic_negative_share, a.topic_negative_share, points)),
        (_("Mean rating"), num(b.mean_rating), num(a.mean_rating) if has_after else "–",
         delta(b.mean_rating, a.mean_rating, lambda v: f"{v:+.2f}".replace("-", "−"))),
        (_("Other feedback: negative share"), rate(b.control_rate, b.control_total),
         rate(a.control_rate, a.control_total),
         points(ev.control_difference) if b.control_total and a.control_total else "–"),
    ]
