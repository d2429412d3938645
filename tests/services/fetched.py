"""Test tools that a `.ci/fetch-*` script downloads (the WSS4J jars).

Each script pins its version in one `NAME_VERSION="..."` line, read here rather than written
twice. Locally a missing download skips the tests that need it; CI exports `<NAME>_REQUIRED=1`,
so there a missing download fails instead of hiding the tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.services import ports


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


def sources_hash(root: Path, files: Iterable[Path]) -> str:
    """The hash a `.ci/fetch-*` script names a build of ROOT's FILES after (the sha1 of the
    sorted `sha1sum` lines of the files, relative to ROOT), so a changed source rebuilds."""
    names = sorted(str(p.relative_to(root)) for p in files if p.is_file())
    listing = "".join(
        f"{hashlib.sha1((root / name).read_bytes()).hexdigest()}  {name}\n" for name in names
    )
    return hashlib.sha1(listing.encode()).hexdigest()[:12]


def built_jar(base_dir: Path, tool: str, version: str, digest: str, jar: str) -> Path:
    """Where a fetch script leaves the jar it built: .cache/TOOL/VERSION-DIGEST/JAR."""
    return base_dir / ".cache" / tool / f"{version}-{digest}" / jar


@contextlib.contextmanager
def serving(
    name: str,
    command: list[str],
    port: int,
    ready: Callable[[], bool],
    timeout: float,
    *,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[None]:
    """COMMAND running (in CWD, with ENV) until the block ends, once READY() says it serves and
    it listens on PORT (`ports.wait_serving`: PortLost when another process took PORT, a
    RuntimeError with the end of its output when it exits or is not ready within TIMEOUT
    otherwise)."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        try:
            ports.wait_serving(
                name, process, [port], ready=ready, output=ports.output_of(log), timeout=timeout
            )
            yield
        finally:
            ports.stop(process, 15)
