"""Kept for the report screen's import until it reads `cxdesk.render.pdf`, where PDF rendering now lives."""

from cxdesk.render.pdf import PdfWriteError, cjk_font_family, html_to_pdf  # noqa: F401
