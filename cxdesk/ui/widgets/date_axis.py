"""A pyqtgraph date axis whose ticks read the same in every UI language: 2024, 2024-11, 11-05, 14:00.

pyqtgraph's own DateAxisItem writes month names in English ("Jul"), which looks out of place in a
Chinese window.
"""

from __future__ import annotations

from datetime import datetime

import pyqtgraph as pg


class DayAxis(pg.DateAxisItem):
    """Date ticks written the same way in every language: 2024-11, 11-05, 14:00."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
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
                out.append(f"{dt.year}-{dt.month:02d}")
            elif spacing >= 86400:
                out.append(f"{dt.month:02d}-{dt.day:02d}")
            else:
                out.append(f"{dt.hour:02d}:{dt.minute:02d}")
        return out
