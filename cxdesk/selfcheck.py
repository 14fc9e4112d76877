"""`cxdesk --self-check`: prove that an installed or frozen cxdesk works end to end, then exit.

Loads the models and dictionaries, scores a Chinese and an English sentence, imports a generated GBK
CSV and an xlsx into a temporary database, runs an evaluation, exports an Excel summary and an
improvement report as PDF, opens the main window offscreen, grabs it and opens each of its screens. Prints versions and timings;
exits non-zero on any failed step. A slow step (a cold disk, a busy machine) is a warning, not a failure.
"""

from __future__ import annotations

import csv
import logging
import os
import platform
import sys
import tempfile
import time
import traceback
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

# A main window that takes longer than this to appear is reported as a warning: slow is not broken.
SLOW_WINDOW_S = 5.0


def _versions() -> dict[str, str]:
    from importlib import metadata

    import sqlite3

    from cxdesk import __version__

    out = {"cxdesk": __version__, "python": platform.python_version(), "platform": platform.platform(),
           "sqlite": sqlite3.sqlite_version, "frozen": str(bool(getattr(sys, "frozen", False)))}
    for dist in ("PySide6-Essentials", "PySide6", "pyqtgraph", "sqlite-utils", "jieba", "openpyxl",
                 "python-calamine", "numpy", "vaderSentiment"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def _write_inputs(folder: Path, today: date) -> tuple[Path, Path]:
    from openpyxl import Workbook

    rows = []
    texts = ["菜很好吃，服务也很热情", "外卖送得太慢了，汤都洒了", "上菜很快，环境干净", "价格有点贵，分量少",
             "包装很严实，还是热的", "服务员态度很差", "味道一般般", "The noodles were great!"]
    for i in range(120):
        day = today - timedelta(days=119 - i)
        rows.append((f"SC{i:04d}", f"{day.isoformat()} 12:{i % 60:02d}", 5 if i % 3 else 2, texts[i % len(texts)]))
    csv_path = folder / "自检_评价.csv"
    with csv_path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "时间", "评分", "评价内容"])
        for r in rows[:60]:
            w.writerow(r)
    xlsx_path = folder / "自检_评价.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["门店评价导出"])
    ws.append(["评价ID", "评价时间", "星级", "内容"])
    for r in rows[60:]:
        ws.append([r[0], datetime.fromisoformat(r[1]), r[2], r[3]])
    wb.save(xlsx_path)
    return csv_path, xlsx_path


