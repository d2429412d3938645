"""`python -m connectors.zeebe --job-type TYPE`: one connector alone (connectors.zeebe.cli)."""

import sys

from connectors.zeebe.cli import main

if __name__ == "__main__":
    sys.exit(main())
