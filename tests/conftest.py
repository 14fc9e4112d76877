"""Shared test set-up: Qt offscreen, settings and data folders isolated per test, slow marker."""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=1)
def has_cjk_font() -> bool:
    """Whether Qt finds a font that can write Chinese here (asked in a fresh process, Qt offscreen).

    Windows and macOS always have one; a bare Linux machine may not, and then a PDF of Chinese text
    would be blank, so cxdesk refuses to write it and the tests that read PDF text skip.
    """
    import subprocess

    probe = ("from PySide6.QtGui import QGuiApplication; app = QGuiApplication([]); "
             "from cxdesk.render.pdf import cjk_font_family; print(cjk_font_family() or '')")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    return bool(out.stdout.strip())


@pytest.fixture
def cjk_font():
    """Skip a test that reads Chinese text back from a PDF when no Chinese font is installed."""
    if not has_cjk_font():
        pytest.skip("no font that can write Chinese is installed (e.g. apt-get install fonts-wqy-microhei)")


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None):
    """Run `python -m cxdesk ...` in a fresh interpreter; returns CompletedProcess (text)."""
    import subprocess

    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("PYTHONIOENCODING", "utf-8")
    return subprocess.run([sys.executable, "-m", "cxdesk", *args], capture_output=True, text=True,
                          encoding="utf-8", env=full_env, cwd=cwd, timeout=300)
