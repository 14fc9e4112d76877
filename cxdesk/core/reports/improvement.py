"""The improvement report for customers: what they told us, what we changed, and what changed since.

`build_improvement_report(db, action_ids)` gathers plain data; `render_html(report)` makes a
self-contained page (the UI and the CLI print it to PDF), `report_json(report)` the same content as data
(for a website, a mini program, tests) and `announcement_text(report)` a short post.

Every number comes from one saved evaluation (`report_evaluation`), whose date the report states, so the
window, the PDF and the JSON always agree; it is saved anew only when the feedback changed since. Quotes
come from the evaluation's before-window, mention the action's topic or keyword, are negative about it,
hold no insult, and have phone and order numbers masked; the owner can pick or drop each one.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Iterable

from cxdesk.core.actions import EVALUATION_WINDOW_DAYS
from cxdesk.core.bounds import clamp_stored_day
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.filters import FeedbackFilter, day_start
from cxdesk.core.storage import get_setting
from cxdesk.i18n import _, ngettext

QUOTES_PER_ACTION = 3        # chosen by default
QUOTE_CANDIDATES = 8         # offered to the owner to pick from
QUOTE_CHARS = 70
VOICE_DAYS = 90              # an action not live yet: what customers said in these days
SHOP_NAME_KEY = "shop_name"
LOGO_KEY = "report_logo"
COLOUR_KEY = "report_colour"
DEFAULT_COLOUR = "#1f3b57"
LOGO_MAX_BYTES = 2_000_000
_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".bmp": "image/bmp"}

# Personal data is masked, not dropped: phone numbers (with +86, spaces or dashes), order numbers
# (long digit runs, or a code after 订单/单号), e-mail addresses, links and @handles.
_PHONE = re.compile(r"(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}")
_ORDER = re.compile(r"((?:订单号?|单号|order)\s*(?:no\.?|号)?\s*[:：#]?\s*)[A-Za-z0-9-]{5,}|\d{8,}", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@\S+")
_MASK = "***"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def mask_personal(text: str) -> str:
    """The text with phone numbers, order numbers, e-mail addresses, links and @handles masked."""
    value = _LINK.sub(_MASK, text)
    value = _EMAIL.sub(_MASK, value)
    value = _PHONE.sub(_MASK, value)
    value = _ORDER.sub(lambda m: (m.group(1) or "") + _MASK, value)
    return _HANDLE.sub(_MASK, value)


def _load_insults() -> tuple[tuple[str, ...], re.Pattern | None]:
    words = []
    text = resources.files("cxdesk.core.data").joinpath("insults_zh.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip().lower()
        if line and not line.startswith("#"):
            words.append(line)
    latin = [w for w in words if re.fullmatch(r"[a-z]+", w)]
    other = tuple(w for w in words if w not in latin)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, latin)) + r")\b") if latin else None
    return other, pattern


_INSULTS: tuple[tuple[str, ...], re.Pattern | None] | None = None


def has_insult(text: str) -> bool:
    """Whether a review holds an insult, profanity or a curse (from the shipped word list)."""
    global _INSULTS
    if _INSULTS is None:
        _INSULTS = _load_insults()
    words, latin = _INSULTS
    low = (text or "").lower()
    return any(w in low for w in words) or bool(latin and latin.search(low))


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Quote:
    feedback_id: int
    text: str                  # shortened, personal data masked
    created_at: str
    channel: str = ""

    @property
    def day(self) -> date | None:
        return _day(self.created_at)

    def to_json(self) -> dict:
        return {"feedback_id": self.feedback_id, "text": self.text, "created_at": self.created_at}


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


# ---------------------------------------------------------------------------------------------
# Quotes


def _short(text: str, limit: int = QUOTE_CHARS) -> str:
    value = " ".join((text or "").split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip("，,。.;；、 ") + "…"
    return value


def _day(value) -> date | None:
    try:
        return clamp_stored_day(value)
    except ValueError:
        return None


def _focus(text: str, keywords: tuple[str, ...], topics: tuple[str, ...], matcher) -> str:
    """The part of a review about the keyword or topic, so praise of the food does not end up under
    “what you told us about waiting”: the sentences naming it, cut to their clauses naming it when
    long, and to a window around the keyword at most (the whole review when no part is found)."""
    from cxdesk.core.analysis.topics import split_clauses, split_sentences

    sentences = split_sentences(text)
    wanted = {i for i, name in enumerate(getattr(matcher, "names", ())) if name in topics}

    def names_it(part: str) -> bool:
        if any(k in part for k in keywords):
            return True
        return bool(matcher is not None and wanted and wanted & set(matcher.find(part)))

    parts = [x for x in sentences if any(k in x for k in keywords)]
    if not parts and matcher is not None and topics:
        from cxdesk.core.analysis.topics import assign_topics

        try:
            # The topic's own segments (a clause and what follows it); their sentiment is not needed.
            mentions = assign_topics(text, matcher, scorer=lambda segs: [None] * len(segs),
                                     labeler=lambda _s: "unknown")
            parts = list(dict.fromkeys(m.sentence for m in mentions if m.topic in topics))
        except Exception:  # noqa: BLE001 - a quote is a nicety; the whole text will do
            parts = []
    focused = "，".join(parts)
    if len(focused) > QUOTE_CHARS:
        clauses = [c for x in parts for c in split_clauses(x) if names_it(c)]
        if clauses:
            focused = "，".join(clauses)
    for k in keywords:
        at = focused.find(k)
        if len(focused) > QUOTE_CHARS and at >= 0:
            start = max(0, min(at - QUOTE_CHARS // 2, len(focused) - QUOTE_CHARS + 2))
            focused = ("…" if start else "") + focused[start:start + QUOTE_CHARS - 2]
            break
    return focused if len(focused) >= 4 else text


def _negative_about_keyword(texts: list[str], keywords: tuple[str, ...]) -> list[bool]:
    """Whether the clauses of each text that hold a keyword read negative (the sentiment model)."""
    from cxdesk.core.analysis.sentiment import label_for, score_sentences
    from cxdesk.core.analysis.topics import split_clauses, split_sentences

    units: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        for sentence in split_sentences(text):
            if any(k in sentence for k in keywords):
                clauses = [c for c in split_clauses(sentence) if any(k in c for k in keywords)]
                for c in clauses or [sentence]:
                    units.append(c)
                    owner.append(i)
    verdict = [False] * len(texts)
    if not units:
        return verdict
    for i, score in zip(owner, score_sentences(units)):
        if label_for(score) == "negative" or score < 0.5:
            verdict[i] = True
    return verdict


def _negative_about_topics(texts: list[str], topics: tuple[str, ...], matcher) -> list[bool]:
    """Whether the clauses of each text that name one of `topics` read negative (the sentiment model).

    A text with no clause naming the topic is judged whole.
    """
    from cxdesk.core.analysis.sentiment import label_for, score_sentences
    from cxdesk.core.analysis.topics import split_clauses, split_sentences

    wanted = {i for i, name in enumerate(getattr(matcher, "names", ())) if name in topics}
    units: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        clauses = [c for sentence in split_sentences(text) for c in split_clauses(sentence)]
        about = [c for c in clauses if wanted and wanted & set(matcher.find(c))] if matcher is not None else []
        for c in about or [text]:
            units.append(c)
            owner.append(i)
    verdict = [False] * len(texts)
    for i, score in zip(owner, score_sentences(units) if units else []):
        if label_for(score) == "negative":
            verdict[i] = True
    return verdict


def quote_candidates(db, action, start: date, end: date, *, limit: int = QUOTE_CANDIDATES,
                     matcher=None) -> tuple[Quote, ...]:
    """Quotes from `start`..`end` (inclusive) that mention the action's keyword or topic negatively.

    Keyword matches come first (the owner's own words are the most specific), then negative mentions
    of the topics; rows the owner linked to the action go first within each. Rows with insults are
    left out; phone and order numbers are masked.
    """
    lo, hi = day_start(start), day_start(end + timedelta(days=1))
    linked = set(action.feedback_ids)
    rows: list[tuple] = []
    if action.keywords:
        kw = " OR ".join("instr(f.text, ?) > 0" for _k in action.keywords)
        found = db.execute(
            "SELECT f.id, f.text, f.created_at, coalesce(f.channel, '') FROM feedback f WHERE f.deleted = 0 "
            f"AND f.created_at >= ? AND f.created_at < ? AND ({kw}) AND f.label = 'negative' "
            "ORDER BY coalesce(f.sentiment, 0.5), f.id LIMIT 200", [lo, hi, *action.keywords]).fetchall()
        found = [r for r in found if r[1] and not has_insult(r[1])]
        keep = _negative_about_keyword([r[1] for r in found], tuple(action.keywords))
        rows += [r for r, ok in zip(found, keep) if ok]
    if action.topics:
        marks = ", ".join("?" * len(action.topics))
        topic_rows = db.execute(
            "SELECT f.id, f.text, f.created_at, coalesce(f.channel, '') FROM feedback f "
            "JOIN feedback_topics ft ON ft.feedback_id = f.id JOIN topics t ON t.id = ft.topic_id "
            f"WHERE t.name IN ({marks}) AND ft.label = 'negative' AND f.deleted = 0 "
            "AND f.created_at >= ? AND f.created_at < ? "
            "GROUP BY f.id ORDER BY min(coalesce(ft.sentiment, f.sentiment, 0.5)), f.id LIMIT 200",
            [*action.topics, lo, hi]).fetchall()
        # The mention is labelled negative; the part quoted must read negative too (a review that
        # praises the waiters in one clause and grumbles about parking in the next is no quote).
        topic_rows = [r for r in topic_rows if r[1] and not has_insult(r[1])]
        focused = [_focus(" ".join(r[1].split()), tuple(action.keywords), tuple(action.topics), matcher)
                   for r in topic_rows]
        keep = _negative_about_topics(focused, tuple(action.topics), matcher)
        rows += [(*r, f) for r, f, ok in zip(topic_rows, focused, keep) if ok]
    rows.sort(key=lambda r: r[0] not in linked)   # stable: keyword rows stay before topic rows
    out: list[Quote] = []
    seen: set[str] = set()
    for fid, text, created, channel, *part in rows:
        raw = " ".join((text or "").split())
        if not raw or has_insult(raw):
            continue
        part_text = part[0] if part else _focus(raw, tuple(action.keywords), tuple(action.topics), matcher)
        short = _short(mask_personal(part_text))
        short = short.lstrip("=+-@ ")   # never start like a formula
        if len(short) < 4 or short in seen:
            continue
        seen.add(short)
        out.append(Quote(int(fid), short, created, channel))
        if len(out) >= limit:
            break
    return tuple(out)


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


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _result_words(action, verdict: str, subject: str, before: Window | None, after: Window | None,
                  relative: float | None) -> str:
    """The result as a customer reads it: an improvement with its size; otherwise what was done and
    what the shop keeps watching, without statistics."""
    if action.status in ("todo", "doing") or action.live_date is None:
        return _("We are working on it and will tell you when it is done.")
    if verdict in ("", "insufficient_data") or before is None:
        return _("This change started on {date}. It is too early to measure the effect; we are watching closely.").format(
            date=_long_date(action.live_date))
    if verdict == "improved" and after is not None:
        drop = f"{abs(relative) * 100:.0f}%" if relative is not None else ""
        return _("Since then, complaints about {subject} fell from {before} to {after} of all feedback: {drop} fewer.").format(
            subject=subject, before=_pct(before.negative_rate), after=_pct(after.negative_rate), drop=drop)
    if verdict == "worsened":
        return _("So far it has not worked as we hoped. We are finding out why and will try something else.")
    return _("We made this change on {date} and keep a close eye on what you tell us about {subject}. We will report back when the result is clear.").format(
        date=_long_date(action.live_date), subject=subject)


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
            metric=res.get("metric") or evaluation.metric_name(action.topics, action.keywords),
            evaluated_at=saved.created_at if saved else None, evaluation_id=saved.id if saved else None,
            before=before, after=after, relative_change=relative,
            result=_result_words(action, verdict, subject, before, after, relative),
            owner_note=res.get("sentence", ""), next_step=res.get("next_step", ""),
            customers_told=(customers_told[action.id] if customers_told is not None and action.id in customers_told
                            else case_notify.notified_count(db, action.id) or None),
        ))
    name = shop_name if shop_name is not None else (get_setting(db, SHOP_NAME_KEY, "") or "")
    colour = colour if colour is not None else (get_setting(db, COLOUR_KEY, "") or DEFAULT_COLOUR)
    if not _COLOUR.match(str(colour)):
        raise InvalidValueError(_("“{value}” is not a colour; write it like #1f3b57.").format(value=colour))
    logo = logo if logo is not None else (get_setting(db, LOGO_KEY, "") or None)
    return ImprovementReport(str(name).strip(), datetime.now().replace(microsecond=0), tuple(stories),
                             str(colour), _logo_data(logo))


def report_json(report: ImprovementReport) -> dict:
    """The report as data: the same numbers, quotes and words as the page."""
    return {"shop": report.shop_name, "generated_at": report.generated.isoformat(sep=" "),
            "actions": [s.to_json() for s in report.stories]}


# ---------------------------------------------------------------------------------------------
# Words


def _voice_sentence(v: TopicVoice) -> str:
    if v.period_from and v.period_to:
        return ngettext(
            "From {start} to {end}, {n} customer mentioned “{topic}” unfavourably.",
            "From {start} to {end}, {n} customers mentioned “{topic}” unfavourably.", v.negative,
        ).format(n=v.negative, topic=v.topic, start=_md(v.period_from), end=_md(v.period_to))
    return ngettext(
        "{n} customer mentioned “{topic}” unfavourably.",
        "{n} customers mentioned “{topic}” unfavourably.", v.negative,
    ).format(n=v.negative, topic=v.topic)


def _heard_sentence(story: ActionStory) -> str:
    """What customers said, counted by the saved evaluation's before-period."""
    b = story.before
    return ngettext(
        "From {start} to {end}, {n} of {total} reviews complained about {subject}.",
        "From {start} to {end}, {n} of {total} reviews complained about {subject}.", b.topic_negative,
    ).format(start=_md(b.start), end=_md(b.end), n=b.topic_negative, total=b.total, subject=story.subject)


def _md(d: date) -> str:
    return _("{month}/{day}").format(month=d.month, day=d.day)


def _long_date(d: date) -> str:
    return _("{month}/{day}/{year}").format(year=d.year, month=d.month, day=d.day)


_CSS = """
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "Hiragino Sans GB",
       "WenQuanYi Micro Hei", sans-serif; color: #1f2d3d; max-width: 760px; margin: 0 auto; }
h1 { font-size: 24pt; color: @ACCENT@; margin: 0 0 4px 0; }
h2 { font-size: 16pt; color: @ACCENT@; margin: 18px 0 6px 0; border-bottom: 1px solid #c9d6e3; }
h3 { font-size: 12pt; color: #52677d; margin: 10px 0 4px 0; }
p { margin: 4px 0 8px 0; font-size: 11pt; }
.sub { color: #6b7785; font-size: 10pt; }
.quote { color: #3d4b59; background-color: #f3f6f9; border-left: 3px solid #9db3c8; padding: 4px 10px; margin: 4px 0;
         font-size: 11pt; }
.result { font-size: 12pt; font-weight: bold; color: #1c5b2c; }
.result-flat { font-size: 12pt; font-weight: bold; color: #52677d; }
table.chart td { font-size: 10pt; padding: 2px 4px; }
.thanks { margin-top: 20px; font-size: 12pt; }
"""


def _block(inner: str) -> str:
    """A section: a heading and the content it introduces, kept together in a browser.

    The PDF printer keeps every heading with the line after it (`render.pdf.keep_headings_with_next`), so
    no heading is left alone at the foot of a page there either.
    """
    return f'<div class="block" style="break-inside: avoid; page-break-inside: avoid">{inner}</div>'


def _chart(story: ActionStory, colour: str) -> str:
    """A small before/after bar chart of the metric, as a table (no image, prints everywhere)."""
    e = html.escape
    b, a = story.before, story.after
    top = max(b.negative_rate, a.negative_rate) or 1.0
    rows = []
    for label, w, fill in ((_("Before the change"), b, "#9db3c8"), (_("After the change"), a, colour)):
        width = max(1, round(70 * w.negative_rate / top))
        rows.append(
            f'<tr><td width="22%" class="sub">{e(label)}<br>{e(_md(w.start))}–{e(_md(w.end))}</td>'
            f'<td width="78%"><table cellspacing="0" cellpadding="0" width="100%"><tr>'
            f'<td width="{width}%" bgcolor="{fill}" style="background-color: {fill}">&nbsp;</td>'
            f'<td width="{100 - width}%">&nbsp;<b>{e(_pct(w.negative_rate))}</b></td></tr></table></td></tr>')
    return ('<table class="chart" width="100%" cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>"
            f'<p class="sub">{e(story.metric)}</p>')


def render_html(report: ImprovementReport) -> str:
    """The report as one self-contained HTML page (inline CSS and logo, no scripts, no outside files)."""
    e = html.escape
    accent = report.colour if _COLOUR.match(report.colour or "") else DEFAULT_COLOUR
    lang = "zh-CN" if _("We heard you, and we made changes") != "We heard you, and we made changes" else "en"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(report.title)}</title><style>{_CSS.replace('@ACCENT@', accent)}</style></head><body>",
    ]
    if report.logo:
        parts.append(f'<p><img src="{e(report.logo)}" height="56" alt="{e(report.shop_name)}"></p>')
    parts.append(f"<h1>{e(report.title)}</h1>")
    sub = _("Report date: {date}").format(date=_long_date(report.generated.date()))
    if report.shop_name:
        sub = f"{report.shop_name} · {sub}"
    parts.append(f'<p class="sub">{e(sub)}</p>')
    parts.append(f"<p>{e(_('Thank you for every review and suggestion. Here is what you told us and what we did about it.'))}</p>")
    for i, story in enumerate(report.stories, 1):
        heading = story.title if len(report.stories) == 1 else f"{i}. {story.title}"
        told = [f"<h3>{e(_('What you told us'))}</h3>"]
        if story.before is not None and story.before.topic_negative:
            told.append(f"<p>{e(_heard_sentence(story))}</p>")
        said = [v for v in story.voices if v.negative]
        for v in said:
            told.append(f"<p>{e(_voice_sentence(v))}</p>")
        if not said and not story.quotes and story.before is None:
            told.append(f"<p>{e(_('Several customers raised this with us.'))}</p>")
        for q in story.quotes:
            told.append(f'<p class="quote">“{e(q.text)}”</p>')
        parts.append(_block(f"<h2>{e(heading)}</h2>" + "".join(told)))
        done = [f"<h3>{e(_('What we did'))}</h3>", f"<p>{e(story.done).replace(chr(10), '<br>')}</p>"]
        if story.live_date:
            done.append(f'<p class="sub">{e(_("In place since {date}.").format(date=_long_date(story.live_date)))}</p>')
        if story.customers_told:
            done.append("<p>" + e(ngettext(
                "We told the {n} customer who complained about it what we changed.",
                "We told the {n} customers who complained about it what we changed.",
                story.customers_told).format(n=story.customers_told)) + "</p>")
        parts.append(_block("".join(done)))
        changed = [f"<h3>{e(_('What changed'))}</h3>"]
        if story.verdict in ("improved", "worsened") and story.before is not None and story.after is not None:
            changed.append(_chart(story, accent))
        css = "result" if story.verdict == "improved" else "result-flat"
        changed.append(f'<p class="{css}">{e(story.result)}</p>')
        if story.evaluated_at and story.before is not None:
            changed.append(f'<p class="sub">{e(_("Numbers from our evaluation of {date}.").format(date=_long_date(_day(story.evaluated_at) or report.generated.date())))}</p>')
        parts.append(_block("".join(changed)))
    closing = _("Please keep telling us what you think. Every review is read.")
    tail = f'<p class="thanks">{e(closing)}</p>'
    if report.shop_name:
        tail += f'<p class="sub">— {e(report.shop_name)}</p>'
    parts.append(_block(tail))
    parts.append("</body></html>")
    return "\n".join(parts)


