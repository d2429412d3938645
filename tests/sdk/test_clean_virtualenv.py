"""The SDK stands alone: the example plugin installs with only `connectorhub-sdk` into a fresh
virtualenv, and its tests (and the SDK's) pass there with the SDK's test helper."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk"
PLUGIN = ROOT / "examples" / "connectorhub-example-plugin"
# What pip may install besides the two packages: pydantic's and pytest's own dependencies.
ALLOWED = {
    "connectorhub-sdk", "connectorhub-example-plugin", "pydantic", "pydantic-core",
    "annotated-types", "typing-extensions", "typing-inspection", "pytest", "iniconfig",
    "packaging", "pluggy", "pygments", "pip", "setuptools",
}  # fmt: skip
_BUILD_LEFTOVERS = shutil.ignore_patterns("*.egg-info", "build", "__pycache__", ".pytest_cache")
# Third-party wheels only (pydantic, pytest, setuptools for the builds and their dependencies),
# downloaded once: the SDK and the plugin are built from this checkout every session.
WHEELS = ROOT / ".cache" / "sdk-wheels"


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the fresh virtualenv's python, the directory holding copies of sdk/ and the plugin);
    one per session. pip installs offline from a wheel folder, so what it installs is exactly
    what the two packages declare; the folder is filled from PyPI only when that fails."""
    work = tmp_path_factory.mktemp("clean-venv")
    for source in (SDK, PLUGIN):  # copies: a build leaves files in the source tree
        shutil.copytree(source, work / source.name, ignore=_BUILD_LEFTOVERS)
    # No pip of its own (ensurepip costs seconds): the hub's pip installs into it (--python).
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(work / "venv")], check=True, timeout=60
    )
    python = work / "venv" / "bin" / "python"
    wanted = [str(work / "sdk"), str(work / PLUGIN.name), "pytest"]
    # --no-index reaches the isolated build environments too: setuptools comes from WHEELS.
    install = ["install", "--quiet", "--no-compile", "--no-index", "--find-links", str(WHEELS)]
    if not WHEELS.is_dir() or _pip(python, [*install, *wanted]).returncode != 0:
        _fill_wheels(python, wanted, work)
        installed = _pip(python, [*install, *wanted])
        assert installed.returncode == 0, installed.stdout + installed.stderr
    return python, work


def _pip(python: Path, args: list[str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_CACHE_DIR": str(ROOT / ".cache" / "pip")}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check",
         *args],
        capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip


def _fill_wheels(python: Path, wanted: list[str], work: Path) -> None:
    """Download what `wanted` and the two builds need into WHEELS (under a lock: the folder is
    shared by every worker and worktree)."""
    build_requires = [
        requirement
        for project in (work / "sdk", work / PLUGIN.name)
        for requirement in tomllib.loads((project / "pyproject.toml").read_text())["build-system"][
            "requires"
        ]
    ]
    WHEELS.mkdir(parents=True, exist_ok=True)
    with open(WHEELS.parent / "sdk-wheels.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        downloaded = _pip(
            python, ["download", "--quiet", "-d", str(WHEELS), *wanted, *build_requires], 600
        )
    assert downloaded.returncode == 0, downloaded.stdout + downloaded.stderr


def _run(python: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


def test_only_the_sdk_and_its_dependencies_are_installed(venv: tuple[Path, Path]) -> None:
    python, _ = venv
    listed = _pip(python, ["list", "--format=freeze"])
    names = {line.split("==")[0].lower().replace("_", "-") for line in listed.stdout.split()}
    assert {"connectorhub-sdk", "connectorhub-example-plugin"} <= names
    assert names <= ALLOWED, names - ALLOWED


def test_importing_the_plugin_imports_neither_django_nor_the_hub(venv: tuple[Path, Path]) -> None:
    python, work = venv
    script = (
        "import sys, connectorhub_example_plugin\n"
        "roots = {name.split('.')[0] for name in sys.modules}\n"
        "print(sorted(roots & {'django', 'connectors', 'connectorhub'}))\n"
    )
    checked = _run(python, ["-c", script], work)
    assert (checked.returncode, checked.stdout.strip()) == (0, "[]"), checked.stderr


def test_the_plugins_tests_pass_with_the_sdks_test_helper(venv: tuple[Path, Path]) -> None:
    python, work = venv
    tested = _run(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider"], work / PLUGIN.name)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert " passed" in tested.stdout


# The SDK's time-limit tests abandon a sync connector still sleeping in its worker thread, and
# Python waits for such threads at exit (5 s): pytest's exit code is known before that.
PYTEST_THEN_EXIT = (
    "import os, sys, pytest\n"
    "code = pytest.main(['-q', '-p', 'no:cacheprovider'])\n"
    "sys.stdout.flush()\n"
    "os._exit(int(code))\n"
)


def test_the_sdks_own_tests_pass_without_the_hub(venv: tuple[Path, Path]) -> None:
    python, work = venv
    tested = _run(python, ["-c", PYTEST_THEN_EXIT], work / "sdk")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert " passed" in tested.stdout
