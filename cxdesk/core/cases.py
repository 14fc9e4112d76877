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
import re
import statistics
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from importlib import resources

from cxdesk.core import storage
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
TEMPLATES_KEY = "cases.reply_templates"
DEFAULT_BACKFILL_DAYS = 30
DEFAULT_REPLY_HOURS = 24

_FMT = "%Y-%m-%d %H:%M:%S"




# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Case:
    id: int
    feedback_id: int
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

    @property
    def status_label(self) -> str:
        return status_name(self.status)

    def to_json(self) -> dict:
        return {"id": self.id, "feedback_id": self.feedback_id, "status": self.status,
                "created_at": self.created_at, "due_at": self.due_at, "rating": self.rating, "text": self.text,
                "topics": list(self.topics), "channel": self.channel, "author": self.author,
                "overdue": self.overdue, "severity": self.severity, "urgent": self.urgent, "owner": self.owner}


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
# Reply templates and drafts


def _load_shipped() -> dict:
    return json.loads((resources.files("cxdesk.core") / "data" / "reply_templates.json").read_text(encoding="utf-8"))


SHIPPED = _load_shipped()


def shipped_topic_templates() -> dict[str, dict[str, str]]:
    """topic -> {zh, en}, merged over every business template (the general one first)."""
    out: dict[str, dict[str, str]] = {}
    for body in SHIPPED["templates"].values():
        for topic, texts in body.items():
            out.setdefault(topic, dict(texts))
    return out


def reply_templates(db) -> dict[str, dict[str, str]]:
    """The templates in use: shipped ones with the owner's edits on top."""
    merged = shipped_topic_templates()
    edits = storage.get_setting(db, TEMPLATES_KEY, {}) or {}
    if isinstance(edits, dict):
        for topic, texts in edits.items():
            if isinstance(texts, dict):
                merged.setdefault(topic, {}).update({k: v for k, v in texts.items()
                                                     if k in ("zh", "en") and isinstance(v, str) and v.strip()})
    return merged


def set_reply_template(db, topic: str, lang: str, text: str) -> None:
    """Store the owner's template for `topic` in `lang` (zh|en); an empty text restores the shipped one."""
    if lang not in ("zh", "en"):
        raise InvalidValueError(_("The language of a reply template is zh or en."))
    edits = storage.get_setting(db, TEMPLATES_KEY, {}) or {}
    entry = dict(edits.get(topic) or {})
    if text and text.strip():
        entry[lang] = text.strip()
    else:
        entry.pop(lang, None)
    edits[topic] = entry
    storage.set_setting(db, TEMPLATES_KEY, edits)


_RX_CLAUSE = re.compile(r"[。！？!?；;，,\n\r.…~～]+")


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _RX_CLAUSE.split(text or "") if c.strip()]


def _short(words: str, limit: int = 24) -> str:
    words = " ".join(words.split())
    return words if len(words) <= limit else words[:limit - 1] + "…"


def complaint_words(text: str, synonyms_by_topic: dict[str, tuple[str, ...]], topics: tuple[str, ...]) -> dict[str, str]:
    """topic -> the clause of `text` that names it, for the draft and the highlight: the first one that
    complains ("外卖送得太慢了", not the neutral "点了外卖" before it), else the first that names it."""
    from cxdesk.core.analysis.clauses import score_clause
    from cxdesk.core.analysis.sentiment import normalize_text

    clauses = _clauses(text)
    out: dict[str, str] = {}
    for topic in topics:
        words = tuple(w for w in synonyms_by_topic.get(topic, ()) if w) + (topic,)
        naming = [c for c in clauses if any(w.lower() in c.lower() for w in words)]
        if naming:
            out[topic] = next((c for c in naming if score_clause(normalize_text(c)).label == "negative"), naming[0])
    return out


def _is_english(text: str, lang: str | None) -> bool:
    if lang:
        return lang == "en"
    letters = sum(ch.isascii() and ch.isalpha() for ch in text or "")
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text or "")
    return letters > 0 and han == 0


def _customer_name(author: str | None, en: bool) -> str:
    name = (author or "").strip()
    if not name or name.lower() in ("匿名", "匿名用户", "anonymous", "none", "null"):
        return "customer" if en else "亲爱的顾客"
    return name[:30]


