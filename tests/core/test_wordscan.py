"""Words found by compiled patterns (`wordscan`) are exactly those the word-by-word scans found.

Each reference below is the plain scan (longest listed word at each position, tried in Python): the
topic words and implied-topic words found by compiled patterns must agree with it on every input,
and so must the clause word list's tokens (longest match, Latin words, negation kept apart).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cxdesk.core.analysis import clauses as C
from cxdesk.core.analysis import implied
from cxdesk.core.analysis import topics as T
from cxdesk.core.analysis.keywords import cut, jieba_module, sync_words
from cxdesk.core.analysis.wordscan import every_start, longest_words


def longest_at(words: set[str], text: str, pos: int) -> str | None:
    return max((w for w in words if text.startswith(w, pos)), key=len, default=None)


def reference_tokens(clause: str) -> list[tuple[str, str, float]]:
    """The word list's tokens as the analysis found them word by word: a Latin word, else the
    longest listed word at the position, else one character (spaces dropped)."""
    table = C._load()
    text = clause.lower()
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if "a" <= ch <= "z":
            word = C._LATIN.match(text, i).group(0)
            out.append((word, *table.get(word, ("", 0.0))))
            i += len(word)
            continue
        word = longest_at(set(w for w in table if w[0] == ch), text, i)
        if word is not None:
            out.append((word, *table[word]))
            i += len(word)
        else:
            if not ch.isspace():
                out.append((ch, "", 0.0))
            i += 1
    return out


def reference_hits(topics: list[tuple[str, list[str]]], clause: str) -> list[tuple[int, int]]:
    """(position, topic index) of every multi-character Chinese topic word, every listed word at
    every position (also words inside other words)."""
    hits = []
    for index, (name, synonyms) in enumerate(topics):
        for word in {name, *synonyms}:
            if len(word) < 2 or T._HAN_CHAR.search(word) is None:
                continue
            hits += [(pos, index) for pos in range(len(clause)) if clause.startswith(word, pos)]
    return sorted(hits)


alphabet = st.sampled_from("服务员态度好不太差ab.*-]")


@settings(max_examples=300, deadline=None)
@given(st.sets(st.text(alphabet, min_size=1, max_size=4), min_size=1, max_size=12),
       st.text(alphabet, max_size=16))
def test_longest_word_at_every_start(words, text):
    found = every_start(longest_words(words), text)
    expected = [(pos, longest_at(words, text, pos)) for pos in range(len(text))]
    assert found == [(pos, w) for pos, w in expected if w is not None]


def test_an_empty_list_matches_nothing():
    assert every_start(longest_words([]), "服务") == []
    assert every_start(longest_words(["", "服务"]), "服务员") == [(0, "服务")]


TRICKY_CLAUSES = [
    "不太好吃", "一点也不好吃", "没有别家好吃", "不新鲜", "不是很新鲜", "并没有网上说的那么难吃",
    "服务员态度很好", "分量很大", "价格高", "太好吃了", "好贵", "好", "香菜不错", "好像有点咸",
    "等了四十分钟", "排队一个多小时", "呵呵", "是不是坏了？", "  很  好 ", "性价比高", "不够辣",
    "food was not good", "The staff were rude but the view isn't bad", "ok", "don't like it", "slow!!",
    "菜很好吃but服务太慢", "味道OK，就是有点贵", "１２３好吃", "",
]


def test_clause_tokens_match_the_word_by_word_scan():
    for clause in TRICKY_CLAUSES:
        assert C._tokens(clause) == reference_tokens(clause), clause


def test_clause_tokens_take_the_longest_word_and_keep_negation_apart():
    assert [w for w, _k, _x in C.tokens("不太好吃")] == ["不太", "好吃"]
    assert [k for _w, k, _x in C.tokens("不太好吃")] == ["neg", "+"]
    assert C.score_clause("不新鲜").label == "negative"
    assert C.score_clause("没有异味").label == "positive"
    assert [w for w, _k, _x in C.tokens("food was not good")] == ["food", "was", "not", "good"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(sorted(C._load())), st.sampled_from(list("的了吗 菜很,a好不"))), max_size=8))
def test_clause_tokens_of_any_mix_of_listed_words(parts):
    clause = "".join(parts)
    assert C._tokens(clause) == reference_tokens(clause)


def restaurant_topics() -> list[tuple[str, list[str]]]:
    merged: dict[str, list[str]] = {}
    for template in (T.GENERAL_TEMPLATE, T.DEFAULT_BUSINESS):
        for name, syns in T.TEMPLATES[template].items():
            merged.setdefault(name, []).extend(syns)
    return list(merged.items())


def chinese_words_only(topics: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """The topics' multi-character Chinese words (single characters and English are found otherwise)."""
    return [(name, [w for w in syns if len(w) >= 2 and T._HAN_CHAR.search(w)]) for name, syns in topics]


