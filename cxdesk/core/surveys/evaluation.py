"""An action judged on NPS: the responses of the window before go-live against the window after it.

Same windows as the feedback evaluation (`window_days` before the live date; after `lag_days`, the
same length), restricted to the action's channels when it has any. The change is after − before in
points with a 95 % interval from the two NPS variances (independent samples). With fewer than
`MIN_RESPONSES` answers on either side the verdict is "not enough responses".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from cxdesk.core.actions import EVALUATION_WINDOW_DAYS, get_action
from cxdesk.core.surveys.nps import NpsFigure, difference, survey_figures
from cxdesk.core.surveys.store import has_responses
from cxdesk.i18n import N_, _

MIN_RESPONSES = 30
VERDICTS = {"improved": N_("NPS rose"), "worse": N_("NPS fell"), "no_change": N_("No clear change in NPS"),
            "not_enough": N_("Not enough survey responses yet")}


@dataclass(frozen=True)
class NpsEvaluation:
    action_id: int
    before_window: tuple[date, date]
    after_window: tuple[date, date]
    before: NpsFigure
    after: NpsFigure
    change: float | None                    # points, after − before
    ci95: tuple[float, float] | None
    verdict: str

    def to_json(self) -> dict:
        return {"before": {"start": self.before_window[0].isoformat(), "end": self.before_window[1].isoformat(),
                           **self.before.to_dict()},
                "after": {"start": self.after_window[0].isoformat(), "end": self.after_window[1].isoformat(),
                          **self.after.to_dict()},
                "change": None if self.change is None else round(self.change, 1),
                "change_ci95": None if self.ci95 is None else [round(self.ci95[0], 1), round(self.ci95[1], 1)],
                "verdict": self.verdict}

    def sentence(self) -> str:
        if self.change is None or self.verdict == "not_enough":
            return _("NPS: {verdict} ({before} before, {after} after; {need} needed on each side).").format(
                verdict=_(VERDICTS["not_enough"]), before=self.before.responses, after=self.after.responses,
                need=MIN_RESPONSES)
        return _("NPS {before:+.1f} → {after:+.1f}: {change:+.1f} points (95% interval {low:+.1f} to {high:+.1f}); {verdict}.").format(
            before=self.before.value, after=self.after.value, change=self.change, low=self.ci95[0], high=self.ci95[1],
            verdict=_(VERDICTS[self.verdict]))


def evaluate_nps(db, action_id: int, window_days: int = EVALUATION_WINDOW_DAYS, lag_days: int = 0) -> NpsEvaluation | None:
    """The action's NPS before and after go-live; None when there are no responses or no live date."""
    if not has_responses(db):
        return None
    action = get_action(db, action_id)
    if action.live_date is None:
        return None
    live = action.live_date
    before_w = (live - timedelta(days=window_days), live - timedelta(days=1))
    after_start = live + timedelta(days=lag_days)
    after_w = (after_start, after_start + timedelta(days=window_days - 1))
    channels = tuple(action.channels)
    before = survey_figures(db, date_from=before_w[0], date_to=before_w[1], channels=channels).nps
    after = survey_figures(db, date_from=after_w[0], date_to=after_w[1], channels=channels).nps
    diff = difference(before, after)
    if diff is None or min(before.responses, after.responses) < MIN_RESPONSES:
        verdict = "not_enough"
    else:
        lo, hi = diff[1]
        verdict = "improved" if lo > 0 else "worse" if hi < 0 else "no_change"
    return NpsEvaluation(action.id, before_w, after_w, before, after, diff[0] if diff else None,
                         diff[1] if diff else None, verdict)