def make_draft(text: str, author: str | None, topics: tuple[str, ...], *, lang: str | None = None,
               templates: dict[str, dict[str, str]] | None = None,
               synonyms: dict[str, tuple[str, ...]] | None = None) -> str:
    """A reply in the owner's voice: greeting, one sentence per complaint topic with the customer's
    words, closing. Never empty: without topics (or templates for them) a general sentence stands in."""
    en = _is_english(text, lang)
    key = "en" if en else "zh"
    frame = SHIPPED["frame"][key]
    templates = templates if templates is not None else shipped_topic_templates()
    found = complaint_words(text, synonyms or {}, topics)
    name = _customer_name(author, en)
    parts = [frame["greeting"].format(name=name)]
    body = []
    for topic in topics:
        template = (templates.get(topic) or {}).get(key)
        if not template:
            continue
        words = _short(found.get(topic) or topic)
        body.append(_fill(template, name=name, words=words))
    if not body:
        clauses = _clauses(text)
        body.append(frame["general"].format(words=_short(clauses[0])) if clauses else frame["general_nowords"])
    parts.extend(body)
    parts.append(frame["closing"])
    return " ".join(parts) if en else "".join(parts)


def _fill(template: str, **values: str) -> str:
    # Owner-edited templates may carry stray braces; fill only the two known fields.
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


def _synonyms(db) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, syn in db.execute("SELECT name, synonyms FROM topics"):
        try:
            out[name] = tuple(str(s) for s in json.loads(syn or "[]"))
        except ValueError:
            out[name] = ()
    return out


# ---------------------------------------------------------------------------------------------
# Opening cases


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text[:19])
    except ValueError:
        return None


def _fmt(moment: datetime) -> str:
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
    stamp = _fmt(now or datetime.now())
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
    cutoff = _fmt(now - timedelta(days=settings.backfill_days))
    stamp = _fmt(now)
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
            "ON CONFLICT(feedback_id) DO NOTHING",
            [stamp, hours, hours, stamp, hours, stamp, mark, cutoff])
        opened = max(cur.rowcount, 0)
        # Urgent words and drafts in Python, for the new cases only (eleven instr(lower()) per row in
        # SQL cost more than the rest of the statement together).
        fresh = db.conn.execute(
            "SELECT c.id, c.feedback_id, f.text, f.author, f.lang, f.analysis_version FROM cases c "
            "JOIN feedback f ON f.id = c.feedback_id WHERE c.id > ?", [before]).fetchall()
        if fresh:
            topics = _complaint_topics(db, [r[1] for r in fresh])
            templates, synonyms = reply_templates(db), _synonyms(db)
            # A 1–2★ review imported without analysis has no topics yet: its draft is made when shown.
            db.conn.executemany(
                "UPDATE cases SET draft = ?, urgent = ?, severity = severity + ? WHERE id = ?",
                [(make_draft(text or "", author, tuple(topics.get(fid, ())), lang=lang, templates=templates,
                             synonyms=synonyms) if version else "",
                  int(is_urgent(text)), 100 if is_urgent(text) else 0, cid)
                 for cid, fid, text, author, lang, version in fresh])
        db.conn.execute("INSERT INTO case_history(case_id, at, field, old_value, new_value) "
                        "SELECT id, opened_at, 'status', NULL, 'open' FROM cases WHERE id > ?", [before])
        new_mark = (pending - 1) if pending is not None else newest
        db.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [SCANNED_KEY, json.dumps(max(new_mark, mark))])
    sync_platform_replies(db, now=now)
    return OpenResult(opened, opened)


# ---------------------------------------------------------------------------------------------
# Reading


_SELECT = (
    "SELECT c.id, c.feedback_id, c.status, c.owner, c.note, c.reply, c.draft, c.severity, c.urgent, c.opened_at, "
    "c.due_at, c.first_reply_at, c.resolved_at, c.updated_at, f.created_at, f.rating, f.text, f.channel, f.author, "
    "f.lang FROM cases c JOIN feedback f ON f.id = c.feedback_id"
)


def _cases_from(db, rows, now: datetime) -> list[Case]:
    topics = _complaint_topics(db, [r[1] for r in rows])
    stamp = _fmt(now)
    return [Case(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9], r[10], r[11], r[12], r[13],
                 r[14], r[15], r[16] or "", r[17], r[18], r[19], tuple(topics.get(r[1], ())),
                 r[2] == "open" and r[10] < stamp) for r in rows]


