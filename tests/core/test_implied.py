"""Complaint words that imply their topic when a clause names none (cxdesk/core/analysis/implied.py)."""

from __future__ import annotations

import pytest

from cxdesk.core.analysis import clauses, implied
from cxdesk.core.analysis import topics as T


def _topics(text: str, matcher=None) -> list[tuple[str, tuple[str, ...], str]]:
    return [(m.clause, m.topics, m.label) for m in T.analyze_clauses(text, matcher)]


def _matcher(template: str) -> T.TopicMatcher:
    merged: dict[str, list[str]] = {}
    for name in (T.GENERAL_TEMPLATE, template):
        for topic, words in T.TEMPLATES[name].items():
            merged.setdefault(topic, []).extend(words)
    return T.TopicMatcher(merged.items())


@pytest.mark.parametrize("text, topic", [
    ("太慢了", "上菜速度"),
    ("可惜吃的太慢", "上菜速度"),
    ("大概要等半个小时", "上菜速度"),        # a long wait, no opinion word at all
    ("等了四十分钟", "上菜速度"),
    ("收银的小姑娘很冷漠", "服务"),
    ("点菜的时候爱理不理的", "服务"),
    ("桌上好脏", "卫生"),
    ("量略少", "分量"),
    ("这鱼太腥了", "味道"),
    ("周末人多很拥挤", "环境"),
    ("而且还不饱", "分量"),
    ("每份都很少", "分量"),
    ("又等半天还是没来", "上菜速度"),
    ("不过等了有点久", "上菜速度"),
    ("出菜太慢", "上菜速度"),
    ("这里的人素质太低", "服务"),
    ("一直在玩手机", "服务"),
    ("简直是宰人", "价格"),
    ("里面闹哄哄的", "环境"),
    ("发现有异物", "卫生"),
    ("肉少得可怜", "分量"),
    ("做得不正宗", "味道"),
    ("进门半天没人招呼", "服务"),
    ("问什么都一问三不知", "服务"),
    ("感觉被坑了", "价格"),
    ("简直是黑店", "价格"),
    ("牛肉咬不动", "味道"),
    ("汤里有虫", "卫生"),
])
def test_a_complaint_word_implies_its_topic(text, topic):
    (clause, found, label), = _topics(text)
    assert label == "negative"
    assert found == (topic,)


@pytest.mark.parametrize("text", [
    "不慢",                 # praise: no complaint, no implied topic
    "一点都不腻",
    "降火解腻",             # 解腻 is praise, not 腻
    "我们慢慢吃",            # 慢 alone is not listed: 慢慢, 慢炖
    "人太多了",              # a size word after a noun of no topic
    "很少来这边",
    "要等十分钟",            # a short wait is a fact
    "内脏处理得很好",         # 内脏 is no 脏
    "很久以前来过",           # 很久以前 is no wait
    "点了一份小杯的",          # 一份 is an order, not a portion
    "朋友吃完拉肚子了",        # labelled reviews do not count it against hygiene
])
def test_no_topic_where_nothing_is_complained_about(text):
    assert all(found == () for _clause, found, _label in _topics(text))


def test_a_topic_word_wins_over_an_implied_topic():
    # 外卖 names its topic; the wait after it stays the delivery's, never the kitchen's.
    found = _topics("外卖送得太慢了，等了一个多小时")
    assert found[0][1] == ("外卖配送",)
    assert found[1][1] == ("外卖配送",)   # the wait goes on about the delivery: no complaint left uncovered
    from cxdesk.core.analysis.uncovered import uncovered_clauses

    assert uncovered_clauses("外卖送得太慢了，等了一个多小时") == []


def test_implied_topics_follow_the_business():
    shop = _matcher("电商/零售")
    assert _topics("用着用着就卡顿", shop)[0][1] == ("使用体验",)
    # 很慢 in a shop is as often the charger as the courier: it implies nothing there.
    assert _topics("充电很慢", shop)[0][1] == ()
    salon = _matcher("美业/服务")
    assert _topics("等了一个多小时", salon)[0][1] == ("预约等待",)


def test_an_implied_complaint_counts_in_the_review():
    mentions = T.assign_topics("菜还行，就是太慢了，等了四十分钟")
    assert [m.label for m in mentions if m.topic == "上菜速度"] == ["negative"]
    # ... and a glowing review that eats slowly has no 上菜速度 at all.
    assert not [m for m in T.assign_topics("菜非常好吃，环境也很好，我们慢慢吃") if m.topic == "上菜速度"]


def test_every_hint_is_a_word_of_the_clause_lexicon_and_a_template_topic():
    lexicon = clauses._load()
    topics = {topic for body in T.TEMPLATES.values() for topic in body}
    for word, names in implied.table().items():
        if word != implied.WAIT:
            assert word in lexicon, word
        assert names and set(names) <= topics, (word, names)


@pytest.mark.parametrize("clause, expected", [
    ("等了十多分钟", False), ("等位10分钟", False), ("等了二十分钟", True), ("排了半个小时", True),
    ("等了3个小时", True), ("排队就一个多小时", True), ("等了两个钟头", True), ("等了几分钟", False),
])
def test_a_long_wait_is_twenty_minutes_or_more(clause, expected):
    assert clauses.long_wait(clause) is expected
