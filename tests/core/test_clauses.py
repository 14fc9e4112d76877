"""Clause sentiment: opinion words and rules give each clause positive, neutral or negative."""

from __future__ import annotations

import pytest

from cxdesk.core.analysis import clauses as C
from cxdesk.core.analysis import topics as T


def label(text: str) -> str:
    return C.score_clause(text).label


@pytest.mark.parametrize("text, expected", [
    # the examples
    ("这家味道实在太香", "positive"),
    ("感觉比别家的好吃", "positive"),
    ("点了外卖", "neutral"),
    ("我们点了三个菜", "neutral"),
    ("又送饮料菜品啥的", "neutral"),
    # a dish name is no praise (鱼香肉丝), a dish without taste is a complaint
    ("鱼香肉丝没有味道", "negative"),
    ("鱼香肉丝上来了", "neutral"),
    ("但是鱼不新鲜", "negative"),
    # negation
    ("不好吃", "negative"),
    ("一点也不好吃", "negative"),
    ("服务员态度不太好", "negative"),
    ("没有别家好吃", "negative"),
    ("价格也不贵", "positive"),
    ("没有异味", "positive"),
    ("没有任何问题", "positive"),
    ("网上说的那些问题都没有", "neutral"),
    ("味道不错", "positive"),
    # degree, too much / not enough
    ("太好吃了", "positive"),
    ("有点咸", "negative"),
    ("偏甜", "negative"),
    ("不够辣", "negative"),
    ("不够新鲜", "negative"),
    # size words take their sense from the noun
    ("分量很大", "positive"),
    ("性价比很高", "positive"),
    ("价格偏高", "negative"),
    ("店面太小", "negative"),
    ("店面不大", "neutral"),           # a small shop told plainly is description
    ("地方很小", "neutral"),
    ("噪音大", "negative"),
    # lukewarm, questions, hearsay, waits
    ("味道一般", "neutral"),
    ("好吃吗？", "neutral"),
    ("听说很难吃", "neutral"),
    ("如果再便宜点就好了", "neutral"),
    ("等了四十分钟", "negative"),
    ("排队一个多小时", "negative"),
    # words that only look like opinions
    ("香菜放多了", "neutral"),
    ("好像是新开的", "neutral"),
    ("办了会员卡", "neutral"),
    # complaints the labelled reviews showed the word list missing
    ("总觉得有些不卫生", "negative"),
    ("店铺感觉不是很卫生", "negative"),
    ("卫生方面", "neutral"),
    ("实际吃起来很一般", "negative"),
    ("从来没吃过这么难吃的东南亚菜", "negative"),
    ("从来没吃过这么好吃的", "positive"),
    ("服务方面个人感觉不是那么跟得上", "negative"),
    ("排了半小时呢", "negative"),
    ("等位一个小时", "negative"),
    ("但等到过了约半个小时鱼上了", "negative"),
    ("态度恶劣", "negative"),
    # a negator before a plain adjective is that adjective's, not the praise's after it
    ("一点也不老很嫩", "positive"),
    # a negator after what it denies
    ("一点腥味都没有", "positive"),
    ("什么异味都没有", "positive"),
    ("完全一点油腻感都没有", "positive"),
    ("一点好吃的都没有", "negative"),
    ("服务员什么都没有说", "neutral"),
    # a price without the deal is a complaint even as a what-if; other what-ifs are not
    ("如果没有活动就贵了", "negative"),
    ("但是觉得如果原价来喝的话有点小贵", "negative"),
    ("没有团购也很划算", "positive"),
    # portions and waits the list missed
    ("着实没吃饱", "negative"),
    ("不过等了有点久", "negative"),
    ("很久以前吃过鸭王", "neutral"),
    ("等了快一个小时", "negative"),     # 快 (almost) is no praise of speed
    ("闷骚南瓜", "neutral"),
    ("真是大失所望", "negative"),
    ("名不副实", "negative"),
    ("不熟悉环境", "neutral"),
    ("服务员对套餐不熟悉", "negative"),
    # 什么 asks nothing: the clause is still a complaint
    ("吃饭的时候会有电钻什么的声音在耳边吵", "negative"),
])
def test_clause_labels(text, expected):
    assert label(text) == expected


def test_scores_are_probabilities_with_half_for_no_opinion():
    assert C.score_clause("点了外卖").score == 0.5
    assert C.score_clause("非常好吃").score > C.score_clause("好吃").score > 0.5
    assert C.score_clause("难吃").score < 0.5
    assert C.score_clause("").label == "unknown"
    assert C.score_clause("但是鱼不新鲜").contrast is True


def test_value_round_trips_through_the_score():
    for value in (-3.0, -0.6, 0.0, 1.5):
        assert C.value_of(C.score_of(value)) == pytest.approx(value)
    assert C.value_of(None) == 0.0


def test_english_clauses_are_scored_by_the_english_method():
    (rude, fine, plain) = C.score_clauses([("", "the staff were rude"), ("", "the food was great"),
                                          ("", "we ordered two dishes")])
    assert rude[1] == "negative" and fine[1] == "positive" and plain[1] == "neutral"


def test_analyze_clauses_returns_every_clause_with_its_topics():
    found = T.analyze_clauses("点了外卖，菜很好吃。老板人很好，就是有点贵")
    assert [m.clause for m in found] == ["点了外卖", "菜很好吃", "老板人很好", "就是有点贵"]
    assert all(isinstance(m, T.ClauseMention) for m in found)
    first, taste, boss, price = found
    assert first.topics == ("外卖配送",) and first.label == "neutral"
    assert taste.topics == ("味道",) and taste.label == "positive"
    assert boss.topics == ("服务",) and boss.label == "positive"
    assert price.topics == ("价格",) and price.label == "negative"
    sentence, clause, topics, score, lab, by_model = price   # a plain tuple
    assert not by_model   # the word list found this complaint
    assert sentence == "老板人很好，就是有点贵" and 0.0 < score < 0.5


def test_clauses_that_match_no_topic_are_kept():
    found = T.analyze_clauses("发错货了，客服也不回", T.TopicMatcher([("物流", ["快递"])]))
    assert [(m.clause, m.topics, m.label) for m in found] == [
        ("发错货了", (), "negative"), ("客服也不回", (), "neutral")]


def test_traditional_text_is_converted_first():
    (m,) = T.analyze_clauses("這家味道實在太香")
    assert m.topics == ("味道",) and m.label == "positive"
