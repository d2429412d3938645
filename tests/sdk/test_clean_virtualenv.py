"""The SDK stands alone: the example plugin installs with only `connectorhub-sdk` into a fresh
virtualenv, and its tests (and the SDK's) pass there with the SDK's test helper."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the fresh virtualenv's python, the directory holding copies of sdk/ and the plugin);
    one per session, as pip from PyPI takes a while (its cache is under .cache/pip)."""
    work = tmp_path_factory.mktemp("clean-venv")
    for source in (SDK, PLUGIN):  # copies: a build leaves files in the source tree
        shutil.copytree(source, work / source.name, ignore=_BUILD_LEFTOVERS)
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True, timeout=300)
    python = work / "venv" / "bin" / "python"
    env = {**os.environ, "PIP_CACHE_DIR": str(ROOT / ".cache" / "pip")}
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         str(work / "sdk"), str(work / PLUGIN.name), "pytest"],
        check=True, timeout=600, env=env,
    )  # fmt: skip
    return python, work


def _run(python: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


def test_only_the_sdk_and_its_dependencies_are_installed(venv: tuple[Path, Path]) -> None:
    python, work = venv
    listed = _run(python, ["-m", "pip", "list", "--format=freeze"], work)
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


def test_the_sdks_own_tests_pass_without_the_hub(venv: tuple[Path, Path]) -> None:
    python, work = venv
    tested = _run(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider"], work / "sdk")
    assert tested.returncode == 0, tested.stdout + tested.stderr
