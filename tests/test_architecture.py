"""The package structure: the import graph of ``ipplatform/`` and ``web/`` has no cycles, and imports of
the project's own modules sit at the top of their module (a function-level import hides a dependency
and usually breaks a cycle the layering should not have).

The graph is read from the source (the AST of every file), not from ``sys.modules``: imports inside
functions and under ``if TYPE_CHECKING:`` count as edges too. ``from pkg import name`` is an edge to
``pkg.name`` when that is a module, else to ``pkg``; an import's parent packages are not edges.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ipplatform", "web")

# Function-level imports of the project's own modules that are allowed, each with its reason:
# (importing module, imported module) -> reason. Imports inside a command's ``main()`` or under
# ``if __name__ == "__main__":`` are not counted (a command may load what it needs when it runs).
ALLOWED_FUNCTION_IMPORTS: dict[tuple[str, str], str] = {
}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module
    line: int
    function_level: bool  # inside a function (or a class body), not counting a command's main()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _is_main_block(node: ast.AST) -> bool:
    """``if __name__ == "__main__":``"""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    names = [node.test.left, *node.test.comparators]
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in names) and any(
        isinstance(n, ast.Constant) and n.value == "__main__" for n in names)


def _walk(node: ast.AST, nested: bool, exempt: bool):
    """Yield (import node, nested, exempt) for every import below ``node``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, nested, exempt
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            is_main = isinstance(child, ast.FunctionDef) and child.name == "main" and not nested
            yield from _walk(child, True, exempt or is_main)
        else:
            yield from _walk(child, nested, exempt or _is_main_block(child))


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is a project module."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def project_imports() -> list[Import]:
    modules = project_modules()
    found = []
    for source, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for node, nested, exempt in _walk(tree, False, False):
            if isinstance(node, ast.Import):
                targets = [_resolve(alias.name, modules) for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [_resolve(f"{base}.{alias.name}", modules) or _resolve(base, modules)
                           for alias in node.names]
            for target in dict.fromkeys(targets):
                if target is not None and target != source:
                    found.append(Import(source, target, node.lineno, nested and not exempt))
    return found


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components in no particular order, members sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph.get(succ, ())))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def _describe_cycle(component: list[str], imports: list[Import]) -> str:
    members = set(component)
    edges = sorted({(i.source, i.target, i.line, i.function_level) for i in imports
                    if i.source in members and i.target in members})
    lines = [f"  cycle of {len(component)} modules: {', '.join(component)}"]
    lines += [f"    {s} -> {t}  (line {line}{', function-level' if fl else ''})" for s, t, line, fl in edges]
    return "\n".join(lines)


def test_import_graph_has_no_cycles():
    imports = project_imports()
    graph: dict[str, set[str]] = {m: set() for m in project_modules()}
    for i in imports:
        graph[i.source].add(i.target)
    cycles = sorted(c for c in strongly_connected_components(graph) if len(c) > 1)
    assert not cycles, "import cycles between project modules:\n" + "\n".join(
        _describe_cycle(c, imports) for c in cycles)


def test_function_level_imports_are_listed():
    counted = [i for i in project_imports() if i.function_level]
    unlisted = sorted({(i.source, i.target, i.line) for i in counted
                       if (i.source, i.target) not in ALLOWED_FUNCTION_IMPORTS})
    assert not unlisted, (f"{len(unlisted)} function-level imports of project modules not in "
                          "ALLOWED_FUNCTION_IMPORTS (move the import to the top of the module, or mend the "
                          "layering it works around):\n"
                          + "\n".join(f"  {s}:{line} imports {t}" for s, t, line in unlisted))
    stale = sorted(set(ALLOWED_FUNCTION_IMPORTS) - {(i.source, i.target) for i in counted})
    assert not stale, f"ALLOWED_FUNCTION_IMPORTS lists imports that are gone: {stale}"
    assert len(ALLOWED_FUNCTION_IMPORTS) <= 6, "at most a handful of function-level imports"


def test_services_never_import_flows():
    """Work across domains is a flow (``<domain>/flows.py``) that calls the services of several domains;
    routers, pages and commands call flows. A service only imports downward, so never a flows module."""
    wrong = sorted({(i.source, i.target) for i in project_imports()
                    if i.source.rpartition(".")[2] == "service" and i.target.rpartition(".")[2] == "flows"})
    assert not wrong, f"services importing flows: {wrong}"


def test_the_graph_reader_sees_function_level_and_relative_imports(tmp_path):
    """The reader itself: a nested import is function-level unless it is in main() or a __main__ block."""
    tree = ast.parse("import a\n"
                     "def f():\n    import b\n"
                     "def main():\n    import c\n"
                     "if __name__ == '__main__':\n    import d\n"
                     "class K:\n    def g(self):\n        from e import x\n")
    seen = {(n.names[0].name if isinstance(n, ast.Import) else n.module): nested and not exempt
            for n, nested, exempt in _walk(tree, False, False)}
    assert seen == {"a": False, "b": True, "c": False, "d": False, "e": True}
    assert strongly_connected_components({"x": {"y"}, "y": {"z", "x"}, "z": set()}) == [["z"], ["x", "y"]]
