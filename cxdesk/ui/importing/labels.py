"""Words the import wizard shows for column roles, file types and encodings, and the role bookkeeping."""

from __future__ import annotations

from cxdesk.core.importers import ROLES
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
ROLE_TIPS: dict[str, str] = {
    "text": N_("What the customer wrote; this is what cxdesk analyzes"),
    "time": N_("When the feedback was written"),
    "rating": N_("Stars or score, read on a 1–5 scale"),
    "channel": N_("Where the feedback came from (platform, shop, survey)"),
    "author": N_("Customer name or nickname"),
    "id": N_("The platform's number for the review, used to recognise it when it comes back"),
    "external_id": N_("The platform's number for the review, used to recognise it when it comes back"),
    IGNORE: N_("Not imported as its own field (kept with the row as extra data)"),
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
ENCODING_LABELS: dict[str, str] = {
    "utf-8": N_("UTF-8"),
    "utf-8-sig": N_("UTF-8 (with BOM)"),
    "gb18030": N_("Simplified Chinese (GBK/GB18030)"),
    "gbk": N_("Simplified Chinese (GBK)"),
    "big5": N_("Traditional Chinese (Big5)"),
    "utf-16": N_("Unicode (UTF-16)"),
    "utf-16-le": N_("Unicode (UTF-16 LE)"),
    "utf-16-be": N_("Unicode (UTF-16 BE)"),
}
COMMON_ENCODINGS = ("utf-8", "gb18030", "big5", "utf-16")


def role_names() -> list[str]:
    """The roles the importer knows, in the order of the chooser, plus "" for 忽略."""
    return list(ROLES) + [IGNORE]


def role_label(role: str) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def file_type_label(file_type: str | None) -> str:
    key = (file_type or "").lower()
    return _(FILE_TYPE_LABELS[key]) if key in FILE_TYPE_LABELS else (file_type or "?").upper()


def encoding_label(encoding: str) -> str:
    key = (encoding or "").lower().replace("_", "-")
    return _(ENCODING_LABELS[key]) if key in ENCODING_LABELS else encoding



def roles_by_column(plan) -> dict[int, str]:
    """Invert the plan's role → column index mapping."""
    return {int(col): str(role) for role, col in plan.roles.items()}


def roles_from_columns(by_column: dict[int, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for col, role in sorted(by_column.items()):
        if role and role not in out:
            out[role] = col
    return out
