"""Print the modules, classes and functions of cxdesk/ that have grown too long to read in one go.

    python tools/code_size.py            # exits 1 if anything is over a limit
    python tools/code_size.py --report   # only prints

Limits: a module over 600 lines, a class over 400, a function or method over 80. Lines are counted
from the `def`/`class` line (decorators included) to the last line of its body, blank lines and
comments included, as a reader scrolls them. Generated data and the bundled model are left aside.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cxdesk"
MODULE_LIMIT = 600
CLASS_LIMIT = 400
FUNCTION_LIMIT = 80
# Folders of shipped data (dictionaries, the sentiment model, translations), not code to read.
SKIPPED_PARTS = {"data", "locale", "__pycache__"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str     # "module", "class" or "function"
    name: str
    length: int
    limit: int

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return f"{where:<48} {self.kind:<8} {self.name:<40} {self.length:>5} lines (limit {self.limit})"


def python_files(package: Path = PACKAGE) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if not SKIPPED_PARTS & set(p.relative_to(package).parts[:-1]))


def _span(node: ast.AST) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", None) or []
    first = min([node.lineno] + [d.lineno for d in decorators])
    return first, node.end_lineno or node.lineno


def findings_in(path: Path, root: Path = ROOT) -> list[Finding]:
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(root).as_posix()
    found: list[Finding] = []
    lines = len(text.splitlines())
    if lines > MODULE_LIMIT:
        found.append(Finding(rel, 1, "module", path.stem, lines, MODULE_LIMIT))

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                first, last = _span(child)
                if last - first + 1 > CLASS_LIMIT:
                    found.append(Finding(rel, first, "class", prefix + child.name, last - first + 1, CLASS_LIMIT))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first, last = _span(child)
                if last - first + 1 > FUNCTION_LIMIT:
                    found.append(Finding(rel, first, "function", prefix + child.name, last - first + 1,
                                         FUNCTION_LIMIT))
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(text, filename=str(path)), "")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="only print; always exit 0")
    args = parser.parse_args(argv)
    found = [f for path in python_files() for f in findings_in(path)]
    for finding in found:
        print(finding)
    print(f"{len(found)} over the limits (module {MODULE_LIMIT}, class {CLASS_LIMIT}, function {FUNCTION_LIMIT})")
    return 0 if args.report or not found else 1


if __name__ == "__main__":
    sys.exit(main())
