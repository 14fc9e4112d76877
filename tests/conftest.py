"""Shared test set-up: Qt offscreen, settings and data folders isolated per test, slow marker."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CXDESK_LANG", "zh_CN")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False, help="run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow") or os.environ.get("CXDESK_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_data(tmp_path, monkeypatch):
    """Every test gets its own data folder, database and settings; nothing touches the real ones."""
    data = tmp_path / "cxdesk-data"
    data.mkdir()
    monkeypatch.setenv("CXDESK_DATA_DIR", str(data))
    monkeypatch.setenv("CXDESK_DB", str(data / "test.db"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    from cxdesk.i18n import set_language

    set_language("zh_CN")
    yield
    set_language("zh_CN")


@pytest.fixture
def db(tmp_path):
    """A fresh, migrated database file."""
    from cxdesk.core.storage import open_db

    database = open_db(tmp_path / "shop.db")
    yield database
    database.close()


@pytest.fixture
def shared_data():
    """The public labelled data beside the repo, when present (benchmarks); tests skip without it."""
    if not SHARED_DATA.exists():
        pytest.skip("public sample data not present")
    return SHARED_DATA


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None):
    """Run `python -m cxdesk ...` in a fresh interpreter; returns CompletedProcess (text)."""
    import subprocess

    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("PYTHONIOENCODING", "utf-8")
    return subprocess.run([sys.executable, "-m", "cxdesk", *args], capture_output=True, text=True,
                          encoding="utf-8", env=full_env, cwd=cwd, timeout=300)
