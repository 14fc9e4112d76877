"""The improvement report for customers: what they told us, what we changed, and what changed since.

`build_improvement_report(db, action_ids)` gathers plain data (counts, a few short quotes, the
evaluation in words); `render_html(report)` makes a self-contained page (the UI prints it to PDF)
and `announcement_text(report)` a short post for the shop's social account. The numbers come from
`evaluation` and `analysis.trends`; nothing is computed here beyond choosing and wording.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable

from cxdesk.core.bounds import clamp_stored_day
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.reports import data as report_data
from cxdesk.core.storage import get_setting
from cxdesk.i18n import _, ngettext

QUOTES_PER_TOPIC = 3
QUOTE_CHARS = 70
VOICE_DAYS = 90            # without an evaluation window: what customers said in these days before go-live
SHOP_NAME_KEY = "shop_name"

# Quotes that would embarrass a customer or the shop if published: phone numbers, order numbers, links.
_PRIVATE = re.compile(r"(1[3-9]\d{9}|\d{8,}|https?://\S+|www\.\S+|@\S+)")


@dataclass(frozen=True)
class Quote:
    text: str
    day: date | None
    channel: str


@dataclass(frozen=True)
class TopicVoice:
    topic: str
    mentions: int              # rows mentioning the topic in the period
    negative: int              # ... negatively
    period_from: date | None
    period_to: date | None


@dataclass(frozen=True)
class ActionStory:
    id: int
    title: str
    done: str                  # what was done (the action's description, or its title)
    status: str
    live_date: date | None
    topics: tuple[str, ...]
    voices: tuple[TopicVoice, ...]
    quotes: tuple[Quote, ...]
    verdict: str               # improved | worsened | no_significant_change | insufficient_data | "" (not live)
    before_rate: float | None  # negative mentions of its topics, share of all feedback
    after_rate: float | None
    result: str                # the measured result in plain words, for customers
    owner_note: str            # the evaluation's own sentence (with the interval), for the owner


@dataclass(frozen=True)
class ImprovementReport:
    shop_name: str
    generated: datetime
    stories: tuple[ActionStory, ...] = field(default=())

    @property
    def title(self) -> str:
        return _("We heard you, and we made changes")


def _short(text: str, limit: int = QUOTE_CHARS) -> str:
    value = " ".join((text or "").split())
    value = _PRIVATE.sub("…", value)
    if len(value) > limit:
        value = value[: limit - 1].rstrip("，,。.;；、 ") + "…"
    return value


def _day(value) -> date | None:
    try:
        return clamp_stored_day(value)
    except ValueError:
        return None


def _about_topics(text: str, topics: tuple[str, ...], matcher) -> str:
    """The part of a review that talks about one of `topics` (the whole review if none is found)."""
    if matcher is None or not topics:
        return text
    from cxdesk.core.analysis.topics import assign_topics

    try:
        # Only the text segments are needed here, not their sentiment: skip the model.
        mentions = assign_topics(text, matcher, scorer=lambda segs: [None] * len(segs), labeler=lambda _s: "unknown")
    except Exception:  # noqa: BLE001 - a quote is a nicety; the whole text will do
        return text
    parts = [m.sentence for m in mentions if m.topic in topics]
    return "，".join(dict.fromkeys(parts)) if parts else text


def _quotes(db, action, ev, period: tuple[date | None, date | None], matcher=None) -> tuple[Quote, ...]:
    """Two or three short quotes: rows the owner linked to the action first, then negative mentions.

    Each quote is the part of the review about the action's topics, so a review that also praises
    the food does not end up under “what you told us about waiting”.
    """
    linked: list[tuple] = []
    found: list[Quote] = []
    seen: set[str] = set()

    def add(text, created, channel) -> None:
        raw = " ".join((text or "").split())
        # Never publish a phone number, an order number, a link or text that looks like a formula.
        if _PRIVATE.search(raw) or raw[:1] in "=+-@":
            return
        short = _short(_about_topics(raw, action.topics, matcher))
        if len(short) < 4 or short in seen or len(found) >= QUOTES_PER_TOPIC:
            return
        seen.add(short)
        found.append(Quote(short, _day(created), channel or ""))

    if action.feedback_ids:
        ids = list(action.feedback_ids)[:50]
        linked = db.execute(
            f"SELECT text, created_at, channel FROM feedback WHERE deleted = 0 AND id IN ({', '.join('?' * len(ids))}) "
            "ORDER BY created_at DESC", ids).fetchall()
        for text, created, channel in linked:
            add(text, created, channel)
    if ev is not None:
        for e in ev.examples_before:
            add(e.get("text"), e.get("created_at"), None)
    if len(found) < 2 and action.topics:
        from cxdesk.core.analysis import topics as topics_core
        from cxdesk.core.errors import NotFoundError

        flt = FeedbackFilter(date_from=period[0], date_to=period[1])
        for topic in action.topics:
            try:
                examples = topics_core.topic_examples(db, topic, 10, flt, label="negative")
            except NotFoundError:
                continue
            for e in examples:
                add(e.text, e.created_at, e.channel)
    return tuple(found)


def _voices(db, topics: tuple[str, ...], period: tuple[date | None, date | None]) -> tuple[TopicVoice, ...]:
    from cxdesk.core.analysis import trends

    if not topics:
        return ()
    ranking = {r.name: r for r in trends.topic_ranking(db, FeedbackFilter(date_from=period[0], date_to=period[1]))}
    out = []
    for name in topics:
        r = ranking.get(name)
        out.append(TopicVoice(name, r.mentions if r else 0, r.negative_mentions if r else 0, period[0], period[1]))
    return tuple(out)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _result_words(action, ev) -> str:
    """The measured result as a customer would read it: no intervals, no jargon, honest."""
    topics = "、".join(action.topics) or action.title
    if action.status in ("todo", "doing") or action.live_date is None:
        return _("We are working on it and will tell you when it is done.")
    if ev is None or ev.verdict_code == "insufficient_data":
        return _("This change started on {date}. It is too early to measure the effect; we are watching closely.").format(
            date=action.live_date.isoformat())
    values = dict(topic=topics, before=_pct(ev.before), after=_pct(ev.after))
    if ev.verdict_code == "improved":
        return _("Since then, complaints about “{topic}” fell from {before} to {after} of all feedback.").format(**values)
    if ev.verdict_code == "worsened":
        return _("So far it has not worked as we hoped (complaints about “{topic}”: {before} before, {after} after). We are trying something else.").format(**values)
    return _("Complaints about “{topic}” went from {before} to {after} of all feedback, not yet a clear change. We keep working on it.").format(**values)


def build_improvement_report(db, action_ids: Iterable[int], *, shop_name: str | None = None) -> ImprovementReport:
    """Content of the customer report for the chosen actions (in the order given)."""
    from cxdesk.core import actions as actions_core

    ids = [int(i) for i in action_ids]
    if not ids:
        raise InvalidValueError(_("Choose at least one action for the report."))
    from cxdesk.core.analysis import topics as topics_core
    from cxdesk.core.analysis import trends

    try:
        matcher = topics_core.matcher_for(db)
    except Exception:  # noqa: BLE001 - quotes then show whole reviews
        matcher = None
    last_day = trends.data_range(db)[1] or date.today()
    stories = []
    for action_id in dict.fromkeys(ids):
        action = actions_core.get_action(db, action_id)   # NotFoundError names the id
        ev = report_data.evaluation_for(db, action)
        if ev is not None and ev.before_start and ev.before_end:
            period = (ev.before_start, ev.before_end)
        elif action.live_date is not None:
            period = (action.live_date - timedelta(days=VOICE_DAYS), action.live_date - timedelta(days=1))
        else:
            # Not live yet: what customers said recently.
            period = (last_day - timedelta(days=VOICE_DAYS - 1), last_day)
        voices = _voices(db, action.topics, period)
        known = ev is not None and ev.verdict_code != "insufficient_data"
        stories.append(ActionStory(
            id=action.id,
            title=action.title,
            done=(action.description or "").strip() or action.title,
            status=action.status,
            live_date=action.live_date,
            topics=tuple(action.topics),
            voices=voices,
            quotes=_quotes(db, action, ev, period, matcher),
            verdict=ev.verdict_code if ev else "",
            before_rate=ev.before if ev else None,
            after_rate=ev.after if known else None,
            result=_result_words(action, ev),
            owner_note=ev.plain if ev else "",
        ))
    name = shop_name if shop_name is not None else (get_setting(db, SHOP_NAME_KEY, "") or "")
    return ImprovementReport(str(name).strip(), datetime.now().replace(microsecond=0), tuple(stories))


# ---------------------------------------------------------------------------------------------
# Words


def _voice_sentence(v: TopicVoice) -> str:
    if v.period_from and v.period_to:
        return ngettext(
            "From {start} to {end}, {n} customer mentioned “{topic}” unfavourably.",
            "From {start} to {end}, {n} customers mentioned “{topic}” unfavourably.", v.negative,
        ).format(n=v.negative, topic=v.topic, start=_md(v.period_from), end=_md(v.period_to))
    return ngettext(
        "{n} customer mentioned “{topic}” unfavourably.",
        "{n} customers mentioned “{topic}” unfavourably.", v.negative,
    ).format(n=v.negative, topic=v.topic)


def _md(d: date) -> str:
    return _("{month}/{day}").format(month=d.month, day=d.day)


def _long_date(d: date) -> str:
    return _("{month}/{day}/{year}").format(year=d.year, month=d.month, day=d.day)


_CSS = """
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "Hiragino Sans GB",
       "WenQuanYi Micro Hei", sans-serif; color: #1f2d3d; max-width: 760px; margin: 0 auto; }
