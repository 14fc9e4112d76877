"""Pack the Linux onedir build into cxdesk-VERSION-linux-ARCH.tar.gz, keeping executable bits and symlinks.

    python packaging/make_tarball.py [--dist build/dist/cxdesk] [--out build/installer]

Prints the path of the archive. The archive holds one top folder, `cxdesk-VERSION/`, so unpacking it
never scatters files; run `cxdesk-VERSION/cxdesk` from there.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def version() -> str:
    """The version, read from the one place it is written (cxdesk/__init__.py)."""
    text = (ROOT / "cxdesk" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__\s*=\s*"([^"]+)"', text).group(1)


def make_tarball(dist: Path, out_dir: Path, ver: str, arch: str | None = None) -> Path:
    """Write the archive; file modes and symlinks are stored as they are, owners as root (uid 0)."""
    if not (dist / "cxdesk").is_file():
        raise SystemExit(f"no built app in {dist}: run python packaging/build.py first")
    arch = arch or platform.machine().lower() or "x86_64"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"cxdesk-{ver}-linux-{arch}.tar.gz"
    top = f"cxdesk-{ver}"

    def owner_free(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(dist, arcname=top, recursive=True, filter=owner_free)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "build" / "dist" / "cxdesk")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "installer")
    args = parser.parse_args(argv)
    print(make_tarball(args.dist, args.out, version()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
