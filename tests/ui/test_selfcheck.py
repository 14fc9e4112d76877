"""`cxdesk --self-check` and `--version`: every step runs for real; a failed step exits non-zero, a slow one only warns."""

from __future__ import annotations

import pytest

from cxdesk import selfcheck
from cxdesk.cli import main


def _run(capsys) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = selfcheck.run_self_check(lines.append)
    return code, lines


def _status(lines: list[str], name: str) -> str:
    found = [line.split()[0] for line in lines if line[5:].startswith(name)]
    assert found, f"no line for {name!r} in {lines}"
    return found[0]


def test_every_step_passes_and_a_slow_window_is_only_a_warning(qapp, capsys, monkeypatch):
    monkeypatch.setattr(selfcheck, "SLOW_WINDOW_S", 0.0)   # any real start is now "slow"
    code, lines = _run(capsys)
    assert code == 0, "\n".join(lines)
    for name in ("versions", "sentiment model", "import GBK CSV and xlsx", "analysis", "action evaluation",
                 "Excel report", "PDF report", "main window", "every screen"):
        assert _status(lines, name) == "OK"
    walked = next(line for line in lines if line.startswith("OK   every screen"))
    for key in ("dashboard", "feedback", "topics", "cases", "board", "evaluation", "reports"):
        assert key in walked
    assert any(line.startswith("WARN the main window took") for line in lines)
    assert lines[-1].startswith("self-check passed with")


def test_a_failed_step_exits_non_zero_and_skips_what_depends_on_it(qapp, capsys, monkeypatch):
    def broken_import(self):
        raise OSError("disk full")

    monkeypatch.setattr(selfcheck._Checks, "imports", broken_import)
    code, lines = _run(capsys)
    assert code == 1
    assert _status(lines, "import GBK CSV and xlsx") == "FAIL"
    for name in ("analysis", "action evaluation", "Excel report", "PDF report"):
        assert _status(lines, name) == "SKIP"
    assert _status(lines, "main window") == "OK"
    assert lines[-1] == "self-check FAILED: 5 step(s)"


def test_a_failed_pdf_export_fails_the_command(qapp, capsys, monkeypatch):
    from cxdesk.render import pdf

    def no_pdf(html, path, *, title=""):
        path.write_bytes(b"<html>not a pdf</html>")
        return path

    monkeypatch.setattr(pdf, "html_to_pdf", no_pdf)
    assert main(["--self-check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL PDF report" in out and "not a PDF" in out


def test_a_screen_that_cannot_be_built_fails_the_walk(qapp, capsys, monkeypatch):
    from cxdesk.ui import main_window, screens

    def missing():
        raise ImportError("No module named 'pyqtgraph'")   # what a bundle without pyqtgraph would raise

    broken = tuple(screens.ScreenSpec(s.key, s.label, missing) if s.key == "dashboard" else s
                   for s in screens.SCREENS)
    monkeypatch.setattr(main_window, "SCREENS", broken)
    code, lines = _run(capsys)
    assert code == 1
    assert _status(lines, "main window") == "OK"
    failed = next(line for line in lines if line.startswith("FAIL every screen"))
    assert "screen dashboard could not be built" in failed
    assert "No module named 'pyqtgraph'" in failed   # says why, not only that
    assert lines[-1] == "self-check FAILED: 1 step(s)"


@pytest.mark.parametrize("flag", ["--version"])
def test_version_comes_from_the_package(flag, capsys):
    from cxdesk import __version__

    with pytest.raises(SystemExit) as exit_info:
        main([flag])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"cxdesk {__version__}"


def test_about_box_shows_the_package_version(qtbot):
    from PySide6.QtWidgets import QLabel

    from cxdesk import __version__
    from cxdesk.ui.about import AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert any(f"cxdesk {__version__}" in text for text in texts), texts
