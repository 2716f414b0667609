"""One generated page per ID: threats, blindspots, mitigations, layers, plus their index pages.

Each function returns the full Markdown source of a page (front matter included). The pages
are added to the build by hooks.on_files; they are never stored as files in docs/.
"""
from __future__ import annotations

import html
import json

from maestro.kb import KB, LAYER_ORDER, TYPE_ORDER

from .render import (CATALOG, MATRIX, TAXONOMY, TYPE_NAMES, Linker, admonition, attr,
                     bullet, esc, src_of, table)


def _front(title: str, description: str, kind: str, ident: str) -> str:
    # JSON strings are valid YAML scalars, so any title is quoted safely.
    return (
        "---\n"
        f"title: {json.dumps(title)}\n"
        f"description: {json.dumps(description[:160])}\n"
        "render_macros: false\n"
        f"maestro_id: {json.dumps(ident)}\n"
        f"maestro_kind: {json.dumps(kind)}\n"
        "---\n\n"
    )


def _cite(kb: KB, ident: str) -> str:
    c = kb.citation(ident)
    return (
        f'<div class="maestro-cite" data-search-exclude markdown>\n'
        f'<span class="maestro-cite__label">Cite as</span> '
        f'<code class="maestro-cite__text">{html.escape(c)}</code> '
        f'<button class="md-button maestro-cite__copy" type="button" data-copy="{attr(c)}" '
        f'title="Copy citation">Copy</button>\n</div>'
    )


def _notices(kb: KB, ident: str, L: Linker) -> list[str]:
    """Banners a reader must see first: a deprecated ID, and an ID whose number another publisher also uses."""
    out = []
    entry = kb.threats.get(ident) or kb.blindspots.get(ident) or kb.mitigations.get(ident) or {}
    if kb.status_of(ident) == "deprecated":
        d = entry["deprecated"]
        out.append(admonition("warning", f"Deprecated in v{esc(d['version'])}", L.prose(d["reason"]) +
                              "\n\nThe ID keeps this page and its meaning, and is never reused; it no longer appears in lists, checklists or the matrix."))
    ext = kb.external_threats.get(ident)
    if ext:
        out.append(admonition("danger", f"MAESTRO {esc(ident)} is not OWASP {esc(ident)}",
                              f"In {esc(ext['framework'])} v{esc(ext['edition'])}, {esc(ident)} is **{esc(ext['name'])}**, an OWASP entry. "
                              f"This page is MAESTRO {esc(ident)}, {esc(entry.get('name', ''))}, a playbook ID whose meaning never changes. "
                              f"The MAESTRO threats nearest to OWASP {esc(ident)} are {L.ids(ext['nearest'], name=True)}. "
                              f"Cite this one as `MAESTRO {esc(ident)}` ([ruling R05](../reference/changelog.md#r05))."))
    return out


def revoked_page(kb: KB, kind: str, ident: str) -> str:
    """The page of a revoked ID: it sends the reader to the ID that replaced it."""
    e = {"threat": kb.threats, "blindspot": kb.blindspots, "mitigation": kb.mitigations}[kind][ident]
    r = e["revoked"]
    new = r["replaced_by"]
    L = Linker(kb, src_of(kind, ident))
    target = src_of(kind, new)[: -len(".md")] + "/"
    front = _front(f"{ident} (revoked): see {new}", f"{ident} was revoked in v{r['version']}; {new} replaces it.", kind, ident)
    front = front.replace("---\n\n", f"redirect: {json.dumps(target)}\n---\n\n", 1) if front.endswith("---\n\n") else front
    return "\n".join([front, _h1(ident, e.get("name", ident)), "",
                       admonition("warning", f"Revoked in v{esc(r['version'])}", L.prose(r["reason"]) + f"\n\nThis ID now points to {L.id(new, name=True)}."), ""])


def _h1(ident: str, name: str) -> str:
    return f"# {esc(ident)}: {esc(name)} {{ #top }}"


def _badges(pairs) -> str:
    spans = " ".join(f'<span class="maestro-badge maestro-badge--{k}">{html.escape(v)}</span>' for k, v in pairs)
    return f'<p class="maestro-badges" data-search-exclude>{spans}</p>'


