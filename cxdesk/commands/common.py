"""What every sub-command shares: exit codes, opening the database named on the command line, JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def open_database(args: argparse.Namespace):
    """The database named by --db (or CXDESK_DB, or the default), opened and migrated."""
    from cxdesk.core.storage import open_db

    return open_db(Path(args.db).expanduser() if args.db else None)
