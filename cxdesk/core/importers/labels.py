"""The words for column roles and file types, shown the same by the CLI and the import wizard."""

from __future__ import annotations

from cxdesk.i18n import N_, _

IGNORE = ""   # the role of a column that is not imported as its own field

ROLE_LABELS: dict[str, str] = {
    "text": N_("Text"),
    "time": N_("Time"),
    "rating": N_("Rating"),
    "channel": N_("Channel"),
    "author": N_("Author"),
    "id": N_("ID"),
    "external_id": N_("ID"),
    "reply_text": N_("Shop's reply"),
    "reply_time": N_("Reply time"),
    "reply_status": N_("Reply status"),
    IGNORE: N_("Ignore"),
}
FILE_TYPE_LABELS: dict[str, str] = {
    "xlsx": N_("Excel workbook (.xlsx)"),
    "xlsm": N_("Excel workbook with macros (.xlsm)"),
    "xls": N_("Older Excel workbook (.xls)"),
    "csv": N_("CSV text"),
    "tsv": N_("Tab-separated text"),
    "txt": N_("Text table"),
    "html": N_("Web page table (HTML)"),
    "utf16": N_("Unicode text (UTF-16)"),
}


def role_label(role: str) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def file_type_label(file_type: str | None) -> str:
    key = (file_type or "").lower()
    return _(FILE_TYPE_LABELS[key]) if key in FILE_TYPE_LABELS else (file_type or "?").upper()
