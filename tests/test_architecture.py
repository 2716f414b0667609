"""The shape of the code: no import cycles in maestro/ and maestro_site/, no function longer than MAX_FUNCTION_LINES.

The import graph is read from the source with ``ast``, so it sees every import, at module level and inside functions
alike (an import hidden in a function still ties the two modules together). Relative imports are resolved against the
importing module's package; ``from package import name`` is an edge to ``package.name`` when that is a module of ours
and to ``package`` otherwise. Importing a module runs its packages' ``__init__`` first, so an import is also an edge to
each package above the imported module, except the importer's own packages (they are already being imported). Only
modules of the two packages are nodes: the standard library and third-party packages cannot close a cycle through our
code.
"""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("maestro", "maestro_site")
MAX_FUNCTION_LINES = 60


def module_files() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of PACKAGES (a package is its __init__.py)."""
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = module_files()


def is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def imported_base(module: str, node: ast.ImportFrom) -> str:
    """The module a ``from X import ...`` statement reads from, with a relative X resolved."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    package = parts if is_package(module) else parts[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def named_modules(module: str, node: ast.AST) -> list[str]:
    """The modules of ours that one import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = imported_base(module, node)
    out = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        if sub in MODULES:
            out.append(sub)
        elif base in MODULES:
            out.append(base)
    return out


def packages_above(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def import_targets(module: str, node: ast.AST) -> list[str]:
    """The modules of ours that one import statement runs: those it names, and the packages above them that are not
    the importer's own."""
    own = set(packages_above(module)) | {module}
    out: list[str] = []
    for target in named_modules(module, node):
        for m in [*packages_above(target), target]:
            if m in MODULES and m not in own and m not in out:
                out.append(m)
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ours it imports anywhere in its source (module level or inside a function)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        graph[module] = {t for node in ast.walk(tree) for t in import_targets(module, node) if t != module}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module: each holds at least one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest import path from the component's first module back to itself, staying inside the component."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return component


def long_functions(path: Path) -> list[tuple[str, int, int]]:
    """(qualified name, first line, length) of every function in ``path`` longer than MAX_FUNCTION_LINES."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = child.end_lineno - child.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    out.append((prefix + child.name, child.lineno, length))
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")
            else:
                walk(child, prefix)

    walk(tree, "")
    return out


def test_the_graph_sees_function_level_and_relative_imports():
    """The reader of the graph itself: a relative import inside a function is an edge."""
    node = ast.parse("def f():\n    from ..kb import KB\n").body[0].body[0]
    assert import_targets("maestro.checks.structure", node) == ["maestro.kb"]
    node = ast.parse("from . import ids, safeio\n").body[0]
    assert import_targets("maestro.kb", node) == ["maestro.ids", "maestro.safeio"]
    node = ast.parse("from .checks import Context\n").body[0]
    assert import_targets("maestro.project", node) == ["maestro.checks"]
    node = ast.parse("from .checks.registry import rule\n").body[0]  # runs maestro/checks/__init__.py first
    assert import_targets("maestro.project", node) == ["maestro.checks", "maestro.checks.registry"]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(package):
    graph = import_graph()
    cycles = [one_cycle(graph, c) for c in strongly_connected(graph) if any(m.split(".")[0] == package for m in c)]
    assert not cycles, f"{package}: import cycle(s): " + "; ".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_long_functions(module):
    found = long_functions(MODULES[module])
    assert not found, f"{MODULES[module].relative_to(ROOT)}: " + "; ".join(
        f"{name} (line {line}) is {length} lines, over {MAX_FUNCTION_LINES}" for name, line, length in found)


# ------------------------------------------------------------------ registries: a rule or tool is registered where it is written
def module_functions(module) -> list[str]:
    return [name for name, value in vars(module).items() if inspect.isfunction(value) and value.__module__ == module.__name__]


def test_every_cross_reference_rule_is_registered():
    from maestro import crossref

    written = [name for name in module_functions(crossref) if name.startswith("check_")]
    assert written == [r.__name__ for r in crossref.RULES], "check_* functions of maestro/crossref.py not registered with @rule"


def test_every_mcp_tool_function_is_registered():
    from maestro import mcp_server

    written = [name for name in module_functions(mcp_server) if name.endswith("_tool")]
    assert written == [t.func.__name__ for t in mcp_server.TOOLS.values()], "*_tool functions of maestro/mcp_server.py not registered with @tool"
