"""The code stays as clean as `make lint` asks: ruff (lint and format) and strict mypy."""

import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=BASE_DIR, capture_output=True, text=True, timeout=600, check=False
    )


def test_ruff_finds_nothing():
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout


def test_code_is_formatted():
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout


def test_typed_core_passes_strict_mypy():
    result = _run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout
