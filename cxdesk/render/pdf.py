"""Print an HTML page to an A4 PDF with Qt's own text engine (no browser, nothing downloaded).

Used by the report screen and by `cxdesk report --action … --out FILE.pdf`. A CJK font is chosen
explicitly, so Chinese text never falls back to empty boxes on a machine whose default font lacks it.
Lives outside `ui/` so that the CLI can print a PDF without loading the window's code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import (QFont, QFontDatabase, QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextCursor,
                           QTextDocument, QTextFormat)

from cxdesk.core.errors import CxdeskError
from cxdesk.i18n import _

# First one installed wins: Windows, macOS, then common Linux packages.
CJK_FAMILIES = ("Microsoft YaHei", "微软雅黑", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC",
                "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "SimSun", "宋体")


class PdfWriteError(CxdeskError):
    """The PDF file cannot be written."""


def cjk_font_family() -> str | None:
    """The first installed family from CJK_FAMILIES, else any family that can write Simplified Chinese."""
    families = set(QFontDatabase.families())
    for name in CJK_FAMILIES:
        if name in families:
            return name
    chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    return chinese[0] if chinese else None


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def keep_headings_with_next(doc: QTextDocument) -> int:
    """Move a heading left alone at the foot of a page to the next page, with the text it introduces.

    Qt's text engine has no keep-with-next: after layout, a heading whose next line lands on a later
    page gets a page break before it; repeated until nothing moves. Returns how many headings moved.
    """
    height = doc.pageSize().height()
    layout = doc.documentLayout()
    moved = 0
    for _round in range(50):
        changed = False
        block = doc.begin()
        while block.isValid():
            nxt = block.next()
            fmt = block.blockFormat()
            if fmt.headingLevel() and nxt.isValid() and fmt.pageBreakPolicy() == QTextFormat.PageBreak_Auto:
                top = layout.blockBoundingRect(block).top()
                line = nxt.layout().lineAt(0) if nxt.layout().lineCount() else None
                below = layout.blockBoundingRect(nxt).top() + (line.y() + line.height() if line else 0)
                if int(top // height) != int((below - 1) // height):
                    # A run of headings (h2 then h3) moves as one: the break goes before the first.
                    first = block
                    while first.previous().isValid() and first.previous().blockFormat().headingLevel():
                        first = first.previous()
                    fmt = first.blockFormat()
                    fmt.setPageBreakPolicy(QTextFormat.PageBreak_AlwaysBefore)
                    QTextCursor(first).setBlockFormat(fmt)
                    moved += 1
                    changed = True
                    break   # the layout below has changed: measure again
            block = nxt
        if not changed:
            break
    return moved


def html_to_pdf(html: str, path: Path | str, *, title: str = "") -> Path:
    """Render `html` to `path` (A4 portrait, 15 mm margins); returns the path.

    Needs a QGuiApplication (the CLI creates an offscreen one).
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise PdfWriteError(_("The folder “{folder}” does not exist.").format(folder=target.parent))
    family = cjk_font_family()
    if family is None and _has_cjk(html):
        raise PdfWriteError(_("This computer has no font that can show Chinese, so the PDF would come out blank. "
                              "Save the report as a web page instead, or install a Chinese font."))
    writer = QPdfWriter(str(target))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Millimeter))
    writer.setResolution(300)
    writer.setCreator("cxdesk")
    if title:
        writer.setTitle(title)
    doc = QTextDocument()
    font = QFont(family) if family else QFont()
    font.setPointSizeF(11)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)   # the page layout already has the margins
    # Lay the text out in the writer's own pixels, so line breaks and page breaks match the paper.
    doc.documentLayout().setPaintDevice(writer)
    doc.setHtml(html)
    doc.setPageSize(QSizeF(writer.pageLayout().paintRectPixels(writer.resolution()).size()))
    keep_headings_with_next(doc)
    doc.print_(writer)
    del writer  # QPdfWriter finishes the file when it is destroyed
    if not target.exists() or target.stat().st_size == 0:
        raise PdfWriteError(_("Cannot write “{path}”: the file is open in another program or the folder is read-only.").format(
            path=target))
    return target


def write_pdf(html: str, path: Path | str, *, title: str = "") -> Path:
    """`html_to_pdf` from a program without a window (the CLI): brings up an offscreen
    QGuiApplication for the fonts and the text engine when none is running."""
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0] if sys.argv else "cxdesk"])
    try:
        return html_to_pdf(html, path, title=title)
    finally:
        del app
