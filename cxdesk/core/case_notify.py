"""Telling the customers who complained before an action went live that it changed something."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from cxdesk.core.actions import EVALUATION_WINDOW_DAYS, get_action
from cxdesk.core.case_drafts import complaint_words, notify_message, topic_synonyms
from cxdesk.core.cases import Notice, format_moment
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.evaluation import windows
from cxdesk.i18n import _


def notify_list(db, action_id: int, window_days: int = EVALUATION_WINDOW_DAYS) -> list[Notice]:
    """Customers who complained about the action's topics (or keywords) in the before-window of its go-live.

    The before-window is the `window_days` days before the go-live day, as in the evaluation. A
    complaint is a negative mention of one of the action's topics, or a review labelled negative (or
    rated 1–2★) that contains one of its keywords; the action's channels limit the reviews when set.
    A named customer appears once per platform (their latest complaint).
    """
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
    synonyms = topic_synonyms(db)
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
                              notify_message(text or "", author, lang, said, action.title), notified.get(fid)))
    # One message per customer: a named customer who complained twice on one platform is told once,
    # about the latest complaint (anonymous reviews cannot be told apart, so each stays).
    latest: dict[tuple, Notice] = {}
    for n in sorted(out, key=lambda n: (n.created_at or "", n.feedback_id)):
        key = (n.channel or "", n.author) if n.author else ("", f"#{n.feedback_id}")
        latest[key] = n
    return sorted(latest.values(), key=lambda n: (n.created_at or "", n.feedback_id))


def mark_notified(db, action_id: int, feedback_ids: list[int], *, now: datetime | None = None) -> int:
    """Record that these customers were told about the action; returns how many were newly marked."""
    stamp = format_moment(now or datetime.now())
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
