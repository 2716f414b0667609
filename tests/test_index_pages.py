"""The index pages /threats/, /blindspots/ and /mitigations/ (issue 24): every ID with what it covers (layers; layer
and type for a control), a one-line summary (the first sentence of its description) and its status only where it is
not active, filterable by layer (and type) like the matrix."""
from __future__ import annotations

import re
from html import unescape

import pytest

from maestro import views

pytestmark = pytest.mark.build

KINDS = {"threats": "threats", "blindspots": "blindspots", "mitigations": "mitigations"}


def rows_of(site, key: str) -> dict[str, list[str]]:
    """ID -> the text of its row's cells, from the built index page."""
    html = (site / key / "index.html").read_text(encoding="utf-8")
    table = re.search(r'<table data-filter-group="%s" data-index-table>(.*?)</table>' % key, html, re.S).group(1)
    out = {}
    for row in re.findall(r"<tr data-filter-row[^>]*>(.*?)</tr>", table, re.S):
        cells = [" ".join(unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        out[cells[0]] = cells
    return out


def first_sentence(text: str) -> str:
    return views.sentences(text)[0]


@pytest.mark.kb_params("key,ident", lambda kb: [(k, i) for k in KINDS for i in getattr(kb, KINDS[k])])
def test_every_id_has_a_row_with_what_it_covers_and_a_summary(kb, site, key, ident):
    row = rows_of(site, key)[ident]
    entry = getattr(kb, KINDS[key])[ident]
    status = kb.status_of(ident)
    name = kb.name_of(ident) or "Reserved"
    assert row[1] == (name if status == "active" else f"{name} ({status})"), "the status shows only where it is not active"
    assert row[-1] == " ".join(first_sentence(entry.get("description") or entry.get("note")).split())
    if key == "mitigations":
        assert row[2] == kb.mitigation_layer(ident) and row[3] == kb.types[kb.mitigation_type(ident)]["name"]
    elif key == "blindspots":
        assert row[2] == ", ".join(entry["layers"])
    else:
        for layer in views.layers_of(kb, ident):
            assert layer["id"] in row[2]
        primary = [l["id"] for l in views.layers_of(kb, ident) if l["strength"] == "primary"]
        assert not primary or row[2].startswith(", ".join(primary) + " primary"), row[2]


@pytest.mark.parametrize("key", sorted(KINDS))
def test_index_lists_every_id_once_in_order(kb, site, key):
    ids = list(rows_of(site, key))
    want = sorted(kb.mitigations, key=kb.mitigation_sort_key) if key == "mitigations" else list(getattr(kb, KINDS[key]))
    assert ids == want


@pytest.mark.browser
def test_threat_index_filters_by_layer(kb, browser, server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        pg = ctx.new_page()
        pg.goto(server + "/threats/", wait_until="networkidle")
        form = pg.locator('form[data-filter-for="threats"]')
        form.get_by_label("Layer").select_option("L7")
        shown = pg.evaluate("""() => [...document.querySelectorAll('[data-filter-group="threats"] [data-filter-row]')]
            .filter(r => r.getClientRects().length > 0).map(r => r.querySelector('a').textContent.trim())""")
        assert shown == [t for t in kb.threats if "L7" in kb.threat_layers.get(t, {})]
        assert form.locator("[data-filter-count]").inner_text() == f"{len(shown)} of {len(kb.threats)} threats shown"
    finally:
        ctx.close()
