"""Backups of the shop's database: written with SQLite's backup API, checked, listed and thinned."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from cxdesk.core.db_errors import explain_sqlite_error, is_damage_error, plain_os_reason, read_only_sentence
from cxdesk.core.db_paths import BUSY_TIMEOUT_MS, backup_dir, db_path_of, is_read_only
from cxdesk.core.errors import DamagedDatabaseError, DatabaseError, ReadOnlyDatabaseError
from cxdesk.i18n import _

# Backups are written with SQLite's backup API (never a file copy of a live database) into
# `backups/` beside the database, named `<stem>-<YYYYmmdd-HHMMSS-ffffff>-<reason>.db`. Each is
# checked (`PRAGMA integrity_check`) right after it is written; the results are kept in
# `backups/checks.json` so listing stays fast. Thinning keeps dated generations and never removes
# the newest backup that passed its check.

CHECKS_FILE = "checks.json"


@dataclass(frozen=True)
class Backup:
    path: Path
    created: datetime
    reason: str
    ok: bool | None = None        # passed its integrity check; None = not checked yet
    size: int = 0

    def to_json(self) -> dict:
        return {"path": str(self.path), "created": self.created.replace(microsecond=0).isoformat(sep=" "),
                "reason": self.reason, "ok": self.ok, "size": self.size}


def live_files(db_path: Path) -> set[Path]:
    """The database file and its working files (-wal, -shm, -journal): never a backup target."""
    base = db_path.resolve()
    return {base, *(base.with_name(base.name + suffix) for suffix in ("-wal", "-shm", "-journal"))}


def integrity_summary(rows: list[str]) -> str:
    """SQLite's integrity-check lines as one short phrase: how many problems, the first one."""
    problems = [line for row in rows for line in str(row).splitlines() if line.strip() and not line.startswith("***")]
    if not problems:
        return ""
    if len(problems) == 1:
        return problems[0]
    return _("{n} problems, the first: {first}").format(n=len(problems) if len(problems) < 20 else "20+", first=problems[0])


