"""`cxdesk report`: the Excel summary, or the improvement report for chosen actions (HTML, PDF or text).

    cxdesk report --out 汇总.xlsx [--from 2024-03-01] [--to 2024-03-31] [--granularity week|month] [--json]
    cxdesk report --action 3 [--action 5 ...] --out 改进报告.pdf|.html|.txt
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from cxdesk.cli import open_database, print_json
from cxdesk.i18n import _


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report", parents=[parent],
        help=_("write the Excel summary, or the improvement report for chosen actions"),
        description=_("Without --action: the Excel summary workbook (.xlsx). With --action: the customer report "
                      "on those actions as .pdf, .html, or .txt (the short announcement text)."))
    p.add_argument("--out", metavar="FILE", required=True, help=_("file to write (.xlsx, or with --action .pdf/.html/.txt)"))
    p.add_argument("--from", dest="date_from", metavar="DATE", help=_("first day to include (YYYY-MM-DD)"))
    p.add_argument("--to", dest="date_to", metavar="DATE", help=_("last day to include (YYYY-MM-DD)"))
    p.add_argument("--granularity", choices=("week", "month"), default="week",
                   help=_("trend table by week or by month (default: week)"))
    p.add_argument("--sections", metavar="LIST",
                   help=_("sheets to include, comma-separated: overview,trend,topics,actions,alerts,details (default: all)"))
    p.add_argument("--channel", action="append", default=[], metavar="NAME",
                   help=_("only feedback from this channel (repeatable)"))
    p.add_argument("--action", dest="actions", action="append", type=int, default=[], metavar="ID",
                   help=_("improvement report for this action (repeatable)"))
    p.add_argument("--shop", metavar="NAME", help=_("shop name printed on the improvement report"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.set_defaults(func=cmd_report)


def _parse_day(value: str | None, option: str) -> date | None:
    from cxdesk.core.errors import InvalidValueError

    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValueError(_("{option}: “{value}” is not a date like 2024-03-31.").format(
            option=option, value=value)) from None


def _progress_printer():
    """Progress on stderr, at most one line per 10%, so stdout stays clean for --json."""
    last = [-1]

    def progress(done: int, total: int, message: str) -> None:
        pct = int(done * 100 / total) if total else 100
        if pct // 10 != last[0] // 10 and sys.stderr.isatty():
            sys.stderr.write(f"{message} {pct}%\n")
        last[0] = pct

    return progress


def cmd_report(args: argparse.Namespace) -> int:
    from cxdesk.core.errors import InvalidValueError

    out = Path(args.out).expanduser()
    suffix = out.suffix.lower()
    if args.actions:
        if suffix not in (".pdf", ".html", ".htm", ".txt"):
            raise InvalidValueError(_("With --action the report is written as .pdf, .html or .txt, not “{name}”.").format(
                name=out.name))
        return _improvement(args, out, suffix)
    if suffix != ".xlsx":
        raise InvalidValueError(_("The summary is an Excel file: use --out with a name ending in .xlsx (got “{name}”).").format(
            name=out.name))
    return _summary(args, out)


def _summary(args: argparse.Namespace, out: Path) -> int:
    from cxdesk.core.filters import FeedbackFilter
    from cxdesk.core.reports.excel import build_summary

    date_from = _parse_day(args.date_from, "--from")
    date_to = _parse_day(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        from cxdesk.core.errors import InvalidValueError

        raise InvalidValueError(_("--from {start} is after --to {end}.").format(start=date_from, end=date_to))
    flt = FeedbackFilter(date_from=date_from, date_to=date_to, channels=tuple(args.channel))
    from cxdesk.core.reports.excel import SECTIONS

    sections = [x.strip() for x in args.sections.split(",") if x.strip()] if args.sections else list(SECTIONS)
    db = open_database(args)
    result = build_summary(db, out, flt, sections=sections, granularity=args.granularity, progress=_progress_printer())
    if args.json:
        print_json(result.to_dict())
    else:
        print(_("Summary written to {path}: {sheets} sheets, {rows} feedback rows.").format(
            path=result.path, sheets=len(result.sheets), rows=result.detail_rows))
        if result.cut_cells:
            print(_("{n} very long texts were cut to fit Excel's cell limit.").format(n=result.cut_cells))
    return 0


def _improvement(args: argparse.Namespace, out: Path, suffix: str) -> int:
    from cxdesk.core.reports.improvement import announcement_text, build_improvement_report, render_html

    db = open_database(args)
    report = build_improvement_report(db, args.actions, shop_name=args.shop)
    if not out.parent.is_dir():
        from cxdesk.core.reports.excel import ReportWriteError

        raise ReportWriteError(_("The folder “{folder}” does not exist.").format(folder=out.parent))
    if suffix == ".txt":
        out.write_text(announcement_text(report) + "\n", encoding="utf-8")
    elif suffix in (".html", ".htm"):
        out.write_text(render_html(report), encoding="utf-8")
    else:
        _write_pdf(render_html(report), out, report.title)
    if args.json:
        print_json({"path": str(out), "actions": [s.id for s in report.stories],
                    "announcement": announcement_text(report)})
    else:
        print(_("Improvement report written to {path}.").format(path=out))
    return 0


def _write_pdf(html: str, out: Path, title: str) -> None:
    """Qt renders the PDF; the CLI brings up an offscreen QGuiApplication just for this."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6.QtGui import QGuiApplication
    except ImportError as exc:
        from cxdesk.core.errors import CxdeskError

        raise CxdeskError(_("PDF needs the Qt libraries, which cannot be loaded ({reason}). Write .html instead.").format(
            reason=exc)) from exc
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0] if sys.argv else "cxdesk"])
    from cxdesk.ui.pdf import html_to_pdf

    html_to_pdf(html, out, title=title)
    del app
