"""IDs in any case and a 404 page that helps (issue 24). A static host serves /404.html for any unknown path
(``server_404`` does, like GitHub Pages); the canonical short forms (/T6/) exist as folders, lowercase copies cannot
(a case-insensitive file system would hold only one of T6/ and t6/). So on the 404 page docs/assets/js/not-found.js
sends an ID in another case (/t6/, /bv-7/, /threats/l3-d2/) to its page, and the page's box takes an ID (its page) or
a term (the site search, also without JavaScript). The built site keeps no two folders that differ only in case."""
from __future__ import annotations

from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

import pytest

from maestro import ids, urls

PALETTES = [("light", "default"), ("dark", "slate")]  # the OS preference the page follows, and Material's scheme


def page_of(ident: str) -> str:
    return urls.url_of(ids.kind_of(ident), ident)


# One of each kind (threat, blindspot, mitigation of a layer and cross-layer, layer, the cross-layer layer), lower case,
# mixed case, deeper paths and no trailing slash: (missing path, the ID it names).
ADDRESSES = [("/t6/", "T6"), ("/bv-7/", "BV-7"), ("/l3-d2/", "L3-D2"), ("/cl-p1/", "CL-P1"), ("/l3/", "L3"), ("/cl/", "CL"),
             ("/Bv-7/", "BV-7"), ("/l3-D2/", "L3-D2"), ("/Cl-p1/", "CL-P1"), ("/t6", "T6"),
             ("/threats/t6/", "T6"), ("/mitigations/l3-d2/", "L3-D2"), ("/no/such/folder/bv-7/", "BV-7")]


@pytest.fixture
def open_404(browser, server_404):
    """open_404(path, scheme="light", width=1280, js=True) -> (page, response): a page of its own on the 404-serving host."""
    ctxs = []

    def open_(path, scheme="light", width=1280, js=True):
        ctx = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900}, java_script_enabled=js)
        ctxs.append(ctx)
        pg = ctx.new_page()
        pg.requests_seen = []
        pg.on("request", lambda r: pg.requests_seen.append(r.url))
        pg.base = server_404
        resp = pg.goto(server_404 + path, wait_until="domcontentloaded")
        return pg, resp
    yield open_
    for c in ctxs:
        c.close()


def test_the_site_has_no_folders_that_differ_only_in_case(site):
    """The offline zip is unpacked on case-insensitive file systems: T6/ and t6/ could not both be there."""
    clashes = []
    for folder in [site, *(p for p in site.rglob("*") if p.is_dir())]:
        names = defaultdict(list)
        for child in folder.iterdir():
            names[child.name.casefold()].append(child.name)
        clashes += [f"{folder.relative_to(site)}: {', '.join(sorted(v))}" for v in names.values() if len(v) > 1]
    assert not clashes, clashes
    assert (site / "T6").is_dir() and not (site / "t6").exists()


@pytest.mark.parametrize("path,ident", ADDRESSES, ids=[p for p, _ in ADDRESSES])
@pytest.mark.browser
@pytest.mark.build
def test_an_id_in_another_case_reaches_its_page(open_404, assert_local, path, ident):
    pg, resp = open_404(path)
    assert resp.status == 404, f"{path} exists as a folder: the test would not reach the 404 page"
    pg.wait_for_url(pg.base + page_of(ident), timeout=10000)
    pg.wait_for_load_state("load")
    assert pg.locator("h1").first.inner_text().startswith(ident)
    pg.go_back()
    assert urlsplit(pg.url).path != path, "the wrong address stays in the history (location.replace expected)"
    assert_local(pg)


@pytest.mark.parametrize("path", ["/no-such-page/", "/threats/no-such-threat/deeper/", "/t6x/", "/maestro.html"])
@pytest.mark.browser
@pytest.mark.build
def test_an_unknown_path_shows_the_404_page_with_the_box(open_404, assert_local, path):
    pg, resp = open_404(path)
    assert resp.status == 404
    pg.wait_for_load_state("networkidle")
    assert urlsplit(pg.url).path == path, "an address that names no ID must stay where it is"
    assert pg.locator("h1").inner_text() == "Page not found"
    assert pg.title().startswith("Page not found")
    box = pg.get_by_role("searchbox", name="Go to an ID or search the playbook")
    assert box.is_visible() and box.get_attribute("name") == "q"
    assert pg.locator("form.maestro-not-found__form[data-bound]").count() == 1, "not-found.js did not start"
    assert pg.evaluate("getComputedStyle(document.querySelector('.md-header')).position") != "static", "Material's CSS is missing"
    assert_local(pg)