def file_integrity(path: Path) -> tuple[bool, str]:
    """Open a database file read-only and run SQLite's quick check (page structure, records, free
    list: what torn writes and damaged sectors break; about a third of the full integrity check's
    time, see bench/bench_backup.py); (passed, first problems)."""
    from urllib.parse import quote

    try:
        conn = sqlite3.connect("file:" + quote(Path(path).resolve().as_posix()) + "?mode=ro", uri=True,
                               timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        return False, str(exc)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(20)").fetchall()]
        if rows != ["ok"]:
            return False, integrity_summary(rows)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True, ""
    except sqlite3.Error as exc:
        return False, str(exc)
    finally:
        conn.close()


def _load_checks(folder: Path) -> dict:
    try:
        data = json.loads((folder / CHECKS_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_checks(folder: Path, checks: dict) -> None:
    tmp = folder / (CHECKS_FILE + ".tmp")
    try:
        tmp.write_text(json.dumps(checks, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, folder / CHECKS_FILE)
    except OSError:
        pass   # a read-only folder: the checks are simply run again next time


def _record_check(path: Path, ok: bool, details: str = "") -> None:
    checks = _load_checks(path.parent)
    try:
        st = path.stat()
    except OSError:
        return
    checks[path.name] = {"ok": ok, "size": st.st_size, "mtime": st.st_mtime, "details": details[:300]}
    _save_checks(path.parent, checks)


def make_backup(db: sqlite_utils.Database, db_path: Path | None = None, *, reason: str = "manual",
                target: Path | None = None, refuse_damaged: bool | None = None) -> Path | None:
    """Copy the live database with SQLite's backup API (never a file copy), check the copy, thin old backups.

    A damaged database is refused (nothing kept) when `refuse_damaged`, by default for a manual
    backup: a copy of the damage would push out good backups. Automatic backups (before a migration
    or an undo) are kept but marked as failed. Writing onto the live database or its -wal is refused.
    Returns the backup file, or None for an in-memory database.
    """
    db_path = db_path or db_path_of(db)
    if db_path is None:
        return None
    if refuse_damaged is None:
        refuse_damaged = reason == "manual"
    if target is None:
        if is_read_only(db):
            raise ReadOnlyDatabaseError(read_only_sentence(db_path, getattr(db, "read_only_reason", "")))
        folder = backup_dir(db_path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(_("Could not create the backups folder “{path}”: {reason}").format(
                path=folder, reason=plain_os_reason(exc))) from exc
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        safe_reason = "".join(c for c in reason if c.isalnum() or c in "-_")[:20] or "backup"
        target = folder / f"{db_path.stem}-{stamp}-{safe_reason}.db"
    else:
        target = Path(target).expanduser()
        try:
            resolved = target.resolve()
        except OSError:
            resolved = target
        if resolved in live_files(db_path):
            raise DatabaseError(_("“{path}” is the live database (or one of its working files); a backup cannot be written onto it. Choose another file name.").format(path=target))
        if target.is_dir():
            raise DatabaseError(_("“{path}” is a folder; give the backup a file name, e.g. {example}.").format(
                path=target, example=target / f"{db_path.stem}-backup.db"))
    partial = target.with_name(target.name + ".part")
    try:
        if partial.exists():
            partial.unlink()
        dest = sqlite3.connect(str(partial))
        try:
            db.conn.backup(dest)
            # A standalone copy: no -wal/-shm beside it (the copied header says WAL otherwise).
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
    except (sqlite3.Error, OSError) as exc:
        try:
            partial.unlink()
        except OSError:
            pass
        if isinstance(exc, sqlite3.Error) and is_damage_error(exc):
            raise DamagedDatabaseError(
                _("The database is damaged, so no backup was written (it would only copy the damage). Run “cxdesk restore” to go back to a good backup."),
                details=repr(exc)) from exc
        reason_text = plain_os_reason(exc) if isinstance(exc, OSError) else explain_sqlite_error(exc, db_path).message
        raise DatabaseError(
            _("Could not write the backup “{path}”: {reason}").format(path=target, reason=reason_text), details=repr(exc)
        ) from exc
    ok, details = file_integrity(partial)
    if not ok and refuse_damaged:
        for leftover in (partial, *(partial.with_name(partial.name + x) for x in ("-wal", "-shm", "-journal"))):
            try:
                leftover.unlink()
            except OSError:
                pass
        raise DamagedDatabaseError(
            _("The database is damaged, so no backup was written (it would only copy the damage): {details}. Run “cxdesk restore” to go back to a good backup.").format(
                details=details), details=details)
    try:
        os.replace(partial, target)
    except OSError as exc:
        raise DatabaseError(_("Could not write the backup “{path}”: {reason}").format(
            path=target, reason=plain_os_reason(exc))) from exc
    if target.parent == backup_dir(db_path):
        _record_check(target, ok, details)
        thin_backups(backup_dir(db_path), db_path.stem)
    return target


def list_backups(folder: Path, stem: str, *, check: bool = False) -> list[Backup]:
    """Backups of the database `stem`, newest first, with their integrity-check results.

    With `check`, backups not checked yet (or changed since) are checked now and the results saved.
    """
    found = []
    checks = _load_checks(folder)
    changed = False
    for p in folder.glob(f"{stem}-*.db"):
        parts = p.stem[len(stem) + 1 :].split("-")
        try:
            created = datetime.strptime("-".join(parts[:3]), "%Y%m%d-%H%M%S-%f")
        except ValueError:
            continue
        try:
            st = p.stat()
        except OSError:
            continue
        known = checks.get(p.name)
        ok = None
        if isinstance(known, dict) and known.get("size") == st.st_size and known.get("mtime") == st.st_mtime:
            ok = bool(known.get("ok"))
        elif check:
            ok, details = file_integrity(p)
            checks[p.name] = {"ok": ok, "size": st.st_size, "mtime": st.st_mtime, "details": details[:300]}
            changed = True
        found.append(Backup(p, created, "-".join(parts[3:]), ok, st.st_size))
    if changed:
        _save_checks(folder, checks)
    return sorted(found, key=lambda b: b.created, reverse=True)


def newest_good_backup(folder: Path, stem: str) -> Backup | None:
    """The newest backup that passes its check (backups not checked yet are checked, newest first,
    until one passes)."""
    for b in list_backups(folder, stem):
        ok = b.ok
        if ok is None:
            ok, details = file_integrity(b.path)
            _record_check(b.path, ok, details)
        if ok:
            return b
    return None


def thin_backups(folder: Path, stem: str, *, now: datetime | None = None) -> list[Path]:
    """Keep dated generations: the newest 10, one a day for 14 days, one a week for 12 weeks and one a
    month for 2 years; always the newest backup that passed its check. Failed copies do not count
    towards the newest 10 and only the newest 3 of them stay."""
    now = now or datetime.now()
    backups = list_backups(folder, stem)
    usable = [b for b in backups if b.ok is not False]
    failed = [b for b in backups if b.ok is False]
    keep: set[Path] = {b.path for b in usable[:10]} | {b.path for b in failed[:3]}
    newest_good = next((b for b in backups if b.ok is True), None)
    if newest_good is not None:
        keep.add(newest_good.path)
    seen: set = set()
    for b in usable:   # newest first: each period keeps its newest usable backup
        age = now - b.created
        if age <= timedelta(days=14):
            key = ("day", b.created.date())
        elif age <= timedelta(weeks=12):
            key = ("week", b.created.isocalendar()[:2])
        elif age <= timedelta(days=730):
            key = ("month", (b.created.year, b.created.month))
        else:
            continue
        if key not in seen:
            seen.add(key)
            keep.add(b.path)
    removed = []
    checks = _load_checks(folder)
    for b in backups:
        if b.path not in keep:
            try:
                b.path.unlink()
                removed.append(b.path)
                checks.pop(b.path.name, None)
            except OSError:
                pass
    if removed:
        _save_checks(folder, checks)
    return removed
