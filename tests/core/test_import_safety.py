"""Zero silent loss on import (issue 13, the file side): every review of a real export is kept, and a
file that cannot be used is refused in one sentence. Each case writes its own small file.

The whole bad-input catalogue is tests/data/BAD_INPUTS.md (rows 1–46 are tested in
test_bad_inputs.py, one test per row number); the cases of this module (rows 47–56 there):

| input | what cxdesk does |
|---|---|
| order ids Excel turned into `1.23457E+17` (all rows share one "id") | ids not trusted; rows kept, deduplicated by author+time+text; warning "…被 Excel 改过…已按内容去重"; a later file never replaces them |
| 16+ digit ids saved as numbers in an xlsx by a program | read as their exact digits from the sheet, not as a float |
| 16+ digit ids ending in Excel's padding zeros (`123456789012345000`) | as `E+`: not trusted |
| the same id twice in one file with different text/time/author | both kept, warned; deduplicated by content (re-import adds 0) |
| an id of an earlier import with another (real) author | kept as a new review, never replaces the old text |
| author 匿名用户 / 匿名 / 用户已注销 / `a***` / `张**` / empty, same text and day | no identity: three stay three; the same file again adds 0 |
| Meituan half star `0.5分` | rating 1, original kept, warned |
| out-of-scale / unreadable rating (`七星`, `很难说`) | review kept without a rating, original kept, listed |
| unreadable time (`下个月吧`, `2024-02-30`, `0000-00-00 00:00:00`) | review kept undated, original kept, listed |
| `9999-12-31`, `0001-01-01`, `1900-01-01`, a time more than a day after the export | review kept undated, listed; stats work |
| HTML-table "xls" with `rowspan` / `colspan` cells | expanded: the spanned value in every row it covers, columns stay aligned |
| an unclosed quote 1–3 lines before the end, on the last line, or mid-file | refused naming the line (the csv module would silently merge rows) |
| Shift-JIS (cp932) / EUC-KR (cp949) CSV | detected and read as such, with a warning, never as GB18030 gibberish |
| UTF-32 with or without BOM | read as UTF-32, never as UTF-16 |
| a FIFO, a device, a folder | refused in one sentence; never blocks, never "empty (0 bytes)" |
| `import --header-row -1`, `--map text=1 --map time=1`, `--map colour=…` | one sentence, exit 2 (test_cli_data.py) |
"""

from __future__ import annotations

import codecs
import os
import threading

import pytest

from cxdesk.core.errors import UnreadableFileError
from cxdesk.core.importers import feedback_stats, import_file, sniff_file
from cxdesk.core.recovery import check_db
from test_import_fixtures import REF, rewrite_zip, write_csv, write_xlsx


def imp(db, path, **kw):
    r = import_file(db, sniff_file(path, reference_time=REF, **kw))
    assert r.imported + r.updated + r.duplicates + r.rejected_total == r.rows_read
    assert check_db(db).ok
    return r


def rows_of(db, *cols):
    return db.execute(f"SELECT {', '.join(cols)} FROM feedback ORDER BY id").fetchall()


# Identity ------------------------------------------------------------------------------------

H = ["评论内容", "评价时间", "评分", "用户昵称", "订单号"]


def test_excel_mangled_ids_never_merge_or_replace(db, tmp_path):
    week1 = [[f"第{i}条：菜凉了", f"2024-03-0{1 + i % 5} 1{i % 10}:00", "1", f"客人{i}", "1.23457E+17"]
             for i in range(10)]
    r = imp(db, write_csv(tmp_path / "第1周.csv", header=H, rows=week1))
    assert (r.imported, r.duplicates) == (10, 0)
    assert any("被 Excel 改过" in w and "已按内容去重" in w and "订单号" in w for w in r.warnings), r.warnings
    # Next week's export: the same mangled "id" on a praise; the complaints stay as they are.
    week2 = week1[:3] + [["太好吃了", "2024-03-08 12:00", "5", "新客人", "1.23457E+17"]]
    r2 = imp(db, write_csv(tmp_path / "第2周.csv", header=H, rows=week2))
    assert (r2.imported, r2.updated, r2.duplicates) == (1, 0, 3)
    texts = [t for (t,) in rows_of(db, "text")]
    assert len(texts) == 11 and "第0条：菜凉了" in texts and "太好吃了" in texts
    assert db.execute("SELECT count(*) FROM feedback_versions").fetchone()[0] == 0


