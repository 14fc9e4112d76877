"""Logging to a rotating file in the per-user data folder; tracebacks go there, never to the owner."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_configured = False


def log_path() -> Path:
    import os

    from cxdesk.core.db_paths import data_dir

    try:
        folder = data_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        # A full disk or a read-only home: still name the place; the sentence must not fail.
        folder = Path(os.environ.get("CXDESK_DATA_DIR") or Path.home() / "cxdesk") / "logs"
    return folder / "cxdesk.log"


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A log that cannot be written (disk full, read-only folder) must not print tracebacks on the
    terminal ("--- Logging error ---"): the record is dropped."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send cxdesk's log records to the log file (once per process)."""
    global _configured
    if _configured:
        return log_path()
    try:
        path = log_path()
        handler = _QuietFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("cxdesk")
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    _configured = True
    return path
