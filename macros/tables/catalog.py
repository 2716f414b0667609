"""The mitigation catalog, the mitigation types and the threats no control addresses."""
from __future__ import annotations

from maestro.kb import LAYER_ORDER, TYPE_ORDER
from macros.render import esc, table


def mitigation_catalog(kb, L) -> str:
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
                rows.append([L.id(m), esc(mm["name"]), kb.types[letter]["name"], target or "-"])
        out += [table(["ID", "Name", "Type", "Addresses"], rows), ""]
    return "\n".join(out)


def mitigation_types(kb) -> str:
    rows = [[f"{esc(t['name'])} ({esc(t['letter'])})", esc(t["timing"]), esc(t["purpose"]), esc(t["when_to_use"])]
            for t in kb.types.values()]
    return table(["Type", "When", "What it does", "When to use"], rows)


def coverage_gaps(kb, L) -> str:
    gaps = [t for t in kb.active_threats() if not kb.threat_mitigations.get(t["id"])]
    rows = [[L.id(t["id"]), esc(t["name"]), L.ids(t.get("partial_mitigations", [])) if t.get("partial_mitigations") else "none"] for t in gaps]
    return table(["Threat", "Name", "Controls that help partly"], rows)
