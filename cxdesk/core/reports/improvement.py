"""The improvement report for customers: what they told us, what we changed, and what changed since.

`build_improvement_report(db, action_ids)` gathers plain data; `render_html(report)` (improvement_page.py) makes a
self-contained page (the UI and the CLI print it to PDF), `report_json(report)` the same content as data
(for a website, a mini program, tests) and `announcement_text(report)` a short post.

Every number comes from one saved evaluation (`report_evaluation`), whose date the report states, so the
window, the PDF and the JSON always agree; it is saved anew only when the feedback changed since. Quotes
come from the evaluation's before-window, mention the action's topic or keyword, are negative about it,
hold no insult, and have phone and order numbers masked; the owner can pick or drop each one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable

from cxdesk.core.actions import EVALUATION_WINDOW_DAYS
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.filters import FeedbackFilter
from cxdesk.core.formatting import percent
from cxdesk.core.reports.improvement_page import (  # noqa: F401  (re-exported)
    COLOUR_PATTERN, DEFAULT_COLOUR, announcement_text, long_date, render_html,
)
from cxdesk.core.reports.quotes import (  # noqa: F401  (re-exported)
    QUOTE_CANDIDATES, QUOTE_CHARS, Quote, has_insult, mask_personal, quote_candidates,
)
from cxdesk.core.storage import get_setting
from cxdesk.i18n import _

QUOTES_PER_ACTION = 3        # chosen by default
VOICE_DAYS = 90              # an action not live yet: what customers said in these days
SHOP_NAME_KEY = "shop_name"
LOGO_KEY = "report_logo"
COLOUR_KEY = "report_colour"
LOGO_MAX_BYTES = 2_000_000
_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".bmp": "image/bmp"}

# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class TopicVoice:
    topic: str
    mentions: int              # rows mentioning the topic in the period
    negative: int              # ... negatively
    period_from: date | None
    period_to: date | None


@dataclass(frozen=True)
class Window:
    """One period of the saved evaluation, exactly as `cxdesk evaluate --json` gives it."""
    start: date
    end: date
    total: int
    topic_negative: int
    negative_rate: float

    def to_json(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "total": self.total,
                "topic_negative": self.topic_negative, "negative_rate": self.negative_rate}

    @classmethod
    def from_json(cls, data: dict | None) -> "Window | None":
        if not data or not data.get("start") or not data.get("end"):
            return None
        try:
            return cls(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]), int(data.get("total") or 0),
                       int(data.get("topic_negative") or 0), float(data.get("negative_rate") or 0.0))
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class ActionStory:
    id: int
    title: str
    done: str                  # what was done (the action's description, or its title)
    status: str
    live_date: date | None
    topics: tuple[str, ...]
    keywords: tuple[str, ...]
    voices: tuple[TopicVoice, ...]          # an action not live yet: recent complaints per topic
    quotes: tuple[Quote, ...]               # the ones printed
    candidates: tuple[Quote, ...]           # all the owner can pick from
    verdict: str               # improved | worsened | no_significant_change | insufficient_data | "" (not live)
    metric: str                # the metric's name
    evaluated_at: str | None   # when the evaluation used was saved
    evaluation_id: int | None
    before: Window | None
    after: Window | None       # None while the after-period holds no feedback
    relative_change: float | None
    result: str                # the measured result in plain words, for customers
    owner_note: str            # the evaluation's own sentence, for the owner
    next_step: str
    customers_told: int | None = None       # complaining customers told of the change, once that is counted

    @property
    def before_rate(self) -> float | None:
        return self.before.negative_rate if self.before else None

    @property
    def after_rate(self) -> float | None:
        return self.after.negative_rate if self.after and self.verdict != "insufficient_data" else None

    @property
    def subject(self) -> str:
        from cxdesk.core.evaluation import subject_text

        return subject_text(self.topics, self.keywords) or self.title

    def to_json(self) -> dict:
        return {
            "id": self.id, "title": self.title, "topics": list(self.topics), "keywords": list(self.keywords),
            "live_date": self.live_date.isoformat() if self.live_date else None,
            "evaluated_at": self.evaluated_at, "verdict": self.verdict or None, "metric": self.metric,
            "before": self.before.to_json() if self.before else None,
            "after": self.after.to_json() if self.after else None,
            "relative_change": self.relative_change,
            "quotes": [q.to_json() for q in self.quotes],
            "customers_told": self.customers_told,
            "text": self.result,
        }


@dataclass(frozen=True)
class ImprovementReport:
    shop_name: str
    generated: datetime
    stories: tuple[ActionStory, ...] = field(default=())
    colour: str = DEFAULT_COLOUR
    logo: str | None = None    # a data: URL of the shop's logo image

    @property
    def title(self) -> str:
        return _("We heard you, and we made changes")


# ---------------------------------------------------------------------------------------------
# The saved evaluation


@dataclass(frozen=True)
class SavedEvaluation:
    id: int | None             # None: not saved yet (a preview); saved when the report is written
    created_at: str
    result: dict


def report_evaluation(db, action, *, save: bool = True, today: date | None = None,
                      window_days: int | None = None, lag_days: int | None = None) -> SavedEvaluation | None:
    """The evaluation a report shows for a live or evaluated action.

    The latest saved evaluation when the feedback still gives the same numbers; otherwise a fresh one
    with the same window and lag (or the ones given), saved as a new dated snapshot (`save=False`: not
    saved, for a preview). None for an action not live yet or one with nothing to measure.
    """
    from cxdesk.core import evaluation
    from cxdesk.core.errors import CxdeskError

    if action.live_date is None or action.status not in ("live", "evaluated"):
        return None
    snaps = evaluation.list_snapshots(db, action.id)
    if window_days is not None or lag_days is not None:
        window, lag = (window_days or EVALUATION_WINDOW_DAYS, lag_days or 0)
        snaps = [sn for sn in snaps if (sn.window_days, sn.lag_days) == (window, lag)]
    else:
        window, lag = (snaps[0].window_days, snaps[0].lag_days) if snaps else (EVALUATION_WINDOW_DAYS, 0)
    try:
        fresh = evaluation.evaluate_action(db, action.id, window, lag, today=today)
    except CxdeskError:
        if snaps:
            return SavedEvaluation(snaps[0].id, snaps[0].created_at, snaps[0].result)
        return None
    data = fresh.to_json()
    if snaps and evaluation.same_numbers(snaps[0].result, data):
        return SavedEvaluation(snaps[0].id, snaps[0].created_at, snaps[0].result)
    if not save:
        return SavedEvaluation(None, datetime.now().replace(microsecond=0).isoformat(sep=" "), data)
    snap = evaluation.save_evaluation(db, fresh)
    return SavedEvaluation(snap.id, snap.created_at, snap.result)


def _voices(db, topics: tuple[str, ...], period: tuple[date | None, date | None]) -> tuple[TopicVoice, ...]:
    from cxdesk.core.analysis import trends

    if not topics:
        return ()
    ranking = {r.name: r for r in trends.topic_ranking(db, FeedbackFilter(date_from=period[0], date_to=period[1]))}
    out = []
    for name in topics:
        r = ranking.get(name)
        out.append(TopicVoice(name, r.mentions if r else 0, r.negative_mentions if r else 0, period[0], period[1]))
    return tuple(out)


def _result_words(action, verdict: str, subject: str, before: Window | None, after: Window | None,
                  relative: float | None) -> str:
    """The result as a customer reads it: an improvement with its size; otherwise what was done and
    what the shop keeps watching, without statistics."""
    if action.status in ("todo", "doing") or action.live_date is None:
        return _("We are working on it and will tell you when it is done.")
    if verdict in ("", "insufficient_data") or before is None:
        return _("This change started on {date}. It is too early to measure the effect; we are watching closely.").format(
            date=long_date(action.live_date))
    if verdict == "improved" and after is not None:
        drop = f"{abs(relative) * 100:.0f}%" if relative is not None else ""
        return _("Since then, complaints about {subject} fell from {before} to {after} of all feedback: {drop} fewer.").format(
            subject=subject, before=percent(before.negative_rate), after=percent(after.negative_rate), drop=drop)
    if verdict == "worsened":
        return _("So far it has not worked as we hoped. We are finding out why and will try something else.")
    return _("We made this change on {date} and keep a close eye on what you tell us about {subject}. We will report back when the result is clear.").format(
        date=long_date(action.live_date), subject=subject)


def _logo_data(path) -> str | None:
    """A data: URL of a logo image file (PNG, JPEG, GIF, BMP, at most 2 MB); clear errors otherwise."""
    if not path:
        return None
    p = Path(path)
    kind = _LOGO_TYPES.get(p.suffix.lower())
    if kind is None:
        raise InvalidValueError(_("The logo must be a PNG, JPEG, GIF or BMP image, not “{name}”.").format(name=p.name))
    try:
        data = p.read_bytes()
    except OSError:
        raise InvalidValueError(_("Cannot read the logo “{path}”. Choose the image again.").format(path=p)) from None
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidValueError(_("The logo “{name}” is larger than 2 MB; use a smaller image.").format(name=p.name))
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def build_improvement_report(db, action_ids: Iterable[int], *, shop_name: str | None = None,
                             quotes: dict[int, Iterable[int]] | None = None, save: bool = True,
                             logo: str | Path | None = None, colour: str | None = None,
                             customers_told: dict[int, int] | None = None,
                             today: date | None = None, window_days: int | None = None,
                             lag_days: int | None = None) -> ImprovementReport:
    """Content of the customer report for the chosen actions (in the order given).

    `quotes`: per action id, the feedback ids of the quotes the owner picked (default: the first three
    candidates). `save`: store a fresh evaluation when the saved one is out of date (False for a
    preview). `logo`, `colour`: the shop's look (default: the saved settings). `customers_told`: per
    action, how many complaining customers were told of the change (default: those marked notified
    on the action in 客户跟进, printed when there are any). `window_days`, `lag_days`: evaluate with these
    instead of the latest saved evaluation's.
    """
    from cxdesk.core import actions as actions_core
    from cxdesk.core import case_notify, evaluation

    ids = [int(i) for i in action_ids]
    if not ids:
        raise InvalidValueError(_("Choose at least one action for the report."))
    from cxdesk.core.analysis import topics as topics_core
    from cxdesk.core.analysis import trends

    try:
        matcher = topics_core.matcher_for(db)
    except Exception:  # noqa: BLE001 - long quotes are then cut at their start
        matcher = None
    last_day = trends.data_range(db)[1] or date.today()
    stories = []
    for action_id in dict.fromkeys(ids):
        action = actions_core.get_action(db, action_id)   # NotFoundError names the id
        saved = report_evaluation(db, action, save=save, today=today, window_days=window_days, lag_days=lag_days)
        res = saved.result if saved else {}
        before = Window.from_json(res.get("before"))
        after = Window.from_json(res.get("after"))
        if after is not None and after.total == 0:
            after = None
        verdict = res.get("verdict", "") if saved else ""
        if before is not None:
            period = (before.start, before.end)
        elif action.live_date is not None:
            period = (action.live_date - timedelta(days=VOICE_DAYS), action.live_date - timedelta(days=1))
        else:
            period = (last_day - timedelta(days=VOICE_DAYS - 1), last_day)
        candidates = quote_candidates(db, action, period[0], period[1], matcher=matcher)
        if quotes is not None and action.id in quotes:
            wanted = {int(i) for i in quotes[action.id]}
            chosen = tuple(q for q in candidates if q.feedback_id in wanted)
        else:
            chosen = candidates[:QUOTES_PER_ACTION]
        subject = evaluation.subject_text(action.topics, action.keywords) or action.title
        relative = res.get("relative_change")
        stories.append(ActionStory(
            id=action.id, title=action.title, done=(action.description or "").strip() or action.title,
            status=action.status, live_date=action.live_date, topics=tuple(action.topics),
            keywords=tuple(action.keywords),
            voices=() if saved else _voices(db, action.topics, period),
            quotes=chosen, candidates=candidates, verdict=verdict,
            metric=evaluation.saved_metric_name(res, action.topics, action.keywords),
            evaluated_at=saved.created_at if saved else None, evaluation_id=saved.id if saved else None,
            before=before, after=after, relative_change=relative,
            result=_result_words(action, verdict, subject, before, after, relative),
            owner_note=res.get("sentence", ""), next_step=res.get("next_step", ""),
            customers_told=(customers_told[action.id] if customers_told is not None and action.id in customers_told
                            else case_notify.notified_count(db, action.id) or None),
        ))
    name = shop_name if shop_name is not None else (get_setting(db, SHOP_NAME_KEY, "") or "")
    colour = colour if colour is not None else (get_setting(db, COLOUR_KEY, "") or DEFAULT_COLOUR)
    if not COLOUR_PATTERN.match(str(colour)):
        raise InvalidValueError(_("“{value}” is not a colour; write it like #1f3b57.").format(value=colour))
    logo = logo if logo is not None else (get_setting(db, LOGO_KEY, "") or None)
    return ImprovementReport(str(name).strip(), datetime.now().replace(microsecond=0), tuple(stories),
                             str(colour), _logo_data(logo))


def report_json(report: ImprovementReport) -> dict:
    """The report as data: the same numbers, quotes and words as the page."""
    return {"shop": report.shop_name, "generated_at": report.generated.isoformat(sep=" "),
            "actions": [s.to_json() for s in report.stories]}
