"""The layer-to-threat mapping matrix (data/mapping.yaml) and its legend."""
from __future__ import annotations

import html

from maestro.kb import LAYER_ORDER
from maestro_site.filters import Facet, filter_form, group_attr, row_attrs
from maestro_site.render import src_of
from maestro_site.tables.registry import macro


@macro
def mapping_matrix(kb, L, kind: str = "core") -> str:
    """The layer-to-threat matrix as an HTML table; every mark links to the threat's layer list. Each threat is a row
    group (tbody) marked for the filter with its cells, ``data-cells="L3:primary L5:secondary"``; the filter's form
    comes first, hidden until docs/assets/filter.js shows it."""
    head = "".join(
        f'<th scope="col">{L.a(html.escape(l), src_of("layer", l), kb.layers[l]["name"])}'
        f'<span class="maestro-matrix__sub">{html.escape(kb.layers[l]["short_label"])}</span></th>'
        for l in LAYER_ORDER)
    rows = []
    for t in kb.active_threats():
        if t["kind"] != kind:
            continue
        tid, cells = t["id"], kb.threat_layers[t["id"]]
        tds = []
        for l in LAYER_ORDER:
            s = cells.get(l)
            if not s:
                tds.append('<td class="maestro-matrix__none"><span class="maestro-sr">none</span></td>')
                continue
            mark = "&#9679;" if s == "primary" else "&#9675;"
            title = f"{tid} {t['name']}: {s} at {l} {kb.layers[l]['name']}"
            label = f'<span aria-hidden="true">{mark}</span><span class="maestro-sr">{s}</span>'
            tds.append(f'<td class="maestro-matrix__{s}">{L.a(label, src_of("threat", tid) + "#layers", title)}</td>')
        marks = [f"{l}:{cells[l]}" for l in LAYER_ORDER if l in cells]
        rows.append(f'<tbody {row_attrs(cells=marks)}>'
                    f'<tr><th scope="row">{L.id_link(tid, in_html=True)} '
                    f'<span class="maestro-matrix__name">{html.escape(t["name"])}</span></th>{"".join(tds)}</tr></tbody>')
    group = f"matrix-{kind}"
    return (matrix_filter(kb, group, kind, len(rows)) + "\n\n"
            f'<table class="maestro-matrix" data-kind="{kind}" {group_attr(group)}><thead><tr><th scope="col">Threat</th>{head}</tr></thead>'
            f'{"".join(rows)}</table>')


def matrix_filter(kb, group: str, kind: str, total: int) -> str:
    """Filter the rows of one matrix by layer and by the kind of mark (primary or secondary) at it."""
    layers = Facet("layer", "Layer", "Any layer", [(l, f"{l} {kb.layers[l]['name']}") for l in LAYER_ORDER], key="cells", part=0)
    marks = Facet("mark", "Mark", "Primary or secondary", [("primary", "Primary"), ("secondary", "Secondary")], key="cells", part=1)
    return filter_form(group, f"Filter the {kind} threats", [layers, marks], total, f"{kind} threats")


@macro
def matrix_legend() -> str:
    return ('<p class="maestro-matrix-legend"><span class="maestro-matrix__primary">&#9679;</span> primary: the threat is rooted '
            'at this layer and is analysed there first. <span class="maestro-matrix__secondary">&#9675;</span> secondary: the '
            'threat reaches or is enabled through this layer, or applies there only under a condition. An empty cell means '
            'no mapping. Every mark links to the threat\'s page.</p>')
