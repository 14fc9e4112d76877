"""Build the onedir app with PyInstaller, then prove it works: size, self-check, cold start.

    python packaging/build.py            # build + check
    python packaging/build.py --no-build # check an existing build

Exits non-zero if the build or any check fails. The self-check and the start-up probe run the built
app in a clean environment (no virtual environment on PATH, no PYTHONPATH) with Qt offscreen.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "build" / "dist"
WORK = ROOT / "build" / "work"


def app_dir() -> Path:
    if sys.platform == "darwin":
        return DIST / "cxdesk.app"
    return DIST / "cxdesk"


def executable(cli: bool = True) -> Path:
    if sys.platform == "win32":
        return DIST / "cxdesk" / ("cxdesk-cli.exe" if cli else "cxdesk.exe")
    if sys.platform == "darwin":
        return DIST / "cxdesk.app" / "Contents" / "MacOS" / "cxdesk"
    return DIST / "cxdesk" / "cxdesk"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def clean_env(data_dir: Path) -> dict[str, str]:
    keep = ("SYSTEMROOT", "TEMP", "TMP", "HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "LANG", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PATH"] = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                                  if "venv" not in p.lower() and sys.prefix not in p)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["CXDESK_DATA_DIR"] = str(data_dir)
    return env


def build() -> None:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", str(DIST),
           "--workpath", str(WORK), str(ROOT / "packaging" / "cxdesk.spec")]
    print("$", " ".join(cmd), flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    print(f"build took {time.perf_counter() - start:.0f} s")


def self_check(exe: Path) -> bool:
    with tempfile.TemporaryDirectory(prefix="cxdesk-built-") as tmp:
        proc = subprocess.run([str(exe), "--self-check"], env=clean_env(Path(tmp)), cwd=tmp,
                              capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=600)
        print(proc.stdout)
        if proc.returncode != 0:
            print(proc.stderr[-4000:])
        written = [p for p in app_dir().rglob("*") if p.stat().st_mtime > time.time() - 5 and p.suffix in (".cache", ".db", ".log")]
        if written:
            print("the app wrote inside its own folder:", written)
            return False
        return proc.returncode == 0


def cold_start(exe: Path, runs: int = 3) -> float:
    """Seconds from launching the built app until its shown window first serves the event loop (median)."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="cxdesk-start-") as tmp:
            env = clean_env(Path(tmp))
            env["CXDESK_STARTUP_PROBE"] = "1"   # report the first event-loop tick after show(), then quit
            start = time.time()
            proc = subprocess.run([str(exe)], env=env, cwd=tmp, capture_output=True, text=True, timeout=120)
            ticks = [line.split() for line in proc.stdout.splitlines() if line.startswith("CXDESK_RESPONSIVE ")]
            if proc.returncode != 0 or not ticks:
                print(proc.stdout[-2000:], proc.stderr[-2000:])
                raise SystemExit("the built app did not start")
            times.append(float(ticks[0][1]) - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="check an existing build")
    args = parser.parse_args()
    if not args.no_build:
        if shutil.which("pyinstaller") is None and not _has_pyinstaller():
            raise SystemExit("PyInstaller is not installed: python -m pip install '.[build]'")
        build()
    exe = executable(cli=True)
    if not exe.exists():
        raise SystemExit(f"no built app at {exe}")
    size_mb = folder_size(app_dir()) / 1e6
    print(f"bundle size: {size_mb:.1f} MB ({app_dir().name})")
    ok = self_check(exe)
    start_s = cold_start(executable(cli=False))
    print(f"cold start to window: {start_s:.2f} s (median of 3)")
    print(f"floors: size <= 250 MB: {'ok' if size_mb <= 250 else 'FAIL'}; start <= 3 s: {'ok' if start_s <= 3 else 'FAIL'};"
          f" self-check: {'ok' if ok else 'FAIL'}")
    return 0 if ok and size_mb <= 250 else 1


def _has_pyinstaller() -> bool:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
