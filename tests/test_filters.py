"""The table filters' markup (docs/assets/filter.js reads only what the macros write): every row carries its data,
the form names its tables, every control has a label, and the whole table is there without JavaScript."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from maestro_site.filters import Facet, filter_form, row_attrs
from maestro_site.render import Linker
from maestro_site.tables import catalog, matrix
from maestro.kb import LAYER_ORDER, TYPE_ORDER


class Markup(HTMLParser):
    """Forms, selects with their labels and options, and filterable rows with their attributes."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.forms, self.labels, self.selects, self.rows, self.groups, self.sections = [], {}, [], [], [], 0
        self._label = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(a)
        if tag == "label":
            self._label = a.get("for")
        if tag == "select":
            self.selects.append(dict(a, options=[]))
        if tag == "option":
            self.selects[-1]["options"].append(a["value"])
        if "data-filter-row" in a:
            self.rows.append(a)
        if "data-filter-group" in a:
            self.groups.append(a["data-filter-group"])
        if "data-filter-section" in a:
            self.sections += 1

    def handle_data(self, data):
        if self._label and data.strip():
            self.labels[self._label] = data.strip()
            self._label = None


def _linker(kb, here):
    return Linker(kb, here)


def _form_ok(m: Markup, group: str, keys: set[str]):
    assert len(m.forms) == 1 and m.forms[0]["data-filter-for"] == group
    assert "hidden" in m.forms[0], "no control is shown to a reader without JavaScript"
    assert m.forms[0].get("aria-label")
    assert {s["data-filter-key"] for s in m.selects} == keys
    for s in m.selects:
        assert m.labels.get(s["id"]), f"select {s['id']} has a label"
        assert s["options"][0] == "", "the first option keeps every row"
    assert group in m.groups


@pytest.mark.parametrize("kind", ["core", "extended"])
def test_matrix_rows_carry_their_marks(kb, kind):
    m = Markup(matrix.mapping_matrix(kb, _linker(kb, "playbook/03-mapping-matrix.md"), kind))
    _form_ok(m, f"matrix-{kind}", {"cells"})
    assert [s["data-filter-part"] for s in m.selects] == ["0", "1"]
    assert m.selects[0]["options"][1:] == LAYER_ORDER and m.selects[1]["options"][1:] == ["primary", "secondary"]
    threats = [t["id"] for t in kb.active_threats() if t["kind"] == kind]
    assert len(m.rows) == len(threats), "the static table is complete"
    for tid, row in zip(threats, m.rows):
        assert row["data-cells"].split() == [f"{l}:{kb.threat_layers[tid][l]}" for l in LAYER_ORDER if l in kb.threat_layers[tid]]
        assert "hidden" not in row


def test_catalog_rows_carry_layer_and_type(kb):
    text = catalog.mitigation_catalog(kb, _linker(kb, "playbook/09-mitigation-catalog.md"))
    m = Markup(text)
    _form_ok(m, "catalog", {"layer", "type"})
    assert m.selects[0]["options"][1:] == LAYER_ORDER and m.selects[1]["options"][1:] == TYPE_ORDER
    assert m.sections == len(LAYER_ORDER) and set(m.groups) == {"catalog"}
    assert len(m.rows) == len(kb.mitigations)
    got = {}
    for row, mid in zip(m.rows, re.findall(r'<tr data-filter-row[^>]*><td><a href="[^"]*"[^>]*>([^<]+)</a>', text)):
        got[mid] = (row["data-layer"], row["data-type"])
    assert got == {mid: (kb.mitigation_layer(mid), kb.mitigation_type(mid)) for mid in kb.mitigations}
    for l in LAYER_ORDER:
        assert f"{{ #catalog-{l.lower()} }}" in text


@pytest.mark.kb_params("mid", lambda kb: list(kb.mitigations))
def test_catalog_row_links_what_the_control_addresses(kb, mid):
    L = _linker(kb, "playbook/09-mitigation-catalog.md")
    cell = catalog._targets(kb, L, kb.mitigations[mid])
    for t in kb.mitigations[mid]["addresses"]:
        assert f'href="../../threats/{t}/"' in cell
    for n in kb.mitigations[mid].get("patterns", []):
        assert f"#pattern-{n}" in cell


def test_form_and_rows_escape_their_values():
    form = filter_form("g", 'a "b" <c>', [Facet("x", "X <1>", "Any", [('v"1', "<b>")])], 3, "rows & more")
    assert "<b>" not in form.replace("<button", "") and "&lt;b&gt;" in form and 'value="v&quot;1"' in form
    assert "3 of 3 rows &amp; more shown" in form
    assert row_attrs(layer="L3", cells=["L3:primary", 'x"y']) == 'data-filter-row data-layer="L3" data-cells="L3:primary x&quot;y"'
