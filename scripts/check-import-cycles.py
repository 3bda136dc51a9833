"""Fails when backend/ or workers/ has an import cycle, at either of two levels:

* modules: a module imports itself through others (strongly connected components of
  grimp's import graph, the graph import-linter checks);
* packages: the top-level packages of backend/ (the domains, ``events``, ``kit``...)
  import each other in a circle, e.g. runs -> cache and cache -> runs through different
  modules. Every import counts: function-level and ``TYPE_CHECKING`` ones too.

`make lint` runs it beside `lint-imports`, whose layers contract fixes the order of the
domains (.importlinter) and whose acyclic_siblings contract covers the modules inside one
domain. ``--packages`` also lists every import between two packages (what to move when a
new edge closes a circle).
"""

from __future__ import annotations

import sys
from collections import defaultdict

import grimp


def cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def package_of(module: str) -> str | None:
    """``backend.runs.executor`` -> ``backend.runs``; modules outside a package of backend
    (``backend.app``, ``backend.cli``...) count as their own package."""
    parts = module.split(".")
    if parts[0] != "backend" or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def package_imports(graph: grimp.ImportGraph) -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> the module imports that make the edge."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module in graph.modules:
        source = package_of(module)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = package_of(imported)
            if target is not None and target != source:
                found[(source, target)].append(f"{module} -> {imported}")
    return found


def main(argv: list[str]) -> int:
    graph = grimp.build_graph("backend", "workers", include_external_packages=False)
    modules = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    module_cycles = cycles(modules)
    for component in module_cycles:
        print("import cycle:", " <-> ".join(component))

    imports = package_imports(graph)
    packages: dict[str, list[str]] = defaultdict(list)
    for source, target in sorted(imports):
        packages[source].append(target)
    package_cycles = cycles(dict(packages))
    for component in package_cycles:
        print("package cycle:", " <-> ".join(component))
        members = set(component)
        for (source, target), lines in sorted(imports.items()):
            if source in members and target in members:
                for line in sorted(lines):
                    print(f"    {line}")
    if "--packages" in argv:
        for (source, target), lines in sorted(imports.items()):
            print(f"{source} -> {target} ({len(lines)})")
            for line in sorted(lines):
                print(f"    {line}")

    print(
        f"{len(graph.modules)} modules, {len(module_cycles)} import cycles; "
        f"{len(packages)} packages of backend, {len(package_cycles)} package cycles"
    )
    return 1 if module_cycles or package_cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
