"""`make test` (and .ci/run) install missing system packages as root on Debian, and elsewhere
say in one line what to install: the decision of .ci/install-debian-packages, with stand-in
tools on PATH (no real apt-get runs)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SCRIPT = BASE_DIR / ".ci" / "install-debian-packages"
BASH = shutil.which("bash") or "/bin/bash"
TOOLS = ("redis-server", "npm", "xmlsec1")


def _tool(folder: Path, name: str, body: str = "exit 0") -> Path:
    path = folder / name
    path.write_text(f"#!{BASH}\n{body}\n")
    path.chmod(0o755)
    return path


def _run(tmp_path: Path, *, uid: int, present: tuple[str, ...], apt: bool) -> tuple[int, str, str]:
    """Run the script with only PRESENT tools (and chromium if listed), `id -u` giving UID."""
    folder = tmp_path / "bin"
    folder.mkdir()
    _tool(folder, "id", f'[ "$1" = "-u" ] && echo {uid}')
    for name in present:
        if name != "chromium":
            _tool(folder, name)
    chromium = _tool(tmp_path, "chromium") if "chromium" in present else tmp_path / "no-chromium"
    log = tmp_path / "apt.log"
    if apt:
        _tool(folder, "apt-get", f'echo "$*" >> {log}')
    env = {"PATH": str(folder), "CHROMIUM": str(chromium), "HOME": str(tmp_path)}
    done = subprocess.run(
        [BASH, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    return done.returncode, done.stdout + done.stderr, log.read_text() if log.exists() else ""


def test_nothing_missing_is_silent_and_installs_nothing(tmp_path: Path) -> None:
    code, output, apt = _run(tmp_path, uid=0, present=(*TOOLS, "chromium"), apt=True)
    assert (code, output, apt) == (0, "", "")


def test_root_on_debian_installs_exactly_what_is_missing(tmp_path: Path) -> None:
    code, output, apt = _run(tmp_path, uid=0, present=("redis-server", "npm"), apt=True)
    assert code == 0
    assert "Installing Debian packages: chromium xmlsec1" in output
    assert apt.splitlines() == [
        "update -qq",
        "install -y -qq --no-install-recommends chromium xmlsec1",
    ]


@pytest.mark.parametrize("uid, apt", [(1000, True), (0, False)], ids=["not root", "no apt-get"])
def test_elsewhere_one_line_names_what_to_install(tmp_path: Path, uid: int, apt: bool) -> None:
    code, output, log = _run(tmp_path, uid=uid, present=("redis-server", "npm"), apt=apt)
    assert code != 0
    assert log == ""  # apt-get was not run
    assert len(output.strip().splitlines()) == 1
    assert "make test needs: chromium xmlsec1" in output
    assert "apt-get install chromium xmlsec1" in output


def test_make_test_and_ci_share_the_script() -> None:
    makefile = (BASE_DIR / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    # Before the corpora are installed: installing them needs npm.
    assert recipe.index(".ci/install-debian-packages") < recipe.index("$(NODE_MODULES)")
    ci = (BASE_DIR / ".ci" / "run").read_text()
    assert ".ci/install-debian-packages" in ci and "apt-get" not in ci
