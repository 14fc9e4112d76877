"""CLI commands for customer cases: `cxdesk cases list|show|set|stats|notify|settings`."""

from __future__ import annotations

import argparse

from cxdesk.commands.common import add_command, open_database, print_items, print_json
from cxdesk.core.actions import EVALUATION_WINDOW_DAYS
from cxdesk.i18n import _


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("cases", parents=[parent], help=_("customer cases: unhappy reviews to answer"))
    csub = p.add_subparsers(dest="cases_command", metavar=_("CASES_COMMAND"))
    csub.required = True
    statuses = _("open, replied, contacted, resolved, ignored (or 待处理, 已回复, 已联系, 已解决, 无需处理)")

    a = add_command(csub, parent, "list", cmd_list, _("list cases, overdue first, then by severity"))
    a.add_argument("--status", help=statuses)
    a.add_argument("--overdue", action="store_true", help=_("only open cases past their due time"))
    a.add_argument("--topic", help=_("only cases complaining about this topic"))
    a.add_argument("--channel", help=_("only cases from this channel"))

    a = add_command(csub, parent, "show", cmd_show, _("show a case with its history and reply draft"))
    a.add_argument("id", type=int, metavar="ID")

    a = add_command(csub, parent, "set", cmd_set, _("change the status, note, reply or owner of a case"))
    a.add_argument("id", type=int, metavar="ID")
    a.add_argument("--status", help=statuses)
    a.add_argument("--note", help=_("a note for the case"))
    a.add_argument("--reply", help=_("the reply given to the customer"))
    a.add_argument("--owner", help=_("who handles the case"))

    add_command(csub, parent, "stats", cmd_stats, _("case counts, response rate and time to first reply"))

    a = add_command(csub, parent, "notify", cmd_notify,
                    _("customers who complained about an action's topics before it went live, with a message each"))
    a.add_argument("action_id", type=int, metavar="ACTION_ID")
    a.add_argument("--window", type=int, default=EVALUATION_WINDOW_DAYS, metavar="DAYS",
                   help=_("days before the go-live date to look back (default {n})").format(n=EVALUATION_WINDOW_DAYS))
    a.add_argument("--mark", action="store_true", help=_("record every listed customer as notified"))

    a = add_command(csub, parent, "template", cmd_template, _("show the reply templates, or change the one of a topic"))
    a.add_argument("topic", nargs="?", metavar="TOPIC", help=_("the topic whose template to show or change"))
    a.add_argument("--english", action="store_true", help=_("the English template (default: the Chinese one)"))
    a.add_argument("--set", dest="text", metavar="TEXT",
                   help=_("new template; {name} is the customer's name, {words} the complaint's words; \"\" restores the shipped one"))

    a = add_command(csub, parent, "settings", cmd_settings, _("show or change when cases open and when they are due"))
    a.add_argument("--backfill-days", type=int, metavar="DAYS",
                   help=_("reviews older than this when first imported open no case (default 30)"))
    a.add_argument("--reply-hours", type=float, metavar="HOURS",
                   help=_("reply target: a case is due this many hours after the review (default 24)"))
    a.add_argument("--three-star", choices=("on", "off"), help=_("3-star reviews with a complaint open a case too"))


def _fresh(args: argparse.Namespace):
    from cxdesk.core.cases import open_cases

    db = open_database(args)
    open_cases(db)
    return db


def _line(c) -> str:
    mark = "!" if c.overdue else " "
    rating = c.score_label
    text = " ".join(c.text.split())
    text = text if len(text) <= 40 else text[:39] + "…"
    topics = ("[" + _(", ").join(c.topics) + "] ") if c.topics else ""
    return f"{mark} #{c.id} {c.status_label}  {rating}  {c.channel or '–'}  {c.author or '–'}  " + \
        _("due {time}").format(time=c.due_at[:16]) + f"  {topics}{text}"


def cmd_list(args: argparse.Namespace) -> int:
    from cxdesk.core.cases import list_cases

    db = _fresh(args)
    items = list_cases(db, status=args.status, overdue=args.overdue, topic=args.topic, channel=args.channel)
    if print_items(args, items, lambda c: c.to_json(), _("No cases match.")):
        return 0
    for c in items:
        print(_line(c))
    return 0


