"""The layer-to-threat mapping matrix (data/mapping.yaml) and its legend."""
from __future__ import annotations

import html

from maestro.kb import LAYER_ORDER
from macros.render import src_of


def mapping_matrix(kb, L, kind: str = "core") -> str:
    """The layer-to-threat matrix as an HTML table; every mark links to the threat's layer list."""
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
        rows.append(f'<tr><th scope="row">{L.a(html.escape(tid), src_of("threat", tid), t["name"])} '
                    f'<span class="maestro-matrix__name">{html.escape(t["name"])}</span></th>{"".join(tds)}</tr>')
    return (f'<table class="maestro-matrix" data-kind="{kind}"><thead><tr><th scope="col">Threat</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def matrix_legend() -> str:
    return ('<p class="maestro-matrix-legend"><span class="maestro-matrix__primary">&#9679;</span> primary: the threat is rooted '
            'at this layer and is analysed there first. <span class="maestro-matrix__secondary">&#9675;</span> secondary: the '
            'threat reaches or is enabled through this layer, or applies there only under a condition. An empty cell means '
            'no mapping. Every mark links to the threat\'s page.</p>')
