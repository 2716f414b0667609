"""Threats, considerations, blindspots, layers, cross-layer patterns and risk factors."""
from __future__ import annotations

from maestro.kb import LAYER_ORDER
from maestro_site.render import bullet, esc, table
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro, unsearched


@macro
def count(kb, what: str) -> int:
    """Number of active threats, mitigations, blindspots, ... for use in prose."""
    table_ = {
        "threats": len(kb.active_threats()), "core": sum(t["kind"] == "core" for t in kb.threats.values()),
        "extended": sum(t["kind"] == "extended" for t in kb.threats.values()), "reserved": len(kb.reserved_threats()),
        "mitigations": len(kb.mitigations), "blindspots": len(kb.blindspots), "checklist_items": len(kb.items),
        "considerations": len(kb.considerations), "patterns": len(kb.patterns),
    }
    return table_[what]


@macro
@unsearched
def threat_table(kb, L, kind: str = "core", layer: str | None = None) -> str:
    rows = []
    for t in kb.active_threats():
        if t["kind"] != kind or (layer and kb.primary_layer(t["id"]) != layer):
            continue
        cells = kb.threat_layers[t["id"]]
        rows.append([L.id(t["id"]), esc(t["name"]),
                     L.ids([l for l in LAYER_ORDER if cells.get(l) == "primary"]),
                     L.ids([l for l in LAYER_ORDER if cells.get(l) == "secondary"])])
    return table(["ID", "Name", "Primary layers", "Secondary layers"], rows)


@macro
def extended_by_layer(kb, L) -> str:
    out = []
    for l in LAYER_ORDER[:-1]:
        rows = [t for t in kb.active_threats() if t["kind"] == "extended" and kb.primary_layer(t["id"]) == l]
        if not rows:
            continue
        out += [f"### {esc(l)} {esc(kb.layers[l]['name'])} {{ #extended-{l.lower()} }}", "",
                table(["ID", "Name", "Also at"], [[L.id(t["id"]), esc(t["name"]),
                      L.ids([x for x, s in kb.threat_layers[t["id"]].items() if s == "secondary"])] for t in rows]), ""]
    return "\n".join(out)


@macro
def reserved_ids(kb, L) -> str:
    return ", ".join(L.id(t["id"]) for t in kb.reserved_threats())


@macro
def considerations_table(kb, L) -> str:
    rows = [[f"{fragment('anchor.html.j2', id=c['key'])}{esc(c['name'])}", L.id(c["layer"]), L.prose(c["description"]),
             L.ids(c["related_threats"])] for c in kb.considerations.values()]
    return table(["Consideration", "Layer", "What it is", "Closest IDs"], rows)


@macro
@unsearched
def blindspot_table(kb, L) -> str:
    rows = [[L.id(b["id"]), esc(b["name"]), L.ids(b["layers"]), L.ids(b["related_threats"])] for b in kb.blindspots.values()]
    return table(["ID", "Name", "Layers", "Related threats"], rows)


@macro
@unsearched
def layer_table(kb, L) -> str:
    return table(["Layer", "Name", "Covers"], [[L.id(l), esc(kb.layers[l]["name"]), L.prose(kb.layers[l]["summary"])] for l in LAYER_ORDER])


@macro
def layer_components(kb, L) -> str:
    rows = [[L.id(l, name=True), "; ".join(L.prose(c) for c in kb.layers[l]["components"]) or "-"] for l in LAYER_ORDER if kb.layers[l]["components"]]
    return table(["Layer", "Typical components"], rows)


@macro
def layer_questions(kb, L, layer: str) -> str:
    return bullet([L.prose(q) for q in kb.layers[layer]["key_questions"]])


