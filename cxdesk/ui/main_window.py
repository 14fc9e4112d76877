"""The main window: navigation between the screens, menus, first-run panel, drag-and-drop.

Screens are created the first time they are shown, so the window appears quickly even on a large
database. The status bar, the database and analysis menus and the background imports live in their
own modules (status_bar, database_menu, analysis_menu, preload).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QFontMetrics, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QFrame, QListWidget, QListWidgetItem, QMainWindow,
                               QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from cxdesk.core.feedback import has_data
from cxdesk.i18n import _
from cxdesk.ui import settings, theme
from cxdesk.ui.analysis_menu import AnalysisMenuMixin
from cxdesk.ui.context import AppContext
from cxdesk.ui.database_menu import DatabaseMenuMixin
from cxdesk.ui.guide import open_guide
from cxdesk.ui.import_entry import ImportEntryMixin
from cxdesk.ui.preload import ModuleLoader
from cxdesk.ui.screens import SCREENS
from cxdesk.ui.shop_settings import ShopSettingsMixin
from cxdesk.ui.status_bar import StatusBarMixin
from cxdesk.ui.tasks import LatestRead
from cxdesk.ui.widgets.elide import guard_widget_tree
from cxdesk.ui.widgets.dialogs import ask_yes_no
from cxdesk.ui.widgets.message_bar import MessageBar
from cxdesk.ui.window_parts import FirstRunPanel, LoadingPage, ScreenErrorPage, app_icon

log = logging.getLogger("cxdesk.ui.main_window")

STACK_MIN_WIDTH = 480   # px; the window then fits 1366×768 at 125 % (1093 px) with room to spare
STACK_MIN_HEIGHT = 360  # px; 1366×768 at 125 % leaves ~540 px for the screens below the menu and message bar

# ---------------------------------------------------------------------------------------------
# The window


def _is_demo(ctx) -> bool:
    from cxdesk.core.demo import is_demo_db

    try:
        return is_demo_db(ctx.read_db())
    except Exception as exc:  # noqa: BLE001 - an unreadable database is reported elsewhere
        log.warning("cannot read the database settings: %s", exc)
        return False


class MainWindow(StatusBarMixin, AnalysisMenuMixin, DatabaseMenuMixin, ImportEntryMixin, ShopSettingsMixin, QMainWindow):
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
        self.specs = list(SCREENS)
        self.screens: dict[str, QWidget] = {}
        self.wizard = None
        self.row_count: int | None = None
        self.survey_responses = 0   # a database of score-only surveys has no rows but is not blank
        self.pending_count = 0
        self.stale_count = 0
        self._reanalysis_due = True   # analyse rows of an older model again once the first counts arrive
        self._status_reader = LatestRead(ctx, "status")
        self._analysis_task = None
        self._learn_task = None
        self.confirm_learn = True  # explain what learning does before it starts
        self._forwarding = False
        self.confirm_quit = True  # ask before stopping an import or analysis on close
        self.restart_requested = False  # the owner chose "Restart" after changing the language
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
            # From the event loop, just after the window is shown: importing in a second thread while the
            # window is still being built only makes both wait for the interpreter lock.
            QTimer.singleShot(0, self.loader, lambda: self.loader.start(order))
        QTimer.singleShot(0, self.refresh_status)
        QTimer.singleShot(0, self.refresh_case_badge)

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
            f"#Navigation {{ font-size: {theme.NAV_FONT_PX}px; padding-top: 10px; outline: 0; }}"
            "#Navigation::item { padding: 10px 14px; border-radius: 6px; margin: 2px 6px; }"
            "#Navigation::item:selected { background: palette(highlight); color: palette(highlighted-text); }"
        )
        for spec in self.specs:
            item = QListWidgetItem(_(spec.label))
            item.setData(Qt.UserRole, spec.key)
            self.nav.addItem(item)
        # Wide enough for the longest label in this language (English ones are longer than 改进看板).
        nav_font = self.nav.font()
        nav_font.setPixelSize(theme.NAV_FONT_PX)
        metrics = QFontMetrics(nav_font)
        # 客户跟进 carries a count of open cases, “Customer follow-up  (16)”: room for three digits.
        longest = max((metrics.horizontalAdvance(_(spec.label) + ("  (888)" if spec.key == "cases" else ""))
                       for spec in self.specs), default=60)
        self.nav_width = min(max(150, longest + 64), 260)
        self.nav.setMinimumWidth(min(self.nav_width, 200))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.stack = QStackedWidget(self.splitter)
        # An explicit minimum stands in for the screens' own: long text in a screen (a 200-character
        # action title on the undo button) must never make the window wider than the screen.
        self.stack.setMinimumWidth(STACK_MIN_WIDTH)
        # The same for the height: a tall screen or a message shown in it must not push the window's
        # bottom edge off a 768 px screen (a screen taller than this scrolls its own content).
        self.stack.setMinimumHeight(STACK_MIN_HEIGHT)
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

        self._build_analysis_menu(bar)


        help_menu = bar.addMenu(_("&Help"))
        self.guide_action = QAction(_("&User guide"), self)
        self.guide_action.setShortcut(QKeySequence.HelpContents)
        self.guide_action.triggered.connect(lambda: setattr(self, "guide", open_guide(self)))
        help_menu.addAction(self.guide_action)
        self.open_log_action = QAction(_("Open the log folder"), self)
        self.open_log_action.triggered.connect(self._open_log_folder)
        self.about_action = QAction(_("&About cxdesk"), self)
        self.about_action.setMenuRole(QAction.AboutRole)
        self.about_action.triggered.connect(self.open_about)
        help_menu.addAction(self.open_log_action)
        help_menu.addAction(self.about_action)

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
            widget = spec.load()(self.ctx, self.stack)
        except Exception:  # noqa: BLE001 - one broken screen must not take the window down
            log.exception("screen %s failed to load", spec.key)
            widget = ScreenErrorPage(_("The screen “{name}” could not be loaded. Details were written to the log.")
                                     .format(name=_(spec.label)), self.stack)
        guard_widget_tree(widget)
        self.screens[key] = widget
        self.stack.addWidget(widget)
        if key == "cases" and hasattr(widget, "open_count_changed"):  # not the error page
            widget.open_count_changed.connect(self._set_case_badge)
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
        self._waiting_for = None
        if self.database_is_blank() and key in ("dashboard", "feedback", "topics"):
            self.stack.setCurrentWidget(self.welcome)
        elif key not in self.screens and self.loader is not None and key not in self.loader.done:
            # Still importing in the background: show a placeholder, build the screen when it lands.
            self._waiting_for = key
            self.stack.setCurrentWidget(self.loading_page)
        else:
            widget = self.screen(key)
            self.stack.setCurrentWidget(widget)
        settings.set(settings.LAST_SCREEN, key)
        self.screen_shown.emit(key)

    def _on_module_loaded(self, key: str) -> None:
        self.loader.done.add(key)
        if key == self._waiting_for and self.current_screen_key() == key:
            self._on_nav_row(self.nav.currentRow())
        # The first screen is up (or not needed): let the other modules load now, after it has painted.
        QTimer.singleShot(200, self.loader.release)

    def _database_is_empty(self) -> bool:
        try:
            return not has_data(self.ctx.read_db())
        except Exception as exc:  # noqa: BLE001 - shown in the message bar
            log.warning("cannot read database: %s", exc)
            self.message_bar.show_error(str(exc))
            return True

    def database_is_blank(self) -> bool:
        """Neither feedback nor survey responses: the first-run page stands in for the data screens."""
        return self.row_count == 0 and not self.survey_responses

    def _apply_empty_state(self, empty: bool) -> None:
        self.row_count = 0 if empty else (self.row_count or None)
        if empty:
            self.survey_responses = 0
        self.welcome.ask_for_shop(self._shop_to_ask() if empty else None)
        key = self.current_screen_key() or settings.get(settings.LAST_SCREEN)
        if key not in self.screen_keys():
            key = self.specs[0].key if self.specs else None
        if key is None:
            self.stack.setCurrentWidget(self.welcome)
            return
        if empty:
            key = "dashboard" if "dashboard" in self.screen_keys() else key
        self.show_screen(key)

    # ------------------------------------------------------------------ signals from the context

    def _on_data_changed(self, changes) -> None:
        if changes.feedback or changes.sources:
            self.refresh_status()
            self.refresh_case_badge()

    def refresh_case_badge(self) -> None:
        """The number of open customer cases beside 客户跟进 in the navigation, counted in a read task."""
        from cxdesk.core.cases import open_count

        # "status": a quiet read, like the row counts; a title of its own showed the word "cases" in the
        # status bar at every start.
        task = self.ctx.run_task(lambda db, progress: open_count(db), write=False, title="status")
        task.signals.finished.connect(self._set_case_badge)

    def _set_case_badge(self, count: int) -> None:
        row = next((i for i, s in enumerate(self.specs) if s.key == "cases"), -1)
        item = self.nav.item(row) if row >= 0 else None
        if item is not None:
            label = _(self.specs[row].label)
            item.setText(f"{label}  ({count})" if count else label)
            item.setData(Qt.UserRole + 1, count)

    def _on_database_changed(self, path) -> None:
        self._update_path_label()
        if not _is_demo(self.ctx):   # the demo is looked at, never what a plain `cxdesk` opens next time
            settings.set(settings.LAST_DATABASE, str(path))
        settings.add_recent_database(Path(path))
        self.row_count = None
        self.survey_responses = 0
        self._reanalysis_due = True
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

    # ------------------------------------------------------------------ settings, about, log

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
        """Running tasks that change data (imports, analysis), as opposed to screens' reads and the
        search index's background steps (`AppContext.index_search`)."""
        return [t for t in self.ctx.tasks.running()
                if t.title not in ("", "status") and t.write and not t.upkeep]

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        writing = self._user_tasks()
        if writing and self.confirm_quit:
            if not ask_yes_no(
                    self, _("Quit cxdesk"),
                    _("“{task}” is still running. Stop it and quit? Nothing half-done is kept.").format(
                        task=writing[0].title)):
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
