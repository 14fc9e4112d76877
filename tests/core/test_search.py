"""Chinese-aware search: short and long terms, index kept right through inserts, edits and deletes."""

from __future__ import annotations

import pytest

from cxdesk.core import search
from cxdesk.core.feedback import query_ids
from cxdesk.core.filters import FeedbackFilter, filter_sql

TEXTS = [
    "物流很慢，等了一周才到",      # 1
    "快递物流不错，包装也好",      # 2
    "慢",                          # 3
    "物，流分开写不算",            # 4
    "质量很好 Good value",         # 5
    "屏幕有划痕 100% 不满意",      # 6
    "",                            # 7
    "iPhone 8 Plus 手感好",        # 8
]


@pytest.fixture
def filled(db):
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a.csv', 'x', '2024-01-01 00:00:00')")
    for i, text in enumerate(TEXTS, 1):
        db.execute(
            "INSERT INTO feedback(id, source_id, text, created_at, dedup_key) VALUES (?, 1, ?, ?, ?)",
            [i, text, f"2024-01-{i:02d} 10:00:00", f"k{i}"],
        )
    return db


def found(db, query: str) -> list[int]:
    return sorted(query_ids(db, FeedbackFilter(search=query)).tolist())


def like_found(db, query: str) -> list[int]:
    where, params = search.like_clause(query)
    return sorted(r[0] for r in db.execute(f"SELECT f.id FROM feedback f WHERE f.deleted = 0 AND {where}", params))


@pytest.mark.parametrize("query, expected", [
    ("物流", [1, 2]),            # two characters: the trigram index alone finds nothing here
    ("慢", [1, 3]),              # one character, also as the whole text
    ("物流很慢", [1]),           # long term: trigram index
    ("good", [5]),               # case-insensitive
    ("GOOD VALUE", [5]),         # two terms, each a case-insensitive substring
    ("100%", [6]),               # LIKE wildcards are literal
    ("%", [6]),
    ("物流 慢", [1]),            # all terms must occur
    ("不存在的词", []),
    ("8", [8]),
    ('"Good value"', [5]),       # quoted phrase with a space
])
def test_search_matches_substring_semantics(filled, query, expected):
    assert found(filled, query) == expected
    assert found(filled, query) == like_found(filled, query)


def test_trigram_alone_misses_short_terms(filled):
    rows = filled.execute("SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH ?", ['"物流"']).fetchall()
    assert rows == []  # why the character index exists


def test_short_term_ignores_punctuation_between_characters(filled):
    assert 4 not in found(filled, "物流")


def test_index_follows_insert_update_delete(filled):
    db = filled
    db.execute("INSERT INTO feedback(id, source_id, text, dedup_key) VALUES (20, 1, '客服态度差', 'k20')")
    assert found(db, "客服") == [20]
    assert found(db, "客服态度") == [20]
    db.execute("UPDATE feedback SET text = '客服很热情' WHERE id = 20")
    assert found(db, "态度") == []
    assert found(db, "热情") == [20]
    assert found(db, "客服很热情") == [20]
    db.execute("DELETE FROM feedback WHERE id IN (1, 20)")
    assert found(db, "物流") == [2]
    assert found(db, "客服") == []
    # A re-used id must not inherit the old row's words.
    db.execute("INSERT INTO feedback(id, source_id, text, dedup_key) VALUES (20, 1, '价格便宜', 'k20b')")
    assert found(db, "客服") == [] and found(db, "便宜") == [20]
    # Other column updates (analysis writing labels) leave the index alone and stay correct.
    db.execute("UPDATE feedback SET label = 'negative'")
    assert found(db, "便宜") == [20]
    assert db.execute("INSERT INTO feedback_chars(feedback_chars) VALUES ('integrity-check')") is not None


def test_soft_deleted_rows_are_hidden(filled):
    filled.execute("UPDATE feedback SET deleted = 1 WHERE id = 2")
    assert found(filled, "物流") == [1]
    assert sorted(query_ids(filled, FeedbackFilter(search="物流", include_deleted=True)).tolist()) == [1, 2]


def test_rebuild_gives_the_same_answers(filled):
    before = {q: found(filled, q) for q in ("物流", "慢", "质量很好", "iphone")}
    with filled.atomic():
        search.rebuild_index(filled)
        search.optimize_index(filled)
    assert {q: found(filled, q) for q in before} == before
    assert before["iphone"] == [8]


def test_spaced_characters_keep_their_order(db):
    spaced = db.execute("SELECT " + search._SPACED.format(col=":t"), {"t": "顺序要对ab"}).fetchone()[0]
    assert spaced == "顺 序 要 对 a b"
    # catch_up() spaces in Python: the very same text as the triggers' SQL.
    for text in ("顺序要对ab", "", "物 流\n好😀", "x" * 30):
        sql = db.execute("SELECT " + search._SPACED.format(col=":t"), {"t": text}).fetchone()[0]
        assert search._spaced_python(text) == (sql or "")


