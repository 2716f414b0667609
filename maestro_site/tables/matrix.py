"""The layer-to-threat mapping matrix (data/mapping.yaml) and its legend (templates/fragments/mapping-matrix.html.j2,
matrix-legend.html.j2)."""
from __future__ import annotations

from markupsafe import Markup, escape

from maestro.kb import LAYER_ORDER
from maestro_site.filters import Facet, filter_form, row_attrs
from maestro_site.render import src_of
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro, unsearched


def _cell(kb, L, t: dict, l: str) -> dict:
    """One cell: the threat's mark at layer ``l`` (none, primary or secondary) and the link to its layer list."""
    s = kb.threat_layers[t["id"]].get(l)
    if not s:
        return {"mark": None}
    return {"mark": s, "href": L.href(src_of("threat", t["id"]) + "#layers"),
            "title": f"{t['id']} {t['name']}: {s} at {l} {kb.layers[l]['name']}"}


def _row(kb, L, t: dict) -> dict:
    cells = kb.threat_layers[t["id"]]
    return {"attrs": row_attrs(cells=[f"{l}:{cells[l]}" for l in LAYER_ORDER if l in cells]),
            "link": Markup(L.id_link(t["id"], in_html=True)), "name": t["name"], "cells": [_cell(kb, L, t, l) for l in LAYER_ORDER]}


@macro
@unsearched
def mapping_matrix(kb, L, kind: str = "core") -> str:
    """The layer-to-threat matrix as an HTML table; every mark links to the threat's layer list. Each threat is a row
    group (tbody) marked for the filter with its cells, ``data-cells="L3:primary L5:secondary"``; the filter's form
    comes first, hidden until docs/assets/filter.js shows it."""
    layers = [{"link": Markup(L.a(escape(l), src_of("layer", l), kb.layers[l]["name"])), "sub": kb.layers[l]["short_label"]} for l in LAYER_ORDER]
    rows = [_row(kb, L, t) for t in kb.active_threats() if t["kind"] == kind]
    group = f"matrix-{kind}"
    return str(fragment("mapping-matrix.html.j2", filter=matrix_filter(kb, group, kind, len(rows)), kind=kind, group=group,
                        layers=layers, rows=rows))


def matrix_filter(kb, group: str, kind: str, total: int) -> Markup:
    """Filter the rows of one matrix by layer and by the kind of mark (primary or secondary) at it."""
    layers = Facet("layer", "Layer", "Any layer", [(l, f"{l} {kb.layers[l]['name']}") for l in LAYER_ORDER], key="cells", part=0)
    marks = Facet("mark", "Mark", "Primary or secondary", [("primary", "Primary"), ("secondary", "Secondary")], key="cells", part=1)
    return filter_form(group, f"Filter the {kind} threats", [layers, marks], total, f"{kind} threats")


@macro
def matrix_legend() -> str:
    return str(fragment("matrix-legend.html.j2"))
