"""Render resources/icons/cxdesk.svg into the PNG sizes, the Windows .ico and the macOS .icns.

    QT_QPA_PLATFORM=offscreen python tools/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(QSize(size, size), QImage.Format_ARGB32)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # noqa: F841 - needed for painting
    renderer = QSvgRenderer(str(ICONS / "cxdesk.svg"))
    if not renderer.isValid():
        print("cannot read the SVG icon")
        return 1
    images = {size: render(renderer, size) for size in SIZES}
    for size, image in images.items():
        image.save(str(ICONS / f"cxdesk-{size}.png"))
    # The ico writer stores one image per write; 256 px is what Windows shows large, and it scales down.
    for name, fmt, size in (("cxdesk.ico", b"ico", 256), ("cxdesk.icns", b"icns", 1024)):
        writer = QImageWriter(str(ICONS / name), fmt)
        if not writer.write(images[size]):
            print(f"could not write {name}: {writer.errorString()}")
            return 1
    # The window icon shipped inside the package.
    pkg_icon = ROOT / "cxdesk" / "ui" / "resources"
    pkg_icon.mkdir(parents=True, exist_ok=True)
    images[256].save(str(pkg_icon / "cxdesk.png"))
    print("icons written to", ICONS.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
