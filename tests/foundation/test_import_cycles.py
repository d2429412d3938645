"""No import cycle among the project's modules (issue 15: "no import cycle").

A cycle held together by function-level imports hides which module depends on which and breaks
as soon as someone moves an import to the top. This reads every module of `connectors` and
`connectorhub` with `ast` (nothing is imported), keeps the imports that run when the module is
loaded (top level, class bodies, `try`/`if` blocks; not function bodies, not `TYPE_CHECKING`)
and fails on every strongly connected group of modules, naming them.

It also holds issue 15's other shape checks: no function-level import of the project's own
modules unless a comment says why, and no module over 500 lines outside `feel/`.
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


# Function-level imports of the project's own modules hide dependencies from the cycle test
# above; one is kept only where a comment on its line or the line above says why (a real cycle,
# models before Django's apps are ready, a heavy optional import on a cold path).
PROJECT_ROOTS = (*PACKAGES, "connectorhub_sdk")
SOURCE_FOLDERS = ("connectors", "connectorhub", "sdk/src")

# Uncommented function-level imports that belong to another part of issue 15 (path:line).
ALLOWED_FUNCTION_LEVEL_IMPORTS: set[str] = set()


def _source_files() -> list[Path]:
    return [
        path
        for folder in SOURCE_FOLDERS
        for path in sorted((BASE_DIR / folder).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _function_level_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of the project's modules inside a function body."""
    tree = ast.parse(path.read_text(), str(path))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level or module.split(".")[0] in PROJECT_ROOTS:
                    yield node.lineno, "." * node.level + module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in PROJECT_ROOTS:
                        yield node.lineno, alias.name


def _uncommented_function_level_imports(path: Path) -> Iterator[tuple[int, str]]:
    lines = path.read_text().splitlines()
    for lineno, module in sorted(set(_function_level_imports(path))):
        above = lines[lineno - 2].strip() if lineno > 1 else ""
        if "#" not in lines[lineno - 1] and not above.startswith("#"):
            yield lineno, module


def test_the_import_check_sees_relative_and_nested_imports(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "def f():\n"
        "    from .sibling import x\n"
        "    # the models need the app registry\n"
        "    from connectors.models import Run\n"
        "    import json\n"
        "    from connectorhub.celery import app  # a cycle: celery imports this\n"
        "    def g():\n"
        "        import connectorhub_sdk\n"
    )
    assert dict(_function_level_imports(module)) == {
        2: ".sibling",
        4: "connectors.models",
        6: "connectorhub.celery",
        8: "connectorhub_sdk",
    }
    assert list(_uncommented_function_level_imports(module)) == [
        (2, ".sibling"),
        (8, "connectorhub_sdk"),
    ]


def _where(path: Path, lineno: int) -> str:
    return f"{path.relative_to(BASE_DIR).as_posix()}:{lineno}"


def test_project_modules_are_imported_at_the_top_or_say_why() -> None:
    found = {
        _where(path, lineno): module
        for path in _source_files()
        for lineno, module in _uncommented_function_level_imports(path)
    }
    new = [f"{where} {module}" for where, module in found.items()]
    new = [hit for hit in new if hit.split(" ")[0] not in ALLOWED_FUNCTION_LEVEL_IMPORTS]
    assert not new, (
        "function-level imports of the project's modules without a comment saying why "
        "(move them to the top, or comment on the line or the line above):\n" + "\n".join(new)
    )
    gone = sorted(ALLOWED_FUNCTION_LEVEL_IMPORTS - found.keys())
    assert not gone, f"remove these from ALLOWED_FUNCTION_LEVEL_IMPORTS: {gone}"


# The dry-run path, untangled in issue 15, has none at all, commented or not: its modules import
# the project's modules at the top, so that the cycle test above sees every dependency they have.
TOP_LEVEL_ONLY = ("connectors/runs", "connectors/tasks.py", "connectors/execution")


def test_the_dry_run_path_imports_project_modules_at_the_top() -> None:
    paths: list[Path] = []
    for entry in TOP_LEVEL_ONLY:
        path = BASE_DIR / entry
        paths += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    found = [
        f"{_where(path, lineno)} {module}"
        for path in paths
        for lineno, module in _function_level_imports(path)
    ]
    assert not found, "function-level imports of the project's modules:\n" + "\n".join(found)


# A module longer than this holds more than one concern (issue 15); FEEL's evaluator and the
# generated migrations are left out.
MAX_MODULE_LINES = 500
LONG_MODULES_ALLOWED_UNDER = ("connectors/feel", "connectors/migrations")


def test_no_module_is_over_500_lines() -> None:
    too_long = []
    for path in _source_files():
        relative = path.relative_to(BASE_DIR).as_posix()
        if relative.startswith(LONG_MODULES_ALLOWED_UNDER):
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{relative}: {lines} lines")
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(too_long)
