"""Full-text search over feedback text that works for Chinese.

Baseline: a substring match per whitespace-separated term (all terms must occur). The feedback-browser
work replaces this with an indexed search that stays fast at 1M rows.
"""

from __future__ import annotations


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(query: str, alias: str = "f") -> tuple[str, list]:
    terms = [t for t in query.split() if t]
    if not terms:
        return "1", []
    parts = []
    params = []
    for term in terms:
        parts.append(f"{alias}.text LIKE ? ESCAPE '\\'")
        params.append(f"%{_escape_like(term)}%")
    return "(" + " AND ".join(parts) + ")", params
