"""CLI commands for the improvement board and its evaluation: `cxdesk action ...` and `cxdesk evaluate`."""

from __future__ import annotations

import argparse

from cxdesk.commands.common import add_command, open_database, print_items, print_json
from cxdesk.core.actions import EVALUATION_WINDOW_DAYS
from cxdesk.i18n import _


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("action", parents=[parent], help=_("improvement actions on the board"))
    asub = p.add_subparsers(dest="action_command", metavar=_("ACTION_COMMAND"))
    asub.required = True

    a = add_command(asub, parent, "add", cmd_add, _("add an action and print its number"), json_output=False)
    a.add_argument("--title", required=True, help=_("what will be done"))
    a.add_argument("--topic", action="append", default=[], metavar="TOPIC",
                   help=_("topic the action targets (repeat for more)"))
    a.add_argument("--owner", default="", help=_("who does it"))
    a.add_argument("--description", default="", help=_("details"))
    a.add_argument("--keyword", action="append", default=[], metavar="WORD",
                   help=_("also count feedback containing this word (repeat for more)"))
    a.add_argument("--channel", action="append", default=[], metavar="CHANNEL",
                   help=_("only measure feedback from this channel (repeat for more)"))
    a.add_argument("--feedback", action="append", default=[], type=int, metavar="ID",
                   help=_("feedback row that shows the problem (repeat for more)"))
    a.add_argument("--live-date", metavar="DATE", help=_("go-live date, e.g. 2024-03-05 (the action starts as live)"))

    a = add_command(asub, parent, "list", cmd_list, _("list actions by board column"))
    a.add_argument("--status", help=_("only this status (e.g. live or 已上线)"))
    a.add_argument("--topic", help=_("only actions for this topic"))
    a.add_argument("--owner", help=_("only actions of this owner"))

    a = add_command(asub, parent, "move", cmd_move, _("move an action to another status"), json_output=False)
    a.add_argument("id", type=int, metavar="ID")
    a.add_argument("status", metavar="STATUS",
                   help=_("todo, doing, live, evaluated, dropped (or 待办, 进行中, 已上线, 已评估, 已放弃)"))
    a.add_argument("--date", metavar="DATE", help=_("go-live date when moving to live (default: today)"))

    a = add_command(asub, parent, "show", cmd_show, _("show an action with its history"))
    a.add_argument("id", type=int, metavar="ID")

    a = add_command(asub, parent, "edit", cmd_edit,
                    _("change the title, owner, topics or go-live date of an action"), json_output=False)
    a.add_argument("id", type=int, metavar="ID")
    a.add_argument("--title", help=_("what will be done"))
    a.add_argument("--owner", help=_("who does it"))
    a.add_argument("--description", help=_("details"))
    a.add_argument("--topic", action="append", metavar="TOPIC",
                   help=_("topic the action targets (repeat for more; replaces the current ones)"))
    a.add_argument("--keyword", action="append", metavar="WORD",
                   help=_("also count feedback containing this word (repeat for more; replaces the current ones)"))
    a.add_argument("--live-date", metavar="DATE", help=_("go-live date, e.g. 2024-03-05"))

    a = add_command(asub, parent, "undo", cmd_undo, _("undo the last change of an action"), json_output=False)
    a.add_argument("id", type=int, metavar="ID")

    p = add_command(sub, parent, "evaluate", cmd_evaluate, _("did an action work? compare before and after go-live"))
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--window", type=int, default=EVALUATION_WINDOW_DAYS, metavar="DAYS",
                   help=_("days in each window (default {n})").format(n=EVALUATION_WINDOW_DAYS))
    p.add_argument("--lag", type=int, default=0, metavar="DAYS",
                   help=_("days after go-live to leave out while the change settles (default 0)"))
    p.add_argument("--save", action="store_true", help=_("store the result as a dated snapshot"))


