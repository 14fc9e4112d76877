"""UI preferences kept in QSettings: every key and its default is declared here, once.

The settings file lives in the per-user data folder (an INI file), so `CXDESK_DATA_DIR` isolates
tests and portable installs; settings that belong to the data (mappings, thresholds) live in the
database instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from cxdesk.core.storage import data_dir


@dataclass(frozen=True)
class Key:
    name: str
    default: Any
    kind: type


LANGUAGE = Key("ui/language", "", str)                     # "" = CXDESK_LANG or zh_CN
WINDOW_GEOMETRY = Key("window/geometry", b"", bytes)
WINDOW_STATE = Key("window/state", b"", bytes)
MAIN_SPLITTER = Key("window/main_splitter", b"", bytes)
LAST_SCREEN = Key("window/last_screen", "dashboard", str)
LAST_FOLDER = Key("files/last_folder", "", str)
RECENT_DATABASES = Key("files/recent_databases", [], list)
LAST_DATABASE = Key("files/last_database", "", str)
IMPORT_DIALOG_GEOMETRY = Key("import/geometry", b"", bytes)
IMPORT_ANALYZE_AFTER = Key("import/analyze_after", True, bool)

ALL_KEYS = (LANGUAGE, WINDOW_GEOMETRY, WINDOW_STATE, MAIN_SPLITTER, LAST_SCREEN, LAST_FOLDER,
            RECENT_DATABASES, LAST_DATABASE, IMPORT_DIALOG_GEOMETRY, IMPORT_ANALYZE_AFTER)

MAX_RECENT = 8


def settings_path() -> Path:
    return data_dir() / "settings.ini"


def qsettings() -> QSettings:
    """A QSettings on the INI file in the data folder (re-read each call, so the env var is honoured)."""
    return QSettings(str(settings_path()), QSettings.IniFormat)


def get(key: Key) -> Any:
    value = qsettings().value(key.name, None)
    if value is None:
        return key.default
    try:
        if key.kind is bool:
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes")
            return bool(value)
        if key.kind is bytes:
            if isinstance(value, QByteArray):
                return bytes(value.data())
            return bytes(value) if value else b""
        if key.kind is list:
            if isinstance(value, (list, tuple)):
                return [str(v) for v in value]
            return [str(value)] if value else []
        return key.kind(value)
    except (TypeError, ValueError):
        return key.default


def set(key: Key, value: Any) -> None:  # noqa: A001 - paired with get()
    s = qsettings()
    if key.kind is bytes:
        s.setValue(key.name, QByteArray(bytes(value or b"")))
    elif key.kind is list:
        s.setValue(key.name, list(value))
    else:
        s.setValue(key.name, value)
    s.sync()


def add_recent_database(path: Path) -> list[str]:
    text = str(Path(path))
    items = [p for p in get(RECENT_DATABASES) if p and p != text]
    items.insert(0, text)
    items = items[:MAX_RECENT]
    set(RECENT_DATABASES, items)
    return items


def ui_language() -> str:
    """The language chosen in Settings, else `CXDESK_LANG`, else zh_CN."""
    from cxdesk.i18n import language_from_env, normalize_language

    chosen = get(LANGUAGE)
    return normalize_language(chosen) if chosen else language_from_env()