h1 { font-size: 24pt; color: #1f3b57; margin: 0 0 4px 0; }
h2 { font-size: 16pt; color: #1f3b57; margin: 24px 0 6px 0; border-bottom: 1px solid #c9d6e3; }
h3 { font-size: 12pt; color: #52677d; margin: 14px 0 4px 0; }
p { margin: 4px 0 8px 0; font-size: 11pt; }
.sub { color: #6b7785; font-size: 10pt; }
.quote { color: #3d4b59; background-color: #f3f6f9; border-left: 3px solid #9db3c8; padding: 4px 10px; margin: 4px 0;
         font-size: 11pt; }
.result { font-size: 12pt; font-weight: bold; color: #1c5b2c; }
.result-flat { font-size: 12pt; font-weight: bold; color: #7a4b00; }
table.numbers { border-collapse: collapse; margin: 6px 0 10px 0; }
table.numbers td { padding: 4px 14px; text-align: center; border: 1px solid #c9d6e3; font-size: 11pt; }
span.big, .big { font-size: 18pt; font-weight: bold; color: #1f3b57; }
.thanks { margin-top: 28px; font-size: 12pt; }
"""


def render_html(report: ImprovementReport) -> str:
    """The report as one self-contained HTML page (inline CSS, no scripts, no outside files)."""
    e = html.escape
    lang = "zh-CN" if _("We heard you, and we made changes") != "We heard you, and we made changes" else "en"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
    ]
    sub = _("Report date: {date}").format(date=_long_date(report.generated.date()))
    if report.shop_name:
        sub = f"{report.shop_name} · {sub}"
    parts.append(f'<p class="sub">{e(sub)}</p>')
    parts.append(f"<p>{e(_('Thank you for every review and suggestion. Here is what you told us and what we did about it.'))}</p>")
    for i, story in enumerate(report.stories, 1):
        heading = story.title if len(report.stories) == 1 else f"{i}. {story.title}"
        parts.append(f"<h2>{e(heading)}</h2>")
        parts.append(f"<h3>{e(_('What you told us'))}</h3>")
        said = [v for v in story.voices if v.negative]
        for v in said:
            parts.append(f"<p>{e(_voice_sentence(v))}</p>")
        if not said and not story.quotes:
            parts.append(f"<p>{e(_('Several customers raised this with us.'))}</p>")
        for q in story.quotes:
            parts.append(f'<p class="quote">“{e(q.text)}”</p>')
        parts.append(f"<h3>{e(_('What we did'))}</h3>")
        done = e(story.done).replace("\n", "<br>")
        parts.append(f"<p>{done}</p>")
        if story.live_date:
            parts.append(f'<p class="sub">{e(_("In place since {date}.").format(date=_long_date(story.live_date)))}</p>')
        parts.append(f"<h3>{e(_('What changed'))}</h3>")
        if story.before_rate is not None and story.after_rate is not None:
            parts.append('<table class="numbers"><tr>'
                         f'<td>{e(_("Before the change"))}<br><span class="big">{e(_pct(story.before_rate))}</span></td>'
                         f'<td>{e(_("After the change"))}<br><span class="big">{e(_pct(story.after_rate))}</span></td>'
                         "</tr></table>")
        css = "result" if story.verdict == "improved" else "result-flat"
        parts.append(f'<p class="{css}">{e(story.result)}</p>')
    closing = _("Please keep telling us what you think. Every review is read.")
    parts.append(f'<p class="thanks">{e(closing)}</p>')
    if report.shop_name:
        parts.append(f'<p class="sub">— {e(report.shop_name)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def announcement_text(report: ImprovementReport, *, max_chars: int = 500) -> str:
    """A short post the owner can paste into WeChat Moments, Weibo or a review reply."""
    lines = [_("【We heard you, and we made changes】"), _("Thank you for your feedback! Here is what we changed:")]
    for i, story in enumerate(report.stories, 1):
        prefix = f"{i}. " if len(report.stories) > 1 else ""
        said = [v for v in story.voices if v.negative]
        topic = "、".join(story.topics) or story.title
        if said:
            n = sum(v.negative for v in said)
            heard = ngettext("{n} customer told us about “{topic}”", "{n} customers told us about “{topic}”", n).format(
                n=n, topic=topic)
        else:
            heard = _("You told us about “{topic}”").format(topic=topic)
        if story.quotes:
            heard += _(", e.g. “{quote}”").format(quote=_short(story.quotes[0].text, 30))
        lines.append(prefix + heard + _("."))
        done = " ".join(story.done.split())
        if len(done) > 80:
            done = done[:79] + "…"
        what = _("What we did: {done}").format(done=done)
        if story.live_date:
            what += _(" (since {date})").format(date=_md(story.live_date))
        lines.append(what)
        lines.append(story.result)
    lines.append(_("Please keep the feedback coming!"))
    if report.shop_name:
        lines.append(f"—— {report.shop_name}")
    text = "\n".join(lines)
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return text
