"""Reports the owner sends out: the Excel summary workbook and the customer-facing improvement report.

`excel.build_summary` writes the workbook (streaming, so a million rows fit in memory);
`improvement.build_improvement_report` gathers what customers said, what was done and what changed,
and `improvement.render_html` / `improvement.announcement_text` turn it into a page and a short post.
"""

from __future__ import annotations

from cxdesk.core.actions import STATUS_NAMES  # noqa: F401 - action statuses, named once in core.actions
from cxdesk.i18n import N_

# Sentiment labels as the owner reads them (translated where shown).
LABEL_NAMES = {
    "positive": N_("Positive"),
    "neutral": N_("Neutral"),
    "negative": N_("Negative"),
    "unknown": N_("Unknown"),
}
