"""Storage: pragmas, migrations, settings, backups and the plain-words integrity check."""

import sqlite3
from datetime import datetime, timedelta

import pytest

from cxdesk.core import recovery, storage
from cxdesk.core.errors import DatabaseError


def test_open_sets_pragmas_and_schema(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == storage.BUSY_TIMEOUT_MS
    assert storage.schema_version(db) == storage.latest_version()
    for table in ("sources", "feedback", "topics", "actions", "alerts", "evaluations", "mappings"):
        assert table in db.table_names()


def test_reopen_is_idempotent(tmp_path):
    path = tmp_path / "a.db"
    db = storage.open_db(path)
    version = storage.schema_version(db)
    db.close()
    db2 = storage.open_db(path)
    assert storage.schema_version(db2) == version


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 9999")
    conn.close()
    with pytest.raises(DatabaseError) as err:
        storage.open_db(path)
    assert "9999" in str(err.value)


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError) as err:
        storage.open_db(path)
    assert "junk.db" in str(err.value)


def test_settings_roundtrip(db):
    assert storage.get_setting(db, "x", 5) == 5
    storage.set_setting(db, "x", {"a": [1, "二"]})
    assert storage.get_setting(db, "x") == {"a": [1, "二"]}


def test_backup_is_a_real_copy(db, tmp_path):
    storage.set_setting(db, "k", "v")
    path = storage.make_backup(db, reason="test")
    assert path is not None and path.exists()
    copy = sqlite3.connect(path)
    assert copy.execute("SELECT value FROM settings WHERE key='k'").fetchone()[0] == '"v"'
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_thinning_keeps_recent_and_spreads_older(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime(2026, 6, 1, 12, 0, 0)
    for hours in range(0, 24 * 120, 6):  # four a day for 120 days
        t = now - timedelta(hours=hours)
        (folder / f"shop-{t.strftime('%Y%m%d-%H%M%S-%f')}-auto.db").write_bytes(b"x")
    storage.thin_backups(folder, "shop", now=now)
    left = storage.list_backups(folder, "shop")
    assert 10 <= len(left) <= 10 + 15 + 13 + 2
    assert left[0].created == now
    # dated generations: one a week for 12 weeks, then one a month
    older = [b for b in left if now - b.created > timedelta(weeks=12, days=1)]
    assert 1 <= len(older) <= 2
    assert len({(b.created.year, b.created.month) for b in older}) == len(older)


def test_check_reports_in_plain_words(db):
    report = recovery.check_db(db)
    assert report.ok
    assert "数据库正常" in report.messages[0]
