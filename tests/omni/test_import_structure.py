"""No module of the project imports, directly or through others, a module that imports it.

import-linter's contracts (`make lint`) keep the apps' order and keep services away from tasks
and views; a circle inside one app (a model module and a helper importing each other, a service
and the task that runs it) would pass them, so this test looks for any circle at all. Imports
inside functions count: they hide a circle from Python's loader, not from a reader.
"""

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("omni", "customers", "privacy", "journeys", "segments", "insights", "clienteling")


def _import_graph() -> grimp.ImportGraph:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that reach each other through their imports (Tarjan, iterative)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for start in sorted(graph.modules):
        if start in order:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        order[start] = low[start] = len(order)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, imported = work[-1]
            step = next(imported, None)
            if step is not None:
                if step not in order:
                    order[step] = low[step] = len(order)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[module] = min(low[module], order[step])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == order[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
    return circles


def test_no_module_of_the_project_is_part_of_an_import_circle() -> None:
    graph = _import_graph()
    assert len(graph.modules) > 300  # the whole project was read, not an empty path
    assert _circles(graph) == []


def test_the_search_finds_a_circle_when_there_is_one() -> None:
    graph = _import_graph()
    graph.add_import(
        importer="customers.search", imported="customers.models", line_number=1, line_contents=""
    )
    assert ["customers.models", "customers.search"] in _circles(graph)
