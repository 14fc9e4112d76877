"""The brief in sentences: the same lines for the terminal, the 复制 (WeChat) message, the panel and the HTML page."""

from __future__ import annotations

from datetime import timedelta

from cxdesk.core.brief.brief import ActionItem, Brief, Fix, week_name
from cxdesk.core.brief.goals import points_text
from cxdesk.core.formatting import NONE, decimal, percent
from cxdesk.i18n import _, ngettext



def _signed_points(change: float | None) -> str:
    return NONE if change is None else _("{n} points").format(n=f"{change * 100:+.1f}")


def _signed(change: float | None, digits: int = 2) -> str:
    if change is None:
        return NONE
    text = f"{change:+.{digits}f}"
    return "±" + text[1:] if float(text) == 0 else text


def title(brief: Brief) -> str:
    return _("Weekly brief {week} ({start} – {end})").format(
        week=brief.week, start=brief.start.strftime("%m-%d"), end=brief.end.strftime("%m-%d"))


def headline(brief: Brief) -> str:
    """评价 300 条（比上周 +12），差评率 9.6%（比上周 −1.2 个百分点），平均评分 4.43（比上周 +0.05）."""
    cur = brief.current
    if cur.total == 0:
        return _("No reviews this week.")
    if brief.partial:   # the data stops inside the week: the same days of last week
        line = ngettext("{n} review (same days last week {dn:+d}), negative rate {share} (same days last week "
                        "{dshare}), average rating {rating} (same days last week {drating})",
                        "{n} reviews (same days last week {dn:+d}), negative rate {share} (same days last week "
                        "{dshare}), average rating {rating} (same days last week {drating})", cur.total)
    else:
        line = ngettext("{n} review (last week {dn:+d}), negative rate {share} (last week {dshare}), "
                        "average rating {rating} (last week {drating})",
                        "{n} reviews (last week {dn:+d}), negative rate {share} (last week {dshare}), "
                        "average rating {rating} (last week {drating})", cur.total)
    return line.format(
        n=cur.total, dn=cur.total - brief.previous.total, share=percent(cur.negative_share),
        dshare=_signed_points(brief.change("negative_share")), rating=decimal(cur.mean_rating),
        drating=_signed(brief.change("mean_rating")))


def week_note(brief: Brief) -> str:
    """Why the brief is not about the newest days: the newest week has too few days so far ("" otherwise)."""
    n = brief.newer_days
    if not n:
        return ""
    return ngettext("The newest week, {week}, has only {n} day of data so far; this brief is about the last "
                    "complete week.", "The newest week, {week}, has only {n} days of data so far; this brief is "
                    "about the last complete week.", n).format(week=week_name(brief.end + timedelta(days=1)), n=n)


def nothing_yet() -> str:
    """The one sentence of a brief of a database with neither feedback nor survey responses."""
    return _("Nothing to brief yet: import reviews or a survey export first.")


def _signed_nps(change: float) -> str:
    text = points_text(change)
    return ("+" + text) if not text.startswith(("−", "0")) else ("±0" if text == "0" else text)


def nps_line(brief: Brief) -> str:
    """NPS 32（95% 区间 20 至 44，85 份问卷），比上周 +5 分; "" when the database has no survey responses."""
    cur, prev = brief.nps, brief.nps_previous
    if cur is None:
        return ""
    if cur.value is None:
        line = _("NPS: no survey responses this week")
        if prev is not None and prev.value is not None:
            line += _(" (last week {value})").format(value=points_text(prev.value))
        return line
    low, high = cur.ci95
    line = ngettext("NPS {value} (95% interval {low} to {high}, {n} response)",
                    "NPS {value} (95% interval {low} to {high}, {n} responses)", cur.responses).format(
        value=points_text(cur.value), low=points_text(low), high=points_text(high), n=cur.responses)
    change = brief.nps_change
    if change is None:
        return line + _(", no survey responses last week")
    return line + _(", {change} points on last week").format(change=_signed_nps(change))


def change_text(fix: Fix) -> str:
    if fix.change is None:
        return _("none last week") if fix.last_week == 0 else NONE
    if fix.change >= 1:
        return _("{x:.1f}× last week").format(x=fix.change + 1)
    return _("{pct:+.0f}% on last week").format(pct=fix.change * 100)


