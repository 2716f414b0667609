"""Generated ID pages are Markdown that MkDocs renders like any page (maestro_site/plugin.py): their table of contents,
anchors and search entries come from MkDocs and Material, and a broken link in one stops a strict build."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from maestro.urls import url_of

KINDS = (("threat", "threats"), ("blindspot", "blindspots"), ("mitigation", "mitigations"), ("layer", "layers"))


def id_pages(kb) -> list:
    return [pytest.param(kind, i, id=i) for kind, key in KINDS for i in getattr(kb, key)
            if kb.status_of(i) != "revoked"]


class Headings(HTMLParser):
    """The ids of the article's headings and the #fragments the page's table of contents links to."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[str, str, bool]] = []   # (tag, id, left out of search)
        self.toc: list[str] = []
        self._in_toc = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("h1", "h2", "h3", "h4") and a.get("id"):
            self.headings.append((tag, a["id"], "data-search-exclude" in a))
        if tag == "nav" and "md-nav--secondary" in (a.get("class") or ""):
            self._in_toc += 1
        elif tag == "nav" and self._in_toc:
            self._in_toc += 1
        if tag == "a" and self._in_toc and (a.get("href") or "").startswith("#"):
            self.toc.append(a["href"][1:])

    def handle_endtag(self, tag):
        if tag == "nav" and self._in_toc:
            self._in_toc -= 1


def built(site, kind, ident) -> str:
    return (site / url_of(kind, ident).strip("/") / "index.html").read_text(encoding="utf-8")


@pytest.mark.build
@pytest.mark.kb_params("kind,ident", id_pages)
def test_every_section_heading_of_an_id_page_is_in_its_toc(site, kb, kind, ident):
    reserved = {t["id"] for t in kb.reserved_threats()}
    page = Headings(built(site, kind, ident))
    sections = [i for tag, i, _ in page.headings if tag != "h1"]
    assert page.headings[0][:2] == ("h1", "top"), page.headings[:1]
    assert sections == page.toc, (sections, page.toc)
    assert sections or kind == "threat" and ident in reserved, "every page but a reserved ID's has sections"


@pytest.fixture(scope="module")
def search_docs(site) -> dict:
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    return {d["location"]: d for d in docs}


@pytest.mark.build
@pytest.mark.kb_params("kind,ident", id_pages)
def test_search_indexes_the_prose_sections_and_leaves_out_the_related_id_tables(site, search_docs, kind, ident):
    page = Headings(built(site, kind, ident))
    base = url_of(kind, ident).lstrip("/")
    assert base in search_docs, "the page itself is indexed"
    for _, anchor, excluded in page.headings[1:]:
        assert (f"{base}#{anchor}" in search_docs) is not excluded, anchor


@pytest.mark.build
@pytest.mark.parametrize("broken,message", [
    ("reference/changelog.md#no-such-ruling", "does not contain an anchor '#no-such-ruling'"),
    ("reference/no-such-page.md", "but the target 'reference/no-such-page.md' is not found")])
def test_a_broken_link_on_a_generated_page_stops_the_strict_build(project_copy, mkdocs, broken, message):
    """The ruling link on T16's "not OWASP T16" notice, pointed at a missing anchor or page in a copy of the project."""
    notices = project_copy / "maestro_site" / "templates" / "pages" / "_notices.md.j2"
    text = notices.read_text(encoding="utf-8")
    assert '"reference/changelog.md#r05"' in text
    notices.write_text(text.replace('"reference/changelog.md#r05"', json.dumps(broken)), encoding="utf-8")
    res = mkdocs("build", "--strict", "-d", str(project_copy / "site"), cwd=project_copy, check=False)
    assert res.returncode != 0
    assert "Doc file 'threats/T16.md' contains a link" in res.stderr and message in res.stderr, res.stderr[-2000:]


def test_page_markdown_escapes_data_in_headings(kb):
    """A name from data cannot open an attribute list or a heading of its own."""
    import copy
    from maestro_site import pages
    hostile = copy.copy(kb)
    hostile.threats = dict(kb.threats, T6=dict(kb.threats["T6"], name='X {: #evil onclick="x" } # Y'))
    first = pages.threat_page(hostile, "T6").markdown.splitlines()[0]
    assert re.fullmatch(r"# T6: X \\\{: \\#evil onclick=\"x\" \\\} \\# Y \{: #top \}", first), first


@pytest.mark.build
@pytest.mark.parametrize("url", ["guides/quickstart/", "threats/T6/", "playbook/08-checklists/", ""])
def test_every_page_names_the_knowledge_base_version_for_saved_ticks(kb, site, url):
    """Ticks and answers a reader saves are kept per knowledge-base version (js/tick-boxes.js, checklist.js), which
    every page carries in its head."""
    html = (site / url / "index.html").read_text(encoding="utf-8")
    assert f'<meta name="maestro-kb-version" content="{kb.version}">' in html
