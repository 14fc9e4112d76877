"""Import semantics: one transaction, duplicates, edited reviews, undo, dry run, remembered mappings."""

from __future__ import annotations

import pytest

from cxdesk.core.errors import NoTextColumnError, NotFoundError
from cxdesk.core.importers import (ROLES, import_file, list_sources, preview_rows, remember_mapping,
                                   sniff_file, undo_import)
from cxdesk.core.progress import Cancelled
from test_import_fixtures import HEADER, REF, ROWS, write_csv, write_xlsx


def count(db, where="1", params=()):
    return db.execute(f"SELECT count(*) FROM feedback WHERE {where}", list(params)).fetchone()[0]


def test_roles_constant():
    assert ROLES == ("text", "time", "rating", "channel", "author", "id", "reply_text", "reply_time", "reply_status")


def test_same_file_twice_adds_nothing_and_says_so(db, tmp_path):
    path = write_csv(tmp_path / "a.csv")
    first = import_file(db, sniff_file(path, reference_time=REF))
    again = import_file(db, sniff_file(path, reference_time=REF))
    assert first.imported == 4 and not first.already_imported
    assert again.already_imported and again.imported == 0 and again.duplicates == 4
    assert again.previous_import and again.source_id == first.source_id
    assert "0" in again.summary()
    assert count(db) == 4
    assert len(list_sources(db)) == 1


def test_overlapping_exports_by_id(db, tmp_path):
    a = write_csv(tmp_path / "a.csv", rows=ROWS[:3])
    b = write_csv(tmp_path / "b.csv", rows=ROWS[1:])
    import_file(db, sniff_file(a, reference_time=REF))
    r = import_file(db, sniff_file(b, reference_time=REF))
    assert (r.imported, r.duplicates, r.updated) == (1, 2, 0)
    assert count(db) == 4


def test_identity_without_id_is_author_time_text(db, tmp_path):
    header = ["评论", "时间", "用户"]
    rows = [["好评", "2024-03-01 10:00", "甲"], ["好评", "2024-03-01 10:00", "乙"],   # two people: both kept
            ["好评", "2024-03-01 10:00", "甲"]]                                       # same person again: duplicate
    r = import_file(db, sniff_file(write_csv(tmp_path / "a.csv", header=header, rows=rows), reference_time=REF))
    assert (r.rows_read, r.imported, r.duplicates) == (3, 2, 1)
    # An overlapping export in another layout (slashes, Chinese date) finds the same rows.
    rows2 = [["好评", "2024/3/1 10:00", "乙"], ["物流快", "2024年3月2日 09:00", "丙"]]
    r2 = import_file(db, sniff_file(write_csv(tmp_path / "b.csv", header=header, rows=rows2), reference_time=REF))
    assert (r2.imported, r2.duplicates) == (1, 1)


def test_anonymous_identical_short_texts_are_kept(db, tmp_path):
    header = ["评论", "时间"]
    rows = [["好评", "2024-03-01 10:00"]] * 3 + [["不错", "2024-03-01 10:00"]]
    path = write_csv(tmp_path / "anon.csv", header=header, rows=rows)
    r = import_file(db, sniff_file(path, reference_time=REF))
    assert (r.imported, r.duplicates) == (4, 0)
    assert any("可能重复" in w for w in r.warnings)
    # The same rows in a re-saved copy (different bytes) are recognised: nothing new.
    copy = write_csv(tmp_path / "anon2.csv", header=header, rows=rows, newline="\r\n")
    r2 = import_file(db, sniff_file(copy, reference_time=REF))
    assert (r2.imported, r2.duplicates) == (0, 4)
    # A longer export with one more "好评" adds exactly that one.
    more = write_csv(tmp_path / "anon3.csv", header=header, rows=rows + [["好评", "2024-03-01 10:00"]])
    r3 = import_file(db, sniff_file(more, reference_time=REF))
    assert (r3.imported, r3.duplicates) == (1, 4)


