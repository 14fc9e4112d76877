"""The `cxdesk` command: no sub-command opens the window; sub-commands drive the same core.

`--db PATH` and `--lang zh_CN|en` work before or after the sub-command name. Errors meant for the
owner print one sentence and exit non-zero; anything unexpected goes to the log, never as a
traceback on the terminal.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from cxdesk import __version__
from cxdesk.i18n import _, language_from_argv, language_from_env, set_language

log = logging.getLogger("cxdesk")

# Exit codes (README "Exit codes", defined in commands/common.py): 0 done (also when an import was
# saved but its analysis or search index must finish next time: a note says so), 1 refused or failed
# with a sentence, 2 wrong arguments, 130 cancelled, 141 output pipe closed. The window's own start
# returns 1 (EXIT_ERROR) without importing the commands (they bring the whole core with them).
EXIT_ERROR = 1


def ensure_streams() -> None:
    """A windowed build on Windows has no console: sys.stdout/stderr are None there."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def common_options(suppress: bool) -> argparse.ArgumentParser:
    """--db and --lang, accepted both before and after the sub-command."""
    parent = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if suppress else None
    parent.add_argument("--db", metavar="PATH", default=default,
                        help=_("database file (default: CXDESK_DB or the per-user data folder)"))
    parent.add_argument("--lang", metavar="LANG", default=default,
                        help=_("language of messages: zh_CN or en (default: CXDESK_LANG or zh_CN)"))
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxdesk",
        description=_("cxdesk: collect, analyze, act on and report customer feedback, offline."),
        parents=[common_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"cxdesk {__version__}")
    parser.add_argument("--demo", action="store_true", help=_("open a fresh demo database in the window"))
    parser.add_argument("--self-check", action="store_true",
                        help=_("check that models, import, analysis and reports work, then exit"))
    from cxdesk.commands import COMMAND_MODULES

    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"))
    parent = common_options(suppress=True)
    for module in COMMAND_MODULES:
        module.register(sub, parent)
    return parser


def window_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments when they only open the window or run the self-check (--db, --lang, --demo,
    --self-check), parsed without loading the commands (a shorter start). None when they name a command,
    ask for help or the version, or do not parse: the full parser handles and reports those."""
    parser = argparse.ArgumentParser(prog="cxdesk", add_help=False, allow_abbrev=False, exit_on_error=False,
                                     parents=[common_options(suppress=False)])
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--self-check", action="store_true")
    try:
        args, rest = parser.parse_known_args(list(argv))
    except argparse.ArgumentError:
        return None
    if rest:
        return None
    args.command = None
    return args


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    from cxdesk.core.errors import CxdeskError
    from cxdesk.core.progress import Cancelled

    try:
        return int(func(args) or 0)
    except CxdeskError as exc:
        log.info("command failed: %s %s", exc, exc.details)
        sys.stderr.write(str(exc) + "\n")
        return EXIT_ERROR
    except (KeyboardInterrupt, Cancelled):
        sys.stderr.write(_("Cancelled; nothing was changed.") + "\n")
        return 130
    except BrokenPipeError:
        # The reader of the output went away (`cxdesk stats | head`): stop quietly, as a shell
        # command does; whatever the command stored is already committed.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 141
    except Exception as exc:  # noqa: BLE001 - the owner gets a sentence, the log gets the traceback
        log.exception("unexpected error in command")
        from cxdesk.core.errors import unexpected_error_sentence

        sys.stderr.write(unexpected_error_sentence(exc) + "\n")
        return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    ensure_streams()
    argv = list(sys.argv[1:] if argv is None else argv)
    set_language(language_from_argv(argv) or language_from_env())
    from cxdesk.logs import setup_logging

    setup_logging()
    args = window_args(argv)
    if args is None:
        args = build_parser().parse_args(argv)
    if args.lang:
        set_language(args.lang)
    if args.db:
        os.environ["CXDESK_DB"] = str(Path(args.db).expanduser().resolve())
    if args.command is None:
        if args.self_check:
            from cxdesk.selfcheck import run_self_check

            return run_self_check()
        return _open_window(args)
    return run_command(args.func, args)


def _open_window(args: argparse.Namespace) -> int:
    from cxdesk.startup import display_problem, import_problem

    problem = display_problem()
    if problem:
        sys.stderr.write(problem + "\n")
        return EXIT_ERROR
    if args.demo and args.db:
        refusal = _demo_target_refusal(Path(args.db).expanduser())
        if refusal:
            sys.stderr.write(refusal + "\n")
            return EXIT_ERROR
    try:
        from cxdesk.ui.app import run_app
    except ImportError as exc:   # a system library of Qt is missing: say which package to install
        log.warning("cannot load the window: %s", exc)
        sys.stderr.write(import_problem(exc) + "\n")
        return EXIT_ERROR
    return run_app(db_path=Path(args.db) if args.db else None, demo=args.demo)


def _demo_target_refusal(path: Path) -> str | None:
    """`--demo --db PATH` replaces PATH with the demo: never a database that holds the owner's feedback."""
    if not path.exists():
        return None
    from cxdesk.core.demo import is_demo_db
    from cxdesk.core.errors import CxdeskError
    from cxdesk.core.feedback import has_feedback
    from cxdesk.core.storage import open_db

    try:
        db = open_db(path)
    except CxdeskError as exc:
        return str(exc)
    try:
        if has_feedback(db) and not is_demo_db(db):
            return _("“{path}” already holds your feedback; the demo would replace it. "
                     "Give --demo a new file name, e.g. --db demo.db.").format(path=path)
    finally:
        db.close()
    return None


def gui_main() -> int:
    return main()


if __name__ == "__main__":
    sys.exit(main())
