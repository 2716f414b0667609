"""Generated pages: one per ID at its contract URL, with title, H1 and cross-links both ways."""
from __future__ import annotations

import html
import posixpath

import pytest

from conftest import KB, kb_ids, page
from maestro.kb import LAYER_ORDER
from maestro.urls import url_of

pytestmark = pytest.mark.build

ALL = kb_ids(lambda kb: [pytest.param(info["type"], ident, id=ident) for ident, info in kb.all_ids().items()], arity=2)


def resolve(base_url: str, href: str) -> str:
    """Root-relative URL (without fragment) of a relative href found on base_url."""
    path = href.split("#")[0]
    if not path:
        return base_url
    return posixpath.normpath(posixpath.join(base_url, path)) + "/"


def targets(site, url) -> set[str]:
    p = page(site, url)
    return {resolve(url, h) for h in p.hrefs() if not h.startswith(("http:", "https:", "mailto:"))}


@pytest.mark.parametrize("kind,ident", ALL)
def test_page_title_and_h1(site, kind, ident):
    p = page(site, url_of(kind, ident))
    name = KB.all_ids()[ident]["name"]
    shown = "Reserved" if KB.all_ids()[ident]["status"] == "reserved" else name
    assert p.h1.startswith(f"{ident}: {shown}"), p.h1
    assert p.title.startswith(f"{ident}: {shown}"), p.title
    assert f"MAESTRO {ident} (v{KB.version})" in p.text, "citation with version"


THREATS = kb_ids(lambda kb: [t["id"] for t in kb.active_threats()])


@pytest.mark.parametrize("tid", THREATS)
def test_threat_page_links(site, tid):
    url = url_of("threat", tid)
    got = targets(site, url)
    for layer in KB.threat_layers[tid]:
        assert url_of("layer", layer) in got
    for mid in KB.threat_mitigations[tid]:
        assert url_of("mitigation", mid) in got, mid
    hrefs = page(site, url).hrefs()
    for item in KB.ref_items.get(tid, []):
        assert f"../../playbook/08-checklists/#{item}" in hrefs, item
    p = page(site, url)
    t = KB.threats[tid]
    for a in t["atlas"]:
        assert f"https://atlas.mitre.org/techniques/{a}" in p.hrefs()
    for c in t["cwe"]:
        assert f"https://cwe.mitre.org/data/definitions/{c.split('-')[1]}.html" in p.hrefs()
    for x in t["llm_top10"] + t["asi_top10"]:
        assert x in p.text
    assert ", ".join(t["stride"]) in p.text
    if not KB.threat_mitigations[tid]:
        assert "Coverage gap" in p.text
    else:
        assert "Coverage gap" not in p.text
    for n in KB.threat_patterns.get(tid, []):
        assert f"Pattern {n}:" in p.text


@pytest.mark.parametrize("mid", kb_ids(lambda kb: kb.mitigations))
def test_mitigation_page_links_back(site, mid):
    url = url_of("mitigation", mid)
    got = targets(site, url)
    assert url_of("layer", KB.mitigation_layer(mid)) in got
    for tid in KB.mitigations[mid]["addresses"]:
        assert url_of("threat", tid) in got
        # and the threat page links back to the mitigation
        assert url in targets(site, url_of("threat", tid))
    for s in KB.siblings(mid):
        assert url_of("mitigation", s) in got
    assert KB.types[KB.mitigation_type(mid)]["name"] in page(site, url).text


@pytest.mark.parametrize("bid", kb_ids(lambda kb: kb.blindspots))
def test_blindspot_page_links(site, bid):
    url = url_of("blindspot", bid)
    got = targets(site, url)
    b = KB.blindspots[bid]
    for x in b["layers"]:
        assert url_of("layer", x) in got
    for t in b["related_threats"]:
        assert url_of("threat", t) in got
    for m in b["suggested_mitigations"]:
        assert url_of("mitigation", m) in got
    p = page(site, url)
    assert any(i in p.text for i in KB.ref_items[bid])
    assert url in targets(site, url_of("layer", b["layers"][0]))


@pytest.mark.parametrize("lid", LAYER_ORDER)
def test_layer_page_links(site, lid):
    url = url_of("layer", lid)
    got = targets(site, url)
    lt = KB.layer_threats(lid)
    for t in lt["primary"] + lt["secondary"]:
        assert url_of("threat", t) in got
        assert url in targets(site, url_of("threat", t)), f"{t} links back to {lid}"
    for group in KB.layer_mitigations(lid).values():
        for m in group:
            assert url_of("mitigation", m) in got
    p = page(site, url)
    for item in KB.sections[lid]["items"]:
        assert item["id"] in p.text


@pytest.mark.parametrize("tid", kb_ids(lambda kb: [t["id"] for t in kb.reserved_threats()]))
def test_reserved_page(site, tid):
    p = page(site, url_of("threat", tid))
    assert "This ID is reserved" in p.text


def test_data_is_escaped(site):
    """Names with '&' come out as text, never as raw markup."""
    raw = (site / "threats" / "T6" / "index.html").read_text()
    assert "Intent Breaking &amp; Goal Manipulation" in raw
    assert "\\(" not in html.unescape(page(site, "/threats/T6/").text)


@pytest.mark.parametrize("url,data_file", [("/threats/T12/", "threats"), ("/blindspots/BV-7/", "blindspots"),
                                           ("/mitigations/L3-D2/", "mitigations"), ("/layers/cross-layer/", "layers")])
def test_edit_link_of_generated_page_opens_its_data_file(site, url, data_file):
    hrefs = page(site, url).hrefs()
    assert f"https://github.com/maestro-playbook/maestro-playbook/edit/main/data/{data_file}.yaml" in hrefs
