"""Customer cases: every unhappy new review becomes a case to answer, with a status, a history and a reply draft.

Rules (each has a test in tests/core/test_cases.py):
- After each analysis (and before the cases commands read them), reviews of imports not yet looked at become
  cases when they are rated 1–2★ (analysed or not),
  or unrated and labelled negative or with a negative topic mention; 3★ with a complaint only when the
  setting `cases.three_star` is on.
- A history backfill does not flood the queue: a review older than `cases.backfill_days` (default 30)
  when it is first looked at opens no case. A review without a time counts as new.
- One case per review (UNIQUE feedback_id): a re-import or an edited review never opens a second one.
  Undoing an import deletes its reviews and, by the foreign key, their cases.
- Due time = review time (or the import's time) + `cases.reply_target_hours` (default 24).
  A case is overdue while it is open after its due time.
Imports are tracked by source id (never reused, unlike feedback ids after an undo).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from cxdesk.core import storage
from cxdesk.core.case_drafts import (  # noqa: F401  (re-exported)
    SHIPPED, TEMPLATES_KEY, complaint_words, make_draft, reply_templates, set_reply_template,
    shipped_topic_templates, text_clauses, topic_synonyms,
)
from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.i18n import N_, _

STATUSES = ("open", "replied", "contacted", "resolved", "ignored")
STATUS_LABELS = {
    "open": N_("Open"),
    "replied": N_("Replied"),
    "contacted": N_("Contacted"),
    "resolved": N_("Resolved"),
    "ignored": N_("No action needed"),
}
FIELD_LABELS = {"status": N_("Status"), "owner": N_("Owner"), "note": N_("Note"), "reply": N_("Reply"),
                "draft": N_("Draft")}

# Typed names accepted whatever the UI language (the zh_CN catalog shows the same words).
_ZH_NAMES = {"待处理": "open", "已回复": "replied", "已联系": "contacted", "已解决": "resolved", "无需处理": "ignored"}
RESPONDED = ("replied", "contacted", "resolved")
URGENT_WORDS = ("食物中毒", "投诉", "退款", "12315", "拉肚子", "报警", "曝光", "food poisoning", "refund",
                "complaint", "report you")

BACKFILL_DAYS_KEY = "cases.backfill_days"
REPLY_HOURS_KEY = "cases.reply_target_hours"
THREE_STAR_KEY = "cases.three_star"
SCANNED_KEY = "cases.scanned_source"
DEFAULT_BACKFILL_DAYS = 30
DEFAULT_REPLY_HOURS = 24

_FMT = "%Y-%m-%d %H:%M:%S"




# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Case:
    id: int
    feedback_id: int | None          # None for the case of a survey response without a written answer
    status: str
    owner: str
    note: str
    reply: str | None
    draft: str
    severity: int
    urgent: bool
    opened_at: str
    due_at: str
    first_reply_at: str | None
    resolved_at: str | None
    updated_at: str
    created_at: str | None          # the review's time
    rating: float | None
    text: str
    channel: str | None
    author: str | None
    lang: str | None
    topics: tuple[str, ...]         # topics the review complains about
    overdue: bool
    nps: int | None = None          # the recommend answer (0–10) of a survey response's case

    @property
    def status_label(self) -> str:
        return status_name(self.status)

    @property
    def score_label(self) -> str:
        """★★ for a review, 推荐分 3/10 for a survey response, else "no rating"."""
        if self.rating is not None:
            return "★" * int(round(self.rating))
        if self.nps is not None:
            return _("recommend {score}/10").format(score=self.nps)
        return _("no rating")

    @property
    def score_short(self) -> str:
        """The score for a narrow table column: ★★, 3/10 for a survey response, else –."""
        if self.rating is not None:
            return "★" * int(round(self.rating))
        return f"{self.nps}/10" if self.nps is not None else "–"

    def to_json(self) -> dict:
        return {"id": self.id, "feedback_id": self.feedback_id, "status": self.status,
                "created_at": self.created_at, "due_at": self.due_at, "rating": self.rating, "text": self.text,
                "topics": list(self.topics), "channel": self.channel, "author": self.author,
                "overdue": self.overdue, "severity": self.severity, "urgent": self.urgent, "owner": self.owner,
                "nps": self.nps}


@dataclass(frozen=True)
class HistoryEntry:
    at: str
    field: str
    old_value: str | None
    new_value: str | None

    def to_json(self) -> dict:
        return {"at": self.at, "field": self.field, "old": self.old_value, "new": self.new_value}


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    history: tuple[HistoryEntry, ...]
    complaint: tuple[str, ...]      # the words of the review that complain (highlighted on screen)

    def to_json(self) -> dict:
        out = self.case.to_json()
        out.update({"owner": self.case.owner, "note": self.case.note, "reply": self.case.reply,
                    "draft": self.case.draft, "opened_at": self.case.opened_at,
                    "first_reply_at": self.case.first_reply_at, "resolved_at": self.case.resolved_at,
                    "complaint": list(self.complaint), "history": [h.to_json() for h in self.history]})
        return out


@dataclass(frozen=True)
class OpenResult:
    opened: int
    looked_at: int


@dataclass(frozen=True)
class WeekFigures:
    week: str                       # Monday, YYYY-MM-DD
    cases: int
    responded: int
    resolved: int
    median_reply_hours: float | None

    def to_json(self) -> dict:
        return {"week": self.week, "cases": self.cases, "responded": self.responded, "resolved": self.resolved,
                "median_reply_hours": self.median_reply_hours}


@dataclass(frozen=True)
class CaseStats:
    open: int
    overdue: int
    replied: int
    contacted: int
    resolved: int
    ignored: int
    total: int
    response_rate: float | None     # responded / (all − ignored)
    median_reply_hours: float | None
    resolved_share: float | None    # resolved / (all − ignored)
    weeks: tuple[WeekFigures, ...] = field(default=())

    def to_json(self) -> dict:
        return {"open": self.open, "overdue": self.overdue, "replied": self.replied, "contacted": self.contacted,
                "resolved": self.resolved, "ignored": self.ignored, "total": self.total,
                "response_rate": self.response_rate, "median_reply_hours": self.median_reply_hours,
                "resolved_share": self.resolved_share, "weeks": [w.to_json() for w in self.weeks]}


@dataclass(frozen=True)
class Notice:
    feedback_id: int
    author: str | None
    channel: str | None
    created_at: str | None
    text: str
    topics: tuple[str, ...]
    message: str
    notified_at: str | None

    def to_json(self) -> dict:
        return {"feedback_id": self.feedback_id, "author": self.author, "channel": self.channel,
                "created_at": self.created_at, "text": self.text, "topics": list(self.topics),
                "message": self.message, "notified_at": self.notified_at}


def status_name(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def field_name(field: str) -> str:
    return _(FIELD_LABELS.get(field, field))


def parse_status(text: str) -> str:
    """`open`, `replied`, ... or their shown names (待处理, 已回复, ...)."""
    value = (text or "").strip()
    if value.lower() in STATUSES:
        return value.lower()
    if value in _ZH_NAMES:
        return _ZH_NAMES[value]
    for key, label in STATUS_LABELS.items():
        if value in (label, _(label)):
            return key
    raise InvalidValueError(_("Unknown case status “{value}”. Use one of: {names}.").format(
        value=text, names=", ".join(STATUSES)))


# ---------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class CaseSettings:
    backfill_days: int = DEFAULT_BACKFILL_DAYS
    reply_target_hours: float = DEFAULT_REPLY_HOURS
    three_star: bool = False


def get_settings(db) -> CaseSettings:
    def num(key, default):
        value = storage.get_setting(db, key, default)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else default

    return CaseSettings(int(num(BACKFILL_DAYS_KEY, DEFAULT_BACKFILL_DAYS)),
                        float(num(REPLY_HOURS_KEY, DEFAULT_REPLY_HOURS)),
                        bool(storage.get_setting(db, THREE_STAR_KEY, False)))


def set_settings(db, *, backfill_days: int | None = None, reply_target_hours: float | None = None,
                 three_star: bool | None = None) -> CaseSettings:
    for key, value in ((BACKFILL_DAYS_KEY, backfill_days), (REPLY_HOURS_KEY, reply_target_hours)):
        if value is None:
            continue
        if not isinstance(value, (int, float)) or value < 0 or value > 100_000:
            raise InvalidValueError(_("“{value}” is not a usable number of days or hours.").format(value=value))
        storage.set_setting(db, key, value)
    if three_star is not None:
        storage.set_setting(db, THREE_STAR_KEY, bool(three_star))
    return get_settings(db)


# ---------------------------------------------------------------------------------------------
# Opening cases


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text[:19])
    except ValueError:
        return None


def format_moment(moment: datetime) -> str:
    return moment.replace(microsecond=0).strftime(_FMT)


def is_urgent(text: str | None) -> bool:
    low = (text or "").lower()
    return any(w in low for w in URGENT_WORDS)


def _complaint_topics(db, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for fid, name in db.execute(
                "SELECT ft.feedback_id, t.name FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                f"WHERE ft.label = 'negative' AND ft.feedback_id IN ({','.join('?' * len(chunk))}) ORDER BY t.id",
                chunk):
            out.setdefault(fid, []).append(name)
    return out


_REPLIED_WORDS = ("已回复", "已回覆", "已答复", "是", "yes", "y", "true", "1", "replied", "answered")


def platform_replied(text: str | None, replied_at: str | None, status: str | None) -> bool:
    """Whether the platform's export says the shop answered: a reply text, a reply time or a 已回复 status."""
    if (text or "").strip() or replied_at:
        return True
    return (status or "").strip().lower() in _REPLIED_WORDS


