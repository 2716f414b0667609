"""mkdocs-macros module: every data-driven table on the prose pages comes from here.

Each macro reads the validated knowledge base and returns Markdown (or HTML where layout
needs it), escaping every data string. Prose pages call them as {{ mapping_matrix() }} etc.
"""
from __future__ import annotations

import html
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # make `macros` importable

from maestro.kb import LAYER_ORDER, TYPE_ORDER  # noqa: E402
from macros import site  # noqa: E402
from macros.render import (TYPE_NAMES, Linker, admonition, bullet, esc, src_of, table)  # noqa: E402


def define_env(env):
    kb = site.kb_for(env.conf)
    env.variables["kb_version"] = kb.version

    def here() -> Linker:
        return Linker(kb, env.page.file.src_uri)

    @env.macro
    def count(what: str) -> int:
        """Number of active threats, mitigations, blindspots, ... for use in prose."""
        table_ = {
            "threats": len(kb.active_threats()), "core": sum(t["kind"] == "core" for t in kb.threats.values()),
            "extended": sum(t["kind"] == "extended" for t in kb.threats.values()), "reserved": len(kb.reserved_threats()),
            "mitigations": len(kb.mitigations), "blindspots": len(kb.blindspots), "checklist_items": len(kb.items),
            "considerations": len(kb.considerations), "patterns": len(kb.patterns),
        }
        return table_[what]

    # ---------------------------------------------------------------- taxonomy
    @env.macro
    def threat_table(kind: str = "core", layer: str | None = None) -> str:
        L = here()
        rows = []
        for t in kb.threats.values():
            if t["kind"] != kind or (layer and kb.primary_layer(t["id"]) != layer):
                continue
            cells = kb.threat_layers[t["id"]]
            rows.append([L.id(t["id"]), esc(t["name"]),
                         L.ids([l for l in LAYER_ORDER if cells.get(l) == "primary"]),
                         L.ids([l for l in LAYER_ORDER if cells.get(l) == "secondary"])])
        return table(["ID", "Name", "Primary layers", "Secondary layers"], rows)

    @env.macro
    def extended_by_layer() -> str:
        L = here()
        out = []
        for l in LAYER_ORDER[:-1]:
            rows = [t for t in kb.threats.values() if t["kind"] == "extended" and kb.primary_layer(t["id"]) == l]
            if not rows:
                continue
            out += [f"### {esc(l)} {esc(kb.layers[l]['name'])} {{ #extended-{l.lower()} }}", "",
                    table(["ID", "Name", "Also at"], [[L.id(t["id"]), esc(t["name"]),
                          L.ids([x for x, s in kb.threat_layers[t["id"]].items() if s == "secondary"])] for t in rows]), ""]
        return "\n".join(out)

    @env.macro
    def reserved_ids() -> str:
        L = here()
        return ", ".join(L.id(t["id"]) for t in kb.reserved_threats())

    @env.macro
    def considerations_table() -> str:
        L = here()
        rows = [[f"<span id=\"{html.escape(c['key'])}\"></span>{esc(c['name'])}", L.id(c["layer"]), L.prose(c["description"]),
                 L.ids(c["related_threats"])] for c in kb.considerations.values()]
        return table(["Consideration", "Layer", "What it is", "Closest IDs"], rows)

    @env.macro
    def blindspot_table() -> str:
        L = here()
        rows = [[L.id(b["id"]), esc(b["name"]), L.ids(b["layers"]), L.ids(b["related_threats"])] for b in kb.blindspots.values()]
        return table(["ID", "Name", "Layers", "Related threats"], rows)

    # ---------------------------------------------------------------- matrix
    @env.macro
    def mapping_matrix(kind: str = "core") -> str:
        """The layer-to-threat matrix as an HTML table; every mark links to the threat's layer list."""
        L = here()
        head = "".join(
            f'<th scope="col">{L.a(html.escape(l), src_of("layer", l), kb.layers[l]["name"])}'
            f'<span class="maestro-matrix__sub">{html.escape(kb.layers[l]["short_label"])}</span></th>'
            for l in LAYER_ORDER)
        rows = []
        for t in kb.threats.values():
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

    @env.macro
    def matrix_legend() -> str:
        return ('<p class="maestro-matrix-legend"><span class="maestro-matrix__primary">&#9679;</span> primary: the threat is rooted '
                'at this layer and is analysed there first. <span class="maestro-matrix__secondary">&#9675;</span> secondary: the '
                'threat reaches or is enabled through this layer, or applies there only under a condition. An empty cell means '
                'no mapping. Every mark links to the threat\'s page.</p>')

    # ---------------------------------------------------------------- checklists
    @env.macro
    def checklist(section: str) -> str:
        """One checklist as printable HTML: a checkbox, an anchor and a link per item."""
        L = here()
        s = kb.sections[section]
        lis = []
        for item in s["items"]:
            refs = ""
            if item["refs"] or item.get("llm_top10"):
                parts = [L.a(html.escape(r), src_of("threat" if r.startswith("T") else "blindspot", r), kb.name_of(r)) for r in item["refs"]]
                parts += [html.escape(x) for x in item.get("llm_top10", [])]
                refs = f' <span class="maestro-checklist__refs">({", ".join(parts)})</span>'
            iid = html.escape(item["id"])
            lis.append(f'<li id="{iid}"><input type="checkbox" aria-labelledby="{iid}-q"> '
                       f'<a class="maestro-checklist__id" href="#{iid}">{iid}</a> '
                       f'<span id="{iid}-q">{L.html_prose(item["text"])}</span>{refs}</li>')
        return f'<ul class="maestro-checklist" data-section="{html.escape(section)}">\n' + "\n".join(lis) + "\n</ul>"

    @env.macro
    def all_checklists() -> str:
        out = []
        for sid, s in kb.sections.items():
            out += [f"## {esc(s['title'])} {{ #checklist-{sid.lower()} }}", "", checklist(sid), ""]
        return "\n".join(out)

    # ---------------------------------------------------------------- mitigations
    @env.macro
    def mitigation_catalog() -> str:
        L = here()
        out = []
        for l in LAYER_ORDER:
            out += [f"## {esc(l)} {esc(kb.layers[l]['name'])} {{ #catalog-{l.lower()} }}", ""]
            lm = kb.layer_mitigations(l)
            rows = []
            for letter in TYPE_ORDER:
                for m in lm[letter]:
                    mm = kb.mitigations[m]
                    target = L.ids(mm["addresses"]) if mm["addresses"] else ""
                    if mm.get("scope"):
                        target = (target + "; " if target else "") + ("all threats" if mm["scope"] == "all" else "all cross-layer chains")
                    if mm.get("patterns"):
                        target = (target + "; " if target else "") + ", ".join(L.pattern(n, name=False) for n in mm["patterns"])
                    if mm.get("considerations"):
                        target = (target + "; " if target else "") + ", ".join(L.consideration(k) for k in mm["considerations"])
                    rows.append([L.id(m), esc(mm["name"]), TYPE_NAMES[letter], target or "-"])
            out += [table(["ID", "Name", "Type", "Addresses"], rows), ""]
        return "\n".join(out)

    @env.macro
    def mitigation_types() -> str:
        rows = [[f"{esc(t['name'])} ({esc(t['letter'])})", esc(t["timing"]), esc(t["purpose"]), esc(t["when_to_use"])]
                for t in kb.types.values()]
        return table(["Type", "When", "What it does", "When to use"], rows)

    @env.macro
    def coverage_gaps() -> str:
        L = here()
        gaps = [t for t in kb.active_threats() if not kb.threat_mitigations.get(t["id"])]
        rows = [[L.id(t["id"]), esc(t["name"]), L.ids(t.get("partial_mitigations", [])) if t.get("partial_mitigations") else "none"] for t in gaps]
        return table(["Threat", "Name", "Controls that help partly"], rows)

    # ---------------------------------------------------------------- case studies, decisions
    @env.macro
    def case_studies() -> str:
        L = here()
        out = []
        for c in kb.cases.values():
            out += [f"## Case {esc(c['id'])}: {esc(c['name'])} {{ #case-{c['id'].lower()} }}", "", L.prose(c["summary"]), ""]
            out += [table(["Threat", "Finding"], [[L.id(t, name=True), L.prose(c["findings"][t])] for t in c["threats"]]), ""]
            if c.get("patterns"):
                out += ["Cross-layer: " + ", ".join(L.pattern(n) for n in c["patterns"]) + ".", ""]
            out += ["Lessons:", "", bullet([L.prose(x) for x in c["lessons"]]), ""]
        return "\n".join(out)

    @env.macro
    def decisions() -> str:
        L = here()
        out = []
        for d in kb.decisions.values():
            out += [f"### {esc(d['id'])}: {esc(d['topic'])} {{ #{d['id'].lower()} }}", "", L.prose(d["decision"]), "",
                    f"*Where:* {', '.join(esc(w) for w in d['where'])}", ""]
        return "\n".join(out)