def test_topic_hits_find_overlapping_and_nested_words():
    topics = [("服务", ["服务员", "务员", "态度"]), ("员工", ["服务员"])]
    matcher = T.TopicMatcher(topics)
    # 服务 and 服务员 at 0 (服务员 names two topics), 务员 inside it at 1, 态度 at 3
    assert matcher.hits("服务员态度好") == [(0, 0), (0, 0), (0, 1), (1, 0), (3, 0)]
    assert matcher.find("服务员态度好") == [0, 1]
    for clause in ["服务员态度好", "服务服务员务员", "态度", "好", "", "服务员很贵"]:
        assert matcher.hits(clause) == reference_hits(topics, clause), clause


def test_topic_hits_of_the_templates_match_the_word_by_word_scan():
    topics = chinese_words_only(restaurant_topics())
    matcher = T.TopicMatcher(topics)
    for clause in ["服务员态度很好上菜速度也快", "环境卫生不错", "菜品分量足性价比高", "停车不方便",
                   "上菜太慢了", "味道一般，价格偏贵", "性价比", "服务态度服务员"]:
        assert matcher.hits(clause) == reference_hits(topics, clause), clause
    assert matcher.hits("上菜速度也快")   # the test reads real hits


def test_single_characters_and_english_words_still_count():
    matcher = T.TopicMatcher([("价格", ["贵", "price"]), ("味道", ["香", "好吃"])])
    assert matcher.find("太贵了") == [0]
    assert matcher.find("贵店很好") == []
    assert matcher.find("the prices are high") == [0]


def test_implied_scanner_never_hides_an_implied_topic():
    matcher = T.TopicMatcher(restaurant_topics())
    words = matcher._implied
    may_imply = implied.scanner(words)
    for clause in ["太慢了", "好脏", "量太少", "人太多", "等了四十分钟", "等了十分钟", "不慢", "点了外卖",
                   "上菜很快", "一点都不腻", "太咸了", "有点贵", "hello", ""]:
        if implied.implied_topics(clause, words):
            assert may_imply(clause), clause
    assert not may_imply("点了外卖")
    assert implied.scanner({})("太慢了") is False


def test_traditional_and_english_texts_read_as_before():
    simplified = T.assign_topics("服务员态度很好，但是菜太咸了")
    assert T.assign_topics("服務員態度很好，但是菜太鹹了") == simplified
    assert [(m.topic, m.sentence, m.label) for m in simplified][0] == ("服务", "服务员态度很好", "positive")
    assert [(m.topic, m.sentence) for m in simplified][1] == ("味道", "但是菜太咸了")
    assert C.score_clause("但是菜太咸了").label == "negative"
    english = T.assign_topics("The food was great but the service was slow.")
    assert [(m.topic, m.sentence) for m in english] == [("味道", "The food was great"), ("服务", "but the service was slow")]
    assert english[0].label == "positive"


def test_cut_is_kept_per_set_of_words():
    jieba_module()
    text = "蒜蓉粉丝扇贝王很好吃"
    before = cut(text)
    assert before == tuple(jieba_module().dt.lcut(text))
    sync_words(["粉丝扇贝王"])
    try:
        assert "粉丝扇贝王" in cut(text)
    finally:
        sync_words([])
    assert cut(text) == before
