"""Learning from the owner's ratings and corrections: labels, refusal, before/after, storage."""

from __future__ import annotations

import random

import pytest

from cxdesk.core.analysis import learn
from cxdesk.core.analysis import sentiment as S
from cxdesk.core.progress import Cancelled

# A noodle shop whose regulars write in slang the shipped model never saw.
OPENERS = ["今天中午去的，", "朋友推荐来的，", "周末带家人来，", "第二次来了，", "下班路过，", "", "点了招牌牛肉面，",
           "外卖点的，", "排了十分钟队，", "店面不大，"]
PRAISE = ["绝绝子", "yyds", "狠狠种草了", "闭眼入", "已经是回头客了", "上菜快", "汤头浓", "面很筋道", "老板人好",
          "分量实在"]
COMPLAINTS = ["踩雷了", "拔草了", "避雷", "智商税", "翻车了", "等了半小时", "汤是温的", "面坨了", "桌子油腻",
              "分量缩水"]
TAILS = ["", "。", "！", "，下次再说", "，就这样", "。记录一下"]


def make_reviews(n_pos: int, n_neg: int, seed: int = 3):
    rng = random.Random(seed)
    rows = []
    for label, n, words in ((5, n_pos, PRAISE), (1, n_neg, COMPLAINTS)):
        for _ in range(n):
            parts = rng.sample(words, 2)
            text = f"{rng.choice(OPENERS)}{parts[0]}，{parts[1]}{rng.choice(TAILS)}"
            rows.append((text, float(label if rng.random() > 0.04 else 6 - label)))  # a few wrong stars
    rng.shuffle(rows)
    return rows


def add_rows(db, rows, *, manual=None, deleted=0, start_day=1):
    if db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0:
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'shop.xlsx', 'x', '2024-01-01 00:00:00')")
    base = db.execute("SELECT count(*) FROM feedback").fetchone()[0]
    with db.atomic():
        for i, (text, rating) in enumerate(rows):
            n = base + i
            day = start_day + n // 20
            db.execute(
                "INSERT INTO feedback(source_id, source_row, text, rating, created_at, dedup_key, deleted, manual_label) "
                "VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                [n + 2, text, rating, f"2024-{1 + (day // 28) % 12:02d}-{1 + day % 28:02d} 12:00:00", f"k{n}", deleted, manual])


def test_owner_labels_prefer_corrections_and_skip_the_rest(db):
    add_rows(db, [("面很好吃", 5.0), ("太咸了", 1.0), ("还行", 3.0), ("Great noodles", 5.0), ("", 5.0),
                  ("汤不错", None)])
    add_rows(db, [("上菜慢", 5.0)], manual="negative")        # the owner knows better than the stars
    add_rows(db, [("一般般吧", 1.0)], manual="neutral")       # neutral correction: not a binary label
    add_rows(db, [("服务好", None)], manual="positive")
    add_rows(db, [("删掉的", 5.0)], deleted=1)
    got = {(r.text, r.label, r.origin) for r in learn.owner_labels(db)}
    assert got == {("面很好吃", 1, "rating"), ("太咸了", 0, "rating"), ("上菜慢", 0, "correction"),
                   ("服务好", 1, "correction")}


def test_refuses_with_too_few_labels(db):
    add_rows(db, make_reviews(120, 30))
    with pytest.raises(learn.NotEnoughLabelsError) as info:
        learn.learn_from_owner(db)
    message = str(info.value)
    assert "50" in message and "差评" in message  # Chinese by default, with the counts
    assert learn.load_adapter(db) is None


def test_learning_helps_on_held_back_rows_and_is_stored(db):
    add_rows(db, make_reviews(160, 140))
    calls = []
    report = learn.learn_from_owner(db, lambda done, total, msg: calls.append((done, total, msg)))
    assert report.n_positive + report.n_negative == 300
    assert report.n_test == 90 and report.n_train == 210
    assert report.from_ratings == 300 and report.from_corrections == 0
    assert report.macro_f1_after > report.macro_f1_before + 0.1
    assert report.accuracy_after > 0.85
    assert report.kept and report.adapter_version.startswith("ad-")
    assert "准确率" in report.message
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] == 100
    assert all(calls[i][0] <= calls[i + 1][0] for i in range(len(calls) - 1))

    adapter = learn.load_adapter(db)
    assert adapter is not None and adapter.version == report.adapter_version
    assert adapter.info["held_out"]["n"] == 90
    texts = ["第三次来了，绝绝子，面很筋道", "外卖点的，踩雷了，面坨了"]
    before = S.score_texts(texts)
    after = S.score_texts(texts, adapter)
    assert after[0] > before[0] and after[0] >= S.POSITIVE_FROM
    assert after[1] < S.NEGATIVE_BELOW
    # English rows are left to VADER
    assert S.score_texts(["Lovely noodles"], adapter) == S.score_texts(["Lovely noodles"])


def test_corrections_count_and_time_split(db):
    add_rows(db, make_reviews(100, 40, seed=5))
    add_rows(db, [(t, None) for t, _r in make_reviews(0, 40, seed=6)], manual="negative")
    report = learn.learn_from_owner(db, split="time")
    assert report.from_corrections == 40 and report.n_negative >= 80
    assert report.split == "time" and report.n_test == 54


def test_stored_adapter_round_trip_and_guards(db):
    import numpy as np

    adapter = S.Adapter(version="ad-x", base_version=S.ZH_MODEL, scale=0.9, bias=0.3,
                        indices=np.array([5, 77], dtype=np.int64), values=np.array([0.5, -1.25], dtype=np.float32))
    learn.save_adapter(db, adapter)
    raw = db.execute("SELECT value FROM settings WHERE key = 'sentiment.adapter'").fetchone()[0]
    assert '"indices"' in raw and "pickle" not in raw
    back = learn.load_adapter(db)
    assert (back.scale, back.bias, back.indices.tolist(), back.values.tolist()) == (0.9, 0.3, [5, 77], [0.5, -1.25])
    assert S.load_adapter(db).version == "ad-x"

    from cxdesk.core.storage import set_setting

    set_setting(db, "sentiment.adapter", {"format": 1, "base_version": "old-model", "bits": S.HASH_BITS})
    assert learn.load_adapter(db) is None          # made for another model: ignored
    set_setting(db, "sentiment.adapter", {"format": 1, "base_version": S.ZH_MODEL, "bits": S.HASH_BITS,
                                          "indices": "!!notbase64", "values": ""})
    assert learn.load_adapter(db) is None          # damaged: ignored, never a crash
    assert learn.remove_adapter(db) is True
    assert learn.remove_adapter(db) is False


@pytest.mark.parametrize("cancel_at", [20, 70])
def test_cancel_leaves_nothing(db, cancel_at):
    add_rows(db, make_reviews(100, 100))
    seen = []

    def cancel_midway(done, total, msg):
        seen.append(done)
        if done >= cancel_at:
            raise Cancelled()

    with pytest.raises(Cancelled):
        learn.learn_from_owner(db, cancel_midway)
    assert learn.load_adapter(db) is None
    assert seen[-1] < cancel_at + 5   # stopped promptly, not at the end of a long step
