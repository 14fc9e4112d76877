"""The desktop window: thin PySide6 screens over `cxdesk.core`."""
