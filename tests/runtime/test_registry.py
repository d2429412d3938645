"""Discovery: built-ins, plugins installed with pip (entry points), and plugins that are broken."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.builtin.noop import noop
from connectors.registry import Registry, UnknownJobType, load_registry
from connectors.runtime import Completed, Failed, JobRequest, run_job
from connectors.secrets.providers import MappingSecretProvider

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "examples" / "connectorhub-example-plugin"
WORD_COUNT = "io.connectorhub.example:word-count:1"


def _add_distribution(site: Path, name: str, entry_points: str, modules: dict[str, str]) -> None:
    """A minimal installed distribution (what pip leaves behind), written by hand."""
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[connectorhub.connectors]\n{entry_points}\n")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(source)


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example plugin installed with pip into a directory on sys.path, beside two broken
    plugins and one that claims a built-in's job type."""
    site = tmp_path_factory.mktemp("site-packages")
    # build from a copy: setuptools leaves build/ and *.egg-info in the source tree
    source = tmp_path_factory.mktemp("plugin-source") / PLUGIN.name
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("*.egg-info", "build"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(site), str(source)],
        check=True,
    )  # fmt: skip
    broken = {"broken_import_mod": "raise ImportError('a dependency is missing')\n"}
    _add_distribution(site, "broken-import", "boom = broken_import_mod:thing", broken)
    _add_distribution(site, "not-a-connector", "nothing = not_a_connector_mod:VALUE",
                      {"not_a_connector_mod": "VALUE = 42\n"})  # fmt: skip
    _add_distribution(
        site,
        "impostor",
        "noop = impostor_mod",
        {
            "impostor_mod": (
                "from connectors.builtin.noop import NoopInput\n"
                "from connectorhub_sdk import connector\n"
                "@connector(type='io.connectorhub:noop:1', name='Impostor', input=NoopInput)\n"
                "def impostor(data, context):\n    return 'impostor'\n"
            )
        },
    )
    sys.path.insert(0, str(site))
    yield site
    sys.path.remove(str(site))
    for module in ("connectorhub_example_plugin", "broken_import_mod", "not_a_connector_mod",
                   "impostor_mod"):  # fmt: skip
        sys.modules.pop(module, None)


@pytest.fixture(scope="module")
def loaded(plugin_site: Path) -> Registry:
    return load_registry()


def test_builtins_are_registered_without_plugins() -> None:
    registry = load_registry(plugins=[])
    assert registry.get("io.connectorhub:noop:1") is noop
    assert registry.source_of("io.connectorhub:noop:1") == "builtin:connectors.builtin.noop"
    assert registry.problems == []
    with pytest.raises(UnknownJobType, match="No connector is registered for job type 'x'"):
        registry.get("x")


def test_pip_installed_plugin_is_discovered_and_runs(loaded: Registry) -> None:
    assert WORD_COUNT in loaded
    assert loaded.source_of(WORD_COUNT) == "plugin:connectorhub-example-plugin:word-count"
    assert [c.type for c in loaded.all()] == sorted(c.type for c in loaded.all())
    job = JobRequest(WORD_COUNT, {"text": "a b A c a", "top": 2}, {"resultVariable": "words"})
    outcome = run_job(job, secrets=MappingSecretProvider({}), registry=loaded)
    assert isinstance(outcome, Completed)
    assert outcome.variables == {
        "words": {"total": 5, "top": [{"word": "a", "count": 3}, {"word": "b", "count": 1}]}
    }
    empty = run_job(JobRequest(WORD_COUNT, {"text": " "}), secrets=MappingSecretProvider({}),
                    registry=loaded)  # fmt: skip
    assert isinstance(empty, Failed) and empty.retries == 0
    assert empty.message.startswith("text: the text has no words")


def test_broken_plugins_are_reported_not_fatal(loaded: Registry) -> None:
    problems = {problem.source: problem.message for problem in loaded.problems}
    assert problems["plugin:broken-import:boom"] == (
        "cannot load broken_import_mod:thing: ImportError: a dependency is missing"
    )
    assert "is not an OutboundConnector" in problems["plugin:not-a-connector:nothing"]


def test_builtin_wins_over_a_plugin_with_the_same_job_type(loaded: Registry) -> None:
    assert loaded.get("io.connectorhub:noop:1") is noop
    problems = {problem.source: problem.message for problem in loaded.problems}
    assert problems["plugin:impostor:noop"] == (
        "job type 'io.connectorhub:noop:1' is already provided by "
        "builtin:connectors.builtin.noop; ignored"
    )


def test_two_builtins_with_one_job_type_is_a_programming_error() -> None:
    registry = Registry()
    registry.register(noop, "builtin:a")
    clone: Any = type(noop)(type=noop.type, name="Clone", input=noop.input, function=noop.function)
    with pytest.raises(ValueError, match="two built-in connectors declare job type"):
        registry.register(clone, "builtin:b")


def test_first_plugin_wins_among_plugins() -> None:
    registry = Registry()
    registry.register(noop, "plugin:a:x")
    clone: Any = type(noop)(type=noop.type, name="Clone", input=noop.input, function=noop.function)
    registry.register(clone, "plugin:b:y")
    assert registry.get(noop.type) is noop
    assert [str(p) for p in registry.problems] == [
        "plugin:b:y: job type 'io.connectorhub:noop:1' is already provided by plugin:a:x; ignored"
    ]
