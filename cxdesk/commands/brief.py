"""CLI commands of the weekly brief: `brief` (the week in one page, or JSON) and `goal add|list|remove`."""

from __future__ import annotations

import argparse

from cxdesk.commands.common import open_database, print_items, print_json
from cxdesk.i18n import _


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    from cxdesk.core.brief.goals import METRICS, PERIODS

    p = sub.add_parser("brief", parents=[parent],
                       help=_("the weekly brief: the week against last week and the goals, the three things to fix"))
    p.add_argument("--week", metavar="YYYY-Www", help=_("the ISO week, e.g. 2026-W05 (default: the newest week, or the "
                                                        "week before when the newest has fewer than 3 days)"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.add_argument("--out", metavar="FILE", help=_("also write the brief as a one-page .pdf or .html file"))
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("goal", parents=[parent], help=_("the owner's goals: add, list or remove"))
    gsub = p.add_subparsers(dest="goal_command", required=True, metavar="{add,list,remove}")
    a = gsub.add_parser("add", parents=[parent], help=_("add a goal"))
    a.add_argument("metric", choices=tuple(METRICS), help=_("what the goal is about"))
    a.add_argument("target", help=_("the target: a rate in percent points (8 or 8%% is 8%%, 0.5 is 0.5%%), stars such as 4.5, "
                                         "or a number of complaints"))
    a.add_argument("--topic", default="", help=_("the topic (for topic_complaints)"))
    a.add_argument("--period", choices=PERIODS, default="week", help=_("measured per week or per month (default: week)"))
    a.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    a.set_defaults(func=cmd_goal_add)
    a = gsub.add_parser("list", parents=[parent], help=_("list the goals and how they stand"))
    a.add_argument("--week", metavar="YYYY-Www", help=_("the ISO week, e.g. 2026-W05 (default: the newest week)"))
    a.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    a.set_defaults(func=cmd_goal_list)
    a = gsub.add_parser("remove", parents=[parent], help=_("remove a goal"))
    a.add_argument("id", type=int, help=_("the goal's number (see goal list)"))
    a.set_defaults(func=cmd_goal_remove)


def _week(db, text: str | None):
    from cxdesk.core.brief.brief import default_week, parse_week

    return parse_week(text) if text else default_week(db)


def cmd_brief(args: argparse.Namespace) -> int:
    from cxdesk.core.brief.brief import build_brief, parse_week
    from cxdesk.core.brief.text import brief_lines

    week = parse_week(args.week) if args.week else None
    db = open_database(args, must_exist=True)
    brief = build_brief(db, week)
    if args.out:
        from pathlib import Path

        from cxdesk.render.brief_page import write_brief_page

        write_brief_page(brief, Path(args.out))
    if args.json:
        print_json(brief.to_dict())
        return 0
    print("\n".join(brief_lines(brief)))
    if args.out:
        print(_("Written: {path}").format(path=args.out))
    return 0


def cmd_goal_add(args: argparse.Namespace) -> int:
    from cxdesk.core.brief.goals import add_goal, list_goals

    db = open_database(args)
    goal_id = add_goal(db, args.metric, args.target, topic=args.topic, period=args.period)
    goal = next(g for g in list_goals(db) if g.id == goal_id)
    if args.json:
        print_json(goal.to_dict())
    else:
        print(_("Goal {id} added.").format(id=goal_id))
    return 0


def cmd_goal_list(args: argparse.Namespace) -> int:
    from cxdesk.core.brief.brief import last_day, week_end
    from cxdesk.core.brief.goals import goals_progress

    db = open_database(args, must_exist=True)
    items = goals_progress(db, week_end(_week(db, args.week), last_day(db)))
    if print_items(args, items, lambda g: g.to_dict(), _("No goals yet. Add one with: cxdesk goal add negative_share 8%")):
        return 0
    for g in items:
        state = "" if g.met is None else (_(" (on target)") if g.met else _(" (not yet)"))
        print(f"{g.goal.id:>3}  {g.text}{state}")
    return 0


def cmd_goal_remove(args: argparse.Namespace) -> int:
    from cxdesk.core.brief.goals import remove_goal

    db = open_database(args)
    remove_goal(db, args.id)
    print(_("Goal {id} removed.").format(id=args.id))
    return 0