# ===================================================================== threats
def threat_page(kb: KB, tid: str) -> str:
    t = kb.threats[tid]
    L = Linker(kb, src_of("threat", tid))
    if t["kind"] == "reserved":
        return reserved_page(kb, tid, L)
    if kb.status_of(tid) == "revoked":
        return revoked_page(kb, "threat", tid)
    out = [_front(f"{tid}: {t['name']}", t["description"], "threat", tid), _h1(tid, t["name"]), ""]
    out += _notices(kb, tid, L)
    origin = "OWASP agentic core threat (T1-T15)" if t["kind"] == "core" else "Extended threat (project-local)"
    cells = kb.threat_layers.get(tid, {})
    badges = [("kind", origin)] + [("layer", f"{l} {cells[l]}") for l in LAYER_ORDER if l in cells]
    if t.get("multi_agent_only"):
        badges.append(("note", "multi-agent systems only"))
    if t.get("mcp"):
        badges.append(("note", f"MCP: {t['mcp']} threat"))
    if "short_label" in t:
        badges.append(("label", f"short label: {t['short_label']}"))
    out += [_badges(badges), "", _cite(kb, tid), ""]
    out += ["## Description { #description }", "", L.prose(t["description"]), ""]
    out += ["## How it shows up in agent systems { #manifestation }", "", L.prose(t["manifestation"]), ""]
    out += ["## Indicators { #indicators }", "", bullet([L.prose(i) for i in t["indicators"]]), ""]
    out += ["## Example { #example }", "", L.prose(t["example"]), ""]

    out += ["## Layers { #layers }", ""]
    rows = [[L.id(l, name=True), "primary" if cells[l] == "primary" else "secondary"] for l in LAYER_ORDER if l in cells]
    out += [table(["Layer", "Strength"], rows), "",
            f"Strengths come from the {L.link('layer-to-threat mapping', MATRIX)}.", ""]

    out += ["## Mitigations { #mitigations }", ""]
    by = kb.mitigations_for(tid)
    if not any(by.values()):
        body = "No mitigation in the catalog addresses this threat yet. Treat it as a coverage gap: design a project-specific control and record it in Phase 7."
        if t.get("gap_note"):
            body += "\n\n" + L.prose(t["gap_note"])
        if t.get("partial_mitigations"):
            body += "\n\nControls that help partly: " + L.ids(t["partial_mitigations"], name=True) + "."
        out += [admonition("warning", "Coverage gap", body), ""]
    else:
        for letter in TYPE_ORDER:
            if by[letter]:
                out += [f"### {TYPE_NAMES[letter]} {{ #mitigations-{TYPE_NAMES[letter].lower()} }}", "",
                        bullet([L.id(m, name=True) for m in by[letter]]), ""]
        missing = [TYPE_NAMES[k].lower() for k in kb.coverage_missing(tid)]
        if missing:
            out += [admonition("note", "Partial coverage",
                               "The catalog has no " + " or ".join(missing) + " control for this threat. "
                               "A Critical or High instance of it needs a project-specific one (see the Phase 7 rule)."), ""]
    out += ["## Checklist items { #checklist }", ""]
    items = kb.ref_items.get(tid, [])
    out += [bullet([f"{L.item(i)} {L.prose(kb.items[i]['text'])}" for i in items]) if items
            else "No checklist item cites this threat by ID; it is covered by the layer checklists of its layers.", ""]
    pats = kb.threat_patterns.get(tid, [])
    out += ["## Cross-layer patterns { #patterns }", "",
            bullet([L.pattern(n) for n in pats]) if pats else "This threat is not part of any of the seven cross-layer patterns.", ""]
    extra = []
    if kb.threat_blindspots.get(tid):
        extra.append("Related blindspots: " + L.ids(kb.threat_blindspots[tid], name=True) + ".")
    if kb.threat_considerations.get(tid):
        extra.append("Related unnumbered considerations: " + ", ".join(L.consideration(k) for k in kb.threat_considerations[tid]) + ".")
    if kb.threat_cases.get(tid):
        extra.append("Case studies: " + ", ".join(L.case(c) for c in kb.threat_cases[tid]) + ".")
    if extra:
        out += ["## Related { #related }", "", "\n\n".join(extra), ""]

    out += ["## Framework mappings { #frameworks }", "", crosswalk_table(kb, t, L, [["STRIDE", ", ".join(esc(s) for s in t["stride"]) or "-"]]), ""]
    return "\n".join(out)


