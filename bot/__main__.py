"""`python -m bot` is the same program as the `newsdesk` console script."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
