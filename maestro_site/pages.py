"""One generated page per ID: threats, blindspots, mitigations, layers, plus their index pages.

Each function returns a GeneratedPage (maestro_site/html_page.py): the page's metadata and its content as HTML,
rendered from its template (maestro_site/templates/<type>.html.j2) without Markdown. The pages are added to the
build by hooks.on_files; they are never stored as files in docs/.
"""
from __future__ import annotations


from markupsafe import Markup

from maestro import views
from maestro.kb import KB, LAYER_ORDER

from . import templating
from .tables import diagrams

from .html_page import GeneratedPage
from .render import CATALOG, TAXONOMY, src_of
from .render_html import HtmlLinker, admonition, esc, table

LAYERS_CHAPTER = "playbook/01-layers.md"


# ===================================================================== browsing
def group_target(link: dict) -> str:
    """The docs page (and section) that explains a browsing group or ID type as a whole (views.breadcrumb's links)."""
    if "index" in link:
        return f"{link['index']}/index.md"
    kind, key, layer = link["kind"], link["group"], link["layer"]
    if kind == "mitigation":
        return f"{CATALOG}#catalog-{layer.lower()}"
    if kind == "layer":
        return LAYERS_CHAPTER
    if kind == "blindspot":
        return TAXONOMY + "#blindspots"
    if key == "extended" and layer:
        return f"{TAXONOMY}#extended-{layer.lower()}"
    return TAXONOMY + ("#core" if key == "core" else "#extended")


def sections(items: list[dict], titles: list) -> list[dict]:
    """Consecutive items with the same section title as one section (title None: a plain list), in order."""
    out: list[dict] = []
    for it, title in zip(items, titles):
        if not out or out[-1]["title"] != title:
            out.append({"title": title, "current": False, "items": []})
        out[-1]["items"].append(it)
        out[-1]["current"] = out[-1]["current"] or it["current"]
    return out


def browse(kb: KB, L: HtmlLinker, nav: dict | None) -> dict | None:
    """maestro.views.nav_view with its links resolved for this page: what overrides/main.html draws as the sidebar
    of siblings, the breadcrumb and the previous / next links. Every ID link comes from the HtmlLinker."""
    if nav is None:
        return None
    kind = nav["kind"]

    def step(i):
        return {"id": i, "name": kb.name_of(i) or "Reserved", "href": L.href(src_of(kind, i))} if i else None

    def item(s):  # a reserved ID's name is "Reserved" already; a deprecated one says so
        return {"id": s["id"], "label": f"{s['id']} {s['name']}", "current": s["current"], "note": "deprecated" if s["status"] == "deprecated" else None,
                "href": L.href(src_of(kind, s["id"]) + ("#top" if s["current"] else ""))}

    return {"title": nav["group"]["title"], "href": L.href(group_target(nav["group"]["link"])),
            "sections": sections([item(s) for s in nav["siblings"]], [s["section"] for s in nav["siblings"]]),
            "prev": step(nav["prev"]), "next": step(nav["next"]),
            "crumbs": [{"label": c["label"], "current": c["current"], "href": L.href(group_target(c["link"])) if c["link"] else None}
                       for c in nav["breadcrumb"]]}


def _notices(kb: KB, ident: str, L: HtmlLinker) -> list[str]:
    """Banners a reader must see first: a deprecated ID, and an ID whose number another publisher also uses."""
    out = []
    entry = kb.threats.get(ident) or kb.blindspots.get(ident) or kb.mitigations.get(ident) or {}
    if kb.status_of(ident) == "deprecated":
        d = entry["deprecated"]
        out.append(admonition("warning", f"Deprecated in v{d['version']}", L.prose(d["reason"]) +
                              "\n\nThe ID keeps this page and its meaning, and is never reused; it no longer appears in lists, checklists or the matrix."))
    ext = kb.external_threats.get(ident)
    if ext:
        out.append(admonition("danger", f"MAESTRO {ident} is not OWASP {ident}",
                              f"In {esc(ext['framework'])} v{esc(ext['edition'])}, {esc(ident)} is <strong>{esc(ext['name'])}</strong>, an OWASP entry. "
                              f"This page is MAESTRO {esc(ident)}, {esc(entry.get('name', ''))}, a playbook ID whose meaning never changes. "
                              f"The MAESTRO threats nearest to OWASP {esc(ident)} are {L.ids(ext['nearest'], name=True)}. "
                              f"Cite this one as <code>MAESTRO {esc(ident)}</code> ({L.link('ruling R05', 'reference/changelog.md#r05')})."))
    return out