def sync_platform_replies(db, *, now: datetime | None = None) -> int:
    """Open cases whose review the shop already answered on the platform become 已回复 at that time.

    Cases the owner has already worked on are left as they are. Returns how many changed.
    """
    stamp = format_moment(now or datetime.now())
    rows = db.execute(
        "SELECT c.id, r.text, r.replied_at, r.status FROM cases c JOIN feedback_replies r ON r.feedback_id = c.feedback_id "
        "WHERE c.status = 'open' AND c.first_reply_at IS NULL").fetchall()
    done = [(cid, text, at) for cid, text, at, status in rows if platform_replied(text, at, status)]
    # Cases the owner marked by hand keep their status, but an earlier reply on the platform is the
    # first reply (the response figures count from it) and its text is the reply when none was noted.
    worked = [(cid, text, at) for cid, text, at, status, first, reply in db.execute(
        "SELECT c.id, r.text, r.replied_at, r.status, c.first_reply_at, c.reply FROM cases c "
        "JOIN feedback_replies r ON r.feedback_id = c.feedback_id WHERE c.status != 'open'").fetchall()
        if platform_replied(text, at, status)
        and ((at and (first is None or at < first)) or (text and not reply))]
    if worked:
        with db.atomic():
            for cid, text, at in worked:
                db.execute("UPDATE cases SET reply = coalesce(reply, ?), "
                           "first_reply_at = CASE WHEN ? IS NOT NULL AND (first_reply_at IS NULL OR ? < first_reply_at) "
                           "THEN ? ELSE first_reply_at END, updated_at = ? WHERE id = ?", [text, at, at, at, stamp, cid])
    if not done:
        return len(worked)
    with db.atomic():
        for cid, text, at in done:
            when = at or stamp
            db.execute("UPDATE cases SET status = 'replied', reply = coalesce(reply, ?), first_reply_at = ?, "
                       "updated_at = ? WHERE id = ?", [text, when, stamp, cid])
            db.execute("INSERT INTO case_history(case_id, at, field, old_value, new_value) VALUES (?,?,?,?,?)",
                       [cid, when, "status", "open", "replied"])
    return len(done) + len(worked)


