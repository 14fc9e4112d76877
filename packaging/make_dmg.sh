#!/usr/bin/env bash
# Put build/dist/cxdesk.app into build/installer/cxdesk-VERSION-macos-ARCH.dmg (compressed, read-only),
# with a link to /Applications so the owner drags the app across. Run after `python packaging/build.py`
# (and after packaging/sign_macos.sh when signing). Prints the path of the dmg.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="$(python -c 'import re,pathlib; print(re.search(r"__version__\s*=\s*\"([^\"]+)\"", pathlib.Path("cxdesk/__init__.py").read_text()).group(1))')"
ARCH="$(uname -m)"
APP="build/dist/cxdesk.app"
OUT="build/installer/cxdesk-${VERSION}-macos-${ARCH}.dmg"
[ -d "$APP" ] || { echo "no $APP: run python packaging/build.py first" >&2; exit 1; }
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
# ditto keeps symlinks, permissions and extended attributes (a signed .app must stay byte-identical).
ditto "$APP" "$STAGE/cxdesk.app"
ln -s /Applications "$STAGE/Applications"
mkdir -p build/installer
rm -f "$OUT"
hdiutil create -volname "cxdesk ${VERSION}" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$OUT" >&2
echo "$OUT"