def revoked_page(kb: KB, kind: str, ident: str) -> GeneratedPage:
    """The page of a revoked ID: it sends the reader to the ID that replaced it."""
    e = {"threat": kb.threats, "blindspot": kb.blindspots, "mitigation": kb.mitigations}[kind][ident]
    r = e["revoked"]
    L = HtmlLinker(kb, src_of(kind, ident))
    body = L.prose(r["reason"]) + f"\n\nThis ID now points to {L.id(r['replaced_by'], name=True)}."
    target = src_of(kind, r["replaced_by"])[: -len(".md")] + "/"
    return _page(L, "revoked.html.j2", templating.meta(f"{ident} (revoked): see {r['replaced_by']}",
                                                        f"{ident} was revoked in v{r['version']}; {r['replaced_by']} replaces it.",
                                                        kind, ident, redirect=target),
                 id=ident, name=e.get("name", ident), revoked=r, body=Markup(body))


def _page(L: HtmlLinker, template: str, meta: dict, **context) -> GeneratedPage:
    """One generated page: its template rendered with the HtmlLinker that made its links, which knows their targets."""
    html = templating.render(template, L, **context)
    return GeneratedPage(meta=meta, html=html, targets=L.targets)


def threat_page(kb: KB, tid: str) -> GeneratedPage:
    """A threat's page: maestro.views.threat_view rendered through templates/threat.html.j2."""
    t = kb.threats[tid]
    L = HtmlLinker(kb, src_of("threat", tid))
    if t["kind"] == "reserved":
        return reserved_page(kb, tid, L)
    if kb.status_of(tid) == "revoked":
        return revoked_page(kb, "threat", tid)
    v = views.threat_view(kb, tid)
    marks = [("kind", v["origin"])] + [("layer", f"{l['id']} {l['strength']}") for l in v["layers"]]
    marks += [("note", "multi-agent systems only")] if v["multi_agent_only"] else []
    marks += [("note", f"MCP: {v['mcp']} threat")] if v["mcp"] else []
    marks += [("label", f"short label: {v['short_label']}")] if v["short_label"] else []
    gap = ("No mitigation in the catalog addresses this threat yet. Treat it as a coverage gap: design a project-specific control and record it in Phase 7."
           + ("\n\n" + L.prose(v["gap_note"]) if v["gap_note"] else "")
           + ("\n\nControls that help partly: " + L.ids(v["partial_mitigations"], name=True) + "." if v["partial_mitigations"] else ""))
    partial = ("The catalog has no " + " or ".join(esc(kb.types[k]["name"].lower()) for k in v["coverage_missing"]) + " control for this threat. "
               "A Critical or High instance of it needs a project-specific one (see the Phase 7 rule).")
    return _page(
        L, "threat.html.j2", templating.meta(f"{tid}: {v['name']}", v["description"], "threat", tid, nav=browse(kb, L, v["nav"])),
        t=v, e=v, notices=[Markup(n) for n in _notices(kb, tid, L)], marks=marks,
        layer_rows=[[L.id(l["id"], name=True), "primary" if l["strength"] == "primary" else "secondary"] for l in v["layers"]],
        gap_body=Markup(gap), partial_body=Markup(partial), named=lambda i: Markup(L.id(i, name=True)),
        mitigation_rows=lambda group: _safe_rows(_mitigation_rows(group, L)),
        item_line=lambda i: Markup(f"{L.item(i)} {L.prose(kb.items[i]['text'])}"),
        crosswalk_table=Markup(crosswalk_table(kb, t, L, [["STRIDE", ", ".join(esc(s) for s in t["stride"]) or "-"]])))


def _safe_rows(rows: list[list[str]]) -> list[list[Markup]]:
    return [[Markup(c) for c in row] for row in rows]


def _mitigation_rows(group: dict, L: HtmlLinker) -> list[list[str]]:
    """A threat's mitigations of one type: ID, name, layer, and why each applies (views.mitigation_for_threat)."""
    return [[L.id(r["id"]), esc(r["name"]), L.id(r["layer"], name=True), L.prose(r["reason"])] for r in group["rows"]]


def layers_cell(layers: list[dict], L: HtmlLinker) -> str:
    """A threat's layers, primary first: "L3 primary; L2, L5 secondary"."""
    parts = []
    for strength in ("primary", "secondary"):
        ids_ = [x["id"] for x in layers if x["strength"] == strength]
        if ids_:
            parts.append(f"{L.ids(ids_)} {strength}")
    return "; ".join(parts) or "-"


