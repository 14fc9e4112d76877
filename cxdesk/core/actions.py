"""Improvement actions: create, edit, delete, with an undoable history (moving cards on the board is `board.py`).

Every change is written to `action_history`, one row per changed field; the rows of one call share a
`change_id` (added by migration 50), so `undo_last_change` can put back exactly what one call changed.
Lists (topics, keywords, channels, example rows) are stored in the history as JSON text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from cxdesk.core.bounds import clamp_day, clamp_stored_day
from cxdesk.core import storage
from cxdesk.core.changes import Changes
from cxdesk.core.errors import InvalidValueError, NotFoundError
from cxdesk.i18n import N_, _

STATUSES = ("todo", "doing", "live", "evaluated", "dropped")

# Days compared before and after an action's go-live, unless the owner chooses otherwise.
EVALUATION_WINDOW_DAYS = 28

# Board column names; `status_name(code)` translates them where they are shown.
STATUS_NAMES = {
    "todo": N_("To do"),
    "doing": N_("In progress"),
    "live": N_("Live"),
    "evaluated": N_("Evaluated"),
    "dropped": N_("Dropped"),
}

# Spellings accepted from the owner (CLI, imports of plans), beside the codes and the display names.
_STATUS_ALIASES = {
    "待办": "todo", "待處理": "todo", "待办事项": "todo", "to do": "todo", "to-do": "todo", "open": "todo",
    "进行中": "doing", "進行中": "doing", "in progress": "doing", "in-progress": "doing", "wip": "doing",
    "已上线": "live", "已上線": "live", "上线": "live", "done": "live",
    "已评估": "evaluated", "已評估": "evaluated", "评估": "evaluated",
    "已放弃": "dropped", "已放棄": "dropped", "放弃": "dropped", "cancelled": "dropped", "canceled": "dropped",
}

# History field names as the owner reads them.
FIELD_NAMES = {
    "created": N_("created"), "title": N_("title"), "description": N_("description"), "owner": N_("owner"),
    "status": N_("status"), "live_date": N_("go-live date"), "keywords": N_("keywords"),
    "channels": N_("channels"), "topics": N_("topics"), "feedback_ids": N_("example rows"),
    "position": N_("position"),
}

EDITABLE_FIELDS = ("title", "description", "owner", "status", "live_date", "keywords", "channels",
                   "topics", "feedback_ids", "position")
_LIST_FIELDS = ("keywords", "channels", "topics", "feedback_ids")


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Action:
    id: int
    title: str
    description: str
    owner: str
    status: str
    live_date: date | None
    keywords: tuple[str, ...]
    channels: tuple[str, ...]
    topics: tuple[str, ...]
    feedback_ids: tuple[int, ...]
    position: int
    created_at: str
    updated_at: str

    @property
    def status_name(self) -> str:
        return status_name(self.status)

    def age_days(self, today: date | None = None) -> int:
        """Days since the action was created."""
        today = today or date.today()
        try:
            created = datetime.fromisoformat(self.created_at).date()
        except ValueError:
            return 0
        return max(0, (today - created).days)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "owner": self.owner,
            "status": self.status,
            "status_name": self.status_name,
            "live_date": self.live_date.isoformat() if self.live_date else None,
            "keywords": list(self.keywords),
            "channels": list(self.channels),
            "topics": list(self.topics),
            "feedback_ids": list(self.feedback_ids),
            "position": self.position,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    change_id: int | None
    at: str
    field: str
    old_value: str | None
    new_value: str | None
    undone_at: str | None


def status_name(status: str) -> str:
    return _(STATUS_NAMES.get(status, status))


def field_name(field: str) -> str:
    return _(FIELD_NAMES.get(field, field))


def history_value(field: str, text: str | None) -> str:
    """A history value as the owner reads it (status names, lists joined)."""
    if text is None or text == "":
        return "–"
    if field == "status":
        return status_name(text)
    if field in _LIST_FIELDS:
        return _(", ").join(str(v) for v in _loads_list(text)) or "–"
    return text


def parse_status(text: str) -> str:
    """A status code from a code, an English or Chinese name (`live`, `Live`, `已上线`)."""
    value = (text or "").strip()
    low = value.lower()
    if low in STATUSES:
        return low
    if low in _STATUS_ALIASES:
        return _STATUS_ALIASES[low]
    for code, name in STATUS_NAMES.items():
        if low in (name.lower(), _(name).lower()):
            return code
    raise InvalidValueError(
        _("Unknown status “{value}”. Use one of: {names}.").format(
            value=text, names=", ".join(f"{status_name(s)} ({s})" for s in STATUSES))
    )


_DATE_PATTERNS = (
    re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$"),
    re.compile(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日?\s*$"),
    re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$"),
)


def parse_date(value) -> date | None:
    """`None`/'' -> None; a date, datetime or text such as 2024-03-05, 2024/3/5, 2024年3月5日, moved
    into sane bounds (a go-live of 9999-12-31 must not break evaluations and reports)."""
    return clamp_day(_parse_date(value))


def _parse_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    if len(text) >= 10:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise InvalidValueError(_("Cannot read the date “{value}”; write it like 2024-03-05.").format(value=value))


def needs_target_warning(topics, keywords) -> str | None:
    """The warning for an action with neither a topic nor a keyword (its effect cannot be measured)."""
    if parse_list(topics) or parse_list(keywords):
        return None
    return _("This action has no topic and no keyword, so its effect cannot be measured. "
             "Tick a topic or type a keyword before it goes live.")


def _check_ready(status: str, topics, keywords) -> None:
    """A live or evaluated action must name what it changes: a topic or a keyword (an idea may not yet)."""
    if status in ("live", "evaluated") and not (parse_list(topics) or parse_list(keywords)):
        raise InvalidValueError(_("An action needs a topic or a keyword before it goes live, "
                                  "otherwise its effect cannot be measured. Add one, or keep it under “{todo}”.").format(
            todo=status_name("todo")))


def _today() -> date:
    return date.today()


def parse_list(values) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = re.split(r"[,，、;；\n]", values)
    out: list[str] = []
    for v in values:
        s = str(v).strip()
        if s and s not in out:
            out.append(s)
    return tuple(out)


def clean_ids(values) -> tuple[int, ...]:
    out: list[int] = []
    for v in values or ():
        try:
            i = int(v)
        except (TypeError, ValueError):
            raise InvalidValueError(_("“{value}” is not a feedback row number.").format(value=v)) from None
        if i not in out:
            out.append(i)
    return tuple(sorted(out))


# ---------------------------------------------------------------------------------------------
# Reading


def _topic_ids(db, names: tuple[str, ...]) -> list[int]:
    if not names:
        return []
    rows = db.execute(
        f"SELECT id, name FROM topics WHERE name IN ({', '.join('?' * len(names))})", list(names)
    ).fetchall()
    found = {name: tid for tid, name in rows}
    missing = [n for n in names if n not in found]
    if missing:
        known = [r[0] for r in db.execute("SELECT name FROM topics WHERE enabled = 1 ORDER BY name").fetchall()]
        if known:
            raise NotFoundError(
                _("There is no topic “{name}”. Known topics: {known}.").format(
                    name=missing[0], known=_(", ").join(known[:30]))
            )
        raise NotFoundError(
            _("There is no topic “{name}”: no topics are set up yet. Run the analysis first.").format(name=missing[0])
        )
    return [found[n] for n in names]


def _row_to_action(db, row) -> Action:
    (aid, title, description, owner, status, live_date, keywords, channels, position, created_at,
     updated_at) = row
    topics = tuple(r[0] for r in db.execute(
        "SELECT t.name FROM action_topics at JOIN topics t ON t.id = at.topic_id "
        "WHERE at.action_id = ? ORDER BY t.name", [aid]))
    fids = tuple(r[0] for r in db.execute(
        "SELECT feedback_id FROM action_feedback WHERE action_id = ? ORDER BY feedback_id", [aid]))
    return Action(
        id=aid, title=title, description=description or "", owner=owner or "", status=status,
        live_date=clamp_stored_day(live_date),
        keywords=tuple(_loads_list(keywords)), channels=tuple(_loads_list(channels)),
        topics=topics, feedback_ids=fids, position=position or 0,
        created_at=created_at, updated_at=updated_at,
    )


def _loads_list(text) -> list:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return list(value) if isinstance(value, list) else []


_COLUMNS = "id, title, description, owner, status, live_date, keywords, channels, position, created_at, updated_at"


def get_action(db, action_id: int) -> Action:
    row = db.execute(f"SELECT {_COLUMNS} FROM actions WHERE id = ?", [int(action_id)]).fetchone()
    if row is None:
        raise NotFoundError(_("There is no action number {id}.").format(id=action_id))
    return _row_to_action(db, row)


def list_actions(db, *, status: str | None = None, topic: str | None = None,
                 owner: str | None = None) -> list[Action]:
    """Actions in board order (status, position, id), optionally only one status, topic or owner."""
    where, params = [], []
    if status:
        where.append("a.status = ?")
        params.append(parse_status(status))
    if owner:
        where.append("a.owner = ?")
        params.append(owner)
    if topic:
        where.append("a.id IN (SELECT at.action_id FROM action_topics at JOIN topics t ON t.id = at.topic_id "
                     "WHERE t.name = ?)")
        params.append(topic)
    order = "CASE a.status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUSES)) + " END"
    sql = (f"SELECT {', '.join('a.' + c.strip() for c in _COLUMNS.split(','))} FROM actions a "
           f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY {order}, a.position, a.id")
    return [_row_to_action(db, row) for row in db.execute(sql, params).fetchall()]


def list_owners(db) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT DISTINCT owner FROM actions WHERE owner != '' ORDER BY owner").fetchall()]


def list_topic_names(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM topics WHERE enabled = 1 ORDER BY name").fetchall()]


def action_history(db, action_id: int) -> list[HistoryEntry]:
    get_action(db, action_id)
    rows = db.execute(
        "SELECT id, change_id, at, field, old_value, new_value, undone_at FROM action_history "
        "WHERE action_id = ? ORDER BY id", [int(action_id)]).fetchall()
    return [HistoryEntry(*r) for r in rows]


# ---------------------------------------------------------------------------------------------
# Changing


def _as_text(field: str, value) -> str | None:
    if value is None:
        return None
    if field in _LIST_FIELDS:
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _next_change_id(db) -> int:
    return (db.execute("SELECT max(change_id) FROM action_history").fetchone()[0] or 0) + 1


def _record(db, action_id: int, change_id: int, at: str, field: str, old, new) -> None:
    db.execute(
        "INSERT INTO action_history(action_id, at, field, old_value, new_value, change_id) VALUES (?, ?, ?, ?, ?, ?)",
        [action_id, at, field, _as_text(field, old), _as_text(field, new), change_id])


def _normalise(db, field: str, value):
    if field == "title":
        title = str(value or "").strip()
        if not title:
            raise InvalidValueError(_("An action needs a title."))
        return title
    if field in ("description", "owner"):
        return str(value or "").strip()
    if field == "status":
        return parse_status(value)
    if field == "live_date":
        return parse_date(value)
    if field in ("keywords", "channels"):
        return parse_list(value)
    if field == "topics":
        names = parse_list(value)
        _topic_ids(db, names)
        return tuple(sorted(names))
    if field == "feedback_ids":
        ids = clean_ids(value)
        if ids:
            found = {r[0] for r in db.execute(
                f"SELECT id FROM feedback WHERE id IN ({', '.join('?' * len(ids))})", list(ids))}
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFoundError(_("There is no feedback row number {id}.").format(id=missing[0]))
        return ids
    if field == "position":
        return int(value)
    raise InvalidValueError(_("An action has no field “{field}”.").format(field=field))


def _write_field(db, action_id: int, field: str, value, now: str) -> None:
    if field == "topics":
        db.execute("DELETE FROM action_topics WHERE action_id = ?", [action_id])
        for tid in _topic_ids(db, tuple(value)):
            db.execute("INSERT INTO action_topics(action_id, topic_id) VALUES (?, ?)", [action_id, tid])
    elif field == "feedback_ids":
        db.execute("DELETE FROM action_feedback WHERE action_id = ?", [action_id])
        db.conn.executemany("INSERT INTO action_feedback(action_id, feedback_id) VALUES (?, ?)",
                            [(action_id, i) for i in value])
    else:
        db.execute(f"UPDATE actions SET {field} = ? WHERE id = ?", [_as_text(field, value), action_id])
    db.execute("UPDATE actions SET updated_at = ? WHERE id = ?", [now, action_id])


def _current(action: Action, field: str):
    return getattr(action, field)


def create_action(db, title: str, *, topics=(), owner: str = "", description: str = "", keywords=(),
                  channels=(), feedback_ids=(), live_date=None, status: str | None = None,
                  alert_id: int | None = None) -> int:
    """Add an action and return its id. With a go-live date on or before today it starts as 已上线.

    `alert_id`: the spike alert the action answers; the alert is marked as handled by it.
    """
    title = _normalise(db, "title", title)
    live = parse_date(live_date)
    if status is None:
        status = "live" if live is not None and live <= date.today() else "todo"
    values = {
        "description": _normalise(db, "description", description),
        "owner": _normalise(db, "owner", owner),
        "status": parse_status(status),
        "live_date": live,
        "keywords": parse_list(keywords),
        "channels": parse_list(channels),
        "topics": _normalise(db, "topics", topics),
        "feedback_ids": _normalise(db, "feedback_ids", feedback_ids),
    }
    if values["status"] in ("live", "evaluated") and values["live_date"] is None:
        values["live_date"] = date.today()
    _check_ready(values["status"], values["topics"], values["keywords"])
    now = storage.now_text()
    with db.atomic():
        position = db.execute("SELECT coalesce(max(position), -1) + 1 FROM actions WHERE status = ?",
                              [values["status"]]).fetchone()[0]
        cur = db.execute(
            "INSERT INTO actions(title, description, owner, status, live_date, keywords, channels, position, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [title, values["description"], values["owner"], values["status"],
             _as_text("live_date", values["live_date"]), _as_text("keywords", values["keywords"]),
             _as_text("channels", values["channels"]), position, now, now])
        action_id = cur.lastrowid
        _write_field(db, action_id, "topics", values["topics"], now)
        _write_field(db, action_id, "feedback_ids", values["feedback_ids"], now)
        change = _next_change_id(db)
        _record(db, action_id, change, now, "created", None, title)
        if alert_id is not None:
            db.execute("UPDATE alerts SET action_id = ? WHERE id = ?", [action_id, int(alert_id)])
    return action_id


def update_action(db, action_id: int, **fields) -> Changes:
    """Set any of EDITABLE_FIELDS; only real changes are written and recorded (one undoable step).

    A plain setter: moving to 已上线 or 已评估 with their side effects is `board.move_action`.
    """
    unknown = [f for f in fields if f not in EDITABLE_FIELDS]
    if unknown:
        raise InvalidValueError(_("An action has no field “{field}”.").format(field=unknown[0]))
    with db.atomic():
        action = get_action(db, action_id)
        new = {f: _normalise(db, f, v) for f, v in fields.items()}
        changed = {f: v for f, v in new.items() if _current(action, f) != v}
        if not changed:
            return Changes()
        if {"status", "topics", "keywords"} & set(changed):
            _check_ready(changed.get("status", action.status), changed.get("topics", action.topics),
                         changed.get("keywords", action.keywords))
        now = storage.now_text()
        change = _next_change_id(db)
        for field, value in changed.items():
            _record(db, action.id, change, now, field, _current(action, field), value)
            _write_field(db, action.id, field, value, now)
    return Changes(actions=True)


def delete_action(db, action_id: int) -> dict:
    """Remove an action for good; returns a snapshot that `restore_action` puts back (the UI's undo)."""
    with db.atomic():
        action = get_action(db, action_id)
        history = [list(r) for r in db.execute(
            "SELECT id, at, field, old_value, new_value, change_id, undone_at FROM action_history "
            "WHERE action_id = ? ORDER BY id", [action.id])]
        evaluations = [list(r) for r in db.execute(
            "SELECT id, created_at, window_days, lag_days, verdict, result FROM evaluations WHERE action_id = ?",
            [action.id])]
        alerts = [r[0] for r in db.execute("SELECT id FROM alerts WHERE action_id = ?", [action.id])]
        db.execute("UPDATE alerts SET action_id = NULL WHERE action_id = ?", [action.id])
        db.execute("DELETE FROM actions WHERE id = ?", [action.id])
    return {"action": action.to_json(), "history": history, "evaluations": evaluations, "alerts": alerts}


def restore_action(db, snapshot: dict) -> int:
    """Put back an action removed by `delete_action`, with its id, links, history and evaluations."""
    a = snapshot["action"]
    with db.atomic():
        if db.execute("SELECT 1 FROM actions WHERE id = ?", [a["id"]]).fetchone():
            raise InvalidValueError(_("Action {id} already exists.").format(id=a["id"]))
        db.execute(
            "INSERT INTO actions(id, title, description, owner, status, live_date, keywords, channels, position, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [a["id"], a["title"], a["description"], a["owner"], a["status"], a["live_date"],
             json.dumps(a["keywords"], ensure_ascii=False), json.dumps(a["channels"], ensure_ascii=False),
             a["position"], a["created_at"], a["updated_at"]])
        known_topics = [t for t in a["topics"]
                        if db.execute("SELECT 1 FROM topics WHERE name = ?", [t]).fetchone()]
        _write_field(db, a["id"], "topics", known_topics, a["updated_at"])
        fids = [i for i in a["feedback_ids"]
                if db.execute("SELECT 1 FROM feedback WHERE id = ?", [i]).fetchone()]
        _write_field(db, a["id"], "feedback_ids", fids, a["updated_at"])
        for hid, at, field, old, new, change_id, undone_at in snapshot.get("history", []):
            db.execute("INSERT INTO action_history(id, action_id, at, field, old_value, new_value, change_id, "
                       "undone_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [hid, a["id"], at, field, old, new, change_id, undone_at])
        for alert_id in snapshot.get("alerts", []):
            db.execute("UPDATE alerts SET action_id = ? WHERE id = ? AND action_id IS NULL", [a["id"], alert_id])
        for eid, created_at, window_days, lag_days, verdict, result in snapshot.get("evaluations", []):
            db.execute("INSERT INTO evaluations(id, action_id, created_at, window_days, lag_days, verdict, result) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", [eid, a["id"], created_at, window_days, lag_days, verdict, result])
    return a["id"]


def _from_text(field: str, text):
    if text is None:
        return None
    if field in _LIST_FIELDS:
        return _loads_list(text)
    if field == "live_date":
        return clamp_stored_day(text)
    if field == "position":
        return int(text)
    return text


def undo_last_change(db, action_id: int) -> Changes:
    """Put back what the latest not-yet-undone change of this action changed (creation is not undone here:
    that is `delete_action`). Returns `Changes()` when there is nothing to undo."""
    with db.atomic():
        action = get_action(db, action_id)
        row = db.execute(
            "SELECT max(change_id) FROM action_history WHERE action_id = ? AND undone_at IS NULL "
            "AND field != 'created'", [action.id]).fetchone()
        if row[0] is None:
            return Changes()
        change = row[0]
        entries = db.execute(
            "SELECT field, old_value FROM action_history WHERE action_id = ? AND change_id = ? ORDER BY id",
            [action.id, change]).fetchall()
        now = storage.now_text()
        for field, old in entries:
            value = _from_text(field, old)
            if field == "topics":
                value = [t for t in value if db.execute("SELECT 1 FROM topics WHERE name = ?", [t]).fetchone()]
            if field == "feedback_ids":
                value = [i for i in value if db.execute("SELECT 1 FROM feedback WHERE id = ?", [i]).fetchone()]
            _write_field(db, action.id, field, value, now)
        db.execute("UPDATE action_history SET undone_at = ? WHERE action_id = ? AND change_id = ?",
                   [now, action.id, change])
    return Changes(actions=True)


def actions_for_feedback(db, feedback_id: int) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT action_id FROM action_feedback WHERE feedback_id = ? ORDER BY action_id", [int(feedback_id)])]
