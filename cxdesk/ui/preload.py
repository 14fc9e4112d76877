"""Screen modules imported off the GUI thread while the window starts, so it shows (and keeps ticking) early."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from cxdesk.ui.screens import ScreenSpec

log = logging.getLogger("cxdesk.ui.preload")


class ModuleLoader(QObject):
    """Imports screen modules in a plain Python thread, so the window is shown (and keeps ticking)
    while pyqtgraph and friends load; only importing happens there, widgets are built on the GUI thread.

    The first module is imported at once; the others wait until `release()` (the first screen is
    built), so they do not compete with building it for the interpreter lock.
    """

    loaded = Signal(str)   # key of the screen whose module is now imported
    warmed = Signal()

    def __init__(self, parent: QObject | None = None, *, warm_up_analysis: bool = False) -> None:
        super().__init__(parent)
        self.warm_up_analysis = warm_up_analysis
        self.done: set[str] = set()
        self._thread: threading.Thread | None = None
        self._go_on = threading.Event()
        self._stop = threading.Event()

    def start(self, specs: list[ScreenSpec]) -> None:
        self._thread = threading.Thread(target=self._run, args=(list(specs),), name="cxdesk-screen-imports",
                                        daemon=True)
        self._thread.start()

    def release(self) -> None:
        self._go_on.set()

    def _run(self, specs: list[ScreenSpec]) -> None:
        for i, spec in enumerate(specs):
            if i == 1:
                self._go_on.wait(10.0)
            if self._stop.is_set():
                return
            try:
                spec.load()
            except Exception:  # noqa: BLE001 - reported when the screen is built on the GUI thread
                log.exception("background import of screen %s failed", spec.key)
            if self._stop.is_set():
                return
            self.loaded.emit(spec.key)
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


