"""The import wizard, as a package: wizard (the dialog), plan_page (guesses, preview, corrections),
report_page (progress and report), preview_model (table models), role_header (column role choosers),
command (an import on the undo stack), labels (words for roles, file types and encodings)."""

from cxdesk.ui.importing.preview_model import (ImportPreviewModel, ParsedRole, ParseErrorRole, RawValueRole,
                                               RejectedRowsModel, write_rejected)
from cxdesk.ui.importing.wizard import ImportWizard

__all__ = ["ImportPreviewModel", "ImportWizard", "ParseErrorRole", "ParsedRole", "RawValueRole", "RejectedRowsModel",
           "write_rejected"]
