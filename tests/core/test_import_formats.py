"""Every file type and encoding the importer reads, with exact counts and parsed values."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime

import pytest

from cxdesk.core.importers import import_file, sniff_file
from test_import_fixtures import HEADER, REF, ROWS, write_csv, write_html, write_xls, write_xlsx


def rows_of(db, source_id):
    return db.execute(
        "SELECT source_row, text, created_at, time_precision, rating, channel, author, external_id "
        "FROM feedback WHERE source_id = ? ORDER BY source_row", [source_id]).fetchall()


EXPECTED = [
    ("物流很快，包装完好，好评！", "2024-03-01 10:00:00", 5.0, "淘宝", "小王", "A1"),
    ("质量一般，客服回复太慢", "2024-03-02 11:30:00", 3.0, "淘宝", "李女士", "A2"),
    ("收到就坏了，差评", "2024-03-03 09:15:00", 1.0, "京东", "张三", "A3"),
    ("味道不错，下次还来", "2024-03-04 20:45:00", 4.0, "美团", "阿花", "A4"),
]


def check_standard(db, plan, *, first_row=2):
    assert plan.roles == {"text": 0, "time": 1, "rating": 2, "channel": 3, "author": 4, "id": 5}
    result = import_file(db, plan)
    assert (result.rows_read, result.imported, result.duplicates, result.rejected) == (4, 4, 0, [])
    got = rows_of(db, result.source_id)
    assert [r[0] for r in got] == list(range(first_row, first_row + 4))
    assert [(r[1], r[2], r[4], r[5], r[6], r[7]) for r in got] == EXPECTED
    assert {r[3] for r in got} == {"minute"}
    return result


def test_xlsx_with_title_rows(db, tmp_path):
    path = write_xlsx(tmp_path / "评价导出.xlsx", title=["某某店 2024年3月 评价导出", "导出人：店长"])
    plan = sniff_file(path, reference_time=REF)
    assert (plan.file_type, plan.sheet, plan.header_row) == ("xlsx", "评价", 2)
    assert plan.columns == HEADER
    assert plan.raw_preview[0][0] == "某某店 2024年3月 评价导出"
    check_standard(db, plan, first_row=4)


def test_xlsx_datetime_cells_and_numbers(db, tmp_path):
    rows = [[r[0], datetime.fromisoformat(r[1]), int(r[2]), r[3], r[4], r[5]] for r in ROWS]
    path = write_xlsx(tmp_path / "cells.xlsx", rows=rows)
    check_standard(db, sniff_file(path, reference_time=REF))


def test_xlsx_1904_serial_numbers(db, tmp_path):
    # Serial numbers typed as plain numbers in a workbook using the 1904 date system.
    serial_1904 = 45356.58472222222 - 1462  # 2024-03-05 14:02
    rows = [["好吃", serial_1904, 5], ["一般", serial_1904 + 1, 3], ["难吃", datetime(2024, 3, 7, 8, 0), 1]]
    path = write_xlsx(tmp_path / "mac.xlsx", header=["评论", "日期", "评分"], rows=rows, epoch1904=True)
    plan = sniff_file(path, reference_time=REF)
    assert plan.epoch1904
    result = import_file(db, plan)
    assert result.imported == 3
    assert [r[2] for r in rows_of(db, result.source_id)] == [
        "2024-03-05 14:02:00", "2024-03-06 14:02:00", "2024-03-07 08:00:00"]


def test_xlsm_macros_ignored(db, tmp_path):
    src = write_xlsx(tmp_path / "plain.xlsx")
    dst = tmp_path / "宏.xlsm"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        zout.writestr("xl/vbaProject.bin", b"\x00fake macro project")
    plan = sniff_file(dst, reference_time=REF)
    assert any("宏" in w for w in plan.warnings)
    check_standard(db, plan)


def test_legacy_xls(db, tmp_path):
    pytest.importorskip("xlwt")
    rows = [[r[0], datetime.fromisoformat(r[1]), int(r[2]), r[3], r[4], r[5]] for r in ROWS]
    path = write_xls(tmp_path / "老格式.xls", rows=rows)
    plan = sniff_file(path, reference_time=REF)
    assert plan.file_type == "xls" and plan.sheet == "评价"
    check_standard(db, plan)


def test_html_table_named_xls(db, tmp_path):
    path = write_html(tmp_path / "平台导出.xls")
    plan = sniff_file(path, reference_time=REF)
    assert (plan.file_type, plan.encoding) == ("html", "gb18030")
    check_standard(db, plan)


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"),
    ("utf-16", "utf-16"),
])
def test_csv_encodings(db, tmp_path, encoding, expected):
    delimiter = "\t" if encoding == "utf-16" else ","
    path = write_csv(tmp_path / f"{encoding}.csv", encoding=encoding, delimiter=delimiter, newline="\r\n")
    plan = sniff_file(path, reference_time=REF)
    assert plan.encoding == expected
    assert plan.delimiter == delimiter
    assert plan.columns == HEADER  # no "\ufeff评论内容"
    check_standard(db, plan)


def test_short_gbk_is_not_mistaken(db, tmp_path):
    path = tmp_path / "short.csv"
    path.write_bytes("评论,评分\n很好,5\n太差了,1\n".encode("gbk"))
    plan = sniff_file(path, reference_time=REF)
    assert plan.encoding == "gb18030"
    assert plan.columns == ["评论", "评分"]
    result = import_file(db, plan)
    assert [r[1] for r in rows_of(db, result.source_id)] == ["很好", "太差了"]


def test_big5_traditional(db, tmp_path):
    rows = [["質量很好，服務態度也不錯", "2024-03-01 10:00", "5"], ["物流太慢了，包裝破損", "2024-03-02 11:00", "2"],
            ["價格實惠，會再來購買", "2024-03-03 12:00", "4"]]
    path = write_csv(tmp_path / "big5.csv", header=["評論", "時間", "評分"], rows=rows, encoding="big5")
    plan = sniff_file(path, reference_time=REF)
    assert plan.encoding == "big5"
    assert "gb18030" in plan.encodings_possible
    result = import_file(db, plan)
    assert [r[1] for r in rows_of(db, result.source_id)] == [r[0] for r in rows]


def test_traditional_headers_of_a_taobao_export_find_the_review_not_the_long_product_name(tmp_path):
    title = ("【官方旗艦店】2026新款純棉短袖T恤男女同款寬鬆大碼情侶裝夏季百搭韓版潮流休閒上衣" * 5)[:200]
    rows = [[f"TB{i}", title, f"2024-03-0{i} 10:00", "1", "物流太慢了，包裝破損", f"買家{i}"] for i in range(1, 6)]
    path = write_csv(tmp_path / "淘寶評價.csv", header=["訂單編號", "寶貝名稱", "評價時間", "評分", "評價內容", "買家暱稱"],
                     rows=rows, encoding="big5")
    plan = sniff_file(path, reference_time=REF)
    assert plan.roles == {"id": 0, "time": 2, "rating": 3, "text": 4, "author": 5}


def test_tsv_and_semicolon(db, tmp_path):
    tsv = write_csv(tmp_path / "a.tsv", delimiter="\t")
    assert sniff_file(tsv).delimiter == "\t"
    semi = write_csv(tmp_path / "b.csv", delimiter=";",
                     rows=[["好，很好，非常好", "2024-03-01 10:00", "5", "店", "甲", "X1"]])
    plan = sniff_file(semi, reference_time=REF)
    assert plan.delimiter == ";"
    result = import_file(db, plan)
    assert rows_of(db, result.source_id)[0][1] == "好，很好，非常好"


def test_txt_one_review_per_line_without_header(db, tmp_path):
    path = tmp_path / "留言.txt"
    path.write_text("这家店的服务态度非常好，下次还会再来\n菜品分量太少了，价格也偏贵\n环境干净整洁，上菜速度快\n",
                    encoding="utf-8")
    plan = sniff_file(path, reference_time=REF)
    assert plan.header_row == -1
    assert plan.roles == {"text": 0}
    result = import_file(db, plan)
    assert result.imported == 3
    assert [r[0] for r in rows_of(db, result.source_id)] == [1, 2, 3]


def test_xlsx_that_is_really_csv(db, tmp_path):
    path = write_csv(tmp_path / "伪装.xlsx")
    plan = sniff_file(path, reference_time=REF)
    assert plan.file_type == "csv"
    check_standard(db, plan)


def test_extra_columns_kept_as_json(db, tmp_path):
    header = HEADER + ["会员等级"]
    rows = [r + ["金牌"] for r in ROWS]
    path = write_csv(tmp_path / "extra.csv", header=header, rows=rows)
    result = import_file(db, sniff_file(path, reference_time=REF))
    extra = db.execute("SELECT extra FROM feedback WHERE source_id=? ORDER BY id LIMIT 1", [result.source_id]).fetchone()[0]
    assert json.loads(extra) == {"会员等级": "金牌"}
