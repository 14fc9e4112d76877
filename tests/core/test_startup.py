"""Start-up without a display or with a missing system library: one sentence, exit code 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cxdesk.startup import display_problem, import_problem, package_for



def test_no_display_on_linux_says_what_to_do():
    text = display_problem({}, [], platform="linux", can_load=lambda n: True)
    assert text and "DISPLAY" in text and "cxdesk --help" in text


def test_offscreen_wayland_and_other_systems_pass():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, [], platform="linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, [], platform="linux") is None
    assert display_problem({}, [], platform="win32") is None
    assert display_problem({}, [], platform="darwin") is None
    assert display_problem({"DISPLAY": ":0"}, [], platform="linux", can_load=lambda n: True) is None


def test_missing_libraries_name_the_packages():
    missing = {"libEGL.so.1", "libxcb-cursor.so.0"}
    text = display_problem({"DISPLAY": ":0"}, [], platform="linux", can_load=lambda n: n not in missing)
    assert "libegl1 libxcb-cursor0" in text


def test_import_error_names_the_package():
    text = import_problem(ImportError("libEGL.so.1: cannot open shared object file: No such file or directory"))
    if sys.platform.startswith("linux"):
        assert "libegl1" in text
    assert package_for("libxkbcommon.so.0") == "libxkbcommon0"
    assert package_for("libfoo_bar.so.2") == "libfoo-bar"


def test_window_without_display_exits_1_with_one_sentence(tmp_path):
    if not sys.platform.startswith("linux"):
        return
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["CXDESK_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run([sys.executable, "-m", "cxdesk", "--db", str(tmp_path / "x.db"), "--lang", "en"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no display" in lines[0]
    assert "Traceback" not in proc.stderr and "plugin" not in proc.stderr


def test_demo_never_replaces_the_owners_database(db, tmp_path, capsys):
    import csv

    from cxdesk.cli import main
    from cxdesk.core.importers import import_file, sniff_file
    from cxdesk.core.storage import db_path_of

    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["时间", "内容"], ["2024-03-01", "很好"]])
    import_file(db, sniff_file(path))
    target = db_path_of(db)
    env_before = dict(os.environ)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        assert main(["--demo", "--db", str(target), "--lang", "en"]) == 1
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    err = capsys.readouterr().err
    assert "already holds your feedback" in err
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1


def test_demo_database_is_marked(tmp_path):
    from cxdesk.core.demo import create_demo_db, is_demo_db
    from cxdesk.core.storage import open_db

    path = create_demo_db(tmp_path / "d.db")
    db = open_db(path)
    try:
        assert is_demo_db(db)
    finally:
        db.close()
    other = open_db(tmp_path / "o.db")
    try:
        assert not is_demo_db(other)
    finally:
        other.close()
