"""The main window: first-run panel, navigation, status bar, menus, databases, drag-and-drop, state."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def make_csv(path: Path, n: int = 5) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["时间", "评分", "内容"])
        for i in range(n):
            w.writerow([f"2024-03-{i % 28 + 1:02d} 12:00", "4", f"环境不错，第{i}次"])
    return path


def seed(ctx, n: int = 5) -> None:
    from cxdesk.core.importers import import_file, sniff_file
    from cxdesk.core.storage import open_db

    db = open_db(ctx.db_path)
    try:
        import_file(db, sniff_file(make_csv(ctx.db_path.parent / f"seed{n}.csv", n)))
    finally:
        db.close()


@pytest.fixture
def window(qtbot, ctx):
    from cxdesk.ui.main_window import MainWindow

    win = MainWindow(ctx)
    win.confirm_quit = False  # a modal question would block the test run
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.status_refreshed, timeout=10000):
        win.show()
    yield win
    if win.wizard is not None:
        win.wizard._generation += 1
        win.wizard.reject()


def drop_file(win, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(win.width() / 2, win.height() / 2)
    with warnings.catch_warnings():  # PySide6 marks the QPoint constructor deprecated but offers no other
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(win, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(win, drop)
    assert drop.isAccepted()


def test_empty_database_shows_first_run_panel(window):
    assert window.row_count == 0
    assert window.stack.currentWidget() is window.welcome
    assert window.welcome.import_button.isVisible()
    assert window.welcome.demo_button.isVisibleTo(window)
    assert window.rows_label.text().replace("共", "").strip() == "0 条"
    assert str(window.ctx.db_path) == window.path_label.text()


# Every screen of the window in navigation order, with the class that must draw it: written out here,
# not derived from the code, so a screen dropped from the list or from a build fails these tests.
SCREEN_CLASSES = {"dashboard": ("cxdesk.ui.trends_screen", "TrendsScreen"),
                  "feedback": ("cxdesk.ui.feedback_screen", "FeedbackScreen"),
                  "topics": ("cxdesk.ui.topics_screen", "TopicsScreen"),
                  "cases": ("cxdesk.ui.cases_screen", "CasesScreen"),
                  "board": ("cxdesk.ui.board_screen", "BoardScreen"),
                  "evaluation": ("cxdesk.ui.evaluation_screen", "EvaluationScreen"),
                  "reports": ("cxdesk.ui.report_screen", "ReportScreen")}


def test_navigation_lists_every_screen(window):
    expected = ["dashboard", "feedback", "topics", "cases", "board", "evaluation", "reports"]
    assert list(SCREEN_CLASSES) == expected
    assert window.screen_keys() == expected
    labels = {"dashboard": "概览", "feedback": "反馈", "topics": "主题", "cases": "客户跟进", "board": "改进看板",
              "reports": "报告", "evaluation": "效果评估"}
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == [labels[k] for k in expected]
    # The platform adds the app name to a title that does not end with it: say it once, last.
    assert window.windowTitle() == "shop — cxdesk"


def test_status_and_screens_after_data_arrives(qtbot, ctx, window):
    seed(ctx, 7)
    with qtbot.waitSignal(window.status_refreshed, timeout=10000) as blocker:
        ctx.notify(__import__("cxdesk.core.changes", fromlist=["Changes"]).Changes(feedback=True))
    assert blocker.args[0] == 7
    assert window.rows_label.text().replace("共", "").strip() == "7 条"
    assert window.analysis_label.text() == "7 条待分析"
    assert window.analyze_button.isVisibleTo(window)
    from cxdesk.ui.trends_screen import TrendsScreen

    window.show_screen("dashboard")
    assert isinstance(window.screens["dashboard"], TrendsScreen)
    assert window.stack.currentWidget() is window.screens["dashboard"]


def test_rows_left_out_of_the_search_index_are_indexed_in_the_background(qtbot, ctx, monkeypatch):
    from cxdesk.core import search
    from cxdesk.core.storage import open_db
    from cxdesk.ui import context
    from cxdesk.ui.main_window import MainWindow

    monkeypatch.setattr(context, "SEARCH_INDEX_BATCH", 3)   # one task per 3 rows: saves wait less
    seed(ctx, 7)                                            # as `cxdesk import` leaves them
    tasks = []
    ctx.tasks.task_started.connect(lambda t: tasks.append(t) if "搜索索引" in t.title else None)
    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    win.show()
    db = open_db(ctx.db_path)
    try:
        qtbot.waitUntil(lambda: search.backlog_size(db) == 0, timeout=20000)
    finally:
        db.close()
    qtbot.waitUntil(lambda: ctx.index_task is None, timeout=10000)   # the last step found none left
    assert len(tasks) == 3                                  # 3 + 3 + 1 rows, a task each
    qtbot.waitUntil(lambda: all(t.done.is_set() for t in tasks), timeout=10000)


def test_every_screen_is_built_by_its_own_class(qtbot, ctx, window):
    """A screen whose module is missing from a build, or fails to import, shows the error page instead."""
    import importlib

    from cxdesk.ui.main_window import ScreenErrorPage

    from cxdesk.core.changes import Changes

    seed(ctx, 3)
    with qtbot.waitSignal(window.status_refreshed, timeout=10000):
        ctx.notify(Changes(feedback=True))
    assert window.row_count == 3
    for key, (module, name) in SCREEN_CLASSES.items():
        cls = getattr(importlib.import_module(module), name)
        widget = window.show_screen(key)
        assert not isinstance(widget, ScreenErrorPage), key
        assert type(widget) is cls, key
        assert window.stack.currentWidget() is widget


def test_open_feedback_request_switches_screen(qtbot, ctx, window):
    from cxdesk.core.filters import FeedbackFilter
    from cxdesk.ui.feedback_screen import FeedbackScreen

    seed(ctx, 3)
    with qtbot.waitSignal(window.screen_shown, timeout=5000) as blocker:
        ctx.open_feedback_requested.emit(FeedbackFilter(sources=(1,)))
    assert blocker.args == ["feedback"]
    assert isinstance(window.screens["feedback"], FeedbackScreen)
    assert window.stack.currentWidget() is window.screens["feedback"]


def test_drag_and_drop_opens_wizard(qtbot, window, tmp_path):
    path = make_csv(tmp_path / "拖进来.csv")
    with qtbot.waitSignal(window.wizard_opened, timeout=5000) as blocker:
        drop_file(window, path)
    wizard = blocker.args[0]
    assert wizard.path == path and wizard.isVisible()
    with qtbot.waitSignal(wizard.preview_ready, timeout=15000):
        pass
    assert wizard.plan.columns == ["时间", "评分", "内容"]


def test_dropping_excel_lock_file_explains(qtbot, window, tmp_path):
    lock = tmp_path / "~$报表.xlsx"
    lock.write_bytes(b"owner")
    drop_file(window, lock)
    qtbot.waitUntil(lambda: window.message_bar.kind == "warning", timeout=3000)
    assert "~$" in window.message_bar.text()
    assert window.wizard is None


def test_import_through_menu_updates_window(qtbot, ctx, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    path = make_csv(tmp_path / "菜单导入.csv", 4)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    with qtbot.waitSignal(window.wizard_opened, timeout=5000) as blocker:
        window.import_action.trigger()
    wizard = blocker.args[0]
    wizard.analyze_check.setChecked(False)
    with qtbot.waitSignal(wizard.preview_ready, timeout=15000):
        pass
    with qtbot.waitSignal(window.status_refreshed, timeout=30000) as status:
        wizard.start_import()
    assert status.args[0] == 4
    qtbot.waitUntil(lambda: window.stack.currentWidget() is not window.welcome or not window.screen_keys(),
                    timeout=5000)
    from cxdesk.ui import settings

    assert settings.get(settings.LAST_FOLDER) == str(tmp_path)


def test_undo_redo_actions_follow_the_stack(window):
    from PySide6.QtGui import QKeySequence, QUndoCommand

    assert window.undo_action.shortcut() == QKeySequence.keyBindings(QKeySequence.Undo)[0]
    assert QKeySequence("Ctrl+Shift+Z") in window.redo_action.shortcuts()
    assert not window.undo_action.isEnabled()
    done = []

    class Cmd(QUndoCommand):
        def redo(self):
            done.append("redo")

        def undo(self):
            done.append("undo")

    window.ctx.undo_stack.push(Cmd("改标签"))
    assert window.undo_action.isEnabled() and "改标签" in window.undo_action.text()
    window.undo_action.trigger()
    window.redo_action.trigger()
    assert done == ["redo", "undo", "redo"]


def test_open_and_new_database(qtbot, ctx, window, tmp_path):
    from cxdesk.ui import settings

    other = tmp_path / "分店.db"
    with qtbot.waitSignal(ctx.database_changed, timeout=5000):
        assert window.open_database(other, create=True)
    assert ctx.db_path == other and window.path_label.text() == str(other)
    assert settings.get(settings.RECENT_DATABASES)[0] == str(other)
    window._fill_recent_menu()
    assert [a.text() for a in window.recent_menu.actions()][0] == str(other)

    broken = tmp_path / "坏的.db"
    broken.write_bytes(b"this is not sqlite" * 100)
    assert not window.open_database(broken)
    assert window.message_bar.kind == "error" and ctx.db_path == other


def test_database_lock_refuses_second_window(tmp_path):
    from cxdesk.ui.instance_lock import DatabaseLock

    first, second = DatabaseLock(), DatabaseLock()
    path = tmp_path / "店.db"
    assert first.acquire(path)
    assert not second.acquire(path)
    assert second.acquire(tmp_path / "另一家.db")
    first.release()
    assert second.switch_to(path)
    second.release()


def test_backup_writes_a_copy(qtbot, ctx, window, tmp_path):
    seed(ctx, 2)
    target = tmp_path / "备份.db"
    task = window.backup(target)
    with qtbot.waitSignal(task.signals.ended, timeout=10000):
        pass
    assert target.exists() and target.stat().st_size > 0
    assert window.message_bar.kind == "success" and str(target) in window.message_bar.text()
    import sqlite3

    assert sqlite3.connect(target).execute("SELECT count(*) FROM feedback").fetchone()[0] == 2


def test_geometry_and_splitter_remembered(qtbot, ctx):
    from cxdesk.ui.main_window import MainWindow

    first = MainWindow(ctx)
    qtbot.addWidget(first)
    first.show()
    first.resize(720, 520)
    first.splitter.setSizes([210, 510])
    sizes = first.splitter.sizes()
    first.close()
    second = MainWindow(ctx)
    qtbot.addWidget(second)
    second.show()
    assert second.size().width() == 720 and second.size().height() == 520
    assert second.splitter.sizes()[0] == sizes[0]
    second.close()


def test_settings_dialog_saves_language(qtbot, window, monkeypatch):
    from cxdesk.ui import settings
    from cxdesk.ui.app import choose_language
    from cxdesk.ui.window_parts import SettingsDialog

    dialog = SettingsDialog(window)
    qtbot.addWidget(dialog)
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("en"))
    dialog.accept()
    assert settings.get(settings.LANGUAGE) == "en"
    monkeypatch.delenv("CXDESK_LANG", raising=False)
    assert choose_language([]) == "en"
    assert choose_language(["--lang", "zh_CN"]) == "zh_CN"
    monkeypatch.setenv("CXDESK_LANG", "zh_CN")
    assert choose_language([]) == "zh_CN"


def test_qt_translation_installed(qapp):
    from PySide6.QtWidgets import QDialogButtonBox

    from cxdesk.ui.app import install_qt_translations

    assert install_qt_translations(qapp, "zh_CN")
    box = QDialogButtonBox(QDialogButtonBox.Cancel)
    assert box.button(QDialogButtonBox.Cancel).text() == "取消"
    install_qt_translations(qapp, "en")
    box = QDialogButtonBox(QDialogButtonBox.Cancel)
    assert box.button(QDialogButtonBox.Cancel).text() == "Cancel"


def test_about_lists_components(qtbot, window):
    from cxdesk import __version__
    from cxdesk.ui.about import AboutDialog

    dialog = AboutDialog(window)
    qtbot.addWidget(dialog)
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert any("PySide6" in n for n in names) and "jieba" in names
    assert all(dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount()))
    from PySide6.QtWidgets import QLabel

    assert any(__version__ in label.text() for label in dialog.findChildren(QLabel))


def test_broken_screen_does_not_take_window_down(qtbot, ctx, monkeypatch):
    import sys
    import types

    from cxdesk.ui import main_window as mw

    module = types.ModuleType("cxdesk.ui._broken_screen")

    class BrokenScreen:  # noqa: D401 - raises like a screen with a bug would
        def __init__(self, ctx, parent=None):
            raise RuntimeError("boom")

    module.BrokenScreen = BrokenScreen
    monkeypatch.setitem(sys.modules, "cxdesk.ui._broken_screen", module)
    from cxdesk.ui.screens import ScreenSpec

    monkeypatch.setattr(mw, "SCREENS", (ScreenSpec("broken", "Reports", lambda: BrokenScreen),))
    win = mw.MainWindow(ctx)
    qtbot.addWidget(win)
    seed(ctx, 1)
    win.row_count = 1
    widget = win.show_screen("broken")
    assert isinstance(widget, mw.ScreenErrorPage)


def test_background_imports_show_screen_when_loaded(qtbot, ctx, caplog):
    from cxdesk.ui.main_window import MainWindow

    seed(ctx, 3)
    win = MainWindow(ctx, background_imports=True)
    win.confirm_quit = False
    qtbot.addWidget(win)
    assert win.screen_keys() == list(SCREEN_CLASSES)
    key = win.current_screen_key()
    with qtbot.waitSignal(win.screen_shown, timeout=30000, check_params_cb=lambda k: k in win.screens):
        win.show()
    assert win.stack.currentWidget() is win.screens[key]
    # The other screens and then the NLP models load in the background afterwards.
    with qtbot.waitSignal(win.loader.warmed, timeout=60000):
        pass
    assert win.loader.done == set(SCREEN_CLASSES)
    # A screen module that fails to import is logged by the loader (and drawn as an error page later).
    assert not [r.getMessage() for r in caplog.records if r.getMessage().startswith("background import of screen")]
    import sys

    assert "jieba" in sys.modules


def test_english_window(qtbot, ctx):
    from cxdesk.i18n import set_language
    from cxdesk.ui.main_window import MainWindow

    set_language("en")
    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    assert win.welcome.import_button.text() == "Import a file…"
    assert win.menuBar().actions()[0].text() == "&File"
    assert win.nav.item(0).text() == "Overview"


def test_palette_and_excepthook(qapp, monkeypatch, tmp_path):
    import logging
    import sys

    from PySide6.QtWidgets import QMessageBox

    from cxdesk.logs import log_path, setup_logging
    from cxdesk.ui import app as app_module

    assert app_module.apply_palette(qapp) in ("light", "dark")
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()) or 0)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(app_module, "threading", app_module.threading)
    setup_logging()
    app_module.install_excepthook()
    try:
        raise ValueError("secret detail")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert len(shown) == 1 and "secret detail" not in shown[0] and str(log_path()) in shown[0]
    for handler in logging.getLogger("cxdesk").handlers:
        handler.flush()
    if log_path().exists():
        assert "secret detail" in log_path().read_text(encoding="utf-8")


def test_demo_button_opens_demo_database(qtbot, ctx, window):
    with qtbot.waitSignal(ctx.database_changed, timeout=120000):
        qtbot.mouseClick(window.welcome.demo_button, Qt.LeftButton)
    assert ctx.db_path.name == "cxdesk-demo.db"
    with qtbot.waitSignal(window.status_refreshed, timeout=30000, check_params_cb=lambda total, pending: total > 0):
        window.refresh_status()
    assert window.stack.currentWidget() is not window.welcome


def test_cxdesk_command_opens_window(tmp_path, monkeypatch):
    """`cxdesk --db FILE` starts the real app (fresh interpreter) and shows a responsive window."""
    from tests.conftest import run_cli

    db = tmp_path / "命令行.db"
    proc = run_cli("--db", str(db), env={"CXDESK_STARTUP_PROBE": "1", "QT_QPA_PLATFORM": "offscreen",
                                          "CXDESK_DATA_DIR": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "CXDESK_RESPONSIVE" in proc.stdout
    assert db.exists()
    from cxdesk.ui import settings

    monkeypatch.setenv("CXDESK_DATA_DIR", str(tmp_path / "data"))
    assert settings.get(settings.RECENT_DATABASES)[0] == str(db)


def test_learn_from_ratings_and_back_to_the_shipped_model(qtbot, ctx, window):
    from cxdesk.core.analysis import learn
    from cxdesk.core.storage import open_db
    from tests.core.test_learn import add_rows, make_reviews

    db = open_db(ctx.db_path)
    add_rows(db, make_reviews(160, 140))
    db.close()
    window.confirm_learn = False
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    analysis_menu = next(m for t, m in menus.items() if t.startswith("分析"))
    assert window.learn_action in analysis_menu.actions()
    window.learn_action.trigger()
    task = window._learn_task
    assert task is not None and not window.learn_action.isEnabled()
    qtbot.waitUntil(lambda: window._learn_task is None, timeout=60_000)
    report = window.learn_report
    assert report.kept and report.macro_f1_after > report.macro_f1_before
    assert "准确率" in window.message_bar.text() and "300 条" in window.message_bar.text()
    db = open_db(ctx.db_path)
    adapter = learn.load_adapter(db)
    assert adapter is not None and adapter.version == report.adapter_version
    versions = {r[0] for r in db.execute("SELECT analysis_version FROM feedback")}
    assert len(versions) == 1 and adapter.version in versions.pop()
    db.close()
    assert window.learn_action.isEnabled()

    task = window.reset_sentiment_model()
    with qtbot.waitSignal(task.signals.ended, timeout=60_000):
        pass
    assert "出厂" in window.message_bar.text()
    db = open_db(ctx.db_path)
    assert learn.load_adapter(db) is None
    assert not any(adapter.version in (r[0] or "") for r in db.execute("SELECT analysis_version FROM feedback"))
    db.close()


def test_learning_with_too_few_ratings_says_so(qtbot, ctx, window):
    seed(ctx, 7)
    window.confirm_learn = False
    task = window.learn_from_ratings()
    with qtbot.waitSignal(task.signals.ended, timeout=30_000):
        pass
    assert window.message_bar.isVisible() and "50" in window.message_bar.text()
    assert "Traceback" not in window.message_bar.text()


def test_background_loader_stops_before_the_window_goes(qapp):
    """Closing the window right after it showed: the loader starts no further step, the analysis
    warm-up included, and its thread has ended when `stop()` returns."""
    from cxdesk.ui.preload import ModuleLoader
    from cxdesk.ui.screens import ScreenSpec

    loader = ModuleLoader(warm_up_analysis=True)
    got = []
    loader.loaded.connect(got.append)
    loader.warmed.connect(lambda: got.append("warmed"))
    loader.start([ScreenSpec(name, name, lambda name=name: __import__(name)) for name in ("json", "csv", "cxdesk.core.analysis")])
    loader.stop()
    assert not loader._thread.is_alive()
    qapp.processEvents()
    assert "warmed" not in got and "csv" not in got


def _analysed_by_an_older_model(ctx, n: int) -> None:
    """A database from before an upgrade: analysed rows whose version names an older clause model."""
    from cxdesk.core.analysis import analyze
    from cxdesk.core.analysis.pipeline import stale_count
    from cxdesk.core.storage import open_db

    seed(ctx, n)
    db = open_db(ctx.db_path)
    try:
        analyze(db)
        db.execute("UPDATE feedback SET analysis_version = 'old-model+lex-0+a-|t0' WHERE id % 2 = 0")
        db.commit()
        assert stale_count(db) == n // 2
    finally:
        db.close()


def test_opening_a_database_of_an_older_model_analyses_it_again(qtbot, ctx):
    from cxdesk.core.analysis.pipeline import current_version, stale_count
    from cxdesk.core.storage import open_db
    from cxdesk.ui.main_window import MainWindow

    _analysed_by_an_older_model(ctx, 8)
    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    seen = []

    def on_counts(_total, _waiting):
        # Right after the first counts: the analysis runs, the owner sees it and can stop it.
        if not seen:
            seen.append((win._analysis_task, win.stop_analysis_button.isVisibleTo(win), win.analysis_label.text(),
                         win.message_bar.text()))

    win.status_refreshed.connect(on_counts)
    win.show()
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    task, stop_visible, label, message = seen[0]
    assert task is not None and stop_visible and label == "正在分析…" and "4 条" in message
    qtbot.waitUntil(lambda: win._analysis_task is None, timeout=60_000)
    assert not task.is_cancelled and task.error is None
    qtbot.waitUntil(lambda: win.analysis_label.text() == "全部已分析", timeout=10_000)
    assert "4 条" in win.message_bar.text() and "新模型" in win.message_bar.text()
    assert not win.stop_analysis_button.isVisibleTo(win)
    db = open_db(ctx.db_path)
    try:
        assert stale_count(db) == 0
        assert {r[0] for r in db.execute("SELECT analysis_version FROM feedback")} == {current_version(db)}
    finally:
        db.close()
    # Once per opened database: a later status refresh does not start it again.
    win.refresh_status()
    qtbot.waitUntil(lambda: win._status_task is None, timeout=10_000)
    assert win._analysis_task is None


def test_reanalysis_on_open_can_be_stopped(qtbot, ctx):
    from PySide6.QtCore import Qt

    from cxdesk.ui.main_window import MainWindow

    _analysed_by_an_older_model(ctx, 8)
    win = MainWindow(ctx)
    win.confirm_quit = False
    qtbot.addWidget(win)
    started = []

    def stop_at_once(_total, _waiting):
        # The first counts start the analysis; the owner presses Stop before it gets anywhere.
        if win._analysis_task is not None and not started:
            started.append(win._analysis_task)
            qtbot.mouseClick(win.stop_analysis_button, Qt.LeftButton)

    win.status_refreshed.connect(stop_at_once)
    win.show()
    qtbot.waitUntil(lambda: bool(started), timeout=10_000)
    qtbot.waitUntil(lambda: win._analysis_task is None, timeout=30_000)
    assert started[0].is_cancelled
    qtbot.waitUntil(lambda: win._status_task is None, timeout=10_000)
    assert "停止" in win.message_bar.text()
    qtbot.waitUntil(lambda: win.analysis_label.text() == "4 条用旧模型分析", timeout=10_000)
    assert win.analyze_button.isVisibleTo(win)


def test_quiet_reads_at_start_show_no_task_name_in_the_status_bar(qtbot, ctx):
    """The window's own reads at every start (row counts, the follow-up badge) are not named in the status
    bar (the badge's read used to flash the raw word "cases"). An empty database: no screen is built."""
    from cxdesk.ui.main_window import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    shown = []
    ctx.tasks.task_started.connect(lambda task: shown.append((task.title, win.task_label.isVisibleTo(win))))
    win.show()
    qtbot.waitUntil(lambda: len(shown) >= 2, timeout=10000)
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=10000)
    assert shown == [("status", False), ("status", False)]
