"""`cxdesk action ...` and `cxdesk evaluate` from the command line, in a fresh interpreter."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from eval_data import LIVE, plant


def _db_with_data(path):
    from cxdesk.core.storage import open_db

    db = open_db(path)
    plant(db, 3, n_before=800, n_after=800, p_before=0.1, p_after=0.04)
    db.close()


def test_action_lifecycle_and_evaluate(tmp_path):
    path = tmp_path / "shop.db"
    _db_with_data(path)
    env = {"CXDESK_DB": str(path)}
    out = run_cli("action", "add", "--title", "换快递公司", "--topic", "物流", "--owner", "小王", env=env)
    assert out.returncode == 0, out.stderr
    aid = int(out.stdout.strip())

    out = run_cli("action", "move", str(aid), "已上线", "--date", LIVE.isoformat(), env=env)
    assert out.returncode == 0, out.stderr
    assert "已上线" in out.stdout and LIVE.isoformat() in out.stdout

    out = run_cli("action", "list", "--json", env=env)
    data = json.loads(out.stdout)
    assert [(a["id"], a["status"], a["topics"], a["live_date"]) for a in data] == [
        (aid, "live", ["物流"], LIVE.isoformat())]

    out = run_cli("evaluate", str(aid), "--json", env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["verdict"] == "improved"
    assert result["before"]["total"] == 800 and result["after"]["total"] == 800
    assert result["ci95"][0] < result["difference"] < result["ci95"][1] < 0
    assert -1 < result["did"]["relative_ci95"][0] < result["did"]["relative_ci95"][1] < 0
    assert result["metric"] == "关于物流的差评 占全部反馈" and result["verdict_name"] == "有改善"

    out = run_cli("evaluate", str(aid), "--window", "14", "--lag", "7", env=env)
    assert out.returncode == 0, out.stderr
    assert "指标：关于物流的差评 占全部反馈" in out.stdout and "下一步：" in out.stdout
    assert "有 95% 的把握，变化在 −" in out.stdout

    out = run_cli("action", "move", str(aid), "evaluated", "--lang", "en", env=env)
    assert "Evaluated" in out.stdout
    out = run_cli("action", "show", str(aid), env=env)
    assert "已评估" in out.stdout and "有改善" in out.stdout and "变更记录" in out.stdout

    out = run_cli("action", "undo", str(aid), env=env)
    assert out.returncode == 0
    out = run_cli("action", "show", str(aid), "--json", env=env)
    assert json.loads(out.stdout)["status"] == "live"

    out = run_cli("action", "edit", str(aid), "--owner", "老李", "--live-date", "2024-06-03", env=env)
    assert out.returncode == 0, out.stderr
    shown = json.loads(run_cli("action", "show", str(aid), "--json", env=env).stdout)
    assert (shown["owner"], shown["live_date"]) == ("老李", "2024-06-03")
    assert [h["field"] for h in shown["history"]][-2:] == ["owner", "live_date"]


def test_bad_input_gives_one_sentence(tmp_path):
    path = tmp_path / "shop.db"
    _db_with_data(path)
    env = {"CXDESK_DB": str(path)}
    out = run_cli("action", "add", "--title", "x", "--topic", "不存在", env=env)
    assert out.returncode == 1 and "不存在" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("action", "move", "77", "live", env=env)
    assert out.returncode == 1 and "77" in out.stderr
    aid = run_cli("action", "add", "--title", "x", "--topic", "物流", env=env).stdout.strip()
    out = run_cli("action", "move", aid, "完成了吗", env=env)
    assert out.returncode == 1 and "完成了吗" in out.stderr and "已上线" in out.stderr
    out = run_cli("evaluate", aid, env=env)
    assert out.returncode == 1 and "上线日期" in out.stderr
    out = run_cli("action", "add", "--title", "x", "--topic", "物流", "--live-date", "2024-02-30", env=env)
    assert out.returncode == 1 and "2024-02-30" in out.stderr
    # An idea may lack a topic and a keyword (a warning); going live needs one (one sentence).
    out = run_cli("action", "add", "--title", "想法", env=env)
    assert out.returncode == 0 and "无法评估效果" in out.stderr
    out = run_cli("action", "move", out.stdout.strip(), "live", env=env)
    assert out.returncode == 1 and "主题或关键词" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("action", "add", "--title", "少放盐", "--keyword", "咸", "--live-date", "2024-06-01", env=env)
    assert out.returncode == 0 and not out.stderr


def test_evaluate_while_the_after_period_is_empty_shows_no_changes(tmp_path):
    from cxdesk.core.storage import open_db

    path = tmp_path / "shop.db"
    _db_with_data(path)
    db = open_db(path)
    db.execute("DELETE FROM feedback WHERE created_at >= ?", [f"{LIVE} 00:00:00"])
    db.close()
    env = {"CXDESK_DB": str(path)}
    aid = run_cli("action", "add", "--title", "换快递", "--topic", "物流", "--live-date", LIVE.isoformat(),
                  env=env).stdout.strip()
    out = run_cli("evaluate", aid, env=env)
    assert out.returncode == 0, out.stderr
    assert "数据不足" in out.stdout and "还没有反馈" in out.stdout
    assert "变化：" not in out.stdout and "−800" not in out.stdout and "百分点之间" not in out.stdout
    assert "下一步：" in out.stdout
    data = json.loads(run_cli("evaluate", aid, "--json", env=env).stdout)
    assert data["difference"] is None and data["did"] is None and data["after"]["total"] == 0
