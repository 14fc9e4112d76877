"""Packaging: the workflow is valid for GitHub, the installers keep what they must; the frozen build
(slow: run with --run-slow) passes its own self-check."""

from __future__ import annotations

import configparser
import os
import re
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "build.yml"
ISS = ROOT / "packaging" / "cxdesk.iss"


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True, timeout=120)


def _workflow() -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))


def test_workflow_validates_against_githubs_schema():
    proc = _validate(WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_schema_check_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "build.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "run-on:", 1), encoding="utf-8")
    assert _validate(broken).returncode != 0


def test_workflow_runs_the_one_test_run_with_a_chinese_font_on_linux():
    jobs = _workflow()["jobs"]
    tests = jobs["tests"]
    assert set(tests["strategy"]["matrix"]["os"]) == {"windows-latest", "macos-latest", "ubuntu-latest"}
    runs = [step.get("run", "") for step in tests["steps"]]
    assert "bash .ci/run" in runs
    assert any("fonts-wqy-microhei" in run or "fonts-noto-cjk" in run for run in runs)


def test_workflow_builds_installs_and_checks_each_installer():
    jobs = _workflow()["jobs"]
    steps = jobs["installer"]["steps"]
    text = "\n".join(str(step.get("run", "")) for step in steps)
    assert "choco install innosetup" in text
    assert "/VERYSILENT" in text and "cxdesk-cli.exe\") --self-check" in text
    assert "make_dmg.sh" in text and "hdiutil attach" in text and "--self-check" in text
    assert "make_tarball.py" in text
    assert "sign_macos.sh app" in text and "sign_macos.sh notarize" in text
    uploads = [step for step in steps if str(step.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads, "no artifact upload"
    for step in uploads:
        paths = step["with"]["path"].split()
        assert paths and all(p.startswith("build/installer/*.") for p in paths), paths   # files, not raw folders
    release = jobs["release"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["permissions"]["contents"] == "write"
    release_text = "\n".join(str(step.get("run", "")) for step in release["steps"])
    assert "sha256sum" in release_text and "gh release create" in release_text


def _iss() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(delimiters=("=",), strict=False, interpolation=None, allow_no_value=True,
                                       comment_prefixes=(";", "#", "//"))
    parser.optionxform = str
    text = ISS.read_text(encoding="utf-8")
    parser.read_string(text.split("[Code]")[0])
    return parser


def test_windows_installer_is_per_user_with_shortcuts_and_keeps_the_data_folder():
    iss = _iss()
    setup = iss["Setup"]
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"] == r"{autopf}\cxdesk"      # %LOCALAPPDATA%\Programs when per user
    assert setup["ChangesAssociations"] == "no"
    assert setup["AppVersion"] == "{#AppVersion}"
    icons = list(iss["Icons"].keys())
    assert any(line.startswith('Name: "{autoprograms}\\cxdesk"') for line in icons)
    assert any(line.startswith('Name: "{autodesktop}\\cxdesk"') for line in icons)
    text = ISS.read_text(encoding="utf-8")
    removed = "\n".join(line for line in text.splitlines()
                        if line.startswith("Type:") or "DelTree" in line or "RemoveDir" in line)
    assert "{userappdata}" not in removed and "{localappdata}" not in removed and "{app}" in removed
    assert "kept" in iss["Messages"]["ConfirmUninstall"]
    assert "usPostUninstall" in text and "{userappdata}\\cxdesk" in text   # says where the data stays
    assert re.search(r'^Source: "\.\.\\build\\dist\\cxdesk\\\*"', text, re.M)


def test_data_folder_named_by_the_uninstaller_is_the_apps():
    # {userappdata} is %APPDATA% (roaming): the same place db_paths.data_dir() uses on Windows.
    source = (ROOT / "cxdesk" / "core" / "db_paths.py").read_text(encoding="utf-8")
    assert 'platformdirs.user_data_dir("cxdesk", appauthor=False, roaming=True)' in source


def test_macos_bundle_declares_name_version_icon_and_high_dpi():
    spec = (ROOT / "packaging" / "cxdesk.spec").read_text(encoding="utf-8")
    for key in ('"CFBundleName"', '"CFBundleDisplayName"', '"CFBundleShortVersionString": VERSION',
                '"NSHighResolutionCapable": True', 'icon=icon'):
        assert key in spec, key


def test_version_has_one_source():
    import tomllib

    from cxdesk import __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cxdesk.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]\d+|rc\d+)?", __version__)
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import make_tarball
    finally:
        sys.path.pop(0)
    assert make_tarball.version() == __version__


def test_check_jsonschema_is_a_test_dependency():
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(dep.startswith("check-jsonschema") for dep in extra["test"])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_linux_tarball_keeps_executable_bits_and_symlinks(tmp_path):
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        from make_tarball import make_tarball
    finally:
        sys.path.pop(0)
    dist = tmp_path / "dist" / "cxdesk"
    (dist / "_internal").mkdir(parents=True)
    (dist / "cxdesk").write_bytes(b"#!/bin/sh\necho ok\n")
    (dist / "cxdesk").chmod(0o755)
    (dist / "_internal" / "libfoo.so.1").write_bytes(b"\x7fELF")
    (dist / "_internal" / "libfoo.so.1").chmod(0o755)
    (dist / "_internal" / "data.txt").write_text("x")
    (dist / "_internal" / "data.txt").chmod(0o644)
    os.symlink("libfoo.so.1", dist / "_internal" / "libfoo.so")
    out = make_tarball(dist, tmp_path / "out", "9.8.7", arch="x86_64")
    assert out.name == "cxdesk-9.8.7-linux-x86_64.tar.gz"
    with tarfile.open(out) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert stat.S_IMODE(members["cxdesk-9.8.7/cxdesk"].mode) == 0o755
        assert stat.S_IMODE(members["cxdesk-9.8.7/_internal/data.txt"].mode) == 0o644
        link = members["cxdesk-9.8.7/_internal/libfoo.so"]
        assert link.issym() and link.linkname == "libfoo.so.1"
        assert all(m.uid == 0 and m.uname == "" for m in members.values())
        unpacked = tmp_path / "unpacked"
        # extraction filters arrived in 3.11.4 (Debian 12 ships 3.11.2)
        tar.extractall(unpacked, **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))
    proc = subprocess.run([str(unpacked / "cxdesk-9.8.7" / "cxdesk")], capture_output=True, text=True)
    assert proc.stdout == "ok\n"


def test_linux_tarball_refuses_a_missing_build(tmp_path):
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        from make_tarball import make_tarball
    finally:
        sys.path.pop(0)
    with pytest.raises(SystemExit, match="no built app"):
        make_tarball(tmp_path / "nothing", tmp_path / "out", "1.0.0")


def _bundle_filter():
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import bundle_filter
    finally:
        sys.path.pop(0)
    return bundle_filter


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/lib/libQt6Core.so.6", "PySide6/Qt/lib/libQt6Widgets.so.6", "PySide6/Qt/lib/libicudata.so.73",
    "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqwayland.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so", "PySide6/Qt/plugins/platforms/qwindows.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
    "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", "PySide6/Qt/plugins/imageformats/libqjpeg.so",
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so", "PySide6/Qt/plugins/styles/qmodernwindowsstyle.dll",
    "libpython3.11.so.1.0", "libsqlite3.so.0", "libstdc++.so.6", "numpy.libs/libscipy_openblas64_-32a4b2a6.so",
])
def test_bundle_keeps_what_the_app_loads(dest):
    assert _bundle_filter().wanted_binary(dest)


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/lib/libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Qml.so.6", "PySide6/Qt/lib/libQt6Network.so.6",
    "PySide6/Qt/lib/libQt6Pdf.so.6", "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", "Qt6Quick.dll",
    "PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so", "PySide6/Qt/plugins/sqldrivers/libqsqlite.so",
    "PySide6/Qt/plugins/tls/libqopensslbackend.so", "PySide6/Qt/plugins/generic/libqtuiotouchplugin.so",
    "PySide6/Qt/plugins/imageformats/libqtiff.so", "jieba/lac_small/model.pdparams",
])
def test_bundle_leaves_out_what_the_app_never_loads(dest):
    assert not _bundle_filter().wanted_binary(dest)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the system libraries left out are Linux's")
