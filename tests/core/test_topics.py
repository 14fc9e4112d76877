"""Topic dictionaries: templates, matching, clause-level topic sentiment, editing, figures."""

from __future__ import annotations

import json

import pytest

from cxdesk.core.analysis import topics as T
from cxdesk.core.analysis.store import LABELS
from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.storage import now_text, set_setting


def add_rows(db, texts, *, created=None):
    """Insert feedback rows directly (one source); returns their ids."""
    with db.atomic():
        if db.execute("SELECT 1 FROM sources WHERE id = 1").fetchone() is None:
            db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 't.csv', 'x', ?)", [now_text()])
        start = db.execute("SELECT count(*) FROM feedback").fetchone()[0]
        ids = []
        for i, text in enumerate(texts):
            cur = db.execute(
                "INSERT INTO feedback(source_id, source_row, text, created_at, dedup_key) VALUES (1, ?, ?, ?, ?)",
                [start + i + 1, text, (created[i] if created else None), f"k{start + i}"])
            ids.append(cur.lastrowid)
    return ids


def fake_scorer(texts):
    """Deterministic stand-in for the model: 好/快/不错 positive, 慢/差/贵 negative."""
    out = []
    for t in (t.lower() for t in texts):
        if any(w in t for w in ("慢", "差", "贵", "slow", "crushed")):
            out.append(0.1)
        elif any(w in t for w in ("好", "快", "不错", "fast", "great")):
            out.append(0.9)
        else:
            out.append(0.5)
    return out


def fake_label(score):
    return "positive" if score >= 0.6 else "negative" if score < 0.4 else "neutral"


# --- templates -----------------------------------------------------------------------------


def test_templates_cover_the_business_types():
    assert set(T.TEMPLATES) == {"通用", "餐饮", "电商/零售", "酒店/民宿", "美业/服务"}
    assert {"价格", "服务", "质量", "卫生"} <= set(T.TEMPLATES["通用"])
    assert "环境" not in T.TEMPLATES["通用"]           # an online shop has no dining room
    assert {"味道", "上菜速度", "环境"} <= set(T.TEMPLATES["餐饮"])
    assert {"物流", "包装"} <= set(T.TEMPLATES["电商/零售"])
    assert "delivery" in T.TEMPLATES["电商/零售"]["物流"] and "shipping" in T.TEMPLATES["电商/零售"]["物流"]
    assert T.resolve_template("hotel") == "酒店/民宿"
    with pytest.raises(InvalidValueError) as err:
        T.resolve_template("宠物店")
    assert "宠物店" in str(err.value)


def test_template_label_follows_language():
    from cxdesk.i18n import set_language

    assert T.template_label("餐饮") == "餐饮"
    set_language("en")
    assert T.template_label("餐饮") == "Restaurant & food"


# --- splitting and matching ---------------------------------------------------------------


def test_split_clauses_at_commas_and_contrast_words():
    assert T.split_clauses("菜很好吃但是服务太慢") == ["菜很好吃", "但是服务太慢"]
    assert T.split_clauses("物流很快，包装不错 价格实惠") == ["物流很快", "包装不错", "价格实惠"]
    assert T.split_clauses("不但好吃而且便宜") == ["不但好吃而且便宜"]
    assert T.split_sentences("很好吃！下次再来。服务一般") == ["很好吃", "下次再来", "服务一般"]
    assert T.split_clauses("The food was great and the staff were rude") == ["The food was great", "and the staff were rude"]
    assert T.split_clauses("quick and friendly service") == ["quick and friendly service"]
    assert T.split_sentences("Price 4.5 is fine. Slow delivery!") == ["Price 4.5 is fine", "Slow delivery"]