@macro
@unsearched
def quick_reference_card(kb, L) -> str:
    rows = []
    for l in LAYER_ORDER:
        lt = kb.layer_threats(l)
        core_p = [t for t in lt["primary"] if kb.threats[t]["kind"] == "core"]
        ext = [t for t in lt["primary"] if kb.threats[t]["kind"] == "extended"]
        name = esc(kb.layers[l]["name"]) + (" (vertical)" if kb.layers[l].get("vertical") else "")
        rows.append([L.id(l), name, L.ids(core_p), L.ids([t for t in lt["secondary"] if kb.threats[t]["kind"] == "core"]), L.ids(ext)])
    out = table(["Layer", "Name", "Primary core threats", "Secondary core threats", "Extended threats"], rows, cls="maestro-card")
    factors = table(["Risk factor", "In one line"], [[esc(f["name"]), L.prose(f["summary"])] for f in kb.factors])
    pats = bullet([L.pattern(p["n"]) for p in kb.patterns.values()])
    return f"{out}\n\n{factors}\n\nCross-layer patterns:\n\n{pats}"


@macro
@unsearched
def pattern_table(kb, L) -> str:
    # the row keeps the pattern-<n> anchor that links published before 1.1.0 point at; the pattern itself is on the CL page
    rows = [[str(fragment("anchor.html.j2", id=f"pattern-{p['n']}")) + L.pattern(p["n"], name=False), esc(p["name"]), " -> ".join(esc(x) for x in p["layers"]),
             "yes" if p["single_agent"] else "no"] for p in kb.patterns.values()]
    return table(["Pattern", "Name", "Layers", "Single-agent"], rows)


@macro
def extended_range(kb, sep: str = "-") -> str:
    """The extended threats' ID range as written in prose, from the data: T16-T49."""
    ext = sorted((t["id"] for t in kb.threats.values() if t["kind"] == "extended"), key=lambda t: int(t[1:]))
    return f"{ext[0]}{sep}{ext[-1]}"


@macro
def last_threat(kb) -> str:
    """The highest threat ID in the data (T49)."""
    return max(kb.threats, key=lambda t: int(t[1:]))


@macro
def single_agent_patterns(kb, applies: bool = True) -> str:
    """The numbers of the cross-layer patterns that apply (or not) to single-agent systems, as prose: "1, 2 and 6"."""
    ns = [str(p["n"]) for p in kb.patterns.values() if bool(p["single_agent"]) == applies]
    return ", ".join(ns[:-1]) + f" and {ns[-1]}" if len(ns) > 1 else "".join(ns) or "none"


@macro
@unsearched
def key_cross_layer_threats(kb, L) -> str:
    return table(["Key cross-layer threat", "Taxonomy IDs"], [[esc(k["label"]), L.ids(k["threats"])] for k in kb.key_threats])


@macro
def risk_factors(kb, L) -> str:
    out = []
    for f in kb.factors:
        out += [f"### {esc(f['name'])} {{ #factor-{f['key'].replace('_', '-')} }}", "", f"*{L.prose(f['summary'])}*", "",
                L.prose(f["description"]), "",
                f"Single-agent systems: {'applies in full' if f['single_agent'] == 'full' else 'reduced; read it as the agent talking to tools and external systems'}.", ""]
    return "\n".join(out)


@macro
def risk_factor_matrix(kb, L) -> str:
    rows = [[L.id(l)] + [L.prose(f["per_layer"][l]) for f in kb.factors] for l in LAYER_ORDER]
    return table(["Layer"] + [esc(f["name"]) for f in kb.factors], rows)


@macro
@unsearched
def mcp_threats(kb, L) -> str:
    """MCP threats from the data: role (core/related), layers and the catalog controls per type."""
    rows = []
    for role in ("core", "related"):
        for t in kb.active_threats():
            if t.get("mcp") != role:
                continue
            cells = kb.threat_layers[t["id"]]
            by = kb.mitigations_for(t["id"])
            rows.append([L.id(t["id"]), esc(t["name"]), role,
                         ", ".join(f"{l} ({cells[l]})" for l in LAYER_ORDER if l in cells),
                         "; ".join(f"{k}: {L.ids(v)}" for k, v in by.items() if v) or "no catalog control"])
    return table(["Threat", "Name", "MCP role", "Layers", "Catalog controls (P/D/C/R)"], rows)
