"""What the owner does with selected feedback rows: correct, tag, delete (each undoable), copy, export,
start an improvement action. Each undo command runs its core call as a write task through the screen."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from PySide6.QtGui import QGuiApplication, QUndoCommand
from PySide6.QtWidgets import QFileDialog

from cxdesk.core import feedback as fb
from cxdesk.core.changes import Changes
from cxdesk.i18n import N_, _, ngettext
from cxdesk.ui.widgets import dialogs

COPY_LIMIT = 10_000   # rows put on the clipboard at most; exporting has no limit


class _EditCommand(QUndoCommand):
    def __init__(self, screen, text: str, do: Callable, undo: Callable) -> None:
        super().__init__(text)
        self._screen = screen
        self._do = do
        self._undo = undo

    select_after_undo: list[int] | None = None

    def redo(self) -> None:
        self._screen._run_edit(self._do, self.text())

    def undo(self) -> None:
        self._screen._run_edit(self._undo, self.text(), select=self.select_after_undo)


def _correct_label_command(screen, ids: list[int], label: str | None) -> _EditCommand:
    # The labels before the change are read by the first run, in the worker (a selection can be large).
    before: dict[int, str | None] = {}

    def do(db):
        if not before:
            before.update(fb.manual_labels(db, ids))
        return fb.correct_label(db, ids, label)

    def undo(db):
        changes = Changes()
        groups: dict[str | None, list[int]] = {}
        for fid, old in before.items():
            groups.setdefault(old, []).append(fid)
        for old, group in groups.items():
            changes = changes | fb.correct_label(db, group, old)
        return changes

    text = ngettext("Set sentiment of {n} row to “{label}”", "Set sentiment of {n} rows to “{label}”", len(ids)).format(
        n=len(ids), label=fb.label_name(label) if label else _("the model's judgement"))
    return _EditCommand(screen, text, do, undo)


def _tag_command(screen, ids: list[int], topic: str) -> _EditCommand:
    new_ids: list[int] | None = None   # rows that did not have the topic yet (found by the first run)

    def do(db):
        nonlocal new_ids
        if new_ids is None:
            already = fb.rows_with_topic(db, ids, topic)
            new_ids = [i for i in ids if i not in already]
        return fb.tag_rows(db, new_ids, topic) if new_ids else Changes()

    def undo(db):
        return fb.tag_rows(db, new_ids, topic, remove=True) if new_ids else Changes()

    text = ngettext("Tag {n} row with “{topic}”", "Tag {n} rows with “{topic}”", len(ids)).format(n=len(ids), topic=topic)
    return _EditCommand(screen, text, do, undo)


def _delete_command(screen, ids: list[int]) -> _EditCommand:
    text = ngettext("Delete {n} row", "Delete {n} rows", len(ids)).format(n=len(ids))
    command = _EditCommand(screen, text, lambda db: fb.delete_rows(db, ids), lambda db: fb.restore_rows(db, ids))
    command.select_after_undo = list(ids)  # the restored rows come back selected
    return command



class FeedbackEditsMixin:
    """Part of FeedbackScreen (needs `ctx`, `model`, `message_bar`, `selected_ids`, `reload`, `select_ids`,
    the actions and the `edit_finished`/`export_finished` signals)."""

    def correct_selected(self, label: str | None) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        self.ctx.undo_stack.push(_correct_label_command(self, ids, label))

    def tag_selected(self, topic: str | None = None) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        if topic is None:
            topic, ok = dialogs.ask_item(self, _("Tag with topic"), _("Topic (choose or type a new one):"),
                                         list(self._options.topics), 0)
            if not ok:
                return
        topic = (topic or "").strip()
        if not topic:
            self.message_bar.show_warning(_("Please enter a topic name."))
            return
        self.ctx.undo_stack.push(_tag_command(self, ids, topic))

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        self.ctx.undo_stack.push(_delete_command(self, ids))
        self.message_bar.show_info(
            ngettext("Deleted {n} row. Undo with Ctrl+Z.", "Deleted {n} rows. Undo with Ctrl+Z.", len(ids)).format(n=len(ids)),
            action_text=_("Undo"), on_action=self.ctx.undo_stack.undo, timeout_ms=8000)

    def _run_edit(self, fn: Callable, title: str, select: list[int] | None = None) -> None:
        """Write in the background; the reload comes with `data_changed`."""
        self._pending_edits += 1
        task = self.ctx.run_task(lambda db, _progress: fn(db), write=True, title=title)
        task.signals.finished.connect(lambda changes: self._on_edit_done(changes, select))
        task.signals.failed.connect(self._on_edit_failed)
        task.signals.cancelled.connect(self._on_edit_failed)

    def _on_edit_done(self, changes, select: list[int] | None = None) -> None:
        # Still counted as pending while notifying, so a hidden screen reloads too.
        if isinstance(changes, Changes) and changes.any():
            self.ctx.notify(changes)
        else:
            self.reload()
        if select:
            self.select_ids(select)
        self._pending_edits = max(0, self._pending_edits - 1)
        self.edit_finished.emit()

    def _on_edit_failed(self, message: str = "") -> None:
        self._pending_edits = max(0, self._pending_edits - 1)
        self.message_bar.show_error(message or _("The change was not saved."))
        self.reload()
        self.edit_finished.emit()

    def copy_selected(self) -> None:
        """Put the selected rows on the clipboard as tab-separated text (pastes into Excel)."""
        chosen = self.selected_ids()
        rows = fb.fetch_rows(self.ctx.read_db(), chosen[:COPY_LIMIT])
        lines = ["\t".join(_(title) for title in (N_("Time"), N_("Channel"), N_("Rating"), N_("Sentiment"),
                                                   N_("Topics"), N_("Feedback text")))]
        for row in rows:
            rating = "" if row.rating is None else (str(int(row.rating)) if row.rating == int(row.rating) else str(row.rating))
            cells = [row.created_at or "", row.channel or "", rating, fb.label_name(row.label), "、".join(row.topics),
                     row.text]
            lines.append("\t".join(" ".join(c.split()) for c in cells))
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        if len(chosen) > COPY_LIMIT:
            self.message_bar.show_warning(
                _("Copied the first {n} of {total} selected rows. Use Export to save all of them.").format(
                    n=f"{len(rows):,}", total=f"{len(chosen):,}"),
                action_text=_("Export…"), on_action=self.export_rows)
            return
        self.message_bar.show_info(ngettext("Copied {n} row.", "Copied {n} rows.", len(rows)).format(n=len(rows)),
                                   timeout_ms=4000)

    def export_rows(self, path: str | Path | None = None):
        """Export the filtered rows (all of them, in the shown order); returns the task or None."""
        if path is None:
            from cxdesk.ui import settings

            folder = settings.get(settings.LAST_FOLDER) or str(Path.home())
            name = _("feedback-{day}").format(day=date.today().isoformat())
            chosen, selected = QFileDialog.getSaveFileName(
                self, _("Export feedback"), str(Path(folder) / f"{name}.xlsx"),
                _("Excel workbook") + " (*.xlsx);;" + _("CSV for Excel") + " (*.csv)")
            if not chosen:
                return None
            path = Path(chosen)
            if path.suffix.lower() not in (".xlsx", ".csv"):
                path = path.with_suffix(".csv" if "csv" in selected.lower() else ".xlsx")
            settings.set(settings.LAST_FOLDER, str(path.parent))
        path = Path(path)
        flt, sort, desc = self.model.filter, self.model.sort_key, self.model.descending
        task = self.ctx.run_task(lambda db, progress: fb.export_rows(db, flt, path, progress, sort=sort, descending=desc),
                                 write=False, title=_("Export feedback"))
        from cxdesk.ui.tasks import show_delayed_progress

        show_delayed_progress(task, self, _("Exporting feedback…"))
        self.export_action.setEnabled(False)
        task.signals.finished.connect(self._on_export_done)
        task.signals.failed.connect(self.message_bar.show_error)
        task.signals.ended.connect(lambda: self.export_action.setEnabled(True))
        return task

    def _on_export_done(self, result) -> None:
        self.message_bar.show_success(
            ngettext("Exported {n} row to {path}", "Exported {n} rows to {path}", result.rows).format(
                n=f"{result.rows:,}", path=result.path))
        self.export_finished.emit(result)

    def create_action_from_selection(self) -> dict | None:
        """Ask the board for a new action from the selected rows and the current search word."""
        ids = self.selected_ids()[:2000]
        if not ids:
            return None
        prefill = {"feedback_ids": list(ids), "search": self.search_edit.text().strip()}
        self.ctx.create_action_requested.emit(prefill)
        return prefill
