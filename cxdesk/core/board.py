"""The action board: what it shows (cards in order with their verdict badges, the filter choices) and
moving a card between columns, which stores an evaluation snapshot when it reaches 已评估."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cxdesk.core.actions import (
    get_action, list_actions, list_owners, list_topic_names, parse_date, parse_status, status_name,
    update_action,
)
from cxdesk.core.changes import Changes
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.evaluation import evaluate_action, list_snapshots, snapshot_evaluation
from cxdesk.core.evaluation_text import format_pct, format_relative, saved_metric_name, verdict_name
from cxdesk.core.evaluation_values import Badge
from cxdesk.i18n import _


@dataclass(frozen=True)
class BoardData:
    """Everything the board shows: cards in board order with their badges, and the filter choices."""
    cards: tuple[tuple[object, Badge | None], ...]     # (Action, Badge or None)
    topics: tuple[str, ...]
    owners: tuple[str, ...]


def board_data(db, *, topic: str | None = None, owner: str | None = None, today: date | None = None) -> BoardData:
    items = list_actions(db, topic=topic or None, owner=owner or None)
    cards = tuple((a, badge_for(db, a, today=today)) for a in items)
    return BoardData(cards, tuple(list_topic_names(db)), tuple(list_owners(db)))


def badge_for(db, action, today: date | None = None) -> Badge | None:
    """Verdict chip and change for a live or evaluated card (the latest snapshot for evaluated ones)."""
    if action.status not in ("live", "evaluated") or action.live_date is None:
        return None
    if action.status == "evaluated":
        snaps = list_snapshots(db, action.id)
        if snaps:
            res = snaps[0].result
            complete = res.get("complete_on")
            after = res.get("after", {})
            return _badge(snaps[0].verdict, res.get("before", {}).get("negative_rate"),
                          after.get("negative_rate") if after.get("total") else None,
                          date.fromisoformat(complete) if complete else None,
                          saved_metric_name(res, action.topics, action.keywords))
    try:
        ev = evaluate_action(db, action.id, today=today)
    except InvalidValueError:
        return None
    return _badge(ev.verdict, ev.before.negative_rate if ev.before.total else None,
                  ev.after.negative_rate if ev.comparable and ev.complete_on is None else None,
                  ev.complete_on, ev.metric)


def _badge(verdict: str, before: float | None, after: float | None, complete_on: date | None,
           metric: str = "") -> Badge:
    if verdict == "insufficient_data" and complete_on:
        text = _("can be evaluated from {date}").format(date=complete_on.strftime("%m-%d"))
    elif before is not None and after is not None:
        text = f"{format_pct(before)}→{format_pct(after)}"
        if before > 0:
            text += _(" ({change})").format(change=format_relative(after / before - 1))
    else:
        text = ""
    return Badge(verdict, before, after, complete_on, text, verdict_name(verdict), metric)


def move_action(db, action_id: int, status: str, date=None, position: int | None = None,
                today=None) -> Changes:
    """Move to another board column (at `position`, default the end).

    Moving to 已上线 sets the go-live date: `date` if given, else the one already set, else today.
    Moving to 已评估 needs a go-live date and stores a dated evaluation snapshot.
    """
    target = parse_status(status)
    when = parse_date(date)
    today = parse_date(today) or datetime.now().date()   # `date` is an argument here
    with db.atomic():
        action = get_action(db, action_id)
        fields: dict = {}
        if target != action.status:
            fields["status"] = target
        if target in ("live", "evaluated"):
            live = when or action.live_date or (today if target == "live" else None)
            if live is None:
                raise InvalidValueError(
                    _("Action {id} has no go-live date yet: move it to “{live}” first, or give the date.").format(
                        id=action.id, live=status_name("live")))
            if live != action.live_date:
                fields["live_date"] = live
        elif when is not None and when != action.live_date:
            fields["live_date"] = when
        if position is None:
            if target != action.status:
                fields["position"] = db.execute(
                    "SELECT coalesce(max(position), -1) + 1 FROM actions WHERE status = ?", [target]).fetchone()[0]
        else:
            _shift_column(db, target, int(position), action.id)
            fields["position"] = int(position)
        changes = update_action(db, action.id, **fields) if fields else Changes()
        if target == "evaluated" and "status" in fields:
            snapshot_evaluation(db, action.id, today=today)
    return changes


def _shift_column(db, status: str, position: int, moving_id: int) -> None:
    """Make room at `position` in a column; positions are not part of the undo history."""
    ids = [r[0] for r in db.execute(
        "SELECT id FROM actions WHERE status = ? AND id != ? ORDER BY position, id", [status, moving_id])]
    for i, aid in enumerate(ids):
        db.execute("UPDATE actions SET position = ? WHERE id = ?", [i if i < position else i + 1, aid])
