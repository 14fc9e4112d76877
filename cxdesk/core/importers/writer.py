"""Cleaned rows in, `feedback` rows out: identity (dedup keys), repeated and edited reviews, batched inserts.

Identity: the platform's review id when the file has one (`id:<channel>:<id>`), else author + time +
text (`ath:` + hash). Rows without an author keep an occurrence number in the key, so two anonymous
customers writing "好评" at the same minute stay two rows, while the same export imported again
still adds nothing (BAD_INPUTS #41). An id that turns out shared by different reviews, or changed by
Excel, is not trusted: those rows are identified by their content. An edited review (same trusted id,
new text) replaces the stored one at the end of the import, keeping the old version (#42).
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime

from cxdesk.core import storage
from cxdesk.core.identity import is_placeholder_author, plain_content_key
from cxdesk.core.importers import readers
from cxdesk.core.importers.cleaner import MAX_TEXT, RX_CONTROL, IdNotes
from cxdesk.core.importers.dates import TimeParseError, parse_time

MAX_ANON_IDS = 200_000         # id rows without a real author whose content key is remembered

INSERT = (
    "INSERT INTO feedback(source_id, source_row, text, created_at, time_precision, time_raw, rating, "
    "rating_raw, channel, author, external_id, extra, dedup_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT(dedup_key) DO NOTHING"
)

UPSERT_REPLY = (
    "INSERT INTO feedback_replies(feedback_id, text, replied_at, status, source_id) "
    "SELECT id, ?, ?, ?, ? FROM feedback WHERE dedup_key = ? "
    "ON CONFLICT(feedback_id) DO UPDATE SET text = coalesce(excluded.text, text), "
    "replied_at = coalesce(excluded.replied_at, replied_at), status = coalesce(excluded.status, status), "
    "source_id = excluded.source_id"
)


def reply_of(row: list, n: int, cols: tuple, ref: datetime, day_first, epoch1904) -> tuple | None:
    """(text, time, status) of the shop's reply in this row, or None; an unreadable reply time is left out."""
    text_i, time_i, status_i = cols
    out = []
    for i in (text_i, status_i):
        value = row[i] if i is not None and i < n else None
        value = RX_CONTROL.sub("", readers.cell_text(value)).strip()[:MAX_TEXT] if value not in (None, "") else ""
        out.append(value or None)
    replied_at = None
    if time_i is not None and time_i < n and row[time_i] not in (None, ""):
        try:
            parsed = parse_time(row[time_i], ref, day_first=day_first, epoch1904=epoch1904)
            replied_at = parsed.text() if parsed else None
        except TimeParseError:
            replied_at = None
    if out[0] is None and out[1] is None and replied_at is None:
        return None
    return out[0], replied_at, out[1]


class IdState(IdNotes):
    """What the rows with a platform id told about that id column during one import."""

    def __init__(self) -> None:
        super().__init__()
        self.conflicts = 0
        self.conflict_example: str | None = None
        self.other_author = 0
        self.conflicted: set[str] = set()         # id keys shared by different reviews in this file
        self.pending: dict[str, tuple] = {}       # id key -> the row whose text would replace an older one
        self.anon_keys: dict[str, str] = {}       # id key -> content key, for rows without a real author
        self.matched_by_content: dict[str, tuple] = {}   # id key -> first row of it found by its content
        self.unchanged: bytearray | None = None

    # Ids met in this file with the text already stored, in a bit set (1 MB whatever the file's
    # size): a later row of the id with another text is then another review, not an edit. A false
    # hit only keeps an edit as a new review.
    _BITS = 1 << 23

    def mark_unchanged(self, key: str) -> None:
        if self.unchanged is None:
            self.unchanged = bytearray(self._BITS >> 3)
        h = hash(key) & (self._BITS - 1)
        self.unchanged[h >> 3] |= 1 << (h & 7)

    def was_unchanged(self, key: str) -> bool:
        if self.unchanged is None:
            return False
        h = hash(key) & (self._BITS - 1)
        return bool(self.unchanged[h >> 3] & (1 << (h & 7)))

    def conflict(self, key: str, r: tuple, fall_back) -> None:
        if self.conflict_example is None:
            self.conflict_example = r[10]
        self.conflicts += 1
        self.conflicted.add(key)
        fall_back(r)


