"""The browser's core: ids by filter and sort, rows by id, corrections, tags, deletes and export."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from cxdesk.core import feedback as fb
from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.progress import Cancelled

ROWS = [
    # id, created_at, channel, rating, label, text
    (1, "2024-03-01 09:00:00", "淘宝", 5, "positive", "物流很快，质量很好"),
    (2, "2024-03-02 10:00:00", "京东", 1, "negative", "物流太慢了，客服也不理人"),
    (3, "2024-03-02 11:00:00", "淘宝", 3, "neutral", "一般般"),
    (4, None, None, None, "unknown", "=HYPERLINK(\"http://evil\",\"点我\")"),
    (5, "2024-03-05 08:30:00", "门店", 2, "negative", "-5分，包装破损\x0b严重"),
]


@pytest.fixture
def filled(db):
    db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, '三月.xlsx', 'x', '2024-03-06 00:00:00')")
    for id_, created, channel, rating, label, text in ROWS:
        db.execute(
            "INSERT INTO feedback(id, source_id, text, created_at, channel, rating, model_label, label, dedup_key) "
            "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
            [id_, text, created, channel, rating, label, label, f"k{id_}"],
        )
    return db


def ids(db, **kw) -> list[int]:
    sort = kw.pop("sort", "created_at")
    desc = kw.pop("descending", True)
    return fb.query_ids(db, FeedbackFilter(**kw), sort, desc).tolist()


def test_default_order_is_newest_first_with_undated_last(filled):
    assert ids(filled) == [5, 3, 2, 1, 4]
    assert ids(filled, descending=False) == [4, 1, 2, 3, 5]


@pytest.mark.parametrize("sort, expected", [
    ("rating", [1, 3, 5, 2, 4]),
    ("channel", [5, 3, 1, 2, 4]),   # by text of the channel name, ties by id
    ("id", [5, 4, 3, 2, 1]),
    ("label", [4, 1, 3, 5, 2]),
])
def test_sort_by_any_column(filled, sort, expected):
    assert ids(filled, sort=sort) == expected


def test_unknown_sort_is_refused(filled):
    with pytest.raises(InvalidValueError):
        ids(filled, sort="drop table")


def test_filters(filled):
    assert ids(filled, channels=("淘宝",)) == [3, 1]
    assert ids(filled, channels=("",)) == [4]
    assert ids(filled, labels=("negative",)) == [5, 2]
    assert ids(filled, ratings=(1, 2)) == [5, 2]
    assert ids(filled, ratings=(0,)) == [4]
    assert ids(filled, date_from=date(2024, 3, 2), date_to=date(2024, 3, 2)) == [3, 2]
    assert ids(filled, sources=(1,), search="物流") == [2, 1]
    assert ids(filled, ids=(1, 4)) == [1, 4]
    assert ids(filled, search="没有这个") == []
    assert fb.count_rows(filled, FeedbackFilter(labels=("negative",))) == 2


def test_fetch_rows_keeps_order_and_skips_missing(filled):
    rows = fb.fetch_rows(filled, [3, 99, 1])
    assert [r.id for r in rows] == [3, 1]
    assert rows[1].channel == "淘宝" and rows[1].rating == 5 and rows[1].label == "positive"
    with pytest.raises(NotFoundError):
        fb.get_row(filled, 99)


def test_delete_and_restore(filled):
    changes = fb.delete_rows(filled, [2, 3])
    assert changes.feedback
    assert ids(filled) == [5, 1, 4]
    fb.restore_rows(filled, [2, 3])
    assert ids(filled) == [5, 3, 2, 1, 4]


def test_correct_label_and_undo(filled):
    before = fb.manual_labels(filled, [2])
    assert before == {2: None}
    fb.correct_label(filled, [2], "positive")
    row = fb.get_row(filled, 2)
    assert (row.manual_label, row.label, row.model_label) == ("positive", "positive", "negative")
    assert ids(filled, labels=("positive",)) == [2, 1]
    fb.correct_label(filled, [2], None)
    row = fb.get_row(filled, 2)
    assert (row.manual_label, row.label) == (None, "negative")
    with pytest.raises(InvalidValueError):
        fb.correct_label(filled, [2], "great")


def test_tag_rows_and_detail_highlights(filled):
    filled.execute("INSERT INTO topics(name, synonyms, created_at, updated_at) VALUES ('物流', '[\"快递\", \"物流太慢\"]', 'now', 'now')")
    fb.tag_rows(filled, [1, 2], "物流")
    assert fb.rows_with_topic(filled, [1, 2, 3], "物流") == {1, 2}
    assert fb.get_row(filled, 2).topics == ("物流",)
    assert ids(filled, topics=("物流",)) == [2, 1]
    detail = fb.row_detail(filled, 2)
    assert [m.topic for m in detail.mentions] == ["物流"]
    # The longer synonym wins over the topic name inside it.
    assert [(h.start, h.end, h.topic) for h in detail.highlights] == [(0, 4, "物流")]
    assert detail.source_name == "三月.xlsx"
    fb.tag_rows(filled, [2], "物流", remove=True)
    assert fb.get_row(filled, 2).topics == ()
    with pytest.raises(InvalidValueError):
        fb.tag_rows(filled, [1], "  ")


def test_filter_options(filled):
    opts = fb.filter_options(filled)
    assert opts.channels == ("京东", "淘宝", "门店")
    assert [s.file_name for s in opts.sources] == ["三月.xlsx"]


def test_export_xlsx_keeps_text_as_text(filled, tmp_path):
    import openpyxl

    target = tmp_path / "导出.xlsx"
    result = fb.export_rows(filled, FeedbackFilter(), target)
    assert result.rows == 5
    ws = openpyxl.load_workbook(target).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][6] == "反馈内容"
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[4][6] == '=HYPERLINK("http://evil","点我")'
    formulas = [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    assert by_id[5][6] == "-5分，包装破损严重"    # control character removed
    assert by_id[5][3] == 2
    assert not list(tmp_path.glob(".cxdesk-export-*"))


def test_export_csv_for_excel(filled, tmp_path):
    target = tmp_path / "out.csv"
    fb.export_rows(filled, FeedbackFilter(labels=("negative", "unknown")), target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(target, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    texts = {r[0]: r[6] for r in rows[1:]}
    assert texts == {"5": "'-5分，包装破损严重", "2": "物流太慢了，客服也不理人", "4": "'=HYPERLINK(\"http://evil\",\"点我\")"}


def test_export_cancel_leaves_no_file(filled, tmp_path):
    target = tmp_path / "out.xlsx"

    def cancel(done, total, message):
        raise Cancelled()

    with pytest.raises(Cancelled):
        fb.export_rows(filled, FeedbackFilter(), target, cancel)
    assert list(tmp_path.iterdir()) == [] or not target.exists()
    assert not list(tmp_path.glob(".cxdesk-export-*"))


def test_export_refuses_other_types(filled, tmp_path):
    with pytest.raises(InvalidValueError):
        fb.export_rows(filled, FeedbackFilter(), tmp_path / "out.pdf")


def test_export_too_many_rows_for_excel(filled, tmp_path, monkeypatch):
    monkeypatch.setattr(fb, "EXCEL_MAX_ROWS", 5)
    with pytest.raises(InvalidValueError) as err:
        fb.export_rows(filled, FeedbackFilter(), tmp_path / "big.xlsx")
    assert ".csv" in str(err.value)
    assert fb.export_rows(filled, FeedbackFilter(), tmp_path / "big.csv").rows == 5
