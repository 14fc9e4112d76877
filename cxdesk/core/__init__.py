"""The Qt-free heart of cxdesk: storage, import, analysis, actions, evaluation and reports."""
