"""The NPS goal: the net promoter score of the survey responses, registered with the brief's goals.

Measured by `nps.nps_for_period` over the goal's week or month (so 概览, the brief and `cxdesk goal list`
show the same figure as `cxdesk stats --json`); offered by the goal editor once the database has responses.
"""

from __future__ import annotations

from datetime import date

from cxdesk.core.brief.goals import Metric, register_metric
from cxdesk.core.surveys.nps import nps_for_period
from cxdesk.core.surveys.store import has_responses
from cxdesk.i18n import N_


def measure_nps(db, start: date, end: date, topic: str = "") -> float | None:
    """The NPS (−100..100) of the responses submitted start..end, None when there are none."""
    if not has_responses(db):
        return None
    return nps_for_period(db, start, end).value


NPS_METRIC = Metric("nps", N_("NPS"), "higher", "points", measure_nps, available=has_responses)
register_metric(NPS_METRIC)

__all__ = ["NPS_METRIC", "measure_nps"]
