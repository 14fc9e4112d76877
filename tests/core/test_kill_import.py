"""An import killed mid-way (power cut, task manager) leaves the database intact with none of its rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from cxdesk.core.importers import import_file, sniff_file
from cxdesk.core.recovery import check_db
from cxdesk.core.storage import open_db
from test_import_fixtures import REF, write_csv

CHILD = textwrap.dedent("""
    import sys
    from cxdesk.core.importers import import_file, sniff_file
    from cxdesk.core.storage import open_db

    db = open_db(sys.argv[1])
    plan = sniff_file(sys.argv[2])

    def progress(done, total, message):
        if done > 0:
            print("batch", done, flush=True)

    import_file(db, plan, progress)
    print("finished", flush=True)
""")


def test_killed_import_leaves_nothing(tmp_path):
    db_path = tmp_path / "shop.db"
    db = open_db(db_path)
    first = import_file(db, sniff_file(write_csv(tmp_path / "earlier.csv"), reference_time=REF))
    assert first.imported == 4
    db.close()

    rows = [[f"第{i}条评价：菜品{i % 7}号味道不错，服务也好", f"2024-02-{i % 28 + 1:02d} 12:{i % 60:02d}",
             str(i % 5 + 1), "门店", f"顾客{i}", f"K{i}"] for i in range(11_000)]
    big = write_csv(tmp_path / "big.csv", rows=rows)
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db_path), str(big)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("batch"), (line, proc.stderr.read() if proc.poll() is not None else "")
        os.kill(proc.pid, signal.SIGKILL)  # in the middle of the transaction, rows already written
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL

    db = open_db(db_path)
    report = check_db(db)
    assert report.ok, report.messages
    assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 4
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM feedback WHERE text LIKE '第%条评价%'").fetchone()[0] == 0
    # And the file imports cleanly afterwards.
    r = import_file(db, sniff_file(big, reference_time=REF))
    assert r.imported == 11_000 and not r.already_imported
