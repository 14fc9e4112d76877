"""Runtime hook of the frozen app: no console streams on Windows, caches in the per-user folder."""

import os
import sys

for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))
# Nothing is written beside the executable or inside the bundle: jieba's cache goes to cxdesk's cache dir.
os.environ.setdefault("CXDESK_FROZEN", "1")