def test_search_clause_shapes():
    assert search.search_clause("   ") == ("1", [])
    sql, params = search.search_clause("物流　质量很好")  # full-width space separates terms
    assert "feedback_fts" in sql and "feedback_chars" in sql
    assert params[0] == '"质量很好"' and '"物 流"' in params
    assert params.count("%物流%") == 2   # backlog rows are matched by a substring scan of just those rows
    where, params = filter_sql(FeedbackFilter(search='say "hi"'))
    assert "feedback_" in where


def test_match_spans():
    assert search.match_spans("物流很慢，物流差", "物流") == [(0, 2), (5, 7)]
    assert search.match_spans("Good good", "GOOD") == [(0, 4), (5, 9)]
    assert search.match_spans("abc", "") == []


def test_existing_database_gets_the_index(tmp_path):
    """A database created before the search migration is indexed when opened."""
    import sqlite_utils

    from cxdesk.core import schema, storage

    path = tmp_path / "old.db"
    raw = sqlite_utils.Database(storage.connect(path))
    schema.MIGRATIONS[0][1](raw)
    raw.execute("PRAGMA user_version = 1")
    raw.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a', 'x', 'now')")
    raw.execute("INSERT INTO feedback(source_id, text, dedup_key) VALUES (1, '发货太慢了', 'k')")
    raw.conn.commit()
    raw.close()
    db = storage.open_db(path)
    try:
        assert found(db, "慢") == [1] and found(db, "发货太慢") == [1]
    finally:
        db.close()


def test_bulk_load_with_upkeep_suspended(db):
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a', 'x', 'now')")
    with db.atomic():
        with search.index_upkeep_suspended(db):
            db.conn.executemany("INSERT INTO feedback(source_id, text, dedup_key) VALUES (1, ?, ?)",
                                [(f"第{i}条 物流慢", f"k{i}") for i in range(50)])
    assert len(found(db, "物流")) == 50 and len(found(db, "物流慢")) == 50
    db.execute("INSERT INTO feedback(source_id, text, dedup_key) VALUES (1, '物流快', 'k-new')")
    assert len(found(db, "物流")) == 51   # the triggers are back


def test_every_character_is_a_token(db):
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a', 'x', 'now')")
    for i, text in enumerate(["物,流分开", "打5%折", "OK的", "好😀好"], 1):
        db.execute("INSERT INTO feedback(id, source_id, text, dedup_key) VALUES (?, 1, ?, ?)", [i, text, f"k{i}"])
    assert found(db, "物流") == []          # an ASCII comma between the characters
    assert found(db, "5%") == [2] and found(db, "%") == [2]
    assert found(db, "ok") == [3]
    assert found(db, "😀") == [4]
    assert found(db, "😀好") == [4]


def test_first_ids_are_a_prefix_of_all_ids(filled):
    for flt in (FeedbackFilter(), FeedbackFilter(search="物流"), FeedbackFilter(search="慢")):
        full = query_ids(filled, flt).tolist()
        assert query_ids(filled, flt, limit=1).tolist() == full[:1]
        assert query_ids(filled, flt, limit=100).tolist() == full


def test_estimate_matches(filled):
    assert search.estimate_matches(filled, "物流") == 2
    assert search.estimate_matches(filled, "物流 慢") == 1
    assert search.estimate_matches(filled, "物流 很慢啊") == 0     # an upper bound: the rarer part
    assert search.estimate_matches(filled, "物流很慢") == 1
    assert search.estimate_matches(filled, "物流", cap=1) == 1
    assert search.estimate_matches(filled, "") == 20_000