def test_ids_padded_with_excel_zeros_are_not_trusted(db, tmp_path):
    rows = [["好", "2024-03-01", "5", "甲", "123456789012345000"], ["差", "2024-03-02", "1", "乙", "123456789012345000"]]
    r = imp(db, write_csv(tmp_path / "zeros.csv", header=H, rows=rows))
    assert r.imported == 2 and any("Excel" in w for w in r.warnings)


def test_long_numeric_ids_in_xlsx_keep_their_exact_digits(db, tmp_path):
    # Exporters that write integers (not openpyxl, which writes a float's repr) keep every digit
    # in the sheet XML; the float that any reader makes of it does not.
    ids = [123456789012345678, 123456789012345679, 98765432109876543210]
    rows = [[f"评价{i}", "2024-03-01 10:00", 5, f"客{i}", 1000 + i] for i in range(3)]
    src = write_xlsx(tmp_path / "src.xlsx", header=H, rows=rows)

    def digits(name, data):
        if name.startswith("xl/worksheets/"):
            for i, n in enumerate(ids):
                data = data.replace(f"<v>{1000 + i}</v>".encode(), f"<v>{n}</v>".encode())
        return data

    r = imp(db, rewrite_zip(src, tmp_path / "长单号.xlsx", digits))
    assert r.imported == 3
    assert [e for (e,) in rows_of(db, "external_id")] == [str(n) for n in ids]
    assert not any("Excel" in w for w in r.warnings)


def test_xlsx_float_ids_shared_by_all_rows_are_not_an_identity(db, tmp_path):
    rows = [[f"评价{i}", f"2024-03-0{i + 1} 10:00", 5, f"客{i}", 1.23457e17] for i in range(4)]
    r = imp(db, write_xlsx(tmp_path / "浮点单号.xlsx", header=H, rows=rows))
    assert (r.imported, r.duplicates) == (4, 0)
    assert any("已按内容去重" in w for w in r.warnings)


def test_same_id_twice_in_one_file_with_other_text_keeps_both(db, tmp_path):
    rows = [["送错了", "2024-03-01 10:00", "1", "甲", "R1"], ["很好", "2024-03-01 11:00", "5", "乙", "R2"],
            ["味道不错", "2024-03-02 12:00", "4", "丙", "R1"], ["送错了", "2024-03-01 10:00", "1", "甲", "R1"]]
    path = write_csv(tmp_path / "重号.csv", header=H, rows=rows)
    r = imp(db, path)
    assert (r.imported, r.duplicates) == (3, 1)
    assert any("R1" in w and "内容去重" in w for w in r.warnings), r.warnings
    assert sorted(t for (t,) in rows_of(db, "text")) == sorted(["送错了", "很好", "味道不错"])
    # The shared id is no identity any more: another export of the same rows adds nothing, and a
    # later file with R1 on yet another text cannot replace either review.
    again = write_csv(tmp_path / "重号2.csv", header=H, rows=rows + [["新的一条", "2024-03-03", "3", "丁", "R3"]])
    r2 = imp(db, again)
    assert (r2.imported, r2.updated, r2.duplicates) == (1, 0, 4)
    r3 = imp(db, write_csv(tmp_path / "重号3.csv", header=H, rows=[["改过的话", "2024-03-05", "2", "戊", "R1"]]))
    assert r3.updated == 0 and r3.imported == 1
    assert {"送错了", "味道不错", "改过的话"} <= {t for (t,) in rows_of(db, "text")}


def test_id_from_an_earlier_import_with_another_author_is_a_new_review(db, tmp_path):
    imp(db, write_csv(tmp_path / "a.csv", header=H, rows=[["差评，太咸", "2024-03-01", "1", "王先生", "P7"]]))
    r = imp(db, write_csv(tmp_path / "b.csv", header=H, rows=[["五星好评", "2024-03-08", "5", "李女士", "P7"]]))
    assert (r.imported, r.updated) == (1, 0)
    assert any("作者不同" in w for w in r.warnings), r.warnings
    # The same author editing the review is an edit: replaced, the old text kept as a version.
    r2 = imp(db, write_csv(tmp_path / "c.csv", header=H, rows=[["差评，太咸，已追评", "2024-03-01", "2", "王先生", "P7"]]))
    assert r2.updated == 1
    assert db.execute("SELECT text FROM feedback_versions").fetchone()[0] == "差评，太咸"