def _where(status: str | None, overdue: bool, topic: str | None, channel: str | None, now: datetime) -> tuple[str, list]:
    where = ["f.deleted = 0"]
    params: list = []
    if status:
        where.append("c.status = ?")
        params.append(parse_status(status))
    if overdue:
        where.append("c.status = 'open' AND c.due_at < ?")
        params.append(_fmt(now))
    if topic:
        where.append("EXISTS (SELECT 1 FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                     "WHERE ft.feedback_id = c.feedback_id AND ft.label = 'negative' AND t.name = ?)")
        params.append(topic)
    if channel:
        where.append("f.channel = ?")
        params.append(channel)
    return " AND ".join(where), params


def queue_ids(db, *, status: str | None = None, overdue: bool = False, topic: str | None = None,
              channel: str | None = None, now: datetime | None = None) -> list[int]:
    """Case ids in queue order: overdue open cases first, then open ones, then by severity and due time."""
    now = now or datetime.now()
    where, params = _where(status, overdue, topic, channel, now)
    stamp = _fmt(now)
    return [r[0] for r in db.execute(
        f"SELECT c.id FROM cases c JOIN feedback f ON f.id = c.feedback_id WHERE {where} "
        "ORDER BY (c.status = 'open' AND c.due_at < ?) DESC, (c.status = 'open') DESC, c.severity DESC, "
        "c.due_at, c.id", [*params, stamp])]


def get_cases(db, ids: list[int], *, now: datetime | None = None) -> list[Case]:
    """The cases `ids`, in that order (missing ones left out)."""
    now = now or datetime.now()
    found: dict[int, Case] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows = db.execute(f"{_SELECT} WHERE c.id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
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
    synonyms = _synonyms(db)
    if not case.draft:
        # Made from the templates in use when the case is first shown; kept once the owner edits it.
        case = replace(case, draft=make_draft(case.text, case.author, case.topics, lang=case.lang,
                                              templates=reply_templates(db), synonyms=synonyms))
    words = list(complaint_words(case.text, synonyms, case.topics).values())
    words += [clause for clause in _clauses(case.text) if is_urgent(clause)]
    return CaseDetail(case, history, tuple(dict.fromkeys(words)))


def open_count(db) -> int:
    return db.execute("SELECT count(*) FROM cases c JOIN feedback f ON f.id = c.feedback_id "
                      "WHERE c.status = 'open' AND f.deleted = 0").fetchone()[0]


def case_channels(db) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT DISTINCT f.channel FROM cases c JOIN feedback f ON f.id = c.feedback_id "
        "WHERE f.channel IS NOT NULL AND f.channel != '' ORDER BY 1")]


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
    stamp = _fmt(now)
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


_BASE_TIME = "coalesce(f.created_at, c.opened_at)"
_REPLY_HOURS = f"max((julianday(c.first_reply_at) - julianday({_BASE_TIME})) * 24.0, 0.0)"
_WEEK = f"date({_BASE_TIME}, '-6 days', 'weekday 1')"   # the Monday on or before the review


def case_stats(db, *, now: datetime | None = None, weeks: int = 12) -> CaseStats:
    """Counts by status, overdue, response rate, median hours from review to first response, and the
    last `weeks` weeks (none with 0). Counted in SQL: the screen asks for it on every reload."""
    now = now or datetime.now()
    stamp = _fmt(now)
    counts = dict.fromkeys(STATUSES, 0)
    overdue = responded = 0
    join = "FROM cases c JOIN feedback f ON f.id = c.feedback_id WHERE f.deleted = 0"
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


# ---------------------------------------------------------------------------------------------
# Telling the complainers what changed


def _notify_message(text: str, author: str | None, lang: str | None, words: str, action_title: str) -> str:
    en = _is_english(text, lang)
    template = SHIPPED["notify"]["en" if en else "zh"]
    done = action_title.strip() or ("made changes" if en else "做了改进")
    return _fill(template, name=_customer_name(author, en), words=_short(words), action=done)


