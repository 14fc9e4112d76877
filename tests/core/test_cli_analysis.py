"""`cxdesk analyze`, `cxdesk topics` and `cxdesk learn` from the command line."""

from __future__ import annotations

import json

from cxdesk.core.storage import open_db
from tests.conftest import run_cli
from tests.core.test_topics import add_rows


def make_db(path, texts):
    db = open_db(path)
    add_rows(db, texts)
    db.close()
    return str(path)


def test_analyze_then_topics_json(tmp_path):
    path = make_db(tmp_path / "shop.db", ["菜很好吃但是服务太慢", "服务员态度很差", "价格实惠，味道不错", "上菜太慢了"])
    out = run_cli("analyze", "--json", "--db", path)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["scored"] == 4 and result["skipped"] == 0 and result["topics_assigned"] >= 5

    out = run_cli("--db", path, "analyze")
    assert out.returncode == 0 and "4" in out.stdout and "最新" in out.stdout   # nothing left to do, in Chinese

    out = run_cli("topics", "--json", "--db", path)
    assert out.returncode == 0, out.stderr
    stats = {s["topic"]: s for s in json.loads(out.stdout)}
    assert stats["服务"]["mentions"] == 2 and stats["服务"]["negative"] == 2 and stats["服务"]["negative_share"] == 1.0
    assert stats["味道"]["mentions"] == 2 and stats["味道"]["negative"] == 0
    assert isinstance(stats["服务"]["keywords"], list) and "价钱" in stats["价格"]["synonyms"]

    out = run_cli("topics", "--db", path, "--lang", "en")      # the table, in English
    assert out.returncode == 0 and out.stdout.splitlines()[0].split()[:2] == ["Topic", "Mentions"]
    assert "100%" in out.stdout


def test_topic_edits_and_errors(tmp_path):
    path = make_db(tmp_path / "shop.db", ["停车很难，车位太少", "菜好吃"])
    out = run_cli("topics", "--db", path, "--add", "停车", "--words", "车位,停车场")
    assert out.returncode == 0, out.stderr
    assert "停车" in out.stdout and "已分析 2 条评价" in out.stdout
    out = run_cli("topics", "--db", path, "--examples", "停车", "--json")
    assert [e["text"] for e in json.loads(out.stdout)] == ["停车很难，车位太少"]



def test_cli_errors_are_one_sentence(tmp_path, capsys):
    from cxdesk.cli import main

    path = make_db(tmp_path / "shop.db", ["菜好吃"])
    assert main(["topics", "--db", path, "--rename", "不存在的话题", "新名字"]) == 1
    assert capsys.readouterr().err.strip() == "没有名为“不存在的话题”的主题。"
    assert main(["topics", "--db", path, "--install", "宠物店"]) == 1
    err = capsys.readouterr().err
    assert "宠物店" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["topics", "--db", path, "--from", "2024-13-01"]) == 1
    assert "2024-13-01" in capsys.readouterr().err
    assert main(["topics", "--db", path, "--merge", "价格"]) == 1
    assert "--into" in capsys.readouterr().err


def test_learn_needs_enough_labels(tmp_path):
    path = make_db(tmp_path / "shop.db", ["好吃", "难吃"])
    out = run_cli("learn", "--db", path, "--json")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and out.stderr.strip()


def test_learn_from_ratings_then_analyze_again(tmp_path):
    db = open_db(tmp_path / "shop.db")
    ids = add_rows(db, [f"第{i}次来，菜很好吃，服务也好" for i in range(60)] + [f"第{i}次来，太难吃了，服务很差" for i in range(60)])
    with db.atomic():
        for i, fid in enumerate(ids):
            db.execute("UPDATE feedback SET rating = ? WHERE id = ?", [5 if i < 60 else 1, fid])
    db.close()
    out = run_cli("learn", "--db", str(tmp_path / "shop.db"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["learn"]["n_positive"] == 60 and data["learn"]["n_negative"] == 60
    assert data["analysis"]["scored"] == 120
    if data["learn"]["kept"]:
        assert data["learn"]["adapter_version"] in data["analysis"]["version"]
