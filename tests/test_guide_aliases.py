"""Guides carry the terms practitioners search for them by (data/guides.yaml): shown under the title, the page's search
tags, in kb.json; a guides entry for a page that does not exist stops the build."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDES = sorted([f"guides/{p.name}" for p in (ROOT / "docs" / "guides").glob("*.md")] + ["agents.md"])


@pytest.mark.parametrize("page", GUIDES)
def test_every_guide_has_aliases_and_shows_them(kb, page):
    aliases = {g["page"]: g["aliases"] for g in kb.docs["guides"]["guides"]}
    assert page in aliases, f"data/guides.yaml has no aliases for docs/{page}"
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    assert len(re.findall(r"\{\{\s*also_known_as\(\)\s*\}\}", text)) == 1, "the guide shows its aliases once"


@pytest.mark.build
@pytest.mark.parametrize("page", GUIDES)
def test_guide_aliases_are_on_the_page_and_in_its_search_entry(kb, site, page):
    aliases = {g["page"]: g["aliases"] for g in kb.docs["guides"]["guides"]}[page]
    url = page[: -len(".md")] + "/"
    html = (site / url / "index.html").read_text(encoding="utf-8")
    line = re.search(r'<p class="maestro-aka"><strong>Also known as:</strong> (.*?)</p>', html)
    assert line and [a.strip() for a in line.group(1).split(",")] == [a.replace("&", "&amp;") for a in aliases]
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    entry = next(d for d in docs if d["location"] == url)
    assert entry.get("tags") == aliases


@pytest.mark.build
def test_guide_aliases_are_exported_in_kb_json(kb, site):
    exported = json.loads((site / "kb.json").read_text(encoding="utf-8"))["data"]["guides"]["guides"]
    assert exported == kb.docs["guides"]["guides"]


@pytest.mark.build
def test_a_guides_entry_for_a_missing_page_stops_the_build(project_copy, mkdocs):
    data = project_copy / "data" / "guides.yaml"
    data.write_text(data.read_text(encoding="utf-8") + "  - page: guides/no-such-guide.md\n    aliases: [nothing]\n",
                    encoding="utf-8")
    res = mkdocs("build", "--strict", "-d", str(project_copy / "site"), cwd=project_copy, check=False)
    assert res.returncode != 0 and "data/guides.yaml names pages that do not exist: docs/guides/no-such-guide.md" in res.stderr, res.stderr[-1500:]