def notify_list(db, action_id: int, window_days: int = 28) -> list[Notice]:  # 28 = EVALUATION_WINDOW_DAYS
    """Customers who complained about the action's topics (or keywords) in the before-window of its go-live.

    The before-window is the `window_days` days before the go-live day, as in the evaluation. A
    complaint is a negative mention of one of the action's topics, or a review labelled negative (or
    rated 1–2★) that contains one of its keywords; the action's channels limit the reviews when set.
    A named customer appears once per platform (their latest complaint).
    """
    from cxdesk.core.evaluation import windows
    from cxdesk.core.actions import get_action

    action = get_action(db, action_id)
    if action.live_date is None or action.status not in ("live", "evaluated") or action.live_date > date.today():
        raise InvalidValueError(
            _("Action {id} has not gone live yet, so there is no “before” to look back on. Set its go-live date first.").format(
                id=action.id))
    if not action.topics and not action.keywords:
        raise InvalidValueError(
            _("Action {id} is not linked to any topic or keyword, so no complaint can be matched to it.").format(id=action.id))
    (start, end), _after = windows(action.live_date, window_days, 0)
    where = "f.deleted = 0 AND f.created_at >= ? AND f.created_at < ?"
    params: list = [start.isoformat(), (end + timedelta(days=1)).isoformat()]
    if action.channels:
        where += f" AND f.channel IN ({','.join('?' * len(action.channels))})"
        params.extend(action.channels)
    found: dict[int, list[str]] = {}
    if action.topics:
        marks = ",".join("?" * len(action.topics))
        for fid, name in db.execute(
                "SELECT f.id, t.name FROM feedback f JOIN feedback_topics ft ON ft.feedback_id = f.id "
                f"JOIN topics t ON t.id = ft.topic_id WHERE {where} AND ft.label = 'negative' AND t.name IN ({marks})",
                [*params, *action.topics]):
            found.setdefault(fid, []).append(name)
    for keyword in action.keywords:
        for (fid,) in db.execute(
                f"SELECT f.id FROM feedback f WHERE {where} AND instr(lower(f.text), lower(?)) > 0 "
                "AND (f.label = 'negative' OR f.rating <= 2.5)", [*params, keyword]):
            found.setdefault(fid, []).append(keyword)
    if not found:
        return []
    synonyms = _synonyms(db)
    notified = dict(db.execute("SELECT feedback_id, notified_at FROM case_notices WHERE action_id = ?", [action.id]).fetchall())
    out = []
    ids = sorted(found)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for fid, author, channel, created, text, lang in db.execute(
                f"SELECT id, author, channel, created_at, text, lang FROM feedback WHERE id IN ({','.join('?' * len(chunk))})",
                chunk):
            hits = tuple(dict.fromkeys(found[fid]))
            extra = {h: (h,) for h in hits if h not in synonyms}
            words = complaint_words(text or "", {**synonyms, **extra}, hits)
            said = next(iter(words.values()), None) or hits[0]
            out.append(Notice(fid, author, channel, created, text or "", hits,
                              _notify_message(text or "", author, lang, said, action.title), notified.get(fid)))
    # One message per customer: a named customer who complained twice on one platform is told once,
    # about the latest complaint (anonymous reviews cannot be told apart, so each stays).
    latest: dict[tuple, Notice] = {}
    for n in sorted(out, key=lambda n: (n.created_at or "", n.feedback_id)):
        key = (n.channel or "", n.author) if n.author else ("", f"#{n.feedback_id}")
        latest[key] = n
    return sorted(latest.values(), key=lambda n: (n.created_at or "", n.feedback_id))


def mark_notified(db, action_id: int, feedback_ids: list[int], *, now: datetime | None = None) -> int:
    """Record that these customers were told about the action; returns how many were newly marked."""
    stamp = _fmt(now or datetime.now())
    by_id = {n.feedback_id: n for n in notify_list(db, action_id)}
    rows = [(int(action_id), fid, stamp, by_id[fid].message) for fid in feedback_ids if fid in by_id]
    with db.atomic():
        before = db.execute("SELECT count(*) FROM case_notices WHERE action_id = ?", [int(action_id)]).fetchone()[0]
        db.conn.executemany("INSERT INTO case_notices(action_id, feedback_id, notified_at, message) VALUES (?,?,?,?) "
                            "ON CONFLICT DO NOTHING", rows)
        after = db.execute("SELECT count(*) FROM case_notices WHERE action_id = ?", [int(action_id)]).fetchone()[0]
    return after - before


def notified_count(db, action_id: int) -> int:
    return db.execute("SELECT count(*) FROM case_notices WHERE action_id = ?", [int(action_id)]).fetchone()[0]
