"""Test tools that a `.ci/fetch-*` script downloads (the WSS4J jars).

Each script pins its version in one `NAME_VERSION="..."` line, read here rather than written
twice. Locally a missing download skips the tests that need it; CI exports `<NAME>_REQUIRED=1`,
so there a missing download fails instead of hiding the tests.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NoReturn

import pytest


def pinned_version(script: Path, variable: str) -> str:
    """The version SCRIPT fetches, from its `VARIABLE="..."` line."""
    match = re.search(rf'^{variable}="([^"]+)"', script.read_text(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f'{script}: no {variable}="..." line')
    return match.group(1)


def missing(reason: str, required_variable: str) -> NoReturn:
    """Skip for REASON, or fail when the environment says the tool is required."""
    if os.environ.get(required_variable) == "1":
        pytest.fail(f"{required_variable}=1 but {reason}", pytrace=False)
    pytest.skip(reason)
