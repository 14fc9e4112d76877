"""Starting the desktop app: QApplication, languages, palette, logging, the last-resort error hook.

`run_app()` opens the main window on the default database (or the one given), after making sure no
other cxdesk window already has that database open.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTimer, QTranslator
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from cxdesk import APP_NAME, __version__
from cxdesk.i18n import _, set_language

log = logging.getLogger("cxdesk.ui.app")

_translators: list[QTranslator] = []  # must outlive the application's use of them
_hook_busy = False


# ---------------------------------------------------------------------------------------------
# Language


def choose_language(argv: list[str] | None = None) -> str:
    """`--lang` on the command line, else `CXDESK_LANG`, else the language saved in Settings, else zh_CN."""
    from cxdesk.i18n import language_from_argv, normalize_language
    from cxdesk.ui import settings

    explicit = language_from_argv(list(sys.argv[1:] if argv is None else argv))
    if explicit:
        return normalize_language(explicit)
    if os.environ.get("CXDESK_LANG"):
        return normalize_language(os.environ["CXDESK_LANG"])
    saved = settings.get(settings.LANGUAGE)
    return normalize_language(saved or None)


def install_qt_translations(app: QApplication, lang: str) -> bool:
    """Qt's own catalog, so stock dialogs (file chooser, message boxes) speak the same language."""
    for t in _translators:
        app.removeTranslator(t)
    _translators.clear()
    if lang == "en":
        QLocale.setDefault(QLocale(QLocale.English, QLocale.UnitedStates))
        return True
    QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
    folder = QLibraryInfo.path(QLibraryInfo.TranslationsPath)
    for name in (f"qtbase_{lang}", f"qt_{lang}"):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _translators.append(translator)
            return True
    log.warning("Qt translation for %s not found in %s", lang, folder)
    return False


# ---------------------------------------------------------------------------------------------
# Palette


def _dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor(37, 37, 38), QColor(45, 45, 48), QColor(230, 230, 230)
    disabled = QColor(130, 130, 130)
    p.setColor(QPalette.Window, window)
    p.setColor(QPalette.WindowText, text)
    p.setColor(QPalette.Base, base)
    p.setColor(QPalette.AlternateBase, QColor(52, 52, 56))
    p.setColor(QPalette.ToolTipBase, QColor(60, 60, 64))
    p.setColor(QPalette.ToolTipText, text)
    p.setColor(QPalette.PlaceholderText, disabled)
    p.setColor(QPalette.Text, text)
    p.setColor(QPalette.Button, QColor(55, 55, 60))
    p.setColor(QPalette.ButtonText, text)
    p.setColor(QPalette.BrightText, QColor(255, 90, 90))
    p.setColor(QPalette.Link, QColor(110, 170, 255))
    p.setColor(QPalette.Highlight, QColor(42, 110, 200))
    p.setColor(QPalette.HighlightedText, QColor(255, 255, 255))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, disabled)
    return p


def apply_palette(app: QApplication) -> str:
    """Follow the system's light/dark setting (Fusion draws both well on every platform)."""
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        app.setPalette(_dark_palette())
        return "dark"
    app.setPalette(app.style().standardPalette())
    return "light"


# ---------------------------------------------------------------------------------------------
# Errors


