"""Writing analysis results, and the owner's corrections that analysis must never overwrite.

The pipeline writes scored rows here batch by batch. The owner's own label (`manual_label`), topics
tagged by hand (`feedback_topics.manual = 1`) and topics the owner took off a row (table
`feedback_topic_removed`) survive every re-analysis.
"""

from __future__ import annotations

import json
from typing import Iterable, Sequence

from cxdesk.core.changes import Changes
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.schema import REMOVED_TOPICS_SQL
from cxdesk.i18n import _

LABELS = ("positive", "neutral", "negative", "unknown")


def ensure_tables(db) -> None:
    """Databases that passed schema version 20 before this table existed (development copies) get it now."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'feedback_topic_removed'").fetchone() is None:
        db.conn.execute(REMOVED_TOPICS_SQL)


def _chunks(ids: Sequence[int], size: int = 500):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def write_results(db, rows: Sequence[tuple], topic_ids: Sequence[int], version: str, analyzed_at: str, *,
                  sentiment: bool = True) -> int:
    """Store one batch of scored rows; the caller holds the transaction.

    `rows`: `(feedback_id, lang, sentiment, model_label, [(topic_index, score, label), ...])` with
    topic indexes into `topic_ids`. Earlier automatic topic rows of these feedback rows are replaced;
    manual ones stay. `sentiment=False` (topics only) leaves lang and sentiment as they are.
    Returns the number of topic mentions written.
    """
    if not rows:
        return 0
    ids = [r[0] for r in rows]
    removed: set[tuple[int, int]] = set()
    manual: dict[int, set[int]] = {}
    for chunk in _chunks(ids):
        marks = _marks(len(chunk))
        removed.update(db.execute(
            f"SELECT feedback_id, topic_id FROM feedback_topic_removed WHERE feedback_id IN ({marks})", chunk).fetchall())
        for fid, tid in db.execute(
                f"SELECT feedback_id, topic_id FROM feedback_topics WHERE manual = 1 AND feedback_id IN ({marks})",
                chunk).fetchall():
            manual.setdefault(fid, set()).add(tid)
    # The display cache lists every topic of the row, automatic and manual, in topic order; rows
    # share a few combinations, each written out once.
    names = dict(db.execute("SELECT id, name FROM topics").fetchall())
    shown: dict[frozenset, str] = {}

    def cache_of(fid: int, found) -> str:
        tids = frozenset(topic_ids[i] for i, _s, _l in found if (fid, topic_ids[i]) not in removed) | manual.get(fid, frozenset())
        text = shown.get(tids)
        if text is None:
            text = shown[tids] = json.dumps([names[t] for t in sorted(tids) if t in names], ensure_ascii=False)
        return text

    # One statement per table and batch; each feedback row is updated once.
    if sentiment:
        db.conn.executemany(
            "UPDATE feedback SET lang = ?, sentiment = ?, model_label = ?, label = coalesce(manual_label, ?), "
            "analysis_version = ?, analyzed_at = ?, topics = ? WHERE id = ?",
            [(lang, sent, label, label, version, analyzed_at, cache_of(fid, found), fid)
             for fid, lang, sent, label, found in rows])
    else:
        db.conn.executemany("UPDATE feedback SET analysis_version = ?, analyzed_at = ?, topics = ? WHERE id = ?",
                            [(version, analyzed_at, cache_of(r[0], r[4]), r[0]) for r in rows])
    for chunk in _chunks(ids):
        db.execute(f"DELETE FROM feedback_topics WHERE manual = 0 AND feedback_id IN ({_marks(len(chunk))})", chunk)
    mentions = [(fid, topic_ids[i], score, label) for fid, _l, _s, _m, found in rows for i, score, label in found
                if (fid, topic_ids[i]) not in removed]
    if mentions:
        db.conn.executemany(
            "INSERT INTO feedback_topics(feedback_id, topic_id, sentiment, label, manual) VALUES (?, ?, ?, ?, 0) "
            "ON CONFLICT(feedback_id, topic_id) DO NOTHING", mentions)
    return len(mentions)


def set_manual_label(db, ids: Iterable[int], label: str | None) -> Changes:
    """The owner's sentiment for these rows (None gives the model's label back)."""
    if label is not None and label not in LABELS:
        raise InvalidValueError(
            _("“{label}” is not a sentiment; use one of: {labels}.").format(label=label, labels=", ".join(LABELS)))
    ids = [int(i) for i in ids]
    with db.atomic():
        for chunk in _chunks(ids):
            db.execute(
                f"UPDATE feedback SET manual_label = ?, label = coalesce(?, model_label) WHERE id IN ({_marks(len(chunk))})",
                [label, label, *chunk])
    return Changes(feedback=True, topics=True)


def tag_topic(db, ids: Iterable[int], topic_name: str, remove: bool = False) -> Changes:
    """Tag rows with a topic by hand, or take the topic off them; both hold through re-analysis.

    Tagging with a topic that does not exist yet creates it (with no extra words).
    """
    from cxdesk.core.analysis.topics import add_topic, get_topic, refresh_topic_cache, topic_exists

    ids = [int(i) for i in ids]
    ensure_tables(db)
    with db.atomic():
        if remove:
            topic = get_topic(db, topic_name)
        else:
            if not topic_exists(db, (topic_name or "").strip()):
                add_topic(db, topic_name)
            topic = get_topic(db, topic_name)
        for chunk in _chunks(ids):
            marks = _marks(len(chunk))
            if remove:
                db.execute(f"DELETE FROM feedback_topics WHERE topic_id = ? AND feedback_id IN ({marks})",
                           [topic.id, *chunk])
                db.execute("INSERT OR IGNORE INTO feedback_topic_removed(feedback_id, topic_id) "
                           f"SELECT id, ? FROM feedback WHERE id IN ({marks})", [topic.id, *chunk])
            else:
                db.execute(f"DELETE FROM feedback_topic_removed WHERE topic_id = ? AND feedback_id IN ({marks})",
                           [topic.id, *chunk])
                db.execute(
                    "INSERT INTO feedback_topics(feedback_id, topic_id, sentiment, label, manual) "
                    f"SELECT id, ?, sentiment, coalesce(label, 'unknown'), 1 FROM feedback WHERE id IN ({marks}) "
                    "ON CONFLICT(feedback_id, topic_id) DO UPDATE SET manual = 1",
                    [topic.id, *chunk])
            refresh_topic_cache(db, f"id IN ({marks})", chunk)
    return Changes(feedback=True, topics=True)


__all__ = ["write_results", "set_manual_label", "tag_topic", "LABELS"]
