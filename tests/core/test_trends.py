"""Aggregations against a small hand-computed dataset, and the summaries against a direct GROUP BY
after imports, undos, corrections, re-analysis and topic edits."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from cxdesk.core.analysis import trends
from cxdesk.core.filters import FeedbackFilter

NOW = "2024-05-01 00:00:00"


def add_source(db, name="a.xlsx") -> int:
    cur = db.execute("INSERT INTO sources(file_name, sha256, imported_at) VALUES (?, ?, ?)", [name, name, NOW])
    return cur.lastrowid


def add_topic(db, name) -> int:
    cur = db.execute("INSERT INTO topics(name, created_at, updated_at) VALUES (?, ?, ?)", [name, NOW, NOW])
    return cur.lastrowid


def add_row(db, source, created, channel, label, rating=None, sentiment=None, topics=(), deleted=0) -> int:
    cur = db.execute(
        "INSERT INTO feedback(source_id, text, created_at, channel, label, model_label, rating, sentiment,"
        " dedup_key, deleted) VALUES (?, 'x', ?, ?, ?, ?, ?, ?, ?, ?)",
        [source, created, channel, label, label, rating, sentiment, f"k{random.random()}", deleted])
    fid = cur.lastrowid
    for tid, tlabel in topics:
        db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, ?)", [fid, tid, tlabel])
    return fid


@pytest.fixture
def small(db):
    with db.atomic():
        s = add_source(db)
        service, logistics, quality = add_topic(db, "服务"), add_topic(db, "物流"), add_topic(db, "质量")
        add_row(db, s, "2024-03-04 10:00:00", "淘宝", "positive", 5, 0.9, [(quality, "positive")])
        add_row(db, s, "2024-03-05 11:00:00", "淘宝", "negative", 1, 0.1,
                [(logistics, "negative"), (service, "negative")])
        add_row(db, s, "2024-03-05 12:00:00", "京东", "negative", 2, 0.2, [(logistics, "negative")])
        add_row(db, s, "2024-03-10 09:00:00", "京东", "neutral", None, 0.5, [(quality, "neutral")])
        add_row(db, s, "2024-03-11 09:00:00", "淘宝", "negative", 1, 0.05,
                [(service, "negative"), (quality, "positive")])
        add_row(db, s, "2024-03-12 08:00:00", "淘宝", "unknown", None, None)
        add_row(db, s, "2024-04-01 10:00:00", "京东", "positive", 4, 0.8, [(logistics, "positive")])
        add_row(db, s, None, "淘宝", "negative", 2, 0.3, [(service, "negative")])
        add_row(db, s, "2024-03-06 10:00:00", "淘宝", "negative", 1, 0.1, [(logistics, "negative")], deleted=1)
    return db


@pytest.mark.parametrize("use_summary", [True, False])
def test_weekly_buckets_exact(small, use_summary):
    tr = trends.trend(small, FeedbackFilter(), "week", use_summary=use_summary)
    starts = [b.start for b in tr.buckets]
    assert starts == [date(2024, 3, 4), date(2024, 3, 11), date(2024, 3, 18), date(2024, 3, 25), date(2024, 4, 1)]
    assert tr.undated == 1
    w1, w2, w3, _w4, w5 = (b.counts for b in tr.buckets)
    assert (w1.positive, w1.neutral, w1.negative, w1.unknown) == (1, 1, 2, 0)
    assert w1.negative_share == 0.5
    assert w1.mean_rating == pytest.approx(8 / 3)
    assert w1.mean_sentiment == pytest.approx(1.7 / 4)
    lo, hi = w1.negative_ci
    assert (round(lo, 4), round(hi, 4)) == (0.1500, 0.8500)
    assert (w2.negative, w2.unknown, w2.labelled, w2.negative_share) == (1, 1, 1, 1.0)
    assert w2.mean_sentiment == pytest.approx(0.05)  # the unknown row has no say
    assert w3.total == 0 and w3.negative_share is None and w3.mean_rating is None
    assert (w5.positive, w5.mean_rating) == (1, 4.0)
    assert tr.buckets[0].end == date(2024, 3, 10)


@pytest.mark.parametrize("use_summary", [True, False])
def test_month_day_topic_channel(small, use_summary):
    months = trends.trend(small, FeedbackFilter(), "month", use_summary=use_summary).buckets
    assert [(b.start, b.end, b.counts.total, b.counts.negative) for b in months] == [
        (date(2024, 3, 1), date(2024, 3, 31), 6, 3), (date(2024, 4, 1), date(2024, 4, 30), 1, 0)]
    days = trends.trend(small, FeedbackFilter(date_from=date(2024, 3, 5), date_to=date(2024, 3, 7)), "day",
                        use_summary=use_summary).buckets
    assert [(b.start.day, b.counts.total) for b in days] == [(5, 2), (6, 0), (7, 0)]
    logistics = trends.trend(small, FeedbackFilter(topics=("物流",)), "week", use_summary=use_summary)
    assert [(b.start, b.counts.negative, b.counts.positive) for b in logistics.buckets if b.counts.total] == [
        (date(2024, 3, 4), 2, 0), (date(2024, 4, 1), 0, 1)]
    jd = trends.totals(small, FeedbackFilter(channels=("京东",)), use_summary=use_summary)
    assert (jd.total, jd.positive, jd.neutral, jd.negative) == (3, 1, 1, 1)
    everything = trends.totals(small, FeedbackFilter(), use_summary=use_summary)
    assert (everything.total, everything.labelled, everything.negative) == (8, 7, 4)
    assert everything.negative_share == pytest.approx(4 / 7)


@pytest.mark.parametrize("use_summary", [True, False])
def test_kpis_compare_with_previous_period(small, use_summary):
    k = trends.kpis(small, FeedbackFilter(date_from=date(2024, 3, 11), date_to=date(2024, 3, 17)),
                    use_summary=use_summary)
    assert (k.previous_from, k.previous_to) == (date(2024, 3, 4), date(2024, 3, 10))
    assert k.current.total == 2 and k.previous.total == 4
    assert k.change("total") == -2
    assert k.change("negative_share") == pytest.approx(0.5)
    assert k.change("mean_rating") == pytest.approx(1 - 8 / 3)
    assert trends.kpis(small, FeedbackFilter(), use_summary=use_summary).previous is None
    # "From a day on" ends at the last day with data and compares with as many days before it.
    last = trends.data_range(small)[1]
    open_end = trends.kpis(small, FeedbackFilter(date_from=date(2024, 3, 11)), use_summary=use_summary)
    closed = trends.kpis(small, FeedbackFilter(date_from=date(2024, 3, 11), date_to=last), use_summary=use_summary)
    assert open_end.date_to == last and open_end.previous_to == date(2024, 3, 10)
    assert (open_end.previous_from, open_end.current.total, open_end.previous.total) == (
        closed.previous_from, closed.current.total, closed.previous.total)


@pytest.mark.parametrize("use_summary", [True, False])
def test_topic_ranking_negative_volume_and_impact(small, use_summary):
    by_neg = trends.topic_ranking(small, FeedbackFilter(), by="negative", use_summary=use_summary)
    assert [(r.name, r.mentions, r.negative_mentions, r.negative_only) for r in by_neg] == [
        ("服务", 3, 3, 2), ("物流", 3, 2, 1), ("质量", 3, 0, 0)]
    impact = {r.name: r.impact for r in by_neg}
    # 7 labelled rows, 4 negative. Without 服务 as the sole reason, rows 5 and 8 stop being negative.
    assert impact["服务"] == pytest.approx(4 / 7 - 2 / 7)
    assert impact["物流"] == pytest.approx(1 / 7)
    assert impact["质量"] == 0
    march = trends.topic_ranking(small, FeedbackFilter(date_from=date(2024, 3, 1), date_to=date(2024, 3, 31)),
                                 by="impact", use_summary=use_summary)
    assert [(r.name, r.negative_only) for r in march] == [("服务", 1), ("物流", 1), ("质量", 0)]
    assert march[0].impact == pytest.approx(1 / 5)


def test_bucket_filter_selects_exactly_the_bucket_rows(small):
    flt = FeedbackFilter(date_from=date(2024, 3, 6), channels=("淘宝",))
    tr = trends.trend(small, flt, "week")
    first = tr.buckets[0]
    click = trends.bucket_filter(flt, first, "negative")
    assert click.date_from == date(2024, 3, 6) and click.date_to == date(2024, 3, 10)
    assert click.channels == ("淘宝",) and click.labels == ("negative",)
    from cxdesk.core.filters import filter_sql

    where, params = filter_sql(trends.bucket_filter(flt, tr.buckets[1]))
    n = small.execute(f"SELECT count(*) FROM feedback f WHERE {where}", params).fetchone()[0]
    assert n == tr.buckets[1].counts.total == 2


def test_wilson_edges():
    assert trends.wilson(0, 0) is None
    lo, hi = trends.wilson(0, 10)
    assert lo == 0 and 0.27 < hi < 0.32
    lo, hi = trends.wilson(10, 10)
    assert hi == 1 and 0.68 < lo < 0.73


def test_bad_granularity_is_an_owner_error(small):
    from cxdesk.core.errors import InvalidValueError

    with pytest.raises(InvalidValueError):
        trends.trend(small, FeedbackFilter(), "year")


# ---------------------------------------------------------------------------------------------
# The summaries stay equal to a direct GROUP BY whatever writers do

CHANNELS = ["淘宝", "京东", "抖音", None, ""]
LABELS = ["positive", "neutral", "negative", "unknown", None]


def random_import(db, rng, n, topic_ids, day0=0, days=120):
    s = add_source(db, f"f{rng.random()}")
    with db.atomic():
        for _ in range(n):
            d = date.fromordinal(date(2024, 1, 1).toordinal() + day0 + rng.randrange(days))
            created = None if rng.random() < 0.03 else f"{d.isoformat()} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00"
            label = rng.choice(LABELS)
            k = rng.choice([0, 0, 1, 1, 2, 3])
            tops = [(t, rng.choice(["positive", "negative", "neutral", "unknown"])) for t in rng.sample(topic_ids, min(k, len(topic_ids)))]
            add_row(db, s, created, rng.choice(CHANNELS), label, rng.choice([None, 1, 2, 3, 4, 5, 4.5]),
                    None if label is None else rng.random(), tops)
    return s


def assert_summary_matches(db, topic_names, sources):
    filters = [FeedbackFilter(), FeedbackFilter(date_from=date(2024, 2, 1), date_to=date(2024, 3, 15)),
               FeedbackFilter(channels=("淘宝", "")), FeedbackFilter(sources=(sources[0],)),
               FeedbackFilter(date_to=date(2024, 2, 20), channels=("京东",)),
               # month edges: the ranking mixes whole months (monthly table) and leftover days
               FeedbackFilter(date_from=date(2024, 2, 1), date_to=date(2024, 2, 29)),
               FeedbackFilter(date_from=date(2024, 2, 10), date_to=date(2024, 2, 20)),
               FeedbackFilter(date_from=date(2024, 1, 31), date_to=date(2024, 3, 1)),
               FeedbackFilter(date_from=date(2024, 3, 1)), FeedbackFilter(date_to=date(2024, 3, 31))]
    filters += [FeedbackFilter(topics=(t,)) for t in topic_names]
    filters += [FeedbackFilter(topics=(topic_names[0],), channels=("抖音",), date_from=date(2024, 3, 1))]
    for flt in filters:
        assert trends.summary_can_answer(flt)
        for g in ("day", "week", "month"):
            fast = trends.trend(db, flt, g)
            slow = trends.trend(db, flt, g, use_summary=False)
            assert _rounded(fast) == _rounded(slow), (flt, g)
        for by in ("negative", "impact"):
            fast_r = trends.topic_ranking(db, flt, by=by)
            slow_r = trends.topic_ranking(db, flt, by=by, use_summary=False)
            assert [(r.name, r.mentions, r.negative_mentions, r.positive_mentions, r.negative_only) for r in fast_r] == \
                   [(r.name, r.mentions, r.negative_mentions, r.positive_mentions, r.negative_only) for r in slow_r]
    assert trends.summary_is_current(db)


def _rounded(tr):
    return (tr.undated, [(b.start, b.counts.positive, b.counts.neutral, b.counts.negative, b.counts.unknown,
                          b.counts.rating_n, round(b.counts.rating_sum, 6), b.counts.sentiment_n,
                          round(b.counts.sentiment_sum, 6)) for b in tr.buckets])


def test_summaries_follow_every_kind_of_change(db):
    rng = random.Random(7)
    names = ["服务", "物流", "质量", "价格"]
    tids = [add_topic(db, n) for n in names]
    s1 = random_import(db, rng, 400, tids)
    assert_summary_matches(db, names, [s1])
    # a second import overlapping the first
    s2 = random_import(db, rng, 300, tids, day0=60)
    assert_summary_matches(db, names, [s1, s2])
    # undo an import: soft delete, then hard delete
    with db.atomic():
        db.execute("UPDATE feedback SET deleted = 1 WHERE source_id = ?", [s2])
    assert_summary_matches(db, names, [s1, s2])
    with db.atomic():
        db.execute("DELETE FROM feedback WHERE source_id = ?", [s2])
    assert_summary_matches(db, names, [s1])
    # the owner corrects labels and a date, deletes one row
    ids = [r[0] for r in db.execute("SELECT id FROM feedback ORDER BY id LIMIT 30")]
    with db.atomic():
        for i in ids[:20]:
            db.execute("UPDATE feedback SET manual_label = 'negative', label = 'negative' WHERE id = ?", [i])
        db.execute("UPDATE feedback SET created_at = '2024-02-29 12:00:00' WHERE id = ?", [ids[20]])
        db.execute("UPDATE feedback SET channel = '抖音' WHERE id = ?", [ids[21]])
        db.execute("UPDATE feedback SET deleted = 1 WHERE id = ?", [ids[22]])
    assert_summary_matches(db, names, [s1])
    # re-analysis: new scores and labels everywhere, topic mentions replaced
    with db.atomic():
        for (fid,) in db.execute("SELECT id FROM feedback").fetchall():
            label = rng.choice(["positive", "neutral", "negative"])
            db.execute("UPDATE feedback SET sentiment = ?, model_label = ?, label = coalesce(manual_label, ?) WHERE id = ?",
                       [rng.random(), label, label, fid])
        db.execute("DELETE FROM feedback_topics WHERE topic_id = ?", [tids[3]])
        db.execute("UPDATE feedback_topics SET label = 'negative' WHERE topic_id = ? AND label = 'neutral'", [tids[2]])
        for (fid,) in db.execute("SELECT id FROM feedback WHERE id % 7 = 0").fetchall():
            db.execute("INSERT OR IGNORE INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, 'negative')",
                       [fid, tids[3]])
    assert_summary_matches(db, names, [s1])
    # topic edits: rename (no effect), merge 价格 into 服务, delete 质量 (cascade)
    with db.atomic():
        db.execute("UPDATE topics SET name = '客服' WHERE id = ?", [tids[0]])
        db.execute("INSERT OR IGNORE INTO feedback_topics(feedback_id, topic_id, label) "
                   "SELECT feedback_id, ?, label FROM feedback_topics WHERE topic_id = ?", [tids[0], tids[3]])
        db.execute("DELETE FROM topics WHERE id = ?", [tids[3]])
        db.execute("DELETE FROM topics WHERE id = ?", [tids[2]])
    assert_summary_matches(db, ["客服", "物流"], [s1])


def test_incremental_refresh_touches_only_changed_days(db):
    rng = random.Random(3)
    tids = [add_topic(db, n) for n in ("服务", "物流")]
    random_import(db, rng, 300, tids, days=200)
    trends.refresh_summary(db)
    add_row(db, 1, "2024-03-03 10:00:00", "淘宝", "negative", 1, 0.1, [(tids[0], "negative")])
    db.conn.commit()
    assert sorted(r[0] for r in db.execute("SELECT day FROM trend_dirty")) == ["2024-03-03"]
    assert trends.refresh_summary(db) == 1
    assert_summary_matches(db, ["服务", "物流"], [1])


def test_filters_the_summary_cannot_answer_are_counted_directly(small):
    flt = FeedbackFilter(labels=("negative",), search="x")
    assert not trends.summary_can_answer(flt)
    assert trends.totals(small, flt).total == 4
    assert trends.totals(small, FeedbackFilter(include_deleted=True)).total == 9
    assert trends.totals(small, FeedbackFilter(topics=("服务", "物流"))).total == 5


def test_dashboard_in_one_call(small):
    dash = trends.dashboard(small, FeedbackFilter(date_from=date(2024, 3, 11), date_to=date(2024, 3, 17)), "day")
    assert dash.total_rows == 8
    assert (dash.data_from, dash.data_to) == (date(2024, 3, 4), date(2024, 4, 1))
    assert dash.channels == ("京东", "淘宝")
    assert dash.kpis.current.total == 2
    assert [r.name for r in dash.ranking] == ["服务", "质量"]
    assert len(dash.trend.buckets) == 7


@pytest.mark.parametrize("use_summary", [True, False])
def test_counts_by_channel(small, use_summary):
    by = trends.counts_by_channel(small, FeedbackFilter(), use_summary=use_summary)
    assert {k: v.total for k, v in by.items()} == {"淘宝": 5, "京东": 3}
    assert list(by) == ["淘宝", "京东"]
    by_topic = trends.counts_by_channel(small, FeedbackFilter(topics=("服务",)), use_summary=use_summary)
    assert {k: (v.total, v.negative) for k, v in by_topic.items()} == {"淘宝": (3, 3)}


def test_summaries_follow_the_real_import_undo_correct_and_reanalyze(db, tmp_path):
    """The same check through the functions the app uses: import, analyze, correct, undo, re-analyze."""
    from cxdesk.core.analysis import analyze
    from cxdesk.core.analysis import topics as topics_mod
    from cxdesk.core.feedback import correct_label
    from cxdesk.core.importers import import_file, sniff_file, undo_import

    rng = random.Random(11)
    texts = ["送餐太慢了，等了一个小时", "味道很好，下次还来", "太贵了，分量也少", "服务员态度很差",
             "环境不错，菜也好吃", "外卖洒了，包装太差", "一般般吧", "上菜很快，味道正宗"]
    files = []
    for n, (first_day, rows) in enumerate(((1, 60), (20, 40))):
        path = tmp_path / f"export{n}.csv"
        lines = ["评价内容,评价时间,评分,渠道"]
        for i in range(rows):
            day = date(2024, 3, 1) + timedelta(days=first_day + rng.randrange(25))
            lines.append(f"{rng.choice(texts)}{i},{day} 12:{i % 60:02d}:00,{rng.randint(1, 5)},{rng.choice(['美团', '大众点评'])}")
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
    sources = []
    for path in files:
        result = import_file(db, sniff_file(path))
        sources.append(result.source_id)
    analyze(db)
    names = [t.name for t in topics_mod.list_topics(db, enabled_only=True)][:4]
    assert_summary_matches(db, names, sources)
    ids = [r[0] for r in db.execute("SELECT id FROM feedback ORDER BY id LIMIT 10")]
    correct_label(db, ids[:5], "negative")
    correct_label(db, ids[5:], "positive")
    assert_summary_matches(db, names, sources)
    undo_import(db, sources[1])
    assert_summary_matches(db, names, sources)
    analyze(db, force=True)
    assert_summary_matches(db, names, sources)
    topics_mod.merge_topics(db, names[1:3], names[0])
    assert_summary_matches(db, [names[0], names[3]], sources)
    assert trends.totals(db).total == 60


def test_database_past_the_trend_versions_gets_the_tables(db):
    """Areas register migrations independently: a file already at a later version still gets ours."""
    for name in ("trend_feedback_insert", "trend_feedback_delete", "trend_feedback_update", "trend_topics_insert",
                 "trend_topics_delete", "trend_topics_update"):
        db.execute(f"DROP TRIGGER {name}")
    for table in ("trend_daily", "trend_topic_daily", "trend_topic_monthly", "trend_dirty"):
        db.execute(f"DROP TABLE {table}")
    db.conn.commit()
    s = add_source(db)
    add_row(db, s, "2024-03-04 10:00:00", "淘宝", "negative", 1, 0.2)
    db.conn.commit()
    db._trend_schema_ok = False
    assert trends.totals(db).negative == 1
    assert trends.summary_can_answer(FeedbackFilter()) and trends.summary_is_current(db)
    add_row(db, s, "2024-03-05 10:00:00", "淘宝", "positive", 5, 0.9)
    db.conn.commit()
    assert trends.totals(db).total == 2  # the recreated triggers saw the new row
