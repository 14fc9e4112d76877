"""The schema steps: one list in order, each in one transaction, and an old database upgrades to
exactly the schema of a new one."""

import ast
import inspect

import pytest
import sqlite_utils

from cxdesk.core import schema, storage


def _master(db) -> list[tuple]:
    return db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    ).fetchall()


def _old_database(path, version: int) -> None:
    """A file as a cxdesk of schema `version` left it, with an import, rows and an action in it."""
    raw = sqlite_utils.Database(storage.connect(path))
    for number, migration in schema.MIGRATIONS:
        if number > version:
            break
        with raw.conn:
            raw.execute("BEGIN IMMEDIATE")
            migration(raw)
            raw.execute(f"PRAGMA user_version = {number}")
    raw.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a.csv', 'x', '2024-03-05 10:00:00')")
    rows = [
        (1, 1, "发货太慢了，客服也不回", "2024-03-01 10:21:00", "minute", "匿名用户", None, "ath:old1"),
        (2, 2, "质量很好 good!", "2024-03-02 11:00:00", "minute", "张三", None, "ath:old2"),
        (3, 3, "物流一般", "2024-03-02 12:00:00", "minute", None, "1.23457E+17", "id:tb:1.23457E+17"),
    ]
    for fid, row, text, created, precision, author, external, key in rows:
        raw.execute(
            "INSERT INTO feedback(id, source_id, source_row, text, created_at, time_precision, author, external_id, "
            "dedup_key) VALUES (?,?,?,?,?,?,?,?,?)", [fid, 1, row, text, created, precision, author, external, key])
    raw.execute("INSERT INTO actions(id, title, status, created_at, updated_at) VALUES (1, '加快发货', 'todo', "
                "'2024-03-03 09:00:00', '2024-03-03 09:00:00')")
    raw.execute("INSERT INTO action_history(action_id, at, field, new_value) VALUES (1, '2024-03-03 09:00:00', 'created', '')")
    raw.conn.commit()
    raw.close()


def test_versions_ascend_and_end_at_the_latest():
    numbers = [number for number, _m in schema.MIGRATIONS]
    assert numbers == sorted(set(numbers))
    assert numbers[0] == 1
    assert storage.latest_version() == numbers[-1] == 102


@pytest.mark.parametrize("version", [number for number, _m in schema.MIGRATIONS])
def test_an_old_database_upgrades_to_the_fresh_schema(tmp_path, version):
    fresh = storage.open_db(tmp_path / "fresh.db")
    _old_database(tmp_path / "old.db", version)
    old = storage.open_db(tmp_path / "old.db")
    assert storage.schema_version(old) == storage.latest_version()
    assert _master(old) == _master(fresh)
    # The rows came through, and the indexes the steps built cover them.
    assert old.execute("SELECT count(*) FROM feedback").fetchone()[0] == 3
    assert old.execute("SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH '客服也'").fetchall() == [(1,)]
    assert old.execute("SELECT count(*) FROM action_history WHERE change_id IS NULL").fetchone()[0] == 1
    if version < 80:
        # Step 80 gives rows of a placeholder author and mangled ids the keys an import computes now.
        keys = dict(old.execute("SELECT id, dedup_key FROM feedback").fetchall())
        assert keys[1] != "ath:old1" and keys[1].startswith("ath:")
        assert keys[2] == "ath:old2"
        assert keys[3].startswith("ath:")
    assert old.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert old.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_failing_step_leaves_the_database_at_the_step_before(tmp_path, monkeypatch):
    _old_database(tmp_path / "old.db", 41)

    def broken(db):
        db.execute("ALTER TABLE action_history ADD COLUMN change_id INTEGER")
        raise RuntimeError("step failed half-way")

    monkeypatch.setattr(schema, "MIGRATIONS", [(n, broken if n == 50 else m) for n, m in schema.MIGRATIONS])
    monkeypatch.setattr(storage, "MIGRATIONS", schema.MIGRATIONS)
    with pytest.raises(RuntimeError):
        storage.open_db(tmp_path / "old.db")
    raw = sqlite_utils.Database(storage.connect(tmp_path / "old.db"))
    assert storage.schema_version(raw) == 41
    columns = {c.name for c in raw["action_history"].columns}
    assert "change_id" not in columns      # the half-done step was rolled back with its version


def test_no_step_runs_a_script_that_would_commit_early():
    tree = ast.parse(inspect.getsource(schema))
    calls = {node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert "executescript" not in calls


def test_exec_script_runs_every_statement_inside_the_transaction(tmp_path):
    db = storage.open_db(tmp_path / "x.db")
    with pytest.raises(RuntimeError):
        with db.atomic():
            schema.exec_script(db, "CREATE TABLE t1 (a);\n-- a note\nCREATE TABLE t2 (b);\n")
            raise RuntimeError("roll back")
    assert not {"t1", "t2"} & set(db.table_names())
    with pytest.raises(ValueError):
        schema.exec_script(db, "CREATE TABLE t3 (a)")
