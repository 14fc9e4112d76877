"""`cxdesk cases ...` from the command line, in a fresh interpreter: import, list, set, show, stats, notify."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.conftest import run_cli
from test_import_fixtures import write_csv

NOW = datetime.now().replace(microsecond=0)


def ago(**kw) -> str:
    return (NOW - timedelta(**kw)).strftime("%Y-%m-%d %H:%M")


def test_cases_through_the_cli(tmp_path):
    header = ["评价ID", "用户", "评分", "内容", "评价时间", "渠道"]
    rows = [["R1", "小王", "1", "上菜太慢了，等了一个小时", ago(hours=30), "美团"],
            ["R2", "李女士", "2", "分量太少，价格偏贵", ago(hours=2), "大众点评"],
            ["R3", "阿花", "5", "味道很好", ago(hours=3), "美团"],
            ["R4", "老周", "1", "上菜慢", ago(days=60), "美团"]]
    path = write_csv(tmp_path / "a.csv", header=header, rows=rows)
    env = {"CXDESK_DB": str(tmp_path / "shop.db")}
    out = run_cli("import", str(path), env=env)
    assert out.returncode == 0, out.stderr

    out = run_cli("cases", "list", "--json", env=env)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert [(c["rating"], c["author"], c["channel"], c["status"]) for c in listed] == [
        (1.0, "小王", "美团", "open"), (2.0, "李女士", "大众点评", "open")]
    assert set(listed[0]) >= {"id", "feedback_id", "status", "created_at", "due_at", "rating", "text", "topics",
                              "channel", "author"}
    assert listed[0]["topics"] == ["上菜速度"]
    out = run_cli("cases", "list", "--overdue", "--json", env=env)
    assert [c["author"] for c in json.loads(out.stdout)] == ["小王"]
    out = run_cli("cases", "list", "--topic", "价格", "--json", env=env)
    assert [c["author"] for c in json.loads(out.stdout)] == ["李女士"]

    first = listed[0]["id"]
    out = run_cli("cases", "set", str(first), "--status", "replied", "--note", "打过电话", "--reply", "抱歉，已加厨师", env=env)
    assert out.returncode == 0, out.stderr
    out = run_cli("cases", "show", str(first), "--json", env=env)
    shown = json.loads(out.stdout)
    assert shown["status"] == "replied" and shown["reply"] == "抱歉，已加厨师" and shown["draft"].startswith("小王您好")
    assert [(h["field"], h["old"], h["new"]) for h in shown["history"]][:2] == [("status", None, "open"),
                                                                               ("status", "open", "replied")]
    out = run_cli("cases", "show", str(first), env=env)
    assert "草稿" in out.stdout or "Draft" in out.stdout

    out = run_cli("cases", "stats", "--json", env=env)
    stats = json.loads(out.stdout)
    assert {k: stats[k] for k in ("open", "overdue", "replied", "contacted", "resolved", "ignored")} == {
        "open": 1, "overdue": 0, "replied": 1, "contacted": 0, "resolved": 0, "ignored": 0}
    assert stats["response_rate"] == 0.5 and 29 < stats["median_reply_hours"] < 32

    out = run_cli("cases", "set", str(first), "--status", "done", env=env)
    assert out.returncode == 1 and "done" in out.stderr and "Traceback" not in out.stderr

    out = run_cli("action", "add", "--title", "加了一位厨师", "--topic", "上菜速度", "--live-date",
                  NOW.date().isoformat(), env=env)
    aid = out.stdout.strip()
    out = run_cli("cases", "notify", aid, "--json", env=env)
    assert out.returncode == 0, out.stderr
    notices = json.loads(out.stdout)
    # 老周 complained 60 days ago, before the 28-day window; 李女士 did not complain about 上菜速度.
    assert [(n["author"], n["channel"]) for n in notices] == [("小王", "美团")]
    assert notices[0]["message"].startswith("小王您好，您之前提到的“上菜太慢了”，我们已经加了一位厨师")
    assert all(set(n) >= {"feedback_id", "author", "channel", "created_at", "text", "message"} for n in notices)


def test_reply_template_from_the_cli(tmp_path):
    env = {"CXDESK_DB": str(tmp_path / "shop.db")}
    out = run_cli("cases", "template", "上菜速度", "--set", "关于{words}，我们加了厨师。", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["上菜速度"]["zh"] == "关于{words}，我们加了厨师。"
    out = run_cli("cases", "template", "上菜速度", "--set", "", "--json", env=env)
    assert json.loads(out.stdout)["上菜速度"]["zh"].startswith("您提到“{words}”")
    out = run_cli("cases", "template", "--set", "x", env=env)
    assert out.returncode == 1 and "Traceback" not in out.stderr
