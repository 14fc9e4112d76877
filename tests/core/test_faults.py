"""Faults the storage side survives with a plain sentence (issue 13, "zero silent loss").

Each case of the issue's table that concerns the database has its own test here:

| fault | what must happen |
|---|---|
| two imports at once into a NEW database | both succeed; nobody is told the database "is damaged (table sources already exists)" |
| two imports at once into an existing database | both succeed: every writer takes the lock up front (`BEGIN IMMEDIATE`) and waits |
| the disk fills (or anything fails) after an import's rows are saved | "N rows were imported; the analysis will finish next time", exit 0 |
| damaged pages in the database | `check` says so and names the newest good backup; `stats` says so instead of numbers; `backup` refuses; `restore` lists and restores, keeping the damaged file aside |
| thinning after damaged automatic backups | the newest backup that passed its check is never removed |
| `backup --out` onto the live database or its -wal | refused in one sentence |
| a database in a read-only place | opens read-only; reading commands work, writing ones say why not |
| `stats --to 9999-12-31`, stored 0001/9999 dates, go-live 9999-12-31 | everything works, no 100k empty rows |
| `report --from` after `--to` | one sentence |
| any unexpected error, SQLite's own words | a sentence with what to do and where the log is |

The database is damaged for real: pages of the feedback table are overwritten in the file.
Concurrency runs real processes, bounded in time.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

from cxdesk.core import db_errors, recovery, storage
from cxdesk.core.errors import DamagedDatabaseError, DatabaseError, ReadOnlyDatabaseError

WORDS = "菜 好吃 服务 太慢 价格 便宜 环境 干净 排队 很久 味道 一般 推荐 不错 失望 上菜 外卖 包装".split()


def write_reviews(path: Path, n: int, *, seed: int = 1, tag: str = "") -> Path:
    rng = random.Random(seed)
    lines = ["评论,时间,评分"]
    for i in range(n):
        text = "".join(rng.choices(WORDS, k=10)) + tag + str(i)
        lines.append(f"{text},2024-{1 + i % 12:02d}-{1 + i % 28:02d} 12:{i % 60:02d},{1 + i % 5}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_shop(path: Path, n: int = 2000) -> Path:
    """A closed database file with `n` imported reviews (no analysis, to stay quick)."""
    from cxdesk.core.importers import import_file, sniff_file

    db = storage.open_db(path)
    import_file(db, sniff_file(write_reviews(path.parent / f"{path.stem}-rows.csv", n)))
    db.close()
    return path


def feedback_pages(path: Path) -> tuple[list[int], int]:
    conn = sqlite3.connect(path)
    try:
        pages = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'feedback' AND pagetype = 'leaf' ORDER BY pageno")]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find the pages")
    finally:
        conn.close()
    return pages, size


def damage(path: Path, *, every: int = 3) -> None:
    """Overwrite the cells of every third leaf page of the feedback table with noise."""
    pages, size = feedback_pages(path)
    rng = random.Random(7)
    with open(path, "r+b") as fh:
        for page in pages[len(pages) // 4 :: every]:
            fh.seek((page - 1) * size + 16)
            fh.write(bytes(rng.getrandbits(8) for _ in range(size - 32)))


def no_traceback(out) -> None:
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout


# ---------------------------------------------------------------------------------------------
# Concurrency: real processes


_OPENER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from cxdesk.core import storage
    ready, go, db_path, n = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    ready.write_text("ready")
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    db = storage.open_db(db_path)
    storage.set_setting(db, "opener-" + n, int(n))
    print(storage.schema_version(db))
""")


def test_processes_creating_a_new_database_at_once_all_succeed(tmp_path):
    db_path = tmp_path / "新店.db"
    go = tmp_path / "go"
    procs = []
    for i in range(4):
        procs.append(subprocess.Popen(
            [sys.executable, "-c", _OPENER, str(tmp_path / f"ready{i}"), str(go), str(db_path), str(i)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT))))
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{i}").exists() for i in range(4)) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.write_text("go")   # all four open the missing file within milliseconds of each other
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert int(out.strip()) == storage.latest_version()
    db = storage.open_db(db_path)
    assert [storage.get_setting(db, f"opener-{i}") for i in range(4)] == [0, 1, 2, 3]
    assert recovery.check_db(db).ok