class RowWriter:
    """Collects accepted rows with their dedup keys and writes them in batches of `executemany`.

    Rows are tuples in `INSERT` order; id rows carry their content key as a 14th field, used if the
    id cannot be their identity. Counts `imported`, `dups` and `anon_repeat` in `counts`.
    """

    def __init__(self, conn, source_id: int, counts: dict, ids: IdState, default_channel: str | None) -> None:
        self.conn, self.source_id, self.counts, self.ids = conn, source_id, counts, ids
        self.default_channel = default_channel   # for rows whose own channel cell is empty
        self.batch: list[tuple] = []
        self.id_batch: list[tuple] = []
        self.anon_seen: dict[bytes, int] = {}
        # With no review ids in the database yet, id rows need no lookup: conflicts can only be
        # repeats within this file (the first import of a platform export, the common case). Rows
        # stored under their content before (an id that was mangled or shared then) are found by
        # that content key too.
        self.has_ids = conn.execute(
            "SELECT 1 FROM feedback WHERE dedup_key >= 'id:' AND dedup_key < 'id;' LIMIT 1").fetchone() is not None \
            or conn.execute("SELECT 1 FROM feedback WHERE dedup_key >= 'ath:' AND dedup_key < 'ath;' LIMIT 1"
                            ).fetchone() is not None

    def __len__(self) -> int:
        return len(self.batch) + len(self.id_batch)

    def content_key(self, who: str | None, created, precision, time_raw, text: str, *, has_id: bool = False) -> str:
        """`who` is the author, or None for none or a placeholder."""
        # Coarse times ("3小时前", "2天前") come out differently from exports made on different
        # days; their calendar day is the part two exports agree on.
        tkey = created if precision in ("second", "minute") else (created[:10] if created else time_raw or "")
        digest = hashlib.blake2b(f"{who or ''}\x1f{tkey}\x1f{text}".encode("utf-8"), digest_size=16).digest()
        if who is None:
            # Without a real author, identical reviews are told apart by their order in the file:
            # three 匿名用户 writing "好评" the same day stay three, the same file again adds none.
            seen = self.anon_seen.get(digest, 0)
            self.anon_seen[digest] = seen + 1
            if seen and not has_id:   # rows with their own ids are told apart by them
                self.counts["anon_repeat"] += 1
            return "ath:" + digest.hex() + (f":{seen}" if seen else "")
        return "ath:" + digest.hex()

    def fall_back(self, r: tuple) -> None:
        """A row whose id cannot be its identity joins the rows identified by their content."""
        self.batch.append(r[:12] + (r[13] or plain_content_key(r[9], r[3], r[4], r[5], r[2]),))

    def add(self, rownum: int, cleaned: tuple) -> str:
        """Queue one cleaned row (see `RowCleaner`); returns the key it is stored under."""
        text, created, precision, time_raw, rating, rating_raw, channel, author, ext_id, extra, weak_id = cleaned
        anonymous = author is None or is_placeholder_author(author)
        trusted = bool(ext_id) and not weak_id
        if trusted and not anonymous and not self.has_ids:
            # A first import of ids: the content key of such a row is needed only if its id turns
            # out shared, and it does not depend on the other rows; made then.
            ckey = None
        else:
            ckey = self.content_key(None if anonymous else author, created, precision, time_raw, text, has_id=trusted)
        row = (self.source_id, rownum, text, created, precision, time_raw, rating, rating_raw,
               channel or self.default_channel, author, ext_id, extra)
        if not trusted:
            self.batch.append(row + (ckey,))
            return ckey
        id_key = f"id:{channel or ''}:{ext_id}"
        if anonymous and len(self.ids.anon_keys) < MAX_ANON_IDS:
            self.ids.anon_keys.setdefault(id_key, ckey)   # numbered by its place in the file
        self.id_batch.append(row + (id_key, ckey))
        return id_key

    def flush(self) -> None:
        conn, counts = self.conn, self.counts
        if self.id_batch:
            if self.has_ids:
                _flush_ids(conn, self.id_batch, self.source_id, counts, self.ids, self.fall_back)
            else:
                added = conn.executemany(INSERT, [r[:13] for r in self.id_batch]).rowcount
                counts["imported"] += added
                if added < len(self.id_batch):
                    _sort_repeats(conn, self.id_batch, self.source_id, counts, self.ids, self.fall_back)
            self.id_batch.clear()
        if self.batch:
            added = conn.executemany(INSERT, self.batch).rowcount
            counts["imported"] += added
            counts["dups"] += len(self.batch) - added
            self.batch.clear()

    def finish(self) -> None:
        """Write what is left, then settle the ids (edits applied, shared ids resolved)."""
        self.flush()
        _settle_ids(self.conn, self.source_id, self.counts, self.ids)
        self.flush()