def crosswalk_table(kb: KB, e: dict, L: Linker, first=()) -> str:
    """The external mappings of a threat or blindspot, each framework with its edition; an empty one says why."""
    why = e.get("no_mapping", {})

    def cell(field, text):
        return text or (f"none: {L.prose(why[field])}" if field in why else "none")
    asi = kb.frameworks["asi_top10"]
    rows = [*first,
            *([esc(kb.llm_title(ed)), cell("llm_top10", ", ".join(f"`{esc(x)}` {esc(kb.llm[x]['name'])}" for x in cited))]
              for ed, cited in kb.llm_editions(e["llm_top10"]).items()),
            [f"{esc(asi['name'])} {esc(asi['current'])}", cell("asi_top10", ", ".join(f"{esc(x)} {esc(kb.asi[x]['name'])}" for x in e["asi_top10"]))],
            ["CWE", cell("cwe", ", ".join(f"{L.cwe(c)} {esc(kb.cwe[c])}" for c in e["cwe"]))],
            [f"MITRE ATLAS {esc(kb.atlas_edition)}", cell("atlas", ", ".join(L.atlas(a) for a in e["atlas"]))]]
    return table(["Framework", "Mapping"], rows)


def reserved_page(kb: KB, tid: str, L: Linker) -> str:
    t = kb.threats[tid]
    title = f"{tid}: Reserved"
    out = [_front(title, t["note"], "threat", tid), f"# {esc(tid)}: Reserved {{ #top }}", "",
           _badges([("kind", "Reserved ID")]), "", _cite(kb, tid), "",
           admonition("info", "This ID is reserved", L.prose(t["note"]) + "\n\nNo threat, mitigation or checklist item refers to it. "
                      "If a future release assigns it, this page will describe that threat; the URL will stay the same."), "",
           f"See the {L.link('threat taxonomy', TAXONOMY)} for the assigned IDs.", ""]
    return "\n".join(out)


# ===================================================================== blindspots
def blindspot_page(kb: KB, bid: str) -> str:
    b = kb.blindspots[bid]
    L = Linker(kb, src_of("blindspot", bid))
    if kb.status_of(bid) == "revoked":
        return revoked_page(kb, "blindspot", bid)
    out = [_front(f"{bid}: {b['name']}", b["description"], "blindspot", bid), _h1(bid, b["name"]), ""]
    out += _notices(kb, bid, L)
    out += [_badges([("kind", "Blindspot vector (project-local)")] + [("layer", l) for l in b["layers"]]), "", _cite(kb, bid), ""]
    out += ["## Description { #description }", "", L.prose(b["description"]), ""]
    out += ["## How it shows up in agent systems { #manifestation }", "", L.prose(b["manifestation"]), ""]
    out += ["## Indicators { #indicators }", "", bullet([L.prose(i) for i in b["indicators"]]), ""]
    out += ["## Example { #example }", "", L.prose(b["example"]), ""]
    out += ["## Layers { #layers }", "", bullet([L.id(l, name=True) for l in b["layers"]]), ""]
    out += ["## Related threats { #related-threats }", "", bullet([L.id(t, name=True) for t in b["related_threats"]]), ""]
    items = kb.ref_items.get(bid, [])
    out += ["## Checklist item { #checklist }", "", bullet([f"{L.item(i)} {L.prose(kb.items[i]['text'])}" for i in items]), ""]
    out += ["## Suggested mitigations { #mitigations }", "",
            "The catalog has no control written for this blindspot; these are the nearest ones.", "",
            bullet([L.id(m, name=True) for m in b["suggested_mitigations"]]), ""]
    out += ["## Framework mappings { #frameworks }", "", crosswalk_table(kb, b, L), ""]
    return "\n".join(out)


