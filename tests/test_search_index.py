"""What goes into Material's search index (issue 13): the page that defines an ID, not the lists of related IDs on
every other ID page; no section twice; IDs kept whole by the word separator; paper copies and redirects left out."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from mkdocs.utils.yaml import get_yaml_loader, yaml_load

from maestro import urls
from maestro_site.pages import SEARCH_BOOST

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.build

RELATED = {"threat": ["layers", "mitigations", "checklist", "patterns", "related", "further-reading"],
           "blindspot": ["layers", "related-threats", "checklist", "mitigations", "further-reading"],
           "mitigation": ["classification", "threats", "siblings"],
           "layer": ["threats", "patterns", "checklist", "mitigations", "blindspots", "considerations"]}
"""Sections of an ID page that list other IDs: they stay out of the index, so they do not compete with the pages
that define those IDs."""


def id_pages(kb):
    return ([("threat", t) for t in kb.threats if kb.status_of(t) != "revoked"] +
            [("blindspot", b) for b in kb.blindspots] + [("mitigation", m) for m in kb.mitigations] +
            [("layer", l) for l in kb.layers])


@pytest.fixture(scope="module")
def index(site):
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sections(index):
    by_page = defaultdict(dict)
    for doc in index["docs"]:
        page, _, anchor = doc["location"].partition("#")
        by_page[page][anchor] = doc
    return by_page


LONG = {"threat": ["manifestation", "indicators", "example", "frameworks"],
        "blindspot": ["manifestation", "indicators", "example", "frameworks"],
        "mitigation": ["implementation"], "layer": []}
"""Long per-ID sections left out to keep the index small (issue 24): the page is found by its name, aliases and
description, which lead the page."""


@pytest.mark.kb_params("kind,ident", id_pages)
def test_an_id_page_is_indexed_without_its_related_lists(kb, sections, kind, ident):
    page = urls.url_of(kind, ident)[1:]
    assert page in sections, f"{ident} is not in the search index"
    docs = sections[page]
    assert docs[""]["title"].startswith(ident), docs[""]["title"]
    assert all(d.get("boost") == SEARCH_BOOST for d in docs.values()), f"{ident}: the defining page is boosted"
    listed = [a for a in docs if any(a == r or a.startswith(r + "-") for r in RELATED[kind] + LONG[kind])]
    assert not listed, f"{ident}: related-ID or long sections in the index: {listed}"
    entry = {"threat": kb.threats, "blindspot": kb.blindspots, "mitigation": kb.mitigations, "layer": kb.layers}[kind][ident]
    if kind != "layer" and entry.get("description") and "reserved" not in docs[""]["title"].lower():
        text = " ".join(re.sub(r"<[^>]+>", " ", docs[""]["text"]).split())
        assert " ".join(entry["description"].split()[:6]) in text, f"{ident}: the page's entry holds its description"


def test_no_section_is_indexed_twice(index, sections):
    texts = defaultdict(list)
    for doc in index["docs"]:
        if len(doc["text"]) > 150:
            texts[doc["text"]].append(doc["location"])
    reserved = {f"threats/{t}/" for t in ("T26", "T27")}    # the two reserved pages share their one paragraph
    twice = [locs for locs in texts.values() if len(locs) > 1 and not set(locs) <= reserved]
    assert not twice, twice[:5]


def test_paper_copies_and_section_indexes_stay_out(sections):
    pages = set(sections)
    workshop = sorted(p for p in pages if p.startswith("workshop/"))
    assert workshop == ["workshop/facilitator/"], workshop
    assert not {"threats/", "mitigations/", "blindspots/", "layers/"} & pages


@pytest.mark.parametrize("token", ["BV-7", "L3-D2", "CL-P1", "AML.T0051", "AML.T0051.001", "CK-L3-04", "LLM01"])
def test_the_separator_keeps_an_id_whole(token):
    with (ROOT / "mkdocs.yml").open("rb") as f:
        config = yaml_load(f, get_yaml_loader())   # MkDocs' own loader: it knows !ENV
    separator = next(p["search"]["separator"] for p in config["plugins"] if isinstance(p, dict) and "search" in p)
    words = [w for w in re.split(separator, f"See {token}, then {token}. ({token}) and [{token}]") if w]
    assert words.count(token) == 4, words
    assert "then" in words and "and" in words       # the sentence around it still splits into words
