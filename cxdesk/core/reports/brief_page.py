"""The weekly brief as one self-contained HTML page (no scripts, no outside files), also printed to PDF.

The sentences are those of `brief.text`; the page adds a small table of the week against last week
and a bar per fix (its complaints this week). `render.pdf.write_pdf` prints the same HTML to A4.
"""

from __future__ import annotations

import html
from pathlib import Path

from cxdesk.core.brief.brief import Brief
from cxdesk.core.brief import text
from cxdesk.core.errors import CxdeskError
from cxdesk.core.brief.goals import points_text
from cxdesk.core.formatting import NONE, decimal, percent
from cxdesk.i18n import _

_CSS = """
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #202124;
       max-width: 760px; margin: 16px auto; font-size: 11pt; }
h1 { font-size: 17pt; margin: 0 0 6px 0; }
h2 { font-size: 13pt; margin: 14px 0 4px 0; color: #1e63b5; }
p { margin: 3px 0; }
.sub { color: #5f6368; font-size: 10pt; }
.ok { color: #2e7d32; } .bad { color: #c62828; }
table.kpi td, table.kpi th { padding: 3px 10px; text-align: right; }
table.kpi th { color: #5f6368; font-weight: normal; }
.quote { color: #5f6368; font-size: 10pt; margin-left: 18px; }
"""


class BriefWriteError(CxdeskError):
    """The brief's page cannot be written."""


def _kpi_table(brief: Brief) -> str:
    e = html.escape
    cur, prev = brief.current, brief.previous
    rows = [(_("Reviews"), str(cur.total), str(prev.total)),
            (_("Negative rate"), percent(cur.negative_share), percent(prev.negative_share)),
            (_("Average rating"), decimal(cur.mean_rating), decimal(prev.mean_rating))]
    if not brief.has_reviews:
        rows = []
    if brief.nps is not None:
        rows.append((_("NPS"), _nps(brief.nps.value), _nps(brief.nps_previous.value)))
    head = f"<tr><th></th><th>{e(_('This week'))}</th><th>{e(_('Same days last week') if brief.partial else _('Last week'))}</th></tr>"
    body = "".join(f"<tr><td style='text-align:left'>{e(a)}</td><td><b>{e(b)}</b></td><td>{e(c)}</td></tr>"
                   for a, b, c in rows)
    return f'<table class="kpi" cellspacing="0">{head}{body}</table>'


def _nps(value: float | None) -> str:
    return NONE if value is None else points_text(value)


def _bar(n: int, top: int) -> str:
    width = max(1, round(60 * n / top)) if top else 1
    return (f'<table cellspacing="0" cellpadding="0" width="100%"><tr><td width="{width}%" bgcolor="#e57373" '
            f'style="background-color:#e57373">&nbsp;</td><td width="{100 - width}%">&nbsp;{n}</td></tr></table>')


def render_brief_html(brief: Brief) -> str:
    e = html.escape
    lang = "zh-CN" if _("Goals:") != "Goals:" else "en"
    parts = ["<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
             f"<title>{e(text.title(brief))}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(text.title(brief))}</h1>"]
    if brief.empty:
        parts += [f"<p>{e(text.nothing_yet())}</p>", "</body></html>"]
        return "\n".join(parts)
    if text.week_note(brief):
        parts.append(f"<p>{e(text.week_note(brief))}</p>")
    if brief.has_reviews:
        parts.append(f"<p>{e(text.headline(brief))}</p>")
    if brief.nps is not None:
        parts.append(f"<p>{e(text.nps_line(brief))}</p>")
    parts.append(_kpi_table(brief))
    if brief.goals:
        parts.append(f"<h2>{e(_('Goals'))}</h2>")
        for g in brief.goals:
            css = "" if g.met is None else ("ok" if g.met else "bad")
            mark = "" if g.met is None else ("✓ " if g.met else "✗ ")
            parts.append(f'<p class="{css}">{e(mark + g.text)}</p>')
    parts.append(f"<h2>{e(_('The three things to fix this week'))}</h2>")
    if not brief.fixes:
        parts.append(f"<p>{e(text.fixes_heading(brief))}</p>")
    top = max((f.negative_mentions for f in brief.fixes), default=0)
    for i, fix in enumerate(brief.fixes, 1):
        parts.append(f"<p><b>{i}. {e(text.fix_line(fix))}</b></p>{_bar(fix.negative_mentions, top)}")
        parts += [f'<p class="quote">“{e(" ".join(x.text.split())[:120])}”</p>' for x in fix.examples]
    more = [text.action_line(a) for a in brief.actions]
    more += [a.title() + _(": ") + a.describe() for a in brief.alerts]
    if brief.cases:
        more.append(text.cases_line(brief))
    if more:
        parts.append(f"<h2>{e(_('Actions, cases and rising complaints'))}</h2>")
        parts += [f"<p>· {e(line)}</p>" for line in more]
    if brief.drivers is not None and brief.drivers.rated:
        parts.append(f'<p class="sub">{e(_("Rating impact from {n} rated reviews, {start} to {end}.").format(n=brief.drivers.rated, start=brief.drivers.date_from.isoformat(), end=brief.drivers.date_to.isoformat()))}</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def write_brief_html(brief: Brief, path: Path) -> Path:
    try:
        Path(path).write_text(render_brief_html(brief), encoding="utf-8")
    except OSError as exc:
        raise BriefWriteError(_("Cannot write “{path}”: {reason}").format(path=path, reason=exc.strerror or exc)) from exc
    return Path(path)


__all__ = ["render_brief_html", "write_brief_html", "BriefWriteError"]
