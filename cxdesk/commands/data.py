"""CLI commands about the data itself: import, sources, undo-import, stats, check, backup."""

from __future__ import annotations

import argparse
import sys

from cxdesk.cli import EXIT_ERROR, open_database, print_json
from cxdesk.i18n import _


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("check", parents=[parent], help=_("check the database and report in plain words"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", parents=[parent], help=_("write a backup copy of the database"))
    p.add_argument("--out", metavar="FILE", help=_("where to write the copy (default: the backups folder)"))
    p.set_defaults(func=cmd_backup)


def cmd_check(args: argparse.Namespace) -> int:
    from cxdesk.core.storage import check_db

    db = open_database(args)
    report = check_db(db)
    if args.json:
        print_json({"ok": report.ok, "messages": report.messages, "counts": report.counts})
    else:
        for line in report.messages:
            print(line)
    return 0 if report.ok else EXIT_ERROR


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cxdesk.core.storage import make_backup

    db = open_database(args)
    target = make_backup(db, reason="manual", target=Path(args.out) if args.out else None)
    print(_("Backup written to {path}").format(path=target))
    return 0
