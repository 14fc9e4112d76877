"""What the bundle leaves out: the parts PyInstaller's hooks collect that cxdesk never loads.

Used by cxdesk.spec on the Analysis lists; plain functions on paths, so tests can hold them to account.
"""

from __future__ import annotations

import posixpath
import sys
from pathlib import Path

LINUX = sys.platform.startswith("linux")

# Hooks collect more than the app uses: jieba's paddle model (only for jieba's paddle mode) and Qt's
# translations for every language (the UI speaks Chinese and English; English needs no file).
_QT_TRANSLATIONS = ("qtbase_zh_CN.qm", "qt_zh_CN.qm", "qtbase_zh_TW.qm", "qt_zh_TW.qm")
# OpenCC: the app converts traditional to simplified only (config t2s: TSPhrases + TSCharacters; the
# sentiment model reads TSCharacters and STCharacters to spot traditional-only characters). The other
# directions' tables (STPhrases alone is 1 MB) are never read.
_OPENCC_USED = ("t2s.json", "TSPhrases.txt", "TSCharacters.txt", "STCharacters.txt")


def wanted_data(dest: str) -> bool:
    parts = Path(dest).parts
    if "lac_small" in parts:
        return False
    if "tests" in parts:   # test data inside third-party packages
        return False
    # jieba's *.p files are pickles of its HMM tables read only under Jython; CPython imports the same
    # tables from prob_*.py / char_state_tab.py (bundled as modules). 6.8 MB.
    if parts[0] == "jieba" and parts[-1].endswith(".p"):
        return False
    if parts[0] == "opencc" and parts[-2:-1] in (("config",), ("dictionary",)):
        return parts[-1] in _OPENCC_USED
    # pyqtgraph's own logo, set only by pyqtgraph.mkQApp (cxdesk makes its own QApplication and icon).
    if parts[:3] == ("pyqtgraph", "icons", "peegee"):
        return False
    # A software bill of materials some wheels put in their metadata; the version (METADATA) and the
    # licence files stay.
    if parts[0].endswith(".dist-info") and "sboms" in parts:
        return False
    if "translations" in parts and parts[-1].endswith(".qm") and parts[-2] == "translations" and "PySide6" in parts:
        return parts[-1] in _QT_TRANSLATIONS
    return True


# Qt plugins the app never loads: embedded-Linux display back ends (eglfs, linuxfb, vnc, KMS), touch
# input (generic/tuio), the Wayland compositor side, and Qt's network/SQL/print plugins (Python's own
# sqlite3 and QPdfWriter do that work). Kept: xcb, wayland client, offscreen, windows, cocoa, input
# methods (Chinese typing), platform themes, styles, image formats, SVG icons.
_UNUSED_QT_PLUGIN_DIRS = {"generic", "egldeviceintegrations", "wayland-graphics-integration-server", "tls",
                          "networkinformation", "sqldrivers", "printsupport", "qmltooling", "qmllint", "designer",
                          "position", "sensors", "texttospeech", "multimedia", "renderers", "sceneparsers",
                          "geometryloaders", "canbus", "webview", "scxmldatamodel", "assetimporters"}
# The GTK theme plugin would drag GTK, cairo and pango from the build machine into the bundle; Qt's own
# dialogs and the desktop portal (xdgdesktopportal, kept) serve instead. Image formats nobody imports.
_UNUSED_QT_PLUGINS = ("libqgtk3", "libqtiff", "libqwebp", "libqtga", "libqwbmp", "qtiff", "qwebp", "qtga", "qwbmp")
_UNUSED_QT_PLATFORMS = ("libqeglfs", "libqlinuxfb", "libqvnc", "libqvkkhrdisplay", "libqminimalegl", "qminimal",
                        "libqminimal", "qdirect2d")


