"""BAD_INPUTS.md, row by row: refused with one sentence (E), partly imported with a report (P), or
imported with a warning (W). Each test names its row number."""

from __future__ import annotations

import codecs
import zipfile

import pytest

from cxdesk.core.errors import CxdeskError, EmptyFileError, UnreadableFileError
from cxdesk.core.importers import import_file, sniff_file
from test_import_fixtures import HEADER, REF, ROWS, rewrite_zip, write_csv, write_html, write_xlsx


def refused(path, *words, cls=UnreadableFileError):
    with pytest.raises(cls) as info:
        plan = sniff_file(path, reference_time=REF)
        from cxdesk.core.storage import open_db

        import_file(open_db(path.parent / "refused.db"), plan)
    message = str(info.value)
    assert path.name in message, message
    assert "Traceback" not in message
    for w in words:
        assert w in message, message
    return message


def texts(db, source_id):
    return [r[0] for r in db.execute("SELECT text FROM feedback WHERE source_id=? ORDER BY source_row", [source_id])]


# 1 -------------------------------------------------------------------------------------------

def test_01_empty_files(tmp_path):
    for name in ("空.csv", "空.xlsx"):
        (tmp_path / name).write_bytes(b"")
        refused(tmp_path / name, "空", cls=EmptyFileError)


def test_01_header_only(tmp_path):
    refused(write_csv(tmp_path / "只有表头.csv", rows=[]), "没有数据", cls=EmptyFileError)
    refused(write_xlsx(tmp_path / "只有表头.xlsx", rows=[]), "没有数据", cls=EmptyFileError)


# 2, 3 ---------------------------------------------------------------------------------------

def test_02_disguised_types_are_routed_by_content(db, tmp_path):
    tsv = write_csv(tmp_path / "其实是TSV.xlsx", delimiter="\t")
    html = write_html(tmp_path / "其实是网页.xlsx", encoding="utf-8", charset="utf-8")
    for path, kind in ((tsv, "csv"), (html, "html")):
        plan = sniff_file(path, reference_time=REF)
        assert plan.file_type == kind and plan.columns == HEADER
        r = import_file(db, plan)
        assert (r.rows_read, r.imported + r.duplicates) == (4, 4)
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 4