# ===================================================================== mitigations
def mitigation_page(kb: KB, mid: str) -> str:
    m = kb.mitigations[mid]
    L = Linker(kb, src_of("mitigation", mid))
    layer, letter = kb.mitigation_layer(mid), kb.mitigation_type(mid)
    tinfo = kb.types[letter]
    if kb.status_of(mid) == "revoked":
        return revoked_page(kb, "mitigation", mid)
    out = [_front(f"{mid}: {m['name']}", m["description"], "mitigation", mid), _h1(mid, m["name"]), ""]
    out += _notices(kb, mid, L)
    out += [_badges([("type", tinfo["name"]), ("layer", f"{layer} {kb.layers[layer]['name']}")]), "", _cite(kb, mid), ""]
    out += ["## Description { #description }", "", L.prose(m["description"]), ""]
    out += ["## Implementation notes { #implementation }", "", bullet([L.prose(i) for i in m["implementation"]]), ""]
    facts = [["Layer", L.id(layer, name=True)], ["Type", f"{esc(tinfo['name'])}: {esc(tinfo['purpose'])}"],
             [f"MITRE ATLAS {esc(kb.atlas_edition)} mitigations", "; ".join(L.atlas_mitigation(a) for a in m.get("atlas_mitigations", []))
              or "no corresponding ATLAS mitigation"]]
    out += ["## Classification { #classification }", "", table(["", ""], facts), ""]
    out += ["## Threats addressed { #threats }", ""]
    lines = [L.id(t, name=True) for t in m["addresses"]]
    if m.get("scope") == "all":
        lines.append("Every threat: this control supports the response to any incident.")
    if m.get("scope") == "cross-layer":
        lines.append("Every cross-layer chain (see the " + L.link("cross-layer dimension", src_of("layer", "CL")) + ").")
    lines += [L.pattern(n) for n in m.get("patterns", [])]
    lines += [L.consideration(k) + " (unnumbered consideration)" for k in m.get("considerations", [])]
    out += [bullet(lines), ""]
    sib = kb.siblings(mid)
    out += ["## Sibling mitigations { #siblings }", ""]
    if sib:
        rows = [[L.id(s), esc(kb.mitigations[s]["name"]), esc(kb.types[kb.mitigation_type(s)]["name"]),
                 ", ".join(L.id(t) for t in kb.mitigations[s]["addresses"] if t in m["addresses"])] for s in sib]
        out += ["Other controls that address the same threats, for layering defences:", "",
                table(["ID", "Name", "Type", "Shared threats"], rows), ""]
    else:
        out += ["No other control addresses the same threats.", ""]
    out += [f"See the whole {L.link('mitigation catalog', CATALOG)}.", ""]
    return "\n".join(out)


# ===================================================================== layers
def layer_page(kb: KB, lid: str) -> str:
    l = kb.layers[lid]
    L = Linker(kb, src_of("layer", lid))
    out = [_front(f"{lid}: {l['name']}", l["summary"], "layer", lid), _h1(lid, l["name"]), ""]
    badges = [("kind", "Cross-layer dimension" if lid == "CL" else "MAESTRO layer")]
    if l.get("vertical"):
        badges.append(("note", "vertical: spans every other layer"))
    out += [_badges(badges), "", _cite(kb, lid), ""]
    out += [f"*{L.prose(l['summary'])}*", "", "## What it covers { #covers }", "", L.prose(l["description"]), ""]
    if l["components"]:
        out += ["## Typical components { #components }", "", bullet([L.prose(c) for c in l["components"]]), ""]
    out += ["## Key questions { #questions }", "", bullet([L.prose(q) for q in l["key_questions"]]), ""]
    lt = kb.layer_threats(lid)
    prim = [t for t in lt["primary"] if kb.threats[t]["kind"] == "core"]
    sec = [t for t in lt["secondary"]]
    ext = [t for t in lt["primary"] if kb.threats[t]["kind"] == "extended"]
    out += ["## Threats { #threats }", ""]
    out += ["### Primary { #threats-primary }", "", bullet([L.id(t, name=True) for t in prim]) or "None.", ""]
    out += ["### Secondary { #threats-secondary }", "",
            bullet([L.id(t, name=True) for t in sec]) or "None.", ""]
    if lid != "CL":
        out += ["### Extended { #threats-extended }", "", bullet([L.id(t, name=True) for t in ext]) or "None.", ""]
        cons = kb.layer_considerations(lid)
        if cons:
            out += ["### Unnumbered considerations { #considerations }", "", bullet([L.consideration(k) for k in cons]), ""]
        bvs = kb.layer_blindspots(lid)
        if bvs:
            out += ["### Blindspots { #blindspots }", "", bullet([L.id(b, name=True) for b in bvs]), ""]
    if lid == "CL":
        out += ["## Cross-layer patterns { #patterns }", ""]
        for p in kb.patterns.values():
            out += [f"### Pattern {p['n']}: {esc(p['name'])} {{ #pattern-{p['n']} }}", "", L.prose(p["description"]), ""]
            out += [bullet([f"**{L.id(s['layer'])}**: {L.prose(s['text'])}" for s in p["steps"]]), ""]
            out += ["Threats in the chain: " + L.ids(p["threats"], name=True) + ".", "",
                    "Controls that break it: " + L.ids(p["mitigations"], name=True) + ".", "",
                    ("Applies to single-agent systems too." if p["single_agent"] else "Mostly a multi-agent concern."), ""]
    out += ["## Checklist { #checklist }", ""]
    sec_ = kb.sections[lid]
    out += [bullet([f"{L.item(i['id'])} {L.prose(i['text'])}" for i in sec_["items"]]), ""]
    out += ["## Mitigations { #mitigations }", ""]
    lm = kb.layer_mitigations(lid)
    for letter in TYPE_ORDER:
        out += [f"### {TYPE_NAMES[letter]} {{ #mitigations-{TYPE_NAMES[letter].lower()} }}", "",
                bullet([L.id(m, name=True) for m in lm[letter]]) or "None.", ""]
    return "\n".join(out)