def open_cases(db, *, now: datetime | None = None) -> OpenResult:
    """Open cases for the reviews of imports not looked at yet (see the module's rules). Idempotent.

    One INSERT ... SELECT, so an import of 100k rows pays milliseconds, not a Python loop per review.
    Severity: 1★ 30, 2★ 20, unrated 15, 3★ 10; +5 for two or more complaint topics; +100 for urgent
    words. The reply draft is stored with the case (`get_case` makes one for a case that has none).
    """
    now = now or datetime.now()
    settings = get_settings(db)
    mark = int(storage.get_setting(db, SCANNED_KEY, 0) or 0)
    newest = db.execute("SELECT max(id) FROM sources").fetchone()[0] or 0
    if newest <= mark:
        sync_platform_replies(db, now=now)
        return OpenResult(0, 0)
    # A source whose rows still wait for analysis is looked at again next time.
    pending = db.execute(
        "SELECT min(source_id) FROM feedback WHERE source_id > ? AND deleted = 0 AND analysis_version IS NULL",
        [mark]).fetchone()[0]
    cutoff = format_moment(now - timedelta(days=settings.backfill_days))
    stamp = format_moment(now)
    complained = "EXISTS (SELECT 1 FROM feedback_topics ft WHERE ft.feedback_id = f.id AND ft.label = 'negative')"
    qualifies = f"(f.rating <= 2.5 OR (f.rating IS NULL AND (f.label = 'negative' OR {complained}))"
    if settings.three_star:
        qualifies += f" OR (f.rating > 2.5 AND f.rating <= 3.5 AND (f.label = 'negative' OR {complained}))"
    qualifies += ")"
    topics_n = "(SELECT count(*) FROM feedback_topics ft WHERE ft.feedback_id = f.id AND ft.label = 'negative')"
    hours = f"+{float(settings.reply_target_hours)} hours"
    before = db.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()[0]
    with db.atomic():
        cur = db.conn.execute(
            "INSERT INTO cases(feedback_id, draft, severity, urgent, opened_at, due_at, updated_at) "
            "SELECT f.id, '', "
            "  (CASE WHEN f.rating <= 1.5 THEN 30 WHEN f.rating <= 2.5 THEN 20 WHEN f.rating IS NULL THEN 15 ELSE 10 END)"
            f"  + (CASE WHEN {topics_n} >= 2 THEN 5 ELSE 0 END), 0, ?, "
            "  coalesce(datetime(f.created_at, ?), datetime(s.imported_at, ?), datetime(?, ?)), ? "
            "FROM feedback f JOIN sources s ON s.id = f.source_id "
            "WHERE f.source_id > ? AND f.deleted = 0 AND (f.analysis_version IS NOT NULL OR f.rating <= 2.5) "
            f"AND (f.created_at IS NULL OR f.created_at >= ?) AND {qualifies} "
            # Survey answers open cases by their recommend score only (surveys/cases.py), never by their words.
            "AND NOT EXISTS (SELECT 1 FROM survey_answers a WHERE a.feedback_id = f.id) "
            "ON CONFLICT(feedback_id) DO NOTHING",
            [stamp, hours, hours, stamp, hours, stamp, mark, cutoff])
        opened = max(cur.rowcount, 0)
        _draft_new_cases(db, before)   # in Python: eleven instr(lower()) per row in SQL cost more
        db.conn.execute("INSERT INTO case_history(case_id, at, field, old_value, new_value) "
                        "SELECT id, opened_at, 'status', NULL, 'open' FROM cases WHERE id > ?", [before])
        new_mark = (pending - 1) if pending is not None else newest
        db.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [SCANNED_KEY, json.dumps(max(new_mark, mark))])
    sync_platform_replies(db, now=now)
    return OpenResult(opened, opened)


