"""The platform of an import: guessed, remembered per column layout, given to rows without one."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cxdesk.core.errors import InvalidValueError
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.importers import import_file, remember_mapping, sniff_file
from cxdesk.core.importers.channels import CHANNELS, UNSPECIFIED, clean_channel, guess_channel


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def channels_of(db) -> list:
    return [r[0] for r in db.execute("SELECT channel FROM feedback ORDER BY id")]


def test_offered_channels_in_order():
    assert CHANNELS == ("美团", "大众点评", "饿了么", "淘宝", "天猫", "京东", "拼多多", "抖音", "小红书", "微信",
                        "问卷", "门店", "其他")


@pytest.mark.parametrize("name, columns, expected", [
    ("美团评价导出_2024-03.xlsx", ["时间", "内容"], "美团"),
    ("大众点评-评价.csv", ["时间", "内容"], "大众点评"),
    ("taobao_reviews.csv", ["时间", "内容"], "淘宝"),
    ("JD-comments.xlsx", ["时间", "内容"], "京东"),
    ("export.csv", ["宝贝名称", "评价内容", "评价时间"], "淘宝"),
    ("export.csv", ["序号", "提交答卷时间", "您的建议"], "问卷"),
    ("export.csv", ["时间", "内容"], None),
    ("adjust.csv", ["时间", "内容"], None),    # "jd" only as a whole word
])
def test_guess_channel(name, columns, expected):
    assert guess_channel(name, columns) == expected


def test_clean_channel():
    assert clean_channel("  抖音 ") == "抖音"
    assert clean_channel(UNSPECIFIED) is None
    assert clean_channel("") is None
    with pytest.raises(InvalidValueError):
        clean_channel("渠" * 31)


def test_rows_without_channel_get_the_plans_and_own_channels_stay(db, tmp_path):
    path = write_csv(tmp_path / "meituan.csv", ["时间", "内容", "渠道"],
                     [["2024-03-01 12:00", "味道很好", ""], ["2024-03-02 12:00", "太咸了", "堂食"]])
    plan = sniff_file(path, db=db)
    assert plan.channel == "美团"
    import_file(db, plan)
    assert channels_of(db) == ["美团", "堂食"]


def test_channel_is_remembered_for_the_same_columns(db, tmp_path):
    first = write_csv(tmp_path / "a.csv", ["评价时间", "评价内容"], [["2024-03-01", "不错"]])
    plan = sniff_file(first, db=db)
    assert plan.channel is None
    plan = plan.with_changes(channel=" 小红书 ")
    assert plan.channel == "小红书"
    import_file(db, plan)
    remember_mapping(db, plan)
    second = write_csv(tmp_path / "b.csv", ["评价时间", "评价内容"], [["2024-03-05", "一般"]])
    again = sniff_file(second, db=db)
    assert again.channel == "小红书"
    assert again.with_changes(header_row=0).channel == "小红书"   # re-reading keeps it
    import_file(db, again.with_changes(channel=UNSPECIFIED))
    assert channels_of(db) == ["小红书", None]


def test_unspecified_filter_finds_rows_without_channel(db, tmp_path):
    from cxdesk.core.filters import filter_sql

    path = write_csv(tmp_path / "x.csv", ["时间", "内容"], [["2024-03-01", "好"], ["2024-03-02", "差"]])
    import_file(db, sniff_file(path, db=db).with_changes(channel="门店"))
    path2 = write_csv(tmp_path / "y.csv", ["时间", "内容"], [["2024-03-03", "还行"]])
    import_file(db, sniff_file(path2, db=db).with_changes(channel=None))
    where, params = filter_sql(FeedbackFilter(channels=("",)), "f")
    n = db.execute(f"SELECT count(*) FROM feedback f WHERE {where}", params).fetchone()[0]
    assert n == 1


def test_cli_import_channel(tmp_path, capsys):
    import json

    from cxdesk.cli import main
    from cxdesk.core.storage import open_db

    dbp = tmp_path / "c.db"
    path = write_csv(tmp_path / "reviews.csv", ["时间", "内容"], [["2024-03-01", "好吃"], ["2024-03-02", "难吃"]])
    assert main(["--db", str(dbp), "import", str(path), "--channel", "饿了么", "--no-analyze", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["channel"] == "饿了么"
    path2 = write_csv(tmp_path / "more.csv", ["时间", "内容"], [["2024-03-03", "还行"]])
    assert main(["--db", str(dbp), "import", str(path2), "--no-analyze"]) == 0   # same columns: remembered
    assert "饿了么" in capsys.readouterr().out
    db = open_db(dbp)
    try:
        assert channels_of(db) == ["饿了么", "饿了么", "饿了么"]
    finally:
        db.close()