@pytest.mark.parametrize("author", ["匿名用户", "匿名", "用户已注销", "a***", "张**", "", "j***m"])
def test_placeholder_authors_are_no_identity(db, tmp_path, author):
    rows = [["好评", "2024-03-01", "5", author, ""]] * 3 + [["好评", "2024-03-01", "5", "真名", ""]]
    r = imp(db, write_csv(tmp_path / "匿名.csv", header=H, rows=rows))
    assert (r.imported, r.duplicates) == (4, 0)
    assert any("可能重复" in w for w in r.warnings)
    # Another export holding the same rows (and one more) adds only the new one.
    r2 = imp(db, write_csv(tmp_path / "匿名2.csv", header=H, rows=rows + [["差评", "2024-03-02", "1", author, ""]]))
    assert (r2.imported, r2.duplicates) == (1, 4)


def test_real_authors_with_same_text_and_time_are_one_review(db, tmp_path):
    rows = [["好评", "2024-03-01 10:00", "5", "小王", ""]] * 2
    r = imp(db, write_csv(tmp_path / "同.csv", header=H, rows=rows))
    assert (r.imported, r.duplicates) == (1, 1)


# Secondary fields never drop a review ---------------------------------------------------------

def test_half_star_and_bad_ratings_keep_the_review(db, tmp_path):
    rows = [["最差的一次", "2024-03-01", "0.5分", "甲", ""], ["一般", "2024-03-02", "3.5分", "乙", ""],
            ["看不懂", "2024-03-03", "七星", "丙", ""], ["还行", "2024-03-04", "0.5", "丁", ""]]
    r = imp(db, write_csv(tmp_path / "美团.csv", header=H, rows=rows))
    assert (r.imported, r.rejected_total) == (4, 0)
    got = {t: (v, raw) for t, v, raw in rows_of(db, "text", "rating", "rating_raw")}
    assert got == {"最差的一次": (1.0, "0.5分"), "一般": (3.5, "3.5分"), "看不懂": (None, "七星"), "还行": (1.0, "0.5")}
    assert any("半星" in w and "0.5分" in w for w in r.warnings), r.warnings
    assert any("七星" in w for w in r.warnings)
    assert [(n.row, n.value) for n in r.notes] == [(2, "0.5分"), (4, "七星"), (5, "0.5")]


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1900-01-01 00:00:00", "2031-06-01 10:00",
                                   "0000-00-00 00:00:00", "下个月吧", "2024-02-30"])
def test_implausible_or_unreadable_times_keep_the_review_undated(db, tmp_path, value):
    rows = [["正常", "2024-03-01 10:00", "5", "甲", ""], ["日期坏了", value, "1", "乙", ""]]
    r = imp(db, write_csv(tmp_path / "时间.csv", header=H, rows=rows))
    assert (r.imported, r.rejected_total) == (2, 0)
    got = {t: (c, raw) for t, c, raw in rows_of(db, "text", "created_at", "time_raw")}
    assert got["日期坏了"] == (None, value)
    assert r.notes[0].row == 3 and r.notes[0].value == value
    assert any(value in w and "没有日期" in w for w in r.warnings), r.warnings
    stats = feedback_stats(db)
    assert stats["total"] == 2 and stats["last"] == "2024-03-01 10:00:00"


def test_implausible_dates_in_a_workbook(db, tmp_path):
    from datetime import datetime

    rows = [["正常", datetime(2024, 3, 1, 10), 5, "甲", ""], ["空日期", datetime(9999, 12, 31), 1, "乙", ""],
            ["点网空日期", datetime(1900, 1, 1), 2, "丙", ""]]
    r = imp(db, write_xlsx(tmp_path / "日期.xlsx", header=H, rows=rows))
    assert r.imported == 3
    assert [c for (c,) in rows_of(db, "created_at")] == ["2024-03-01 10:00:00", None, None]