DRAFT_BATCH = 5_000   # a 1M-row first import opened 285,000 cases: read at once they held 500 MB


def _draft_new_cases(db, before: int) -> None:
    """Reply drafts and urgent words of the cases after id `before`, in batches."""
    templates = synonyms = None
    last = before
    while True:
        fresh = db.conn.execute(
            "SELECT c.id, c.feedback_id, f.text, f.author, f.lang, f.analysis_version FROM cases c "
            "JOIN feedback f ON f.id = c.feedback_id WHERE c.id > ? ORDER BY c.id LIMIT ?",
            [last, DRAFT_BATCH]).fetchall()
        if not fresh:
            return
        last, templates = fresh[-1][0], templates or reply_templates(db)
        synonyms = synonyms if synonyms is not None else topic_synonyms(db)
        topics = _complaint_topics(db, [r[1] for r in fresh])
        # A 1–2★ review imported without analysis has no topics yet: its draft is made when shown.
        db.conn.executemany(
            "UPDATE cases SET draft = ?, urgent = ?, severity = severity + ? WHERE id = ?",
            [(make_draft(text or "", author, tuple(topics.get(fid, ())), lang=lang, templates=templates,
                         synonyms=synonyms) if version else "",
              int(is_urgent(text)), 100 if is_urgent(text) else 0, cid)
             for cid, fid, text, author, lang, version in fresh])


# ---------------------------------------------------------------------------------------------
# Reading


_SELECT = (
    "SELECT c.id, c.feedback_id, c.status, c.owner, c.note, c.reply, c.draft, c.severity, c.urgent, c.opened_at, "
    "c.due_at, c.first_reply_at, c.resolved_at, c.updated_at, coalesce(f.created_at, sr.submitted_at), f.rating, "
    "f.text, coalesce(f.channel, sr.channel), f.author, f.lang, coalesce(sr.nps, (SELECT r.nps FROM survey_answers a "
    "JOIN survey_responses r ON r.id = a.response_id WHERE a.feedback_id = c.feedback_id)) "
)
# A case belongs to a feedback row, or (a detractor who wrote nothing) to a survey response.
_FROM = ("FROM cases c LEFT JOIN feedback f ON f.id = c.feedback_id "
         "LEFT JOIN survey_responses sr ON sr.id = c.response_id")
