"""tools/code_size.py finds long modules, classes and functions; the window shell and the CLI stay within them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
try:
    import code_size
finally:
    sys.path.pop(0)

# Screens still to be split by the areas that own them; everything else of the UI and the CLI is held to the limits.
NOT_YET: set[str] = set()
# Core modules still to be split by the areas that own them; the rest of the core is held to the limits.
CORE_NOT_YET = {"analysis/pipeline.py", "importers/pipeline.py"}


def test_finds_a_long_function_and_a_long_class(tmp_path):
    pkg = tmp_path / "cxdesk"
    pkg.mkdir()
    body = "".join(f"        x{i} = {i}\n" for i in range(85))
    (pkg / "long.py").write_text("class Big:\n    def run(self):\n" + body + "".join(
        f"    def m{i}(self):\n        return {i}\n\n" for i in range(200)), encoding="utf-8")
    found = code_size.findings_in(pkg / "long.py", root=tmp_path)
    kinds = {(f.kind, f.name) for f in found}
    assert ("function", "Big.run") in kinds
    assert ("class", "Big") in kinds
    assert ("module", "long") in kinds
    run = next(f for f in found if f.name == "Big.run")
    assert run.length == 86   # the def line and its 85 body lines and run.path == "cxdesk/long.py"


def test_window_shell_and_cli_are_within_the_limits():
    paths = [p for p in code_size.python_files()
             if (p.is_relative_to(ROOT / "cxdesk" / "ui") and p.name not in NOT_YET)
             or p.is_relative_to(ROOT / "cxdesk" / "commands") or p.name in ("cli.py", "selfcheck.py")]
    assert len(paths) > 30
    found = [str(f) for p in paths for f in code_size.findings_in(p)]
    assert found == []


def test_core_is_within_the_limits():
    core = ROOT / "cxdesk" / "core"
    paths = [p for p in code_size.python_files() if p.is_relative_to(core)
             and p.relative_to(core).as_posix() not in CORE_NOT_YET]
    assert len(paths) > 50
    found = [str(f) for p in paths for f in code_size.findings_in(p)]
    assert found == []


def test_exit_status():
    report = subprocess.run([sys.executable, str(ROOT / "tools" / "code_size.py"), "--report"], capture_output=True,
                            text=True, timeout=120)
    assert report.returncode == 0 and "over the limits" in report.stdout
    strict = subprocess.run([sys.executable, str(ROOT / "tools" / "code_size.py")], capture_output=True, text=True,
                            timeout=120)
    n = int(report.stdout.strip().splitlines()[-1].split()[0])
    assert strict.returncode == (1 if n else 0)
