"""`python -m newsdesk` is the same program as the `newsdesk` console script."""

import sys

from newsdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
