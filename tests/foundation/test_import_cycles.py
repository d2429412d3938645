"""No import cycle among the project's modules (issue 15: "no import cycle").

A cycle held together by function-level imports hides which module depends on which and breaks
as soon as someone moves an import to the top. This reads every module of `connectors` and
`connectorhub` with `ast` (nothing is imported), keeps the imports that run when the module is
loaded (top level, class bodies, `try`/`if` blocks; not function bodies, not `TYPE_CHECKING`)
and fails on every strongly connected group of modules, naming them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PACKAGES = ("connectors", "connectorhub")

# Cycles that exist but belong to other parts of issue 15; each entry is the sorted group of
# modules. Remove an entry when its cycle is gone (the test says so).
KNOWN_CYCLES: set[tuple[str, ...]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _load_time_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports executed when the module loads: not in functions, not under TYPE_CHECKING."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _targets(name: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        anchor = name.split(".") if is_package else name.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([base] if base else [])])
    yield base
    yield from (f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in _load_time_imports(tree):
            for target in _targets(name, path.name == "__init__.py", node):
                # a module's own packages are initialised before it, whatever it imports
                if target in modules and not name.startswith(target + ".") and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: set[tuple[str, ...]] = set()
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.add(tuple(sorted(group)))
    return found


def test_the_walk_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == {("a", "b", "c")}


def test_the_walk_sees_through_relative_and_submodule_imports() -> None:
    graph = import_graph()
    assert "connectors.runs.limits" in graph["connectors.runs.services"]
    assert "connectors.runs.events" in graph["connectors.runs.services"]  # from pkg import mod


def test_no_import_cycle() -> None:
    found = cycles(import_graph())
    new = sorted(found - KNOWN_CYCLES)
    assert not new, "import cycles:\n" + "\n".join(" <-> ".join(group) for group in new)
    gone = sorted(KNOWN_CYCLES - found)
    assert not gone, f"these cycles are gone; remove them from KNOWN_CYCLES: {gone}"


# The dry-run path, untangled in issue 15: its modules import the project's modules at the top,
# so that the cycle test above sees every dependency they have.
TOP_LEVEL_ONLY = ("connectors/runs", "connectors/tasks.py", "connectors/execution")


def _function_level_imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), str(path))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level or module.split(".")[0] in PACKAGES:
                    yield f"{path.relative_to(BASE_DIR)}:{node.lineno} {module}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PACKAGES:
                        yield f"{path.relative_to(BASE_DIR)}:{node.lineno} {alias.name}"


def test_the_dry_run_path_imports_project_modules_at_the_top() -> None:
    paths: list[Path] = []
    for entry in TOP_LEVEL_ONLY:
        path = BASE_DIR / entry
        paths += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    found = [hit for path in paths for hit in _function_level_imports(path)]
    assert not found, "function-level imports of the project's modules:\n" + "\n".join(found)
