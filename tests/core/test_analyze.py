"""`analyze`: incremental, resumable scoring of sentiment and topics, in one process or several."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cxdesk.core.analysis import analyze
from cxdesk.core.analysis import topics as T
from cxdesk.core.progress import Cancelled
from cxdesk.core.storage import open_db, set_setting
from tests.core.test_topics import add_rows


def row(db, fid):
    r = db.execute("SELECT lang, sentiment, model_label, label, topics, analysis_version, analyzed_at "
                   "FROM feedback WHERE id = ?", [fid]).fetchone()
    return dict(zip(("lang", "sentiment", "model_label", "label", "topics", "version", "analyzed_at"), r))


def mentions(db, fid):
    return dict(db.execute("SELECT t.name, ft.label FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                           "WHERE ft.feedback_id = ?", [fid]).fetchall())


def test_package_import_is_light():
    code = ("import sys, cxdesk.core.analysis, cxdesk.core.storage\n"
            "heavy = [m for m in ('jieba', 'snownlp', 'opencc', 'vaderSentiment') if m in sys.modules]\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_analyze_sets_every_column_and_topic_sentiment(db):
    a, b, c, d, e = add_rows(db, ["菜很好吃但是服务太慢", "環境很乾淨，服務態度非常好", "", "👍👍👍",
                                  "The food was delicious, the waiter was rude."])
    result = analyze(db)
    assert (result.scored, result.skipped) == (5, 0)
    assert result.changes.feedback and result.changes.topics
    assert result.topics_assigned == sum(len(mentions(db, f)) for f in (a, b, c, d, e))

    first = row(db, a)
    assert first["lang"] == "zh" and 0 <= first["sentiment"] <= 1
    assert first["label"] == first["model_label"] and first["version"] == result.version
    mine = mentions(db, a)
    assert mine["味道"] == "positive"
    assert mine["服务"] == "negative"
    assert set(json.loads(first["topics"])) == set(mine)

    trad = mentions(db, b)                 # traditional text: converted before matching
    assert trad.get("服务") == "positive" and "卫生" in trad

    for empty in (c, d):                   # no text to score: unknown, no topics
        r = row(db, empty)
        assert (r["lang"], r["sentiment"], r["label"], json.loads(r["topics"])) == ("none", None, "unknown", [])
    english = mentions(db, e)              # English synonyms lead to the Chinese topics
    assert english.get("味道") == "positive" and english.get("服务") == "negative"


def test_second_run_skips_and_dictionary_edits_rescore_topics_only(db):
    ids = add_rows(db, ["停车很方便，菜也好吃", "价格太贵了"])
    first = analyze(db)
    sentiment_before = row(db, ids[0])["sentiment"]
    again = analyze(db)
    assert (again.scored, again.skipped, again.changes.any()) == (0, 2, False)

    T.add_topic(db, "停车", ["车位"])
    after_edit = analyze(db)
    assert after_edit.scored == 2 and after_edit.version != first.version
    assert after_edit.version.split("|")[0] == first.version.split("|")[0]
    assert "停车" in mentions(db, ids[0])
    assert row(db, ids[0])["sentiment"] == sentiment_before
    assert "停车" in json.loads(row(db, ids[0])["topics"])

    forced = analyze(db, force=True)
    assert (forced.scored, forced.skipped) == (2, 0)


def test_manual_label_and_manual_topics_survive_reanalysis(db):
    from cxdesk.core.analysis.store import set_manual_label, tag_topic

    (fid,) = add_rows(db, ["菜很好吃"])
    analyze(db)
    set_manual_label(db, [fid], "negative")
    tag_topic(db, [fid], "环境")
    analyze(db, force=True)
    r = row(db, fid)
    assert r["label"] == "negative" and r["model_label"] != "negative"
    assert db.execute("SELECT manual FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                      "WHERE ft.feedback_id = ? AND t.name = '环境'", [fid]).fetchone() == (1,)
    assert "环境" in json.loads(r["topics"]) and "味道" in json.loads(r["topics"])

    tag_topic(db, [fid], "味道", remove=True)          # the owner says this row is not about taste
    analyze(db, force=True)
    assert "味道" not in mentions(db, fid) and "味道" not in json.loads(row(db, fid)["topics"])
    tag_topic(db, [fid], "味道")                       # ... and changes their mind
    analyze(db, force=True)
    assert "味道" in mentions(db, fid)


def test_first_analyze_installs_the_business_template(db):
    set_setting(db, "business_type", "电商/零售")
    (fid,) = add_rows(db, ["Fast shipping but the box was crushed"])
    result = analyze(db)
    names = {t.name for t in T.list_topics(db)}
    assert "物流" in names and "味道" not in names
    assert result.changes.topics
    assert set(mentions(db, fid)) >= {"物流", "包装"}


def test_cancel_keeps_finished_batches_and_the_next_run_resumes(db):
    ids = add_rows(db, [f"第{i}次来，味道不错" for i in range(10)])
    calls = []

    def progress(done, total, message):
        calls.append((done, total))
        if done >= 4:
            raise Cancelled()

    with pytest.raises(Cancelled):
        analyze(db, progress, batch_size=2, workers=0)
    scored = db.execute("SELECT count(*) FROM feedback WHERE analysis_version IS NOT NULL").fetchone()[0]
    assert scored == 4
    assert calls[-1] == (4, 10)
    rest = analyze(db, batch_size=2, workers=0)
    assert (rest.scored, rest.skipped) == (6, 4)
    assert all(row(db, f)["lang"] == "zh" for f in ids)


@pytest.mark.parametrize("parent_scores", [True, False])
def test_parallel_workers_give_the_same_result(tmp_path, monkeypatch, parent_scores):
    from cxdesk.core.analysis import pipeline, uncovered

    texts = ["菜很好吃但是服务太慢", "服务员很热情", "太贵了，不值", "环境一般，卫生还行", "Great food, slow service", "",
             "发错货了，客服也不理人", "等了一个小时，差评"] * 20
    if not parent_scores:    # a big run: the parent only reads and writes
        monkeypatch.setattr(pipeline, "PARENT_SCORES_UP_TO", 0)
    results = {}
    for workers in (0, 2):
        db = open_db(tmp_path / f"w{workers}.db")
        add_rows(db, texts)
        res = analyze(db, workers=workers, batch_size=25)
        assert res.scored == len(texts)
        results[workers] = db.execute(
            "SELECT id, lang, round(sentiment, 6), label, topics FROM feedback ORDER BY id").fetchall()
        results[(workers, "ft")] = db.execute(
            "SELECT feedback_id, topic_id, round(sentiment, 6), label FROM feedback_topics ORDER BY 1, 2").fetchall()
        # The complaints no topic covers are stored by the analysis itself, workers or not.
        results[(workers, "cc")] = db.execute(
            "SELECT feedback_id, clause, words FROM complaint_clauses ORDER BY 1, 2").fetchall()
        assert uncovered.refresh(db) == 0
        db.close()
    assert results[0] == results[2]
    assert results[(0, "ft")] == results[(2, "ft")]
    assert results[(0, "cc")] == results[(2, "cc")] and len(results[(0, "cc")]) >= 20


def test_with_a_core_to_spare_the_parent_indexes_for_search_while_workers_score(tmp_path, monkeypatch):
    from cxdesk.core import search
    from cxdesk.core.analysis import pipeline
    from cxdesk.core.feedback import query_ids
    from cxdesk.core.filters import FeedbackFilter

    steps = []
    index_some = search.index_some
    monkeypatch.setattr(search, "index_some", lambda db, n: steps.append(n) or index_some(db, n))
    monkeypatch.setattr(pipeline, "INDEX_ROWS_WHILE_WAITING", 7)
    monkeypatch.setattr(pipeline, "PARENT_SCORES_UP_TO", 0)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 3)
    texts = [f"第{i}次点外卖，物流太慢" if i % 3 else f"菜很好吃{i}" for i in range(90)]
    db = open_db(tmp_path / "index.db")
    with db.atomic(), search.bulk_load(db):      # as an import leaves them: stored, not yet indexed
        add_rows(db, texts)
    assert search.backlog_size(db) == 90
    res = analyze(db, workers=2, batch_size=10)
    assert res.scored == 90
    assert steps and set(steps) == {7}           # indexed in small steps while the workers scored
    search.catch_up(db)                          # what the workers left no time for, as the app does
    assert sorted(query_ids(db, FeedbackFilter(search="物流")).tolist()) == [i + 1 for i in range(90) if i % 3]
    for table in ("feedback_fts", "feedback_chars"):
        db.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
    db.close()


def test_on_two_cores_the_analysis_leaves_indexing_to_the_app(tmp_path, monkeypatch):
    from cxdesk.core import search
    from cxdesk.core.analysis import pipeline
    from cxdesk.core.feedback import query_ids
    from cxdesk.core.filters import FeedbackFilter

    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(pipeline, "PARENT_SCORES_UP_TO", 0)
    db = open_db(tmp_path / "index.db")
    with db.atomic(), search.bulk_load(db):
        add_rows(db, [f"第{i}次点外卖，物流太慢" for i in range(30)])
    assert analyze(db, workers=2, batch_size=10).scored == 30
    assert search.backlog_size(db) == 30          # the workers had both cores to themselves
    assert len(query_ids(db, FeedbackFilter(search="物流"))) == 30   # found all the same
    db.close()


def test_cancel_with_workers_stops_quickly_and_resumes(tmp_path):
    db = open_db(tmp_path / "cancel.db")
    add_rows(db, [f"第{i}次点外卖，送得太慢" for i in range(60)])
    seen = []

    def progress(done, total, message):
        seen.append(done)
        if done >= 10:
            raise Cancelled()

    with pytest.raises(Cancelled):
        analyze(db, progress, workers=2, batch_size=10)
    kept = db.execute("SELECT count(*) FROM feedback WHERE analysis_version IS NOT NULL").fetchone()[0]
    assert 10 <= kept < 60 and kept % 10 == 0          # whole batches only
    rest = analyze(db, workers=0)
    assert rest.scored == 60 - kept and rest.skipped == kept
    db.close()


def test_messy_text_long_html_control_characters(db):
    long_text = "物流很快，包装完好。" * 400 + "但是客服态度很差！" * 100          # ~5k characters
    ids = add_rows(db, [long_text, "价格&lt;b&gt;实惠&lt;/b&gt;<br>质量很好", "\x00质量\u200b很差\x0b", "=HYPERLINK(\"x\")", "12345"])
    set_setting(db, "business_type", "电商/零售")
    analyze(db)
    long_mentions = mentions(db, ids[0])
    assert long_mentions["物流"] == "positive" and long_mentions["服务"] == "negative"
    assert db.execute("SELECT count(*) FROM feedback_topics WHERE feedback_id = ?", [ids[0]]).fetchone()[0] == len(long_mentions)
    assert mentions(db, ids[1]) == {"价格": "positive", "质量": "positive"}
    assert mentions(db, ids[2]) == {"质量": "negative"}
    assert row(db, ids[4])["lang"] == "none" and row(db, ids[4])["label"] == "unknown"
    assert row(db, ids[3])["label"] is not None


def test_no_worker_processes_on_a_busy_machine(db, monkeypatch):
    from cxdesk.core.analysis import pipeline

    add_rows(db, ["菜很好吃"] * 5)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (8.0, 8.0, 8.0), raising=False)
    monkeypatch.setattr(pipeline, "_run_parallel", lambda *a, **k: pytest.fail("workers started"))
    assert analyze(db).scored == 5


def test_mixed_and_short_reviews_are_counted_by_their_label_in_stats(tmp_path, capsys):
    from cxdesk.cli import main
    from cxdesk.core.analysis.clauses import CLAUSE_MODEL
    from cxdesk.core.analysis.pipeline import current_version

    path = tmp_path / "shop.db"
    db = open_db(path)
    ids = add_rows(db, ["性价比高，包装严实，但是鱼不新鲜",          # positive words, but the fish: negative
                        "菜很好吃，服务热情，环境也不错，价格有点贵",  # mixed: neutral
                        "菜很好吃，服务也很好",                      # positive
                        "点了外卖",                                  # no opinion: neutral
                        "这家味道实在太香"])                          # praise only: positive
    analyze(db)
    assert CLAUSE_MODEL in current_version(db)   # a new clause model analyses every row again
    labels = [row(db, i)["label"] for i in ids]
    assert labels == ["negative", "neutral", "positive", "neutral", "positive"]
    assert row(db, ids[0])["sentiment"] > 0.6    # the review's score stays the model's
    assert mentions(db, ids[0])["食材新鲜"] == "negative"
    assert mentions(db, ids[3]) == {"外卖配送": "neutral"}
    db.close()
    assert main(["--lang", "zh_CN", "stats", "--db", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by_label"] == {"positive": 2, "neutral": 2, "negative": 1, "unknown": 0}
    topics = {t["topic"]: t for t in data["topics"]}
    assert topics["食材新鲜"]["negative"] == 1 and topics["外卖配送"]["negative"] == 0


def test_repeated_texts_are_scored_once_and_get_the_same_results_as_alone(tmp_path, monkeypatch):
    from cxdesk.core.analysis import sentiment

    texts = ["好评", "上菜太慢了，等了一个小时", "好评", "服务员态度很差，菜还不错", "好评", "上菜太慢了，等了一个小时"]
    alone = open_db(tmp_path / "alone.db")
    alone_ids = add_rows(alone, list(dict.fromkeys(texts)))
    analyze(alone, workers=0)
    expected = {t: (row(alone, fid)["label"], row(alone, fid)["sentiment"], mentions(alone, fid))
                for t, fid in zip(dict.fromkeys(texts), alone_ids)}

    scored: list[str] = []
    real = sentiment.analyze_texts

    def counting(batch, adapter=None, **kw):
        batch = list(batch)
        scored.extend(batch)
        return real(batch, adapter, **kw)

    monkeypatch.setattr(sentiment, "analyze_texts", counting)
    db = open_db(tmp_path / "repeats.db")
    ids = add_rows(db, texts)
    result = analyze(db, workers=0, batch_size=2)    # repeats in one batch and across batches
    assert result.scored == 6
    assert sorted(scored) == sorted(set(texts))      # each distinct text scored once
    for text, fid in zip(texts, ids):
        assert (row(db, fid)["label"], row(db, fid)["sentiment"], mentions(db, fid)) == expected[text]
    assert mentions(db, ids[1]) == mentions(db, ids[5]) == {"上菜速度": "negative"}
    assert row(db, ids[0])["label"] == row(db, ids[4])["label"] == "positive"


def test_the_rows_star_rating_reaches_the_topic_verdicts(db):
    # The same lone aside counts as a complaint in a 1-star review and not in a 5-star one; the same text
    # without stars is decided by the text alone.
    text = "菜很好吃，上菜有点慢"
    low, high, unrated = add_rows(db, [text, text, text])
    db.execute("UPDATE feedback SET rating = 1 WHERE id = ?", [low])
    db.execute("UPDATE feedback SET rating = 5 WHERE id = ?", [high])
    analyze(db)
    assert mentions(db, low)["上菜速度"] == "negative"
    assert mentions(db, high)["上菜速度"] == "neutral"
    assert mentions(db, unrated)["上菜速度"] == "negative"