def test_matcher_single_characters_need_a_whole_word():
    m = T.TopicMatcher([("价格", ["贵"]), ("味道", ["香", "好吃"])])
    assert [m.names[i] for i in m.find("价格有点贵")] == ["价格"]
    assert [m.names[i] for i in m.find("太贵了")] == ["价格"]
    assert m.find("贵店的招牌") == []          # 贵店 = "your shop"
    assert m.find("香菜放多了") == []          # coriander, not taste
    assert [m.names[i] for i in m.find("很香")] == ["味道"]


def test_matcher_english_words_and_plurals():
    m = T.TopicMatcher([("物流", ["delivery", "shipping"]), ("价格", ["price"])])
    assert [m.names[i] for i in m.find("Shipping was fast")] == ["物流"]
    assert [m.names[i] for i in m.find("prices are fair, delivery slow")] == ["价格", "物流"]
    assert m.find("shipshape") == []


def test_clause_level_sentiment_per_topic():
    found = T.assign_topics("菜很好吃但是服务太慢", scorer=fake_scorer, labeler=fake_label)
    by_topic = {m.topic: m for m in found}
    assert by_topic["味道"].label == "positive"
    assert by_topic["味道"].sentence == "菜很好吃"
    assert by_topic["服务"].label == "negative"
    assert "服务太慢" in by_topic["服务"].sentence


def test_clauses_follow_the_topic_named_before_them_but_not_across_a_contrast():
    m = T.TopicMatcher({**T.TEMPLATES["通用"], **T.TEMPLATES["餐饮"]}.items())
    segs = {m.names[i]: s for i, s in m.segments("服务员很热情，很周到，环境也不错")}
    assert segs == {"服务": "服务员很热情，很周到", "环境": "环境也不错"}
    segs = {m.names[i]: s for i, s in m.segments("服务很好，但是东西一般")}
    assert segs == {"服务": "服务很好"}


def test_english_rows_get_topics_through_english_synonyms():
    m = T.TopicMatcher({**T.TEMPLATES["通用"], **T.TEMPLATES["电商/零售"]}.items())
    found = T.assign_topics("Fast shipping, but the box was crushed.", m, scorer=fake_scorer, labeler=fake_label)
    labels = {x.topic: x.label for x in found}
    assert labels["物流"] == "positive"
    assert labels["包装"] == "negative"


def test_traditional_and_html_text_is_normalised_before_matching():
    found = T.assign_topics("服務態度很好&amp;lt;br&amp;gt;價格太貴", scorer=fake_scorer, labeler=fake_label)
    labels = {x.topic: x.label for x in found}
    assert labels == {"服务": "positive", "价格": "negative"}


# --- the dictionary in the database --------------------------------------------------------


def test_first_topics_are_general_plus_business_type(db):
    set_setting(db, "business_type", "酒店/民宿")
    assert T.ensure_default_topics(db) is True
    names = {t.name for t in T.list_topics(db)}
    assert {"价格", "服务", "房间", "早餐"} <= names
    assert "味道" not in names
    assert T.ensure_default_topics(db) is False
    topic = T.get_topic(db, "早餐")
    assert topic.template == "酒店/民宿" and topic.enabled and "breakfast" in topic.synonyms


def test_add_topic_validates_and_returns_changes(db):
    changes = T.add_topic(db, " 停车 ", "停车位，车位, 车位")
    assert changes.topics
    topic = T.get_topic(db, "停车")
    assert topic.synonyms == ("停车位", "车位") and topic.template is None
    with pytest.raises(InvalidValueError) as err:
        T.add_topic(db, "停车")
    assert "停车" in str(err.value) and "已" in str(err.value)
    with pytest.raises(InvalidValueError):
        T.add_topic(db, "   ")
    with pytest.raises(NotFoundError):
        T.set_synonyms(db, "不存在", ["x"])


def _put_mention(db, fid, topic, label="negative", manual=0):
    tid = T.get_topic(db, topic).id
    with db.atomic():
        db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, sentiment, label, manual) VALUES (?, ?, 0.2, ?, ?)",
                   [fid, tid, label, manual])
        T.refresh_topic_cache(db, "id = ?", [fid])


