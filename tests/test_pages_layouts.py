"""Every page: its layout builds from any URL, ids are unique, customer text is never HTML."""

from __future__ import annotations

import re
from pathlib import Path

import dash
import pytest

from tests.browser import components_of, serving

PAGES = Path(__file__).parents[1] / "pages"


@pytest.fixture(scope="module")
def svc(twcs_db):
    with serving(twcs_db) as s:
        yield s


def _ids(tree) -> list:
    return [str(c.id) for c in components_of(tree) if getattr(c, "id", None) is not None]


def test_every_page_is_registered_at_its_path(svc):
    paths = sorted(p["path"] for p in dash.page_registry.values())
    assert paths == [
        "/",
        "/conversations",
        "/coverage",
        "/customer",
        "/economics",
        "/health",
        "/opportunities",
        "/rootcause",
        "/trends",
    ]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {
            "day": "not-a-date",
            "brand": "nobody",
            "kpi": "nope",
            "start": "2017-13-45",
            "period": "x..y",
            "vs": "..",
            "by": "colour",
            "sensitivity": "high",
            "shift": "lots",
            "grain": "year",
            "case": "<b>x</b>",
        },
    ],
)
def test_layouts_build_from_any_url_with_unique_ids(svc, query):
    import app

    for page in dash.page_registry.values():
        tree = page["layout"](**query)
        ids = _ids(tree) + _ids(app.shell())
        assert len(ids) == len(set(ids)), f"{page['path']} has duplicate ids"


def test_no_page_renders_text_as_html_or_markdown():
    """Customer text must stay text: no raw HTML, no Markdown, no cell renderer or HTML/JS in a
    table (dash-ag-grid's dangerously_allow_code stays off), no dash_table left."""
    for path in PAGES.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "dangerously_allow_html" not in source, path.name
        assert "dcc.Markdown" not in source and "Markdown(" not in source, path.name
        assert not re.search(r"""["']presentation["']\s*:\s*["']markdown""", source), path.name
        assert "dangerously_allow_code" not in source and "cellRenderer" not in source, path.name
        assert "dash_table" not in source, path.name
        assert not re.search(r"""export_format\s*=\s*["'](csv|xlsx)""", source), path.name
