"""Rating forms normalised to 1..5, with the scale decided per column."""

import pytest

from cxdesk.core.importers.ratings import RatingParseError, detect_scale, looks_like_rating, parse_rating


@pytest.mark.parametrize("value, scale, expected", [
    (5, "5", 5.0), (1, "5", 1.0), ("3", "5", 3.0), ("4.5", "5", 4.5), (4.5, "5", 4.5),
    (10, "10", 5.0), (1, "10", 1.0), ("8", "10", 4.11), (5.5, "10", 3.0),
    (100, "100", 5.0), (0, "100", 1.0), ("85", "100", 4.4), ("50", "100", 3.0),
    ("4.5分", "5", 4.5), ("5星", "5", 5.0), ("3 stars", "5", 3.0), ("80%", "5", 4.2),
    ("五星", "5", 5.0), ("四星", "5", 4.0), ("一星", "5", 1.0), ("三分", "5", 3.0), ("五星好评", "5", 5.0),
    ("★★★★☆", "5", 4.0), ("★★★★★", "5", 5.0), ("★☆☆☆☆", "5", 1.0), ("★★★", "5", 3.0),
    ("好评", "5", 5.0), ("中评", "5", 3.0), ("差评", "5", 1.0), ("非常满意", "5", 5.0), ("不满意", "5", 2.0),
    ("４", "5", 4.0), ("４．５分", "5", 4.5), ("8/10", "5", 4.11), ("4/5", "5", 4.0),
    ("评分：4", "5", 4.0), ("Positive", "5", 5.0),
])
def test_forms(value, scale, expected):
    assert parse_rating(value, scale).value == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("value, scale", [("6", "5"), (0, "5"), ("11", "10"), ("101", "100"), ("-1", "5"),
                                          ("很难说", "5"), ("☆☆☆☆☆", "5"), ("abc", "5"), ("6/5", "5")])
def test_rejects(value, scale):
    with pytest.raises(RatingParseError) as info:
        parse_rating(value, scale)
    assert info.value.reason


def test_empty_is_none():
    assert parse_rating(None) is None
    assert parse_rating("  ") is None
    assert parse_rating(float("nan")) is None


def test_scale_detection():
    assert detect_scale([1, 5, 3, "4"]) == "5"
    assert detect_scale(["7", 10, 2]) == "10"
    assert detect_scale([55, "90", 100]) == "100"
    assert detect_scale(["五星", "★★★", None]) == "5"
    assert detect_scale(["４.５", "３"]) == "5"


def test_content_detection():
    assert looks_like_rating([5, 4, 5, 1, 3])
    assert looks_like_rating(["好评", "差评", "中评"])
    assert looks_like_rating(["★★★★☆", "★★★★★", "★☆☆☆☆"])
    assert not looks_like_rating([1, 1, 1, 1])          # a constant flag, not a rating
    assert not looks_like_rating([0, 1, 0, 1])          # a 0/1 label
    assert not looks_like_rating([12, 40, 3])           # quantities
    assert not looks_like_rating(["很好", "质量不错的东西", "物流慢"])


def test_one_stray_value_does_not_change_the_scale():
    from cxdesk.core.importers.ratings import detect_scale

    stars = [5, 4, 5, 3, 1, 2, 5, 4, 4, 5, 3, 5, 2, 1, 5]
    assert detect_scale(stars + ["11"]) == "5"             # a typo among stars stays on the 1–5 scale
    assert detect_scale(stars + [11, 12]) == "100"              # two in sixteen are no strays
    assert detect_scale([9, 10, 8, 7, 10, 9, 6, 10, 3, 9]) == "10"
    assert detect_scale([80, 95, 100, 60, 70]) == "100"
    assert detect_scale([1, 7]) == "10"                     # too few numbers to call 7 a stray
