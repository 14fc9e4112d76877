"""`python -m cxdesk` behaves exactly like the `cxdesk` command."""

import sys

from cxdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
