"""Bring feedback files into the database: `sniff_file` proposes a plan, `import_file` commits it."""

from cxdesk.core.importers.pipeline import (ImportResult, RejectedRow, SourceInfo, feedback_stats, import_file,
                                            list_sources, source_report, undo_import)
from cxdesk.core.importers.sniff import (ROLES, ImportPlan, PreviewRow, describe_plan, header_signature,
                                         preview_rows, recall_mapping, remember_mapping, role_label, sniff_file)

__all__ = [
    "ROLES", "ImportPlan", "ImportResult", "PreviewRow", "RejectedRow", "SourceInfo", "describe_plan",
    "feedback_stats", "header_signature", "import_file", "list_sources", "preview_rows", "recall_mapping",
    "remember_mapping", "role_label", "sniff_file", "source_report", "undo_import",
]
