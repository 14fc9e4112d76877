"""Reviews with planted rating drivers and a spike, written straight into a cxdesk database.

Twenty weeks of 300 reviews each end with the week of `WEEK`. A review complains about each topic of
`TOPICS` with that topic's probability and loses the topic's stars from a base of about 4.8. In the
last week the complaints about 环境 triple (3% -> 10%). 卫生 has a live action. One review in ten has no rating.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

WEEK = date(2026, 11, 23)          # a Monday: the brief's week is 2026-W48
WEEKS = 20
PER_WEEK = 300
# topic: (share of reviews complaining, stars a complaint costs)
TOPICS = {"上菜速度": (0.15, 1.5), "服务态度": (0.10, 0.3), "价格": (0.08, 0.5), "环境": (0.03, 0.2),
          "卫生": (0.06, 0.8)}
SPIKE_TOPIC, SPIKE_SHARE = "环境", 0.10
TEXTS = {"上菜速度": "等了四十分钟才上菜，太慢了", "服务态度": "服务员态度很差", "价格": "太贵了，不值这个价",
         "环境": "环境很吵，桌子也脏", "卫生": "餐具不干净，有头发"}


def plant(db, seed: int = 7, *, spike: bool = True, live_action: bool = True) -> dict[str, int]:
    """Write the reviews (and the live action on 卫生); returns topic name -> id."""
    from cxdesk.core.actions import create_action

    rng = random.Random(seed)
    now = "2026-12-01 00:00:00"
    with db.atomic():
        source = db.execute("INSERT INTO sources(file_name, sha256, imported_at) VALUES ('planted.xlsx', 'planted', ?)",
                            [now]).lastrowid
        ids = {}
        for name in TOPICS:
            row = db.execute("SELECT id FROM topics WHERE name = ?", [name]).fetchone()
            ids[name] = row[0] if row else db.execute(
                "INSERT INTO topics(name, created_at, updated_at) VALUES (?, ?, ?)", [name, now, now]).lastrowid
        rows, mentions = [], []
        fid = (db.execute("SELECT max(id) FROM feedback").fetchone()[0] or 0) + 1
        first = WEEK - timedelta(weeks=WEEKS - 1)
        for w in range(WEEKS):
            monday = first + timedelta(weeks=w)
            for _i in range(PER_WEEK):
                t = datetime.combine(monday, datetime.min.time()) + timedelta(seconds=rng.randrange(7 * 86400))
                stars = 4.8 + rng.gauss(0, 0.3)
                found = []
                for name, (share, cost) in TOPICS.items():
                    if spike and w == WEEKS - 1 and name == SPIKE_TOPIC:
                        share = SPIKE_SHARE
                    if rng.random() < share:
                        found.append(name)
                        stars -= cost
                label = "negative" if found else "positive"
                rating = min(5.0, max(1.0, stars)) if rng.random() < 0.9 else None
                text = "，".join(TEXTS[n] for n in found) or "很好吃，下次还来"
                rows.append((fid, source, text, t.isoformat(sep=" "), label, label,
                             0.1 if found else 0.9, rating, f"planted-{seed}-{fid}", "美团"))
                mentions += [(fid, ids[n], 0.1, "negative") for n in found]
                fid += 1
        db.conn.executemany(
            "INSERT INTO feedback(id, source_id, text, created_at, model_label, label, sentiment, rating, dedup_key, "
            "channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.conn.executemany(
            "INSERT INTO feedback_topics(feedback_id, topic_id, sentiment, label) VALUES (?, ?, ?, ?)", mentions)
    if live_action:
        create_action(db, "每桌消毒，餐具复查", topics=("卫生",), live_date=WEEK - timedelta(days=10), status="live")
    return ids


# Survey scores (0–10) by day: the brief's week 2026-W48 has 5 promoters, 2 passives, 3 detractors (NPS 20),
# the week before 2, 1, 1 (NPS 25).
SCORES = {date(2026, 11, 24): [10, 10, 9, 9, 8], date(2026, 11, 27): [7, 6, 3, 0, 10],
          date(2026, 11, 17): [10, 9, 5, 8]}


def plant_responses(db, scores: dict = SCORES) -> None:
    """Score-only survey responses (no written answers), written straight into the survey tables."""
    now = "2026-12-01 00:00:00"
    with db.atomic():
        source = db.execute("INSERT INTO sources(file_name, sha256, imported_at) VALUES ('问卷.xlsx', 'survey', ?)",
                            [now]).lastrowid
        n = 0
        for day, values in scores.items():
            for value in values:
                n += 1
                db.execute("INSERT INTO survey_responses(source_id, response_key, submitted_at, nps, nps_question, "
                           "imported_at) VALUES (?, ?, ?, ?, '您有多大可能向朋友推荐我们？', ?)",
                           [source, f"planted-{n}", f"{day.isoformat()} 12:{n:02d}:00", value, now])
