"""Sentiment of one clause: positive, neutral or negative, for topic mentions.

First form: the review model scores the clause on its own.
"""

from __future__ import annotations

from typing import Sequence

# Bump when clause scoring changes, so every row gets its mentions again.
CLAUSE_MODEL = "c1"


def score_clauses(units: Sequence[tuple[str, str]]) -> list[tuple[float | None, str]]:
    """(score, label) per (sentence, clause); score is the probability of positive, 0..1."""
    from cxdesk.core.analysis import sentiment

    results = sentiment.analyze_texts([clause for _sentence, clause in units], split_long=False)
    return [(r.score, r.label) for r in results]


__all__ = ["CLAUSE_MODEL", "score_clauses"]
