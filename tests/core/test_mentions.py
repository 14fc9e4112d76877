"""The learned mention model: does a review complain about a topic?"""

from __future__ import annotations

from cxdesk.core.analysis import mentions as M
from cxdesk.core.analysis import sentiment
from cxdesk.core.analysis import topics as T


def verdicts(text: str, score: float | None = None) -> dict[str, str]:
    clauses = T.analyze_clauses(text)
    if score is None:
        score = sentiment.analyze_texts([text])[0].score
    return {topic: label for topic, (_s, label) in T.topic_verdicts(clauses, score).items()}


def test_shipped_model_loads():
    assert 0.0 < M.threshold() < 1.0
    assert M.known_topics() == {"服务", "上菜速度", "价格", "环境", "卫生", "分量", "味道"}
    f = M.features("价格", T.analyze_clauses("价格太贵了"), 0.1, "negative")
    assert f and all(0 <= k < M.DIM for k in f)


def test_complaints_are_found():
    assert verdicts("上菜太慢了，等了一个小时才上齐") == {"上菜速度": "negative"}
    assert verdicts("价格太贵了，分量还少，再也不来了") == {"价格": "negative", "分量": "negative"}
    assert verdicts("服务态度很差，叫了半天没人理") == {"服务": "negative"}
    assert verdicts("味道一般，价格偏贵")["价格"] == "negative"


def test_praise_and_asides_in_glowing_reviews_are_not_complaints():
    assert verdicts("服务员很热情，菜也好吃") == {"服务": "positive", "味道": "positive"}
    v = verdicts("菜很好吃，环境也好，服务员很热情，就是价格有点小贵")
    assert v["价格"] != "negative" and v["服务"] == "positive"


def test_a_clause_without_a_complaint_is_never_one():
    # The review model reads "点了外卖" as slightly negative; the mention model may not make it a complaint.
    assert verdicts("点了外卖", 0.05) == {"外卖配送": "neutral"}
    assert verdicts("我们点了三个菜", 0.05).get("味道", "neutral") != "negative"


def test_without_a_review_score_the_word_list_decides():
    clauses = T.analyze_clauses("味道一般，价格偏贵")
    assert T.topic_verdicts(clauses) == T.lexicon_verdicts(clauses)
    assert T.topic_verdicts(clauses, 0.045, learned=False) == T.lexicon_verdicts(clauses, 0.045)


def test_assign_topics_shows_the_complaint_in_a_mention():
    found = T.assign_topics("价格太贵了，分量还少，再也不来了")
    assert {(m.topic, m.label) for m in found} >= {("价格", "negative"), ("分量", "negative")}


def test_the_model_reads_evidence_not_words():
    # Two complaints the word list weighs alike get the same features: the model learned no words.
    a = M.features("服务", T.analyze_clauses("服务员态度很差"), 0.2, "negative")
    b = M.features("服务", T.analyze_clauses("服务员脾气很差"), 0.2, "negative")
    assert a == b
    assert M.features("服务", T.analyze_clauses("服务员态度很好"), 0.9, "positive") != a


def test_a_run_on_clause_is_cut_at_its_topic_words():
    text = "去过两次一次两个人去吃傍晚五点多人少服务很好菜看着也干净齐全锅底味道不好个人感觉偏咸"
    by_topic = {}
    for c in T.analyze_clauses(text):
        for topic in c.topics:
            by_topic.setdefault(topic, []).append(c.label)
    assert by_topic["服务"] == ["positive"]
    assert "negative" in by_topic["味道"]
    # Short clauses and English are never cut.
    assert [c.clause for c in T.analyze_clauses("服务很好菜也好吃")] == ["服务很好菜也好吃"]


def test_a_star_rating_makes_a_single_aside_surer():
    text = "菜很好吃，上菜有点慢"
    clauses = T.analyze_clauses(text)
    score = sentiment.analyze_texts([text])[0].score
    assert T.topic_verdicts(clauses, score)["上菜速度"][1] == "negative"
    assert T.topic_verdicts(clauses, score, rating=1)["上菜速度"][1] == "negative"
    assert T.topic_verdicts(clauses, score, rating=5)["上菜速度"][1] == "neutral"
    # Two complaints about the topic are no aside, whatever the stars.
    text = "上菜太慢了，等了一个小时才上齐，菜还行"
    clauses = T.analyze_clauses(text)
    score = sentiment.analyze_texts([text])[0].score
    assert T.topic_verdicts(clauses, score, rating=5)["上菜速度"][1] == "negative"
    assert [m.label for m in T.assign_topics(text, rating=5) if m.topic == "上菜速度"] == ["negative"]


def test_a_complaint_without_a_listed_word_is_found_by_the_character_model(monkeypatch):
    from cxdesk.core.analysis import topic_text
    from cxdesk.core.analysis.clauses import score_clause

    for text, topic in (("这道菜一点味道都没有", "味道"), ("老板娘不会这样对待顾客吧", "服务")):
        assert score_clause(text).score == 0.5          # the word list finds no opinion in it
        [clause] = T.analyze_clauses(text)
        assert clause.topics == (topic,) and clause.label == "negative" and clause.by_model
        assert verdicts(text)[topic] == "negative"
        assert {(m.topic, m.label) for m in T.assign_topics(text)} == {(topic, "negative")}
    # Without the character model the same clause is no complaint.
    monkeypatch.setattr(topic_text, "MODEL_COMPLAINT_BELOW", 0.0)
    assert verdicts("这道菜一点味道都没有")["味道"] != "negative"


def test_the_character_model_leaves_facts_and_listed_opinions_alone():
    for text in ("点了外卖", "我们点了三个菜", "第一次来这家店吃饭"):
        assert not any(c.by_model or c.label == "negative" for c in T.analyze_clauses(text))
        assert "negative" not in verdicts(text, 0.05).values()
    # A clause the word list already scores keeps its own score.
    assert not any(c.by_model for c in T.analyze_clauses("服务员态度很差，菜很好吃"))
    # The review's own label does not count it twice: it already comes from that model.
    clauses = T.analyze_clauses("环境很好，老板娘不会这样对待顾客吧")
    assert [c.by_model for c in clauses] == [False, True]
    assert T.review_label("positive", clauses) == "positive"


def test_complaints_only_the_character_model_found_are_a_feature():
    a = M.features("服务", T.analyze_clauses("老板娘不会这样对待顾客吧"), 0.2, "negative")
    b = M.features("服务", T.analyze_clauses("服务员态度很差"), 0.2, "negative")
    assert a != b


def test_a_complaint_after_a_contrast_counts_even_without_a_score():
    from cxdesk.core.analysis.topic_text import ClauseMention

    said = [ClauseMention("服务员来了，但是服务慢", "服务员来了", ("服务",), 0.5, "neutral"),
            ClauseMention("服务员来了，但是服务慢", "但是服务慢", ("服务",), None, "negative")]
    with_contrast = M.features("服务", said, 0.4, "negative")
    plain = M.features("服务", [said[0], said[1]._replace(clause="服务慢")], 0.4, "negative")
    assert set(with_contrast) - set(plain) == {M._key("contrastneg")}
