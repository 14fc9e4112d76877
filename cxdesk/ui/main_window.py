"""The main window: navigation between the screens, menus, status bar, first-run panel, drag-and-drop.

Screens are created the first time they are shown, so the window appears quickly even on a large
database; a screen module that is not installed is simply left out of the navigation.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, QTimer, QUrl, Signal
from shiboken6 import isValid
from PySide6.QtGui import QAction, QDesktopServices, QFontMetrics, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QFrame,
                               QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMessageBox,
                               QProgressBar, QPushButton, QSplitter, QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from cxdesk.core.changes import Changes
from cxdesk.i18n import N_, _, ngettext
from cxdesk.ui import settings
from cxdesk.ui.context import AppContext
from cxdesk.ui.widgets.message_bar import MessageBar

log = logging.getLogger("cxdesk.ui.main_window")

IMPORT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".txt", ".html", ".htm")
DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    label: str        # N_() text, translated when shown
    module: str
    cls: str


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("dashboard", N_("Overview"), "cxdesk.ui.trends_screen", "TrendsScreen"),
    ScreenSpec("feedback", N_("Feedback"), "cxdesk.ui.feedback_screen", "FeedbackScreen"),
    ScreenSpec("topics", N_("Topics"), "cxdesk.ui.topics_screen", "TopicsScreen"),
    ScreenSpec("board", N_("Improvement board"), "cxdesk.ui.board_screen", "BoardScreen"),
    ScreenSpec("evaluation", N_("Evaluation"), "cxdesk.ui.evaluation_screen", "EvaluationScreen"),
    ScreenSpec("reports", N_("Reports"), "cxdesk.ui.report_screen", "ReportScreen"),
)


def available_screens() -> list[ScreenSpec]:
    """The screens whose module is installed (found without importing it, to keep start-up fast)."""
    found = []
    for spec in SCREENS:
        try:
            present = importlib.util.find_spec(spec.module) is not None
        except (ImportError, ValueError):
            present = False
        if present:
            found.append(spec)
    return found


def display_path(path: Path) -> str:
    """A path as the owner reads it: `~/…` inside the home folder."""
    path = Path(path)
    try:
        return str(Path("~") / path.resolve().relative_to(Path.home().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


def demo_available() -> bool:
    try:
        return importlib.util.find_spec("cxdesk.core.demo") is not None
    except (ImportError, ValueError):
        return False


def app_icon() -> QIcon:
    from importlib import resources

    try:
        ref = resources.files("cxdesk.ui") / "resources" / "cxdesk.png"
        if ref.is_file():
            with resources.as_file(ref) as path:
                return QIcon(str(path))
    except (FileNotFoundError, ModuleNotFoundError, TypeError):
        pass
    return QIcon()


# ---------------------------------------------------------------------------------------------
# Pieces


class FirstRunPanel(QWidget):
    """Shown instead of the screens while the database holds no feedback."""

    import_requested = Signal()
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        card = QFrame(self)
        card.setObjectName("FirstRunCard")
        card.setFrameShape(QFrame.StyledPanel)
        card.setMaximumWidth(560)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(36, 30, 36, 30)
        inner.setSpacing(14)
        title = QLabel(_("Welcome to cxdesk"), card)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(_(
            "Bring in the customer feedback you already have — review exports, shop back-end reports, "
            "survey results or your own Excel sheet. cxdesk reads it, finds how customers feel and what "
            "they talk about, and helps you decide what to improve."), card)
        text.setWordWrap(True)
        hint = QLabel(_("You can also drag an Excel or CSV file onto this window."), card)
        hint.setWordWrap(True)
        hint.setEnabled(False)
        buttons = QHBoxLayout()
        self.import_button = QPushButton(_("Import a file…"), card)
        self.import_button.setDefault(True)
        self.import_button.setMinimumHeight(36)
        self.demo_button = QPushButton(_("Open demo data"), card)
        self.demo_button.setMinimumHeight(36)
        self.demo_button.setVisible(demo_available())
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        inner.addWidget(title)
        inner.addWidget(text)
        inner.addLayout(buttons)
        inner.addWidget(hint)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)
        self.import_button.clicked.connect(self.import_requested)
        self.demo_button.clicked.connect(self.demo_requested)


class ModuleLoader(QObject):
    """Imports screen modules in a plain Python thread, so the window is shown (and keeps ticking)
    while pyqtgraph and friends load; only importing happens there, widgets are built on the GUI thread.

    The first module is imported at once; the others wait until `release()` (the first screen is
    built), so they do not compete with building it for the interpreter lock.
    """

    loaded = Signal(str)
    warmed = Signal()

    def __init__(self, parent: QObject | None = None, *, warm_up_analysis: bool = False) -> None:
        super().__init__(parent)
        self.warm_up_analysis = warm_up_analysis
        self.done: set[str] = set()
        self._thread: threading.Thread | None = None
        self._go_on = threading.Event()
        self._stop = threading.Event()

    def start(self, names: list[str]) -> None:
        self._thread = threading.Thread(target=self._run, args=(list(names),), name="cxdesk-screen-imports",
                                        daemon=True)
        self._thread.start()

    def release(self) -> None:
        self._go_on.set()

    def _run(self, names: list[str]) -> None:
        for i, name in enumerate(names):
            if i == 1:
                self._go_on.wait(10.0)
            if self._stop.is_set():
                return
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - reported when the screen is built on the GUI thread
                log.exception("background import of %s failed", name)
            if self._stop.is_set():
                return
            self.loaded.emit(name)
        if self.warm_up_analysis and not self._stop.is_set():
            # jieba's dictionary and the sentiment model load in one long step each; done here, in a
            # quiet moment after start-up, so the first import or analysis does not stall the window.
            try:
                from cxdesk.core.analysis import warm_up

                warm_up()
            except Exception:  # noqa: BLE001 - the analysis will load (and report) it when it runs
                log.exception("warming up the analysis failed")
            if not self._stop.is_set():
                self.warmed.emit()

    def wait(self, timeout: float = 30.0) -> None:
        self._go_on.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self, timeout: float = 15.0) -> None:
        """Before the window goes: no further step starts, and the one running ends first, so the
        thread never signals a deleted window or runs on while the interpreter shuts down (a crash
        at exit seen when the window closed right after it was shown)."""
        self._stop.set()
        self.wait(timeout)


def preload_screen_module(key: str) -> threading.Thread | None:
    """Start importing the module of screen `key` right away (before the window exists); join the
    returned thread before the interpreter exits (a new database opens on another page, and quitting
    while the import still runs can crash the interpreter's shutdown)."""
    spec = next((s for s in SCREENS if s.key == key), None)
    if spec is None:
        return None

    def run() -> None:
        try:
            importlib.import_module(spec.module)
        except Exception:  # noqa: BLE001 - the window reports it when it builds the screen
            pass

    thread = threading.Thread(target=run, name="cxdesk-first-screen", daemon=True)
    thread.start()
    return thread


class LoadingPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        label = QLabel(_("Opening…"), self)
        label.setAlignment(Qt.AlignCenter)
        label.setEnabled(False)
        layout.addWidget(label)


class ScreenErrorPage(QWidget):
    """Stands in for a screen that failed to load, so the rest of the window keeps working."""

    def __init__(self, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        bar = MessageBar(self)
        bar.show_error(message)
        layout.addWidget(bar)
        layout.addStretch(1)


class SettingsDialog(QDialog):
    LANGUAGES = (("zh_CN", "简体中文"), ("en", "English"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        form = QFormLayout(self)
        self.language_combo = QComboBox(self)
        for code, name in self.LANGUAGES:
            self.language_combo.addItem(name, code)
        current = settings.ui_language()
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(current)))
        form.addRow(_("Language:"), self.language_combo)
        note = QLabel(_("A new language applies the next time cxdesk starts."), self)
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        settings.set(settings.LANGUAGE, self.language_combo.currentData())
        super().accept()


# ---------------------------------------------------------------------------------------------
# The window


class MainWindow(QMainWindow):
    status_refreshed = Signal(int, int)   # rows, rows waiting for analysis
    screen_shown = Signal(str)            # key of the screen now visible
    wizard_opened = Signal(object)        # the ImportWizard

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, lock=None,
                 background_imports: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lock = lock
        self.loader: ModuleLoader | None = None
        self._waiting_for: str | None = None
        self.specs = available_screens()
        self.screens: dict[str, QWidget] = {}
        self.wizard = None
        self.row_count: int | None = None
        self.pending_count = 0
        self._status_task = None
        self._status_again = False
        self._analysis_task = None
        self._learn_task = None
        self.confirm_learn = True  # explain what learning does before it starts
        self._forwarding = False
        self.confirm_quit = True  # ask before stopping an import or analysis on close
        self.setWindowTitle("cxdesk")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._build_ui()
        self._build_menus()
        self._build_status_bar()
        ctx.data_changed.connect(self._on_data_changed)
        ctx.database_changed.connect(self._on_database_changed)
        ctx.open_feedback_requested.connect(self._on_open_feedback)
        ctx.create_action_requested.connect(self._on_create_action)
        ctx.status_message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        ctx.tasks.task_started.connect(self._on_task_started)
        if background_imports and self.specs:
            self.loader = ModuleLoader(self, warm_up_analysis=True)
            self.loader.loaded.connect(self._on_module_loaded)
        self._restore_state()
        self._update_path_label()
        self._apply_empty_state(self._database_is_empty())
        if self.loader is not None:
            first = self.current_screen_key()
            order = sorted(self.specs, key=lambda spec: spec.key != first)
            self.loader.start([spec.module for spec in order])
        QTimer.singleShot(0, self.refresh_status)

    # ------------------------------------------------------------------ layout

    def _build_ui(self) -> None:
        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.message_bar = MessageBar(central)
        bar_box = QWidget(central)
        bar_layout = QVBoxLayout(bar_box)
        bar_layout.setContentsMargins(8, 6, 8, 0)
        bar_layout.addWidget(self.message_bar)
        outer.addWidget(bar_box)

        self.splitter = QSplitter(Qt.Horizontal, central)
        self.splitter.setChildrenCollapsible(False)
        self.nav = QListWidget(self.splitter)
        self.nav.setObjectName("Navigation")
        self.nav.setMaximumWidth(260)
        self.nav.setFrameShape(QFrame.NoFrame)
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setStyleSheet(
            "#Navigation { font-size: 15px; padding-top: 10px; outline: 0; }"
            "#Navigation::item { padding: 10px 14px; border-radius: 6px; margin: 2px 6px; }"
            "#Navigation::item:selected { background: palette(highlight); color: palette(highlighted-text); }"
        )
        for spec in self.specs:
            item = QListWidgetItem(_(spec.label))
            item.setData(Qt.UserRole, spec.key)
            self.nav.addItem(item)
        # Wide enough for the longest label in this language (English ones are longer than 改进看板).
        nav_font = self.nav.font()
        nav_font.setPixelSize(15)
        metrics = QFontMetrics(nav_font)
        longest = max((metrics.horizontalAdvance(_(spec.label)) for spec in self.specs), default=60)
        self.nav_width = min(max(150, longest + 64), 260)
        self.nav.setMinimumWidth(min(self.nav_width, 200))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.stack = QStackedWidget(self.splitter)
        self.welcome = FirstRunPanel(self.stack)
        self.welcome.import_requested.connect(lambda: self.open_import())
        self.welcome.demo_requested.connect(self.open_demo)
        self.stack.addWidget(self.welcome)
        self.loading_page = LoadingPage(self.stack)
        self.stack.addWidget(self.loading_page)
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([self.nav_width, 1200 - self.nav_width])
        outer.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self._on_nav_row)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&File"))
        self.import_action = QAction(_("&Import file…"), self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(lambda: self.open_import())
        self.open_db_action = QAction(_("&Open database…"), self)
        self.open_db_action.setShortcut(QKeySequence.Open)
        self.open_db_action.triggered.connect(lambda: self.choose_database())
        self.new_db_action = QAction(_("&New database…"), self)
        self.new_db_action.setShortcut(QKeySequence.New)
        self.new_db_action.triggered.connect(lambda: self.choose_new_database())
        self.backup_action = QAction(_("&Backup…"), self)
        self.backup_action.triggered.connect(lambda: self.choose_backup())
        self.settings_action = QAction(_("&Settings…"), self)
        self.settings_action.setMenuRole(QAction.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings)
        self.quit_action = QAction(_("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence.Quit if not QKeySequence(QKeySequence.Quit).isEmpty()
                                     else QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.open_db_action)
        file_menu.addAction(self.new_db_action)
        self.recent_menu = file_menu.addMenu(_("&Recent databases"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.backup_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(_("&Edit"))
        self.undo_action = self.ctx.undo_stack.createUndoAction(self, _("&Undo"))
        self.undo_action.setShortcut(QKeySequence.Undo)
        self.redo_action = self.ctx.undo_stack.createRedoAction(self, _("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.Redo])
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)

        analysis_menu = bar.addMenu(_("&Analysis"))
        self.analyze_action = QAction(_("&Analyze new feedback"), self)
        self.analyze_action.triggered.connect(lambda: self.run_analysis())
        self.learn_action = QAction(_("&Learn from my ratings…"), self)
        self.learn_action.setStatusTip(_("Adapt the sentiment model to how your customers write, "
                                         "from their star ratings and your corrections"))
        self.learn_action.triggered.connect(lambda: self.learn_from_ratings())
        self.reset_model_action = QAction(_("Use the &shipped sentiment model again"), self)
        self.reset_model_action.triggered.connect(lambda: self.reset_sentiment_model())
        analysis_menu.addAction(self.analyze_action)
        analysis_menu.addSeparator()
        analysis_menu.addAction(self.learn_action)
        analysis_menu.addAction(self.reset_model_action)

        help_menu = bar.addMenu(_("&Help"))
        self.open_log_action = QAction(_("Open the log folder"), self)
        self.open_log_action.triggered.connect(self._open_log_folder)
        self.about_action = QAction(_("&About cxdesk"), self)
        self.about_action.setMenuRole(QAction.AboutRole)
        self.about_action.triggered.connect(self.open_about)
        help_menu.addAction(self.open_log_action)
        help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.path_label = QLabel(self)
        self.path_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.rows_label = QLabel(self)
        self.analysis_label = QLabel(self)
        self.analyze_button = QToolButton(self)
        self.analyze_button.setText(_("Analyze now"))
        self.analyze_button.setAutoRaise(True)
        self.analyze_button.hide()
        self.analyze_button.clicked.connect(self.run_analysis)
        self.task_label = QLabel(self)
        self.task_progress = QProgressBar(self)
        self.task_progress.setFixedWidth(140)
        self.task_progress.setMaximumHeight(16)
        self.task_progress.setTextVisible(False)
        self.task_label.hide()
        self.task_progress.hide()
        sb.addWidget(self.path_label, 1)
        sb.addPermanentWidget(self.task_label)
        sb.addPermanentWidget(self.task_progress)
        sb.addPermanentWidget(self.rows_label)
        sb.addPermanentWidget(self.analysis_label)
        sb.addPermanentWidget(self.analyze_button)

    # ------------------------------------------------------------------ screens

    def screen_keys(self) -> list[str]:
        return [spec.key for spec in self.specs]

    def screen(self, key: str) -> QWidget | None:
        """The screen widget for `key`, created on first use (None if that screen is not installed)."""
        if key in self.screens:
            return self.screens[key]
        spec = next((s for s in self.specs if s.key == key), None)
        if spec is None:
            return None
        try:
            module = importlib.import_module(spec.module)
            widget = getattr(module, spec.cls)(self.ctx, self.stack)
        except ModuleNotFoundError as exc:
            if exc.name != spec.module:
                log.exception("screen %s failed to load", spec.key)
            widget = ScreenErrorPage(_("The screen “{name}” could not be loaded. Details were written to the log.")
                                     .format(name=_(spec.label)), self.stack)
        except Exception:  # noqa: BLE001 - one broken screen must not take the window down
            log.exception("screen %s failed to load", spec.key)
            widget = ScreenErrorPage(_("The screen “{name}” could not be loaded. Details were written to the log.")
                                     .format(name=_(spec.label)), self.stack)
        self.screens[key] = widget
        self.stack.addWidget(widget)
        return widget

    def current_screen_key(self) -> str | None:
        item = self.nav.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def show_screen(self, key: str) -> QWidget | None:
        row = next((i for i, s in enumerate(self.specs) if s.key == key), -1)
        if row < 0:
            return None
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # -> _on_nav_row
        else:
            self._on_nav_row(row)
        return self.screens.get(key)

    def _on_nav_row(self, row: int) -> None:
        if row < 0 or row >= len(self.specs):
            return
        key = self.specs[row].key
        spec = self.specs[row]
        self._waiting_for = None
        if self.row_count == 0 and key in ("dashboard", "feedback", "topics"):
            self.stack.setCurrentWidget(self.welcome)
        elif key not in self.screens and self.loader is not None and spec.module not in self.loader.done:
            # Still importing in the background: show a placeholder, build the screen when it lands.
            self._waiting_for = key
            self.stack.setCurrentWidget(self.loading_page)
        else:
            widget = self.screen(key)
            self.stack.setCurrentWidget(widget)
        settings.set(settings.LAST_SCREEN, key)
        self.screen_shown.emit(key)

    def _on_module_loaded(self, name: str) -> None:
        self.loader.done.add(name)
        key = self._waiting_for
        spec = next((s for s in self.specs if s.key == key), None)
        if spec is not None and spec.module == name and self.current_screen_key() == key:
            self._on_nav_row(self.nav.currentRow())
        # The first screen is up (or not needed): let the other modules load now, after it has painted.
        QTimer.singleShot(200, self.loader.release)

    def _database_is_empty(self) -> bool:
        try:
            db = self.ctx.read_db()
            return db.execute("SELECT NOT EXISTS (SELECT 1 FROM feedback WHERE deleted = 0)").fetchone()[0] == 1
        except Exception as exc:  # noqa: BLE001 - shown in the message bar
            log.warning("cannot read database: %s", exc)
            self.message_bar.show_error(str(exc))
            return True

    def _apply_empty_state(self, empty: bool) -> None:
        self.row_count = 0 if empty else (self.row_count or None)
        key = self.current_screen_key() or settings.get(settings.LAST_SCREEN)
        if key not in self.screen_keys():
            key = self.specs[0].key if self.specs else None
        if key is None:
            self.stack.setCurrentWidget(self.welcome)
            return
        if empty:
            key = "dashboard" if "dashboard" in self.screen_keys() else key
        self.show_screen(key)

    # ------------------------------------------------------------------ status bar

    def refresh_status(self) -> None:
        """Count rows and rows waiting for analysis in a read task; updates the status bar."""
        if self._status_task is not None:
            self._status_again = True
            return

        def count(db, progress):
            row = db.execute(
                "SELECT count(*), coalesce(sum(analyzed_at IS NULL), 0) FROM feedback WHERE deleted = 0"
            ).fetchone()
            return int(row[0]), int(row[1])

        task = self.ctx.run_task(count, write=False, title="status")
        self._status_task = task
        task.signals.finished.connect(self._on_status_counted)
        task.signals.ended.connect(self._on_status_task_ended)

    def _on_status_task_ended(self) -> None:
        self._status_task = None
        if self._status_again:
            self._status_again = False
            self.refresh_status()

    def _on_status_counted(self, result) -> None:
        total, pending = result
        was_empty = self.row_count == 0
        self.row_count = total
        self.pending_count = pending
        self.rows_label.setText(ngettext("{n} row", "{n} rows", total).format(n=f"{total:,}"))
        self._update_analysis_label()
        if was_empty != (total == 0):
            self._apply_empty_state(total == 0)
        self.status_refreshed.emit(total, pending)

    def _update_analysis_label(self) -> None:
        running = self._analysis_task is not None
        if running:
            self.analysis_label.setText(_("Analyzing…"))
            self.analyze_button.hide()
        elif self.pending_count:
            self.analysis_label.setText(ngettext("{n} row not analyzed yet", "{n} rows not analyzed yet",
                                                 self.pending_count).format(n=f"{self.pending_count:,}"))
            self.analyze_button.show()
        else:
            self.analysis_label.setText(_("All analyzed") if self.row_count else "")
            self.analyze_button.hide()

    def _update_path_label(self) -> None:
        self.path_label.setText(display_path(self.ctx.db_path))
        self.path_label.setToolTip(_("Database: {path}").format(path=self.ctx.db_path))
        self.setWindowTitle(f"cxdesk — {self.ctx.db_path.stem}")

    def _on_task_started(self, task) -> None:
        if not task.title or task.title == "status":
            return
        self.task_label.setText(task.title)
        self.task_label.show()
        self.task_progress.setRange(0, 0)
        self.task_progress.show()

        # A task may end after this window is gone (closed while it ran): then there is nothing to update.
        def on_progress(done: int, total: int, message: str) -> None:
            if not isValid(self.task_progress):
                return
            self.task_progress.setRange(0, max(total, 1))
            self.task_progress.setValue(min(done, max(total, 1)))

        def on_ended() -> None:
            if not (isValid(self.task_label) and isValid(self.ctx)):
                return
            if not self.ctx.tasks.busy or self.task_label.text() == task.title:
                self.task_label.hide()
                self.task_progress.hide()

        task.signals.progressed.connect(on_progress)
        task.signals.ended.connect(on_ended)

    def run_analysis(self):
        """Analyze every row not yet analyzed (off the GUI thread); returns the task."""
        if self._analysis_task is not None:
            return self._analysis_task

        def work(db, progress):
            from cxdesk.ui.tasks import analyze_in_background

            return analyze_in_background(db, progress)

        task = self.ctx.run_task(work, title=_("Analyzing feedback"))
        self._analysis_task = task
        self._update_analysis_label()
        task.signals.finished.connect(lambda _r: self.ctx.notify(Changes(feedback=True, topics=True, alerts=True)))
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(self._on_analysis_ended)
        return task

    def learn_from_ratings(self):
        """Learn the shop's adapter from rated and corrected rows, then analyze again; returns the task.

        Asks first (it re-scores every row); the answer arrives in a dialog with the held-back figures.
        """
        if self._learn_task is not None:
            return self._learn_task
        if self.confirm_learn:
            answer = QMessageBox.question(
                self, _("Learn from my ratings"),
                _("cxdesk will learn how your customers write from reviews rated 4–5 stars (positive) and "
                  "1–2 stars (negative), and from the sentiments you corrected by hand.\n\n"
                  "30% of those reviews are held back to check the result; the learnt model is kept only "
                  "if it does not do worse on them. Then all feedback is analyzed again.\n\nStart now?"))
            if answer != QMessageBox.Yes:
                return None

        def work(db, progress):
            from cxdesk.core.analysis.learn import learn_from_owner
            from cxdesk.core.progress import sub_progress
            from cxdesk.ui.tasks import analyze_in_background

            report = learn_from_owner(db, sub_progress(progress, 0, 40, 100))
            result = analyze_in_background(db, sub_progress(progress, 40, 100, 100)) if report.kept else None
            return report, result

        task = self.ctx.run_task(work, title=_("Learning from your ratings"))
        self._learn_task = task
        self.learn_action.setEnabled(False)
        task.signals.finished.connect(self._on_learned)
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(self._on_learn_ended)
        return task

    def _on_learned(self, value) -> None:
        report, result = value
        self.ctx.notify(Changes(feedback=True, topics=True, alerts=True))
        text = report.message
        if report.kept and result is not None:
            text += "\n" + _("{n} rows were analyzed again with the learnt model.").format(n=result.scored)
        self.learn_report = report
        if report.kept:
            self.message_bar.show_success(text)
        else:
            self.message_bar.show_info(text)

    def _on_learn_ended(self) -> None:
        self._learn_task = None
        self.learn_action.setEnabled(True)
        self.refresh_status()

    def reset_sentiment_model(self):
        """Forget the learnt adapter and analyze again with the shipped model; returns the task."""

        def work(db, progress):
            from cxdesk.core.analysis.learn import remove_adapter
            from cxdesk.ui.tasks import analyze_in_background

            if not remove_adapter(db):
                return None
            return analyze_in_background(db, progress)

        task = self.ctx.run_task(work, title=_("Analyzing feedback"))
        task.signals.finished.connect(self._on_model_reset)
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(self.refresh_status)
        return task

    def _on_model_reset(self, result) -> None:
        if result is None:
            self.message_bar.show_info(_("The shipped sentiment model is already in use."))
            return
        self.ctx.notify(Changes(feedback=True, topics=True, alerts=True))
        self.message_bar.show_success(
            _("Back to the shipped sentiment model: {n} rows were analyzed again.").format(n=result.scored))

    def _on_analysis_ended(self) -> None:
        self._analysis_task = None
        self._update_analysis_label()
        self.refresh_status()

    # ------------------------------------------------------------------ signals from the context

    def _on_data_changed(self, changes) -> None:
        if getattr(changes, "feedback", True) or getattr(changes, "sources", True):
            self.refresh_status()

    def _on_database_changed(self, path) -> None:
        self._update_path_label()
        settings.set(settings.LAST_DATABASE, str(path))
        settings.add_recent_database(Path(path))
        self.row_count = None
        self._apply_empty_state(self._database_is_empty())

    def _forward_once(self, key: str, signal, value) -> None:
        """Show screen `key`; if it was just created it missed the signal, so send it once more."""
        if self._forwarding:
            return
        existed = key in self.screens
        if self.row_count == 0:
            self.row_count = None  # the request names rows, so show the screen, not the welcome panel
        if not existed:
            self.screen(key)  # now, even if its module is still loading in the background
        self.show_screen(key)
        if not existed and key in self.screens:
            self._forwarding = True
            try:
                signal.emit(value)
            finally:
                self._forwarding = False

    def _on_open_feedback(self, flt) -> None:
        self._forward_once("feedback", self.ctx.open_feedback_requested, flt)

    def _on_create_action(self, prefill: dict) -> None:
        self._forward_once("board", self.ctx.create_action_requested, prefill)

    # ------------------------------------------------------------------ import

    def _last_folder(self) -> str:
        folder = settings.get(settings.LAST_FOLDER)
        if folder and Path(folder).is_dir():
            return folder
        return str(Path.home())

    def _remember_folder(self, path: str | Path) -> None:
        settings.set(settings.LAST_FOLDER, str(Path(path).parent))

    def open_import(self, path: str | Path | None = None):
        """Open the import wizard on `path` (asks for a file when None); returns the wizard or None."""
        if path is None:
            filters = ";;".join([
                _("Spreadsheets and text tables") + " (" + " ".join("*" + s for s in IMPORT_SUFFIXES) + ")",
                _("All files") + " (*)",
            ])
            chosen, _sel = QFileDialog.getOpenFileName(self, _("Import a feedback file"), self._last_folder(), filters)
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        if path.name.startswith("~$"):
            self.message_bar.show_warning(_(
                "“{name}” is a temporary file Excel makes while a workbook is open. Please import the workbook "
                "itself (the file without “~$”).").format(name=path.name))
            return None
        self._remember_folder(path)
        from cxdesk.ui.import_screen import ImportWizard

        if self.wizard is not None:
            running = self.wizard.task is not None and not self.wizard.task.done.is_set()
            if running and self.wizard.pages.currentIndex() == self.wizard.PAGE_RUN:
                self.message_bar.show_warning(_("Please wait until the current task has finished."))
                self.wizard.raise_()
                return None
            self.wizard.close()
        wizard = ImportWizard(self.ctx, path, self)
        wizard.setAttribute(Qt.WA_DeleteOnClose)
        wizard.destroyed.connect(lambda *_a: setattr(self, "wizard", None))
        self.wizard = wizard
        wizard.open()
        self.wizard_opened.emit(wizard)
        return wizard

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        path = self._dropped_path(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop finishes, so the source application is not left waiting.
        if path.suffix.lower() in DATABASE_SUFFIXES:
            QTimer.singleShot(0, lambda: self.open_database(path))
        else:
            QTimer.singleShot(0, lambda: self.open_import(path))

    @staticmethod
    def _dropped_path(event) -> Path | None:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile():
                p = Path(url.toLocalFile())
                if p.is_file():
                    return p
        return None

    # ------------------------------------------------------------------ databases

    def choose_database(self) -> None:
        chosen, _sel = QFileDialog.getOpenFileName(
            self, _("Open database"), str(self.ctx.db_path.parent),
            _("cxdesk databases") + " (*.db *.sqlite *.sqlite3);;" + _("All files") + " (*)")
        if chosen:
            self.open_database(Path(chosen))

    def choose_new_database(self) -> None:
        chosen, _sel = QFileDialog.getSaveFileName(
            self, _("New database"), str(self.ctx.db_path.parent / _("new-shop.db")),
            _("cxdesk databases") + " (*.db)")
        if chosen:
            path = Path(chosen)
            if path.suffix.lower() not in DATABASE_SUFFIXES:
                path = path.with_suffix(".db")
            self.open_database(path, create=True)

    def open_database(self, path: Path, *, create: bool = False, finishing=None) -> bool:
        """Switch the window to the database at `path`; False (with a message) if it cannot be used.

        `finishing`: the task that asks for the switch as its last step (it is not "still running").
        """
        from cxdesk.core.errors import CxdeskError
        from cxdesk.core.storage import open_db

        path = Path(path)
        if [t for t in self._user_tasks() if t is not finishing]:
            self.message_bar.show_warning(_("Please wait until the current task has finished."))
            return False
        if self.lock is not None and not self.lock.switch_to(path):
            self.message_bar.show_error(
                _("“{path}” is already open in another cxdesk window.").format(path=path))
            return False
        try:
            open_db(path, create=create).close()
        except CxdeskError as exc:
            if self.lock is not None:
                self.lock.switch_to(self.ctx.db_path)
            self.message_bar.show_error(str(exc))
            return False
        self.message_bar.dismiss()
        self.ctx.set_db_path(path)
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = [p for p in settings.get(settings.RECENT_DATABASES) if p]
        if not items:
            action = self.recent_menu.addAction(_("(none yet)"))
            action.setEnabled(False)
            return
        for text in items:
            action = self.recent_menu.addAction(text)
            action.setEnabled(Path(text).exists())
            action.triggered.connect(lambda _c=False, p=text: self.open_database(Path(p)))

    def choose_backup(self) -> None:
        from datetime import datetime

        from cxdesk.core.storage import backup_dir

        folder = backup_dir(self.ctx.db_path)
        folder.mkdir(parents=True, exist_ok=True)
        suggested = folder / f"{self.ctx.db_path.stem}-{datetime.now():%Y%m%d-%H%M}.db"
        chosen, _sel = QFileDialog.getSaveFileName(self, _("Back up the database"), str(suggested),
                                                   _("cxdesk databases") + " (*.db)")
        if chosen:
            self.backup(Path(chosen))

    def backup(self, target: Path | None = None):
        """Write a backup copy off the GUI thread; returns the task."""

        def work(db, progress):
            from cxdesk.core.storage import make_backup

            return make_backup(db, reason="manual", target=target)

        task = self.ctx.run_task(work, write=False, title=_("Backing up"))
        task.signals.finished.connect(
            lambda p: self.message_bar.show_success(_("Backup written to {path}").format(path=p), timeout_ms=15000))
        task.signals.failed.connect(self.message_bar.show_error)
        return task

    # ------------------------------------------------------------------ demo, settings, about

    def open_demo(self):
        """Create a fresh demo database (off the GUI thread) and switch to it; returns the task or None."""
        try:
            from cxdesk.core.demo import create_demo_db
        except ModuleNotFoundError as exc:
            if exc.name != "cxdesk.core.demo":
                raise
            self.welcome.demo_button.hide()
            return None
        from cxdesk.core.storage import data_dir

        path = data_dir() / "demo" / "cxdesk-demo.db"
        if self.ctx.db_path == path:
            self.ctx.close()  # the old demo file is about to be replaced

        def work(_db, progress):
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                extra = path.with_name(path.name + suffix)
                if extra.exists():
                    extra.unlink()
            if "progress" in inspect.signature(create_demo_db).parameters:
                create_demo_db(path, progress=progress)
            else:
                create_demo_db(path)
            return path

        from cxdesk.ui.tasks import show_delayed_progress

        task = self.ctx.tasks.start(work, None, write=True, title=_("Preparing demo data"))
        show_delayed_progress(task, self, _("Preparing demo data"), cancellable=False)
        self.welcome.demo_button.setEnabled(False)
        task.signals.finished.connect(lambda p: self.open_database(Path(p), finishing=task))
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(lambda: self.welcome.demo_button.setEnabled(True))
        return task

    def open_settings(self) -> None:
        dialog = SettingsDialog(self)
        if dialog.exec() == QDialog.Accepted:
            self.statusBar().showMessage(_("Saved. The new language applies after a restart."), 8000)

    def open_about(self) -> None:
        from cxdesk.ui.about import AboutDialog

        AboutDialog(self).exec()

    def _open_log_folder(self) -> None:
        from cxdesk.logs import log_path

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_path().parent)))

    # ------------------------------------------------------------------ state

    def _restore_state(self) -> None:
        geometry = settings.get(settings.WINDOW_GEOMETRY)
        restored = bool(geometry) and self.restoreGeometry(geometry)
        if restored and not self._on_some_screen():
            restored = False
        if not restored:
            screen = QGuiApplication.primaryScreen()
            if screen is not None:
                avail = screen.availableGeometry()
                w, h = min(1240, int(avail.width() * 0.9)), min(800, int(avail.height() * 0.9))
                self.resize(w, h)
                self.move(avail.center().x() - w // 2, avail.center().y() - h // 2)
            else:
                self.resize(1200, 780)
        state = settings.get(settings.WINDOW_STATE)
        if state:
            self.restoreState(state)
        splitter = settings.get(settings.MAIN_SPLITTER)
        if splitter:
            self.splitter.restoreState(splitter)

    def _on_some_screen(self) -> bool:
        """A saved geometry from a monitor that is gone would open the window off-screen."""
        frame = self.frameGeometry()
        for screen in QGuiApplication.screens():
            visible = screen.availableGeometry().intersected(frame)
            if visible.width() >= 200 and visible.height() >= 150:
                return True
        return False

    def save_state(self) -> None:
        settings.set(settings.WINDOW_GEOMETRY, bytes(self.saveGeometry().data()))
        settings.set(settings.WINDOW_STATE, bytes(self.saveState().data()))
        settings.set(settings.MAIN_SPLITTER, bytes(self.splitter.saveState().data()))

    def _user_tasks(self) -> list:
        """Running tasks that change data (imports, analysis), as opposed to screens' reads."""
        return [t for t in self.ctx.tasks.running() if t.title not in ("", "status") and getattr(t, "write", True)]

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        writing = self._user_tasks()
        if writing and self.confirm_quit:
            answer = QMessageBox.question(
                self, _("Quit cxdesk"),
                _("“{task}” is still running. Stop it and quit? Nothing half-done is kept.").format(
                    task=writing[0].title))
            if answer != QMessageBox.Yes:
                event.ignore()
                return
        self.save_state()
        if self.wizard is not None:
            self.wizard.close()
        if self.loader is not None:
            self.loader.stop()
        self.ctx.tasks.wait_idle(15000)
        self.ctx.close()
        if self.lock is not None:
            self.lock.release()
        super().closeEvent(event)
