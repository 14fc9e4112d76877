"""NPS and CSAT of the survey responses, with 95 % intervals, overall, per period, per channel and per topic.

NPS: promoters answer 9–10, passives 7–8, detractors 0–6; NPS = %promoters − %detractors (−100..100).
Its 95 % interval is the normal approximation with the multinomial variance of the difference of the two
shares, adjusted the way Agresti–Coull adjust a proportion's: three pseudo-responses (¾ promoter, 1½
passive, ¾ detractor) are added first, so p̃₊ = (P + ¾)/(n + 3), p̃₋ = (D + ¾)/(n + 3),
var = (p̃₊ + p̃₋ − (p̃₊ − p̃₋)²) / (n + 3), interval 100·(p̃₊ − p̃₋) ± 1.96·√var·100, clipped to −100..100.
The plain (Wald) interval holds the true NPS only ~91 % of the time at n = 15 and ~76 % when nearly
everyone is a promoter; the adjusted one holds it 94–96 % from n = 15 up and equals the plain one for
large n. The NPS itself is always the plain count.
CSAT: the share of top-2-box answers (4–5 on 1–5, 6–7 on 1–7, 9–10 on 1–10), with a Wilson 95 % interval.
A response counts in the NPS when it answered the recommend question and in CSAT when it answered the
satisfaction question. Per topic: the responses with a written answer that mentions the topic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from cxdesk.core.errors import InvalidValueError
from cxdesk.i18n import _

Z95 = 1.959963984540054
PSEUDO_RESPONSES = 3.0      # added to the interval only: ¼ promoters, ½ passives, ¼ detractors


@dataclass(frozen=True)
class NpsFigure:
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def value(self) -> float | None:
        n = self.responses
        return None if n == 0 else 100.0 * (self.promoters - self.detractors) / n

    @property
    def ci95(self) -> tuple[float, float] | None:
        n = self.responses
        if n == 0:
            return None
        m = n + PSEUDO_RESPONSES
        p = (self.promoters + PSEUDO_RESPONSES / 4) / m
        d = (self.detractors + PSEUDO_RESPONSES / 4) / m
        half = Z95 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / m) * 100.0
        v = 100.0 * (p - d)
        return max(-100.0, v - half), min(100.0, v + half)

    @property
    def variance(self) -> float | None:
        """Variance of the NPS in points², for comparing two periods."""
        n = self.responses
        if n == 0:
            return None
        p, d = self.promoters / n, self.detractors / n
        return (p + d - (p - d) ** 2) / n * 10_000.0

    def __add__(self, other: "NpsFigure") -> "NpsFigure":
        return NpsFigure(self.promoters + other.promoters, self.passives + other.passives,
                         self.detractors + other.detractors)

    def to_dict(self) -> dict:
        ci = self.ci95
        return {"value": _r(self.value), "promoters": self.promoters, "passives": self.passives,
                "detractors": self.detractors, "responses": self.responses,
                "ci95": None if ci is None else [_r(ci[0]), _r(ci[1])]}


@dataclass(frozen=True)
class CsatFigure:
    satisfied: int = 0        # top-2-box answers
    responses: int = 0

    @property
    def value(self) -> float | None:
        return None if self.responses == 0 else 100.0 * self.satisfied / self.responses

    @property
    def ci95(self) -> tuple[float, float] | None:
        n = self.responses
        if n == 0:
            return None
        p, z2 = self.satisfied / n, Z95 * Z95
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
        return max(0.0, centre - half) * 100.0, min(1.0, centre + half) * 100.0

    def to_dict(self) -> dict:
        ci = self.ci95
        return {"value": _r(self.value), "satisfied": self.satisfied, "responses": self.responses,
                "ci95": None if ci is None else [_r(ci[0]), _r(ci[1])]}


@dataclass(frozen=True)
class SurveyFigures:
    nps: NpsFigure
    csat: CsatFigure

    @property
    def responses(self) -> int:
        return max(self.nps.responses, self.csat.responses)

    def to_dict(self) -> dict:
        return {"nps": self.nps.to_dict(), "csat": self.csat.to_dict()}


@dataclass(frozen=True)
class PeriodFigures:
    start: date
    end: date
    figures: SurveyFigures

    def to_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), **self.figures.to_dict()}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def nps_of_scores(scores) -> NpsFigure:
    """The NPS counts of plain 0..10 answers (None skipped)."""
    p = a = d = 0
    for s in scores:
        if s is None:
            continue
        if s >= 9:
            p += 1
        elif s >= 7:
            a += 1
        else:
            d += 1
    return NpsFigure(p, a, d)


def difference(before: NpsFigure, after: NpsFigure) -> tuple[float, tuple[float, float]] | None:
    """after − before in points with its 95 % interval (independent samples), or None when one is empty."""
    if before.value is None or after.value is None:
        return None
    diff = after.value - before.value
    half = Z95 * math.sqrt(before.variance + after.variance)
    return diff, (diff - half, diff + half)


# ---------------------------------------------------------------------------------------------
# From the database

_COLUMNS = ("sum(r.nps >= 9), sum(r.nps BETWEEN 7 AND 8), sum(r.nps <= 6), "
            "sum(r.csat >= r.csat_scale - 1), count(r.csat)")
_PERIOD_SQL = {
    "day": "substr(r.submitted_at, 1, 10)",
    "week": "date(substr(r.submitted_at, 1, 10), '-6 days', 'weekday 1')",
    "month": "substr(r.submitted_at, 1, 7) || '-01'",
}


def _where(date_from: date | None, date_to: date | None, channels=(), topics=()) -> tuple[str, list]:
    parts, args = ["1 = 1"], []
    if date_from is not None:
        parts.append("r.submitted_at >= ?")
        args.append(date_from.isoformat())
    if date_to is not None:
        parts.append("r.submitted_at < ?")
        args.append((date_to + timedelta(days=1)).isoformat())
    if channels:
        parts.append("coalesce(r.channel, '') IN (%s)" % ",".join("?" * len(channels)))
        args.extend(channels)
    if topics:
        parts.append(
            "r.id IN (SELECT a.response_id FROM survey_answers a JOIN feedback f ON f.id = a.feedback_id "
            "JOIN feedback_topics ft ON ft.feedback_id = f.id JOIN topics t ON t.id = ft.topic_id "
            "WHERE f.deleted = 0 AND t.name IN (%s))" % ",".join("?" * len(topics)))
        args.extend(topics)
    return " AND ".join(parts), args


def _figures(row) -> SurveyFigures:
    p, a, d, sat, n = (int(v or 0) for v in row)
    return SurveyFigures(NpsFigure(p, a, d), CsatFigure(sat, n))


def survey_figures(db, *, date_from: date | None = None, date_to: date | None = None, channels=(),
                   topics=()) -> SurveyFigures:
    """NPS and CSAT of the responses in the filter (all responses by default)."""
    where, args = _where(date_from, date_to, channels, topics)
    return _figures(db.execute(f"SELECT {_COLUMNS} FROM survey_responses r WHERE {where}", args).fetchone())


def nps_for_period(db, start: date | None, end: date | None, channel: str | None = None) -> NpsFigure:
    """The NPS of the responses submitted start..end (inclusive days), optionally of one channel.

    The public entry point for goals and evaluations; `value` and `ci95` are in points.
    """
    return survey_figures(db, date_from=start, date_to=end, channels=(channel,) if channel is not None else ()).nps


def _period_end(start: date, granularity: str) -> date:
    if granularity == "day":
        return start
    if granularity == "week":
        return start + timedelta(days=6)
    nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def by_period(db, granularity: str = "month", *, date_from: date | None = None, date_to: date | None = None,
              channels=(), topics=()) -> list[PeriodFigures]:
    """NPS and CSAT per day, week (Monday–Sunday) or month that has responses, oldest first."""
    if granularity not in _PERIOD_SQL:
        raise InvalidValueError(_("Unknown granularity “{value}”: use day, week or month.").format(value=granularity))
    where, args = _where(date_from, date_to, channels, topics)
    rows = db.execute(
        f"SELECT {_PERIOD_SQL[granularity]} AS period, {_COLUMNS} FROM survey_responses r "
        f"WHERE {where} AND r.submitted_at IS NOT NULL GROUP BY period ORDER BY period", args).fetchall()
    out = []
    for row in rows:
        start = date.fromisoformat(row[0])
        out.append(PeriodFigures(start, _period_end(start, granularity), _figures(row[1:])))
    return out


def by_channel(db, **flt) -> dict[str, SurveyFigures]:
    """NPS and CSAT per channel/store ("" = none), most responses first."""
    where, args = _where(flt.get("date_from"), flt.get("date_to"), flt.get("channels", ()), flt.get("topics", ()))
    rows = db.execute(f"SELECT coalesce(r.channel, ''), {_COLUMNS} FROM survey_responses r WHERE {where} "
                      "GROUP BY 1 ORDER BY count(*) DESC, 1", args).fetchall()
    return {row[0]: _figures(row[1:]) for row in rows}


def by_topic(db, **flt) -> dict[str, SurveyFigures]:
    """NPS and CSAT of the responses whose written answers mention each topic, most responses first."""
    where, args = _where(flt.get("date_from"), flt.get("date_to"), flt.get("channels", ()), flt.get("topics", ()))
    # Each (topic, response) pair once, however many of the response's answers mention the topic.
    rows = db.execute(
        f"SELECT t.name, {_COLUMNS} FROM (SELECT DISTINCT ft.topic_id, a.response_id FROM survey_answers a "
        "  JOIN feedback f ON f.id = a.feedback_id AND f.deleted = 0 "
        "  JOIN feedback_topics ft ON ft.feedback_id = a.feedback_id) x "
        "JOIN topics t ON t.id = x.topic_id JOIN survey_responses r ON r.id = x.response_id "
        f"WHERE {where} GROUP BY t.name ORDER BY count(*) DESC, t.name", args).fetchall()
    return {row[0]: _figures(row[1:]) for row in rows}


def response_count(db) -> int:
    from cxdesk.core.surveys.store import has_responses

    return db.execute("SELECT count(*) FROM survey_responses").fetchone()[0] if has_responses(db) else 0


@dataclass(frozen=True)
class SurveyOverview:
    """What 概览 shows of the surveys: the figures of the filter and one point per period."""

    total: SurveyFigures
    periods: tuple[PeriodFigures, ...]
    responses_in_db: int


def survey_overview(db, granularity: str = "week", *, date_from: date | None = None, date_to: date | None = None,
                    channels=(), topics=()) -> SurveyOverview:
    """The survey card and NPS trend of 概览 in one call; `responses_in_db` 0 means there is nothing to show."""
    n = response_count(db)
    if n == 0:
        return SurveyOverview(SurveyFigures(NpsFigure(), CsatFigure()), (), 0)
    kw = {"date_from": date_from, "date_to": date_to, "channels": channels, "topics": topics}
    return SurveyOverview(survey_figures(db, **kw), tuple(by_period(db, granularity, **kw)), n)