def test_two_imports_at_once_into_a_new_database_both_succeed(tmp_path):
    db_path = tmp_path / "shop.db"
    a = write_reviews(tmp_path / "a.csv", 1500, seed=1, tag="甲")
    b = write_reviews(tmp_path / "b.csv", 1500, seed=2, tag="乙")
    env = dict(os.environ, CXDESK_LANG="en", PYTHONIOENCODING="utf-8")
    procs = [subprocess.Popen([sys.executable, "-m", "cxdesk", "--db", str(db_path), "import", str(f), "--json",
                               "--no-analyze"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              encoding="utf-8", env=env, cwd=ROOT) for f in (a, b)]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert json.loads(out)["imported"] == 1500
    db = storage.open_db(db_path)
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 3000
    assert recovery.check_db(db).ok


def test_two_imports_at_once_into_an_existing_database_both_succeed(tmp_path):
    db_path = make_shop(tmp_path / "shop.db", 500)
    a = write_reviews(tmp_path / "a.csv", 1500, seed=11, tag="丙")
    b = write_reviews(tmp_path / "b.csv", 1500, seed=12, tag="丁")
    env = dict(os.environ, CXDESK_LANG="en", PYTHONIOENCODING="utf-8")
    procs = [subprocess.Popen([sys.executable, "-m", "cxdesk", "--db", str(db_path), "import", str(f), "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env,
                              cwd=ROOT) for f in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert json.loads(out)["imported"] == 1500
    db = storage.open_db(db_path)
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 3500
    assert recovery.check_db(db).ok


_HOLDER = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO settings(key, value) VALUES ('holder', '1')")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("COMMIT")
""")


def test_an_import_waits_for_another_writer_instead_of_failing(tmp_path):
    """The second import reads first (is the file already imported?) and then writes: in a deferred
    transaction that read could not wait for the lock ("database is locked" after 0.3 s)."""
    db_path = make_shop(tmp_path / "shop.db", 300)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db_path), "2.5"], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        out = run_cli("--db", str(db_path), "--lang", "en", "import", str(write_reviews(tmp_path / "new.csv", 50, seed=9)),
                      "--json", "--no-analyze")
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["imported"] == 50
    assert waited >= 1.0   # it really had to wait for the other writer
    db = storage.open_db(db_path)
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 350
    assert storage.get_setting(db, "holder") == 1


def test_a_writer_waits_longer_than_the_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "shop.db"
    first = storage.open_db(path)
    second = storage.open_db(path)
    first.conn.execute("BEGIN IMMEDIATE")
    first.conn.execute("INSERT INTO settings(key, value) VALUES ('a', '1')")
    timer = threading.Timer(0.8, lambda: first.conn.execute("COMMIT"))
    timer.start()
    started = time.monotonic()
    storage.set_setting(second, "b", 2)   # waits past its 0.1 s busy timeout, then writes
    timer.join()
    assert time.monotonic() - started >= 0.6
    assert storage.get_setting(second, "a") == 1 and storage.get_setting(second, "b") == 2


def test_every_transaction_takes_the_write_lock_up_front(db):
    seen = []
    db.conn.set_trace_callback(seen.append)
    with db.atomic():
        db.execute("SELECT 1")
    db.conn.set_trace_callback(None)
    assert seen[0] == "BEGIN IMMEDIATE"


# ---------------------------------------------------------------------------------------------
# A failure after the rows are committed


def test_disk_full_during_analysis_after_import_keeps_rows_and_says_so(tmp_path, monkeypatch, capsys):
    from cxdesk import cli
    from cxdesk.core import analysis

    def disk_full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(analysis, "analyze", disk_full)
    db_path = tmp_path / "shop.db"
    rc = cli.main(["--lang", "en", "--db", str(db_path), "import", str(write_reviews(tmp_path / "a.csv", 3))])
    out = capsys.readouterr()
    assert rc == 0
    assert "3 rows were imported; the analysis will finish next time" in out.err
    assert "disk" in out.err and "full" in out.err
    assert "went wrong inside" not in out.err
    db = storage.open_db(db_path)
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM feedback WHERE analyzed_at IS NULL").fetchone()[0] == 3
    db.close()

    monkeypatch.undo()
    again = run_cli("--db", str(db_path), "--lang", "en", "analyze")
    assert again.returncode == 0, again.stderr
    db = storage.open_db(db_path)
    assert db.execute("SELECT count(*) FROM feedback WHERE analyzed_at IS NULL").fetchone()[0] == 0


def test_a_failure_after_the_rows_are_committed_is_not_an_import_failure(tmp_path, monkeypatch, capsys):
    from cxdesk import cli
    from cxdesk.core.analysis import uncovered

    def full(*_a, **_k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(uncovered, "refresh", full)   # the analysis's last step
    db_path = tmp_path / "shop.db"
    rc = cli.main(["--lang", "en", "--db", str(db_path), "import", str(write_reviews(tmp_path / "a.csv", 1)),
                   "--json"])
    out = capsys.readouterr()
    assert rc == 0
    data = json.loads(out.out)
    assert data["imported"] == 1
    assert data["unfinished"].startswith("1 row was imported; the analysis will finish next time")


def test_rows_not_indexed_yet_are_found_by_search_and_the_app_indexes_them(tmp_path):
    from cxdesk import cli
    from cxdesk.core import search
    from cxdesk.core.feedback import query_ids, status_counts
    from cxdesk.core.filters import FeedbackFilter

    db_path = tmp_path / "shop.db"
    csv_path = write_reviews(tmp_path / "a.csv", 5, tag="店庆")
    assert cli.main(["--lang", "en", "--db", str(db_path), "import", str(csv_path)]) == 0
    db = storage.open_db(db_path)
    found = query_ids(db, FeedbackFilter(search="店庆")).tolist()
    assert status_counts(db).unindexed == 5 and len(found) == 5   # analysed, searchable, index still to build
    assert search.catch_up(db) == 5 and status_counts(db).unindexed == 0
    assert query_ids(db, FeedbackFilter(search="店庆")).tolist() == found
    db.close()


# ---------------------------------------------------------------------------------------------
# Damage


def test_check_reports_damage_and_the_newest_good_backup(tmp_path):
    db_path = make_shop(tmp_path / "shop.db")
    good = run_cli("--db", str(db_path), "backup")
    assert good.returncode == 0, good.stderr
    damage(db_path)
    out = run_cli("--db", str(db_path), "--lang", "en", "check")
    no_traceback(out)
    assert out.returncode == 1
    assert "The database file is damaged" in out.stdout
    assert "run “cxdesk restore 1” to go back to it" in out.stdout
    data = json.loads(run_cli("--db", str(db_path), "check", "--json").stdout)
    assert data["ok"] is False and len(data["messages"]) == 2


def test_stats_on_a_damaged_database_says_so_instead_of_numbers(tmp_path):
    db_path = make_shop(tmp_path / "shop.db")
    damage(db_path)
    out = run_cli("--db", str(db_path), "--lang", "en", "stats")
    no_traceback(out)
    assert out.returncode == 1
    assert out.stdout == ""
    assert "is damaged" in out.stderr and "cxdesk restore" in out.stderr


def test_damage_in_pages_stats_does_not_read_is_still_reported(tmp_path):
    """`stats` answers from summary tables; two damaged pages of the feedback table must still stop it."""
    db_path = make_shop(tmp_path / "shop.db")
    first = run_cli("--db", str(db_path), "--lang", "en", "stats", "--json")
    assert first.returncode == 0 and json.loads(first.stdout)["total"] == 2000
    pages, size = feedback_pages(db_path)
    with open(db_path, "r+b") as fh:
        for page in pages[3:5]:
            fh.seek((page - 1) * size + 16)
            fh.write(bytes(random.Random(page).getrandbits(8) for _ in range(size - 32)))
    out = run_cli("--db", str(db_path), "--lang", "en", "stats", "--json")
    no_traceback(out)
    assert out.returncode == 1 and out.stdout == ""
    assert "is damaged" in out.stderr


def test_backup_refuses_a_damaged_database(tmp_path):
    db_path = make_shop(tmp_path / "shop.db")
    damage(db_path)
    out = run_cli("--db", str(db_path), "--lang", "en", "backup")
    no_traceback(out)
    assert out.returncode == 1
    assert "damaged, so no backup was written" in out.stderr
    assert not list(storage.backup_dir(db_path).glob("*.db*"))
    out = run_cli("--db", str(db_path), "--lang", "en", "backup", "--out", str(tmp_path / "copy.db"))
    assert out.returncode == 1 and not (tmp_path / "copy.db").exists()


def test_restore_lists_backups_and_brings_back_a_good_one(tmp_path):
    db_path = make_shop(tmp_path / "shop.db")
    assert run_cli("--db", str(db_path), "backup").returncode == 0
    damage(db_path)
    # An automatic backup of the damaged file (before an undo, a migration) is kept but marked.
    db = storage.open_db(db_path)
    auto = storage.make_backup(db, reason="undo-import")
    db.close()
    listing = json.loads(run_cli("--db", str(db_path), "restore", "--json").stdout)["backups"]
    assert [(b["number"], b["ok"]) for b in listing] == [(1, False), (2, True)]
    assert listing[0]["path"] == str(auto) and listing[0]["created"][:4].isdigit()
    text = run_cli("--db", str(db_path), "--lang", "en", "restore")
    assert "DAMAGED" in text.stdout and "passed its check" in text.stdout and "newest good one is 2" in text.stdout

    refused = run_cli("--db", str(db_path), "--lang", "en", "restore", "1")
    assert refused.returncode == 1 and "damaged too" in refused.stderr

    out = run_cli("--db", str(db_path), "--lang", "en", "restore", "2", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["feedback"] == 2000
    kept = Path(result["kept_aside"])
    assert kept.exists() and kept.name.startswith("shop.db.before-restore-")
    check = run_cli("--db", str(db_path), "--lang", "en", "check")
    assert check.returncode == 0 and "2000 feedback rows" in check.stdout


def test_restore_waits_for_no_one_and_refuses_while_another_process_writes(tmp_path):
    db_path = make_shop(tmp_path / "shop.db", 100)
    db = storage.open_db(db_path)
    backup = storage.make_backup(db, reason="manual")
    db.close()
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db_path), "8"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DatabaseError) as err:
            recovery.restore_backup(db_path, backup)
        assert "writing to" in str(err.value) or "正在写入" in str(err.value)
        assert not list(tmp_path.glob("shop.db.before-restore-*"))
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_thinning_never_removes_the_newest_good_backup(tmp_path):
    db_path = make_shop(tmp_path / "shop.db", 1500)
    db = storage.open_db(db_path)
    good = storage.make_backup(db, reason="manual")
    db.close()
    damage(db_path)
    db = storage.open_db(db_path)
    for _ in range(14):   # more damaged automatic copies than the "newest 10"
        storage.make_backup(db, reason="auto")
    db.close()
    left = storage.list_backups(storage.backup_dir(db_path), "shop")
    assert good in [b.path for b in left]
    assert [b.ok for b in left].count(True) == 1
    assert [b.ok for b in left].count(False) <= 3


def test_backup_onto_the_live_database_or_its_wal_is_refused(tmp_path):
    db_path = make_shop(tmp_path / "shop.db", 50)
    for target in (db_path, Path(str(db_path) + "-wal")):
        out = run_cli("--db", str(db_path), "--lang", "en", "backup", "--out", str(target))
        no_traceback(out)
        assert out.returncode == 1 and "is the live database" in out.stderr
    assert run_cli("--db", str(db_path), "check").returncode == 0
    with pytest.raises(DatabaseError):
        storage.make_backup(storage.open_db(db_path), target=db_path)


def test_a_damaged_first_page_is_reported_with_what_to_do(tmp_path):
    db_path = make_shop(tmp_path / "shop.db", 50)
    with open(db_path, "r+b") as fh:
        fh.write(b"\x00" * 64)
    for command in ("check", "stats", "sources"):
        out = run_cli("--db", str(db_path), "--lang", "en", command)
        no_traceback(out)
        assert out.returncode == 1
        assert "cxdesk restore" in out.stdout + out.stderr


# ---------------------------------------------------------------------------------------------
# A read-only place


def test_the_sqlite_refusal_to_write_opens_the_database_read_only(tmp_path, monkeypatch):
    """A share or mount that looks writable but where SQLite is refused (the error SQLite gives)."""
    db_path = make_shop(tmp_path / "shop.db", 20)
    real_connect = storage.connect

    def refusing(path, *, read_only=False, immutable=False):
        if not read_only:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real_connect(path, read_only=True, immutable=immutable)

    monkeypatch.setattr(storage, "connect", refusing)
    db = storage.open_db(db_path)
    assert storage.is_read_only(db)
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 20
    with pytest.raises(ReadOnlyDatabaseError) as err:
        storage.set_setting(db, "x", 1)
    assert "read-only place" in str(err.value) or "只读" in str(err.value)
    report = recovery.check_db(db)
    assert report.ok


def test_read_only_open_reads_and_refuses_writes(tmp_path):
    from cxdesk.core.analysis import trends
    from cxdesk.core.filters import FeedbackFilter

    db_path = make_shop(tmp_path / "shop.db", 30)
    db = storage.open_db(db_path, read_only=True)
    assert trends.totals(db, FeedbackFilter()).total == 30
    with pytest.raises(ReadOnlyDatabaseError):
        with db.atomic():
            pass
    with pytest.raises(ReadOnlyDatabaseError):
        storage.make_backup(db)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder_by_permissions(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db_path = make_shop(folder / "shop.db", 20)
    os.chmod(db_path, 0o444)
    os.chmod(folder, 0o555)
    try:
        out = run_cli("--db", str(db_path), "--lang", "en", "stats")
        assert out.returncode == 0, out.stderr
        out = run_cli("--db", str(db_path), "--lang", "en", "action", "add", "--title", "x")
        assert out.returncode == 1 and "read-only" in out.stderr
    finally:
        os.chmod(folder, 0o755)


_READ_ONLY_MOUNT = textwrap.dedent("""
    set -u
    mount --bind "$1" "$2" && mount -o remount,ro,bind "$2" || exit 99
    shift 2
    for c in "$@"; do
        echo "=== $c"
        eval "$PY -m cxdesk --lang en --db \\"$RO/shop.db\\" $c" 2>&1
        echo "rc=$?"
    done
""")


def _have_unshare() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _have_unshare(), reason="needs Linux user and mount namespaces (unshare -rm)")
def test_a_read_only_mount_every_reading_command_works(tmp_path):
    """A real read-only file system (a bind mount remounted read-only, like a write-protected USB
    stick); no -shm file can be made there, so the database is read as it is (immutable)."""
    src, ro = tmp_path / "src", tmp_path / "ro"
    src.mkdir()
    ro.mkdir()
    make_shop(src / "shop.db", 200)
    assert run_cli("--db", str(src / "shop.db"), "action", "add", "--title", "上菜提速", "--keyword", "上菜", "--live-date",
                   "2024-06-01").returncode == 0
    assert not (src / "shop.db-shm").exists()
    report = tmp_path / "report.xlsx"
    reading = ["stats", "sources", "topics", "alerts", "check", "'action list'", "'action show 1'",
               f"'report --out {report}'", "'restore'", "'stats --json'"]
    writing = [f"'import {write_reviews(tmp_path / 'n.csv', 5)}'", "'action add --title y'", "'backup'",
               "'undo-import 1'", "'action move 1 todo'"]
    script = tmp_path / "ro.sh"
    script.write_text(_READ_ONLY_MOUNT, encoding="utf-8")
    env = dict(os.environ, PY=sys.executable, RO=str(ro), PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    out = subprocess.run(["unshare", "-rm", "bash", str(script), str(src), str(ro),
                          *[c.strip("'") for c in reading + writing]],
                         capture_output=True, text=True, encoding="utf-8", env=env, timeout=600)
    if out.returncode == 99:
        pytest.skip("cannot remount read-only here")
    blocks = {}
    for block in out.stdout.split("=== ")[1:]:
        head, _, rest = block.partition("\n")
        body, _, rc = rest.rpartition("rc=")
        blocks[head.strip()] = (int(rc.strip()), body)
    assert len(blocks) == len(reading) + len(writing), out.stdout + out.stderr
    for c in reading:
        rc, body = blocks[c.strip("'")]
        assert rc == 0, (c, body)
        assert "Traceback" not in body and "went wrong" not in body
    for c in writing:
        rc, body = blocks[c.strip("'")]
        assert rc == 1, (c, body)
        assert "read-only place" in body and len(body.strip().splitlines()) == 1, (c, body)
    assert "200 feedback rows" in blocks["check"][1]
    assert report.exists()
    assert not (src / "shop.db-shm").exists()


# ---------------------------------------------------------------------------------------------
# Dates can never break a screen


def test_clamp_helper():
    from cxdesk.core.bounds import EARLIEST, clamp_day, day_or_none, latest

    assert clamp_day(date(9999, 12, 31)) == latest()
    assert clamp_day(date(1, 1, 1)) == EARLIEST
    assert clamp_day(date(2024, 3, 5)) == date(2024, 3, 5)
    assert clamp_day(None) is None
    assert day_or_none("0001-01-01 00:00:00") is None and day_or_none("9999-12-31") is None
    assert day_or_none("2024-03-05 12:00:00") == date(2024, 3, 5)


def test_stats_to_9999_works(tmp_path):
    db_path = make_shop(tmp_path / "shop.db", 40)
    out = run_cli("--db", str(db_path), "--lang", "en", "stats", "--to", "9999-12-31", "--by", "week")
    no_traceback(out)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) < 400


def _hostile_dates(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE feedback SET created_at = '0001-01-01 00:00:00' WHERE id % 10 = 0")
    conn.execute("UPDATE feedback SET created_at = '9999-12-31 00:00:00' WHERE id % 10 = 1")
    conn.execute("INSERT INTO actions(title, status, live_date, keywords, created_at, updated_at) "
                 "VALUES ('上菜提速', 'live', '9999-12-31', '[\"慢\"]', '2024-01-01 00:00:00', '2024-01-01 00:00:00')")
    conn.commit()
    conn.close()


def test_stored_0001_and_9999_dates_and_a_9999_go_live_break_nothing(tmp_path):
    from cxdesk.core.analysis import trends
    from cxdesk.core.filters import FeedbackFilter

    db_path = make_shop(tmp_path / "shop.db", 100)
    _hostile_dates(db_path)
    db = storage.open_db(db_path)
    tr = trends.trend(db, FeedbackFilter(), "week")
    assert tr.undated == 20          # 0001 and 9999 count as "no date", not as 400,000 empty weeks
    assert 0 < len(tr.buckets) < 60
    assert sum(b.counts.total for b in tr.buckets) == 80
    wide = trends.trend(db, FeedbackFilter(date_from=date(1, 1, 1), date_to=date(9999, 12, 31)), "day")
    assert sum(b.counts.total for b in wide.buckets) == 80
    assert len(wide.buckets) < 366 + (date.today() - date(2024, 1, 1)).days + 2
    db.close()
    commands = [["stats"], ["stats", "--to", "9999-12-31"], ["stats", "--from", "0001-01-01", "--by", "week"],
                ["report", "--out", str(tmp_path / "汇总.xlsx")],
                ["report", "--out", str(tmp_path / "汇总2.xlsx"), "--to", "9999-12-31"],
                ["report", "--out", str(tmp_path / "改进.html"), "--action", "1"],
                ["evaluate", "1"], ["alerts"], ["action", "list"]]
    for command in commands:
        out = run_cli("--db", str(db_path), "--lang", "en", *command)
        no_traceback(out)
        assert out.returncode == 0, (command, out.stderr)
        assert len(out.stdout.splitlines()) < 400, command
    assert (tmp_path / "汇总.xlsx").exists() and (tmp_path / "改进.html").exists()


def test_report_from_after_to_is_one_sentence(tmp_path):
    db_path = make_shop(tmp_path / "shop.db", 10)
    out = run_cli("--db", str(db_path), "--lang", "en", "report", "--out", str(tmp_path / "r.xlsx"),
                  "--from", "2024-05-01", "--to", "2024-03-01")
    assert out.returncode == 1
    assert out.stderr.strip() == "--from 2024-05-01 is after --to 2024-03-01."
    assert not (tmp_path / "r.xlsx").exists()


# ---------------------------------------------------------------------------------------------
# Unexpected errors and SQLite's own words


@pytest.mark.parametrize("words, expected", [
    ("database is locked", "busy"),
    ("unable to open database file", "Check that the drive"),
    ("disk I/O error", "still connected"),
    ("database or disk is full", "Free some space"),
    ("file is not a database", "cxdesk restore"),
    ("database disk image is malformed", "cxdesk restore"),
    ("attempt to write a readonly database", "read-only place"),
])
def test_sqlite_words_become_sentences_with_what_to_do(words, expected):
    from cxdesk.i18n import set_language

    set_language("en")
    err = storage.explain_sqlite_error(sqlite3.OperationalError(words), "shop.db")
    assert expected in str(err) and "shop.db" in str(err)
    assert words not in str(err)
    set_language("zh_CN")
    assert words not in str(storage.explain_sqlite_error(sqlite3.OperationalError(words), "shop.db"))


def test_an_unexpected_error_says_what_to_do_and_where_the_log_is(tmp_path, monkeypatch, capsys):
    from cxdesk import cli
    from cxdesk.commands import data
    from cxdesk.logs import log_path

    def broken(_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(data, "cmd_sources", broken)
    rc = cli.main(["--lang", "en", "--db", str(tmp_path / "shop.db"), "sources"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "Try again" in err and "cxdesk check" in err and str(log_path()) in err
    assert "boom" not in err and "Traceback" not in err


def test_a_locked_database_is_a_sentence(tmp_path, monkeypatch, capsys):
    from cxdesk import cli
    from cxdesk.commands import data

    def locked(_args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(data, "cmd_sources", locked)
    rc = cli.main(["--lang", "en", "--db", str(tmp_path / "shop.db"), "sources"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "is busy: another cxdesk window or command is writing to it" in err


_FULL_DISK = textwrap.dedent("""
    set -u
    mount -t tmpfs -o size=1200k tmpfs "$1" || exit 99
    cd "$1"
    for c in "$@"; do
        [ "$c" = "$1" ] && continue
        echo "=== $c"
        eval "$PY -m cxdesk --lang en --db shop.db $c" 2>&1
        echo "rc=$?"
    done
""")


@pytest.mark.skipif(not _have_unshare(), reason="needs Linux user and mount namespaces (unshare -rm)")
def test_a_full_disk_during_an_import_loses_nothing_and_says_so(tmp_path):
    """A real small file system (1.2 MB) that fills up during the second import."""
    small = tmp_path / "small"
    small.mkdir()
    first = write_reviews(tmp_path / "first.csv", 3)
    big = write_reviews(tmp_path / "big.csv", 3000, seed=4)
    script = tmp_path / "full.sh"
    script.write_text(_FULL_DISK, encoding="utf-8")
    env = dict(os.environ, PY=sys.executable, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    commands = [f"import {first} --no-analyze", f"import {big}", "check", "stats --json"]
    out = subprocess.run(["unshare", "-rm", "bash", str(script), str(small), *commands],
                         capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)
    if out.returncode == 99:
        pytest.skip("cannot mount a small file system here")
    blocks = []
    for block in out.stdout.split("=== ")[1:]:
        _head, _, rest = block.partition("\n")
        body, _, rc = rest.rpartition("rc=")
        blocks.append((int(rc), body))
    assert len(blocks) == 4, out.stdout + out.stderr
    (rc1, first_out), (rc2, big_out), (rc3, check_out), (rc4, stats_out) = blocks
    assert rc1 == 0, first_out
    assert rc2 == 1 and "the disk is full" in big_out and "nothing from “big.csv” was imported" in big_out, big_out
    assert "Traceback" not in big_out and len(big_out.strip().splitlines()) == 1
    assert rc3 == 0 and "3 feedback rows" in check_out, check_out
    assert rc4 == 0 and json.loads(stats_out)["total"] == 3, stats_out


def test_an_io_error_on_a_full_disk_is_called_a_full_disk(monkeypatch):
    from cxdesk.i18n import set_language

    set_language("en")
    monkeypatch.setattr(db_errors, "_disk_nearly_full", lambda _path: True)
    err = storage.explain_sqlite_error(sqlite3.OperationalError("disk I/O error"), "shop.db")
    assert "is full" in str(err)
    monkeypatch.setattr(db_errors, "_disk_nearly_full", lambda _path: False)
    err = storage.explain_sqlite_error(sqlite3.OperationalError("disk I/O error"), "shop.db")
    assert "still connected" in str(err)
    set_language("zh_CN")


def test_a_log_that_cannot_be_written_prints_no_traceback(tmp_path, capsys):
    import logging

    from cxdesk import logs

    handler = logs._QuietFileHandler(tmp_path / "cxdesk.log")
    handler.stream.close()   # as when the disk is full or the folder went read-only
    logger = logging.getLogger("cxdesk.test-quiet-log")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("something")
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err


def test_two_restores_in_one_second_keep_both_files_aside(tmp_path):
    """The copy kept aside by a restore is never overwritten by the next one, however soon it comes."""
    db_path = make_shop(tmp_path / "shop.db", 200)
    db = storage.open_db(db_path)
    good = storage.make_backup(db, reason="manual")
    db.close()
    original = db_path.read_bytes()
    first = recovery.restore_backup(db_path, good)
    second = recovery.restore_backup(db_path, good)
    kept = sorted(tmp_path.glob("shop.db.before-restore-*[0-9]"))
    assert len(kept) == 2, kept
    assert original in [p.read_bytes() for p in kept]
    assert first is not None and second is not None
