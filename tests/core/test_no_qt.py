"""The core must never pull in Qt: it runs headless, from the CLI and in worker processes."""

import pkgutil
import subprocess
import sys

import cxdesk.core


def test_core_imports_no_qt():
    modules = [m.name for m in pkgutil.walk_packages(cxdesk.core.__path__, "cxdesk.core.")]
    modules += ["cxdesk.cli", "cxdesk.i18n"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core imported Qt: {out.stdout}"
    assert len(modules) >= 4
