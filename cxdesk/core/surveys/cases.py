"""Detractors (recommend answer 0–6) become customer cases, through the cases area's own rules and drafts.

One case per detractor response, on its first written answer (a case belongs to a feedback row; a
response without a written answer gives nothing to reply to). A response whose answers already have a
case (an answer read as a complaint) gets no second one. Like reviews, a response older than
`cases.backfill_days` opens no case, and the case is due `cases.reply_target_hours` after submission.
Severity: 15 for a 6, up to 27 for a 0; +100 for urgent words (投诉, 退款, 食物中毒 ...).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cxdesk.core import cases

_FMT = "%Y-%m-%d %H:%M:%S"


def open_detractor_cases(db, *, now: datetime | None = None) -> int:
    """Open the cases of detractor responses whose written answers are analysed; returns how many opened."""
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
    if not rows:
        return 0
    templates = cases.reply_templates(db)
    stamp = now.strftime(_FMT)
    opened = 0
    with db.atomic():
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
            if cur.rowcount > 0:
                opened += 1
                db.conn.execute("INSERT INTO case_history(case_id, at, field, old_value, new_value) "
                                "VALUES (?, ?, 'status', NULL, 'open')", [cur.lastrowid, stamp])
    return opened