@pytest.mark.parametrize("dest", ["libX11.so.6", "libglib-2.0.so.0", "libfontconfig.so.1", "libgtk-3.so.0",
                                  "libkrb5.so.3", "libjpeg.so.62"])
def test_linux_bundle_uses_the_systems_own_desktop_libraries(dest):
    assert not _bundle_filter().wanted_binary(dest)


def test_filter_leaves_no_link_to_a_file_left_out():
    bf = _bundle_filter()
    binaries = [("PySide6/Qt/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY"),
                ("PySide6/Qt/lib/libQt6Network.so.6", "/x/libQt6Network.so.6", "BINARY")]
    datas = [("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
             ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
             ("PySide6/Qt/translations/qtbase_zh_CN.qm", "/x/qtbase_zh_CN.qm", "DATA"),
             ("PySide6/Qt/translations/qtbase_de.qm", "/x/qtbase_de.qm", "DATA"),
             ("numpy/_core/tests/data/x.csv", "/x/x.csv", "DATA"),
             ("jieba/dict.txt", "/x/dict.txt", "DATA")]
    pure = [("numpy", "/x", "PYMODULE"), ("numpy._core.tests.test_api", "/x", "PYMODULE"),
            ("pyqtgraph", "/x", "PYMODULE")]
    b, d, p = bf.filter_toc(binaries, datas, pure)
    assert [e[0] for e in b] == ["PySide6/Qt/lib/libQt6Core.so.6"]
    assert [e[0] for e in d] == ["libQt6Core.so.6", "PySide6/Qt/translations/qtbase_zh_CN.qm", "jieba/dict.txt"]
    assert [e[0] for e in p] == ["numpy", "pyqtgraph"]


def test_filter_keeps_links_inside_macos_frameworks():
    bf = _bundle_filter()
    fw = "PySide6/Qt/lib/QtCore.framework"
    binaries = [(f"{fw}/Versions/A/QtCore", "/x/QtCore", "BINARY")]
    datas = [(f"{fw}/Versions/Current", "A", "SYMLINK"),                 # a link to a folder
             (f"{fw}/QtCore", "Versions/Current/QtCore", "SYMLINK"),
             (f"{fw}/Resources", "Versions/Current/Resources", "SYMLINK"),
             ("QtCore", f"{fw}/Versions/A/../A/QtCore", "SYMLINK")]
    b, d, _ = bf.filter_toc(binaries, datas, [])
    assert b == binaries and d == datas


def test_spec_uses_the_filter_and_build_holds_the_ceiling():
    spec = (ROOT / "packaging" / "cxdesk.spec").read_text(encoding="utf-8")
    assert "filter_toc(a.binaries, a.datas, a.pure)" in spec
    assert '"pyqtgraph.opengl"' in spec
    build = (ROOT / "packaging" / "build.py").read_text(encoding="utf-8")
    assert "MAX_SIZE_MB = 180" in build and "HARD_LIMIT_MB = 250" in build and "def largest_parts" in build


@pytest.mark.slow
def test_build_and_self_check():
    pytest.importorskip("PyInstaller")
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    print(proc.stdout[-6000:])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "self-check passed" in proc.stdout


def test_spec_runs_and_hands_the_filtered_lists_to_the_bundle(monkeypatch):
    """Execute cxdesk.spec with PyInstaller's build classes replaced by recorders (no build)."""
    pytest.importorskip("PyInstaller")
    from cxdesk import __version__

    made: dict = {}

    class Analysis:
        def __init__(self, scripts, **kw):
            made["analysis"] = kw
            self.binaries = [("PySide6/Qt/lib/libQt6Core.so.6", "/x/a", "BINARY"),
                             ("PySide6/Qt/lib/libQt6Quick.so.6", "/x/b", "BINARY")]
            self.datas = [("libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Quick.so.6", "SYMLINK")]
            self.pure = [("numpy.tests.test_x", "/x", "PYMODULE"), ("cxdesk", "/x", "PYMODULE")]
            self.scripts = []

    def record(kind):
        def make(*args, **kw):
            made.setdefault(kind, []).append((args, kw))
            return kind
        return make

    spec = ROOT / "packaging" / "cxdesk.spec"
    namespace = {"SPECPATH": str(spec.parent), "Analysis": Analysis, "PYZ": record("PYZ"), "EXE": record("EXE"),
                 "COLLECT": record("COLLECT"), "BUNDLE": record("BUNDLE"), "__file__": str(spec)}
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(compile(spec.read_text(encoding="utf-8"), str(spec), "exec"), namespace)
    assert namespace["VERSION"] == __version__
    assert "PySide6.QtNetwork" in made["analysis"]["excludes"]
    args, kw = made["COLLECT"][0]
    binaries, datas = args[-2], args[-1]
    assert [e[0] for e in binaries] == ["PySide6/Qt/lib/libQt6Core.so.6"] and datas == []
    assert made["PYZ"][0][0][0] == [("cxdesk", "/x", "PYMODULE")]
    assert kw["upx"] is False


@pytest.mark.skipif(sys.platform == "win32", reason="a bash script")
@pytest.mark.parametrize("args", [["app"], ["notarize", "cxdesk.dmg"]])
def test_macos_signing_is_skipped_with_a_notice_without_secrets(args):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MACOS_", "APPLE_"))}
    env["GITHUB_ACTIONS"] = "true"
    proc = subprocess.run(["bash", str(ROOT / "packaging" / "sign_macos.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("::notice::macOS ") and "skipped" in proc.stdout