def test_rename_merge_delete_keep_mentions_and_cache_right(db):
    T.install_template(db, "通用")
    T.add_topic(db, "快递", ["物流"])
    T.add_topic(db, "发货", ["发货慢"])
    a, b, c = add_rows(db, ["快递太慢", "发货慢", "东西贵"])
    _put_mention(db, a, "快递")
    _put_mention(db, b, "发货", manual=1)
    _put_mention(db, c, "价格")

    T.rename_topic(db, "快递", "配送")
    assert json.loads(db.execute("SELECT topics FROM feedback WHERE id = ?", [a]).fetchone()[0]) == ["配送"]
    assert "快递" in T.get_topic(db, "配送").synonyms     # the old name still finds reviews
    with pytest.raises(InvalidValueError):
        T.rename_topic(db, "配送", "价格")

    T.merge_topics(db, ["发货"], "配送")
    with pytest.raises(NotFoundError):
        T.get_topic(db, "发货")
    syns = T.get_topic(db, "配送").synonyms
    assert "发货" in syns and "发货慢" in syns
    rows = db.execute("SELECT feedback_id, manual FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                      "WHERE t.name = '配送' ORDER BY feedback_id").fetchall()
    assert rows == [(a, 0), (b, 1)]
    assert json.loads(db.execute("SELECT topics FROM feedback WHERE id = ?", [b]).fetchone()[0]) == ["配送"]

    T.delete_topic(db, "配送")
    assert db.execute("SELECT count(*) FROM feedback_topics WHERE feedback_id IN (?, ?)", [a, b]).fetchone()[0] == 0
    assert json.loads(db.execute("SELECT topics FROM feedback WHERE id = ?", [a]).fetchone()[0]) == []
    assert json.loads(db.execute("SELECT topics FROM feedback WHERE id = ?", [c]).fetchone()[0]) == ["价格"]


def test_merge_into_a_new_topic_creates_it(db):
    T.add_topic(db, "上菜", ["出餐"])
    T.add_topic(db, "等位", ["排队"])
    T.merge_topics(db, ["上菜", "等位"], "等待")
    assert {t.name for t in T.list_topics(db)} == {"等待"}
    assert set(T.get_topic(db, "等待").synonyms) == {"上菜", "出餐", "等位", "排队"}


def test_user_words(db):
    assert T.list_user_words(db) == []
    T.add_user_word(db, " 招牌酸菜鱼 ")
    T.add_user_word(db, "小龙虾盖饭")
    assert T.list_user_words(db) == ["小龙虾盖饭", "招牌酸菜鱼"]
    T.remove_user_word(db, "小龙虾盖饭")
    assert T.list_user_words(db) == ["招牌酸菜鱼"]
    with pytest.raises(NotFoundError):
        T.remove_user_word(db, "小龙虾盖饭")
    with pytest.raises(InvalidValueError):
        T.add_user_word(db, "  ")


def test_dictionary_hash_follows_edits(db):
    T.install_template(db, "通用")
    first = T.dictionary_hash(db)
    assert T.dictionary_hash(db) == first
    T.set_synonyms(db, "价格", ["价钱", "贵"])
    second = T.dictionary_hash(db)
    assert second != first
    T.add_user_word(db, "招牌酸菜鱼")
    assert T.dictionary_hash(db) != second
    T.set_topic_enabled(db, "卫生", False)
    assert T.get_topic(db, "卫生").enabled is False


# --- figures ------------------------------------------------------------------------------


def test_topic_stats_counts_and_filter(db):
    T.install_template(db, "通用")
    ids = add_rows(db, ["价格太贵了", "价格便宜", "服务太差", "价格贵得离谱"],
                   created=["2024-03-01 10:00:00", "2024-03-02 10:00:00", "2024-03-02 11:00:00", "2024-04-01 09:00:00"])
    _put_mention(db, ids[0], "价格", "negative")
    _put_mention(db, ids[1], "价格", "positive")
    _put_mention(db, ids[2], "服务", "negative")
    _put_mention(db, ids[3], "价格", "negative")
    with db.atomic():
        db.execute("UPDATE feedback SET deleted = 1 WHERE id = ?", [ids[3]])

    stats = {s.name: s for s in T.topic_stats(db, keywords=False)}
    assert (stats["价格"].mentions, stats["价格"].negative, stats["价格"].positive) == (2, 1, 1)
    assert stats["价格"].negative_share == 0.5
    assert stats["服务"].negative_share == 1.0
    assert stats["质量"].mentions == 0 and stats["质量"].negative_share == 0.0
    assert [s.name for s in T.topic_stats(db, keywords=False)][:2] == ["价格", "服务"]

    march_2 = FeedbackFilter(date_from=__import__("datetime").date(2024, 3, 2))
    stats = {s.name: s for s in T.topic_stats(db, march_2, keywords=False)}
    assert stats["价格"].mentions == 1 and stats["价格"].negative == 0


def test_topic_examples_newest_first(db):
    T.install_template(db, "通用")
    ids = add_rows(db, ["价格贵", "价格还行", "价格便宜"],
                   created=["2024-03-01 10:00:00", "2024-03-03 10:00:00", "2024-03-02 10:00:00"])
    for fid, label in zip(ids, ["negative", "neutral", "positive"]):
        _put_mention(db, fid, "价格", label)
    examples = T.topic_examples(db, "价格", 2)
    assert [e.text for e in examples] == ["价格还行", "价格便宜"]
    assert [e.text for e in T.topic_examples(db, "价格", 5, label="negative")] == ["价格贵"]
    with pytest.raises(NotFoundError):
        T.topic_examples(db, "没有这个", 3)


# --- manual edits --------------------------------------------------------------------------


def test_tag_topic_and_manual_label(db):
    from cxdesk.core.analysis.store import set_manual_label, tag_topic

    T.install_template(db, "通用")
    a, b = add_rows(db, ["还可以", "一般般"])
    with db.atomic():
        db.execute("UPDATE feedback SET model_label = 'neutral', label = 'neutral'")
    changes = tag_topic(db, [a, b], "停车")           # a new topic, made on the fly
    assert changes.topics and changes.feedback
    assert json.loads(db.execute("SELECT topics FROM feedback WHERE id = ?", [a]).fetchone()[0]) == ["停车"]
    assert db.execute("SELECT manual, label FROM feedback_topics WHERE feedback_id = ?", [a]).fetchone() == (1, "neutral")
    tag_topic(db, [b], "停车", remove=True)
    assert json.loads(db.execute("SELECT topics FROM feedback WHERE id = ?", [b]).fetchone()[0]) == []

    set_manual_label(db, [a], "negative")
    assert db.execute("SELECT manual_label, label FROM feedback WHERE id = ?", [a]).fetchone() == ("negative", "negative")
    set_manual_label(db, [a], None)
    assert db.execute("SELECT manual_label, label FROM feedback WHERE id = ?", [a]).fetchone() == (None, "neutral")
    with pytest.raises(InvalidValueError):
        set_manual_label(db, [a], "angry")


# --- clause sentiment in topic mentions (real model) -----------------------------------------


def labels_of(text, matcher=None):
    out: dict[str, list[str]] = {}
    for m in T.assign_topics(text, matcher):
        out.setdefault(m.topic, []).append(m.label)
    return out


def test_assign_topics_keeps_its_tuple_and_labels():
    found = T.assign_topics("菜很好吃但是服务太慢")
    assert [(m.topic, m.label) for m in found] == [("味道", "positive"), ("服务", "negative")]
    topic, sentence, score, label = found[1]
    assert sentence == "但是服务太慢" and 0.0 < score < 0.5 and label in LABELS


def test_issue_examples_of_mentions():
    assert labels_of("这家味道实在太香") == {"味道": ["positive"]}
    assert labels_of("感觉比别家的好吃") == {"味道": ["positive"]}
    assert labels_of("点了外卖") == {"外卖配送": ["neutral"]}
    # 菜品 in "送饮料菜品啥的" is not about taste, and there is no opinion in it
    assert labels_of("又送饮料菜品啥的") == {}
    mixed = labels_of("性价比高，包装严实，但是鱼不新鲜")
    assert mixed["食材新鲜"] == ["negative"] and mixed["价格"] == ["positive"]


def test_a_complaint_outweighed_by_praise_of_the_same_topic_is_no_complaint():
    assert labels_of("菜很好吃，招牌鱼必点，就是有点咸")["味道"] == ["positive"]
    assert labels_of("菜很难吃，就是有点咸")["味道"] == ["negative"]
    verdicts = T.topic_verdicts(T.analyze_clauses("菜很好吃。就是有点咸。"))
    assert verdicts["味道"][1] == "positive"


def test_a_glowing_review_needs_a_stronger_complaint():
    weak = T.analyze_clauses("有点贵")
    assert T.topic_verdicts(weak, 0.7)["价格"][1] == "negative"
    assert T.topic_verdicts(weak, 0.9999)["价格"][1] == "neutral"


def test_a_wait_belongs_to_the_topic_named_before_it():
    assert "上菜速度" not in labels_of("外卖送得太慢了，等了一个多小时")
    assert labels_of("外卖送得太慢了，等了一个多小时")["外卖配送"] == ["negative"]
    assert labels_of("等了一个多小时才上菜")["上菜速度"] == ["negative"]


@pytest.mark.parametrize("model_label, text, expected", [
    ("positive", "性价比高，包装严实，但是鱼不新鲜", "negative"),          # the complaint is the point
    ("positive", "菜很好吃，服务热情，环境也不错，价格有点贵", "neutral"),  # mixed: 褒贬不一
    ("positive", "菜很好吃，服务热情，环境也不错", "positive"),
    ("negative", "这家味道实在太香", "positive"),                          # short: its clauses decide
    ("negative", "点了外卖", "neutral"),
    ("negative", "菜很难吃，服务也差", "negative"),
    ("unknown", "👍", "unknown"),
])
def test_review_label_of_mixed_and_short_reviews(model_label, text, expected):
    assert T.review_label(model_label, T.analyze_clauses(text)) == expected


def test_one_dish_flaw_in_a_positive_review_is_no_complaint_about_the_food():
    clauses = T.analyze_clauses("鱼有点咸")
    assert T.topic_verdicts(clauses)["味道"][1] == "negative"
    assert T.topic_verdicts(clauses, 0.3)["味道"][1] == "negative"
    assert T.topic_verdicts(clauses, 0.8)["味道"][1] == "neutral"
    service = T.analyze_clauses("服务员态度很差")
    assert T.topic_verdicts(service, 0.8)["服务"][1] == "negative"


def test_sentence_memo_gives_the_same_clauses_as_a_fresh_matcher():
    from cxdesk.core.analysis.topics import TopicMatcher, analyze_clauses

    pairs = [("服务", ["服务员", "态度"]), ("价格", ["贵", "价钱"]), ("上菜速度", ["上菜"])]
    plain, memo = TopicMatcher(pairs), TopicMatcher(pairs)
    memo.memo = {}
    texts = ["服务员很热情，很周到。菜有点贵！", "菜有点贵！上菜太慢了，等了一个小时",
             "服务员很热情，很周到。菜有点贵！", "The staff were rude. 服务员态度差"]
    for text in texts:
        assert analyze_clauses(text, memo) == analyze_clauses(text, plain)
    assert set(memo.memo) >= {"服务员很热情，很周到", "菜有点贵", "上菜太慢了，等了一个小时"}
    assert plain.memo is None
    mentions = analyze_clauses("上菜太慢了，等了一个小时", memo)
    assert [m.topics for m in mentions] == [("上菜速度",), ("上菜速度",)]
    assert mentions[0].label == "negative"