def test_02_other_files_named_as_excel(tmp_path):
    (tmp_path / "图片.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    refused(tmp_path / "图片.xlsx", "PNG")
    (tmp_path / "文档.xlsx").write_bytes(b"%PDF-1.7\n...")
    refused(tmp_path / "文档.xlsx", "PDF")
    with zipfile.ZipFile(tmp_path / "压缩包.xlsx", "w") as z:
        z.writestr("readme.txt", "hello")
    refused(tmp_path / "压缩包.xlsx", "ZIP")
    with zipfile.ZipFile(tmp_path / "word.xlsx", "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    refused(tmp_path / "word.xlsx", "Word")


# 4, 5, 6, 7 ----------------------------------------------------------------------------------

def test_04_encrypted_workbook(tmp_path):
    # An encrypted xlsx is an OLE2 container with EncryptionInfo/EncryptedPackage streams.
    data = bytearray(codecs.decode("d0cf11e0a1b11ae1", "hex") + b"\x00" * 1024)
    data += "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le")
    (tmp_path / "加密.xlsx").write_bytes(bytes(data))
    refused(tmp_path / "加密.xlsx", "密码")


def test_05_truncated_download(tmp_path):
    full = write_xlsx(tmp_path / "full.xlsx").read_bytes()
    (tmp_path / "下载中断.xlsx").write_bytes(full[: len(full) // 2])
    refused(tmp_path / "下载中断.xlsx", "损坏")


def test_06_zip_bomb(tmp_path):
    src = write_xlsx(tmp_path / "ok.xlsx")
    huge = b"<row>" + b" " * 40_000_000 + b"</row>"

    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"<sheetData>", b"<sheetData>" + huge)
        return data

    bomb = rewrite_zip(src, tmp_path / "炸弹.xlsx", change)
    assert bomb.stat().st_size < 200_000
    refused(bomb, "压缩炸弹")


def test_07_xml_entity_bomb_and_xxe(tmp_path):
    src = write_xlsx(tmp_path / "ok.xlsx")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'

    for name, prefix in (("笑声炸弹.xlsx", laughs), ("外部实体.xlsx", xxe)):
        def change(member, data, prefix=prefix):
            if member == "xl/worksheets/sheet1.xml":
                return prefix + data.split(b"?>", 1)[-1]
            return data

        refused(rewrite_zip(src, tmp_path / name, change), "不安全")


# 8, 9, 10, 11 --------------------------------------------------------------------------------

def test_09_wrong_dimension_does_not_truncate(db, tmp_path):
    import re

    src = write_xlsx(tmp_path / "ok.xlsx")

    def change(name, data):
        if name.startswith("xl/worksheets/"):
            return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A1"', data)
        return data

    path = rewrite_zip(src, tmp_path / "尺寸错误.xlsx", change)
    plan = sniff_file(path, reference_time=REF)
    assert plan.columns == HEADER
    assert import_file(db, plan).imported == 4


def test_10_formatted_empty_columns_and_trailing_rows(db, tmp_path):
    import openpyxl
    from openpyxl.styles import Font

    path = write_xlsx(tmp_path / "格式.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for r in range(1, 200):
        ws.cell(r, 16384).font = Font(bold=True)   # formatted to the last column, no values
    for r in range(6, 3000):
        ws.cell(r, 1).font = Font(italic=True)     # formatted trailing rows, no values
    wb.save(path)
    plan = sniff_file(path, reference_time=REF)
    assert plan.columns == HEADER
    r = import_file(db, plan)
    assert (r.rows_read, r.imported) == (4, 4)


def test_11_data_on_another_sheet_and_hidden_sheets(db, tmp_path):
    import openpyxl

    path = write_xlsx(tmp_path / "多表.xlsx", before={"封面": [["2024年3月评价"]]})
    wb = openpyxl.load_workbook(path)
    hidden = wb.create_sheet("旧数据")
    hidden.append(["x"])
    hidden.sheet_state = "hidden"
    wb.save(path)
    plan = sniff_file(path, reference_time=REF)
    assert plan.sheet == "评价"
    assert "旧数据" in plan.hidden_sheets
    assert any("旧数据" in w for w in plan.warnings)
    assert import_file(db, plan).imported == 4


# 12, 13, 14, 15, 16, 17 ----------------------------------------------------------------------

def test_12_title_rows_and_spanning_header_in_html(db, tmp_path):
    html = ("<html><body><table><tr><td colspan=3>店铺评价导出 2024-03</td></tr>"
            "<tr><th>评论</th><th>时间</th><th>评分</th></tr>"
            "<tr><td>很好吃</td><td>2024-03-01 12:00</td><td>5</td></tr>"
            "<tr><td>太咸了&amp;偏贵<br>不会再来</td><td>2024-03-02 13:00</td><td>2</td></tr></table></body></html>")
    path = tmp_path / "网页.xls"
    path.write_text(html, encoding="utf-8")
    plan = sniff_file(path, reference_time=REF)
    assert plan.header_row == 1 and plan.columns == ["评论", "时间", "评分"]
    r = import_file(db, plan)
    # 39: entities are decoded by the HTML parser, <br> becomes a line break
    assert texts(db, r.source_id) == ["很好吃", "太咸了&偏贵\n不会再来"]


def test_13_merged_cells_in_data(db, tmp_path):
    import openpyxl

    path = write_xlsx(tmp_path / "合并.xlsx", rows=[[r[0], r[1], r[2], "淘宝" if i == 0 else None, r[4], r[5]]
                                                   for i, r in enumerate(ROWS)])
    wb = openpyxl.load_workbook(path)
    wb.active.merge_cells("D2:D5")
    wb.save(path)
    r = import_file(db, sniff_file(path, reference_time=REF))
    assert r.imported == 4
    channels = [c for (c,) in db.execute("SELECT channel FROM feedback ORDER BY source_row")]
    assert channels == ["淘宝", None, None, None]
    assert any("合并" in w for w in r.warnings)


def test_14_formulas_without_cached_values(db, tmp_path):
    rows = [[r[0], r[1], r[2], "=UPPER(\"x\")", r[4], r[5]] for r in ROWS]
    path = write_xlsx(tmp_path / "公式.xlsx", rows=rows)
    r = import_file(db, sniff_file(path, reference_time=REF))
    assert r.imported == 4
    assert any("4 个公式" in w for w in r.warnings)
    assert db.execute("SELECT count(*) FROM feedback WHERE channel IS NOT NULL").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM feedback WHERE text LIKE '=%'").fetchone()[0] == 0


def test_15_error_cells_are_missing(db, tmp_path):
    rows = [["不错", "#N/A", "5"], ["#REF!", "2024-03-01", "#DIV/0!"], ["好", "2024-03-02", "4"]]
    path = write_csv(tmp_path / "错误值.csv", header=["评论", "时间", "评分"], rows=rows)
    r = import_file(db, sniff_file(path, reference_time=REF))
    # The row whose text is an error cell has no review text: listed as not imported.
    assert (r.imported, r.rejected_total) == (2, 1)
    assert (r.rejected[0].row, r.rejected[0].value) == (3, "#REF!")
    assert any("2 个单元格" in w for w in r.warnings)
    got = db.execute("SELECT text, created_at, rating FROM feedback ORDER BY source_row").fetchall()
    assert got == [("不错", None, 5.0), ("好", "2024-03-02 00:00:00", 4.0)]


def test_16_messy_header_names(tmp_path):
    header = ["\u00a0评论\u3000", "评论", "", "时\u200b间", "评分 "]
    rows = [["很好", "补充", "x", "2024-03-01", "5"], ["一般", "", "y", "2024-03-02", "3"]]
    plan = sniff_file(write_csv(tmp_path / "表头.csv", header=header, rows=rows), reference_time=REF)
    assert plan.columns == ["评论", "评论_2", "第3列", "时\u200b间".replace("\u200b", ""), "评分"]
    assert plan.mapping == {"text": "评论", "time": "时间", "rating": "评分"}


def test_17_ragged_rows(db, tmp_path):
    path = tmp_path / "参差.csv"
    path.write_text("评论,时间,评分\n很好,2024-03-01,5\n一般\n太差,2024-03-03,1,多出来的,还有\n", encoding="utf-8")
    r = import_file(db, sniff_file(path, reference_time=REF))
    assert (r.rows_read, r.imported) == (3, 3)
    assert any("1 行的单元格比表头多" in w for w in r.warnings)
    extra = db.execute("SELECT extra FROM feedback WHERE text='太差'").fetchone()[0]
    assert "多出来的" in extra and "还有" in extra


# 18–27: text files ----------------------------------------------------------------------------

def test_18_19_20_21_encodings(db, tmp_path):
    cases = {
        "gbk.csv": ("gbk", ",", "gb18030"),
        "bom.csv": ("utf-8-sig", ",", "utf-8-sig"),
        "unicode.txt": ("utf-16", "\t", "utf-16"),
    }
    for name, (enc, delim, expected) in cases.items():
        plan = sniff_file(write_csv(tmp_path / name, encoding=enc, delimiter=delim), reference_time=REF)
        assert (plan.encoding, plan.delimiter, plan.columns) == (expected, delim, HEADER)
    path = write_csv(tmp_path / "繁體.csv", header=["評論", "評分"], rows=[["質量很好，服務態度也不錯", "5"],
                                                                      ["還可以", "3"]], encoding="big5")
    plan = sniff_file(path)
    assert plan.encoding == "big5" and plan.columns == ["評論", "評分"]


def test_22_mixed_encodings_name_the_line(db, tmp_path):
    small = tmp_path / "混合.csv"
    small.write_bytes("评论,评分\n很好,5\n".encode("utf-8") + "不错,4\n".encode("gbk") + "好,5\n".encode("utf-8"))
    refused(small, "第 3 行")
    big = tmp_path / "混合大.csv"
    # Past the sniffing sample (1 MB): the import itself meets the bad line and rolls back.
    head = "评论,评分,备注\n" + "".join(f"第{i}条,5,{'x' * 500}\n" for i in range(2500))
    big.write_bytes(head.encode("utf-8") + "坏掉的一行,1,\n".encode("gbk") + "好,5,\n".encode("utf-8"))
    message = refused(big, "第 2502 行")
    assert "编码" in message


def test_23_unclosed_quote(tmp_path):
    # In a file that quotes (a multi-line review), an unpaired quote is refused naming its line.
    lines = ["评论,时间,评分", '"很好\n下次再来",2024-03-01,5', '"没有闭合的引号,2024-03-02,4'] + \
        [f"第{i}条,2024-03-03,{i % 5 + 1}" for i in range(20)]
    path = tmp_path / "引号.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused(path, "第 4 行", "引号")


def test_23_unclosed_quote_in_a_file_that_never_quotes(db, tmp_path):
    # Without any quoting in the file, the quote is part of a review: every line is kept as a row.
    lines = ["评论,时间,评分", "很好,2024-03-01,5", '"没有闭合的引号,2024-03-02,4'] + \
        [f"第{i}条,2024-03-03,{i % 5 + 1}" for i in range(20)]
    path = tmp_path / "引号.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = import_file(db, sniff_file(path))
    assert (r.rows_read, r.imported) == (22, 22)
    assert texts(db, r.source_id)[1] == '"没有闭合的引号'
    assert any("引号没有配对" in w for w in r.warnings)


def test_24_huge_field(db, tmp_path):
    long_text = "很" * 200_000
    path = write_csv(tmp_path / "超长.csv", header=["评论", "评分"], rows=[[long_text, "5"], ["短", "4"]])
    r = import_file(db, sniff_file(path))
    assert r.imported == 2
    assert db.execute("SELECT max(length(text)) FROM feedback").fetchone()[0] == 50_000
    assert any("截短" in w for w in r.warnings)


def test_25_nul_and_control_characters(db, tmp_path):
    path = tmp_path / "控制符.csv"
    path.write_bytes("评论,评分\n很\x00好\x0b,5\n正常,4\n".encode("utf-8"))
    r = import_file(db, sniff_file(path))
    assert texts(db, r.source_id) == ["很好", "正常"]
    assert any("控制字符" in w for w in r.warnings)


def test_26_semicolon_and_fullwidth_commas(db, tmp_path):
    path = tmp_path / "分号.csv"
    path.write_text("评论;评分\n好，很好，非常好;5\n一般，还行;3\n", encoding="utf-8")
    plan = sniff_file(path)
    assert plan.delimiter == ";"
    assert texts(db, import_file(db, plan).source_id) == ["好，很好，非常好", "一般，还行"]


def test_27_cr_only_line_endings_and_newlines_in_cells(db, tmp_path):
    path = tmp_path / "换行.csv"
    path.write_bytes('评论,评分\r"第一行\r\n第二行",5\r一般,3\r'.encode("utf-8"))
    r = import_file(db, sniff_file(path))
    assert texts(db, r.source_id) == ["第一行\r\n第二行", "一般"]


# 28–35: values ------------------------------------------------------------------------------

def test_28_to_32_dates(db, tmp_path):
    rows = [["a", "45356.58472222222"], ["b", "2024/3/5 14:02"], ["c", "2024年3月5日"], ["d", "2024-03-05T14:02:00+08:00"],
            ["e", "3月12日 09:00"], ["f", "昨天 10:21"], ["g", "3小时前"], ["h", "24-3-5"], ["i", "2030-01-01"],
            ["j", "上周"], ["k", "时间不详"]]
    path = write_csv(tmp_path / "日期.csv", header=["评论", "时间"], rows=rows)
    r = import_file(db, sniff_file(path, reference_time=REF))
    # Nothing is dropped for its time: an unreadable or implausible time leaves the review undated.
    assert (r.imported, r.rejected_total) == (11, 0)
    assert [(x.row, x.value) for x in r.notes] == [(10, "2030-01-01"), (12, "时间不详")]
    got = dict(db.execute("SELECT text, created_at FROM feedback"))
    assert got["a"] == "2024-03-05 14:02:00"
    assert got["b"] == "2024-03-05 14:02:00"
    assert got["c"] == "2024-03-05 00:00:00"
    assert got["e"] == "2023-03-12 09:00:00"          # year-less, would be in the future: last year
    assert got["f"] == "2024-03-09 10:21:00"
    assert got["g"] == "2024-03-10 12:30:00"
    assert got["h"] == "2024-03-05 00:00:00"
    assert got["i"] is None and got["k"] is None      # kept, undated, listed
    assert any("没有日期" in w and "时间不详" in w for w in r.warnings), r.warnings
    assert any("2030-01-01" in w for w in r.warnings), r.warnings
    raw = dict(db.execute("SELECT text, time_raw FROM feedback"))
    assert raw["c"] == "2024年3月5日"
    assert (raw["i"], raw["k"]) == ("2030-01-01", "时间不详")
    precision = dict(db.execute("SELECT text, time_precision FROM feedback"))
    assert (precision["g"], precision["j"], precision["c"]) == ("hour", "week", "day")


def test_33_ratings(db, tmp_path):
    rows = [["a", "５"], ["b", "4.5分"], ["c", "五星"], ["d", "★★★★☆"], ["e", "好评"], ["f", "差评"], ["g", "4/5"],
            ["h", "七星"]]
    r = import_file(db, sniff_file(write_csv(tmp_path / "评分.csv", header=["评论", "评分"], rows=rows)))
    assert (r.imported, r.rejected_total) == (8, 0)
    assert [(x.row, x.value) for x in r.notes] == [(9, "七星")]
    got = dict(db.execute("SELECT text, rating FROM feedback"))
    assert got == {"a": 5.0, "b": 4.5, "c": 5.0, "d": 4.0, "e": 5.0, "f": 1.0, "g": 4.0, "h": None}
    assert dict(db.execute("SELECT text, rating_raw FROM feedback"))["d"] == "★★★★☆"


def test_33_ten_and_hundred_point_scales(db, tmp_path):
    ten = write_csv(tmp_path / "十分制.csv", header=["评论", "评分"], rows=[["a", "10"], ["b", "1"], ["c", "7"]])
    r = import_file(db, sniff_file(ten))
    assert dict(db.execute("SELECT text, rating FROM feedback WHERE source_id=?", [r.source_id])) == {
        "a": 5.0, "b": 1.0, "c": 3.67}
    hundred = write_csv(tmp_path / "百分制.csv", header=["评论", "满意度"], rows=[["x", "100"], ["y", "0"], ["z", "75"]])
    r = import_file(db, sniff_file(hundred))
    assert dict(db.execute("SELECT text, rating FROM feedback WHERE source_id=?", [r.source_id])) == {
        "x": 5.0, "y": 1.0, "z": 4.0}


def test_34_35_38_empty_emoji_and_formula_like_text(db, tmp_path):
    rows = [["", "5"], ["👍👍", "5"], ["=HYPERLINK(\"http://x\")", "1"], ["+86 138 0000 0000", "3"], ["-5分", "2"],
            ["@客服 你好", "4"]]
    r = import_file(db, sniff_file(write_csv(tmp_path / "文本.csv", header=["评论", "评分"], rows=rows)))
    # A row without review text is the one row that is not imported: listed with its reason.
    assert (r.imported, r.rejected_total) == (5, 1)
    assert (r.rejected[0].row, r.rejected[0].column) == (2, "评论") and "文字" in r.rejected[0].reason
    assert texts(db, r.source_id) == ["👍👍", "=HYPERLINK(\"http://x\")", "+86 138 0000 0000", "-5分", "@客服 你好"]


# 40–46 --------------------------------------------------------------------------------------

def test_45_excel_lock_file(tmp_path):
    path = tmp_path / "~$报表.xlsx"
    path.write_bytes(b"\x00" * 165)
    refused(path, "~$")


def test_46_chinese_path_and_emoji_file_name(db, tmp_path):
    folder = tmp_path / "中文路径" / "三月 😀 评价"
    folder.mkdir(parents=True)
    path = write_xlsx(folder / "门店评价🍜.xlsx")
    r = import_file(db, sniff_file(path, reference_time=REF))
    assert r.imported == 4 and r.file == "门店评价🍜.xlsx"


def test_missing_file_and_folder(tmp_path):
    refused(tmp_path / "不存在.csv", "不存在")
    (tmp_path / "文件夹.csv").mkdir()
    refused(tmp_path / "文件夹.csv", "文件夹")


def test_binary_junk(tmp_path):
    import random

    rnd = random.Random(3)
    (tmp_path / "乱码.csv").write_bytes(bytes(rnd.randrange(0, 32) for _ in range(4000)))
    message = refused(tmp_path / "乱码.csv")
    assert "表格" in message


def test_messages_in_english_too(tmp_path):
    from cxdesk.i18n import set_language

    set_language("en")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(CxdeskError) as info:
        sniff_file(tmp_path / "empty.csv")
    assert str(info.value) == "“empty.csv” is empty (0 bytes)."


def test_44_database_locked_by_another_program(tmp_path):
    import sqlite3

    from cxdesk.core.errors import DatabaseError
    from cxdesk.core.storage import open_db

    db = open_db(tmp_path / "shop.db")
    db.conn.execute("PRAGMA busy_timeout = 100")
    other = sqlite3.connect(str(tmp_path / "shop.db"))
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(DatabaseError) as info:
            import_file(db, sniff_file(write_csv(tmp_path / "a.csv"), reference_time=REF))
        assert "a.csv" in str(info.value)
    finally:
        other.rollback()
        other.close()
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0