class _Checks:
    """The steps of the self-check; each returns a line of detail or raises."""

    def __init__(self, folder: Path, today: date) -> None:
        self.folder = folder
        self.today = today
        self.state: dict = {}
        self.warnings: list[str] = []

    def versions(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in _versions().items())

    def sentiment(self) -> str:
        from cxdesk.core.analysis.sentiment import analyze_texts

        res = analyze_texts(["菜很好吃，服务也很热情", "The food was cold and the waiter was rude."])
        labels = [r.label for r in res]
        if labels != ["positive", "negative"]:
            raise AssertionError(f"unexpected labels {labels}")
        return f"zh {res[0].score:.2f} ({res[0].lang}), en {res[1].score:.2f} ({res[1].lang})"

    def segment(self) -> str:
        from cxdesk.core.analysis.topics import assign_topics

        found = assign_topics("菜很好吃但是服务太慢")
        if not found:
            raise AssertionError("no topics found in a sentence that names two")
        return ", ".join(f"{t[0]}:{t[3]}" for t in found)

    def imports(self) -> str:
        from cxdesk.core.importers import import_file, sniff_file
        from cxdesk.core.storage import open_db

        csv_path, xlsx_path = _write_inputs(self.folder, self.today)
        db = open_db(self.folder / "selfcheck.db")
        self.state["db"] = db
        counts = []
        for path in (csv_path, xlsx_path):
            plan = sniff_file(path)
            result = import_file(db, plan)
            counts.append(f"{path.suffix}: {plan.encoding or plan.file_type} {result.imported} rows")
            if result.imported != 60:
                raise AssertionError(f"{path.name}: imported {result.imported}, expected 60")
        return "; ".join(counts)

    def analysis(self) -> str:
        from cxdesk.core.analysis import analyze

        result = analyze(self.state["db"])
        return f"{result.scored} rows scored"

    def evaluation(self) -> str:
        from cxdesk.core.actions import EVALUATION_WINDOW_DAYS, create_action
        from cxdesk.core.board import move_action
        from cxdesk.core.evaluation import evaluate_action

        db = self.state["db"]
        topic = db.execute("SELECT t.name FROM topics t JOIN feedback_topics ft ON ft.topic_id = t.id "
                           "GROUP BY t.name ORDER BY count(*) DESC LIMIT 1").fetchone()
        if topic is None:
            raise AssertionError("no topic mentions after analysis")
        action_id = create_action(db, "自检措施", topics=[topic[0]])
        move_action(db, action_id, "live", date=self.today - timedelta(days=60))
        ev = evaluate_action(db, action_id, window_days=EVALUATION_WINDOW_DAYS)
        self.state["action_id"] = action_id
        return f"topic {topic[0]}: verdict {ev.verdict}"

    def report(self) -> str:
        from openpyxl import load_workbook

        from cxdesk.core.filters import FeedbackFilter
        from cxdesk.core.reports.excel import build_summary

        path = self.folder / "summary.xlsx"
        build_summary(self.state["db"], path, FeedbackFilter())
        wb = load_workbook(path, read_only=True)
        return f"{len(wb.sheetnames)} sheets, {path.stat().st_size // 1024} KB"

    def pdf(self) -> str:
        from PySide6.QtWidgets import QApplication

        from cxdesk.core.reports.improvement import build_improvement_report, render_html
        from cxdesk.render.pdf import cjk_font_family, html_to_pdf

        # A QApplication, not the bare QGuiApplication write_pdf would make: the window step needs widgets.
        QApplication.instance() or QApplication(sys.argv[:1])
        report = build_improvement_report(self.state["db"], [self.state["action_id"]], shop_name="自检小店",
                                          save=False, today=self.today)
        path = html_to_pdf(render_html(report), self.folder / "report.pdf", title=report.title)
        head = path.read_bytes()[:5]
        if head != b"%PDF-":
            raise AssertionError(f"the file written is not a PDF (starts with {head!r})")
        family = cjk_font_family()
        if family is None:
            self.warnings.append("no Chinese font found: Chinese text in PDF reports will show as boxes")
        return f"{path.stat().st_size // 1024} KB, font {family or 'default'}"

    def window(self) -> str:
        from PySide6.QtWidgets import QApplication

        from cxdesk.ui.context import AppContext
        from cxdesk.ui.main_window import MainWindow

        start = time.perf_counter()
        app = QApplication.instance() or QApplication(sys.argv[:1])
        logged = _ErrorRecorder()   # read by the next step: why a screen could not be built
        logging.getLogger("cxdesk").addHandler(logged)
        ctx = AppContext(self.folder / "selfcheck.db")
        win = MainWindow(ctx)
        win.resize(1200, 800)
        win.show()
        app.processEvents()
        image = win.grab()
        if image.isNull() or image.width() < 100:
            raise AssertionError("the window could not be drawn")
        shot = self.folder / "window.png"
        image.save(str(shot))
        seconds = time.perf_counter() - start
        self.state["window"] = (win, ctx, logged)
        if seconds > SLOW_WINDOW_S:
            self.warnings.append(f"the main window took {seconds:.1f} s to appear (more than {SLOW_WINDOW_S:.0f} s)")
        return f"{image.width()}x{image.height()} on {app.platformName()}"

    def screens(self) -> str:
        """Open every screen of the window in turn and let it load its data: a module or library missing
        from a build, or an error while a screen fills itself, fails here instead of in the owner's hands."""
        from cxdesk.ui.window_parts import ScreenErrorPage

        win, ctx, logged = self.state.pop("window")
        errors: list[str] = [f"window: {message}" for message in logged.take()]
        previous = sys.excepthook
        sys.excepthook = lambda kind, exc, tb: errors.append(f"{kind.__name__}: {exc}")
        try:
            for key in win.screen_keys():
                widget = win.screen(key)
                win.stack.setCurrentWidget(widget)
                _settle(ctx)
                if isinstance(widget, ScreenErrorPage):
                    errors.append(f"screen {key} could not be built")
                elif win.grab().isNull():
                    errors.append(f"screen {key} could not be drawn")
                errors.extend(f"screen {key}: {message}" for message in logged.take())
        finally:
            logging.getLogger("cxdesk").removeHandler(logged)
            sys.excepthook = previous
            win.confirm_quit = False
            win.close()
            ctx.tasks.wait_idle(10000)
            ctx.close()
        if errors:
            raise AssertionError("; ".join(errors))
        return ", ".join(win.screen_keys())

    def steps(self) -> tuple[tuple[str, Callable[[], str]], ...]:
        return (("versions", self.versions), ("sentiment model", self.sentiment),
                ("topics and segmentation", self.segment), ("import GBK CSV and xlsx", self.imports),
                ("analysis", self.analysis), ("action evaluation", self.evaluation), ("Excel report", self.report),
                ("PDF report", self.pdf), ("main window", self.window), ("every screen", self.screens))


