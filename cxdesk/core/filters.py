"""One description of "which feedback rows": used by the browser, the dashboard, evaluations and reports.

`filter_sql(flt)` turns a `FeedbackFilter` into a WHERE clause over the alias `f` (table `feedback`),
so every screen selects exactly the same rows for the same filter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from cxdesk.core.bounds import clamp_day

LABELS = ("positive", "neutral", "negative", "unknown")


@dataclass(frozen=True)
class FeedbackFilter:
    date_from: date | None = None          # inclusive, by local calendar day
    date_to: date | None = None            # inclusive
    channels: tuple[str, ...] = ()         # any of; "" matches rows without a channel
    sources: tuple[int, ...] = ()          # source ids, any of
    topics: tuple[str, ...] = ()           # topic names: rows mentioning any of them
    topic_labels: tuple[str, ...] = ()     # with topics: only mentions with these labels
    labels: tuple[str, ...] = ()           # effective sentiment labels, any of
    ratings: tuple[int, ...] = ()          # rounded 1..5 ratings, any of; 0 = no rating
    search: str = ""                       # full-text search (Chinese-aware, see core.search)
    ids: tuple[int, ...] = ()              # explicit rows (e.g. an action's examples)
    include_deleted: bool = False

    def __post_init__(self) -> None:
        # Typed or stored dates such as 9999-12-31 must never break a query, chart or report.
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, clamp_day(value))

    def with_changes(self, **changes) -> "FeedbackFilter":
        return replace(self, **changes)

    def is_empty(self) -> bool:
        return self == FeedbackFilter()

    def to_dict(self) -> dict:
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value in ((), "", None, False):
                continue
            out[name] = value.isoformat() if isinstance(value, date) else (list(value) if isinstance(value, tuple) else value)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "FeedbackFilter":
        kwargs = {}
        for name, value in (data or {}).items():
            if name not in cls.__dataclass_fields__:
                continue
            if name in ("date_from", "date_to") and value:
                value = date.fromisoformat(str(value)[:10])
            elif isinstance(value, list):
                value = tuple(value)
            kwargs[name] = value
        return cls(**kwargs)


def day_start(d: date) -> str:
    return datetime(d.year, d.month, d.day).isoformat(sep=" ")


def _placeholders(n: int) -> str:
    return ", ".join("?" * n)


def _in_or_missing(expr: str, values: list, with_missing: bool, missing: str, params: list) -> str:
    """`expr IN (values)`, or `missing` too when the choice also holds "none" (no channel, no rating)."""
    parts = []
    if values:
        parts.append(f"{expr} IN ({_placeholders(len(values))})")
        params.extend(values)
    if with_missing:
        parts.append(missing)
    return "(" + " OR ".join(parts) + ")"


def filter_sql(flt: FeedbackFilter, alias: str = "f") -> tuple[str, list]:
    """WHERE clause (without the word WHERE; "1" when nothing is filtered) and its parameters."""
    a = alias
    clauses: list[str] = []
    params: list = []
    if not flt.include_deleted:
        clauses.append(f"{a}.deleted = 0")
    if flt.date_from:
        clauses.append(f"{a}.created_at >= ?")
        params.append(day_start(flt.date_from))
    if flt.date_to:
        clauses.append(f"{a}.created_at < ?")
        params.append(day_start(flt.date_to + timedelta(days=1)))
    if flt.channels:
        named = [c for c in flt.channels if c]
        clauses.append(_in_or_missing(f"{a}.channel", named, len(named) != len(flt.channels),
                                      f"({a}.channel IS NULL OR {a}.channel = '')", params))
    if flt.sources:
        clauses.append(f"{a}.source_id IN ({_placeholders(len(flt.sources))})")
        params.extend(int(s) for s in flt.sources)
    if flt.labels:
        clauses.append(f"{a}.label IN ({_placeholders(len(flt.labels))})")
        params.extend(flt.labels)
    if flt.ratings:
        rated = [int(r) for r in flt.ratings if int(r) > 0]
        clauses.append(_in_or_missing(f"CAST(round({a}.rating) AS INTEGER)", rated, len(rated) != len(flt.ratings),
                                      f"{a}.rating IS NULL", params))
    if flt.topics:
        sub = (
            f"SELECT ft.feedback_id FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
            f"WHERE t.name IN ({_placeholders(len(flt.topics))})"
        )
        params.extend(flt.topics)
        if flt.topic_labels:
            sub += f" AND ft.label IN ({_placeholders(len(flt.topic_labels))})"
            params.extend(flt.topic_labels)
        clauses.append(f"{a}.id IN ({sub})")
    if flt.ids:
        clauses.append(f"{a}.id IN ({_placeholders(len(flt.ids))})")
        params.extend(int(i) for i in flt.ids)
    if flt.search.strip():
        from cxdesk.core.search import search_clause

        sql, p = search_clause(flt.search, alias=a)
        clauses.append(sql)
        params.extend(p)
    return (" AND ".join(clauses) or "1"), params