_LIVE = "coalesce(f.deleted, 0) = 0"


def _cases_from(db, rows, now: datetime) -> list[Case]:
    topics = _complaint_topics(db, [r[1] for r in rows])
    stamp = format_moment(now)
    return [Case(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9], r[10], r[11], r[12], r[13],
                 r[14], r[15], r[16] or "", r[17], r[18], r[19], tuple(topics.get(r[1], ())),
                 r[2] == "open" and r[10] < stamp, r[20]) for r in rows]


def _where(status: str | None, overdue: bool, topic: str | None, channel: str | None, now: datetime) -> tuple[str, list]:
    where = [_LIVE]
    params: list = []
    if status:
        where.append("c.status = ?")
        params.append(parse_status(status))
    if overdue:
        where.append("c.status = 'open' AND c.due_at < ?")
        params.append(format_moment(now))
    if topic:
        where.append("EXISTS (SELECT 1 FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                     "WHERE ft.feedback_id = c.feedback_id AND ft.label = 'negative' AND t.name = ?)")
        params.append(topic)
    if channel:
        where.append("coalesce(f.channel, sr.channel) = ?")
        params.append(channel)
    return " AND ".join(where), params


def queue_ids(db, *, status: str | None = None, overdue: bool = False, topic: str | None = None,
              channel: str | None = None, now: datetime | None = None) -> list[int]:
    """Case ids in queue order: overdue open cases first, then open ones, then by severity and due time."""
    now = now or datetime.now()
    where, params = _where(status, overdue, topic, channel, now)
    stamp = format_moment(now)
    return [r[0] for r in db.execute(
        f"SELECT c.id {_FROM} WHERE {where} "
        "ORDER BY (c.status = 'open' AND c.due_at < ?) DESC, (c.status = 'open') DESC, c.severity DESC, "
        "c.due_at, c.id", [*params, stamp])]


def get_cases(db, ids: list[int], *, now: datetime | None = None) -> list[Case]:
    """The cases `ids`, in that order (missing ones left out)."""
    now = now or datetime.now()
    found: dict[int, Case] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows = db.execute(f"{_SELECT} {_FROM} WHERE c.id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        found.update((c.id, c) for c in _cases_from(db, rows, now))
    return [found[i] for i in ids if i in found]


def list_cases(db, *, status: str | None = None, overdue: bool = False, topic: str | None = None,
               channel: str | None = None, now: datetime | None = None) -> list[Case]:
    now = now or datetime.now()
    return get_cases(db, queue_ids(db, status=status, overdue=overdue, topic=topic, channel=channel, now=now), now=now)


def get_case(db, case_id: int, *, now: datetime | None = None) -> CaseDetail:
    now = now or datetime.now()
    found = get_cases(db, [int(case_id)], now=now)
    if not found:
        raise NotFoundError(_("There is no case with number {id}.").format(id=case_id))
    case = found[0]
    history = tuple(HistoryEntry(*r) for r in db.execute(
        "SELECT at, field, old_value, new_value FROM case_history WHERE case_id = ? ORDER BY id", [case.id]))
    synonyms = topic_synonyms(db)
    if not case.draft:
        # Made from the templates in use when the case is first shown; kept once the owner edits it.
        case = replace(case, draft=make_draft(case.text, case.author, case.topics, lang=case.lang,
                                              templates=reply_templates(db), synonyms=synonyms))
    words = list(complaint_words(case.text, synonyms, case.topics).values())
    words += [clause for clause in text_clauses(case.text) if is_urgent(clause)]
    return CaseDetail(case, history, tuple(dict.fromkeys(words)))


def open_count(db) -> int:
    return db.execute(f"SELECT count(*) {_FROM} WHERE c.status = 'open' AND {_LIVE}").fetchone()[0]


def case_channels(db) -> list[str]:
    return [r[0] for r in db.execute(
        f"SELECT DISTINCT coalesce(f.channel, sr.channel) AS ch {_FROM} WHERE ch IS NOT NULL AND ch != '' ORDER BY 1")]


def case_topics(db) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT DISTINCT t.name FROM cases c JOIN feedback_topics ft ON ft.feedback_id = c.feedback_id "
        "JOIN topics t ON t.id = ft.topic_id WHERE ft.label = 'negative' ORDER BY t.id")]


