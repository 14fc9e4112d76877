"""The core and the CLI must never pull in Qt: they run headless, from the CLI and in worker processes.

(`cxdesk report … --out FILE.pdf` loads Qt's text engine from `cxdesk.render` only when it prints.)
"""

import pkgutil
import subprocess
import sys

import cxdesk.commands
import cxdesk.core


def test_core_and_commands_import_no_qt():
    modules = [m.name for m in pkgutil.walk_packages(cxdesk.core.__path__, "cxdesk.core.")]
    commands = [m.name for m in pkgutil.walk_packages(cxdesk.commands.__path__, "cxdesk.commands.")]
    assert {"cxdesk.commands.data", "cxdesk.commands.reports"} <= set(commands)
    modules += commands + ["cxdesk.commands", "cxdesk.cli", "cxdesk.i18n"]
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
