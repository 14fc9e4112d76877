"""Analysis of feedback text: sentiment, topics, keywords; `analyze` scores what is not yet scored.

Kept import-light on purpose: jieba and SnowNLP take about a second to load, so nothing heavy is
imported here; `analyze` pulls in the pipeline only when it is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from cxdesk.core.analysis.pipeline import AnalyzeResult


def analyze(db: Any, progress: Any = None, *, force: bool = False, **options: Any) -> "AnalyzeResult":
    """Score every feedback row not yet scored by the current model and dictionaries.

    See `cxdesk.core.analysis.pipeline.analyze` (options: `workers`, `batch_size`).
    """
    from cxdesk.core.analysis.pipeline import analyze as _analyze
    from cxdesk.core.progress import no_progress

    from cxdesk.core import cases

    result = _analyze(db, progress or no_progress, force=force, **options)
    # New unhappy reviews become customer cases once they are scored (after each import's analysis).
    cases.open_cases(db)
    from cxdesk.core.surveys.cases import open_detractor_cases

    open_detractor_cases(db)   # survey detractors too (0–6 on the recommend question)
    return result


def warm_up() -> None:
    """Load jieba and the sentiment model now; call from a background thread after the window shows."""
    from cxdesk.core.analysis.pipeline import warm_up as _warm_up

    _warm_up()


def __getattr__(name: str) -> Any:
    if name == "AnalyzeResult":
        from cxdesk.core.analysis.pipeline import AnalyzeResult

        return AnalyzeResult
    raise AttributeError(name)


__all__ = ["analyze", "warm_up", "AnalyzeResult"]
