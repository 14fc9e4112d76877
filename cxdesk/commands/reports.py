"""`cxdesk report`: the Excel summary, or the improvement report for chosen actions (HTML, PDF or text).

    cxdesk report --out 汇总.xlsx [--from 2024-03-01] [--to 2024-03-31] [--granularity week|month] [--json]
    cxdesk report --action 3 [--action 5 ...] --out 改进报告.pdf|.html|.txt|.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cxdesk.commands.common import open_database, print_json
from cxdesk.core.formatting import parse_day
from cxdesk.i18n import _


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report", parents=[parent],
        help=_("write the Excel summary, or the improvement report for chosen actions"),
        description=_("Without --action: the Excel summary workbook (.xlsx). With --action: the customer report "
                      "on those actions as .pdf, .html, .txt (the short announcement text) or .json (the same content as data)."))
    p.add_argument("--out", metavar="FILE", required=True, help=_("file to write (.xlsx, or with --action .pdf/.html/.txt/.json)"))
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
    p.add_argument("--logo", metavar="IMAGE", help=_("logo image (PNG or JPEG) printed on the improvement report"))
    p.add_argument("--colour", "--color", dest="colour", metavar="#RRGGBB",
                   help=_("accent colour of the improvement report, e.g. #1f3b57"))
    p.add_argument("--window", type=int, metavar="DAYS",
                   help=_("with --action: days in each evaluation window (default: the saved evaluation's, else 28)"))
    p.add_argument("--lag", type=int, metavar="DAYS",
                   help=_("with --action: days after go-live left out (default: the saved evaluation's, else 0)"))
    p.add_argument("--quote", dest="quotes", action="append", type=int, default=None, metavar="FEEDBACK_ID",
                   help=_("print only these quotes (feedback row numbers; repeatable; default: the first three)"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.set_defaults(func=cmd_report)


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
        if suffix not in (".pdf", ".html", ".htm", ".txt", ".json"):
            raise InvalidValueError(_("With --action the report is written as .pdf, .html, .txt or .json, not “{name}”.").format(
                name=out.name))
        return _improvement(args, out, suffix)
    if suffix != ".xlsx":
        raise InvalidValueError(_("The summary is an Excel file: use --out with a name ending in .xlsx (got “{name}”).").format(
            name=out.name))
    return _summary(args, out)


def _summary(args: argparse.Namespace, out: Path) -> int:
    from cxdesk.core.filters import FeedbackFilter
    from cxdesk.core.reports.excel import build_summary

    date_from = parse_day(args.date_from, "--from")
    date_to = parse_day(args.date_to, "--to")
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
    import json

    from cxdesk.core.reports.improvement import (announcement_text, build_improvement_report, render_html,
                                                 report_json)

    db = open_database(args)
    if not out.parent.is_dir():
        from cxdesk.core.reports.excel import ReportWriteError

        raise ReportWriteError(_("The folder “{folder}” does not exist.").format(folder=out.parent))
    chosen = {aid: args.quotes for aid in args.actions} if args.quotes is not None else None
    report = build_improvement_report(db, args.actions, shop_name=args.shop, quotes=chosen, logo=args.logo,
                                      colour=args.colour, window_days=args.window, lag_days=args.lag)
    if suffix == ".txt":
        out.write_text(announcement_text(report) + "\n", encoding="utf-8")
    elif suffix == ".json":
        out.write_text(json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    elif suffix in (".html", ".htm"):
        out.write_text(render_html(report), encoding="utf-8")
    else:
        from cxdesk.render.pdf import write_pdf

        write_pdf(render_html(report), out, title=report.title)
    if args.json:
        print_json({"path": str(out), "actions": [s.id for s in report.stories],
                    "announcement": announcement_text(report)})
    else:
        print(_("Improvement report written to {path}.").format(path=out))
        for s in report.stories:
            if s.evaluated_at:
                print("  " + _("#{id} {title}: numbers from the evaluation saved {at}.").format(
                    id=s.id, title=s.title, at=s.evaluated_at))
    return 0
