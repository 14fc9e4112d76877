"""The window's screens, written out once in navigation order.

Each screen's module is imported the first time it is needed (pyqtgraph and friends take a while), but
by a plain import inside a function: a module missing from a build fails loudly when its screen is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

from cxdesk.i18n import N_


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    label: str                 # N_() text, translated when shown
    load: Callable[[], type]   # imports the screen's module and returns the screen's class


def _screen_class(key: str) -> type:
    """Import the module of screen `key` and return its class (a plain import per screen)."""
    if key == "dashboard":
        from cxdesk.ui.trends_screen import TrendsScreen as screen
    elif key == "feedback":
        from cxdesk.ui.feedback_screen import FeedbackScreen as screen
    elif key == "topics":
        from cxdesk.ui.topics_screen import TopicsScreen as screen
    elif key == "board":
        from cxdesk.ui.board_screen import BoardScreen as screen
    elif key == "evaluation":
        from cxdesk.ui.evaluation_screen import EvaluationScreen as screen
    elif key == "cases":
        from cxdesk.ui.cases_screen import CasesScreen as screen
    elif key == "reports":
        from cxdesk.ui.report_screen import ReportScreen as screen
    else:
        raise KeyError(key)
    return screen


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("dashboard", N_("Overview"), partial(_screen_class, "dashboard")),
    ScreenSpec("feedback", N_("Feedback"), partial(_screen_class, "feedback")),
    ScreenSpec("topics", N_("Topics"), partial(_screen_class, "topics")),
    ScreenSpec("cases", N_("Customer follow-up"), partial(_screen_class, "cases")),
    ScreenSpec("board", N_("Improvement board"), partial(_screen_class, "board")),
    ScreenSpec("evaluation", N_("Evaluation"), partial(_screen_class, "evaluation")),
    ScreenSpec("reports", N_("Reports"), partial(_screen_class, "reports")),
)


def screen_spec(key: str | None) -> ScreenSpec | None:
    return next((spec for spec in SCREENS if spec.key == key), None)