def _print_detail(detail) -> None:
    from cxdesk.core.cases import field_name, status_name

    c = detail.case
    print(f"#{c.id}  {c.status_label}" + ("  " + _("(overdue)") if c.overdue else ""))
    rows = [
        (_("Review"), c.text or "–"),
        (_("Rating"), f"{c.rating:g}" if c.rating is not None else c.score_label if c.nps is not None else "–"),
        (_("Customer"), c.author or "–"),
        (_("Channel"), c.channel or "–"),
        (_("Review time"), c.created_at or "–"),
        (_("Due"), c.due_at),
        (_("Complaint topics"), _(", ").join(c.topics) or "–"),
        (_("Owner"), c.owner or "–"),
        (_("Note"), c.note or "–"),
        (_("Reply"), c.reply or "–"),
    ]
    for label, value in rows:
        print("  " + _("{label}: {value}").format(label=label, value=value))
    print(_("Draft:"))
    print("  " + c.draft)
    print(_("History:"))
    for h in detail.history:
        if h.field == "status":
            old = status_name(h.old_value) if h.old_value else "–"
            print(f"  {h.at}  " + _("{label}: {value}").format(label=_("Status"), value=f"{old} → {status_name(h.new_value)}"))
        else:
            print(f"  {h.at}  " + _("{label}: {value}").format(label=field_name(h.field), value=f"{h.old_value or '–'} → {h.new_value or '–'}"))


def cmd_show(args: argparse.Namespace) -> int:
    from cxdesk.core.cases import get_case

    db = _fresh(args)
    detail = get_case(db, args.id)
    if args.json:
        print_json(detail.to_json())
    else:
        _print_detail(detail)
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from cxdesk.core.cases import update_case
    from cxdesk.core.errors import InvalidValueError

    if args.status is None and args.note is None and args.reply is None and args.owner is None:
        raise InvalidValueError(_("Say what to change: --status, --note, --reply or --owner."))
    db = open_database(args)
    detail = update_case(db, args.id, status=args.status, note=args.note, reply=args.reply, owner=args.owner)
    if args.json:
        print_json(detail.to_json())
    else:
        print(_("Case {id} is now “{status}”.").format(id=detail.case.id, status=detail.case.status_label))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from cxdesk.core.cases import case_stats, status_name
    from cxdesk.core.formatting import percent as format_pct

    db = _fresh(args)
    stats = case_stats(db)
    if args.json:
        print_json(stats.to_json())
        return 0
    for key in ("open", "replied", "contacted", "resolved", "ignored"):
        print("  " + _("{label}: {value}").format(label=status_name(key), value=getattr(stats, key)))
    print("  " + _("{label}: {value}").format(label=_("Overdue"), value=stats.overdue))
    print("  " + _("{label}: {value}").format(
        label=_("Response rate"), value=format_pct(stats.response_rate) if stats.response_rate is not None else "–"))
    print("  " + _("{label}: {value}").format(
        label=_("Median hours to first reply"),
        value=f"{stats.median_reply_hours:g}" if stats.median_reply_hours is not None else "–"))
    print("  " + _("{label}: {value}").format(
        label=_("Resolved share"), value=format_pct(stats.resolved_share) if stats.resolved_share is not None else "–"))
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    from cxdesk.core.case_notify import mark_notified, notify_list

    db = open_database(args)
    items = notify_list(db, args.action_id, window_days=args.window)
    if args.mark and items:
        mark_notified(db, args.action_id, [n.feedback_id for n in items])
        items = notify_list(db, args.action_id, window_days=args.window)
    if print_items(args, items, lambda n: n.to_json(),
                   _("No customer complained about this action's topics in the weeks before it went live.")):
        return 0
    for n in items:
        done = "  " + _("(notified {time})").format(time=n.notified_at) if n.notified_at else ""
        print(f"#{n.feedback_id}  {n.channel or '–'}  {n.author or '–'}  {(n.created_at or '')[:16]}{done}")
        print("    " + " ".join(n.text.split())[:80])
        print("    → " + n.message)
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from cxdesk.core.cases import set_settings

    db = open_database(args)
    settings = set_settings(db, backfill_days=args.backfill_days, reply_target_hours=args.reply_hours,
                            three_star=None if args.three_star is None else args.three_star == "on")
    if args.json:
        print_json({"backfill_days": settings.backfill_days, "reply_target_hours": settings.reply_target_hours,
                    "three_star": settings.three_star})
        return 0
    print("  " + _("{label}: {value}").format(label=_("Backfill window (days)"), value=settings.backfill_days))
    print("  " + _("{label}: {value}").format(label=_("Reply target (hours)"), value=f"{settings.reply_target_hours:g}"))
    print("  " + _("{label}: {value}").format(label=_("3-star reviews with a complaint"),
                                                value=_("on") if settings.three_star else _("off")))
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from cxdesk.core.cases import reply_templates, set_reply_template

    lang = "en" if args.english else "zh"
    db = open_database(args)
    if args.text is not None:
        if not args.topic:
            from cxdesk.core.errors import InvalidValueError

            raise InvalidValueError(_("Name the topic whose template to change, e.g. cxdesk cases template 上菜速度 --set TEXT"))
        set_reply_template(db, args.topic, lang, args.text)
    templates = reply_templates(db)
    chosen = {args.topic: templates.get(args.topic, {})} if args.topic else templates
    if args.json:
        print_json(chosen)
        return 0
    for topic, texts in chosen.items():
        print(f"{topic}: {texts.get(lang) or '–'}")
    return 0