_LINUX_SYSTEM_LIBS = (
    "libX11", "libXext", "libXrender", "libXau", "libXdmcp", "libxcb", "libxkbcommon", "libfontconfig",
    "libfreetype", "libharfbuzz", "libgraphite2", "libpng16", "libexpat", "libbrotli", "libz.so", "libbz2",
    "liblzma", "liblz4", "libzstd", "libdbus-1", "libsystemd", "libgcrypt", "libgpg-error", "libcap.so",
    "libglib-2.0", "libgio-2.0", "libgobject-2.0", "libgmodule-2.0", "libgthread-2.0", "libpcre2", "libffi",
    "libmount", "libblkid", "libselinux", "libuuid", "libbsd", "libmd.so", "libEGL", "libGL", "libGLX",
    "libGLdispatch", "libOpenGL", "libwayland", "libdrm", "libgbm",
    # pulled in only by the GTK theme plugin, which is left out
    "libgtk-3", "libgdk-3", "libgdk_pixbuf", "libcairo", "libpixman", "libpango", "libatk", "libfribidi",
    "libthai", "libdatrie", "libepoxy", "libXi", "libXfixes", "libXrandr", "libXcursor", "libXdamage",
    "libXcomposite", "libXinerama",
    # The C++ runtime: every Linux system has it (apt and dnf themselves depend on it) and the bundle needs
    # only GLIBCXX_3.4.29; the build machine's copy would shadow a newer system one that the system's
    # own libraries loaded into the app (Mesa's GL drivers through libEGL, input-method modules) need.
    "libstdc++", "libgcc_s",
    # needed by nothing left in the bundle (readelf: no NEEDED entry names them): Kerberos came with
    # OpenSSL, libjpeg with the GTK theme plugin's image loaders
    "libgssapi_krb5", "libkrb5", "libk5crypto", "libkrb5support", "libkeyutils", "libcom_err", "libjpeg.so",
)


def wanted_binary(dest: str) -> bool:
    parts = Path(dest).parts
    if "lac_small" in parts or "tests" in parts:
        return False
    if "plugins" in parts:
        rest = parts[parts.index("plugins") + 1:]
        if rest and rest[0] in _UNUSED_QT_PLUGIN_DIRS:
            return False
        if len(rest) > 1 and rest[0] == "platforms" and rest[-1].startswith(_UNUSED_QT_PLATFORMS):
            return False
        if rest and rest[-1].startswith(_UNUSED_QT_PLUGINS):
            return False
    name = parts[-1]
    # Linux: the desktop's own plumbing (X11/xcb, fonts, D-Bus, GLib, EGL, compression) must come from the
    # system it runs on (README, From source, lists the packages); a copy from the build machine only
    # duplicates it, and an older fontconfig cannot read a newer system's font configuration.
    if LINUX and len(parts) == 1 and name.startswith(_LINUX_SYSTEM_LIBS):
        return False
    # Qt libraries only the dropped QML/Quick/Designer/network/embedded-display side would load.
    return not name.startswith(("libQt6Quick", "libQt6Qml", "libQt6Designer", "libQt6WaylandCompositor",
                                "libQt6LabsStyleKit", "Qt6Quick", "Qt6Qml", "Qt6Designer", "Qt6Pdf", "libQt6Pdf",
                                "libQt6Network", "Qt6Network", "libQt6EglFS", "libQt6EglFs"))


def filter_toc(binaries: list, datas: list, pure: list) -> tuple[list, list, list]:
    """PyInstaller's (dest, source, typecode) lists without the parts above. A symlink (PyInstaller
    puts them among the data) goes when the file it points to was left out, so none dangles; links to
    anything else (a folder inside a macOS framework, say) stay."""
    kept_binaries = [e for e in binaries if wanted_binary(e[0])]
    kept_datas = [e for e in datas if e[2] != "SYMLINK" and wanted_data(e[0])]
    dropped = ({_norm(e[0]) for e in binaries} | {_norm(e[0]) for e in datas if e[2] != "SYMLINK"}) - \
        {_norm(e[0]) for e in kept_binaries + kept_datas}
    links = [e for e in datas if e[2] == "SYMLINK" and wanted_binary(e[0]) and wanted_data(e[0])
             and _link_target(e) not in dropped]
    # Test packages (numpy.tests, numpy._core.tests, ...) are not part of the app.
    pure = [e for e in pure if ".tests" not in e[0] and not e[0].startswith("tests.") and not e[0].endswith(".conftest")]
    return kept_binaries, [e for e in datas if e in kept_datas or e in links], pure


def _norm(dest: str) -> str:
    return posixpath.normpath(str(dest).replace("\\", "/"))


def _link_target(entry: tuple) -> str:
    """The bundle path a SYMLINK entry points to (its source is relative to the link's folder)."""
    return _norm(posixpath.join(posixpath.dirname(_norm(entry[0])), str(entry[1]).replace("\\", "/")))
