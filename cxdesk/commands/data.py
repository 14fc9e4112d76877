"""CLI commands about the data itself: import, sources, undo-import, stats, check, backup."""

from __future__ import annotations

import argparse
import logging
import sys

from cxdesk.commands import survey_output
from cxdesk.commands.common import EXIT_ERROR, EXIT_USAGE, add_command, open_database, print_items, print_json
from cxdesk.i18n import N_, _, ngettext

log = logging.getLogger("cxdesk")

# Why a backup was written (the last part of its file name), as `cxdesk restore` lists it.
BACKUP_REASONS = {"manual": N_("by hand"), "migrate": N_("before an upgrade"), "undo-import": N_("before an undo")}


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[parent], help=_("import feedback from an Excel, CSV or HTML-table file"))
    p.add_argument("file", metavar="FILE", help=_("the file to import (.xlsx, .xls, .csv, .txt, ...)"))
    p.add_argument("--sheet", metavar="S", help=_("sheet name or number (default: the first sheet with data)"))
    p.add_argument("--map", metavar="ROLE=COLUMN", action="append", default=[],
                   help=_("set a column's role: text, time, rating, channel, author or id; COLUMN is a header "
                          "name or a number from 1 (empty COLUMN removes the role)"))
    p.add_argument("--channel", metavar="NAME",
                   help=_("the platform or channel of rows that name none (美团, 淘宝, 门店, ...; 未指定 for none); "
                          "default: guessed from the file's name and columns, or the one used last time for "
                          "files with these columns"))
    p.add_argument("--reference-time", metavar="ISO",
                   help=_("time the file was exported, for “昨天”, “3小时前” (default: the file's modification time)"))
    p.add_argument("--encoding", metavar="NAME", help=_("text encoding of a CSV/TXT file, e.g. utf-8, gb18030, big5"))
    p.add_argument("--header-row", metavar="N", type=int,
                   help=_("row number of the header (from 1; 0 = the file has no header row)"))
    p.add_argument("--dry-run", action="store_true", help=_("read and check everything, but save nothing"))
    p.add_argument("--no-analyze", action="store_true", help=_("do not analyze the new rows right away"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    survey_output.add_import_options(p)
    p.set_defaults(func=cmd_import)

    p = add_command(sub, parent, "shop", cmd_shop, _("show or set the kind of business, the shop name and logo"))
    p.add_argument("--business", metavar="TYPE", help=_("餐饮, 电商/零售, 酒店/民宿, 美业/服务 or 其他; its topics follow "
                                                      "(your own topics stay) and the feedback is analyzed again"))
    p.add_argument("--name", metavar="NAME", help=_("the shop's name, used on reports"))
    p.add_argument("--logo", metavar="FILE", help=_("a PNG or JPEG printed on reports (empty to remove)"))
    p.add_argument("--no-analyze", action="store_true", help=_("do not analyze the feedback again right away"))

    p = add_command(sub, parent, "sources", cmd_sources, _("list imported files"))

    p = sub.add_parser("undo-import", parents=[parent], help=_("remove exactly the rows of one import"))
    p.add_argument("source_id", metavar="ID", type=int, help=_("the import number shown by “cxdesk sources”"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.set_defaults(func=cmd_undo_import)

    p = add_command(sub, parent, "check", cmd_check, _("check the database and report in plain words"))

    p = sub.add_parser("backup", parents=[parent], help=_("write a backup copy of the database"))
    p.add_argument("--out", metavar="FILE", help=_("where to write the copy (default: the backups folder)"))
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[parent],
                       help=_("list the backups with their dates and checks, or go back to one"))
    p.add_argument("backup", metavar="BACKUP", nargs="?",
                   help=_("number from the list (1 = newest) or a backup file; without it the backups are listed"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.set_defaults(func=cmd_restore)


def _db_path(args: argparse.Namespace):
    from pathlib import Path

    from cxdesk.core.storage import default_db_path

    return Path(args.db).expanduser() if getattr(args, "db", None) else default_db_path()


def cmd_check(args: argparse.Namespace) -> int:
    from cxdesk.core.errors import DamagedDatabaseError, DatabaseError, ReadOnlyDatabaseError
    from cxdesk.core.recovery import check_db

    try:
        db = open_database(args, verify=False)   # the check below says what is damaged
    except ReadOnlyDatabaseError:
        raise
    except DatabaseError as exc:
        # The file cannot even be opened: that is the check's answer, with what to do.
        if not isinstance(exc, DamagedDatabaseError) and not _db_path(args).exists():
            raise
        messages = [str(exc)]
        if not isinstance(exc, DamagedDatabaseError):
            messages.append(_("Run “cxdesk restore” to see the backups and go back to a good one."))
        if args.json:
            print_json({"ok": False, "messages": messages, "counts": {}})
        else:
            for line in messages:
                print(line)
        return EXIT_ERROR
    report = check_db(db)
    if args.json:
        print_json({"ok": report.ok, "messages": report.messages, "counts": report.counts})
    else:
        for line in report.messages:
            print(line)
    return 0 if report.ok else EXIT_ERROR


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cxdesk.core.errors import DatabaseError
    from cxdesk.core.storage import live_files, make_backup

    if args.out and Path(args.out).expanduser().resolve() in live_files(_db_path(args).resolve()):
        raise DatabaseError(_("“{path}” is the live database (or one of its working files); a backup cannot be written onto it. Choose another file name.").format(
            path=args.out))
    db = open_database(args, verify=False)   # make_backup checks the copy and refuses damage itself
    target = make_backup(db, reason="manual", target=Path(args.out) if args.out else None)
    print(_("Backup written to {path}; it passed its integrity check.").format(path=target))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cxdesk.core.backup import list_backups
    from cxdesk.core.db_paths import backup_dir
    from cxdesk.core.errors import DatabaseError
    from cxdesk.core.recovery import restore_backup

    db_path = _db_path(args)
    folder = backup_dir(db_path)
    backups = list_backups(folder, db_path.stem, check=True) if folder.is_dir() else []
    if not args.backup:
        if args.json:
            print_json({"database": str(db_path), "backups": [
                dict(b.to_json(), number=i) for i, b in enumerate(backups, 1)]})
            return 0
        if not backups:
            print(_("There are no backups of “{path}” yet (they are kept in “{folder}”).").format(path=db_path, folder=folder))
            return 0
        print(_("Backups of “{path}”, newest first:").format(path=db_path))
        for i, b in enumerate(backups, 1):
            state = {True: _("passed its check"), False: _("DAMAGED"), None: _("not checked")}[b.ok]
            reason = _(BACKUP_REASONS[b.reason]) if b.reason in BACKUP_REASONS else b.reason
            print(f"  {i:>2}. {b.created:%Y-%m-%d %H:%M:%S}  {b.size / 1e6:8.1f} MB  {state:<16} {reason}")
        good = next((i for i, b in enumerate(backups, 1) if b.ok), None)
        if good is not None:
            print(_("To go back to one: cxdesk restore NUMBER (the newest good one is {n}); the current file is kept aside.").format(n=good))
        return 0
    choice = args.backup.strip()
    if choice.isdigit() and not Path(choice).exists():
        n = int(choice)
        if not 1 <= n <= len(backups):
            raise DatabaseError(_no_such_backup(len(backups), n))
        source = backups[n - 1].path
    else:
        source = Path(choice).expanduser()
    result = restore_backup(db_path, source)
    if args.json:
        print_json({"restored_from": str(result.restored_from), "database": str(result.database),
                    "kept_aside": str(result.damaged_kept) if result.damaged_kept else None,
                    "feedback": result.feedback})
        return 0
    print(_("Restored “{db}” from the backup “{backup}”: {n} feedback rows.").format(
        db=result.database, backup=result.restored_from.name, n=result.feedback))
    if result.damaged_kept:
        print(_("The previous file was kept as “{path}”.").format(path=result.damaged_kept))
    return 0


def _no_such_backup(count: int, asked: int) -> str:
    if count == 0:
        return _("There are no backups to restore.")
    return ngettext("There is {count} backup; {asked} is not one of its numbers.",
                    "There are {count} backups, numbered 1 to {count}; {asked} is not one of them.", count).format(
        count=count, asked=asked)


# ---------------------------------------------------------------------------------------------
# import, sources, undo-import, stats


def _column_index(plan, ref: str) -> int:
    from cxdesk.core.errors import InvalidValueError
    from cxdesk.core.importers.columns import normalize_header

    if ref in plan.columns:
        return plan.columns.index(ref)
    for i, name in enumerate(plan.columns):
        if normalize_header(name) == normalize_header(ref):
            return i
    if ref.isdigit() and 1 <= int(ref) <= len(plan.columns):
        return int(ref) - 1
    raise InvalidValueError(_("“{file}” has no column “{column}”. Columns: {names}.").format(
        file=plan.file_name, column=ref, names="、".join(plan.columns)))


class _UsageError(Exception):
    """Arguments that cannot work together; the command prints the sentence and exits with 2."""


def _parse_maps(maps: list[str]) -> list[tuple[str, str]]:
    """(role, column) pairs from --map ROLE=COLUMN, checked before any file is read."""
    from cxdesk.core.importers import ROLES

    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in maps:
        role, sep, column = item.partition("=")
        role = role.strip().lower()
        if not sep or role not in ROLES:
            raise _UsageError(_("--map “{value}”: expected ROLE=COLUMN with ROLE one of: {roles}.").format(
                value=item, roles=", ".join(ROLES)))
        if role in seen:
            raise _UsageError(_("--map gives the role “{role}” twice; give each role once.").format(role=role))
        seen.add(role)
        out.append((role, column.strip()))
    return out


def _apply_maps(plan, maps: list[tuple[str, str]]):
    if not maps:
        return plan
    roles = dict(plan.roles)
    chosen: dict[int, str] = {}
    for role, column in maps:
        roles.pop(role, None)
        if column:
            idx = _column_index(plan, column)
            if idx in chosen:
                raise _UsageError(_("--map puts “{first}” and “{second}” on the same column “{column}”; a column can have one role only.").format(
                    first=chosen[idx], second=role, column=plan.columns[idx]))
            chosen[idx] = role
            roles = {r: i for r, i in roles.items() if i != idx}
            roles[role] = idx
    return plan.with_changes(roles=roles)


def _terminal_progress():
    """Percent on stderr when it is a terminal; silent otherwise (scripts, tests, --json)."""
    import time

    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def report(done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2 and done < total:
            return
        last[0] = now
        pct = int(100 * done / total) if total else 100
        sys.stderr.write(f"\r{message} {pct}%   ")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return report


def cmd_shop(args: argparse.Namespace) -> int:
    from cxdesk.core.shop import business_label, set_business_type, set_logo, set_shop_name, shop_profile

    db = open_database(args)
    changed_topics = False
    if args.name is not None:
        set_shop_name(db, args.name)
    if args.logo is not None:
        set_logo(db, args.logo)
    if args.business is not None:
        changed_topics = set_business_type(db, args.business).topics
    scored = None
    if changed_topics and not args.no_analyze:
        from cxdesk.core.analysis import analyze
        from cxdesk.core.feedback import has_feedback

        if has_feedback(db):
            scored = analyze(db).scored
    profile = shop_profile(db)
    if args.json:
        print_json({"business_type": profile.business_type, "shop_name": profile.shop_name, "logo": profile.logo,
                    "analyzed": scored})
        return 0
    print(_("Kind of business: {value}").format(
        value=business_label(profile.business_type) if profile.business_type else _("not chosen yet")))
    print(_("Shop name: {value}").format(value=profile.shop_name or "—"))
    print(_("Logo: {value}").format(value=profile.logo or "—"))
    if scored is not None:
        print(_("Analyzed {n} rows (sentiment and topics).").format(n=scored))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    try:
        return _cmd_import(args)
    except (_UsageError, survey_output.SurveyOptionError) as exc:
        sys.stderr.write(str(exc) + "\n")
        return EXIT_USAGE


def _after_import(db, plan, result, progress, no_analyze: bool):
    """Analysis of the committed rows: (analysis, unfinished sentence or None).

    The rows are committed already. What follows catches up on the next import or `cxdesk analyze`;
    a failure here (disk full, cancelled) must not read as a failed import.
    """
    from cxdesk.core.importers import remember_mapping

    analysis = None
    try:
        if not result.already_imported:
            remember_mapping(db, plan)
        if not no_analyze and (result.imported or result.updated):
            from cxdesk.core.analysis import analyze

            analysis = analyze(db, progress)
        # The new rows stay in the search backlog: searches find them already (a substring scan of
        # the backlog), and the app indexes them in the background when it opens the database.
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the import itself succeeded
        log.warning("follow-up after import %s failed", result.source_id, exc_info=True)
        return analysis, _after_import_failure(result, exc)
    return analysis, None


def _cmd_import(args: argparse.Namespace) -> int:
    from datetime import datetime
    from pathlib import Path

    from cxdesk.core.errors import InvalidValueError
    from cxdesk.core.importers import describe_plan, import_file, sniff_file
    from cxdesk.core.progress import no_progress

    reference = None
    if args.reference_time:
        try:
            reference = datetime.fromisoformat(args.reference_time.strip())
        except ValueError:
            raise InvalidValueError(_("“{value}” is not a time like 2024-03-05 14:02.").format(
                value=args.reference_time)) from None
    header_row = None
    if args.header_row is not None:
        if args.header_row < 0:
            raise _UsageError(_("--header-row {n}: give the row number of the header, from 1 (or 0 when the file has no header row).").format(
                n=args.header_row))
        header_row = args.header_row - 1 if args.header_row > 0 else -1
    maps = _parse_maps(args.map)
    db = open_database(args)
    if not args.dry_run:
        db.require_writable()   # say so before reading a large file for nothing
    plan = sniff_file(Path(args.file).expanduser(), sheet=args.sheet, encoding=args.encoding,
                      header_row=header_row, reference_time=reference, db=db)
    plan = _apply_maps(plan, maps)
    if args.channel is not None:
        plan = plan.with_changes(channel=args.channel)
    progress = (None if args.json else _terminal_progress()) or no_progress
    survey = survey_output.survey_plan(plan, args, _column_index)
    if survey is not None:
        from cxdesk.core.surveys import import_survey

        result = import_survey(db, plan, survey, progress, dry_run=args.dry_run)
    else:
        result = import_file(db, plan, progress, dry_run=args.dry_run)
    analysis, unfinished = (None, None) if args.dry_run else _after_import(db, plan, result, progress, args.no_analyze)
    if args.json:
        out = result.to_json()
        out.update(delimiter=plan.delimiter, columns=plan.columns, reference_time=plan.reference_time.isoformat(sep=" "),
                   header_signature=plan.header_signature, encodings_possible=plan.encodings_possible,
                   channel=plan.channel)
        if analysis is not None:
            out["analysis"] = {"scored": analysis.scored, "version": analysis.version}
        if unfinished:
            out["unfinished"] = unfinished
        print_json(out)
        return 0
    for line in (describe_plan(plan) if survey is None else survey_output.describe_survey(plan, survey)):
        print(line)
    print(result.summary())
    for r in result.rejected[:20]:
        print("  " + _("Row {row}, column “{column}”, value “{value}”: {reason}").format(
            row=r.row, column=r.column, value=r.value, reason=r.reason))
    if result.rejected_total > 20:
        print("  " + _("… and {n} more rejected rows (see --json).").format(n=result.rejected_total - 20))
    for r in result.notes[:20]:
        print("  " + _("Row {row}, column “{column}”, value “{value}”: {reason}; the review was kept.").format(
            row=r.row, column=r.column, value=r.value, reason=r.reason))
    if len(result.notes) > 20:
        print("  " + _("… and {n} more such rows (see --json).").format(n=len(result.notes) - 20))
    for w in result.warnings:
        print("  " + _("Note: {warning}").format(warning=w))
    if analysis is not None:
        print(_("Analyzed {n} rows (sentiment and topics).").format(n=analysis.scored))
    if result.source_id and not result.already_imported and not args.dry_run and (result.imported or result.updated):
        print(_("To take this import back: cxdesk undo-import {id}").format(id=result.source_id))
    if unfinished:
        sys.stderr.write(unfinished + "\n")
    return 0


def _after_import_failure(result, exc: BaseException) -> str:
    """One sentence for a failure after the rows were committed: they are safe, the rest comes later."""
    import errno
    import sqlite3

    from cxdesk.core.progress import Cancelled
    from cxdesk.core.storage import explain_sqlite_error

    n = result.imported + result.updated
    saved = ngettext("{n} row was imported; the analysis will finish next time (the next import or “cxdesk analyze”).",
                     "{n} rows were imported; the analysis will finish next time (the next import or “cxdesk analyze”).",
                     n).format(n=n)
    if isinstance(exc, (KeyboardInterrupt, Cancelled)):
        return saved + " " + _("The analysis was cancelled.")
    if isinstance(exc, sqlite3.Error) or isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS):
        return saved + " " + str(explain_sqlite_error(exc))
    if isinstance(exc, OSError):
        return saved + " " + _("Reason: {reason}.").format(reason=exc.strerror or exc)
    from cxdesk.logs import log_path

    return saved + " " + _("Details are in the log: {path}").format(path=log_path())


def cmd_sources(args: argparse.Namespace) -> int:
    from cxdesk.core.importers import list_sources

    db = open_database(args)
    sources = list_sources(db)
    if print_items(args, sources, lambda s: s.to_json(), _("Nothing has been imported yet.")):
        return 0
    for s in sources:
        state = _("undone {when}").format(when=s.undone_at) if s.undone_at else _("{n} rows").format(n=s.live_rows)
        print(_("{id}. {file} — imported {when}: {imported} new, {duplicates} duplicates, {rejected} rejected ({state})").format(
            id=s.id, file=s.file_name + (f" [{s.sheet}]" if s.sheet else ""), when=s.imported_at,
            imported=s.imported, duplicates=s.duplicates, rejected=s.rejected, state=state))
    return 0


def cmd_undo_import(args: argparse.Namespace) -> int:
    from cxdesk.core.importers import list_sources, undo_import

    db = open_database(args)
    before = {s.id: s for s in list_sources(db)}
    undo_import(db, args.source_id)
    info = before.get(args.source_id)
    removed = info.live_rows if info else 0
    if args.json:
        print_json({"source_id": args.source_id, "removed": removed, "file": info.file_name if info else None})
    else:
        print(_("Import {id} (“{file}”) was undone: {n} rows removed. A backup was made first.").format(
            id=args.source_id, file=info.file_name if info else "", n=removed))
    return 0

