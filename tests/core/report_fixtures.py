"""A small shop's data for report tests: feedback with a story, topics, and two actions."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

LIVE = date(2024, 4, 1)
HOSTILE_TEXTS = (
    '=HYPERLINK("http://evil.example","点我")',
    "+86 138 0000 0000 好评",
    "-5分 服务太差",
    "@客服 你好",
    "还行吧\x0b\x00有控制字符",
)


def fill_shop(db, n: int = 1200, seed: int = 3) -> dict:
    """Insert `n` rows over Jan–Jun 2024: “上菜速度” complaints fall after LIVE; returns ids and counts."""
    rnd = random.Random(seed)
    with db.atomic():
        db.execute("INSERT INTO sources(id, file_name, sha256, imported_at) VALUES (1, 'a.xlsx', 'x', '2024-07-01 00:00:00')")
        db.execute("INSERT INTO topics(id, name, created_at, updated_at) VALUES "
                   "(1, '上菜速度', '2024-01-01', '2024-01-01'), (2, '服务', '2024-01-01', '2024-01-01')")
        rows, mentions = [], []
        start = datetime(2024, 1, 1)
        for i in range(1, n + 1):
            when = start + timedelta(minutes=rnd.randrange(0, 60 * 24 * 182))
            slow = rnd.random() < (0.35 if when.date() < LIVE else 0.08)
            if slow:
                text = rnd.choice(["上菜太慢了，等了四十分钟", "点完菜半天不上，催了好几次", "出餐太慢，饿得不行"])
                label, topic, topic_label = "negative", 1, "negative"
            else:
                text = HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)] if i % 17 == 0 else rnd.choice(
                    ["菜很好吃，服务也不错", "服务员态度很好", "服务一般般", "服务太差了，叫了好几次没人理"])
                label = rnd.choice(["positive", "positive", "neutral", "negative"])
                topic, topic_label = 2, label
            rows.append((i, 1, text, when.isoformat(sep=" ", timespec="seconds"), rnd.choice([1, 2, 3, 4, 5, None]),
                         rnd.choice(["美团", "大众点评", None]), f"k{i}", label, label,
                         json.dumps(["上菜速度" if topic == 1 else "服务"], ensure_ascii=False)))
            mentions.append((i, topic, topic_label))
        db.conn.executemany(
            "INSERT INTO feedback(id, source_id, text, created_at, rating, channel, dedup_key, model_label, label, topics) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.conn.executemany("INSERT INTO feedback_topics(feedback_id, topic_id, label) VALUES (?, ?, ?)", mentions)
    from cxdesk.core.actions import create_action

    a1 = create_action(db, "高峰期加派后厨人手", topics=["上菜速度"], owner="王店长",
                       description="午市和晚市高峰增加两名后厨，提前备好常点菜品。", live_date=LIVE)
    a2 = create_action(db, "=服务员培训", topics=["服务"], owner="李姐")
    return {"rows": rows, "actions": (a1, a2)}
