"""Every visible string has a zh_CN translation, and the compiled catalog matches the sources."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_catalogs_complete_and_current():
    pytest.importorskip("babel")
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import i18n as tool
    finally:
        sys.path.pop(0)
    problems = tool.problems()
    assert problems == [], "\n".join(problems[:30])


def test_language_switch():
    from cxdesk.i18n import _, set_language

    assert set_language("en") == "en"
    assert _("Cancelled; nothing was changed.") == "Cancelled; nothing was changed."
    assert set_language("zh-CN") == "zh_CN"
    assert _("Cancelled; nothing was changed.") == "已取消，没有做任何更改。"
