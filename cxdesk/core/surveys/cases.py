"""Detractors (recommend answer 0–6) become customer cases, through the cases area's own rules and drafts.

One case per detractor response: on its first written answer once that is analysed, or, when the
respondent wrote nothing (or only 无), on the response itself (`cases.response_id`, migration 104), so
the shop still calls back everyone who would not recommend it. A response whose answers already have a
case gets no second one. Passives and promoters open no case from their answers (core/cases.py leaves
survey answers to this module). Like reviews, a response older than `cases.backfill_days` opens no
case, and the case is due `cases.reply_target_hours` after submission. Severity: 15 for a 6, up to 27
for a 0; +100 for urgent words (投诉, 退款, 食物中毒 ...).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cxdesk.core import cases

_FMT = "%Y-%m-%d %H:%M:%S"


def open_detractor_cases(db, *, now: datetime | None = None) -> int:
    """Open the cases of detractor responses (on their analysed written answer, or on the response when
    nothing was written); returns how many opened."""
    from cxdesk.core.surveys.store import has_responses

    if not has_responses(db):
        return 0
    now = now or datetime.now()
    settings = cases.get_settings(db)
    cutoff = (now - timedelta(days=settings.backfill_days)).strftime(_FMT)
    rows = db.execute(
        "SELECT f.id, f.text, f.lang, r.nps, r.submitted_at FROM survey_responses r "
        "JOIN feedback f ON f.id = (SELECT min(a.feedback_id) FROM survey_answers a WHERE a.response_id = r.id) "
        "WHERE r.nps <= 6 AND f.deleted = 0 AND f.analysis_version IS NOT NULL "
        "AND (r.submitted_at IS NULL OR r.submitted_at >= ?) "
        "AND NOT EXISTS (SELECT 1 FROM survey_answers a JOIN cases c ON c.feedback_id = a.feedback_id "
        "                WHERE a.response_id = r.id)", [cutoff]).fetchall()
    silent = db.execute(
        "SELECT r.id, r.nps, r.submitted_at FROM survey_responses r WHERE r.nps <= 6 "
        "AND (r.submitted_at IS NULL OR r.submitted_at >= ?) "
        "AND NOT EXISTS (SELECT 1 FROM survey_answers a WHERE a.response_id = r.id) "
        "AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.response_id = r.id)", [cutoff]).fetchall()
    if not rows and not silent:
        return 0
    templates = cases.reply_templates(db)
    stamp = now.strftime(_FMT)
    opened = 0
    with db.atomic():
        for response_id, nps, submitted in silent:
            due = (datetime.strptime(submitted, _FMT) if submitted else now) + timedelta(
                hours=settings.reply_target_hours)
            cur = db.conn.execute(
                "INSERT INTO cases(response_id, draft, severity, urgent, opened_at, due_at, updated_at) "
                "VALUES (?,?,?,0,?,?,?) ON CONFLICT(response_id) DO NOTHING",
                [response_id, cases.make_draft("", None, (), lang="zh", templates=templates),
                 15 + (6 - int(nps)) * 2, stamp, due.strftime(_FMT), stamp])
            opened += _history(db, cur, stamp)
        for fid, text, lang, nps, submitted in rows:
            topics = tuple(t for (t,) in db.execute(
                "SELECT t.name FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                "WHERE ft.feedback_id = ? AND ft.label = 'negative' ORDER BY t.name", [fid]))
            urgent = cases.is_urgent(text)
            due = (datetime.strptime(submitted, _FMT) if submitted else now) + timedelta(
                hours=settings.reply_target_hours)
            cur = db.conn.execute(
                "INSERT INTO cases(feedback_id, draft, severity, urgent, opened_at, due_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT(feedback_id) DO NOTHING",
                [fid, cases.make_draft(text or "", None, topics, lang=lang, templates=templates),
                 15 + (6 - int(nps)) * 2 + (100 if urgent else 0), int(urgent), stamp, due.strftime(_FMT), stamp])
            opened += _history(db, cur, stamp)
    return opened


def _history(db, cur, stamp: str) -> int:
    """The opening line of a case just inserted by `cur`; 1 when it was, 0 when it existed."""
    if cur.rowcount <= 0:
        return 0
    db.conn.execute("INSERT INTO case_history(case_id, at, field, old_value, new_value) "
                    "VALUES (?, ?, 'status', NULL, 'open')", [cur.lastrowid, stamp])
    return 1
