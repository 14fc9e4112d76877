"""Entry point of the frozen app: the same `cxdesk` command, safe for multiprocessing and no console."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # analysis workers are spawned processes
    from cxdesk.cli import main
    from cxdesk.core.analysis import pipeline

    pipeline.FROZEN_WORKERS_OK = True  # freeze_support has run: a spawned worker will not start the app again

    sys.exit(main())