BOX_IDS = [("t6", "T6"), ("BV-7", "BV-7"), ("bv 7", "BV-7"), ("maestro l3-d2", "L3-D2"), ("MAESTRO cl-p1", "CL-P1"),
           ("l3", "L3"), ("cl", "CL"), ("  Cross-Layer ", "CL")]


@pytest.mark.parametrize("typed,ident", BOX_IDS, ids=[t.strip() for t, _ in BOX_IDS])
@pytest.mark.browser
@pytest.mark.build
def test_an_id_typed_in_the_box_opens_its_page(open_404, typed, ident):
    pg, _ = open_404("/no-such-page/")
    pg.get_by_role("searchbox", name="Go to an ID or search the playbook").fill(typed)
    pg.keyboard.press("Enter")
    pg.wait_for_url(pg.base + page_of(ident), timeout=10000)
    assert pg.locator("h1").first.inner_text().startswith(ident)


@pytest.mark.parametrize("term", ["prompt injection", "memory poisoning", "t6 agent"])
@pytest.mark.browser
@pytest.mark.build
def test_a_term_typed_in_the_box_opens_the_search_with_it(open_404, assert_local, term):
    pg, _ = open_404("/threats/nothing-here/")
    pg.get_by_role("searchbox", name="Go to an ID or search the playbook").fill(term)
    pg.get_by_role("button", name="Go").click()
    pg.wait_for_url(lambda u: urlsplit(u).path == "/" and parse_qs(urlsplit(u).query).get("q") == [term], timeout=10000)
    pg.wait_for_function("(q) => window.maestroSearch && window.maestroSearch.answered === q", arg=term, timeout=10000)
    pg.locator(".md-search-result__item").first.wait_for(timeout=10000)
    assert pg.locator(".md-search__input").input_value() == term
    assert pg.locator(".md-search-result__item").count() > 0
    assert_local(pg)


@pytest.mark.browser
@pytest.mark.build
def test_without_javascript_the_box_is_a_search_form(open_404):
    pg, resp = open_404("/no-such-page/", js=False)
    assert resp.status == 404
    pg.get_by_role("searchbox", name="Go to an ID or search the playbook").fill("approval fatigue")
    pg.get_by_role("button", name="Go").click()
    pg.wait_for_url(lambda u: urlsplit(u).path == "/" and parse_qs(urlsplit(u).query).get("q") == ["approval fatigue"])


@pytest.mark.browser
@pytest.mark.build
def test_other_pages_are_left_alone(open_404):
    """not-found.js acts on the 404 page only: an ordinary page (whose address ends in an ID) fetches no ids.json."""
    pg, resp = open_404("/layers/L3/")
    assert resp.status == 200
    pg.wait_for_load_state("networkidle")
    assert urlsplit(pg.url).path == "/layers/L3/"
    assert not [u for u in pg.requests_seen if urlsplit(u).path == "/ids.json"]
    assert pg.locator("[data-maestro-not-found]").count() == 0


@pytest.mark.parametrize("scheme,palette", PALETTES, ids=[p for _, p in PALETTES])
@pytest.mark.browser
@pytest.mark.build
def test_axe_finds_no_serious_violation_on_the_404_page(open_404, assert_local, axe_source, scheme, palette):
    pg, resp = open_404("/no-such-page/", scheme=scheme)
    assert resp.status == 404
    pg.wait_for_load_state("networkidle")
    assert pg.evaluate("document.body.getAttribute('data-md-color-scheme')") == palette
    pg.add_script_tag(content=axe_source)
    violations = pg.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({
            target: n.target.join(' '), why: (n.any.concat(n.all, n.none)[0] || {}).message || ''}))}))""")
    lines = [f"404 [{palette}] {v['rule']} ({v['impact']}: {v['help']}), {len(v['nodes'])} element(s): "
             + "; ".join(f"{n['target']} -- {n['why']}" for n in v["nodes"][:5]) for v in violations]
    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(lines)
    assert_local(pg)