def install_excepthook() -> None:
    """Unexpected errors: the traceback goes to the log, the owner gets one plain sentence."""

    def hook(exc_type, exc, tb):
        global _hook_busy
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unhandled error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if _hook_busy or QApplication.instance() is None:
            return
        if threading.current_thread() is not threading.main_thread():
            return
        _hook_busy = True
        try:
            from cxdesk.core.errors import unexpected_error_sentence

            text = unexpected_error_sentence(exc)
            box = QMessageBox(QMessageBox.Warning, "cxdesk", text, QMessageBox.Ok,
                              QApplication.activeWindow())
            box.setTextInteractionFlags(Qt.TextSelectableByMouse)
            box.exec()
        except Exception:  # noqa: BLE001 - the hook itself must never raise
            log.exception("error while reporting an error")
        finally:
            _hook_busy = False

    def thread_hook(args):
        log.error("unhandled error in thread %s:\n%s", getattr(args.thread, "name", "?"),
                  "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)))

    sys.excepthook = hook
    threading.excepthook = thread_hook


# ---------------------------------------------------------------------------------------------
# Start


GUI_SWITCH_INTERVAL = 0.0002   # seconds; Python's default is 0.005


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names, high-DPI policy, style and palette set (reuses an existing one)."""
    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]
    # A worker thread running pure Python (loading jieba's dictionary, scoring) kept the GUI thread
    # waiting for the GIL for 100-500 ms at a time with the default 5 ms switch interval; at 0.2 ms
    # no gap above 50 ms was seen. It only matters while both threads want the GIL.
    sys.setswitchinterval(GUI_SWITCH_INTERVAL)
    # Fractional scaling (125 %, 150 %) is common on Windows laptops; rounding would blur or crop.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(list(sys.argv if argv is None else argv))
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("cxdesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName("cxdesk")
    app.setStyle("Fusion")
    apply_palette(app)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _s: apply_palette(app))
    from cxdesk.ui.window_parts import app_icon

    app.setWindowIcon(app_icon())
    return app


def _resolve_db_path(db_path: Path | None) -> Path:
    from cxdesk.core.storage import default_db_path
    from cxdesk.ui import settings

    if db_path is not None:
        return Path(db_path).expanduser()
    if os.environ.get("CXDESK_DB"):
        return default_db_path()
    last = settings.get(settings.LAST_DATABASE)
    from cxdesk.core.storage import data_dir

    # Older versions remembered the demo as the last database; a plain start never opens it.
    if last and Path(last).is_file() and Path(last).parent != data_dir() / "demo":
        return Path(last)
    return default_db_path()


def run_app(db_path: Path | None = None, demo: bool = False) -> int:
    """Open the main window and run the event loop; returns the exit code."""
    started = time.perf_counter()
    from cxdesk.logs import setup_logging

    setup_logging()
    install_excepthook()
    from cxdesk.ui import settings

    # Nothing loads in the background before the window shows: a second thread importing pyqtgraph
    # competes for the interpreter lock and delayed the window by ~0.1 s of CPU (more on a busy
    # machine); the window's own loader starts the first screen's module once it is up.
    lang = set_language(choose_language())
    app = make_application()
    install_qt_translations(app, lang)
    log.info("cxdesk %s starting (language %s)", __version__, lang)

    from cxdesk.core.errors import CxdeskError
    from cxdesk.ui.instance_lock import DatabaseLock

    path = _resolve_db_path(db_path)
    lock = DatabaseLock()
    if not lock.acquire(path):
        QMessageBox.information(None, "cxdesk", _(
            "“{path}” is already open in another cxdesk window. Switch to that window, or close it first."
        ).format(path=path))
        return 1
    try:
        note = read_only_note(path)
    except CxdeskError as exc:
        lock.release()
        QMessageBox.critical(None, "cxdesk", str(exc))
        return 1

    from cxdesk.ui.context import AppContext
    from cxdesk.ui.main_window import MainWindow

    if not demo:   # `--demo --db PATH` writes the demo there; it never becomes the default database
        settings.set(settings.LAST_DATABASE, str(path))
        settings.add_recent_database(path)
    ctx = AppContext(path)
    window = MainWindow(ctx, lock=lock, background_imports=True)
    window.show()
    if note:
        # A USB stick or shared drive: everything can be looked at; changes would fail one by one.
        window.message_bar.show_warning(note)
    watch_read_only(window, ctx)
    if demo:
        target = path if db_path is not None else None
        QTimer.singleShot(0, lambda: window.open_demo(target))
    probe = os.environ.get("CXDESK_STARTUP_PROBE")
    if probe:
        window.confirm_quit = False
        _install_startup_probe(app, window, started, probe)
    code = app.exec()
    lock.release()
    if window.restart_requested:
        restart_process()
    return int(code)


def restart_process() -> bool:
    """Start cxdesk again with the same arguments (after a change of language); the language comes
    from Settings then, so a `--lang` given before is left out."""
    from PySide6.QtCore import QProcess

    args = []
    skip = False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
            continue
        if arg == "--lang":
            skip = True
            continue
        if arg.startswith("--lang=") or arg == "--demo":
            continue
        args.append(arg)
    if getattr(sys, "frozen", False):
        program, args = sys.executable, args
    else:
        program, args = sys.executable, ["-m", "cxdesk", *args]
    env_lang = os.environ.pop("CXDESK_LANG", None)   # Settings decide now
    try:
        started = QProcess.startDetached(program, args)
    finally:
        if env_lang is not None:
            os.environ["CXDESK_LANG"] = env_lang
    ok = bool(started[0] if isinstance(started, tuple) else started)
    if not ok:
        log.warning("could not start cxdesk again: %s %s", program, args)
    return ok


def read_only_note(path: Path) -> str:
    """Open (create, migrate) the database once before the window; the sentence to show when it
    could only be opened read-only, else "". Raises CxdeskError when it cannot be used at all."""
    from cxdesk.core.storage import is_read_only, open_db, read_only_sentence

    db = open_db(path)
    try:
        return read_only_sentence(path, db.read_only_reason) if is_read_only(db) else ""
    finally:
        db.close()


def watch_read_only(window, ctx) -> None:
    """When the window switches to another database (File → Open database…), say so again if that
    one can only be read."""
    from cxdesk.core.errors import CxdeskError

    def changed(path) -> None:
        try:
            note = read_only_note(Path(path))
        except CxdeskError:
            return   # the switch itself reports a database that cannot be used
        if note:
            window.message_bar.show_warning(note)

    ctx.database_changed.connect(changed)


def _install_startup_probe(app: QApplication, window, started: float, mode: str) -> None:
    """For bench/bench_startup.py: report when the shown window first serves the event loop.

    `mode` "1" quits right away; "gaps:<seconds>" keeps ticking that long and reports the longest
    time the event loop was blocked (screens loading their data) before quitting.
    """
    import json

    reported = []

    def screen_ready(_key: str = "") -> None:
        if not reported and window.loading_page is not window.stack.currentWidget():
            reported.append(True)
            sys.stdout.write(f"CXDESK_SCREEN_READY {time.time():.6f}\n")
            sys.stdout.flush()

    window.screen_shown.connect(screen_ready)

    def tick() -> None:
        if window.stack.currentWidget() is not window.loading_page:
            screen_ready()
        # wall clock, seconds since run_app began, and CPU seconds of the process so far (all threads:
        # steadier than wall time on a busy machine)
        sys.stdout.write(f"CXDESK_RESPONSIVE {time.time():.6f} {time.perf_counter() - started:.6f} "
                         f"{time.process_time():.6f}\n")
        sys.stdout.flush()
        if not mode.startswith("gaps:"):
            QTimer.singleShot(0, window.close)
            return
        seconds = float(mode.split(":", 1)[1])
        state = {"last": time.perf_counter(), "max": 0.0, "end": time.perf_counter() + seconds}
        timer = QTimer(window)
        timer.setInterval(5)

        def beat() -> None:
            now = time.perf_counter()
            state["max"] = max(state["max"], now - state["last"])
            state["last"] = now
            if now >= state["end"]:
                timer.stop()
                sys.stdout.write("CXDESK_GAPS " + json.dumps({"max_gap_ms": round(state["max"] * 1000, 1)}) + "\n")
                sys.stdout.flush()
                window.close()

        timer.timeout.connect(beat)
        timer.start()

    QTimer.singleShot(0, tick)