def test_bulk_load_is_exact_for_inserts_updates_and_deletes(filled):
    db = filled
    with db.atomic(), search.bulk_load(db):
        db.conn.executemany("INSERT INTO feedback(id, source_id, text, dedup_key) VALUES (?, 1, ?, ?)",
                            [(100 + i, f"新来的评论{i} 发货慢", f"n{i}") for i in range(30)])
        db.execute("UPDATE feedback SET text = '改成了服务好' WHERE id = 2")        # indexed before
        db.execute("UPDATE feedback SET text = '再改成态度好' WHERE id = 2")        # twice
        db.execute("UPDATE feedback SET text = '新行也改了 物流' WHERE id = 100")  # new this time
        db.execute("DELETE FROM feedback WHERE id IN (1, 101)")                    # old and new

    def check():
        assert found(db, "发货慢") == list(range(102, 130))
        assert found(db, "物流") == [100]
        assert found(db, "服务") == [] and found(db, "态度好") == [2]
        assert found(db, "慢") == [3, *range(102, 130)]
        assert found(db, "物流 新行") == [100] and found(db, "评论1 慢") == [*range(110, 120)]
        for table in ("feedback_fts", "feedback_chars"):
            db.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")

    # The new rows wait in the backlog (not in the index) and are still found.
    assert search.backlog_size(db) == 29
    assert db.execute("SELECT count(*) FROM feedback_fts WHERE feedback_fts MATCH '\"发货慢\"'").fetchone()[0] == 0
    check()
    # A backlog row edited or deleted before it is indexed leaves the index untouched.
    db.execute("UPDATE feedback SET text = '新行也改了 物流' WHERE id = 100")
    db.execute("UPDATE feedback SET text = '又改 物流' WHERE id = 100")
    db.execute("UPDATE feedback SET text = '新行也改了 物流' WHERE id = 100")
    db.execute("INSERT INTO feedback(id, source_id, text, dedup_key) VALUES (150, 1, '临时 物流', 'tmp')")
    db.execute("DELETE FROM feedback WHERE id = 150")
    check()
    calls = []
    assert search.catch_up(db, lambda d, t, m: calls.append((d, t)), batch=8) == 29
    assert search.backlog_size(db) == 0 and calls[0] == (0, 29) and calls[-1] == (29, 29)
    check()
    assert db.execute("SELECT count(*) FROM feedback_fts WHERE feedback_fts MATCH '\"发货慢\"'").fetchone()[0] == 28
    # Afterwards the permanent triggers keep the index again.
    db.execute("INSERT INTO feedback(id, source_id, text, dedup_key) VALUES (200, 1, '之后的 物流', 'later')")
    assert found(db, "物流") == [100, 200] and search.backlog_size(db) == 0
    assert not db.execute("SELECT name FROM sqlite_temp_master WHERE type = 'trigger'").fetchall()
    assert search.catch_up(db) == 0


def test_import_and_analysis_leave_search_to_catch_up(db, tmp_path):
    from cxdesk.core.analysis import analyze
    from cxdesk.core.importers import import_file, sniff_file

    path = tmp_path / "评价.csv"
    path.write_text("评价内容,时间\n物流很慢,2024-03-01\n质量很好 物流快,2024-03-02\n一般,2024-03-03\n",
                    encoding="utf-8")
    result = import_file(db, sniff_file(path))
    assert result.imported == 3 and search.backlog_size(db) == 3
    assert found(db, "物流") == [1, 2] and found(db, "质量很好") == [2]
    analyze(db)
    assert search.backlog_size(db) == 3 and found(db, "物流") == [1, 2]
    assert search.catch_up(db) == 3 and search.backlog_size(db) == 0
    assert found(db, "物流") == [1, 2] and found(db, "质量很好") == [2]
    assert db.execute("SELECT count(*) FROM feedback_chars WHERE feedback_chars MATCH '\"物 流\"'").fetchone()[0] == 2
    for table in ("feedback_fts", "feedback_chars"):
        db.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")


def test_bulk_load_rolls_back_with_the_import(filled):
    db = filled
    with pytest.raises(RuntimeError):
        with db.atomic(), search.bulk_load(db):
            db.execute("INSERT INTO feedback(id, source_id, text, dedup_key) VALUES (300, 1, '回滚的 物流', 'rb')")
            raise RuntimeError("cancelled")
    assert found(db, "物流") == [1, 2]
    db.execute("INSERT INTO feedback(id, source_id, text, dedup_key) VALUES (301, 1, '物流', 'after')")
    assert found(db, "物流") == [1, 2, 301]
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert set(search.TRIGGER_NAMES) <= names


def test_cli_import_and_analysis_leave_rows_searchable_and_indexing_to_the_app(tmp_path):
    """`cxdesk import` and `cxdesk analyze` leave indexing to the app (`search.catch_up` in the
    background); search finds the rows meanwhile."""
    from tests.conftest import run_cli

    from cxdesk.core.storage import open_db

    db_path = tmp_path / "shop.db"
    path = tmp_path / "评价.csv"
    path.write_text("评价内容,时间\n物流很慢,2024-03-01\n质量很好 物流快,2024-03-02\n一般,2024-03-03\n",
                    encoding="utf-8")
    out = run_cli("--db", str(db_path), "import", str(path), "--no-analyze")
    assert out.returncode == 0, out.stderr
    db = open_db(db_path)
    assert search.backlog_size(db) == 3    # not indexed yet ...
    assert found(db, "物流") == [1, 2] and found(db, "质量很好") == [2] and found(db, "一般") == [3]  # ... but found
    db.close()
    out = run_cli("--db", str(db_path), "analyze")
    assert out.returncode == 0, out.stderr
    db = open_db(db_path)
    assert search.backlog_size(db) == 3 and found(db, "物流") == [1, 2]
    assert search.catch_up(db) == 3
    assert found(db, "物流") == [1, 2] and found(db, "质量很好") == [2]
    assert db.execute("SELECT rowid FROM feedback_fts WHERE feedback_fts MATCH '\"质量很好\"'").fetchall() == [(2,)]
    assert db.execute("SELECT count(*) FROM feedback_chars WHERE feedback_chars MATCH '\"物 流\"'").fetchone()[0] == 2
    db.close()
