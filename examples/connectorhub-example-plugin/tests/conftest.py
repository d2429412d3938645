"""Import the plugin from its source tree when it is not installed (the hub's `make test` runs
these tests from the repository; a plugin's own environment has it installed)."""

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("connectorhub_example_plugin") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
