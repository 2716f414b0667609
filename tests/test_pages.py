"""Generated pages: one per ID at its contract URL, with title, H1 and cross-links both ways."""
from __future__ import annotations

import html
import posixpath
from html.parser import HTMLParser

import pytest

from maestro.kb import LAYER_ORDER
from maestro.urls import url_of

pytestmark = pytest.mark.build


def all_ids(kb) -> list:
    """Every ID, as (kind, ident) cases named by the ID."""
    return [pytest.param(info["type"], ident, id=ident) for ident, info in kb.all_ids().items()]


def resolve(base_url: str, href: str) -> str:
    """Root-relative URL (without fragment) of a relative href found on base_url."""
    path = href.split("#")[0]
    if not path:
        return base_url
    return posixpath.normpath(posixpath.join(base_url, path)) + "/"


def targets(site_page, url) -> set[str]:
    p = site_page(url)
    return {resolve(url, h) for h in p.hrefs() if not h.startswith(("http:", "https:", "mailto:"))}


@pytest.mark.kb_params("kind,ident", all_ids)
def test_page_title_and_h1(kb, site_page, kind, ident):
    p = site_page(url_of(kind, ident))
    name = kb.all_ids()[ident]["name"]
    shown = "Reserved" if kb.all_ids()[ident]["status"] == "reserved" else name
    assert p.h1.startswith(f"{ident}: {shown}"), p.h1
    assert p.title.startswith(f"{ident}: {shown}"), p.title
    assert f"MAESTRO {ident} (v{kb.version})" in p.text, "citation with version"


def active_threats(kb) -> list[str]:
    return [t["id"] for t in kb.active_threats()]


@pytest.mark.kb_params("tid", active_threats)
def test_threat_page_links(kb, site_page, tid):
    url = url_of("threat", tid)
    got = targets(site_page, url)
    for layer in kb.threat_layers[tid]:
        assert url_of("layer", layer) in got
    for mid in kb.threat_mitigations[tid]:
        assert url_of("mitigation", mid) in got, mid
    hrefs = site_page(url).hrefs()
    for item in kb.ref_items.get(tid, []):
        assert f"../../playbook/08-checklists/#{item}" in hrefs, item
    p = site_page(url)
    t = kb.threats[tid]
    for a in t["atlas"]:
        assert f"https://atlas.mitre.org/techniques/{a}" in p.hrefs()
    for c in t["cwe"]:
        assert f"https://cwe.mitre.org/data/definitions/{c.split('-')[1]}.html" in p.hrefs()
    for x in t["llm_top10"] + t["asi_top10"]:
        assert x in p.text
    assert ", ".join(t["stride"]) in p.text
    if not kb.threat_mitigations[tid]:
        assert "Coverage gap" in p.text
    else:
        assert "Coverage gap" not in p.text
    for n in kb.threat_patterns.get(tid, []):
        assert f"Pattern {n}:" in p.text


@pytest.mark.kb_params("mid", lambda kb: kb.mitigations)
def test_mitigation_page_links_back(kb, site_page, mid):
    url = url_of("mitigation", mid)
    got = targets(site_page, url)
    assert url_of("layer", kb.mitigation_layer(mid)) in got
    for tid in kb.mitigations[mid]["addresses"]:
        assert url_of("threat", tid) in got
        # and the threat page links back to the mitigation
        assert url in targets(site_page, url_of("threat", tid))
    for s in kb.siblings(mid):
        assert url_of("mitigation", s) in got
    assert kb.types[kb.mitigation_type(mid)]["name"] in site_page(url).text


def stated_threats(kb) -> list[str]:
    """The threats some control's ``why`` gives a reason for."""
    return sorted({t for m in kb.mitigations.values() for t in m.get("why", {})}, key=lambda t: int(t[1:]))


def _squeezed(text: str) -> str:
    return "".join(text.split())  # an ID inside a reason is a link, so the page text has spaces around it


