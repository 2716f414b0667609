"""Browsing in a real Chromium: the table filters of the matrix and the catalog, with and without JavaScript, and
the sibling sidebar and previous / next links of an ID page (issue 11)."""
from __future__ import annotations

import pytest

from maestro.kb import LAYER_ORDER

pytestmark = [pytest.mark.browser, pytest.mark.build]

MATRIX = "/playbook/03-mapping-matrix/"
CATALOG = "/playbook/09-mitigation-catalog/"


def _open(browser, server, url, js=True, width=1280):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=js)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server + url, wait_until="networkidle")
    pg.errors = errors
    return ctx, pg


@pytest.fixture
def page(browser, server):
    ctxs = []

    def open_(url, js=True, width=1280):
        ctx, pg = _open(browser, server, url, js, width)
        ctxs.append(ctx)
        return pg
    yield open_
    for c in ctxs:
        c.close()


def visible_rows(pg, table: str) -> list[str]:
    """IDs of the rows of a table a reader can see."""
    return pg.evaluate("""sel => [...document.querySelectorAll(sel + ' [data-filter-row]')]
        .filter(r => r.getClientRects().length > 0).map(r => r.querySelector('a').textContent.trim())""", table)


def threats_at(kb, kind: str, layer: str | None = None, mark: str | None = None) -> list[str]:
    return [t["id"] for t in kb.active_threats() if t["kind"] == kind
            and any((layer in (None, l)) and (mark in (None, s)) for l, s in kb.threat_layers[t["id"]].items())]


def test_matrix_filter_hides_rows_and_announces_the_count(kb, page):
    pg = page(MATRIX)
    form = pg.locator('form[data-filter-for="matrix-core"]')
    table = 'table.maestro-matrix[data-kind="core"]'
    count = form.locator("[data-filter-count]")
    assert form.is_visible()
    assert count.get_attribute("aria-live") == "polite" and count.get_attribute("role") == "status"
    total = len(threats_at(kb, "core"))
    assert visible_rows(pg, table) == threats_at(kb, "core") and count.inner_text() == f"{total} of {total} core threats shown"

    form.get_by_label("Layer").select_option("L4")
    want = threats_at(kb, "core", "L4")
    assert 0 < len(want) < total
    assert visible_rows(pg, table) == want
    assert count.inner_text() == f"{len(want)} of {total} core threats shown"

    form.get_by_label("Mark").select_option("primary")
    want = threats_at(kb, "core", "L4", "primary")
    assert visible_rows(pg, table) == want and count.inner_text() == f"{len(want)} of {total} core threats shown"
    # the other matrix is filtered on its own
    assert len(visible_rows(pg, 'table.maestro-matrix[data-kind="extended"]')) == len(threats_at(kb, "extended"))

    form.get_by_role("button", name="Show all").click()
    pg.wait_for_function("([el, want]) => el.textContent.trim() === want",          # the reset re-filters after the form clears
                         arg=[count.element_handle(), f"{total} of {total} core threats shown"])
    assert visible_rows(pg, table) == threats_at(kb, "core")
    assert not pg.errors, pg.errors


def test_matrix_filter_is_keyboard_operable(kb, page):
    pg = page(MATRIX)
    form = pg.locator('form[data-filter-for="matrix-extended"]')
    layer = form.get_by_label("Layer")
    layer.focus()
    for _ in LAYER_ORDER[:3]:  # step to L3 with the arrow key, as a keyboard user does
        pg.keyboard.press("ArrowDown")
    assert layer.input_value() == "L3"
    want = threats_at(kb, "extended", "L3")
    assert visible_rows(pg, 'table.maestro-matrix[data-kind="extended"]') == want
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.name") == "mark"
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.type") == "reset"
    pg.keyboard.press("Enter")
    pg.wait_for_function("""() => document.querySelector('form[data-filter-for="matrix-extended"] [data-filter-count]')
        .textContent.startsWith(document.querySelectorAll('table[data-kind="extended"] [data-filter-row]').length + ' of')""")
    assert len(visible_rows(pg, 'table.maestro-matrix[data-kind="extended"]')) == len(threats_at(kb, "extended"))


def test_catalog_filter_by_layer_and_type(kb, page):
    pg = page(CATALOG)
    form = pg.locator('form[data-filter-for="catalog"]')
    count = form.locator("[data-filter-count]")
    total = len(kb.mitigations)
    form.get_by_label("Type").select_option("D")
    detective = [m for m in kb.mitigations if kb.mitigation_type(m) == "D"]
    assert sorted(visible_rows(pg, '[data-filter-group="catalog"]')) == sorted(detective)
    assert count.inner_text() == f"{len(detective)} of {total} mitigations shown"
    form.get_by_label("Layer").select_option("L3")
    want = [m for m in detective if kb.mitigation_layer(m) == "L3"]
    assert sorted(visible_rows(pg, '[data-filter-group="catalog"]')) == sorted(want)
    # the sections of the other layers are hidden with their headings; L3's stays
    assert pg.locator("#catalog-l3").is_visible() and not pg.locator("#catalog-l1").is_visible()
    assert not pg.errors, pg.errors


@pytest.mark.parametrize("url,group,rows", [(MATRIX, "matrix-core", lambda kb: threats_at(kb, "core")),
                                            (MATRIX, "matrix-extended", lambda kb: threats_at(kb, "extended")),
                                            (CATALOG, "catalog", lambda kb: list(kb.mitigations))])
def test_without_javascript_the_table_is_complete_and_no_control_shows(kb, page, url, group, rows):
    pg = page(url, js=False)
    assert not pg.locator(f'form[data-filter-for="{group}"]').is_visible()
    assert sorted(visible_rows(pg, f'[data-filter-group="{group}"]')) == sorted(rows(kb))


def test_id_page_sidebar_highlights_itself_and_next_opens_the_sibling(kb, page):
    from maestro import views
    pg = page("/threats/T12/")
    current = pg.locator(".md-sidebar--primary a[aria-current=page]")
    assert current.is_visible() and current.get_attribute("data-maestro-id") == "T12"
    nav = views.nav_view(kb, "threat", "T12")
    names = pg.locator(".md-sidebar--primary a[data-maestro-id]")
    assert names.count() == len(nav["siblings"])
    assert pg.locator("nav.maestro-path").inner_text().split() == "Knowledge base Threats Core T12".split()
    pg.locator("a[data-maestro-step=next]").click()
    pg.wait_for_url(f"**/threats/{nav['next']}/")
    pg.wait_for_function(f"document.querySelector('a[aria-current=page][data-maestro-id]')?.dataset.maestroId === '{nav['next']}'")
    pg.locator("a[data-maestro-step=prev]").click()
    pg.wait_for_url("**/threats/T12/")
    assert not pg.errors, pg.errors


def test_id_page_sidebar_opens_in_the_drawer_on_a_phone(page):
    pg = page("/mitigations/L3-D2/", width=390)
    pg.locator("label.md-header__button[for=__drawer]").click()
    current = pg.locator(".md-sidebar--primary a[aria-current=page]")
    current.wait_for(state="visible")
    assert current.get_attribute("data-maestro-id") == "L3-D2"
