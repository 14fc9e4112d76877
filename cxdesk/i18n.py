"""Translations for every visible sentence: gettext catalogs shipped in the package, no Qt.

The source language is English. Each area of the program keeps its own catalog
(``locale/<lang>/LC_MESSAGES/<area>.mo``) so that areas can be translated independently;
all catalogs of the chosen language are chained into one lookup.
"""

from __future__ import annotations

import gettext
import os
from importlib import resources
from typing import Sequence

SUPPORTED_LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def normalize_language(lang: str | None) -> str:
    """Map user spellings (`zh-CN`, `zh`, `en_US`) onto a supported language code."""
    if not lang:
        return DEFAULT_LANGUAGE
    value = lang.strip().replace("-", "_")
    low = value.lower()
    if low.startswith("zh"):
        return "zh_CN"
    if low.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def _load(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    folder = resources.files("cxdesk") / "locale" / lang / "LC_MESSAGES"  # one merged catalog per language
    chain: gettext.NullTranslations | None = None
    try:
        entries = sorted(p for p in folder.iterdir() if p.name.endswith(".mo"))
    except (FileNotFoundError, NotADirectoryError):
        entries = []
    for entry in entries:
        with entry.open("rb") as fh:
            t = gettext.GNUTranslations(fh)
        if chain is None:
            chain = t
        else:
            chain.add_fallback(t)
    return chain or gettext.NullTranslations()


def set_language(lang: str | None) -> str:
    """Switch every later `_()` call to `lang`; returns the language actually used."""
    global _translations, _language
    code = normalize_language(lang)
    _translations = _load(code)
    _language = code
    return code


def language() -> str:
    return _language


def language_from_env() -> str:
    return normalize_language(os.environ.get("CXDESK_LANG") or DEFAULT_LANGUAGE)


def language_from_argv(argv: Sequence[str]) -> str | None:
    """`--lang X` or `--lang=X` on a command line, read before any parser is built (so its help and
    the window's first words are already in that language); None when not given."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _(message: str) -> str:
    return _translations.gettext(message)


def N_(message: str) -> str:
    """Mark a module-level string for translation; translate it with `_()` where it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


set_language(language_from_env())