def test_edited_review_updates_and_undo_restores(db, tmp_path):
    import_file(db, sniff_file(write_csv(tmp_path / "v1.csv"), reference_time=REF))
    edited = [list(r) for r in ROWS]
    edited[1][0] = "质量一般，客服后来解决了，追加一星"
    edited[1][2] = "4"
    r = import_file(db, sniff_file(write_csv(tmp_path / "v2.csv", rows=edited), reference_time=REF))
    assert (r.imported, r.updated, r.duplicates) == (0, 1, 3)
    row = db.execute("SELECT id, text, rating FROM feedback WHERE external_id='A2'").fetchone()
    assert row[1:] == ("质量一般，客服后来解决了，追加一星", 4.0)
    versions = db.execute("SELECT text, rating FROM feedback_versions WHERE feedback_id=?", [row[0]]).fetchall()
    assert versions == [("质量一般，客服回复太慢", 3.0)]
    undo_import(db, r.source_id)
    assert db.execute("SELECT text, rating FROM feedback WHERE external_id='A2'").fetchone() == ("质量一般，客服回复太慢", 3.0)
    assert count(db) == 4
    assert db.execute("SELECT count(*) FROM feedback_versions").fetchone()[0] == 0


def test_undo_removes_exactly_that_import(db, tmp_path):
    a = import_file(db, sniff_file(write_csv(tmp_path / "a.csv", rows=ROWS[:2]), reference_time=REF))
    b = import_file(db, sniff_file(write_csv(tmp_path / "b.csv", rows=ROWS[2:]), reference_time=REF))
    changes = undo_import(db, a.source_id)
    assert changes.feedback and changes.sources
    assert count(db) == 2
    assert count(db, "source_id=?", [b.source_id]) == 2
    infos = {s.id: s for s in list_sources(db)}
    assert infos[a.source_id].undone_at and infos[a.source_id].live_rows == 0
    assert infos[b.source_id].undone_at is None and infos[b.source_id].live_rows == 2
    with pytest.raises(NotFoundError):
        undo_import(db, a.source_id)
    with pytest.raises(NotFoundError):
        undo_import(db, 999)
    # After undo the same file can be imported again.
    again = import_file(db, sniff_file(write_csv(tmp_path / "a.csv", rows=ROWS[:2]), reference_time=REF))
    assert again.imported == 2 and not again.already_imported


def test_undo_makes_a_backup(db, tmp_path):
    from cxdesk.core.storage import backup_dir, db_path_of

    r = import_file(db, sniff_file(write_csv(tmp_path / "a.csv"), reference_time=REF))
    undo_import(db, r.source_id)
    backups = list(backup_dir(db_path_of(db)).glob("*undo-import*.db"))
    assert len(backups) == 1


def test_dry_run_writes_nothing(db, tmp_path):
    r = import_file(db, sniff_file(write_csv(tmp_path / "a.csv"), reference_time=REF), dry_run=True)
    assert r.dry_run and r.imported == 4 and r.source_id is None
    assert count(db) == 0
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_cancel_rolls_back_everything(db, tmp_path):
    rows = [[f"第{i}条评价，内容不同", "2024-03-01 10:00", "5", "淘宝", f"用户{i}", f"X{i}"] for i in range(12000)]
    plan = sniff_file(write_csv(tmp_path / "big.csv", rows=rows), reference_time=REF)
    calls = []

    def progress(done, total, message):
        calls.append(done)
        if len(calls) == 3:  # after the first batch went in
            raise Cancelled()

    with pytest.raises(Cancelled):
        import_file(db, plan, progress)
    assert count(db) == 0
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_unreadable_fields_keep_the_review_and_are_reported(db, tmp_path):
    rows = [["好", "2024-03-01 10:00", "5"], ["坏", "下个月吧", "1"], ["一般", "2024-03-02", "很难说"],
            ["还行", "", ""], ["差", "2024-02-30", "2"]]
    path = write_csv(tmp_path / "bad.csv", header=["评论", "时间", "评分"], rows=rows)
    r = import_file(db, sniff_file(path, reference_time=REF))
    assert (r.rows_read, r.imported, r.rejected_total) == (5, 5, 0)
    assert [(x.row, x.column, x.value) for x in r.notes] == [
        (3, "时间", "下个月吧"), (4, "评分", "很难说"), (6, "时间", "2024-02-30")]
    assert all(x.reason for x in r.notes)
    js = r.to_json()
    assert js["notes"][0] == {"row": 3, "column": "时间", "value": "下个月吧", "reason": r.notes[0].reason}
    report = db.execute("SELECT report FROM sources WHERE id=?", [r.source_id]).fetchone()[0]
    assert "下个月吧" in report
    got = {t: (c, tr, ra, rr) for t, c, tr, ra, rr in db.execute(
        "SELECT text, created_at, time_raw, rating, rating_raw FROM feedback")}
    assert got["坏"] == (None, "下个月吧", 1.0, "1")
    assert got["一般"] == ("2024-03-02 00:00:00", "2024-03-02", None, "很难说")
    assert got["差"] == (None, "2024-02-30", 2.0, "2")