# ---------------------------------------------------------------------------------------------
# Changing


def update_case(db, case_id: int, *, status: str | None = None, note: str | None = None, reply: str | None = None,
                owner: str | None = None, draft: str | None = None, now: datetime | None = None) -> CaseDetail:
    """Change a case; every changed field goes into its history with the time."""
    now = now or datetime.now()
    row = db.execute("SELECT status, owner, note, reply, draft, first_reply_at, resolved_at FROM cases WHERE id = ?",
                     [int(case_id)]).fetchone()
    if row is None:
        raise NotFoundError(_("There is no case with number {id}.").format(id=case_id))
    old = dict(zip(("status", "owner", "note", "reply", "draft"), row[:5]))
    new = {"status": parse_status(status) if status is not None else None, "owner": owner, "note": note,
           "reply": reply, "draft": draft}
    stamp = format_moment(now)
    first_reply_at, resolved_at = row[5], row[6]
    with db.atomic():
        for key, value in new.items():
            if value is None or value == old[key]:
                continue
            db.execute(f"UPDATE cases SET {key} = ?, updated_at = ? WHERE id = ?", [value, stamp, int(case_id)])
            db.execute("INSERT INTO case_history(case_id, at, field, old_value, new_value) VALUES (?,?,?,?,?)",
                       [int(case_id), stamp, key, old[key], value])
        if new["status"] in RESPONDED and first_reply_at is None:
            db.execute("UPDATE cases SET first_reply_at = ? WHERE id = ?", [stamp, int(case_id)])
        if new["status"] == "resolved" and resolved_at is None:
            db.execute("UPDATE cases SET resolved_at = ? WHERE id = ?", [stamp, int(case_id)])
    return get_case(db, case_id, now=now)


# ---------------------------------------------------------------------------------------------
# Figures


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


_BASE_TIME = "coalesce(f.created_at, sr.submitted_at, c.opened_at)"
_REPLY_HOURS = f"max((julianday(c.first_reply_at) - julianday({_BASE_TIME})) * 24.0, 0.0)"
_WEEK = f"date({_BASE_TIME}, '-6 days', 'weekday 1')"   # the Monday on or before the review


def case_stats(db, *, now: datetime | None = None, weeks: int = 12) -> CaseStats:
    """Counts by status, overdue, response rate, median hours from review to first response, and the
    last `weeks` weeks (none with 0). Counted in SQL: the screen asks for it on every reload."""
    now = now or datetime.now()
    stamp = format_moment(now)
    counts = dict.fromkeys(STATUSES, 0)
    overdue = responded = 0
    join = f"{_FROM} WHERE {_LIVE}"
    for status, n, late, answered in db.execute(
            f"SELECT c.status, count(*), sum(c.status = 'open' AND c.due_at < ?), sum(c.first_reply_at IS NOT NULL) "
            f"{join} GROUP BY c.status", [stamp]):
        counts[status] = n
        overdue += late or 0
        responded += answered or 0
    reply_hours = [r[0] for r in db.execute(
        f"SELECT {_REPLY_HOURS} {join} AND c.first_reply_at IS NOT NULL") if r[0] is not None]
    week_rows: tuple[WeekFigures, ...] = ()
    if weeks > 0:
        rows = db.execute(
            f"SELECT {_WEEK} AS wk, count(*), sum(c.first_reply_at IS NOT NULL), sum(c.status = 'resolved') "
            f"{join} GROUP BY wk ORDER BY wk DESC LIMIT ?", [int(weeks)]).fetchall()
        hours_by_week: dict[str, list[float]] = {}
        if rows:
            for wk, hours in db.execute(
                    f"SELECT {_WEEK} AS wk, {_REPLY_HOURS} {join} AND c.first_reply_at IS NOT NULL AND wk >= ?",
                    [rows[-1][0]]):
                if hours is not None:
                    hours_by_week.setdefault(wk, []).append(hours)
        week_rows = tuple(WeekFigures(wk, n, answered or 0, done or 0, _median(hours_by_week.get(wk, [])))
                          for wk, n, answered, done in reversed(rows) if wk)
    total = sum(counts.values())
    base = total - counts["ignored"]
    return CaseStats(counts["open"], overdue, counts["replied"], counts["contacted"], counts["resolved"],
                     counts["ignored"], total, round(responded / base, 4) if base else None, _median(reply_hours),
                     round(counts["resolved"] / base, 4) if base else None, week_rows)
