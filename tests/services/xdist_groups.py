"""How pytest-xdist shares the tests out: `--dist loadgroup`, every file its own default group.

A test joins a group by an `xdist_group` mark (`pytestmark = pytest.mark.xdist_group("kafka")`
in each file that needs that server): all tests of a group run on one worker, in collection
order, so a session-scoped server starts once. A test without the mark belongs to its file's
group, so a module runs whole on one worker and its module-scoped fixtures start once (what
`--dist loadfile` did). tests/conftest.py wires the three parts below into pytest's hooks.

The seam this fills: pytest-xdist 3.8.0 (loadgroup) tells the controller a test's group by
appending `@<group>` to the node id, which it writes to `item._nodeid`; pytest 9.2 keeps the id
in `item._id` and no longer reads `_nodeid`, so without `carry_groups_in_node_ids` every mark
would be silently ignored (tests/test_conftest.py checks it on the pinned versions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pytest
from _pytest.nodeid import NodeId
from xdist.scheduler import LoadGroupScheduling

MARK = "xdist_group"
# Tests that drive Chromium share one browser while they run back to back (tests/conftest.py,
# `browser`): grouped, they run back to back on one worker and launch it once.
CHROMIUM_GROUP = "chromium"


# Seconds the heaviest work units (a group, or a file of no group) took in a full run with -n 2
# (`--durations=0`, summed per unit; refresh when they shift). They are handed out first: a long
# unit handed out last would leave the other worker idle at the end of the run (longest
# processing time first). A unit not listed weighs SECONDS_PER_TEST per test.
MEASURED_SECONDS = {
    "moto": 131,
    "chromium": 121,
    "tests/zeebe/test_resilience.py": 67,
    "kafka": 65,
    "greenmail": 57,
    # the SQL connector's tests and tests/hubdb's two child sessions
    "sql_servers": 56,
    "operaton": 54,
    "rabbitmq": 50,
    "tests/foundation/test_run.py": 37,
    "tests/catalogue/test_npm.py": 25,
    "tests/elementtemplates/test_reference_validator.py": 20,
    "azurite": 16,
    "tests/foundation/test_health.py": 14,
}
SECONDS_PER_TEST = 0.1


def groups_of(item: pytest.Item) -> list[str]:
    """The names of ITEM's `xdist_group` marks, as pytest-xdist reads them."""
    names = set()
    for mark in item.iter_markers(MARK):
        names.add(str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")))
    return sorted(names)


def add_implicit_groups(items: Iterable[pytest.Item]) -> None:
    """A browser test with no group of its own joins the Chromium group.

    Runs before pytest-xdist reads the marks: its own `pytest_collection_modifyitems` is a
    plain hook of a plugin registered after the conftests, so it is called before theirs unless
    theirs is `tryfirst`."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and not groups_of(item):
            item.add_marker(pytest.mark.xdist_group(CHROMIUM_GROUP))


def unit_of(item: pytest.Item) -> str:
    """The work unit ITEM is scheduled with: its group(s), else its file (as
    FileOrGroupScheduling splits node ids)."""
    groups = groups_of(item)
    return "_".join(groups) if groups else item.nodeid.split("::", 1)[0]


def heaviest_first(items: list[pytest.Item]) -> None:
    """Order ITEMS unit by unit, the heaviest unit first (MEASURED_SECONDS); a unit's own tests
    keep their order. pytest-xdist hands units out in this order (`--no-loadscope-reorder`)."""
    units = [unit_of(item) for item in items]
    counts = Counter(units)
    first_seen = {unit: index for index, unit in reversed(list(enumerate(units)))}

    def weight(unit: str) -> float:
        return MEASURED_SECONDS.get(unit, SECONDS_PER_TEST * counts[unit])

    order = {unit: (-weight(unit), first_seen[unit]) for unit in counts}
    keyed = sorted(zip(units, items, strict=True), key=lambda pair: order[pair[0]])
    items[:] = [item for _, item in keyed]


def carry_groups_in_node_ids(items: Iterable[pytest.Item]) -> None:
    """Append `@<group>` to the node id of each grouped test, as pytest-xdist means to.

    Only on a worker of a `--dist loadgroup` run (where pytest-xdist sets `loadgroup`), and only
    where pytest-xdist's own write did not take (a fixed version makes this a no-op)."""
    for item in items:
        groups = groups_of(item)
        if not groups:
            continue
        suffix = "@" + "_".join(groups)
        if not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)


class FileOrGroupScheduling(LoadGroupScheduling):
    """`loadgroup`, with a test that names no group scheduled with its file (as `loadfile`)
    instead of alone. Work units go out in the workers' collection order, which
    `heaviest_first` set (`--no-loadscope-reorder`)."""

    def _split_scope(self, nodeid: str) -> str:
        # the same test for a group suffix as LoadGroupScheduling: an '@' inside the
        # parameter brackets belongs to the parameters
        if nodeid.rfind("@") > nodeid.rfind("]"):
            return nodeid.split("@")[-1]
        return nodeid.split("::", 1)[0]
