"""The English model: words, negation, complaint words, and English topic mentions (clauses)."""

from cxdesk.core.analysis import english as E
from cxdesk.core.analysis.topics import analyze_clauses, assign_topics


def test_tokens_mark_negation_until_punctuation():
    assert E.tokens("It's not good at all, but cheap!") == ["it", "not", "!good", "!at", "!all", "but", "cheap", "!"]
    assert E.tokens("Doesn't work") == ["does", "n't", "!work"]


def test_complaint_words_skip_negated():
    assert E.complaint_count("it stopped charging and support never answered") == 2
    assert E.complaint_count("the delivery was not late") == 0
    assert E.complaint_count("late late late late late") == 3


def test_english_clauses_use_the_english_model():
    by_clause = {c.clause: c for c in analyze_clauses(
        "We ordered delivery. The waiter was rude and we waited 40 minutes for a table.")}
    assert by_clause["We ordered delivery"].label == "neutral"
    assert by_clause["The waiter was rude"].label == "negative"
    assert by_clause["and we waited 40 minutes for a table"].label == "negative"


def test_english_mentions_count_complaints_after_contrast():
    mentions = {m.topic: m.label for m in assign_topics("The food was great but the delivery was late.")}
    assert mentions == {"味道": "positive", "外卖配送": "negative"}


def test_model_file_matches_features():
    info = E.model_info()
    assert info["model"] == E.MODEL_ID and tuple(info["dense"]) == E.DENSE
    assert info["training_data"]["en_labelled_sentences_3000"] == 3000


def test_product_phrases_vader_does_not_know():
    assert E.praise_count("Exactly as described and I would buy it again") == 2
    assert E.praise_count("It was not as described") == 0
    assert E.complaint_count("It was not as described") == 1
    assert E.complaint_count("Don't buy this, save your money") == 2