def announcement_text(report: ImprovementReport, *, max_chars: int = 500) -> str:
    """A short post the owner can paste into WeChat Moments, Weibo or a review reply."""
    lines = [_("【We heard you, and we made changes】"), _("Thank you for your feedback! Here is what we changed:")]
    for i, story in enumerate(report.stories, 1):
        prefix = f"{i}. " if len(report.stories) > 1 else ""
        said = [v for v in story.voices if v.negative]
        topic = story.subject
        n = story.before.topic_negative if story.before is not None else sum(v.negative for v in said)
        if n:
            heard = ngettext("{n} customer told us about {topic}", "{n} customers told us about {topic}", n).format(
                n=n, topic=topic)
        else:
            heard = _("You told us about {topic}").format(topic=topic)
        if story.quotes:
            heard += _(", e.g. “{quote}”").format(quote=_short(story.quotes[0].text, 30))
        lines.append(prefix + heard + _("."))
        done = " ".join(story.done.split())
        if len(done) > 80:
            done = done[:79] + "…"
        what = _("What we did: {done}").format(done=done)
        if story.live_date:
            what += _(" (since {date})").format(date=_md(story.live_date))
        lines.append(what)
        lines.append(story.result)
    lines.append(_("Please keep the feedback coming!"))
    if report.shop_name:
        lines.append(f"—— {report.shop_name}")
    text = "\n".join(lines)
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return text
