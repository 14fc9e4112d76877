"""Rendering that needs Qt's painting engine but no window: used by both the CLI and the window."""
