"""Synthetic feedback with a planted before/after effect, written straight into a cxdesk database.

Used by the evaluation tests and `bench/bench_evaluation.py`. Each row falls on a day of the two windows
around go-live; a row is a negative mention of the topic with probability `p`, a positive mention with
probability `mention`, otherwise a row about something else that is negative with probability `c`.
So the true primary metric of a window is `p` and the control's true negative rate is `c`.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

LIVE = date(2024, 6, 1)
TOPIC = "物流"


def ensure_base(db, topic: str = TOPIC) -> tuple[int, int]:
    """A source and the topic; returns (source_id, topic_id)."""
    now = "2024-07-01 00:00:00"
    row = db.execute("SELECT id FROM sources WHERE sha256 = 'synthetic'").fetchone()
    if row:
        source_id = row[0]
    else:
        source_id = db.execute(
            "INSERT INTO sources(file_name, sha256, imported_at) VALUES ('synthetic.xlsx', 'synthetic', ?)",
            [now]).lastrowid
    row = db.execute("SELECT id FROM topics WHERE name = ?", [topic]).fetchone()
    topic_id = row[0] if row else db.execute(
        "INSERT INTO topics(name, created_at, updated_at) VALUES (?, ?, ?)", [topic, now, now]).lastrowid
    return source_id, topic_id


def plant(db, seed: int, *, n_before: int, n_after: int, p_before: float, p_after: float,
          c_before: float = 0.15, c_after: float = 0.15, mention: float = 0.05,
          live: date = LIVE, window: int = 28, lag: int = 0, topic: str = TOPIC,
          clear: bool = True) -> None:
    """Write `n_before` rows spread over the window before `live` and `n_after` after it."""
    rng = random.Random(seed)
    with db.atomic():
        if clear:
            db.execute("DELETE FROM feedback_topics")
            db.execute("DELETE FROM action_feedback")
            db.execute("DELETE FROM feedback")
        source_id, topic_id = ensure_base(db, topic)
        start_id = (db.execute("SELECT max(id) FROM feedback").fetchone()[0] or 0) + 1
        rows, mentions = [], []
        fid = start_id
        for side, n, p, c in (("b", n_before, p_before, c_before), ("a", n_after, p_after, c_after)):
            first = live - timedelta(days=window) if side == "b" else live + timedelta(days=lag)
            for _i in range(n):
                t = datetime.combine(first, datetime.min.time()) + timedelta(
                    seconds=rng.randrange(window * 86400))
                u = rng.random()
                if u < p:
                    label, text, tl = "negative", "快递太慢了，物流三天没动", "negative"
                elif u < p + mention:
                    label, text, tl = "positive", "物流很快，第二天就到了", "positive"
                else:
                    label = "negative" if rng.random() < c else "positive"
                    text, tl = ("味道一般" if label == "negative" else "很好吃"), None
                rows.append((fid, source_id, text, t.isoformat(sep=" "), label, label,
                             0.1 if label == "negative" else 0.9, 2.0 if label == "negative" else 5.0,
                             f"synthetic-{seed}-{fid}"))
                if tl:
                    mentions.append((fid, topic_id, 0.1 if tl == "negative" else 0.9, tl))
                fid += 1
        db.conn.executemany(
            "INSERT INTO feedback(id, source_id, text, created_at, model_label, label, sentiment, rating, dedup_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.conn.executemany(
            "INSERT INTO feedback_topics(feedback_id, topic_id, sentiment, label) VALUES (?, ?, ?, ?)", mentions)
