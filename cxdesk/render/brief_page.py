"""Save the weekly brief as .html (the core's page) or .pdf (the same page printed by `render.pdf`)."""

from __future__ import annotations

from pathlib import Path

from cxdesk.core.brief.brief import Brief
from cxdesk.core.brief.text import title
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.reports.brief_page import render_brief_html, write_brief_html
from cxdesk.i18n import _


def write_brief_page(brief: Brief, path: Path) -> Path:
    suffix = Path(path).suffix.lower()
    if suffix in (".html", ".htm"):
        return write_brief_html(brief, Path(path))
    if suffix == ".pdf":
        from cxdesk.render.pdf import write_pdf

        return write_pdf(render_brief_html(brief), path, title=title(brief))
    raise InvalidValueError(_("The brief is written as .pdf or .html, not “{name}”.").format(name=Path(path).name))