def _same_content(text, author, created, time_raw, r: tuple) -> bool:
    return text == r[2] and (author or None) == (r[9] or None) and (created or time_raw) == (r[3] or r[5])


def _fetch(conn, keys: list[str]) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        q = ("SELECT dedup_key, id, text, rating, rating_raw, created_at, source_id, source_row, author, time_raw "
             "FROM feedback WHERE dedup_key IN (%s)" % ",".join("?" * len(chunk)))
        for rec in conn.execute(q, chunk):
            out[rec[0]] = rec
    return out


def _sort_repeats(conn, rows: list[tuple], source_id: int, counts: dict, ids: IdState, fall_back) -> None:
    """After a plain insert of id rows: the rows it skipped are either repeats of a review of this
    file (duplicates) or another review under the same id (kept, identified by content)."""
    stored = _fetch(conn, list({r[12] for r in rows}))
    for r in rows:
        old = stored.get(r[12])
        if old is None or (old[6] == source_id and old[7] == r[1]):
            continue  # this row is the one stored
        if _same_content(old[2], old[8], old[5], old[9], r):
            counts["dups"] += 1
        else:
            ids.conflict(r[12], r, fall_back)


def _new_id_row(r: tuple, local: dict, fresh: list, fresh_keys: set, counts: dict, ids: IdState, fall_back) -> None:
    """A row whose id is not stored yet: the first of its id in this file is written, later ones
    are repeats of it or other reviews under the same id."""
    key = r[12]
    first = local.get(key)
    if first is None:
        local[key] = r
        fresh.append(r)
        fresh_keys.add(key)
    elif _same_content(first[2], first[9], first[3], first[5], r):
        counts["dups"] += 1
    else:
        ids.conflict(key, r, fall_back)


def _stored_id_row(r: tuple, old: tuple, source_id: int, counts: dict, ids: IdState, fall_back) -> None:
    """A row whose id is stored already: a repeat, an edit (kept pending until the end of the file),
    or another review under the same id."""
    key = r[12]
    if old[6] == source_id:
        if _same_content(old[2], old[8], old[5], old[9], r):
            counts["dups"] += 1
        else:
            ids.conflict(key, r, fall_back)
        return
    wait = ids.pending.get(key)
    if wait is not None:
        if _same_content(wait[2], wait[9], wait[3], wait[5], r):
            counts["dups"] += 1
            return
        # The id carries two texts in this file: not an edit. The stored review is one of them or
        # neither; the other texts are other reviews.
        del ids.pending[key]
        ids.conflict(key, wait, fall_back)
        if old[2] == r[2]:
            counts["dups"] += 1
        else:
            ids.conflict(key, r, fall_back)
        return
    if old[2] == r[2]:
        # The same text is the same review; an edit changes the text (a rating alone differing
        # between two exports is not taken as an edit, as it is not within one file either).
        counts["dups"] += 1
        ids.mark_unchanged(key)
        return
    if key in ids.conflicted or ids.was_unchanged(key):
        # This file also has the stored text under this id: another review, not an edit.
        ids.conflict(key, r, fall_back)
        return
    a, b = old[8], r[9]
    if a and b and not is_placeholder_author(a) and not is_placeholder_author(b) and \
            unicodedata.normalize("NFKC", a).strip() != unicodedata.normalize("NFKC", b).strip():
        # Another customer under the same number: not an edit of that review.
        ids.other_author += 1
        fall_back(r)
        return
    ids.pending[key] = r


