"""The improvement report as a self-contained HTML page (printed to PDF by the UI and the CLI) and as a
short announcement for a post."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import TYPE_CHECKING

from cxdesk.core.formatting import month_abbreviation, percent
from cxdesk.core.reports.quotes import shorten, stored_day
from cxdesk.i18n import _, ngettext

if TYPE_CHECKING:
    from cxdesk.core.reports.improvement import ActionStory, ImprovementReport, TopicVoice

DEFAULT_COLOUR = "#1f3b57"
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")



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


def _heard_sentence(story: ActionStory) -> str:
    """What customers said, counted by the saved evaluation's before-period."""
    b = story.before
    return ngettext(
        "From {start} to {end}, {n} of {total} reviews complained about {subject}.",
        "From {start} to {end}, {n} of {total} reviews complained about {subject}.", b.topic_negative,
    ).format(start=_md(b.start), end=_md(b.end), n=b.topic_negative, total=b.total, subject=story.subject)


def _md(d: date) -> str:
    """“5 Dec” / “12月5日”: never 12/5, which half the world reads as 12 May."""
    return _("{day} {mon}").format(day=d.day, month=d.month, mon=month_abbreviation(d.month))


def long_date(d: date) -> str:
    return _("{day} {mon} {year}").format(year=d.year, month=d.month, day=d.day, mon=month_abbreviation(d.month))


_CSS = """
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "Hiragino Sans GB",
       "WenQuanYi Micro Hei", sans-serif; color: #1f2d3d; max-width: 760px; margin: 0 auto; }
h1 { font-size: 24pt; color: @ACCENT@; margin: 0 0 4px 0; }
h2 { font-size: 16pt; color: @ACCENT@; margin: 18px 0 6px 0; border-bottom: 1px solid #c9d6e3; }
h3 { font-size: 12pt; color: #52677d; margin: 10px 0 4px 0; }
p { margin: 4px 0 8px 0; font-size: 11pt; }
.sub { color: #6b7785; font-size: 10pt; }
.quote { color: #3d4b59; background-color: #f3f6f9; border-left: 3px solid #9db3c8; padding: 4px 10px; margin: 4px 0;
         font-size: 11pt; }
.result { font-size: 12pt; font-weight: bold; color: #1c5b2c; }
.result-flat { font-size: 12pt; font-weight: bold; color: #52677d; }
table.chart td { font-size: 10pt; padding: 2px 4px; }
.thanks { margin-top: 20px; font-size: 12pt; }
"""


def _block(inner: str) -> str:
    """A section: a heading and the content it introduces, kept together in a browser.

    The PDF printer keeps every heading with the line after it (`render.pdf.keep_headings_with_next`), so
    no heading is left alone at the foot of a page there either.
    """
    return f'<div class="block" style="break-inside: avoid; page-break-inside: avoid">{inner}</div>'


def _chart(story: ActionStory, colour: str) -> str:
    """A small before/after bar chart of the metric, as a table (no image, prints everywhere)."""
    e = html.escape
    b, a = story.before, story.after
    top = max(b.negative_rate, a.negative_rate) or 1.0
    rows = []
    for label, w, fill in ((_("Before the change"), b, "#9db3c8"), (_("After the change"), a, colour)):
        width = max(1, round(70 * w.negative_rate / top))
        rows.append(
            f'<tr><td width="22%" class="sub">{e(label)}<br>{e(_md(w.start))}–{e(_md(w.end))}</td>'
            f'<td width="78%"><table cellspacing="0" cellpadding="0" width="100%"><tr>'
            f'<td width="{width}%" bgcolor="{fill}" style="background-color: {fill}">&nbsp;</td>'
            f'<td width="{100 - width}%">&nbsp;<b>{e(percent(w.negative_rate))}</b></td></tr></table></td></tr>')
    return ('<table class="chart" width="100%" cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>"
            f'<p class="sub">{e(story.metric)}</p>')


