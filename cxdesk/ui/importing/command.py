"""An import as a step on the shared undo stack, and the progress guard of its last step."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from cxdesk.core.changes import Changes
from cxdesk.core.importers import ImportResult, import_file, undo_import
from cxdesk.i18n import _
from cxdesk.ui.context import AppContext


def _final_step_not_cancellable(progress):
    """The importer reports 100 % after its transaction committed; a Cancel landing exactly then
    must not turn a finished import into a "cancelled" message while the rows are in."""
    from cxdesk.core.progress import Cancelled

    def report(done: int, total: int, message: str) -> None:
        try:
            progress(done, total, message)
        except Cancelled:
            if not (total and done >= total):
                raise

    return report


class ImportCommand(QUndoCommand):
    """Undo removes the imported rows (`undo_import`); redo imports the same file with the same plan."""

    def __init__(self, ctx: AppContext, plan, source_id: int, file_name: str) -> None:
        super().__init__(_("Import “{name}”").format(name=file_name))
        self.ctx = ctx
        self.plan = plan
        self.source_id = source_id
        self._first = True
        self.last_task = None

    def redo(self) -> None:
        if self._first:  # the import itself already happened in the wizard
            self._first = False
            return
        plan = self.plan

        def work(db, progress):
            return import_file(db, plan, progress)

        task = self.ctx.run_task(work, title=_("Importing"))
        task.signals.finished.connect(self._on_redone)
        task.signals.failed.connect(lambda msg: self.ctx.status_message.emit(msg))
        self.last_task = task

    def _on_redone(self, result: ImportResult) -> None:
        if result.source_id is not None:
            self.source_id = result.source_id
        self.ctx.notify(result.changes)
        # Newly imported rows need scores again.
        def work(db, progress):
            from cxdesk.ui.tasks import analyze_in_background

            return analyze_in_background(db, progress)

        task = self.ctx.run_task(work, title=_("Analyzing feedback"))
        task.signals.finished.connect(lambda _r: self.ctx.notify(Changes(feedback=True, topics=True, alerts=True)))
        self.last_task = task

    def undo(self) -> None:
        source_id = self.source_id

        def work(db, progress):
            return undo_import(db, source_id)

        task = self.ctx.run_task(work, title=_("Undoing the import"))
        task.signals.finished.connect(
            lambda changes: self.ctx.notify(changes or Changes(feedback=True, sources=True, topics=True)))
        task.signals.failed.connect(lambda msg: self.ctx.status_message.emit(msg))
        self.last_task = task


# ---------------------------------------------------------------------------------------------
