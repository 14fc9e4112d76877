"""Progress reporting and cancellation for long core work, independent of any UI toolkit."""

from __future__ import annotations

from typing import Callable

Progress = Callable[[int, int, str], None]
"""`progress(done, total, message)`; it may raise `Cancelled` to stop the work."""


class Cancelled(Exception):
    """Raised by a progress callable when the owner pressed Cancel; the work rolls back."""


def no_progress(done: int, total: int, message: str) -> None:
    return None


def sub_progress(progress: Progress, start: int, end: int, total: int = 100) -> Progress:
    """Map a sub-task's own 0..its_total onto the range start..end of a parent progress of `total`."""

    def report(done: int, sub_total: int, message: str) -> None:
        frac = (done / sub_total) if sub_total else 1.0
        progress(start + int(round((end - start) * min(max(frac, 0.0), 1.0))), total, message)

    return report
