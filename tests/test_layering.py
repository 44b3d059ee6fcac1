"""The one-way import rule: etl -> warehouse -> scorecard -> pages/app (cli may import all)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LAYER = {"etl": 0, "warehouse": 1, "scorecard": 2, "pages": 3, "app": 3, "cli": 4}
FILES = [
    p for pkg in ("etl", "warehouse", "scorecard", "pages") for p in (ROOT / pkg).rglob("*.py")
]
FILES += [ROOT / "app.py"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_flow_downstream(path):
    own = "app" if path.name == "app.py" else path.relative_to(ROOT).parts[0]
    for mod in _imports(path):
        if mod in LAYER:
            assert LAYER[mod] <= LAYER[own], f"{path.name} ({own}) imports {mod}"
            assert not (own == "pages" and mod == "warehouse"), "pages call scorecard/, never SQL"
    if own == "pages":
        assert "duckdb" not in _imports(path), "pages never touch the database"


def test_only_data_bridges_reach_the_warehouse_from_scorecard():
    """scorecard/data*.py are the bridges (plus the reader service and health/options lookups)."""
    allowed = {"service.py", "health.py", "options.py"}
    for path in (ROOT / "scorecard").rglob("*.py"):
        if "warehouse" in _imports(path):
            assert path.name.startswith("data") or path.name in allowed, (
                f"scorecard/{path.name} imports warehouse"
            )


def _module(path: Path) -> str:
    """The dotted module name of a product file (a package's __init__ is the package)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


PRODUCT = {
    _module(p): p
    for pkg in ("etl", "warehouse", "scorecard", "pages")
    for p in (ROOT / pkg).rglob("*.py")
}


def _product_imports(path: Path) -> set[str]:
    """The product modules a file imports anywhere in it (top level, inside functions, under
    TYPE_CHECKING): `from a.b import c` counts a.b, and a.b.c when c is a module."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in PRODUCT}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out |= {node.module} & PRODUCT.keys()
            out |= {f"{node.module}.{a.name}" for a in node.names} & PRODUCT.keys()
    return out


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle of the graph, one per strongly connected group (Tarjan), each as the
    modules of one closed path through the group, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph.get(v, ()):
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(sorted(g) for g in groups)


def test_the_cycle_finder_finds_a_circle_and_names_it():
    """Hand-made graph: a -> b -> c -> a is one circle, d -> a is not part of it, e imports itself."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert import_cycles(graph) == [["a", "b", "c"], ["e"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    """No module of etl/, warehouse/, scorecard/ or pages/ reaches itself through its imports,
    counting imports inside functions and under TYPE_CHECKING (move the shared piece down)."""
    graph = {m: _product_imports(p) - {m} for m, p in PRODUCT.items()}
    cycles = import_cycles(graph)
    assert cycles == [], "import circles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_settings_import_nothing_else_of_the_product():
    """etl/settings/ (configuration, business hours, playbook, alert settings) sits below every
    layer, so it imports only itself."""
    for mod, path in PRODUCT.items():
        if mod.startswith("etl.settings"):
            outside = {m for m in _product_imports(path) if not m.startswith("etl.settings")}
            assert not outside, f"{path.relative_to(ROOT)} imports {sorted(outside)}"
