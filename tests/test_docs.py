"""The README and docs/: a short README, links that resolve, screenshots that exist, nothing lost.

The README was cut from 851+ lines to an overview (issue 22); every section it held moved to a
page under docs/ (table below), and the tests that checked those sections' facts moved with them
(tests/test_cli.py: docs/cli.md; tests/test_scorecard.py: docs/kpis.md; tests/test_mapped_csv.py:
docs/mapping.md).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", *DOCS.glob("*.md")])

# Every top-level section of the README before the cut, and the page that holds it now.
MOVED = {
    "Using it on your own data": "user-guide.md",
    "Loads are atomic and idempotent": "user-guide.md",
    "Languages": "user-guide.md",
    "PII masking and issue categories": "user-guide.md",
    "Twitter (TWCS) case rules": "user-guide.md",
    "Phone, ticket and survey sources": "user-guide.md",
    "One customer across channels (`identities`)": "user-guide.md",
    "Dashboard": "user-guide.md",
    "Mapping other exports (`csv` and `sql` sources)": "mapping.md",
    "Configuration (`socialcare.toml`)": "configuration.md",
    "Command reference": "cli.md",
    "Canonical tables": "contracts.md",
    "KPI reference": "kpis.md",
    "Root cause: anomalies, incidents, explain, drill": "root-cause.md",
    "Performance": "performance.md",
    "Top-level layout": "architecture.md",
}


def _without_code(text: str) -> str:
    """The text outside fenced blocks and inline code spans (links there are not links)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _headings(text: str) -> list[str]:
    outside = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return [m.group(1).strip() for m in re.finditer(r"^#{1,6} (.+)$", outside, re.M)]


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    slug = re.sub(r"[^\w\- ]", "", heading.lower())
    return slug.replace(" ", "-")


def _links(page: Path) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", _without_code(page.read_text(encoding="utf-8")))


def test_anchor_is_githubs():
    assert (
        _anchor("One customer across channels (`identities`)")
        == "one-customer-across-channels-identities"
    )
    assert (
        _anchor("`[combine]`: a field from several columns")
        == "combine-a-field-from-several-columns"
    )


def test_readme_is_an_overview_of_at_most_200_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    assert [h for h in _headings("\n".join(lines)) if not h.startswith("socialcare")] == [
        "Quickstart",
        "Your own data, in three commands",
        "A tour of the pages",
        "How fast it is",
        "Where to go next",
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page):
    for link in _links(page):
        if re.match(r"[a-z]+:", link):
            continue  # http(s), mailto: not checked offline
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.exists(), f"{page.name}: {link} points at nothing"
        if anchor:
            anchors = {_anchor(h) for h in _headings(target.read_text(encoding="utf-8"))}
            assert anchor in anchors, f"{page.name}: no heading #{anchor} in {target.name}"


def test_every_moved_section_has_a_home_linked_from_the_readme():
    readme_links = {link.split("#")[0] for link in _links(ROOT / "README.md")}
    for heading, name in MOVED.items():
        assert heading in _headings((DOCS / name).read_text(encoding="utf-8")), (heading, name)
        assert f"docs/{name}" in readme_links, name


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_the_tour_shows_every_page_in_a_1366x768_screenshot():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## A tour of the pages", 1)[1].split("\n## ", 1)[0]
    shots = re.findall(r"!\[[^\]]+\]\((docs/img/[\w-]+\.png)\)", tour)
    pages = sorted(
        set(
            re.findall(
                r"^dash\.register_page\(\s*__name__,\s*path=\"([^\"]+)\"",
                "\n".join(p.read_text() for p in (ROOT / "pages").glob("*.py")),
                re.M,
            )
        )
    )
    assert len(shots) == len(pages) == 9
    for page in pages:
        assert f"(`{page}`)" in tour, f"the tour has no paragraph on {page}"
    for shot in shots:
        assert _png_size(ROOT / shot) == (1366, 768), shot


def test_architecture_names_every_room():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    rooms = sorted(
        str(init.parent.relative_to(ROOT)) + "/"
        for top in ("etl", "scorecard", "warehouse")
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    )
    assert len(rooms) >= 10
    for room in rooms:
        assert f"`{room}`" in text, f"docs/architecture.md does not describe {room}"