# Readers -------------------------------------------------------------------------------------

def test_html_rowspan_and_colspan_are_expanded(db, tmp_path):
    html = """<html><head><meta charset="utf-8"></head><body><table>
    <tr><th>门店</th><th>评价内容</th><th>评价时间</th><th>评分</th></tr>
    <tr><td rowspan="3">一号店</td><td>上菜快</td><td>2024-03-01 10:00</td><td>5</td></tr>
    <tr><td>太咸了</td><td>2024-03-02 11:00</td><td>2</td></tr>
    <tr><td>服务好</td><td rowspan="2">2024-03-03 12:00</td><td>4</td></tr>
    <tr><td>二号店</td><td>环境一般</td><td>3</td></tr>
    <tr><td colspan="2">合计 4 条</td><td></td><td></td></tr>
    </table></body></html>"""
    path = tmp_path / "店铺评价.xls"
    path.write_text(html, encoding="utf-8")
    r = imp(db, path)
    # The totals line has no review text (its colspan cell lies in the shop column): not a review.
    assert r.rejected_total == 1 and r.rejected[0].row == 6 and r.notes == []
    got = rows_of(db, "channel", "text", "created_at", "rating")
    assert got[:4] == [("一号店", "上菜快", "2024-03-01 10:00:00", 5.0), ("一号店", "太咸了", "2024-03-02 11:00:00", 2.0),
                       ("一号店", "服务好", "2024-03-03 12:00:00", 4.0), ("二号店", "环境一般", "2024-03-03 12:00:00", 3.0)]


@pytest.mark.parametrize("tail", [1, 2, 3])
def test_unclosed_quote_near_the_end_is_refused_with_its_line(tmp_path, tail):
    # The file quotes its multi-line reviews, so an unpaired quote cannot be read as text.
    lines = ["评论,时间,评分", '"第一行\n第二行",2024-03-01 09:00,5'] + [
        f"第{i}条,2024-03-{i + 1:02d} 10:00,{1 + i % 5}" for i in range(8)]
    bad = len(lines) - tail + 1      # 0-based index (counting the two lines of the quoted review)
    lines[bad - 1] = '"' + lines[bad - 1]
    path = tmp_path / f"引号{tail}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError) as info:
        plan = sniff_file(path, reference_time=REF)
        from cxdesk.core.storage import open_db

        import_file(open_db(tmp_path / "q.db"), plan)
    assert f"第 {bad + 1} 行" in str(info.value) and path.name in str(info.value)


@pytest.mark.parametrize("tail", [1, 2, 3])
def test_unclosed_quote_near_the_end_of_a_file_that_never_quotes_keeps_every_row(db, tmp_path, tail):
    lines = ["评论,时间,评分"] + [f"第{i}条,2024-03-{i + 1:02d} 10:00,{1 + i % 5}" for i in range(8)]
    bad = len(lines) - tail
    lines[bad] = '"' + lines[bad]
    path = tmp_path / f"引号{tail}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = imp(db, path)
    assert r.imported == 8 and any("引号" in w for w in r.warnings)
    assert db.execute("SELECT count(*) FROM feedback WHERE text LIKE '\"%'").fetchone()[0] == 1


def test_unclosed_quote_mid_file_is_refused(tmp_path, db):
    lines = ["评论,时间,评分", '"多行\n评价",2024-03-01 09:00,5'] + [
        f"第{i}条,2024-03-{i % 28 + 1:02d} 10:00,{1 + i % 5}" for i in range(80)]
    lines[71] = '"' + lines[71]
    lines[73] = '"第71条",2024-03-02 10:00,2'  # the next quote closes it two lines later
    path = tmp_path / "中间引号.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError) as info:
        import_file(db, sniff_file(path, reference_time=REF))
    assert "第 73 行" in str(info.value)
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


def test_multiline_reviews_are_not_mistaken_for_an_unclosed_quote(db, tmp_path):
    path = tmp_path / "多行.csv"
    path.write_text('评论,时间,评分\n"第一行\n第二行, 还有逗号\n第三行",2024-03-01,5\n好,2024-03-02,4\n', encoding="utf-8")
    r = imp(db, path)
    assert r.imported == 2


