"""The data commands from a terminal: import, sources, undo-import, stats, with --db/--lang anywhere."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from test_import_fixtures import REF, ROWS, write_csv, write_xlsx

NO_ANALYZE = "--no-analyze"


def test_import_json_and_options_after_the_command(tmp_path):
    db = tmp_path / "shop.db"
    path = write_xlsx(tmp_path / "评价.xlsx", title=["店铺评价导出"])
    out = run_cli("import", str(path), "--db", str(db), "--json", "--reference-time", REF.isoformat(), NO_ANALYZE)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["file"] == "评价.xlsx" and data["file_type"] == "xlsx" and data["sheet"] == "评价"
    assert data["header_row"] == 1 and data["encoding"] is None
    assert data["mapping"] == {"text": "评论内容", "time": "评价时间", "rating": "评分", "channel": "渠道",
                               "author": "用户昵称", "id": "评论ID"}
    assert (data["rows_read"], data["imported"], data["duplicates"], data["rejected"]) == (4, 4, 0, [])
    assert isinstance(data["source_id"], int)

    again = run_cli("--db", str(db), "import", str(path), "--json")
    data2 = json.loads(again.stdout)
    assert data2["already_imported"] and data2["imported"] == 0


def test_import_text_output_in_both_languages(tmp_path):
    db = tmp_path / "shop.db"
    rows = ROWS + [["坏时间", "下辈子", "3", "淘宝", "某人", "A9"]]
    path = write_csv(tmp_path / "a.csv", rows=rows)
    zh = run_cli("--db", str(db), "import", str(path), "--dry-run", NO_ANALYZE)
    assert zh.returncode == 0, zh.stderr
    # The unreadable time leaves that review undated; it is listed, not rejected.
    assert "试运行" in zh.stdout and "未导入 0 行" in zh.stdout and "下辈子" in zh.stdout
    en = run_cli("import", str(path), "--lang", "en", "--db", str(db), NO_ANALYZE)
    assert "5 new" in en.stdout and "0 rejected" in en.stdout and "Row 6" in en.stdout and "kept" in en.stdout
    en_env = run_cli("--db", str(db), "sources", env={"CXDESK_LANG": "en"})
    assert "a.csv" in en_env.stdout and "imported" in en_env.stdout


def test_map_sources_undo_and_stats(tmp_path):
    db = tmp_path / "shop.db"
    path = write_csv(tmp_path / "a.csv", header=["内容", "备注", "日期"],
                     rows=[["好吃", "抖音", "2024-03-01"], ["难吃", "美团", "2024-04-02"], ["一般", "美团", "2024-04-03"]])
    out = run_cli("--db", str(db), "import", str(path), "--map", "channel=备注", "--map", "time=3", "--json",
                  NO_ANALYZE)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["mapping"] == {"text": "内容", "channel": "备注", "time": "日期"}

    stats = json.loads(run_cli("--db", str(db), "stats", "--json").stdout)
    assert stats["total"] == 3
    assert stats["by_channel"] == {"美团": 2, "抖音": 1}
    assert stats["by_month"] == {"2024-03": 1, "2024-04": 2}

    sources = json.loads(run_cli("--db", str(db), "sources", "--json").stdout)
    assert [(s["id"], s["file_name"], s["live_rows"]) for s in sources] == [(data["source_id"], "a.csv", 3)]

    undo = run_cli("--db", str(db), "undo-import", str(data["source_id"]))
    assert undo.returncode == 0 and "3" in undo.stdout
    assert json.loads(run_cli("--db", str(db), "stats", "--json").stdout)["total"] == 0
    twice = run_cli("--db", str(db), "undo-import", str(data["source_id"]))
    assert twice.returncode == 1 and "撤销过" in twice.stderr and "Traceback" not in twice.stderr


def test_unusable_input_one_sentence_nonzero(tmp_path):
    db = tmp_path / "shop.db"
    (tmp_path / "空.csv").write_bytes(b"")
    cases = [
        (tmp_path / "空.csv", "空"),
        (tmp_path / "没有.xlsx", "不存在"),
    ]
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04garbage")
    cases.append((bad, "损坏"))
    for path, word in cases:
        out = run_cli("--db", str(db), "import", str(path))
        assert out.returncode == 1
        assert path.name in out.stderr and word in out.stderr
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    # Wrong usage (README: exit 2), one sentence each, nothing imported.
    csv_path = write_csv(tmp_path / "a.csv")
    for args, words in ((["--map", "colour=评分"], ["--map", "colour"]),
                        (["--header-row", "-1"], ["--header-row", "-1"]),
                        (["--map", "text=1", "--map", "time=1"], ["text", "time", "一列只能有一个角色"]),
                        (["--map", "text=1", "--map", "text=2"], ["text"])):
        out = run_cli("--db", str(db), "import", str(csv_path), *args)
        assert out.returncode == 2, (args, out.stderr)
        assert all(w in out.stderr for w in words), out.stderr
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "a.csv" not in run_cli("--db", str(db), "sources").stdout
    out = run_cli("--db", str(db), "import", str(write_csv(tmp_path / "b.csv")), "--reference-time", "昨天")
    assert out.returncode == 1 and "昨天" in out.stderr


def test_output_into_a_closed_pipe_stops_quietly(tmp_path):
    """`cxdesk stats | head -1`: the reader leaves early; no "something went wrong", no traceback."""
    import os
    import subprocess
    import sys

    db = tmp_path / "shop.db"
    assert run_cli("--db", str(db), "import", str(write_csv(tmp_path / "a.csv")), "--reference-time",
                   REF.isoformat()).returncode == 0
    env = dict(os.environ, CXDESK_DB=str(db), CXDESK_LANG="en")
    proc = subprocess.Popen([sys.executable, "-m", "cxdesk", "stats"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdout.close()          # nobody reads the output
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "went wrong" not in err
