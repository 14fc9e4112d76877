"""Keep the translation catalogs in step with the code.

Every module has its own source catalog `cxdesk/locale/<lang>/po/<module>.po` (so areas never edit
the same file); `compile` merges them into the one `LC_MESSAGES/cxdesk.mo` the app loads.

    python tools/i18n.py update    # add new strings of the code to the .po files (empty translation)
    python tools/i18n.py compile   # write cxdesk.mo from all .po files
    python tools/i18n.py check     # exit 1 if a string lacks a zh_CN translation or the .mo is stale
    python tools/i18n.py fill F.json  # fill empty zh_CN translations from a {"English": "中文"} file
"""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "cxdesk"
LANGS = ("zh_CN",)
FUNCS = {"_": 1, "N_": 1, "ngettext": 2}


def module_key(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    return ".".join(rel.parts)


def extract(path: Path) -> list[tuple[str, str | None, int]]:
    """(msgid, msgid_plural, line) for every literal passed to _(), N_() or ngettext()."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else (
            node.func.attr if isinstance(node.func, ast.Attribute) else None)
        if name not in FUNCS or not node.args:
            continue
        args = node.args[: FUNCS[name]]
        if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            continue
        singular = args[0].value
        plural = args[1].value if len(args) > 1 else None
        found.append((singular, plural, node.lineno))
    return found


def code_messages() -> dict[str, list[tuple[str, str | None, int]]]:
    result = {}
    for path in sorted(PKG.rglob("*.py")):
        msgs = extract(path)
        if msgs:
            result[module_key(path)] = msgs
    return result


def po_dir(lang: str) -> Path:
    return PKG / "locale" / lang / "po"


def mo_path(lang: str) -> Path:
    return PKG / "locale" / lang / "LC_MESSAGES" / "cxdesk.mo"


def load_po(path: Path, lang: str) -> Catalog:
    if path.exists():
        with path.open("rb") as fh:
            return read_po(fh, locale=lang)
    return Catalog(locale=lang, domain="cxdesk", project="cxdesk")


def save_po(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, catalog, omit_header=False, width=0, sort_output=False, include_lineno=False)
    path.write_bytes(buf.getvalue())


def _blank(string) -> bool:
    return not any(string) if isinstance(string, (tuple, list)) else not string


def _translations(lang: str) -> dict:
    """Every translated text of every catalog of `lang`: msgid -> msgstr."""
    found: dict = {}
    for path in sorted(po_dir(lang).glob("*.po")):
        for message in load_po(path, lang):
            key = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
            if key and not _blank(message.string) and key not in found:
                found[key] = message.string
    return found


def update() -> None:
    messages = code_messages()
    for lang in LANGS:
        known = _translations(lang)        # a text that moved between modules keeps its translation
        for key, msgs in messages.items():
            path = po_dir(lang) / f"{key}.po"
            catalog = load_po(path, lang)
            changed = not path.exists()
            for singular, plural, _line in msgs:
                msgid = (singular, plural) if plural else singular
                message = catalog.get(singular)
                if message is None or _blank(message.string):
                    string = known.get(singular) or (("", "") if plural else "")
                    if message is None:
                        catalog.add(msgid, string=string)
                        changed = True
                    elif string != message.string:
                        message.string = string
                        changed = True
            in_code = {singular for singular, _plural, _line in msgs}
            for message in list(catalog):
                key = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
                if key and key not in in_code:      # moved to another module or gone from the code
                    catalog.delete(message.id, message.context)
                    changed = True
            if changed:
                save_po(catalog, path)
                print(f"updated {path.relative_to(ROOT)}")
        for path in po_dir(lang).glob("*.po"):
            if path.stem not in messages:          # the module is gone
                path.unlink()
                print(f"removed {path.relative_to(ROOT)}")


def merged(lang: str) -> Catalog:
    out = Catalog(locale=lang, domain="cxdesk", project="cxdesk")
    for path in sorted(po_dir(lang).glob("*.po")):
        for msg in load_po(path, lang):
            if not msg.id or not msg.string:
                continue
            if isinstance(msg.string, tuple) and not all(msg.string):
                continue
            if out.get(msg.id if isinstance(msg.id, str) else msg.id[0]) is None:
                out.add(msg.id, string=msg.string)
    return out


def compile_all() -> None:
    for lang in LANGS:
        target = mo_path(lang)
        target.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        write_mo(buf, merged(lang), use_fuzzy=False)
        target.write_bytes(buf.getvalue())
        print(f"wrote {target.relative_to(ROOT)}")


def _mo_dict(data: bytes) -> dict:
    catalog = read_mo(io.BytesIO(data))
    return {(m.id if isinstance(m.id, str) else tuple(m.id)): m.string for m in catalog if m.id}


def problems() -> list[str]:
    found = []
    for lang in LANGS:
        mo = mo_path(lang)
        have = _mo_dict(mo.read_bytes()) if mo.exists() else {}
        wanted = merged(lang)
        buf = io.BytesIO()
        write_mo(buf, wanted, use_fuzzy=False)
        if _mo_dict(buf.getvalue()) != have:
            found.append(f"{lang}: {mo.relative_to(ROOT)} is stale; run `python tools/i18n.py compile`")
        for key, msgs in code_messages().items():
            for singular, _plural, line in msgs:
                key_id = singular
                msg = wanted.get(key_id)
                if msg is None or not msg.string:
                    found.append(f"{lang}: cxdesk/{key.replace('.', '/')}.py:{line} untranslated: {singular!r}")
    return found


def fill(json_path: str, lang: str = "zh_CN") -> None:
    import json

    table = json.loads(Path(json_path).read_text(encoding="utf-8"))
    for path in sorted(po_dir(lang).glob("*.po")):
        catalog = load_po(path, lang)
        changed = False
        for msg in catalog:
            key = msg.id if isinstance(msg.id, str) else (msg.id[0] if msg.id else None)
            if not key or key not in table:
                continue
            value = table[key]
            if isinstance(msg.id, tuple):
                if not all(msg.string):
                    msg.string = (value,) if isinstance(value, str) else tuple(value)
                    changed = True
            elif not msg.string:
                msg.string = value
                changed = True
        if changed:
            save_po(catalog, path)
            print(f"filled {path.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "check"
    if cmd == "update":
        update()
    elif cmd == "fill":
        fill(argv[2])
    elif cmd == "compile":
        compile_all()
    elif cmd == "check":
        issues = problems()
        for line in issues:
            print(line)
        print(f"{len(issues)} problem(s)")
        return 1 if issues else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
