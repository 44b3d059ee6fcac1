"""The one-way import rule: etl -> warehouse -> scorecard -> pages/app (cli may import all)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LAYER = {"etl": 0, "warehouse": 1, "scorecard": 2, "pages": 3, "app": 3, "cli": 4}
FILES = [p for pkg in ("etl", "warehouse", "scorecard", "pages") for p in (ROOT / pkg).rglob("*.py")]
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
            assert path.name.startswith("data") or path.name in allowed, \
                f"scorecard/{path.name} imports warehouse"