@pytest.mark.parametrize("encoding,text", [
    ("shift_jis", "料理がとても美味しかったです。また来ます"),
    ("cp932", "配達が遅すぎました"),
    ("euc_kr", "음식이 정말 맛있어요 다음에 또 올게요"),
    ("cp949", "배달이 너무 늦었어요"),
])
def test_japanese_and_korean_files_are_read_as_such(db, tmp_path, encoding, text):
    rows = [[text, "2024-03-01 10:00", "5"], ["OK", "2024-03-02 10:00", "4"]]
    header = ["コメント", "日付", "評価"] if encoding in ("shift_jis", "cp932") else ["리뷰", "날짜", "평점"]
    path = write_csv(tmp_path / f"{encoding}.csv", header=header, rows=rows, encoding=encoding)
    plan = sniff_file(path, reference_time=REF)
    assert plan.encoding in ("cp932", "cp949")
    assert any(plan.encoding == "cp932" and "Shift-JIS" in w or "EUC-KR" in w for w in plan.warnings)
    assert plan.columns == header
    import_file(db, plan.with_changes(roles={"text": 0, "time": 1, "rating": 2}))
    assert rows_of(db, "text")[0][0] == text


def test_chinese_gbk_is_still_gbk(db, tmp_path):
    rows = [["质量很好", "2024-03-01 10:00", "5"], ["物流太慢了，差评", "2024-03-02 10:00", "1"]]
    plan = sniff_file(write_csv(tmp_path / "gbk.csv", header=["评论", "时间", "评分"], rows=rows, encoding="gbk"))
    assert plan.encoding == "gb18030"


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_is_read_not_mistaken_for_utf16(db, tmp_path, encoding):
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes("评论\t时间\n菜很好吃\t2024-03-01\n太慢了\t2024-03-02\n".encode(encoding))
    r = imp(db, path)
    assert r.imported == 2 and [t for (t,) in rows_of(db, "text")] == ["菜很好吃", "太慢了"]


def test_fifo_device_and_folder_are_refused_without_blocking(tmp_path):
    targets = [tmp_path]
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "管道.csv"
        os.mkfifo(fifo)
        targets.append(fifo)
    if os.path.exists("/dev/null"):
        from pathlib import Path

        targets.append(Path("/dev/null"))
    for target in targets:
        outcome: list = []

        def run(t=target):
            try:
                sniff_file(t)
            except UnreadableFileError as exc:
                outcome.append(exc)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(10)
        assert not worker.is_alive(), f"{target} blocked"
        assert outcome and "0 字节" not in str(outcome[0]) and target.name in str(outcome[0])
        assert len(str(outcome[0]).splitlines()) == 1


def test_bom_of_utf32_comes_before_utf16():
    from cxdesk.core.importers.readers import utf32_without_bom

    assert codecs.BOM_UTF32_LE.startswith(codecs.BOM_UTF16_LE)
    assert utf32_without_bom("评论,时间\n".encode("utf-16-le")) is None
    assert utf32_without_bom("评论,时间\n好,2024\n".encode("utf-32-le")) == "utf-32-le"


# Databases from before ------------------------------------------------------------------------

def test_migration_rekeys_placeholder_authors_and_mangled_ids(tmp_path):
    """Rows stored with the old keys (placeholder author inside the key; a mangled id as the key)
    are found by the next export of the same reviews after the upgrade."""
    import hashlib

    from cxdesk.core.storage import open_db

    path = tmp_path / "old.db"
    db = open_db(path)

    def old_key(author, tkey, text):
        return "ath:" + hashlib.blake2b(f"{author}\x1f{tkey}\x1f{text}".encode(), digest_size=16).digest().hex()

    with db.atomic():
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'old.csv', 'x', '2024-03-10')")
        for row, (text, author, ext) in enumerate([("好评", "匿名用户", None), ("菜凉了", "小王", "1.23457E+17")], 2):
            key = old_key(author, "2024-03-01", text) if ext is None else f"id::{ext}"
            db.execute("INSERT INTO feedback(source_id, source_row, text, created_at, time_precision, time_raw, "
                       "author, external_id, dedup_key) VALUES (1, ?, ?, '2024-03-01 00:00:00', 'day', '2024-03-01', "
                       "?, ?, ?)", [row, text, author, ext, key])
    db.execute("PRAGMA user_version = 60")
    db.conn.close()
    db = open_db(path)
    rows = [["好评", "2024-03-01", "5", "匿名用户", ""], ["菜凉了", "2024-03-01", "1", "小王", "1.23457E+17"],
            ["新的", "2024-03-02", "4", "小李", "1.23457E+17"]]
    r = imp(db, write_csv(tmp_path / "new.csv", header=H, rows=rows))
    assert (r.imported, r.duplicates) == (1, 2)


