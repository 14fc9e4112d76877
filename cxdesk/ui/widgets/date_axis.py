"""A pyqtgraph date axis whose ticks follow the UI language: 2024-11, 11-05 in Chinese; Nov 2024, 5 Nov in English.

pyqtgraph's own DateAxisItem writes month names in English ("Jul") in a Chinese window too, and
"11-05" would read as 11 May to an English reader.
"""

from __future__ import annotations

from datetime import datetime

import pyqtgraph as pg

from cxdesk.core.formatting import month_abbreviation, short_day_text
from cxdesk.i18n import language


class DayAxis(pg.DateAxisItem):
    """Date ticks in the UI language's way: 2024-11, 11-05, 14:00 / Nov 2024, 5 Nov, 14:00."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        english = language().startswith("en")
        out = []
        for v in values:
            try:
                dt = datetime.fromtimestamp(v)
            except (OverflowError, OSError, ValueError):
                out.append("")
                continue
            if spacing >= 300 * 86400:
                out.append(f"{dt.year}")
            elif spacing >= 27 * 86400:
                out.append(f"{month_abbreviation(dt.month)} {dt.year}" if english else f"{dt.year}-{dt.month:02d}")
            elif spacing >= 86400:
                out.append(short_day_text(dt.date()))
            else:
                out.append(f"{dt.hour:02d}:{dt.minute:02d}")
        return out
