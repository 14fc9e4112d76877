"""Proposing a new action from feedback rows the owner picked and the search that found them."""

from __future__ import annotations

import re

from cxdesk.core.actions import clean_ids
from cxdesk.i18n import _


SHARED_SHARE = 0.5      # a topic is proposed when at least this share of the rows mention it
MAX_PROPOSED_TOPICS = 3


def propose_action(db, feedback_ids, search: str = "") -> dict:
    """Prefill for “new action” from chosen feedback rows and the search that found them.

    Topics: those most of the rows share (mentioned by at least half of them, at most three, most
    shared first), so one row about delivery does not tick 外卖配送 for four rows about 太咸. Keywords:
    the words of the search, which is what the owner was looking for. Returns title, topics, keywords,
    feedback_ids and description.
    """
    ids = list(clean_ids(feedback_ids))[:2000]
    words = [w for w in re.split(r"\s+", (search or "").strip()) if w]
    if len(words) > 1:
        words = [w for w in words if len(w) > 1] or words
    keywords = tuple(dict.fromkeys(w.strip("\"'“”") for w in words if w.strip("\"'“”")))
    counts: dict[str, int] = {}
    texts: list[str] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        for (name, n) in db.execute(
                "SELECT t.name, count(DISTINCT ft.feedback_id) FROM feedback_topics ft JOIN topics t ON t.id = ft.topic_id "
                f"WHERE ft.feedback_id IN ({marks}) AND t.enabled = 1 GROUP BY t.name", chunk):
            counts[name] = counts.get(name, 0) + n
        if len(texts) < 5:
            texts += [r[0] for r in db.execute(
                f"SELECT text FROM feedback WHERE id IN ({marks}) AND deleted = 0 ORDER BY id LIMIT 5", chunk)]
    n = len(ids)
    shared = sorted((name for name, c in counts.items() if n and c / n >= SHARED_SHARE),
                    key=lambda name: (-counts[name], name))[:MAX_PROPOSED_TOPICS]
    if keywords:
        title = _("Fix “{word}”").format(word=" ".join(keywords))
    elif shared:
        title = _("Improve {topic}").format(topic=shared[0])
    elif texts:
        title = _("Follow up: {text}").format(text=" ".join(texts[0].split())[:20])
    else:
        title = ""
    description = ""
    if texts:
        description = _("Customers said:") + "\n" + "\n".join("· " + " ".join(t.split())[:80] for t in texts[:5])
    return {"title": title, "topics": tuple(shared), "keywords": keywords, "feedback_ids": tuple(ids),
            "description": description}