def test_an_id_with_the_stored_text_and_another_text_in_one_file_replaces_nothing(db, tmp_path):
    imp(db, write_csv(tmp_path / "a.csv", header=H, rows=[["菜凉了", "2024-03-01", "1", "王先生", "K1"]]))
    for name, rows in (("b.csv", [["菜凉了", "2024-03-01", "1", "王先生", "K1"], ["好吃", "2024-03-02", "5", "王先生", "K1"]]),
                       ("c.csv", [["不错", "2024-03-03", "4", "王先生", "K1"], ["菜凉了", "2024-03-01", "1", "王先生", "K1"]])):
        r = imp(db, write_csv(tmp_path / name, header=H, rows=rows))
        assert (r.imported, r.updated, r.duplicates) == (1, 0, 1), name
    assert sorted(t for (t,) in rows_of(db, "text")) == sorted(["菜凉了", "好吃", "不错"])


def test_preview_marks_the_times_the_import_leaves_empty(tmp_path):
    from cxdesk.core.importers import preview_rows

    path = write_csv(tmp_path / "预览.csv", header=H, rows=[["好", "2024-03-01", "5", "甲", ""], ["差", "9999-12-31", "1", "乙", ""]])
    rows = preview_rows(sniff_file(path, reference_time=REF))
    assert (rows[0].time, rows[0].time_error) == ("2024-03-01 00:00:00", None)
    assert rows[1].time is None and "2000" in rows[1].time_error


def test_anonymous_reviews_with_their_own_ids_are_not_called_possible_duplicates(db, tmp_path):
    rows = [["好评", "2024-03-01", "5", "匿名用户", f"M{i}"] for i in range(3)]
    r = imp(db, write_csv(tmp_path / "有号.csv", header=H, rows=rows))
    assert r.imported == 3 and not any("可能重复" in w for w in r.warnings), r.warnings


@pytest.mark.parametrize("far", [False, True])
def test_a_file_that_never_quotes_is_read_line_by_line(db, tmp_path, far):
    """A review that starts with a quotation mark in a file without CSV quoting (a hand-made or
    tool export): the rows are recovered, not refused, and the quote stays in the text. `far`: the
    quote lies beyond the part of the file the preview reads."""
    filler = [f"第{i}条，还不错,2024-03-01 10:00,4" for i in range(40000 if far else 3)]
    lines = ["评论,时间,评分"] + filler + ['"好吃！但是贵,2024-03-02 10:00,3', "一般,2024-03-03 10:00,3",
                                           "送餐慢,2024-03-04 10:00,2"]
    path = tmp_path / "无引号.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = imp(db, path)
    assert r.rows_read == len(lines) - 1 and r.imported == len(lines) - 1
    assert any("引号" in w for w in r.warnings), r.warnings
    texts = [t for (t,) in db.execute("SELECT text FROM feedback ORDER BY id DESC LIMIT 3")]
    assert texts == ["送餐慢", "一般", '"好吃！但是贵']


def test_stray_quote_closed_by_a_later_quoted_cell_keeps_every_row(db, tmp_path):
    # Found by the fuzzer: the stray quote is closed by the quotes of a later cell, so the csv
    # module merges two rows into one cell without reaching the end of the file.
    lines = ["评价内容,评价时间"] + ["好评,2024-03-01 10:00"] * 9 + ['"好评,下个月吧', "好评,下个月吧",
                                                            '"他说""还行""",2024-03-01 10:00', "好评,2024-03-02 10:00"]
    path = tmp_path / "后面的引号.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    r = imp(db, path)
    assert r.rows_read == 13 and any("引号" in w for w in r.warnings)
    assert ('"好评',) in rows_of(db, "text") and ('他说"还行"',) in rows_of(db, "text")