def coverage_cell(kb: KB, c: dict) -> str:
    """What one control adds to a threat's preventive / detective / corrective coverage (views.coverage_role)."""
    name = esc(kb.types[c["type"]]["name"].lower())
    missing = " or ".join(esc(kb.types[k]["name"].lower()) for k in c["missing"])
    rest = f"still no {missing} control" if missing else "all three types covered"
    if c["completes"]:
        return f"<strong>Completes it</strong>: the only {name} control, and the threat has all three types"
    if c["type"] not in ("P", "D", "C"):
        return f"{name.capitalize()}, outside the three types; {rest}"
    mine = f"the only {name} control" if c["sole"] else f"one of {c['same_type']} {name} controls"
    return f"{mine[0].upper()}{mine[1:]}; {rest}"


def crosswalk_table(kb: KB, e: dict, L: HtmlLinker, first=()) -> str:
    """The external mappings of a threat or blindspot, each framework with its edition; an empty one says why."""
    why = e.get("no_mapping", {})

    def cell(field, text):
        return text or (f"none: {L.prose(why[field])}" if field in why else "none")
    asi = kb.frameworks["asi_top10"]
    rows = [*first,
            *([esc(kb.llm_title(ed)), cell("llm_top10", ", ".join(f"<code>{esc(x)}</code> {esc(kb.llm[x]['name'])}" for x in cited))]
              for ed, cited in kb.llm_editions(e["llm_top10"]).items()),
            [f"{esc(asi['name'])} {esc(asi['current'])}", cell("asi_top10", ", ".join(f"{esc(x)} {esc(kb.asi[x]['name'])}" for x in e["asi_top10"]))],
            ["CWE", cell("cwe", ", ".join(f"{L.cwe(c)} {esc(kb.cwe[c])}" for c in e["cwe"]))],
            [f"MITRE ATLAS {esc(kb.atlas_edition)}", cell("atlas", ", ".join(L.atlas(a) for a in e["atlas"]))]]
    return table(["Framework", "Mapping"], rows)


def reserved_page(kb: KB, tid: str, L: HtmlLinker) -> GeneratedPage:
    t = kb.threats[tid]
    body = (L.prose(t["note"]) + "\n\nNo threat, mitigation or checklist item refers to it. "
            "If a future release assigns it, this page will describe that threat; the URL will stay the same.")
    return _page(L, "reserved.html.j2", templating.meta(f"{tid}: Reserved", t["note"], "threat", tid,
                                                         nav=browse(kb, L, views.nav_view(kb, "threat", tid))),
                 id=tid, cite_links=views.cite_view(kb, tid), body=Markup(body))


# ===================================================================== blindspots
def blindspot_page(kb: KB, bid: str) -> GeneratedPage:
    """A blindspot's page: maestro.views.blindspot_view rendered through templates/blindspot.html.j2."""
    if kb.status_of(bid) == "revoked":
        return revoked_page(kb, "blindspot", bid)
    L = HtmlLinker(kb, src_of("blindspot", bid))
    v = views.blindspot_view(kb, bid)
    return _page(
        L, "blindspot.html.j2", templating.meta(f"{bid}: {v['name']}", v["description"], "blindspot", bid, nav=browse(kb, L, v["nav"])),
        b=v, e=v, notices=[Markup(n) for n in _notices(kb, bid, L)], layer_mark=lambda l: ("layer", l),
        named=lambda i: Markup(L.id(i, name=True)), item_line=lambda i: Markup(f"{L.item(i)} {L.prose(kb.items[i]['text'])}"),
        crosswalk_table=Markup(crosswalk_table(kb, kb.blindspots[bid], L)),
        related_rows=_safe_rows([[L.id(r["id"]), esc(r["name"]), layers_cell(r["layers"], L)] for r in v["related"]]),
        mitigation_rows=_safe_rows([[L.id(r["id"]), esc(r["name"]), esc(r["type"]), L.prose(r["reason"])] for r in v["mitigation_rows"]]))


# ===================================================================== mitigations
def mitigation_page(kb: KB, mid: str) -> GeneratedPage:
    """A mitigation's page: maestro.views.mitigation_view rendered through templates/mitigation.html.j2."""
    if kb.status_of(mid) == "revoked":
        return revoked_page(kb, "mitigation", mid)
    L = HtmlLinker(kb, src_of("mitigation", mid))
    v = views.mitigation_view(kb, mid)
    facts = [["Layer", L.id(v["layer"], name=True)], ["Type", f"{esc(v['type']['name'])}: {esc(v['type']['purpose'])}"],
             [f"MITRE ATLAS {esc(v['atlas_edition'])} mitigations", ("; ".join(L.atlas_mitigation(a) for a in v["atlas_mitigations"])
              or "no corresponding ATLAS mitigation") + f" (the edition's list: {esc(kb.atlas_basis)})"]]
    return _page(
        L, "mitigation.html.j2", templating.meta(f"{mid}: {v['name']}", v["description"], "mitigation", mid, nav=browse(kb, L, v["nav"])),
        m=v, notices=[Markup(n) for n in _notices(kb, mid, L)], layer_name=kb.layers[v["layer"]]["name"],
        facts=[[Markup(c) for c in row] for row in facts], addressed=[Markup(x) for x in _addressed(kb, v, L)],
        sibling_rows=_safe_rows(_sibling_rows(kb, v, L)),
        threat_rows=_safe_rows([[L.id(r["id"]), esc(r["name"]), layers_cell(r["layers"], L), coverage_cell(kb, r["coverage"])]
                                for r in v["threats"]]))