def fix_line(fix: Fix) -> str:
    """上菜速度：差评 42 条（上周的 3.0 倍），解决后评分约可提高 0.21 星."""
    n = ngettext("{n} complaint", "{n} complaints", fix.negative_mentions).format(n=fix.negative_mentions)
    line = _("{topic}: {n} ({change})").format(topic=fix.topic, n=n, change=change_text(fix))
    if fix.rating_impact >= 0.005:
        line += _(", fixing it would lift the rating by about {stars:.2f} stars").format(stars=fix.rating_impact)
    if fix.covered_by:
        line += _(" (an action is already live: {title})").format(title=fix.covered_by[0][1])
    return line


def action_line(item: ActionItem) -> str:
    if item.state == "ready_to_evaluate":
        return _("“{title}” has been live for four weeks: its effect can be evaluated").format(title=item.title)
    return _("“{title}” goes live on {date}").format(title=item.title, date=item.live_date.strftime("%m-%d"))


def cases_line(brief: Brief) -> str:
    if not brief.cases:
        return ""
    return _("Customer cases: {open} open, {overdue} overdue").format(
        open=brief.cases.get("open", 0), overdue=brief.cases.get("overdue", 0))


def fixes_heading(brief: Brief) -> str:
    """The heading of the fixes, or the one sentence that says why there are none."""
    if brief.fixes:
        return _("The three things to fix this week:")
    if not brief.has_reviews:
        return _("No written feedback to find complaints in: the survey answers hold scores only.")
    return _("No complaints about a topic this week.")


def brief_lines(brief: Brief, *, examples: int = 2) -> list[str]:
    """Every line of the brief, in order; blank strings separate the parts."""
    if brief.empty:
        return [nothing_yet()]
    lines = [title(brief)]
    if week_note(brief):
        lines.append(week_note(brief))
    if brief.has_reviews or brief.current.total:
        lines.append(headline(brief))
    if brief.nps is not None:
        lines.append(nps_line(brief))
    if brief.goals:
        lines += ["", _("Goals:")] + ["· " + g.text + ("" if g.met is None else (_(" (on target)") if g.met else _(" (not yet)")))
                                     for g in brief.goals]
    lines += ["", fixes_heading(brief)]
    for i, fix in enumerate(brief.fixes, 1):
        lines.append(f"{i}. {fix_line(fix)}")
        lines += ["   " + _("e.g. “{text}”").format(text=_short(e.text)) for e in fix.examples[:examples]]
    if brief.actions:
        lines += ["", _("Improvement actions:")] + ["· " + action_line(a) for a in brief.actions]
    if brief.alerts:
        lines += ["", _("Rising complaints:")] + ["· " + a.title() + _(": ") + a.describe() for a in brief.alerts]
    if brief.cases:
        lines += ["", cases_line(brief)]
    return lines


def _short(text: str, limit: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def wechat_message(brief: Brief) -> str:
    """The 复制 text for the team's WeChat group: the whole brief with one example per fix."""
    return "\n".join(brief_lines(brief, examples=1)).strip() + "\n"


def action_prefill(brief: Brief, fix: Fix) -> dict:
    """Fields for a new improvement action on a fix (the board's "new action" path takes them as they are)."""
    from cxdesk.core.filters import FeedbackFilter

    flt = FeedbackFilter(date_from=brief.start, date_to=brief.end, topics=(fix.topic,), topic_labels=("negative",))
    lines = [fix_line(fix)] + [_("e.g. “{text}”").format(text=_short(e.text)) for e in fix.examples]
    return {"title": _("Fix “{topic}”").format(topic=fix.topic), "description": "\n".join(lines),
            "topics": [fix.topic], "channels": [], "keywords": [], "feedback_ids": [e.id for e in fix.examples],
            "filter": flt.to_dict()}


__all__ = ["action_prefill", "title", "week_note", "headline", "nps_line", "nothing_yet", "fixes_heading", "fix_line", "action_line", "cases_line", "brief_lines", "wechat_message",
           "change_text"]
