"""`cxdesk stats` and `cxdesk alerts` on a small database: JSON keys, filters, errors in plain words."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from cxdesk.cli import main

NOW = "2024-06-01 00:00:00"


@pytest.fixture
def shop(tmp_path):
    from cxdesk.core.storage import open_db

    path = tmp_path / "shop.db"
    db = open_db(path)
    with db.atomic():
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a', 'a', ?)", [NOW])
        db.execute("INSERT INTO topics(id, name, created_at, updated_at) VALUES (1, '物流', ?, ?)", [NOW, NOW])
        n = 0
        last = date(2024, 5, 26)
        for d in range(70):
            day = last - timedelta(days=69 - d)
            spike = day > last - timedelta(days=7)
            for k in range(12 if spike else 4):
                n += 1
                label = "negative" if (spike or k % 2) else "positive"
                cur = db.execute(
                    "INSERT INTO feedback(source_id, text, created_at, channel, label, model_label, rating, dedup_key)"
                    " VALUES (1, 't', ?, ?, ?, ?, ?, ?)",
                    [f"{day} 09:00:00", "淘宝" if k % 2 else "京东", label, label, 1 if label == "negative" else 5,
                     f"k{n}"])
                db.execute("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, 1, ?)",
                           [cur.lastrowid, label])
    db.close()
    return path


def run(capsys, *args):
    code = main(["--lang", "zh_CN", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_stats_json_keeps_old_keys_and_adds_periods(shop, capsys):
    code, out, _err = run(capsys, "stats", "--db", str(shop), "--by", "week", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 63 * 4 + 7 * 12
    assert data["by_channel"] == {"京东": 168, "淘宝": 168}
    assert sum(data["by_month"].values()) == data["total"]
    assert data["first"] == "2024-03-18" and data["last"] == "2024-05-26"
    assert len(data["periods"]) == 10 and data["periods"][-1]["negative"] == 84
    assert data["topics"][0]["topic"] == "物流"


def test_stats_filters_by_channel_topic_and_dates(shop, capsys):
    code, out, _err = run(capsys, "stats", "--db", str(shop), "--channel", "淘宝", "--topic", "物流",
                          "--from", "2024-05-20", "--to", "2024-05-26", "--by", "day", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 42 and len(data["periods"]) == 7
    assert data["totals"]["negative_share"] == 1.0
    code, out, _err = run(capsys, "stats", "--db", str(shop), "--by", "month")
    assert code == 0 and "2024-05" in out and "差评占比" in out


def test_stats_date_range_says_how_many_undated_rows_it_leaves_out(shop, capsys):
    from cxdesk.core.storage import open_db

    db = open_db(shop)
    with db.atomic():
        for n, (when, channel) in enumerate([(None, "淘宝"), (None, "淘宝"), (None, "京东"), ("0001-01-01 00:00:00", "淘宝")]):
            db.execute("INSERT INTO feedback(source_id, text, created_at, channel, label, model_label, dedup_key)"
                       " VALUES (1, 't', ?, ?, 'negative', 'negative', ?)", [when, channel, f"u{n}"])
    db.close()
    code, out, _err = run(capsys, "stats", "--db", str(shop), "--from", "2024-05-20", "--to", "2024-05-26", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 7 * 12 and data["undated_left_out"] == 4
    code, out, _err = run(capsys, "stats", "--db", str(shop), "--channel", "淘宝", "--from", "2024-05-20", "--json")
    assert json.loads(out)["undated_left_out"] == 3
    code, out, _err = run(capsys, "stats", "--db", str(shop), "--from", "2024-05-20", "--to", "2024-05-26")
    assert code == 0 and "4 条反馈没有日期，不在 --from/--to 的范围内，未计入" in out
    code, out, _err = run(capsys, "stats", "--db", str(shop), "--json")
    data = json.loads(out)
    assert data["undated_left_out"] == 0 and data["total"] == 63 * 4 + 7 * 12 + 4
    code, out, _err = run(capsys, "stats", "--db", str(shop))
    assert "未计入" not in out


def test_stats_bad_input_is_one_sentence(shop, capsys):
    code, _out, err = run(capsys, "stats", "--db", str(shop), "--from", "2024-13-01")
    assert code == 1 and "2024-13-01" in err and "Traceback" not in err
    code, _out, err = run(capsys, "stats", "--db", str(shop), "--topic", "不存在")
    assert code == 1 and "不存在" in err and "物流" in err


def test_alerts_run_list_and_dismiss(shop, capsys):
    code, out, _err = run(capsys, "alerts", "--db", str(shop), "--json")
    assert code == 0
    found = json.loads(out)
    keys = {(a["kind"], a["key"]) for a in found}
    assert ("topic", "物流") in keys
    alert_id = next(a["id"] for a in found if a["key"] == "物流")
    code, out, _err = run(capsys, "alerts", "--db", str(shop), "--dismiss", str(alert_id))
    assert code == 0 and str(alert_id) in out
    code, out, _err = run(capsys, "alerts", "--db", str(shop), "--json")
    assert alert_id not in [a["id"] for a in json.loads(out)]
    code, out, _err = run(capsys, "alerts", "--db", str(shop), "--all", "--json")
    assert alert_id in [a["id"] for a in json.loads(out)]


def test_stats_json_after_import_and_analyze_reads_the_summary_and_matches_a_direct_count(tmp_path, capsys):
    """`analyze` leaves the dashboard's summary tables current, so `stats --json` reads them (no
    rebuild); every number equals a count over the feedback rows themselves."""
    import csv

    from cxdesk.core.storage import open_db

    texts = ["菜很好吃，服务也热情", "上菜太慢了，等了一个小时", "价格有点贵", "环境一般", "物流很快，包装完好",
             "服务员态度很差", "味道不错，下次还来", "太咸了"]
    file = tmp_path / "reviews.csv"
    with file.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["评价内容", "评价时间", "评分", "渠道"])
        for i in range(120):
            w.writerow([texts[i % len(texts)] + ("" if i < 8 else f"（{i}）"), f"2024-0{1 + i % 5}-{1 + i % 27:02d} 10:{i % 60:02d}",
                        1 + i % 5, ["淘宝", "美团", ""][i % 3]])
    path = str(tmp_path / "shop.db")
    assert run(capsys, "--db", path, "import", "--no-analyze", str(file))[0] == 0
    assert run(capsys, "--db", path, "analyze")[0] == 0
    db = open_db(path)
    assert db.execute("SELECT count(*) FROM trend_dirty").fetchone()[0] == 0   # the fast path is ready
    code, out, _err = run(capsys, "stats", "--db", path, "--json")
    assert code == 0
    data = json.loads(out)
    live = "FROM feedback WHERE deleted = 0"
    assert data["total"] == db.execute(f"SELECT count(*) {live}").fetchone()[0] == 120
    assert data["by_channel"] == {k: n for k, n in db.execute(
        f"SELECT coalesce(channel, ''), count(*) {live} GROUP BY 1")}
    assert data["by_month"] == {k: n for k, n in db.execute(f"SELECT substr(created_at, 1, 7), count(*) {live} GROUP BY 1")}
    labels = dict(db.execute(f"SELECT label, count(*) {live} GROUP BY label").fetchall())
    assert data["by_label"] == {k: labels.get(k, 0) for k in ("positive", "neutral", "negative", "unknown")}
    assert sum(labels.values()) == 120 and labels.get("negative", 0) > 0
    rated, mean = db.execute(f"SELECT count(rating), avg(rating) {live}").fetchone()
    assert data["rated"] == rated and data["average_rating"] == round(mean, 2)
    mentions = dict(db.execute("SELECT t.name, count(*) FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                               "GROUP BY t.name").fetchall())
    assert {t["topic"]: t["mentions"] for t in data["topics"]} == {k: v for k, v in mentions.items()
                                                                    if k in {t["topic"] for t in data["topics"]}}
    assert data["first"] == db.execute(f"SELECT min(substr(created_at, 1, 10)) {live}").fetchone()[0]
    db.close()
