"""Opening the window parses its few options without loading the commands; everything else goes to the
full parser (commands, --help, --version, mistakes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxdesk import cli

ROOT = Path(__file__).resolve().parents[2]


def test_window_options_are_parsed_without_the_commands():
    args = cli.window_args(["--db", "shop.db", "--lang", "en", "--demo"])
    assert args is not None and args.command is None
    assert (args.db, args.lang, args.demo, args.self_check) == ("shop.db", "en", True, False)
    plain = cli.window_args([])
    assert plain is not None and plain.db is None and not plain.demo
    assert cli.window_args(["--self-check"]).self_check


@pytest.mark.parametrize("argv", [["stats"], ["--db", "x.db", "stats", "--json"], ["--help"], ["-h"], ["--version"],
                                  ["--db"], ["--d"], ["--dem"], ["--no-such-option"]])
def test_anything_else_goes_to_the_full_parser(argv):
    assert cli.window_args(argv) is None


def test_a_mistake_is_still_reported_by_the_full_parser(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--db"])
    assert info.value.code == 2
    assert "--db" in capsys.readouterr().err


def test_the_window_start_does_not_import_the_commands(tmp_path):
    code = ("import sys, cxdesk.cli as c\n"
            "seen = []\n"
            "c._open_window = lambda args: seen.append(args.db) or 0\n"
            "assert c.main(['--db', 'x.db']) == 0 and seen == ['x.db']\n"
            "print(sorted(m for m in sys.modules if m.startswith('cxdesk.commands')))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), CXDESK_DATA_DIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_exit_code_matches_the_commands():
    from cxdesk.commands.common import EXIT_ERROR

    assert cli.EXIT_ERROR == EXIT_ERROR
