"""CLI commands about what the feedback says over time: `stats` (counts, shares, trend) and `alerts`."""

from __future__ import annotations

import argparse
import unicodedata

from cxdesk.commands import survey_output
from cxdesk.commands.common import open_database, print_items, print_json
from cxdesk.core.formatting import decimal, parse_day, percent
from cxdesk.i18n import _, ngettext


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("stats", parents=[parent],
                       help=_("count feedback and sentiment by day, week or month, by channel and topic"))
    p.add_argument("--by", choices=("day", "week", "month"), default="month",
                   help=_("length of each period (default: month)"))
    p.add_argument("--topic", action="append", default=[], metavar="TOPIC",
                   help=_("only rows mentioning this topic (repeatable)"))
    p.add_argument("--channel", action="append", default=[], metavar="CHANNEL",
                   help=_("only rows from this channel (repeatable)"))
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help=_("first day to include"))
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help=_("last day to include"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("alerts", parents=[parent], help=_("show topics and channels whose complaints are rising"))
    p.add_argument("--run", action="store_true", help=_("check the latest week again before showing alerts"))
    p.add_argument("--all", action="store_true", help=_("include dismissed alerts"))
    p.add_argument("--dismiss", type=int, metavar="ID", help=_("dismiss the alert with this number"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.set_defaults(func=cmd_alerts)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: str, width: int, left: bool = False) -> str:
    """Pad to a terminal width where Chinese characters take two columns."""
    pad = " " * max(0, width - _width(text))
    return text + pad if left else pad + text


def _print_periods(tr, by: str) -> None:
    """One line per day, week or month: counts, negative share with its interval, mean rating."""
    head = {"day": _("Day"), "week": _("Week of"), "month": _("Month")}[by]
    print()
    print(_cell(head, 12, left=True) + "".join(_cell(h, 9) for h in (_("Rows"), _("Positive"), _("Neutral"), _("Negative")))
          + _cell(_("Neg. share"), 11) + "  " + _cell(_("95% interval"), 15, left=True) + _cell(_("Rating"), 7))
    for b in tr.buckets:
        k = b.counts
        label = b.start.strftime("%Y-%m") if by == "month" else b.start.isoformat()
        ci = k.negative_ci
        ci_text = "" if ci is None else f"{ci[0] * 100:.0f}–{ci[1] * 100:.0f}%"
        print(_cell(label, 12, left=True) + "".join(_cell(str(v), 9) for v in (k.total, k.positive, k.neutral, k.negative))
              + _cell(percent(k.negative_share), 11) + "  " + _cell(ci_text, 15, left=True) + _cell(decimal(k.mean_rating), 7))


def _undated_left_out(db, flt, undated_counted: int) -> int:
    """Rows of the other filters without a usable date: a --from/--to range cannot hold them, so they are
    left out of every number (`undated_counted`: those with an implausible date the range still holds)."""
    from dataclasses import replace

    from cxdesk.core.analysis import trends

    if not (flt.date_from or flt.date_to):
        return 0
    undated = trends.trend(db, replace(flt, date_from=None, date_to=None), "month", fill_gaps=False).undated
    return max(0, undated - undated_counted)


def _print_stats(c, sources: int, left_out: int, by_channel: dict, tr, by: str, ranking: list) -> None:
    """The text output of `cxdesk stats`."""
    print(ngettext("{n} feedback row", "{n} feedback rows", c.total).format(n=c.total) + " · "
          + ngettext("{n} import", "{n} imports", sources).format(n=sources))
    if left_out:
        print(ngettext("{n} feedback row has no date, so it is outside --from/--to and not counted.",
                       "{n} feedback rows have no date, so they are outside --from/--to and not counted.",
                       left_out).format(n=left_out))
    print(_("Positive {pos}, neutral {neu}, negative {neg}, unknown {unk}; negative share {share} "
            "(of rows with a known sentiment); mean rating {rating}.").format(
        pos=c.positive, neu=c.neutral, neg=c.negative, unk=c.unknown, share=percent(c.negative_share),
        rating=decimal(c.mean_rating)))
    if by_channel:
        print(_("By channel:"))
        for name, cc in by_channel.items():
            print(f"  {name or _('(no channel)')}: {cc.total}  ({_('negative')} {percent(cc.negative_share)})")
    if tr.buckets:
        _print_periods(tr, by)
    if tr.undated:
        print(ngettext("{n} row has no date and is not in the table.",
                       "{n} rows have no date and are not in the table.", tr.undated).format(n=tr.undated))
    if ranking:
        print()
        print(_("Topics by negative mentions (impact = how much the negative share would drop without them):"))
        for r in ranking[:10]:
            print(f"  {r.name}: {r.negative_mentions} / {r.mentions}  "
                  f"{_('impact')} {r.impact * 100:.1f} {_('points')}")


def cmd_stats(args: argparse.Namespace) -> int:
    from cxdesk.core.analysis import trends
    from cxdesk.core.errors import InvalidValueError
    from cxdesk.core.filters import FeedbackFilter

    date_from = parse_day(args.date_from, "--from")
    date_to = parse_day(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise InvalidValueError(_("--from {start} is after --to {end}.").format(start=date_from, end=date_to))
    flt = FeedbackFilter(date_from=date_from, date_to=date_to, channels=tuple(args.channel),
                         topics=tuple(args.topic))
    db = open_database(args, must_exist=True)
    known_topics = set(trends.list_topic_names(db)) | {
        r[0] for r in db.execute("SELECT name FROM topics")}
    for t in args.topic:
        if t not in known_topics:
            raise InvalidValueError(_("There is no topic “{topic}”. Known topics: {names}").format(
                topic=t, names="、".join(sorted(known_topics)) or _("(none yet)")))
    tr = trends.trend(db, flt, args.by)
    all_counts = trends.totals(db, flt)
    by_channel = trends.counts_by_channel(db, flt)
    by_month = trends.trend(db, flt, "month", fill_gaps=False)
    left_out = _undated_left_out(db, flt, by_month.undated)
    ranking = trends.topic_ranking(db, flt)
    days = [row[0] for row in trends.daily_rows(db, flt) if row[0]]
    first, last = (days[0], days[-1]) if days else (None, None)
    sources = db.execute("SELECT count(*) FROM sources WHERE undone_at IS NULL").fetchone()[0]
    if args.json:
        by_month_counts = {b.start.strftime("%Y-%m"): b.counts.total for b in by_month.buckets}
        if by_month.undated:
            by_month_counts[""] = by_month.undated
        out = {
            "total": all_counts.total,
            "by_channel": {k: v.total for k, v in by_channel.items()},
            "by_month": by_month_counts,
            "by_label": {"positive": all_counts.positive, "neutral": all_counts.neutral,
                         "negative": all_counts.negative, "unknown": all_counts.unknown},
            "rated": all_counts.rating_n,
            "average_rating": None if all_counts.mean_rating is None else round(all_counts.mean_rating, 2),
            "sources": sources,
            "first": first,
            "last": last,
            "filter": flt.to_dict(),
            "granularity": args.by,
            "totals": all_counts.to_dict(),
            "undated": tr.undated,
            "undated_left_out": left_out,
            "periods": [b.to_dict() for b in tr.buckets],
            "topics": [r.to_dict() for r in ranking],
            "definitions": {
                "negative_share": "negative / (positive + neutral + negative); unknown excluded",
                "negative_share_ci": "Wilson 95% interval",
                "impact": "overall negative share minus the share if rows whose only negative topic is T were not negative",
            },
        }
        survey_output.add_survey_stats(db, out, flt, args.by)
        print_json(out)
        return 0
    _print_stats(all_counts, sources, left_out, by_channel, tr, args.by, ranking)
    survey_output.print_survey_stats(db, flt, args.by)
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from cxdesk.core.analysis import alerts

    db = open_database(args)
    if args.dismiss is not None:
        alerts.dismiss_alert(db, args.dismiss)
        if not args.json:
            print(_("Alert {id} dismissed.").format(id=args.dismiss))
    from cxdesk.core.storage import is_read_only

    if is_read_only(db):
        if args.run:
            db.require_writable()
        if not alerts.alerts_are_current(db) and not args.json:
            print(_("The database is read-only, so these are the alerts from the last check; newer data was not looked at."))
    elif args.run or not alerts.alerts_are_current(db):
        alerts.run_alerts(db)  # also when data changed since the last check (e.g. an import from the CLI)
    found = alerts.list_alerts(db, include_dismissed=args.all)
    if print_items(args, found, lambda a: a.to_dict(), _("No rising complaints right now.")):
        return 0
    for a in found:
        mark = _(" (dismissed)") if a.dismissed else ""
        print(f"[{a.id}] {a.title()}{mark}")
        print(f"     {a.describe()}")
    return 0
