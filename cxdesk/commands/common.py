"""What every sub-command shares: exit codes, opening the database named on the command line, JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

from cxdesk.i18n import _

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def open_database(args: argparse.Namespace, *, verify: bool = True, must_exist: bool = False):
    """The database named by --db (or CXDESK_DB, or the default), opened and migrated.

    With `verify`, a damaged file is refused in one sentence before any numbers come from it. With
    `must_exist` (commands that only read: brief, goal list, stats) a --db file that is not there is
    refused in one sentence instead of being created empty, folder and all; `import` creates it.
    """
    from cxdesk.core.errors import DatabaseError
    from cxdesk.core.storage import open_db, verify_not_damaged

    path = Path(args.db).expanduser() if args.db else None
    if must_exist and path is not None and str(path) != ":memory:" and not path.exists():
        raise DatabaseError(_("Database “{path}” does not exist. Check the path, or create it by importing "
                              "reviews: cxdesk import FILE --db {path}").format(path=path))
    db = open_db(path)
    if verify:
        try:
            verify_not_damaged(db)
        except BaseException:
            db.close()
            raise
    return db


def add_command(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser, name: str, func: Callable,
                help: str, *, json_output: bool = True) -> argparse.ArgumentParser:
    """A sub-command with the shared options (--db, --lang) and, by default, --json; runs `func(args)`."""
    parser = sub.add_parser(name, parents=[parent], help=help)
    if json_output:
        parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    parser.set_defaults(func=func)
    return parser


def print_items(args: argparse.Namespace, items: list, to_json: Callable[[Any], Any], empty: str) -> bool:
    """With --json print `items` as JSON; without items print the sentence `empty`. True when that was
    all there is to print, False when the caller goes on to print the items as text."""
    if args.json:
        print_json([to_json(item) for item in items])
        return True
    if not items:
        print(empty)
        return True
    return False