def _flush_ids(conn, rows: list[tuple], source_id: int, counts: dict, ids: IdState, fall_back) -> None:
    """Rows with a platform id: new ones are inserted, same text is a duplicate, edited text replaces
    the old one at the end of the import, if the id proved trustworthy in the whole file."""
    existing = _fetch(conn, list({r[12] for r in rows}))
    by_content = _fetch(conn, list({r[13] for r in rows if r[12] not in existing}))
    fresh: list[tuple] = []
    local = ids.matched_by_content
    fresh_keys: set[str] = set()
    for r in rows:
        old = existing.get(r[12])
        if old is None and r[13] in by_content and by_content[r[13]][6] != source_id:
            # Stored before under its content (its id was not trusted then); later rows with this
            # id are compared with this one, as with a row stored now.
            counts["dups"] += 1
            local.setdefault(r[12], r)
        elif old is None:
            _new_id_row(r, local, fresh, fresh_keys, counts, ids, fall_back)
        else:
            _stored_id_row(r, old, source_id, counts, ids, fall_back)
    for key in fresh_keys:
        del local[key]  # stored now: the next batches find them in the table
    if fresh:
        added = conn.executemany(INSERT, [r[:13] for r in fresh]).rowcount
        counts["imported"] += added
        counts["dups"] += len(fresh) - added


def _settle_ids(conn, source_id: int, counts: dict, ids: IdState) -> None:
    """End of the file: apply the edits of trustworthy ids (keeping the previous version,
    BAD_INPUTS #42); a review stored under an id that turned out shared is identified by its content."""
    now = storage.now_text()
    for key, r in ids.pending.items():
        old = _fetch(conn, [key]).get(key)
        if old is None:
            counts["imported"] += conn.execute(INSERT, r[:13]).rowcount
            continue
        conn.execute(
            "INSERT INTO feedback_versions(feedback_id, text, rating, rating_raw, source_id, replaced_at, replaced_by_source) "
            "VALUES (?,?,?,?,?,?,?)", [old[1], old[2], old[3], old[4], old[6], now, source_id])
        conn.execute(
            "UPDATE feedback SET text=?, rating=?, rating_raw=?, created_at=coalesce(?, created_at), "
            "time_precision=coalesce(?, time_precision), time_raw=coalesce(?, time_raw), "
            "lang=NULL, sentiment=NULL, model_label=NULL, label=manual_label, topics=NULL, analysis_version=NULL, "
            "analyzed_at=NULL WHERE id=?",
            [r[2], r[6], r[7], r[3], r[4], r[5], old[1]])
        conn.execute("DELETE FROM feedback_topics WHERE feedback_id=? AND manual=0", [old[1]])
        counts["updated"] += 1
    ids.pending.clear()
    for key in sorted(ids.conflicted):
        rec = conn.execute(
            "SELECT id, author, created_at, time_precision, time_raw, text FROM feedback "
            "WHERE dedup_key = ? AND source_id = ?", [key, source_id]).fetchone()
        if rec is None:
            continue
        # The stored row is the first of its id in the file; without a real author, that first
        # row's numbered content key was kept when it was read.
        new_key = plain_content_key(rec[1], rec[2], rec[3], rec[4], rec[5]) or ids.anon_keys.get(key)
        if new_key is not None:
            # Should the content key be taken (the same text came again without an id), the row
            # keeps its id key: the rows of this import have no search entries yet to delete.
            conn.execute("UPDATE OR IGNORE feedback SET dedup_key = ? WHERE id = ?", [new_key, rec[0]])


__all__ = ["RowWriter", "IdState", "INSERT", "UPSERT_REPLY", "reply_of", "MAX_ANON_IDS"]
