"""The layers hold: the contracts of `[tool.importlinter]` in pyproject.toml, checked by import-linter."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> list[str]:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports is missing: install the test extra (pip install '.[test]')")
    return [found, "--no-cache"]


def test_import_contracts_are_kept():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(_lint_imports(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "broken" not in out.stdout.lower().replace("0 broken", "")
    assert out.stdout.count(" KEPT") >= 4, out.stdout[-2000:]


def test_contracts_can_fail(tmp_path):
    """The check is real: a core module that imports the window breaks the first contract."""
    pkg = tmp_path / "cxdesk"
    shutil.copytree(ROOT / "cxdesk", pkg, ignore=shutil.ignore_patterns("__pycache__", "data", "locale"))
    (pkg / "core" / "layer_breach.py").write_text("import cxdesk.ui.context\n", encoding="utf-8")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    out = subprocess.run(_lint_imports(), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert "cxdesk.core.layer_breach -> cxdesk.ui.context" in out.stdout
