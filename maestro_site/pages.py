"""One generated page per ID (threats, blindspots, mitigations, layers) and the four index pages, as Markdown.

Each page is a template in ``templates/pages/`` fed the plain view of ``maestro/views.py`` and the page's Linker;
``all_pages`` returns them as ``GeneratedPage`` (its Markdown and the metadata front matter would hold), and the
plugin (maestro_site/plugin.py) adds them to the build, where MkDocs renders them like any page in docs/.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from maestro import crosswalk, views
from maestro.kb import KB, LAYER_ORDER, TYPE_ORDER
from maestro.urls import src_of

from . import templating
from .filters import Facet, filter_form, row_attrs
from .render import CATALOG, MATRIX, TAXONOMY, Linker, esc
from .templating import fragment
from .tables import diagrams

LAYERS_CHAPTER = "playbook/01-layers.md"
SEARCH_BOOST = 3
"""How much more a page that defines an ID weighs in search than a page that mentions it (Material's ``search.boost``)."""


@dataclass(frozen=True)
class SiteOptions:
    """What the pages need from the build's config: ``directory_urls`` (off in the offline copy) and ``base``, the
    published site's address (SITE_URL), or None when the build has none."""
    directory_urls: bool = True
    base: str | None = None


@dataclass
class GeneratedPage:
    """One generated page: its Markdown and its metadata (what front matter would hold)."""
    markdown: str
    meta: dict


def meta(title: str, description: str, kind: str, ident: str, redirect: str | None = None, nav: dict | None = None,
         aliases: list[str] | None = None) -> dict:
    """A generated page's metadata; ``nav`` (``browse``) feeds the sidebar, breadcrumb and pager of overrides/main.html.

    The page that defines an ID outranks the pages that mention it in search; a revoked ID's page (a redirect) and the
    index pages stay out of the index; the ID's aliases are the page's search tags. Title and description are stored escaped, as Markup: Material prints
    ``page.meta.title`` and ``.description`` as they are, in a Jinja environment without autoescape."""
    out = {"title": escape(title), "description": escape(description[:160]), "render_macros": False, "maestro_id": ident,
           "maestro_kind": kind, "search": {"exclude": True} if redirect or kind == "index" else {"boost": SEARCH_BOOST}}
    if redirect:
        out["redirect"] = redirect
    if nav:
        out["maestro_nav"] = nav
    if aliases:
        out["tags"] = list(aliases)   # Material's search weighs a page's tags above its title and text
    return out


def render(template: str, L: Linker, page_meta: dict, **context) -> GeneratedPage:
    return GeneratedPage(templating.render_page(template, L, MATRIX=MATRIX, CATALOG=CATALOG, TAXONOMY=TAXONOMY, **context), page_meta)


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


def browse(kb: KB, L: Linker, nav: dict | None) -> dict | None:
    """maestro.views.nav_view with its links resolved for this page: what overrides/partials/maestro-browse.html draws
    as the sidebar of siblings, the breadcrumb and the previous / next links."""
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


# ===================================================================== shared pieces
def notices(kb: KB, ident: str) -> dict:
    """What the notice banners of an ID page need: its deprecation, and the other publisher using the same number."""
    entry = kb.threats.get(ident) or kb.blindspots.get(ident) or kb.mitigations.get(ident) or {}
    ext = kb.external_threats.get(ident)
    return {"deprecated": entry["deprecated"] if kb.status_of(ident) == "deprecated" else None,
            "external": {**ext, "id": ident, "own_name": entry.get("name", "")} if ext else None}


def markup(rows) -> list[list[Markup]]:
    """Table cells the Linker or a cell builder wrote (escaped Markdown already)."""
    return [[Markup(c) for c in row] for row in rows]


def layers_cell(layers: list[dict], L: Linker) -> str:
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
        return f"**Completes it**: the only {name} control, and the threat has all three types"
    if c["type"] not in ("P", "D", "C"):
        return f"{name.capitalize()}, outside the three types; {rest}"
    mine = f"the only {name} control" if c["sole"] else f"one of {c['same_type']} {name} controls"
    return f"{mine[0].upper()}{mine[1:]}; {rest}"


def crosswalk_entry(field: str, entry: dict, L: Linker) -> str:
    """One external entry of a crosswalk row: its ID (linked to the publisher's page where the data gives a URL pattern)
    and its name; a STRIDE category is its name alone."""
    if field == crosswalk.STRIDE.name:
        return esc(entry["name"])
    if field == crosswalk.ATLAS.name:   # the ATLAS technique's link carries its name, as on every other page
        return L.external(entry["id"], entry["url"], entry["name"], entry["name"])
    ident = L.external(entry["id"], entry["url"], None, entry["name"]) if entry["url"] else esc(entry["id"])
    return f"{ident} {esc(entry['name'])}"


def crosswalk_rows(kb: KB, ident: str, L: Linker) -> list[list[Markup]]:
    """The framework mappings table of a threat or blindspot, from the crosswalk registry (views.crosswalk): each
    framework with its edition; an empty one says why, where the data says."""
    rows = []
    for row in views.crosswalk(kb, ident):
        mapping = ", ".join(crosswalk_entry(row["field"], e, L) for e in row["entries"])
        if not mapping:
            mapping = f"none: {L.prose(row['none'])}" if row["none"] else ("-" if row["field"] == crosswalk.STRIDE.name else "none")
        rows.append([esc(row["framework"]), mapping])
    return markup(rows)


def item_lines(kb: KB, L: Linker, items) -> list[Markup]:
    return [Markup(f"{L.item(i)} {L.prose(kb.items[i]['text'])}") for i in items]


# ===================================================================== ID pages
def revoked_page(kb: KB, kind: str, ident: str, site: SiteOptions = SiteOptions()) -> GeneratedPage:
    """The page of a revoked ID: it sends the reader to the ID that replaced it."""
    e = {"threat": kb.threats, "blindspot": kb.blindspots, "mitigation": kb.mitigations}[kind][ident]
    r = e["revoked"]
    L = Linker(kb, src_of(kind, ident), site.directory_urls)
    target = src_of(kind, r["replaced_by"])[: -len(".md")] + "/"
    page_meta = meta(f"{ident} (revoked): see {r['replaced_by']}", f"{ident} was revoked in v{r['version']}; {r['replaced_by']} replaces it.",
                     kind, ident, redirect=target)
    return render("revoked.md.j2", L, page_meta, id=ident, name=e.get("name", ident), revoked=r)


def reserved_page(kb: KB, tid: str, site: SiteOptions = SiteOptions()) -> GeneratedPage:
    L = Linker(kb, src_of("threat", tid), site.directory_urls)
    page_meta = meta(f"{tid}: Reserved", kb.threats[tid]["note"], "threat", tid, nav=browse(kb, L, views.nav_view(kb, "threat", tid)))
    return render("reserved.md.j2", L, page_meta, id=tid, note=kb.threats[tid]["note"], cite=views.cite_view(kb, tid, site.base))


def threat_marks(v: dict) -> list[tuple[str, str]]:
    """The badges under a threat's title: its origin, its layers and what else sets it apart."""
    marks = [("kind", v["origin"])] + [("layer", f"{l['id']} {l['strength']}") for l in v["layers"]]
    marks += [("note", "multi-agent systems only")] if v["multi_agent_only"] else []
    marks += [("note", f"MCP: {v['mcp']} threat")] if v["mcp"] else []
    return marks + ([("label", f"short label: {v['short_label']}")] if v["short_label"] else [])


def threat_page(kb: KB, tid: str, site: SiteOptions = SiteOptions()) -> GeneratedPage:
    """A threat's page: maestro.views.threat_view rendered through templates/pages/threat.md.j2."""
    t = kb.threats[tid]
    if t["kind"] == "reserved":
        return reserved_page(kb, tid, site)
    if kb.status_of(tid) == "revoked":
        return revoked_page(kb, "threat", tid, site)
    L = Linker(kb, src_of("threat", tid), site.directory_urls)
    v = views.threat_view(kb, tid)
    groups = [{"name": g["name"], "purpose": g["purpose"],
               "rows": markup([L.id(r["id"]), esc(r["name"]), L.id(r["layer"], name=True), L.prose(r["reason"])] for r in g["rows"])}
              for g in v["mitigations"]]
    return render("threat.md.j2", L, meta(f"{tid}: {v['name']}", v["description"], "threat", tid, nav=browse(kb, L, v["nav"]), aliases=v["aliases"]),
                  t=v, cite=views.cite_view(kb, tid, site.base), marks=threat_marks(v), mitigation_groups=groups,
                  layer_rows=markup([L.id(l["id"], name=True), "primary" if l["strength"] == "primary" else "secondary"] for l in v["layers"]),
                  coverage_missing=[kb.types[k]["name"].lower() for k in v["coverage_missing"]],
                  item_lines=item_lines(kb, L, v["checklist_items"]),
                  crosswalk=crosswalk_rows(kb, tid, L), **notices(kb, tid))


def blindspot_page(kb: KB, bid: str, site: SiteOptions = SiteOptions()) -> GeneratedPage:
    """A blindspot's page: maestro.views.blindspot_view rendered through templates/pages/blindspot.md.j2."""
    if kb.status_of(bid) == "revoked":
        return revoked_page(kb, "blindspot", bid, site)
    L = Linker(kb, src_of("blindspot", bid), site.directory_urls)
    v = views.blindspot_view(kb, bid)
    return render("blindspot.md.j2", L, meta(f"{bid}: {v['name']}", v["description"], "blindspot", bid, nav=browse(kb, L, v["nav"]), aliases=v["aliases"]),
                  bs=v, cite=views.cite_view(kb, bid, site.base), marks=[("layer", l) for l in v["layers"]],
                  item_lines=item_lines(kb, L, v["checklist_items"]), crosswalk=crosswalk_rows(kb, bid, L),
                  related_rows=markup([L.id(r["id"]), esc(r["name"]), layers_cell(r["layers"], L)] for r in v["related"]),
                  mitigation_rows=markup([L.id(r["id"]), esc(r["name"]), esc(r["type"]), L.prose(r["reason"])] for r in v["mitigation_rows"]),
                  **notices(kb, bid))


def mitigation_facts(kb: KB, v: dict, L: Linker) -> list[list[Markup]]:
    atlas = "; ".join(L.atlas_mitigation(a) for a in v[crosswalk.ATLAS_MITIGATIONS.name]) or "no corresponding ATLAS mitigation"
    return markup([["Layer", L.id(v["layer"], name=True)], ["Type", f"{esc(v['type']['name'])}: {esc(v['type']['purpose'])}"],
                   [f"MITRE ATLAS {esc(v['atlas_edition'])} mitigations", f"{atlas} (the edition's list: {esc(kb.atlas_basis)})"]])


def addressed(v: dict, L: Linker) -> list[Markup]:
    """What a control addresses beyond single threats (those are in the table): every threat, chains, patterns."""
    lines = []
    if v["scope"] == "all":
        lines.append("Every threat: this control supports the response to any incident.")
    if v["scope"] == "cross-layer":
        lines.append("Every cross-layer chain (see the " + L.link("cross-layer dimension", src_of("layer", "CL")) + ").")
    lines += [L.pattern(n) for n in v["patterns"]]
    return [Markup(x) for x in lines + [L.consideration(k) + " (unnumbered consideration)" for k in v["considerations"]]]


def mitigation_page(kb: KB, mid: str, site: SiteOptions = SiteOptions()) -> GeneratedPage:
    """A mitigation's page: maestro.views.mitigation_view rendered through templates/pages/mitigation.md.j2."""
    if kb.status_of(mid) == "revoked":
        return revoked_page(kb, "mitigation", mid, site)
    L = Linker(kb, src_of("mitigation", mid), site.directory_urls)
    v = views.mitigation_view(kb, mid)
    siblings = markup([L.id(s), esc(kb.mitigations[s]["name"]), esc(kb.types[kb.mitigation_type(s)]["name"]),
                       ", ".join(L.id(t) for t in kb.mitigations[s]["addresses"] if t in v["addresses"])] for s in v["siblings"])
    threats = markup([L.id(r["id"]), esc(r["name"]), layers_cell(r["layers"], L), coverage_cell(kb, r["coverage"])] for r in v["threats"])
    return render("mitigation.md.j2", L, meta(f"{mid}: {v['name']}", v["description"], "mitigation", mid, nav=browse(kb, L, v["nav"]), aliases=v["aliases"]),
                  m=v, cite=views.cite_view(kb, mid, site.base), layer_name=kb.layers[v["layer"]]["name"], facts=mitigation_facts(kb, v, L),
                  addressed=addressed(v, L), sibling_rows=siblings, threat_rows=threats, **notices(kb, mid))


def layer_page(kb: KB, lid: str, site: SiteOptions = SiteOptions()) -> GeneratedPage:
    """A layer's page: maestro.views.layer_view rendered through templates/pages/layer.md.j2."""
    L = Linker(kb, src_of("layer", lid), site.directory_urls)
    v = views.layer_view(kb, lid)
    steps = {p["n"]: [Markup(f"**{L.id(s['layer'])}**: {L.prose(s['text'])}") for s in p["steps"]] for p in v.get("patterns") or []}
    return render("layer.md.j2", L, meta(f"{lid}: {v['name']}", v["summary"], "layer", lid, nav=browse(kb, L, v["nav"])),
                  l=v, cite=views.cite_view(kb, lid, site.base), strip=Markup(diagrams.layer_strip_diagram(kb, L, lid)), step_lines=steps,
                  item_lines=item_lines(kb, L, v["checklist_items"]))


# ===================================================================== index pages
# An index page lists every ID of a type: what it covers (its layers; layer and type for a control), a one-line
# summary (the first sentence of its description) and its status where it is not active, with the layer (and type)
# filter of the matrix. The layers index stays a registry of the eight layer pages.
INDEXES = {  # key: (title, singular, description, chapter, chapter label)
    "threats": ("Threats", "threat", "Every threat ID with its layers and a one-line summary.", TAXONOMY, "threat taxonomy"),
    "blindspots": ("Blindspot vectors", "blindspot vector", "Every blindspot vector with its layers and a one-line summary.",
                   TAXONOMY + "#blindspots", "threat taxonomy"),
    "mitigations": ("Mitigations", "mitigation", "Every mitigation ID with its layer, type and a one-line summary.", CATALOG,
                    "mitigation catalog"),
    "layers": ("Layers", "layer", "The seven MAESTRO layers and the cross-layer dimension.", LAYERS_CHAPTER, "layers chapter"),
}


def index_ids(kb: KB, key: str) -> list[str]:
    return {"threats": list(kb.threats), "blindspots": list(kb.blindspots), "layers": list(LAYER_ORDER),
            "mitigations": sorted(kb.mitigations, key=kb.mitigation_sort_key)}[key]


def summary(kb: KB, ident: str, L: Linker) -> Markup:
    """The first sentence of an ID's description (a reserved threat's note), escaped and with its IDs linked."""
    entry = kb.threats.get(ident) or kb.blindspots.get(ident) or kb.mitigations.get(ident)
    first = views.sentences(entry.get("description") or entry.get("note") or "")[:1]
    return Markup(L.html_prose(first[0])) if first else Markup("")


def name_cell(kb: KB, ident: str) -> Markup:
    """The ID's name, with its status where it is not active."""
    status = kb.status_of(ident)
    name = escape(kb.name_of(ident) or "Reserved")
    return name if status == "active" else Markup(f"{name} <em>({escape(status)})</em>")


def layer_links(kb: KB, layers: list[dict], L: Linker) -> Markup:
    """A threat's or blindspot's layers, primary first, as links: "L3 primary; L2, L5 secondary"."""
    parts = []
    for strength in ("primary", "secondary", None):
        ids_ = [x["id"] for x in layers if x.get("strength") == strength]
        if ids_:
            links = ", ".join(L.id_link(i, in_html=True) or escape(i) for i in ids_)
            parts.append(f"{links} {strength}" if strength else links)
    return Markup("; ".join(parts) or "-")


def index_rows(kb: KB, key: str, L: Linker) -> list[dict]:
    """Plain rows of a filterable index: the filter attributes and the cells."""
    rows = []
    for i in index_ids(kb, key):
        link, name = Markup(L.id_link(i, in_html=True)), name_cell(kb, i)
        if key == "mitigations":
            layer, letter = kb.mitigation_layer(i), kb.mitigation_type(i)
            cells = [link, name, Markup(L.id_link(layer, in_html=True) or escape(layer)), escape(kb.types[letter]["name"])]
            attrs = row_attrs(layer=layer, type=letter)
        else:
            layers = views.layers_of(kb, i) if key == "threats" else [{"id": l} for l in kb.blindspots[i]["layers"]]
            cells = [link, name, layer_links(kb, layers, L)]
            attrs = row_attrs(cells=[f"{l['id']}:{l.get('strength') or 'primary'}" for l in layers])
        rows.append({"attrs": attrs, "cells": cells + [summary(kb, i, L)]})
    return rows


def index_filter(kb: KB, key: str, total: int) -> Markup:
    layers = Facet("layer", "Layer", "Any layer", [(l, f"{l} {kb.layers[l]['name']}") for l in LAYER_ORDER])
    if key == "mitigations":
        types = Facet("type", "Type", "Any type", [(k, kb.types[k]["name"]) for k in TYPE_ORDER])
        return filter_form(key, "Filter the mitigations", [layers, types], total, "mitigations")
    layers = Facet("layer", "Layer", "Any layer", layers.options, key="cells", part=0)
    return filter_form(key, f"Filter the {INDEXES[key][0].lower()}", [layers], total, INDEXES[key][0].lower())


def index_page(kb: KB, key: str, site: SiteOptions = SiteOptions()) -> GeneratedPage:
    title, singular, description, chapter, chapter_label = INDEXES[key]
    L = Linker(kb, f"{key}/index.md", site.directory_urls)
    context = {"title": title, "slug": title.lower().replace(" ", "-"), "singular": singular, "chapter": chapter,
               "chapter_label": chapter_label, "table": None, "filter": None, "covers": None, "rows": []}
    if key == "layers":
        context["rows"] = markup([L.id(i), esc(kb.name_of(i)), esc(kb.status_of(i))] for i in index_ids(kb, key))
    else:
        rows = index_rows(kb, key, L)
        head = ["ID", "Name", "Layer", "Type", "Summary"] if key == "mitigations" else ["ID", "Name", "Layers", "Summary"]
        context.update(table=fragment("id-index.html.j2", group=key, head=head, rows=rows), filter=index_filter(kb, key, len(rows)),
                       covers="its layer and type" if key == "mitigations" else "its layers")
    return render("index.md.j2", L, meta(title, description, "index", key), **context)


def all_pages(kb: KB, site: SiteOptions = SiteOptions()) -> dict[str, GeneratedPage]:
    """Every generated page: docs-relative source path -> GeneratedPage."""
    pages = {f"{key}/index.md": index_page(kb, key, site) for key in INDEXES}
    for kind, table, make in (("threat", kb.threats, threat_page), ("blindspot", kb.blindspots, blindspot_page),
                              ("mitigation", kb.mitigations, mitigation_page), ("layer", kb.layers, layer_page)):
        for ident in table:
            pages[src_of(kind, ident)] = make(kb, ident, site)
    return pages
