"""Keyword extraction: stop words, the shop's own words, topic keywords, jieba's cache location."""

from __future__ import annotations

import subprocess
import sys

from cxdesk.core.analysis import keywords as K
from cxdesk.core.analysis import topics as T

REVIEWS = [
    "小龙虾盖饭很好吃，分量也足",
    "小龙虾盖饭太辣了",
    "小龙虾盖饭一般，米饭有点硬",
    "米饭有点硬，而且凉了",
    "招牌酸菜鱼很鲜",
    "酸菜鱼味道正宗",
    "服务员态度很好",
    "外卖送得很快，酸菜鱼还是热的",
] * 3


def test_stop_words_are_shipped():
    words = K.stop_words()
    assert {"的", "了", "我们", "但是", "the", "and"} <= words
    assert "物流" not in words and "质量" not in words


def test_tokens_drop_stop_words_numbers_and_punctuation():
    toks = K.tokens("我们买的东西质量很好！！价格100元，物流也快")
    assert "质量" in toks and "价格" in toks and "物流" in toks
    assert not {"我们", "的", "很", "100", "！", "，", "元"} & set(toks)
    assert K.tokens("The delivery was really fast and the box was fine") == ["delivery", "fast", "box", "fine"]


def test_extract_keywords_ranks_common_specific_words_first():
    found = K.extract_keywords(REVIEWS, top_k=6)
    words = [w for w, _weight in found]
    assert words[0] in ("米饭", "酸菜鱼", "小龙虾")
    assert found[0][1] == 1.0 and all(0 < weight <= 1.0 for _w, weight in found)
    assert not {"的", "很", "了", "有点"} & set(words)
    assert K.extract_keywords([], top_k=5) == []
    assert K.extract_keywords(["", "   ", None], top_k=5) == []


def test_user_words_stay_whole():
    K.sync_words([])
    plain = [w for w, _ in K.extract_keywords(REVIEWS, top_k=10)]
    assert "小龙虾盖饭" not in plain
    with_words = [w for w, _ in K.extract_keywords(REVIEWS, top_k=10, user_words=["小龙虾盖饭"])]
    assert "小龙虾盖饭" in with_words
    K.sync_words([])  # removing the word again restores jieba's own segmentation
    assert "小龙虾盖饭" not in K.tokens("小龙虾盖饭很好吃")


def test_exclude_and_textrank():
    words = [w for w, _ in K.extract_keywords(REVIEWS, top_k=10, exclude=["米饭"])]
    assert "米饭" not in words
    ranked = K.extract_keywords(REVIEWS, top_k=5, method="textrank")
    assert ranked and ranked[0][1] == 1.0 and all(len(w) > 1 for w, _ in ranked)


def test_keywords_for_topic_use_the_topic_clauses_only(db):
    from tests.core.test_topics import add_rows

    T.install_template(db, "通用")
    T.add_topic(db, "主食", ["米饭", "面条"])
    ids = add_rows(db, ["米饭有点硬，而且凉了", "米饭太硬，服务员态度很差", "米饭硬邦邦，价格还贵", "面条太软，夹生"])
    tid = T.get_topic(db, "主食").id
    with db.atomic():
        for fid in ids:
            db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, 'negative')", [fid, tid])
    words = [w for w, _ in T.keywords_for_topic(db, "主食", top_k=5)]
    assert words and words[0] in ("硬", "太硬", "有点硬", "凉", "硬邦邦")
    assert "米饭" not in words                      # the topic's own words say nothing new
    assert not {"服务员", "态度", "价格"} & set(words)  # other topics' clauses stay out


def test_jieba_cache_goes_to_the_cxdesk_cache_folder(tmp_path):
    code = (
        "from cxdesk.core.analysis.keywords import jieba_module\n"
        "from cxdesk.core.storage import cache_dir\n"
        "jb = jieba_module()\n"
        "print(jb.dt.tmp_dir == str(cache_dir()), (cache_dir() / 'jieba.cache').exists())\n"
    )
    env = {"CXDESK_DATA_DIR": str(tmp_path / "d"), "PATH": "", "HOME": str(tmp_path), "TMPDIR": str(tmp_path / "t")}
    (tmp_path / "t").mkdir()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.split() == ["True", "True"], out.stderr
    assert not list((tmp_path / "t").glob("jieba*"))
    assert "Building prefix dict" not in out.stderr


def test_phrases_are_whole_words_not_pieces_cut_across_words():
    from cxdesk.core.analysis.keywords import tokens

    words = tokens("红烧肉肥而不腻，味道很好。物流太慢了，尺码偏小")
    assert "肥而" not in words and "肥而不" not in words
    assert {"红烧肉", "味道", "物流", "尺码", "太慢", "偏小", "不腻"} <= set(words)
    assert tokens("肉太肥了，肥而腻") == []     # guesses cut across words, nothing whole to keep


def test_whole_word_rule():
    from cxdesk.core.analysis.keywords import whole_word

    freq = {"慢": 5, "尺码": 9, "腻": 3}
    assert whole_word("尺码", freq) and whole_word("太慢", freq) and whole_word("不腻", freq)
    assert not whole_word("肥而", freq) and not whole_word("肉太肥", freq)
    assert whole_word("小蓝瓶", freq, {"小蓝瓶"})


def test_a_word_dropped_again_leaves_segmentation_as_it_was():
    from cxdesk.core.analysis.keywords import jieba_module, sync_words

    jb = jieba_module()
    text = "这个尺码偏小一点，颜色偏暗沉"
    before = jb.dt.lcut(text)
    sync_words(["偏小", "暗沉"])       # words jieba's own dictionary does not have
    assert "偏小" in jb.dt.lcut(text)
    sync_words([])
    assert jb.dt.lcut(text) == before