def _addressed(kb: KB, v: dict, L: HtmlLinker) -> list[str]:
    """What a control addresses beyond single threats (those are in the table): every threat, chains, patterns."""
    lines = []
    if v["scope"] == "all":
        lines.append("Every threat: this control supports the response to any incident.")
    if v["scope"] == "cross-layer":
        lines.append("Every cross-layer chain (see the " + L.link("cross-layer dimension", src_of("layer", "CL")) + ").")
    lines += [L.pattern(n) for n in v["patterns"]]
    return lines + [L.consideration(k) + " (unnumbered consideration)" for k in v["considerations"]]


def _sibling_rows(kb: KB, v: dict, L: HtmlLinker) -> list[list[str]]:
    return [[L.id(s), esc(kb.mitigations[s]["name"]), esc(kb.types[kb.mitigation_type(s)]["name"]),
             ", ".join(L.id(t) for t in kb.mitigations[s]["addresses"] if t in v["addresses"])] for s in v["siblings"]]


# ===================================================================== layers
def layer_page(kb: KB, lid: str) -> GeneratedPage:
    """A layer's page: maestro.views.layer_view rendered through templates/layer.html.j2."""
    L = HtmlLinker(kb, src_of("layer", lid))
    v = views.layer_view(kb, lid)
    return _page(
        L, "layer.html.j2", templating.meta(f"{lid}: {v['name']}", v["summary"], "layer", lid, nav=browse(kb, L, v["nav"])),
        l=v, strip=Markup(diagrams.layer_strip_diagram(kb, L, lid)),
        named=lambda i: Markup(L.id(i, name=True)),
        item_line=lambda i: Markup(f"{L.item(i)} {L.prose(kb.items[i]['text'])}"),
        step_line=lambda s: Markup(f"<strong>{L.id(s['layer'])}</strong>: {L.prose(s['text'])}"))


# ===================================================================== index pages
def _index(L: HtmlLinker, key: str, title: str, description: str, head: list, rows: list, intro: str = "") -> GeneratedPage:
    return _page(L, "index.html.j2", templating.meta(title, description, "index", key), title=title, slug=title.lower().replace(" ", "-"),
                 head=head, rows=[[Markup(c) for c in r] for r in rows], intro=Markup(intro))


# The index pages are registries: every ID of a type with its name and status, nothing more. The tables that
# explain the IDs (layers, kinds, controls per layer) live once, in the chapter each index links to.
def _registry(kb: KB, key: str, title: str, description: str, idents, chapter: str, chapter_label: str) -> str:
    L = HtmlLinker(kb, f"{key}/index.md")
    rows = [[L.id(i), esc(kb.name_of(i) or "Reserved"), esc(kb.status_of(i))] for i in idents]
    return _index(L, key, title, description, ["ID", "Name", "Status"], rows,
                  f"Every {title.lower().rstrip('s')} ID and its status; the {L.link(chapter_label, chapter)} explains them.")


def threats_index(kb: KB) -> GeneratedPage:
    return _registry(kb, "threats", "Threats", "Every threat ID with its page.", kb.threats, TAXONOMY, "threat taxonomy")


def blindspots_index(kb: KB) -> GeneratedPage:
    return _registry(kb, "blindspots", "Blindspot vectors", "Every blindspot vector with its page.", kb.blindspots,
                     TAXONOMY + "#blindspots", "threat taxonomy")


def mitigations_index(kb: KB) -> GeneratedPage:
    return _registry(kb, "mitigations", "Mitigations", "Every mitigation ID with its page.",
                     sorted(kb.mitigations, key=kb.mitigation_sort_key), CATALOG, "mitigation catalog")


def layers_index(kb: KB) -> GeneratedPage:
    return _registry(kb, "layers", "Layers", "The seven MAESTRO layers and the cross-layer dimension.", LAYER_ORDER,
                     "playbook/01-layers.md", "layers chapter")


def all_pages(kb: KB) -> dict[str, GeneratedPage]:
    """Every generated page: docs-relative source path -> GeneratedPage."""
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

