"""Customer text in spreadsheets: never a formula, never an unreadable file."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from cxdesk.core import safe_cells as sc


@pytest.mark.parametrize("text", ["=1+1", "+86 138 0000 0000", "-5分", "@客服", "\t=cmd", "＝SUM(A1)"])
def test_formula_looking_text_is_prefixed_in_csv(text):
    assert sc.looks_like_formula(text)
    assert sc.csv_value(text) == "'" + sc.clean_text(text)


@pytest.mark.parametrize("value, expected", [("好评", "好评"), (5, 5), (4.5, 4.5), (None, ""), ("a\x00b\x0bc", "abc")])
def test_csv_value_plain(value, expected):
    assert sc.csv_value(value) == expected


def test_clean_text_cuts_with_marker():
    long = "好" * 40_000
    cut = sc.clean_text(long)
    assert len(cut) == sc.EXCEL_CELL_LIMIT
    assert cut.endswith(sc.cut_marker())
    assert sc.clean_text("短") == "短"
    assert sc.clean_text("tab\tand\nnewline") == "tab\tand\nnewline"


def test_xlsx_roundtrip(tmp_path):
    path = tmp_path / "t.xlsx"
    rows = [["=HYPERLINK(\"http://x\")", 5, None], ["bad\x0bchar", 4.5, "@客服"], ["长" * 33_000, 1, "-1"]]
    assert sc.write_xlsx(path, ["文本", "评分", "备注"], rows, sheet_title="反馈/导出") == 3
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "反馈 导出"
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == ("文本", "评分", "备注")
    assert values[1] == ("=HYPERLINK(\"http://x\")", 5, None)
    assert values[2] == ("badchar", 4.5, "@客服")
    assert len(values[3][0]) == sc.EXCEL_CELL_LIMIT
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_csv_roundtrip(tmp_path):
    path = tmp_path / "t.csv"
    sc.write_csv(path, ["文本", "评分"], [["多行\n文本，带逗号", 5], ["=1+1", None]])
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [["文本", "评分"], ["多行\n文本，带逗号", "5"], ["'=1+1", ""]]


def test_unwritable_target_is_a_plain_error(tmp_path):
    folder = tmp_path / "missing" / "x.csv"
    with pytest.raises(sc.ExportError) as err:
        sc.write_csv(folder, ["a"], [])
    assert "x.csv" in str(err.value)
