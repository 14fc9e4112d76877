"""Complaints no topic covers: key phrases, counting, ranking by growth, dates, and the one-click edits."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from cxdesk.core.analysis import analyze
from cxdesk.core.analysis import uncovered as U
from cxdesk.core.filters import FeedbackFilter
from tests.conftest import run_cli
from tests.core.test_topics import add_rows

START = date(2024, 1, 1)
DAYS = 182   # 2024-01-01 .. 2024-06-30

# Complaints about things the restaurant topics do not name, steady over six months.
STEADY = {
    "包装破损": ["包装破损，汤都洒了", "这次包装破损了", "包装破损严重"],
    "漏送": ["漏送了饮料", "又漏送了一份米饭", "漏送了餐具"],
    "送错地址": ["送错地址了", "又送错地址了", "居然送错地址了"],
    "发票": ["发票一直不给开，很麻烦", "要发票拖了一个星期，很麻烦", "发票开错了，很麻烦"],
    "退款": ["退款一直不处理", "申请退款被拒绝，太过分", "退款拖了半个月"],
}
NEW = ["又发错货了", "居然发错货了", "发错货了，气死", "给我发错货了", "这次又发错货", "发错货了！"]
BACKGROUND = ["菜很好吃，服务也热情", "味道不错，价格实惠", "环境干净，上菜快", "服务员态度很差", "上菜太慢了",
              "东西太差了", "再也不来了"]


def _day(i: int) -> str:
    return f"{START + timedelta(days=i % DAYS)} 12:00:00"


def planted(db, *, steady_each: int = 60, new_count: int = 40) -> list[int]:
    """Six months of reviews; the last 30 days add a complaint that never occurred before."""
    texts, created = [], []
    for n, (_phrase, variants) in enumerate(STEADY.items()):
        for i in range(steady_each):
            texts.append(variants[i % len(variants)])
            created.append(_day(i * DAYS // steady_each + n))
    for i in range(300):
        texts.append(BACKGROUND[i % len(BACKGROUND)])
        created.append(_day(i * 7))
    first_new = len(texts)
    for i in range(new_count):
        texts.append(NEW[i % len(NEW)])
        created.append(_day(DAYS - 30 + i % 30))
    ids = add_rows(db, texts, created=created)
    analyze(db)
    return ids[first_new:]


def test_a_new_complaint_40_times_in_a_month_is_among_the_first_five(db):
    new_ids = planted(db)
    found = U.uncovered_complaints(db)
    phrases = [u.phrase for u in found]
    assert "发错货" in phrases[:5], phrases
    top = found[phrases.index("发错货")]
    assert top.count == 40 and top.recent == 40 and top.growth == 40.0
    assert set(top.examples) <= set(new_ids) and len(top.examples) == U.MAX_EXAMPLES
    # The steady complaints are there too, counted once per review.
    by_phrase = {u.phrase: u for u in found}
    assert by_phrase["包装破损"].count == 60
    assert by_phrase["送错地址"].count == 60
    # A bare verdict is no phrase, and nothing a topic names shows up.
    assert not {"太差", "东西", "再也", "不来", "服务员", "上菜"} & set(phrases)


def test_phrases_are_whole_words():
    assert U.candidates("又 发错 货 了") == ("发错", "发错货")
    assert U.candidates("东西 太差 了") == ()
    assert "wrong item" in U.candidates("they sent the wrong item")
    assert "item" not in U.candidates("they sent the wrong item")       # too general alone
    assert U.candidates("terrible experience never again") == ()
    picks = U.choose_phrases([(1, "又 发错 货 了"), (2, "发错 货"), (3, "居然 发错 货 了"), (4, "发错 颜色 了"),
                              (5, "给我发 错货 了")])
    # jieba cut the last one "给我发/错货": the phrase two reviews share still finds it.
    assert picks == ["发错货", "发错货", "发错货", "发错", "发错货"]


def test_dates_limit_the_period(db):
    planted(db)
    before = U.uncovered_complaints(db, FeedbackFilter(date_to=date(2024, 5, 31)))
    assert "发错货" not in [u.phrase for u in before]
    june = {u.phrase: u for u in U.uncovered_complaints(db, FeedbackFilter(date_from=date(2024, 6, 1)))}
    assert june["发错货"].count == 40 and june["包装破损"].count < 60
    # Growth compares with the months before the period even when they are outside it.
    assert june["包装破损"].growth < 5 < june["发错货"].growth


def test_make_topic_takes_the_phrase_off_the_list(db):
    planted(db, steady_each=8, new_count=10)
    assert "发错货" in [u.phrase for u in U.uncovered_complaints(db)]
    U.make_topic(db, "发错货")
    analyze(db)
    assert "发错货" not in [u.phrase for u in U.uncovered_complaints(db)]
    mentions = db.execute("SELECT count(*) FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                          "WHERE t.name = '发错货' AND ft.label = 'negative'").fetchone()[0]
    assert mentions == 10


def test_add_to_topic_and_unknown_topic(db):
    from cxdesk.core.analysis.topics import get_topic
    from cxdesk.core.errors import NotFoundError

    planted(db, steady_each=8, new_count=4)
    U.add_to_topic(db, "包装破损", "外卖配送")
    assert "包装破损" in get_topic(db, "外卖配送").synonyms
    analyze(db)
    assert "包装破损" not in [u.phrase for u in U.uncovered_complaints(db)]
    with pytest.raises(NotFoundError):
        U.add_to_topic(db, "漏送", "没有这个话题")


def test_rows_not_read_since_analysis_are_read_on_the_fly(db):
    planted(db, steady_each=8, new_count=6)
    expected = [(u.phrase, u.count) for u in U.uncovered_complaints(db)]
    db.execute("DELETE FROM complaint_scan")
    db.execute("DELETE FROM complaint_clauses")
    assert [(u.phrase, u.count) for u in U.uncovered_complaints(db)] == expected
    assert U.refresh(db) == db.execute("SELECT count(*) FROM feedback").fetchone()[0]
    assert U.refresh(db) == 0


def test_english_complaints_no_topic_covers(db):
    add_rows(db, ["They sent the wrong item.", "Wrong item again, I ordered a blue one.",
                  "Got the wrong item and nobody answered.", "Great food and friendly staff."],
             created=["2024-03-01 10:00:00", "2024-03-02 10:00:00", "2024-03-03 10:00:00", "2024-03-04 10:00:00"])
    analyze(db)
    found = {u.phrase: u for u in U.uncovered_complaints(db)}
    assert found["wrong item"].count == 3


def test_cli_uncovered_json_and_table(tmp_path):
    from cxdesk.core.storage import open_db

    path = tmp_path / "shop.db"
    database = open_db(path)
    new_ids = planted(database, steady_each=10, new_count=12)
    database.close()
    out = run_cli("topics", "--uncovered", "--json", "--db", str(path))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert all(set(item) == {"phrase", "count", "recent", "examples"} for item in data)
    top = {item["phrase"]: item for item in data}["发错货"]
    assert top["count"] == 12 and top["recent"] == 12 and set(top["examples"]) <= set(new_ids)
    out = run_cli("topics", "--uncovered", "--json", "--to", "2024-05-31", "--db", str(path))
    assert "发错货" not in [item["phrase"] for item in json.loads(out.stdout)]
    out = run_cli("topics", "--uncovered", "--db", str(path))
    assert out.returncode == 0 and "发错货" in out.stdout and "12" in out.stdout