def test_no_text_column(db, tmp_path):
    path = write_csv(tmp_path / "nums.csv", header=["a", "b"], rows=[["1", "2"], ["3", "4"], ["5", "6"]])
    plan = sniff_file(path)
    assert "text" not in plan.roles
    with pytest.raises(NoTextColumnError) as info:
        import_file(db, plan)
    assert "nums.csv" in str(info.value)


def test_preview_rows_show_parsed_values(tmp_path):
    rows = [["好", "昨天 10:21", "★★★★☆"], ["坏", "不知道", "差评"], ["一般", "3月5日 14:02", "九分"]]
    plan = sniff_file(write_csv(tmp_path / "p.csv", header=["评论", "时间", "评分"], rows=rows), reference_time=REF)
    pr = preview_rows(plan)
    assert [p.row for p in pr] == [2, 3, 4]
    assert (pr[0].time, pr[0].rating, pr[0].text) == ("2024-03-09 10:21:00", 4.0, "好")
    assert pr[1].time is None and pr[1].time_error and pr[1].rating == 1.0
    assert pr[2].time == "2024-03-05 14:02:00" and pr[2].rating is None and pr[2].rating_error


def test_with_changes_keeps_confirmed_roles(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", title=["标题行"])
    plan = sniff_file(path, reference_time=REF)
    assert plan.header_row == 1
    custom = plan.with_changes(roles={"text": 0, "author": 3})
    assert custom.mapping == {"text": "评论内容", "author": "渠道"}
    reread = custom.with_changes(header_row=1)
    assert reread.mapping["author"] == "渠道" and reread.mapping["text"] == "评论内容"
    assert "channel" not in reread.roles  # its column now has the confirmed role
    wrong = custom.with_changes(header_row=0)
    assert wrong.columns[0] == "标题行"
    with pytest.raises(Exception):
        plan.with_changes(roles={"text": 0, "time": 0})


def test_remembered_mapping(db, tmp_path):
    path = write_csv(tmp_path / "a.csv")
    plan = sniff_file(path, reference_time=REF).with_changes(roles={"text": 0, "author": 3})
    remember_mapping(db, plan)
    other = write_csv(tmp_path / "next-week.csv", rows=ROWS[:2])
    again = sniff_file(other, reference_time=REF, db=db)
    assert again.mapping == {"text": "评论内容", "author": "渠道"}
    assert again.header_signature == plan.header_signature
    fresh = sniff_file(write_csv(tmp_path / "c.csv", header=["评论", "时间"], rows=[["好", "2024-03-01"]]), db=db)
    assert fresh.mapping == {"text": "评论", "time": "时间"}


def test_sheet_choice_and_hidden_sheets(db, tmp_path):
    path = write_xlsx(tmp_path / "多表.xlsx", before={"说明": [["本文件由系统导出"]]},
                      extra_sheets={"汇总": [["渠道", "数量"], ["淘宝", 2]]})
    plan = sniff_file(path, reference_time=REF)
    assert plan.sheets == ["说明", "评价", "汇总"]
    assert plan.sheet == "评价"
    other = plan.with_changes(sheet="汇总")
    assert other.columns == ["渠道", "数量"]
    assert sniff_file(path, sheet="3").sheet == "汇总"
    from cxdesk.core.errors import InvalidValueError

    with pytest.raises(InvalidValueError):
        sniff_file(path, sheet="不存在")


def test_json_shape(db, tmp_path):
    r = import_file(db, sniff_file(write_csv(tmp_path / "a.csv"), reference_time=REF))
    js = r.to_json()
    for key in ("source_id", "file", "file_type", "encoding", "sheet", "header_row", "mapping", "rows_read",
                "imported", "duplicates", "rejected"):
        assert key in js
    assert js["mapping"] == dict(zip(["text", "time", "rating", "channel", "author", "id"], HEADER))


def test_scale_follows_the_chosen_rating_column(db, tmp_path):
    path = write_csv(tmp_path / "两列.csv", header=["评论", "星级", "推荐指数"],
                     rows=[["好", "5", "9"], ["差", "1", "2"], ["中", "3", "6"]])
    plan = sniff_file(path)
    assert plan.mapping["rating"] == "星级" and plan.rating_scale == "5"
    other = plan.with_changes(roles={"text": 0, "rating": 2})
    assert other.rating_scale == "10"
    r = import_file(db, other)
    assert [x for (x,) in db.execute("SELECT rating FROM feedback WHERE source_id=? ORDER BY source_row",
                                     [r.source_id])] == [4.56, 1.44, 3.22]


def test_another_sheet_of_the_same_workbook_is_not_a_repeat(db, tmp_path):
    path = write_xlsx(tmp_path / "两店.xlsx", sheet="一店",
                      extra_sheets={"二店": [["评论", "时间"], ["二店的菜很好吃", "2024-03-01 12:00"]]})
    first = import_file(db, sniff_file(path, reference_time=REF))
    second = import_file(db, sniff_file(path, sheet="二店", reference_time=REF))
    again = import_file(db, sniff_file(path, sheet="二店", reference_time=REF))
    assert (first.imported, second.imported) == (4, 1)
    assert not second.already_imported and again.already_imported


def test_relative_times_from_exports_on_different_days(db, tmp_path):
    from datetime import datetime

    header = ["评论", "时间", "用户"]
    first = write_csv(tmp_path / "周一.csv", header=header, rows=[["菜凉了", "3小时前", "甲"], ["好吃", "昨天 12:00", "乙"]])
    second = write_csv(tmp_path / "周三.csv", header=header, rows=[["菜凉了", "2天前", "甲"], ["好吃", "03-09 12:00", "乙"],
                                                                  ["新评价", "1小时前", "丙"]])
    import_file(db, sniff_file(first, reference_time=datetime(2024, 3, 10, 15, 30)))
    r = import_file(db, sniff_file(second, reference_time=datetime(2024, 3, 12, 9, 0)))
    assert (r.imported, r.duplicates) == (1, 2)


def _schema(db, kind):
    return {name: sql for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = ? AND tbl_name = 'feedback' AND sql IS NOT NULL", [kind])}


@pytest.fixture()
def small_batches(monkeypatch):
    """The bulk path (indexes dropped and rebuilt, insert triggers caught up set-wise) at test size."""
    from cxdesk.core import storage
    from cxdesk.core.importers import pipeline

    monkeypatch.setattr(pipeline, "BATCH", 10)
    monkeypatch.setattr(storage, "REBUILD_INDEXES_MIN_ROWS", 20)


def test_large_import_rebuilds_indexes_and_catches_up_search_and_trends(db, tmp_path, small_batches):
    from cxdesk.core import search, storage
    from cxdesk.core.analysis import trends

    indexes, triggers = _schema(db, "index"), _schema(db, "trigger")
    dropped = []
    original = storage.BulkInsert.finish

    def spy(self):
        dropped.extend(self.dropped)
        original(self)

    storage.BulkInsert.finish = spy
    try:
        rows = [[f"第{i}条，物流{'很快' if i % 2 else '太慢'}", f"2024-03-{1 + i % 9:02d} 10:00", "5", "淘宝", f"用户{i}", f"B{i}"]
                for i in range(60)]
        r = import_file(db, sniff_file(write_xlsx(tmp_path / "big.xlsx", rows=rows), reference_time=REF))
    finally:
        storage.BulkInsert.finish = original
    assert r.imported == 60
    assert "idx_feedback_browse" in dropped and "sqlite_autoindex_feedback_1" not in dropped
    assert _schema(db, "index") == indexes and _schema(db, "trigger") == triggers
    # The search area got every new row in its backlog, the trend area every day.
    assert search.backlog_size(db) == 60
    dirty = {d for (d,) in db.execute("SELECT day FROM trend_dirty")}
    assert {f"2024-03-{d:02d}" for d in range(1, 10)} <= dirty
    search.catch_up(db)
    hits = db.execute("SELECT count(*) FROM feedback_fts WHERE feedback_fts MATCH '物流很快'").fetchone()[0]
    assert hits == 30
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    trends.refresh_summary(db)
    assert db.execute("SELECT count(*) FROM trend_dirty").fetchone()[0] == 0
    assert db.execute("SELECT sum(n_pos + n_neu + n_neg + n_unk) FROM trend_daily").fetchone()[0] == 60
    # The unique key still holds after the load: the same rows again are duplicates.
    rows2 = rows[:5] + [["新的一条", "2024-03-09 11:00", "4", "淘宝", "新用户", "B999"]]
    r2 = import_file(db, sniff_file(write_csv(tmp_path / "again.csv", rows=rows2), reference_time=REF))
    assert (r2.imported, r2.duplicates) == (1, 5)


def test_a_failed_large_import_leaves_indexes_and_triggers(db, tmp_path, small_batches):
    indexes, triggers = _schema(db, "index"), _schema(db, "trigger")
    rows = [[f"第{i}条评价", "2024-03-01 10:00", "5", "淘宝", f"用户{i}", f"C{i}"] for i in range(60)]
    plan = sniff_file(write_xlsx(tmp_path / "big.xlsx", rows=rows), reference_time=REF)
    seen = []

    def progress(done, total, message):
        seen.append(done)
        if len(seen) == 4:  # the indexes are gone by now
            raise Cancelled()

    with pytest.raises(Cancelled):
        import_file(db, plan, progress)
    assert count(db) == 0
    assert _schema(db, "index") == indexes and _schema(db, "trigger") == triggers
    r = import_file(db, plan, dry_run=True)
    assert r.imported == 60 and count(db) == 0
    assert _schema(db, "index") == indexes and _schema(db, "trigger") == triggers


def test_small_import_into_a_larger_table_keeps_indexes(db, tmp_path, small_batches):
    from cxdesk.core import storage

    rows = [[f"第{i}条评价", "2024-03-01 10:00", "5", "淘宝", f"用户{i}", f"D{i}"] for i in range(100)]
    import_file(db, sniff_file(write_csv(tmp_path / "a.csv", rows=rows), reference_time=REF))
    with db.atomic(), storage.bulk_insert(db) as bulk:
        bulk.expect(30)      # 30 new rows next to 100: keeping the indexes is cheaper
        assert not bulk.dropped
        bulk.source_id = 1
    bulk2 = storage.BulkInsert(db)
    bulk2.expect(5)          # below the minimum for any table
    assert not bulk2.dropped


def test_import_commit_leaves_the_checkpoint_to_the_next_writer(db, tmp_path):
    from cxdesk.core import storage

    before = db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    assert before > 0
    rows = [[f"第{i}条评价" + "很长的内容" * 40, "2024-03-01 10:00", "5", "淘宝", f"用户{i}", f"E{i}"] for i in range(8000)]
    path = write_csv(tmp_path / "a.csv", rows=rows)
    file = storage.db_path_of(db)
    size = file.stat().st_size
    import_file(db, sniff_file(path, reference_time=REF))
    # Several megabytes went into the log; the database file itself has not grown yet.
    assert file.with_name("shop.db-wal").stat().st_size > 4_000_000
    assert file.stat().st_size - size < 1_000_000
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == before
    # Durable: another connection sees them; a failed import restores the setting too.
    other = storage.open_db(storage.db_path_of(db))
    assert other.execute("SELECT count(*) FROM feedback").fetchone()[0] == 8000
    other.close()
    with pytest.raises(NoTextColumnError):
        import_file(db, sniff_file(path, reference_time=REF).with_changes(roles={"time": 1}))
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == before
