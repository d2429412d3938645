"""`python -m connectors.zeebe --job-type TYPE`: one connector alone (connectors.zeebe.jobs)."""

import sys

from connectors.zeebe.jobs import main

if __name__ == "__main__":
    sys.exit(main())