def render_html(report: ImprovementReport) -> str:
    """The report as one self-contained HTML page (inline CSS and logo, no scripts, no outside files)."""
    e = html.escape
    accent = report.colour if COLOUR_PATTERN.match(report.colour or "") else DEFAULT_COLOUR
    lang = "zh-CN" if _("We heard you, and we made changes") != "We heard you, and we made changes" else "en"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(report.title)}</title><style>{_CSS.replace('@ACCENT@', accent)}</style></head><body>",
    ]
    if report.logo:
        parts.append(f'<p><img src="{e(report.logo)}" height="56" alt="{e(report.shop_name)}"></p>')
    parts.append(f"<h1>{e(report.title)}</h1>")
    sub = _("Report date: {date}").format(date=long_date(report.generated.date()))
    if report.shop_name:
        sub = f"{report.shop_name} · {sub}"
    parts.append(f'<p class="sub">{e(sub)}</p>')
    parts.append(f"<p>{e(_('Thank you for every review and suggestion. Here is what you told us and what we did about it.'))}</p>")
    for i, story in enumerate(report.stories, 1):
        heading = story.title if len(report.stories) == 1 else f"{i}. {story.title}"
        told = [f"<h3>{e(_('What you told us'))}</h3>"]
        if story.before is not None and story.before.topic_negative:
            told.append(f"<p>{e(_heard_sentence(story))}</p>")
        said = [v for v in story.voices if v.negative]
        for v in said:
            told.append(f"<p>{e(_voice_sentence(v))}</p>")
        if not said and not story.quotes and story.before is None:
            told.append(f"<p>{e(_('Several customers raised this with us.'))}</p>")
        for q in story.quotes:
            told.append(f'<p class="quote">“{e(q.text)}”</p>')
        parts.append(_block(f"<h2>{e(heading)}</h2>" + "".join(told)))
        done = [f"<h3>{e(_('What we did'))}</h3>", f"<p>{e(story.done).replace(chr(10), '<br>')}</p>"]
        if story.live_date:
            done.append(f'<p class="sub">{e(_("In place since {date}.").format(date=long_date(story.live_date)))}</p>')
        if story.customers_told:
            done.append("<p>" + e(ngettext(
                "We told the {n} customer who complained about it what we changed.",
                "We told the {n} customers who complained about it what we changed.",
                story.customers_told).format(n=story.customers_told)) + "</p>")
        parts.append(_block("".join(done)))
        changed = [f"<h3>{e(_('What changed'))}</h3>"]
        if story.verdict in ("improved", "worsened") and story.before is not None and story.after is not None:
            changed.append(_chart(story, accent))
        css = "result" if story.verdict == "improved" else "result-flat"
        changed.append(f'<p class="{css}">{e(story.result)}</p>')
        if story.evaluated_at and story.before is not None:
            changed.append(f'<p class="sub">{e(_("Numbers from our evaluation of {date}.").format(date=long_date(stored_day(story.evaluated_at) or report.generated.date())))}</p>')
        parts.append(_block("".join(changed)))
    closing = _("Please keep telling us what you think. Every review is read.")
    tail = f'<p class="thanks">{e(closing)}</p>'
    if report.shop_name:
        tail += f'<p class="sub">— {e(report.shop_name)}</p>'
    parts.append(_block(tail))
    parts.append("</body></html>")
    return "\n".join(parts)


def announcement_text(report: ImprovementReport, *, max_chars: int = 500) -> str:
    """A short post the owner can paste into WeChat Moments, Weibo or a review reply."""
    lines = [_("【We heard you, and we made changes】"), _("Thank you for your feedback! Here is what we changed:")]
    for i, story in enumerate(report.stories, 1):
        prefix = f"{i}. " if len(report.stories) > 1 else ""
        said = [v for v in story.voices if v.negative]
        topic = story.subject
        n = story.before.topic_negative if story.before is not None else sum(v.negative for v in said)
        if n:
            heard = ngettext("{n} customer told us about {topic}", "{n} customers told us about {topic}", n).format(
                n=n, topic=topic)
        else:
            heard = _("You told us about {topic}").format(topic=topic)
        if story.quotes:
            heard += _(", e.g. “{quote}”").format(quote=shorten(story.quotes[0].text, 30))
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
