"""The migrations match the models, so `make run` creates every table the code uses."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_no_model_change_lacks_a_migration(tmp_path):
    # A process of its own: the test session runs with --nomigrations, which hides them.
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=BASE_DIR,
        env={**os.environ, "CONNECTORHUB_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, f"models changed without a migration:\n{result.stdout}"
