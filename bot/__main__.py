"""`python -m bot` still starts the command line (a script, never imported by the package itself)."""

import sys

from newsdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
