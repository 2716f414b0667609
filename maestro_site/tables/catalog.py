"""The mitigation catalog (templates/fragments/catalog-*.html.j2), the mitigation types and the threats no control addresses."""
from __future__ import annotations

from markupsafe import Markup, escape

from maestro.kb import LAYER_ORDER, TYPE_ORDER
from maestro_site.filters import Facet, filter_form, row_attrs
from maestro_site.render import PATTERNS, TAXONOMY, esc, table
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro, unsearched


@macro
@unsearched
def mitigation_catalog(kb, L) -> str:
    """One section per layer with its controls as an HTML table (rows marked with their layer and type for the
    filter), after the filter's form, which stays hidden until docs/assets/filter.js shows it."""
    out = [catalog_filter(kb, len(kb.mitigations)), ""]
    for l in LAYER_ORDER:
        mids = [m for letter in TYPE_ORDER for m in kb.layer_mitigations(l)[letter]]
        out += [fragment("catalog-section.html.j2", group="catalog", layer=Markup(esc(l)), name=Markup(esc(kb.layers[l]["name"])),
                         anchor=l.lower(), table=catalog_table(kb, L, mids)), ""]
    return "\n".join(out)


def catalog_filter(kb, total: int) -> Markup:
    layers = Facet("layer", "Layer", "Any layer", [(l, f"{l} {kb.layers[l]['name']}") for l in LAYER_ORDER])
    types = Facet("type", "Type", "Any type", [(k, kb.types[k]["name"]) for k in TYPE_ORDER])
    return filter_form("catalog", "Filter the mitigation catalog", [layers, types], total, "mitigations")


def catalog_table(kb, L, mids: list[str]) -> Markup:
    rows = [{"attrs": row_attrs(layer=kb.mitigation_layer(m), type=kb.mitigation_type(m)), "link": Markup(L.id_link(m, in_html=True)),
             "name": kb.mitigations[m]["name"], "type": kb.types[kb.mitigation_type(m)]["name"], "targets": _targets(kb, L, kb.mitigations[m])}
            for m in mids]
    return fragment("catalog-table.html.j2", rows=rows)


def _targets(kb, L, mm: dict) -> Markup:
    """What a control is aimed at: links to its threats, its scope, links to its patterns and its considerations."""
    parts = [Markup(", ").join(Markup(L.id_link(t, in_html=True)) for t in mm["addresses"])] if mm["addresses"] else []
    if mm.get("scope"):
        parts.append("all threats" if mm["scope"] == "all" else "all cross-layer chains")
    if mm.get("patterns"):
        parts.append(Markup(", ").join(Markup(L.a(f"Pattern {n}", f"{PATTERNS}#pattern-{n}", kb.patterns[n]["name"])) for n in mm["patterns"]))
    if mm.get("considerations"):
        parts.append(Markup(", ").join(Markup(L.a(escape(kb.considerations[k]["name"]), f"{TAXONOMY}#{k}")) for k in mm["considerations"]))
    return Markup("; ").join(parts) or Markup("-")


@macro
def mitigation_types(kb) -> str:
    rows = [[f"{esc(t['name'])} ({esc(t['letter'])})", esc(t["timing"]), esc(t["purpose"]), esc(t["when_to_use"])]
            for t in kb.types.values()]
    return table(["Type", "When", "What it does", "When to use"], rows)


@macro
@unsearched
def coverage_gaps(kb, L) -> str:
    gaps = [t for t in kb.active_threats() if not kb.threat_mitigations.get(t["id"])]
    rows = [[L.id(t["id"]), esc(t["name"]), L.ids(t.get("partial_mitigations", [])) if t.get("partial_mitigations") else "none"] for t in gaps]
    return table(["Threat", "Name", "Controls that help partly"], rows)
