"""Re-importing an export that only adds the shop's replies to reviews already stored.

The reviews are the same (same ids, texts, times); only the reply columns are filled now. The import
report must say that those rows were updated, not that they were duplicates.
"""

from __future__ import annotations

from cxdesk.core.importers import import_file, sniff_file
from test_import_fixtures import write_csv

HEADER = ["评价ID", "用户", "评分", "内容", "评价时间", "渠道", "回复状态", "商家回复", "回复时间"]
ROWS = [
    ["R1", "张先生", "1", "菜凉了，送得太慢", "2024-05-01 12:00", "美团", "未回复", "", ""],
    ["R2", "李女士", "2", "包装漏汤", "2024-05-02 18:30", "美团", "未回复", "", ""],
    ["R3", "王同学", "5", "味道很好", "2024-05-03 19:00", "美团", "未回复", "", ""],
]


def _stored_replies(db) -> dict[str, str]:
    return dict(db.execute("SELECT f.external_id, r.text FROM feedback_replies r JOIN feedback f ON f.id = r.feedback_id "
                           "WHERE r.text IS NOT NULL").fetchall())


def test_reimport_that_only_adds_replies_reports_them_as_updated(db, tmp_path):
    first = import_file(db, sniff_file(write_csv(tmp_path / "a.csv", header=HEADER, rows=ROWS)))
    assert (first.imported, first.updated, first.duplicates) == (3, 0, 0)
    replied = [row[:6] + ["已回复", f"抱歉，{row[1]}", "2024-05-04 10:00"] for row in ROWS[:2]] + [ROWS[2]]
    again = import_file(db, sniff_file(write_csv(tmp_path / "b.csv", header=HEADER, rows=replied)))
    assert _stored_replies(db) == {"R1": "抱歉，张先生", "R2": "抱歉，李女士"}   # the replies did arrive
    assert (again.imported, again.updated, again.duplicates) == (0, 2, 1)
    assert again.changes.feedback
    # The same export once more brings nothing new: all duplicates.
    third = import_file(db, sniff_file(write_csv(tmp_path / "c.csv", header=HEADER, rows=replied)))
    assert (third.imported, third.updated, third.duplicates) == (0, 0, 3)
