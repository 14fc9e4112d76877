"""The shop itself: its kind of business (which decides the topic template) and its name.

Both live in the database's settings, so the CLI, the reports and every window on the same
database see the same shop.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cxdesk.core.analysis.topics import (BUSINESS_TYPES, GENERAL_TEMPLATE, TEMPLATES, _now, ensure_default_topics,
                                         install_template, resolve_template)
from cxdesk.core.changes import NOTHING, Changes
from cxdesk.core.errors import InvalidValueError
from cxdesk.core.storage import get_setting, set_setting
from cxdesk.i18n import _

BUSINESS_KEY = "business_type"
SHOP_NAME_KEY = "shop_name"
OTHER_BUSINESS = "其他"     # no business template: the general topics only
MAX_SHOP_NAME = 40

BUSINESS_CHOICES: tuple[str, ...] = tuple(BUSINESS_TYPES) + (OTHER_BUSINESS,)
"""What the first run and Settings offer, in this order: 餐饮, 电商/零售, 酒店/民宿, 美业/服务, 其他."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


LOGO_KEY = "report_logo"    # the same setting the improvement report reads
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class ShopProfile:
    business_type: str | None   # one of BUSINESS_CHOICES; None until the owner has chosen
    shop_name: str
    logo: str = ""              # path of a PNG or JPEG printed on reports; "" for none


def resolve_business(name: str) -> str:
    """A business choice as typed (其他, other, 电商, retail, ...) → one of BUSINESS_CHOICES."""
    key = (name or "").strip()
    if key in (OTHER_BUSINESS, GENERAL_TEMPLATE) or key.lower() in ("other", "general", "none"):
        return OTHER_BUSINESS
    return resolve_template(key)


def shop_profile(db) -> ShopProfile:
    raw = get_setting(db, BUSINESS_KEY, None)
    business = None
    if raw:
        try:
            business = resolve_business(str(raw))
        except InvalidValueError:
            business = None
    return ShopProfile(business, str(get_setting(db, SHOP_NAME_KEY, "") or ""), str(get_setting(db, LOGO_KEY, "") or ""))


def needs_setup(db) -> bool:
    """True for a database whose owner has not yet said what the business is (a brand-new one)."""
    return shop_profile(db).business_type is None


def clean_shop_name(name: str) -> str:
    text = unicodedata.normalize("NFC", _CONTROL.sub("", str(name or ""))).strip()
    text = re.sub(r"\s+", " ", text)
    if len(text) > MAX_SHOP_NAME:
        raise InvalidValueError(_("The shop name can be at most {n} characters long.").format(n=MAX_SHOP_NAME))
    return text


def set_shop_name(db, name: str) -> Changes:
    set_setting(db, SHOP_NAME_KEY, clean_shop_name(name))
    return NOTHING


def set_logo(db, path: str) -> Changes:
    """The shop's logo for reports ("" removes it): a PNG or JPEG file that exists."""
    from pathlib import Path

    text = str(path or "").strip()
    if text:
        p = Path(text).expanduser()
        if p.suffix.lower() not in LOGO_SUFFIXES:
            raise InvalidValueError(_("“{name}” is not a PNG or JPEG picture; choose one of those for the logo.")
                                    .format(name=p.name))
        if not p.is_file():
            raise InvalidValueError(_("The logo “{path}” does not exist (any more). Choose it again.").format(path=p))
        text = str(p.resolve())
    set_setting(db, LOGO_KEY, text)
    return NOTHING


def set_business_type(db, business: str) -> Changes:
    """Choose the kind of business; its template's topics are added and those of the previous
    business template that the new one lacks are switched off (not deleted, so switching back
    restores them). The owner's own topics and the general ones are left as they are.

    Topic assignments are then out of date: run `analyze(db)` (the topic dictionary changed).
    """
    new = resolve_business(business)
    old = shop_profile(db).business_type
    with db.atomic():
        set_setting(db, BUSINESS_KEY, new)
        if ensure_default_topics(db):
            return Changes(topics=True)
        if new == old:
            return NOTHING
        if new != OTHER_BUSINESS:
            install_template(db, new)
        keep = set(TEMPLATES[GENERAL_TEMPLATE]) | (set(TEMPLATES[new]) if new != OTHER_BUSINESS else set())
        now = _now()
        others = [t for t in BUSINESS_TYPES if t != new]
        if others:
            marks = ",".join("?" * len(others))
            for tid, name in db.execute(
                    f"SELECT id, name FROM topics WHERE enabled = 1 AND template IN ({marks})", others).fetchall():
                if name not in keep:
                    db.execute("UPDATE topics SET enabled = 0, updated_at = ? WHERE id = ?", [now, tid])
        if new != OTHER_BUSINESS:
            db.execute("UPDATE topics SET enabled = 1, updated_at = ? WHERE enabled = 0 AND template = ?", [now, new])
    return Changes(topics=True)


def business_label(name: str) -> str:
    """How a business choice is shown in the UI language."""
    from cxdesk.core.analysis.topics import template_label

    return _("Other") if name == OTHER_BUSINESS else template_label(name)


__all__ = ["BUSINESS_CHOICES", "OTHER_BUSINESS", "ShopProfile", "shop_profile", "needs_setup", "set_shop_name",
           "set_business_type", "set_logo", "resolve_business", "clean_shop_name", "business_label"]