@pytest.mark.kb_params("tid", stated_threats)
def test_threat_page_shows_the_reason_the_catalog_states(kb, site_page, tid):
    """Where a control's why gives a reason for this threat, the threat page shows that reason in its row."""
    text = _squeezed(site_page(url_of("threat", tid)).text)
    for mid, m in kb.mitigations.items():
        if tid in m.get("why", {}):
            assert _squeezed(f"{mid} {m['name']}") in text
            assert _squeezed(m["why"][tid]) in text, f"{mid}: the reason it states for {tid} is not on the page"


@pytest.mark.kb_params("bid", lambda kb: [b for b in kb.blindspots if kb.listed(b)])
def test_blindspot_page_shows_why_each_control_applies(kb, site_page, bid):
    text = _squeezed(site_page(url_of("blindspot", bid)).text)
    for mid in kb.blindspots[bid]["suggested_mitigations"]:
        assert _squeezed(kb.blindspots[bid]["why"][mid]) in text, mid


@pytest.mark.kb_params("bid", lambda kb: kb.blindspots)
def test_blindspot_page_links(kb, site_page, bid):
    url = url_of("blindspot", bid)
    got = targets(site_page, url)
    b = kb.blindspots[bid]
    for x in b["layers"]:
        assert url_of("layer", x) in got
    for t in b["related_threats"]:
        assert url_of("threat", t) in got
    for m in b["suggested_mitigations"]:
        assert url_of("mitigation", m) in got
    p = site_page(url)
    assert any(i in p.text for i in kb.ref_items[bid])
    assert url in targets(site_page, url_of("layer", b["layers"][0]))


@pytest.mark.parametrize("lid", LAYER_ORDER)
def test_layer_page_links(kb, site_page, lid):
    url = url_of("layer", lid)
    got = targets(site_page, url)
    lt = kb.layer_threats(lid)
    for t in lt["primary"] + lt["secondary"]:
        assert url_of("threat", t) in got
        assert url in targets(site_page, url_of("threat", t)), f"{t} links back to {lid}"
    for group in kb.layer_mitigations(lid).values():
        for m in group:
            assert url_of("mitigation", m) in got
    p = site_page(url)
    for item in kb.sections[lid]["items"]:
        assert item["id"] in p.text


@pytest.mark.kb_params("tid", lambda kb: [t["id"] for t in kb.reserved_threats()])
def test_reserved_page(site_page, tid):
    p = site_page(url_of("threat", tid))
    assert "This ID is reserved" in p.text


def test_data_is_escaped(site, site_page):
    """Names with '&' come out as text, never as raw markup."""
    raw = (site / "threats" / "T6" / "index.html").read_text()
    assert "Intent Breaking &amp; Goal Manipulation" in raw
    assert "\\(" not in html.unescape(site_page("/threats/T6/").text)


@pytest.mark.parametrize("url,data_file", [("/threats/T12/", "threats"), ("/blindspots/BV-7/", "blindspots"),
                                           ("/mitigations/L3-D2/", "mitigations"), ("/layers/cross-layer/", "layers")])
def test_edit_link_of_generated_page_opens_its_data_file(site_page, url, data_file):
    hrefs = site_page(url).hrefs()
    assert f"https://github.com/maestro-playbook/maestro-playbook/edit/main/data/{data_file}.yaml" in hrefs


