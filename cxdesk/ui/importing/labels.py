"""Words the import wizard shows for column roles, file types and encodings, and the role bookkeeping."""

from __future__ import annotations

from cxdesk.core.importers import ROLES
from cxdesk.core.importers.labels import (FILE_TYPE_LABELS, IGNORE, ROLE_LABELS,  # noqa: F401  (the wizard's words)
                                          file_type_label, role_label)
from cxdesk.i18n import N_, _

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
