"""Save a PNG of every screen of the real main window, plus the import wizard, for the README, the
in-app guide (Help → 使用指南) and review.

    python tools/screenshots.py [--lang zh_CN|en] [--out cxdesk/ui/resources/screenshots] [--size 1366x768]

The pictures ship inside the package (the guide shows them), at 1366×768, the smallest screen cxdesk
is made for; pass `--size 1600x1000` and another `--out` for a look at a larger window.

Runs offscreen on a fresh demo database in a temporary data folder (a generated feedback file is also
used to show the import wizard), so nothing of the real user data is touched or shown.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _settle(app, ctx, timeout: float = 60.0, quiet_ms: int = 400) -> None:
    """Run the event loop until no task is running and nothing new started for `quiet_ms`."""
    from PySide6.QtCore import QThreadPool
    from PySide6.QtTest import QTest

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QTest.qWait(50)
        if not ctx.tasks.busy and QThreadPool.globalInstance().activeThreadCount() == 0:
            QTest.qWait(quiet_ms)
            if not ctx.tasks.busy:
                return


def write_sample_csv(path: Path, n: int = 600, seed: int = 3) -> Path:
    """A small GBK export like a delivery platform's, for the wizard and for a demo-less database."""
    rng = random.Random(seed)
    good = ["味道很好，分量足", "上菜快，服务热情", "环境干净，适合聚餐", "性价比高，还会再来"]
    bad = ["送餐太慢了，菜都凉了", "包装漏汤，很失望", "服务员态度差", "价格偏贵，分量少"]
    start = datetime.now() - timedelta(days=120)
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["订单号", "用户昵称", "评价时间", "评分", "评价内容", "门店"])
        for i in range(n):
            positive = rng.random() < 0.7
            when = start + timedelta(minutes=rng.randint(0, 120 * 24 * 60))
            stars = rng.choice([4, 5]) if positive else rng.choice([1, 2, 3])
            text = rng.choice(good if positive else bad)
            w.writerow([f"MT{20240000 + i}", f"食客{rng.randint(1, 999)}", when.strftime("%Y/%m/%d %H:%M"),
                        f"{stars}星", text, rng.choice(["人民广场店", "徐家汇店"])])
    return path


def build_database(path: Path) -> str:
    from cxdesk.core.demo import create_demo_db

    create_demo_db(path)
    return "demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--out", default=str(ROOT / "cxdesk" / "ui" / "resources" / "screenshots"))
    parser.add_argument("--size", default="1366x768")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.lower().split("x"))

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="cxdesk-shots-"))
    os.environ["CXDESK_DATA_DIR"] = str(work / "data")
    os.environ["HOME"] = str(work)  # the status bar then shows "~/…", not this machine's folders
    os.environ["CXDESK_LANG"] = args.lang
    os.environ.pop("CXDESK_DB", None)
    sys.path.insert(0, str(ROOT))

    from cxdesk.i18n import set_language

    lang = set_language(args.lang)
    from cxdesk.ui.app import install_qt_translations, make_application

    app = make_application([sys.argv[0]])
    install_qt_translations(app, lang)
    from cxdesk.ui.context import AppContext
    from cxdesk.ui.main_window import MainWindow

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def save(widget, name: str) -> None:
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        saved.append(path)
        print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    sample = write_sample_csv(work / "美团外卖评价导出.csv")

    # 1. First run: an empty database shows the welcome panel.
    empty = AppContext(work / "empty.db")
    window = MainWindow(empty)
    window.confirm_quit = False
    window.resize(width, height)
    window.show()
    _settle(app, empty)
    save(window, "first-run")
    window.close()

    # 2. Every screen on a database with data.
    db_path = work / "小满私房菜.db"
    started = time.perf_counter()
    how = build_database(db_path)
    print(f"database: {how} in {time.perf_counter() - started:.1f} s")
    ctx = AppContext(db_path)
    window = MainWindow(ctx)
    window.confirm_quit = False
    window.resize(width, height)
    window.show()
    _settle(app, ctx)
    for key in window.screen_keys():
        window.show_screen(key)
        _settle(app, ctx)
        _settle(app, ctx, quiet_ms=1500)   # a screen may start its detail task after a short delay
        save(window, f"screen-{key}")

    # 3. The import wizard: the preview with role choosers, then the report.
    wizard = window.open_import(sample)
    wizard.analyze_check.setChecked(True)
    _settle(app, ctx)
    save(wizard, "import-wizard")
    wizard.start_import()
    _settle(app, ctx, timeout=120)
    save(wizard, "import-report")
    wizard.view_new_rows()  # the feedback screen, filtered to the rows just imported
    _settle(app, ctx)
    save(window, "after-import")
    window.close()
    ctx.tasks.wait_idle()
    print(f"{len(saved)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
