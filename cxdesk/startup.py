"""Before the window: can it be shown here? One sentence that says what to do when it cannot.

Qt itself aborts the process with its own plugin message when there is no display or a system
library of its platform plugin is missing; these checks run first, without importing Qt.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path
from typing import Callable, Mapping

from cxdesk.i18n import _

# Shared libraries Qt's xcb (X11) plugin loads, and the Debian/Ubuntu package that holds each.
XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libEGL.so.1", "libegl1"),
    ("libGL.so.1", "libgl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libdbus-1.so.3", "libdbus-1-3"),
)
_PACKAGE_OF = {lib.split(".so")[0].lower(): pkg for lib, pkg in XCB_LIBRARIES}
_MISSING_LIB = re.compile(r"(lib[\w.+-]+?\.so(?:\.\d+)*)")


def _can_load(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def _platform(env: Mapping[str, str], argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "-platform" and i + 1 < len(argv):
            return argv[i + 1].split(":")[0]
    return (env.get("QT_QPA_PLATFORM") or "").split(";")[0].split(":")[0].strip()


def package_for(library: str) -> str:
    """The Debian/Ubuntu package that holds a shared library (a guess from its name if unknown)."""
    stem = library.split(".so")[0].lower()
    if stem in _PACKAGE_OF:
        return _PACKAGE_OF[stem]
    return stem.replace("_", "-")


def install_sentence(packages: list[str]) -> str:
    return _("cxdesk cannot open its window: a system library is missing. Please install {packages} "
             "(e.g. sudo apt install {packages}), then start cxdesk again.").format(packages=" ".join(packages))


def display_problem(env: Mapping[str, str] | None = None, argv: list[str] | None = None, *,
                    platform: str | None = None, can_load: Callable[[str], bool] = _can_load) -> str | None:
    """The sentence to print when the window cannot be shown on this machine, else None."""
    env = os.environ if env is None else env
    argv = sys.argv if argv is None else argv
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    qpa = _platform(env, argv)
    if qpa in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"):
        return None
    if qpa.startswith("wayland"):
        if not env.get("WAYLAND_DISPLAY"):
            return _no_display_sentence()
        return None
    if not env.get("DISPLAY"):
        if env.get("WAYLAND_DISPLAY") and not qpa:
            return None   # Qt picks Wayland by itself
        return _no_display_sentence()
    missing = [pkg for lib, pkg in XCB_LIBRARIES if not can_load(lib)]
    return install_sentence(missing) if missing else None


def _no_display_sentence() -> str:
    return _("cxdesk cannot open its window: there is no display here (no DISPLAY or WAYLAND_DISPLAY). "
             "Start it in a desktop session, or use the commands instead, e.g. “cxdesk import FILE” "
             "and “cxdesk report”; see “cxdesk --help”.")


def import_problem(exc: ImportError) -> str:
    """The sentence for a failed import of Qt: which package to install when a library is named."""
    found = _MISSING_LIB.search(str(exc))
    if found and sys.platform.startswith("linux"):
        return install_sentence([package_for(Path(found.group(1)).name)])
    return _("cxdesk cannot open its window: {reason}. Reinstall cxdesk; the commands (“cxdesk --help”) "
             "still work.").format(reason=str(exc).rstrip("."))


__all__ = ["display_problem", "import_problem", "install_sentence", "package_for", "XCB_LIBRARIES"]