class _ErrorRecorder(logging.Handler):
    """Errors logged while the screens are walked (a screen that fails to build logs why: the module
    that is missing, say), as one line each: the message and the exception's last line."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f" ({type(exc).__name__}: {exc})"
        self.messages.append(text)

    def take(self) -> list[str]:
        taken, self.messages = self.messages, []
        return taken


def _settle(ctx, quiet_s: float = 0.3, limit_s: float = 30.0) -> None:
    """Serve the event loop until the window's tasks have ended and a short quiet spell has passed (a
    screen loads its data in tasks and may start a second one from a timer when the first ends)."""
    from PySide6.QtWidgets import QApplication

    end = time.perf_counter() + limit_s
    quiet_since = time.perf_counter()
    while time.perf_counter() < end:
        QApplication.processEvents()
        if ctx.tasks.busy:
            quiet_since = time.perf_counter()
        elif time.perf_counter() - quiet_since >= quiet_s:
            return
        time.sleep(0.01)


def _run_step(out: Callable[[str], None], name: str, fn: Callable[[], str]) -> bool:
    """Run one step and print OK or FAIL with its time; True if it passed."""
    start = time.perf_counter()
    try:
        detail = fn()
        out(f"OK   {name:<28} {1000 * (time.perf_counter() - start):8.0f} ms  {detail}")
        return True
    except Exception as exc:  # noqa: BLE001 - a self-check reports every failure and goes on
        out(f"FAIL {name:<28} {1000 * (time.perf_counter() - start):8.0f} ms  {type(exc).__name__}: {exc}")
        for line in traceback.format_exc().splitlines():
            out("     " + line)
        return False


# Steps that build on what an earlier step left behind; skipped (and counted as failed) without it.
_NEEDS = {"analysis": "db", "action evaluation": "db", "Excel report": "db", "PDF report": "action_id",
          "every screen": "window"}


def run_self_check(out: Callable[[str], None] | None = None) -> int:
    """Run every step, print one line each, then warnings; 0 if every step passed, else 1."""
    out = out or (lambda line: (sys.stdout.write(line + "\n"), sys.stdout.flush()))
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    failures = 0
    tmp = tempfile.TemporaryDirectory(prefix="cxdesk-selfcheck-", ignore_cleanup_errors=True)
    folder = Path(tmp.name)
    os.environ.setdefault("CXDESK_DATA_DIR", str(folder / "data"))
    checks = _Checks(folder, date.today())
    state = checks.state

    out(f"cxdesk self-check, {datetime.now():%Y-%m-%d %H:%M:%S}")
    for name, fn in checks.steps():
        needed = _NEEDS.get(name)
        if needed and needed not in state:
            out(f"SKIP {name:<28} (an earlier step failed)")
            failures += 1
            continue
        failures += not _run_step(out, name, fn)
    if "db" in state:
        state["db"].close()
    tmp.cleanup()
    for warning in checks.warnings:
        out(f"WARN {warning}")
    if failures:
        out(f"self-check FAILED: {failures} step(s)")
        return 1
    out("self-check passed" + (f" with {len(checks.warnings)} warning(s)" if checks.warnings else ""))
    return 0
