"""Generated ID pages reach MkDocs as finished HTML (maestro_site/html_page.py): their table of contents, the anchors they
define, and the links they make are what MkDocs would have taken from Markdown, and a broken link stops a strict build."""
from __future__ import annotations

import functools
import re

import pytest

from conftest import KB, kb_ids, mkdocs
from maestro_site import pages
from maestro_site.html_page import anchors, searchable, toc_tokens
from maestro.urls import src_of


def _h(level, anchor, text, search=True):
    from maestro_site.render_html import heading
    return heading(level, text, anchor, search)


def test_toc_nests_headings_as_the_toc_extension_does():
    content = "\n".join([_h(1, "top", "T1: A &amp; B"), _h(2, "a", "A"), _h(3, "a-1", "A.1", search=False), _h(3, "a-2", "A.2"),
                         _h(2, "b", "<code>B</code>"), _h(3, "b-1", "B.1")])
    got = toc_tokens(content)
    assert [(t["id"], t["name"]) for t in got] == [("top", "T1: A &amp; B")]
    assert [(c["id"], [g["id"] for g in c["children"]]) for c in got[0]["children"]] == [("a", ["a-1", "a-2"]), ("b", ["b-1"])]
    assert got[0]["children"][1]["name"] == "B", "tags stripped, as the toc extension strips them"


def test_anchors_are_every_id_in_the_content():
    assert anchors('<h2 id="x">X</h2><p id="y">y</p><a href="#z">z</a><div data-id="no"></div>') == {"x", "y"}


ID_PAGES = kb_ids(lambda kb: [pytest.param(kind, i, id=i) for kind, table in
                              (("threat", kb.threats), ("blindspot", kb.blindspots), ("mitigation", kb.mitigations), ("layer", kb.layers))
                              for i in table], arity=2)


@functools.cache
def generated() -> dict:
    return pages.all_pages(KB.load())


@pytest.mark.parametrize("kind,ident", ID_PAGES)
def test_every_heading_of_an_id_page_is_in_its_toc(kind, ident):
    page = generated()[src_of(kind, ident)]

    def flat(tokens):
        for t in tokens:
            yield t["id"]
            yield from flat(t["children"])
    heads = [i for i in flat(toc_tokens(page.html))]
    assert heads[0] == "top" and len(heads) == page.html.count('<a class="headerlink"'), heads
    assert set(heads) <= anchors(page.html)
    assert page.targets, "the page records the docs targets of its links"


@pytest.mark.build
@pytest.mark.parametrize("broken,message", [
    ("reference/changelog.md#no-such-ruling", "does not contain an anchor '#no-such-ruling'"),
    ("reference/no-such-page.md", "contains a link 'reference/no-such-page.md', but the target is not found")])
def test_a_broken_link_on_a_generated_page_stops_the_strict_build(project_copy, broken, message):
    """The ruling link on T16's "not OWASP T16" notice, pointed at a missing anchor or page in a copy of the project."""
    src = project_copy / "macros" / "pages.py"
    text = src.read_text(encoding="utf-8")
    assert "'reference/changelog.md#r05'" in text
    src.write_text(text.replace("'reference/changelog.md#r05'", repr(broken)), encoding="utf-8")
    res = mkdocs("build", "--strict", "-d", str(project_copy / "site"), cwd=project_copy, check=False)
    assert res.returncode != 0
    assert "Doc file 'threats/T16.md' contains a link" in res.stderr and message in res.stderr, res.stderr[-2000:]


def test_search_reads_only_the_sections_it_indexes():
    content = "\n".join([_h(1, "top", "T1: X"), '<p class="b" data-search-exclude>badge</p>', _h(2, "a", "A"), "<p>kept a</p>",
                         _h(2, "rel", "Related", search=False), "<table><tr><td>dropped</td></tr></table>",
                         _h(3, "rel-1", "More", search=False), "<p>dropped too</p>", _h(2, "b", "B"), "<p>kept b</p>"])
    out = searchable(content)
    assert "kept a" in out and "kept b" in out and "badge" in out, "only whole excluded sections go"
    assert "dropped" not in out and 'id="rel"' not in out and 'id="rel-1"' not in out
    assert out.index('id="a"') < out.index("kept a") < out.index('id="b"') < out.index("kept b")


@pytest.mark.parametrize("kind,ident", ID_PAGES)
def test_the_built_id_page_is_whole_although_search_read_part_of_it(site, kind, ident):
    """hooks.on_page_context shows the search plugin html_page.searchable(...) and gives the theme the whole page back."""
    from maestro.urls import url_of
    built = (site / url_of(kind, ident).strip("/") / "index.html").read_text(encoding="utf-8")
    excluded = re.findall(r'<h[2-6] data-search-exclude id="([^"]+)"', generated()[src_of(kind, ident)].html)
    for anchor in excluded:
        assert f'id="{anchor}"' in built, anchor