# ===================================================================== index pages
def threats_index(kb: KB) -> str:
    L = Linker(kb, "threats/index.md")
    rows = []
    for t in kb.threats.values():
        status = kb.status_of(t["id"])
        if t["kind"] == "reserved":
            rows.append([L.id(t["id"]), "Reserved", "reserved", "-"])
        elif status != "active":  # the ID index is the one list that keeps every ID, with its status
            rows.append([L.id(t["id"]), esc(t["name"]), status, "-"])
        else:
            rows.append([L.id(t["id"]), esc(t["name"]), t["kind"], L.ids([l for l in LAYER_ORDER if kb.threat_layers[t["id"]].get(l) == "primary"])])
    return "\n".join([_front("Threats", "Every threat ID with its page.", "index", "threats"), "# Threats", "",
                      f"All threat IDs. The {L.link('threat taxonomy', TAXONOMY)} explains how they are organised.", "",
                      table(["ID", "Name", "Kind", "Primary layers"], rows), ""])


def blindspots_index(kb: KB) -> str:
    L = Linker(kb, "blindspots/index.md")
    rows = [[L.id(b["id"]), esc(b["name"]), L.ids(b["layers"])] for b in kb.blindspots.values()]
    return "\n".join([_front("Blindspot vectors", "Every blindspot vector with its page.", "index", "blindspots"), "# Blindspot vectors", "",
                      table(["ID", "Name", "Layers"], rows), ""])


def mitigations_index(kb: KB) -> str:
    L = Linker(kb, "mitigations/index.md")
    rows = [[L.id(m), esc(kb.mitigations[m]["name"]), L.id(kb.mitigation_layer(m)), TYPE_NAMES[kb.mitigation_type(m)],
             L.ids(kb.mitigations[m]["addresses"])] for m in sorted(kb.mitigations, key=kb.mitigation_sort_key)]
    return "\n".join([_front("Mitigations", "Every mitigation ID with its page.", "index", "mitigations"), "# Mitigations", "",
                      f"All {len(rows)} controls. The {L.link('mitigation catalog', CATALOG)} groups them by layer and type.", "",
                      table(["ID", "Name", "Layer", "Type", "Addresses"], rows), ""])


def layers_index(kb: KB) -> str:
    L = Linker(kb, "layers/index.md")
    rows = [[L.id(l), esc(kb.layers[l]["name"]), L.prose(kb.layers[l]["summary"])] for l in LAYER_ORDER]
    return "\n".join([_front("Layers", "The seven MAESTRO layers and the cross-layer dimension.", "index", "layers"), "# Layers", "",
                      table(["ID", "Layer", "Covers"], rows), ""])


def all_pages(kb: KB) -> dict[str, str]:
    """Every generated page: docs-relative source path -> Markdown."""
    pages = {"threats/index.md": threats_index(kb), "blindspots/index.md": blindspots_index(kb),
             "mitigations/index.md": mitigations_index(kb), "layers/index.md": layers_index(kb)}
    for tid in kb.threats:
        pages[src_of("threat", tid)] = threat_page(kb, tid)
    for bid in kb.blindspots:
        pages[src_of("blindspot", bid)] = blindspot_page(kb, bid)
    for mid in kb.mitigations:
        pages[src_of("mitigation", mid)] = mitigation_page(kb, mid)
    for lid in kb.layers:
        pages[src_of("layer", lid)] = layer_page(kb, lid)
    return pages

