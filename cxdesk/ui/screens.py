"""The window's screens, written out once in navigation order.

Each screen's module is imported the first time it is needed (pyqtgraph and friends take a while), but
by a plain import inside a function: a module missing from a build fails loudly when its screen is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from cxdesk.i18n import N_


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    label: str                 # N_() text, translated when shown
    load: Callable[[], type]   # imports the screen's module and returns the screen's class


def _trends() -> type:
    from cxdesk.ui.trends_screen import TrendsScreen

    return TrendsScreen


def _feedback() -> type:
    from cxdesk.ui.feedback_screen import FeedbackScreen

    return FeedbackScreen


def _topics() -> type:
    from cxdesk.ui.topics_screen import TopicsScreen

    return TopicsScreen


def _board() -> type:
    from cxdesk.ui.board_screen import BoardScreen

    return BoardScreen


def _evaluation() -> type:
    from cxdesk.ui.evaluation_screen import EvaluationScreen

    return EvaluationScreen


def _reports() -> type:
    from cxdesk.ui.report_screen import ReportScreen

    return ReportScreen


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("dashboard", N_("Overview"), _trends),
    ScreenSpec("feedback", N_("Feedback"), _feedback),
    ScreenSpec("topics", N_("Topics"), _topics),
    ScreenSpec("board", N_("Improvement board"), _board),
    ScreenSpec("evaluation", N_("Evaluation"), _evaluation),
    ScreenSpec("reports", N_("Reports"), _reports),
)


def screen_spec(key: str | None) -> ScreenSpec | None:
    return next((spec for spec in SCREENS if spec.key == key), None)