# ===================================================================== browsing: sidebar, breadcrumb, previous / next
class Browse(HTMLParser):
    """The browsing parts of an ID page: sidebar links (data-maestro-id), pager links (data-maestro-step), breadcrumb."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.sidebar: list[dict] = []
        self.steps: dict[str, dict] = {}
        self.crumbs: list[dict] = []
        self._crumb = None
        self._in_path = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "data-maestro-id" in a:
            self.sidebar.append(a)
        if tag == "a" and "data-maestro-step" in a:
            self.steps[a["data-maestro-step"]] = a
        if tag == "nav" and "maestro-path" in (a.get("class") or ""):
            self._in_path = True
        if self._in_path and tag in ("a", "span") and "md-path__link" in (a.get("class") or ""):
            self._crumb = dict(a, text="")

    def handle_endtag(self, tag):
        if tag in ("a", "span") and self._crumb is not None:
            self.crumbs.append(self._crumb)
            self._crumb = None
        if tag == "nav" and self._in_path:
            self._in_path = False

    def handle_data(self, data):
        if self._crumb is not None:
            self._crumb["text"] += data.strip()


def browse(site, url) -> Browse:
    path = site / url.strip("/") / "index.html"
    return Browse(path.read_text(encoding="utf-8"))


def browsed_ids(kb) -> list:
    """Every ID that is not revoked (a revoked ID's page has no sidebar), as (kind, ident) cases named by the ID."""
    return [pytest.param(info["type"], ident, id=ident) for ident, info in kb.all_ids().items() if info["status"] != "revoked"]


@pytest.mark.kb_params("kind,ident", browsed_ids)
def test_id_page_sidebar_lists_its_siblings_with_itself_current(kb, site, kind, ident):
    from maestro import views
    url = url_of(kind, ident)
    b = browse(site, url)
    nav = views.nav_view(kb, kind, ident)
    assert [a["data-maestro-id"] for a in b.sidebar] == [s["id"] for s in nav["siblings"]]
    current = [a for a in b.sidebar if a.get("aria-current") == "page"]
    assert [a["data-maestro-id"] for a in current] == [ident]
    assert "md-nav__link--active" in current[0]["class"]
    for a in b.sidebar:
        if a is not current[0]:
            assert resolve(url, a["href"]) == url_of(kind, a["data-maestro-id"]), a
            assert "aria-current" not in a


@pytest.mark.kb_params("kind,ident", browsed_ids)
def test_id_page_previous_and_next_open_the_neighbours(kb, site, kind, ident):
    from maestro import views
    url = url_of(kind, ident)
    nav = views.nav_view(kb, kind, ident)
    b = browse(site, url)
    for step in ("prev", "next"):
        if nav[step] is None:
            assert step not in b.steps, f"{ident} has no {step}"
            continue
        link = b.steps[step]
        target = resolve(url, link["href"])
        assert target == url_of(kind, nav[step]) and link["rel"] == step
        other = browse(site, target)  # the neighbour's page exists and points back
        back = other.steps["next" if step == "prev" else "prev"]
        assert resolve(target, back["href"]) == url


@pytest.mark.kb_params("kind,ident", browsed_ids)
def test_id_page_breadcrumb(kb, site, kind, ident):
    from maestro import views
    url = url_of(kind, ident)
    crumbs = browse(site, url).crumbs
    want = views.nav_view(kb, kind, ident)["breadcrumb"]
    assert [c["text"] for c in crumbs] == [w["label"] for w in want]
    assert crumbs[-1].get("aria-current") == "page" and "href" not in crumbs[-1]
    assert resolve(url, crumbs[1]["href"]) == "/" + url.strip("/").split("/")[0] + "/", "the ID type's index"


@pytest.mark.parametrize("url", ["/", "/playbook/03-mapping-matrix/", "/threats/", "/reference/glossary/"])
def test_pages_in_the_navigation_keep_materials_sidebar(site, url):
    b = browse(site, url)
    assert not b.sidebar and not b.steps and not b.crumbs
    text = (site / url.strip("/") / "index.html").read_text(encoding="utf-8")
    assert "md-nav--primary" in text and "maestro-browse" not in text


_PARSED: dict = {}


def _parsed(site_page, url):
    if url not in _PARSED:
        _PARSED[url] = site_page(url)
    return _PARSED[url]


@pytest.mark.kb_params("kind,ident", all_ids)
def test_every_link_on_an_id_page_opens_a_built_page_and_anchor(site, site_page, kind, ident):
    """ID pages skip Markdown (maestro_site/html_page.py); this reads their links back from the built site: each opens a page
    that was built, at an element that exists."""
    url = url_of(kind, ident)
    me = _parsed(site_page, url)
    for href in me.hrefs():
        if href.startswith(("http:", "https:", "mailto:")):
            continue
        target = resolve(url, href)
        assert (site / target.strip("/") / "index.html").is_file(), f"{href} opens nothing"
        fragment = href.partition("#")[2]
        if fragment:
            assert fragment in _parsed(site_page, target).ids, f"{href}: no element with id {fragment!r}"