def cmd_add(args: argparse.Namespace) -> int:
    from cxdesk.core.actions import create_action

    import sys

    from cxdesk.core.actions import needs_target_warning

    db = open_database(args)
    action_id = create_action(db, args.title, topics=args.topic, owner=args.owner, description=args.description,
                              keywords=args.keyword, channels=args.channel, feedback_ids=args.feedback,
                              live_date=args.live_date)
    print(action_id)
    warning = needs_target_warning(args.topic, args.keyword)
    if warning:
        print(warning, file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from cxdesk.core.actions import STATUSES, list_actions, status_name

    db = open_database(args)
    items = list_actions(db, status=args.status, topic=args.topic, owner=args.owner)
    if print_items(args, items, lambda a: a.to_json(),
                   _("No actions yet. Add one with: cxdesk action add --title TITLE --topic TOPIC")):
        return 0
    for status in STATUSES:
        group = [a for a in items if a.status == status]
        if not group:
            continue
        print(f"{status_name(status)} ({len(group)})")
        for a in group:
            parts = [f"  #{a.id} {a.title}"]
            if a.topics:
                parts.append("[" + _(", ").join(a.topics) + "]")
            if a.owner:
                parts.append(_("owner: {owner}").format(owner=a.owner))
            if a.live_date:
                parts.append(_("live {date}").format(date=a.live_date.isoformat()))
            print("  ".join(parts))
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    from cxdesk.core.actions import get_action, status_name
    from cxdesk.core.board import move_action

    db = open_database(args)
    move_action(db, args.id, args.status, date=args.date)
    action = get_action(db, args.id)
    line = _("Action {id} is now “{status}”.").format(id=action.id, status=status_name(action.status))
    if action.live_date and action.status in ("live", "evaluated"):
        line += " " + _("Go-live date: {date}.").format(date=action.live_date.isoformat())
    print(line)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from cxdesk.core.actions import action_history, field_name, get_action, history_value
    from cxdesk.core.evaluation import list_snapshots

    db = open_database(args)
    action = get_action(db, args.id)
    history = action_history(db, action.id)
    snaps = list_snapshots(db, action.id)
    if args.json:
        data = action.to_json()
        data["history"] = [{"at": h.at, "field": h.field, "old": h.old_value, "new": h.new_value,
                            "change": h.change_id, "undone_at": h.undone_at} for h in history]
        data["evaluations"] = [{"created_at": s.created_at, "window_days": s.window_days, "lag_days": s.lag_days,
                                "verdict": s.verdict} for s in snaps]
        print_json(data)
        return 0
    print(f"#{action.id} {action.title}")
    rows = [
        (_("Status"), action.status_name),
        (_("Topics"), _(", ").join(action.topics) or "–"),
        (_("Owner"), action.owner or "–"),
        (_("Go-live date"), action.live_date.isoformat() if action.live_date else "–"),
        (_("Created"), action.created_at),
    ]
    if action.keywords:
        rows.append((_("Keywords"), _(", ").join(action.keywords)))
    if action.channels:
        rows.append((_("Channels"), _(", ").join(action.channels)))
    if action.feedback_ids:
        rows.append((_("Example rows"), ", ".join(str(i) for i in action.feedback_ids)))
    if action.description:
        rows.append((_("Description"), action.description))
    for label, value in rows:
        print("  " + _("{label}: {value}").format(label=label, value=value))
    if snaps:
        from cxdesk.core.evaluation import verdict_name

        print(_("Evaluations:"))
        for s in snaps:
            print(f"  {s.created_at}  {verdict_name(s.verdict)}  " + s.result.get("sentence", ""))
    print(_("History:"))
    for h in history:
        mark = "  " + _("(undone)") if h.undone_at else ""
        if h.field == "created":
            print(f"  {h.at}  " + field_name("created") + mark)
        else:
            change = f"{history_value(h.field, h.old_value)} → {history_value(h.field, h.new_value)}"
            print(f"  {h.at}  " + _("{label}: {value}").format(label=field_name(h.field), value=change) + mark)
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from cxdesk.core.actions import update_action

    fields = {name: value for name, value in (("title", args.title), ("owner", args.owner),
                                              ("description", args.description), ("topics", args.topic),
                                              ("keywords", args.keyword), ("live_date", args.live_date))
              if value is not None}
    db = open_database(args)
    changes = update_action(db, args.id, **fields)
    print(_("Saved.") if changes.any() else _("Nothing changed."))
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    from cxdesk.core.actions import undo_last_change

    db = open_database(args)
    changes = undo_last_change(db, args.id)
    print(_("Undone.") if changes.any() else _("Nothing to undo for action {id}.").format(id=args.id))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from cxdesk.core.evaluation import (detail_lines, evaluate_action, format_pct, format_relative, next_step,
                                        plain_verdict, snapshot_evaluation, topic_metric_name, verdict_name)

    db = open_database(args)
    run = snapshot_evaluation if args.save else evaluate_action
    ev = run(db, args.id, window_days=args.window, lag_days=args.lag)
    from cxdesk.core.surveys.evaluation import evaluate_nps

    nps = evaluate_nps(db, args.id, window_days=args.window, lag_days=args.lag)
    if args.json:
        print_json({**ev.to_json(), **({"nps": nps.to_json()} if nps else {})})
        return 0
    print(f"#{ev.action_id} {ev.title}: {verdict_name(ev.verdict)}")
    print("  " + _("Metric: {metric}").format(metric=ev.metric))
    for name, w in ((_("Before"), ev.before), (_("After"), ev.after)):
        if w.total:
            line = _("{name} {start} – {end}: {negative} of {total} feedback rows ({rate})").format(
                name=name, start=w.start.isoformat(), end=w.end.isoformat(), total=w.total,
                negative=w.topic_negative, rate=format_pct(w.negative_rate))
        else:
            line = _("{name} {start} – {end}: no feedback yet").format(
                name=name, start=w.start.isoformat(), end=w.end.isoformat())
        print("  " + line)
    if ev.comparable:
        print("  " + _("Change: {before} → {after} ({change})").format(
            before=format_pct(ev.before.negative_rate), after=format_pct(ev.after.negative_rate),
            change=format_relative(ev.relative_change)))
        print("  " + _("{metric}: {before} → {after}").format(
            metric=topic_metric_name(ev.topics, ev.keywords), before=format_pct(ev.before.topic_negative_share),
            after=format_pct(ev.after.topic_negative_share)))
    if nps:
        print("  " + nps.sentence())
    print(_("Why: {text}").format(text=plain_verdict(ev)))
    print(_("Next: {text}").format(text=next_step(ev)))
    print(_("Details:"))
    for line in detail_lines(ev):
        print("  · " + line)
    if args.save:
        print(_("Saved as a dated evaluation."))
    return 0
