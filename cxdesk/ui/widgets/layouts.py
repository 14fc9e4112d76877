"""Small layout helpers the screens share."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget


def centered(widget: QWidget, stretch: int = 0) -> QHBoxLayout:
    """A row that keeps `widget` in the middle, with equal room left and right (`stretch` against 1 each)."""
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget, stretch)
    row.addStretch(1)
    return row
