"""Diagrams drawn from the knowledge base (and from an engagement's records) as inline SVG.

Every function returns one SVG document as a string: ``role="img"`` with a title and a description
for screen readers, CSS classes for colour (docs/assets/diagrams.css styles them for light, dark and
print), text labels wherever a colour carries meaning, and a link on every element that names an ID.
Nothing here knows about MkDocs: ``href`` is a function from an ID to the URL to link it to (or None).
"""
from __future__ import annotations

import itertools
import textwrap
from typing import Callable
from xml.sax.saxutils import escape, quoteattr

from .kb import CROSS_LAYER, KB, STACK_LAYERS

Href = Callable[[str], "str | None"]
_ids = itertools.count(1)
VERTICAL_LAYER = "L6"   # drawn as the column that spans the others (glossary: Vertical Layer)


# ------------------------------------------------------------------ primitives
STANDALONE_STYLE = ("<style>text{font-family:sans-serif;fill:#111}.dg-label{font-size:14px;font-weight:700}.dg-text{font-size:13px}"
                    ".dg-small,.dg-cell,.dg-id{font-size:11.5px}.dg-id{font-weight:700}.dg-tiny{font-size:9.5px}"
                    "rect{fill:#fff;stroke:#333;stroke-width:1.2}.dg-zone{stroke-dasharray:4 3}.dg-arrow{stroke:#555;stroke-width:1.6;fill:none}"
                    ".dg-head{fill:#555}</style>")
"""Colours for an SVG opened on its own (``maestro diagram``), where the site's stylesheet is absent."""


def svg(width: int, height: int, title: str, desc: str, body: list[str], cls: str, standalone: bool = False) -> str:
    """An accessible SVG document; its title and description name what the picture shows."""
    n = next(_ids)
    if standalone:
        body = [STANDALONE_STYLE] + body
    # a picture with links is a group of links (role img would hide them from assistive technology)
    role = "group" if "xlink:href" in "".join(body) else "img"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" class="maestro-diagram {cls}" '
            f'viewBox="0 0 {width} {height}" role="{role}" aria-labelledby="dg{n}t" aria-describedby="dg{n}d" preserveAspectRatio="xMidYMin meet">'
            f'<title id="dg{n}t">{escape(title)}</title><desc id="dg{n}d">{escape(desc)}</desc>'
            + "".join(body) + "</svg>")


def box(x: float, y: float, w: float, h: float, cls: str, rx: int = 6) -> str:
    return f'<rect class="{cls}" x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{rx}"/>'


def text(x: float, y: float, s: str, cls: str = "dg-text", anchor: str = "middle") -> str:
    return f'<text class="{cls}" x="{x:g}" y="{y:g}" text-anchor="{anchor}">{escape(s)}</text>'


def lines(x: float, y: float, s: str, width: int, cls: str = "dg-small", step: int = 14, anchor: str = "middle", most: int = 4) -> str:
    """``s`` wrapped at ``width`` characters, at most ``most`` lines (the last one ends in an ellipsis if cut)."""
    wrapped = textwrap.wrap(s, width) or [""]
    if len(wrapped) > most:
        wrapped = wrapped[:most]
        wrapped[-1] = wrapped[-1][: max(0, width - 1)].rstrip() + "\u2026"
    return "".join(text(x, y + i * step, w, cls, anchor) for i, w in enumerate(wrapped))


def link(href: Href, ident: str, inner: str, name: str | None = None) -> str:
    """``inner`` wrapped in a link to ``ident``'s page, when there is one; ``name`` is its hover text."""
    url = href(ident)
    if not url:
        return inner
    # xlink:href, not href: Material's instant navigation rewrites every relative [href], which an SVG link refuses;
    # the visible text is the accessible name (an aria-label would hide the counts), the title attribute the hover name
    hover = f" title={quoteattr(name)}" if name else ""
    return f"<a xlink:href={quoteattr(url)}{hover}>{inner}</a>"


def arrow(x1: float, y1: float, x2: float, y2: float, cls: str = "dg-arrow") -> str:
    return f'<line class="{cls}" x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" marker-end="url(#dg-head)"/>'


ARROW_HEAD = ('<defs><marker id="dg-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
              '<path class="dg-head" d="M0,0 L10,5 L0,10 z"/></marker></defs>')


# ------------------------------------------------------------------ the layer stack
def layer_counts(kb: KB, lid: str) -> tuple[int, int]:
    """Threats rooted at a layer (primary mark) and catalog mitigations of that layer."""
    threats = [t for t in kb.layer_threats(lid)["primary"] if kb.listed(t)]
    mitigations = [m for ms in kb.layer_mitigations(lid).values() for m in ms if kb.listed(m)]
    return len(threats), len(mitigations)


def _layer_box(kb: KB, href: Href, lid: str, x, y, w, h, current: str | None, vertical: bool = False) -> str:
    nt, nm = layer_counts(kb, lid)
    cls = "dg-layer" + (" dg-current" if lid == current else "") + (" dg-cross" if lid == CROSS_LAYER else "")
    name = kb.layers[lid]["name"]
    cx = x + w / 2
    if vertical:
        label = [text(cx, y + 28, lid, "dg-label"), lines(cx, y + 48, name, 11, "dg-text", 16, most=3),
                 text(cx, y + h - 34, f"{nt} threats", "dg-small"), text(cx, y + h - 18, f"{nm} controls", "dg-small")]
    else:
        label = [text(x + 12, y + h / 2 + 5, f"{lid}  {name}", "dg-label", "start"),
                 text(x + w - 12, y + h / 2 + 5, f"{nt} threats \u00b7 {nm} controls", "dg-small", "end")]
    current_mark = [text(x + w - 12, y + 14, "you are here", "dg-small", "end")] if lid == current and not vertical else []
    return link(href, lid, box(x, y, w, h, cls) + "".join(label + current_mark), name)


def layer_stack(kb: KB, href: Href, current: str | None = None) -> str:
    """The seven layers: L1 at the bottom, L6 as the column beside the stack that spans it, cross-layer beside both."""
    stack = [lid for lid in reversed(STACK_LAYERS) if lid != VERTICAL_LAYER]
    row, gap, w_main, w_col = 54, 8, 520, 120
    height = len(stack) * (row + gap) - gap
    body = [_layer_box(kb, href, lid, 0, i * (row + gap), w_main, row, current) for i, lid in enumerate(stack)]
    body.append(_layer_box(kb, href, VERTICAL_LAYER, w_main + 14, 0, w_col, height, current, vertical=True))
    body.append(_layer_box(kb, href, CROSS_LAYER, w_main + w_col + 28, 0, w_col, height, current, vertical=True))
    desc = ("From top to bottom: " + ", ".join(f"{lid} {kb.layers[lid]['name']}" for lid in stack)
            + f". {VERTICAL_LAYER} {kb.layers[VERTICAL_LAYER]['name']} runs beside the stack and spans every layer; "
            f"the cross-layer dimension spans them all as well. Each box gives the threats rooted there and the catalog controls of the layer.")
    return svg(w_main + 2 * w_col + 28, height, "The MAESTRO layers", desc, body, "dg-stack")


def layer_strip(kb: KB, href: Href, current: str) -> str:
    """A one-line strip of the layers with ``current`` marked: where a layer page sits in the stack."""
    order = STACK_LAYERS + [CROSS_LAYER]
    w, gap, h = 86, 6, 40
    body = []
    for i, lid in enumerate(order):
        cls = "dg-layer" + (" dg-current" if lid == current else "") + (" dg-cross" if lid == CROSS_LAYER else "")
        inner = box(i * (w + gap), 0, w, h, cls, 4) + text(i * (w + gap) + w / 2, 17, lid, "dg-label")
        inner += text(i * (w + gap) + w / 2, 32, kb.layers[lid].get("short_label", ""), "dg-small")
        body.append(link(href, lid, inner, kb.layers[lid]["name"]))
    desc = f"{current} {kb.layers[current]['name']} among the layers " + ", ".join(order) + "."
    return svg(len(order) * (w + gap) - gap, h, f"Where {current} sits", desc, body, "dg-strip")


# ------------------------------------------------------------------ the process
def phase_ranks(kb: KB) -> dict[int, int]:
    """Column of each phase: one more than the furthest of the phases it depends on."""
    rank: dict[int, int] = {}
    for n in sorted(kb.phases):
        deps = kb.phases[n].get("depends_on", [])
        rank[n] = 1 + max((rank[d] for d in deps), default=-1)
    return rank


def _direct_edges(kb: KB) -> list[tuple[int, int]]:
    """Dependencies that no longer chain implies (2 -> 6 is implied by 2 -> 3 -> 6)."""
    deps = {n: set(kb.phases[n].get("depends_on", [])) for n in kb.phases}
    edges = []
    for n, ds in deps.items():
        for d in ds:
            if not any(d in deps[m] for m in ds if m != d):
                edges.append((d, n))
    return sorted(edges)


def phase_flow(kb: KB, href: Href | None = None) -> str:
    """The ten phases by dependency, with the lightweight path's skipped phases marked in words."""
    rank = phase_ranks(kb)
    skipped = set(kb.docs["phases"]["flow"]["lightweight_skipped"])
    w, h, gx, gy = 118, 64, 34, 14
    cols: dict[int, list[int]] = {}
    for n, r in rank.items():
        cols.setdefault(r, []).append(n)
    tallest = max(len(v) for v in cols.values())
    pos = {}
    for r, ns in cols.items():
        top = (tallest - len(ns)) * (h + gy) / 2
        for i, n in enumerate(ns):
            pos[n] = (r * (w + gx), top + i * (h + gy))
    top = 22                                   # room for edges that jump a column
    pos = {n: (x, y + top) for n, (x, y) in pos.items()}
    body = [ARROW_HEAD]
    for a, b in _direct_edges(kb):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        if rank[b] - rank[a] > 1:              # over the phases in between, not through them
            body.append(f'<path class="dg-arrow" d="M{x1 + w / 2:g},{y1:g} C{x1 + w / 2:g},{2:g} {x2 + w / 2:g},{2:g} {x2 + w / 2:g},{y2 - 2:g}" '
                        'marker-end="url(#dg-head)"/>')
        else:
            body.append(arrow(x1 + w, y1 + h / 2, x2 - 2, y2 + h / 2))
    for n, (x, y) in pos.items():
        cls = "dg-phase" + (" dg-optional" if n in skipped else "")
        inner = box(x, y, w, h, cls) + text(x + w / 2, y + 18, f"Phase {n}", "dg-label")
        inner += lines(x + w / 2, y + 34, kb.phases[n]["name"], 18, "dg-small", 13, most=2)
        if n in skipped:
            inner += text(x + w / 2, y + h - 5, "skipped when lightweight", "dg-tiny")
        body.append(inner)
    width = (max(rank.values()) + 1) * (w + gx) - gx
    desc = ("Phases in dependency order: " + "; ".join(f"phase {n} {kb.phases[n]['name']} after "
            + (", ".join(map(str, sorted(kb.phases[n].get('depends_on', [])))) or "nothing") for n in sorted(kb.phases))
            + ". On the lightweight path phases " + ", ".join(map(str, sorted(skipped))) + " are skipped.")
    return svg(width, top + tallest * (h + gy) - gy, "The ten-phase process", desc, body, "dg-flow")


def depth_tree(kb: KB) -> str:
    """The depth questions in order: the first yes decides the depth; no to all gives the lightweight path."""
    qs = kb.depth["questions"]
    names = {d["key"]: d["name"] for d in kb.depth["depths"]}
    w, h, gy, out_w = 380, 50, 22, 190
    body = [ARROW_HEAD]
    for i, q in enumerate(qs):
        y = i * (h + gy)
        body += [box(0, y, w, h, "dg-question"), text(14, y + 20, f"Question {q['n']}", "dg-label", "start"),
                 lines(14, y + 37, q["text"], 52, "dg-small", 13, "start", 1)]
        body += [arrow(w, y + h / 2, w + 58, y + h / 2), text(w + 29, y + h / 2 - 6, "yes", "dg-small"),
                 box(w + 60, y + 5, out_w, h - 10, f"dg-outcome dg-depth-{q['yes_means']}"),
                 text(w + 60 + out_w / 2, y + h / 2 + 5, names[q["yes_means"]] + (" + all layers" if q.get("adds_all_layers") else ""), "dg-label")]
        body += [arrow(w / 2, y + h, w / 2, y + h + gy - 2), text(w / 2 + 16, y + h + 15, "no", "dg-small", "start")]
    y = len(qs) * (h + gy)
    last = [d for d in kb.depth["depths"] if d["key"] not in {q["yes_means"] for q in qs}]
    label = last[0]["name"] if last else "Lightweight"
    body += [box(w / 2 - out_w / 2, y, out_w, h - 10, f"dg-outcome dg-depth-{last[0]['key'] if last else 'lightweight'}"),
             text(w / 2, y + h / 2, label, "dg-label")]
    desc = ("Ask the questions in order; the first yes decides: " + "; ".join(f"question {q['n']}, {q['text']} yes means {names[q['yes_means']]}"
            for q in qs) + f". No to every question: {label}. A yes to a question marked all layers puts every layer in scope.")
    return svg(w + 60 + out_w, y + h, "Choosing the analysis depth", desc, body, "dg-tree")


# ------------------------------------------------------------------ cross-layer patterns
def pattern_chain(kb: KB, n: int, href: Href) -> str:
    """One cross-layer pattern as a chain of steps across layers, with the pattern's threats linked at the layer they touch."""
    p = kb.patterns[n]
    w, h, gx = 200, 150, 36
    body = [ARROW_HEAD]
    for i, step in enumerate(p["steps"]):
        x = i * (w + gx)
        lid = step["layer"]
        here = [t for t in p["threats"] if lid in kb.threat_layers.get(t, {}) and kb.listed(t)]
        body.append(link(href, lid, box(x, 0, w, 30, "dg-layer", 4) + text(x + w / 2, 20, f"{lid} {kb.layers[lid]['short_label']}", "dg-label"),
                         kb.layers[lid]["name"]))
        body += [box(x, 36, w, h - 36, "dg-step"), lines(x + 10, 56, step["text"], 30, "dg-small", 14, "start", 5)]
        for j, tid in enumerate(here):
            body.append(link(href, tid, text(x + 10 + j * 44, h - 10, tid, "dg-id", "start"), kb.hover_text(tid)))
        if i:
            body.append(arrow(x - gx + 2, 36 + (h - 36) / 2, x - 4, 36 + (h - 36) / 2))
    desc = (f"Pattern {n}, {p['name']}: " + " Then ".join(f"at {s['layer']}, {s['text']}" for s in p["steps"])
            + " Threats: " + ", ".join(p["threats"]) + ".")
    return svg(len(p["steps"]) * (w + gx) - gx, h, f"Pattern {n}: {p['name']}", desc, body, "dg-chain")


# ------------------------------------------------------------------ matrices
def _heatmap(rows: list[str], cols: list[str], cell: Callable[[str, str], tuple[str, str]], title: str, row_head: str, col_head: str,
             cw: int = 120) -> str:
    """A grid whose cells carry their own text label; ``cell(row, col)`` gives (label, css class)."""
    rw, ch, top = 110, 44, 48
    body = [text(rw + len(cols) * cw / 2, 16, col_head, "dg-label"), text(8, top - 10, row_head, "dg-label", "start")]
    body += [text(rw + i * cw + cw / 2, top - 10, c, "dg-small") for i, c in enumerate(cols)]
    parts = []
    for j, r in enumerate(reversed(rows)):
        y = top + j * ch
        body.append(text(rw - 10, y + ch / 2 + 5, r, "dg-small", "end"))
        for i, c in enumerate(cols):
            label, cls = cell(r, c)
            body += [box(rw + i * cw + 2, y + 2, cw - 4, ch - 4, cls, 3), lines(rw + i * cw + cw / 2, y + ch / 2 + (0 if len(label) > 16 else 5), label, 17, "dg-cell", 12, most=2)]
            parts.append(f"{row_head} {r}, {col_head} {c}: {label}")
    return svg(rw + len(cols) * cw, top + len(rows) * ch, title, "; ".join(parts) + ".", body, "dg-heatmap")


def risk_heatmap(kb: KB) -> str:
    """The risk matrix: severity by likelihood, each cell labelled with its risk level."""
    sev = [s["level"] for s in kb.scoring["severity"]]
    lik = [s["level"] for s in kb.scoring["likelihood"]]
    m = kb.scoring["matrix"]
    return _heatmap(sev, lik, lambda r, c: (m[r][c], f"dg-risk dg-level-{m[r][c].lower()}"), "Risk matrix", "Severity", "Likelihood")


def cost_effectiveness_heatmap(kb: KB) -> str:
    """The cost-effectiveness matrix: effectiveness by cost, each cell labelled with its advice."""
    eff = [c["level"] for c in kb.scoring["effectiveness"]]
    cost = [c["level"] for c in kb.scoring["cost"]]
    m = kb.scoring["cost_effectiveness"]

    def cell(r, c):
        advice = m[r][c]
        return advice.split(" (")[0], "dg-risk dg-advice-" + ("go" if advice.startswith("Implement") else "stop" if advice.startswith(("Do not", "Defer")) else "think")
    return _heatmap(eff, cost, cell, "Cost-effectiveness matrix", "Effectiveness", "Cost", 150)


# ------------------------------------------------------------------ an engagement's architecture
def _zones(doc: dict) -> list[dict]:
    """Trust zones in the order recorded, plus one for components no zone lists."""
    zones = [dict(z) for z in doc.get("trust_zones", []) or []]
    placed = {c for z in zones for c in z.get("components", [])}
    loose = [c["name"] for c in doc.get("components", []) or [] if c["name"] not in placed]
    if loose:
        zones.append({"name": "Not in a recorded zone", "trust": "unstated", "components": loose})
    return zones


def _ends(b: dict) -> tuple:
    """A boundary record's zones: the template's Source Zone / Destination Zone, or from / to."""
    return b.get("source_zone") or b.get("from"), b.get("destination_zone") or b.get("to")


def architecture(kb: KB, doc: dict, href: Href, standalone: bool = False) -> str:
    """An engagement's trust zones (columns, with their trust level), the components in each with their layers,
    and the recorded trust boundaries as arrows from zone to zone, labelled with their IDs and strength."""
    zones = _zones(doc)
    layers_of = {c["name"]: c.get("layers", []) for c in doc.get("components", []) or []}
    w, gx, head, ch, cgap = 190, 60, 58, 44, 8
    tallest = max((len(z.get("components", [])) for z in zones), default=0)
    zone_h = head + tallest * (ch + cgap) + 10
    crossings = [dict(b, source_zone=_ends(b)[0], destination_zone=_ends(b)[1]) for b in doc.get("trust_boundaries", []) or [] if all(_ends(b))]
    col = {z["name"]: i for i, z in enumerate(zones)}
    body = [ARROW_HEAD]
    for i, z in enumerate(zones):
        x = i * (w + gx)
        body += [box(x, 0, w, zone_h, f"dg-zone dg-trust-{str(z.get('trust', '')).lower().replace(' ', '-')}"),
                 lines(x + w / 2, 18, z["name"], 24, "dg-label", 15, most=2), text(x + w / 2, 50, f"trust: {z.get('trust', 'unstated')}", "dg-small")]
        for j, name in enumerate(z.get("components", [])):
            y = head + j * (ch + cgap)
            body += [box(x + 8, y, w - 16, ch, "dg-component", 4), lines(x + w / 2, y + 16, name, 27, "dg-small", 12, most=2)]
            for k, lid in enumerate(layers_of.get(name, [])):
                body.append(link(href, lid, text(x + w - 12 - k * 24, y + ch - 4, lid, "dg-id", "end"), kb.layers[lid]["name"] if lid in kb.layers else None))
    lane = zone_h + 24
    body.append(text(4, lane - 6, "Trust boundaries" if crossings else "", "dg-small", "start"))
    for n, b in enumerate(crossings):
        if b["source_zone"] not in col or b["destination_zone"] not in col:
            continue
        shift = (n % 5 - 2) * 8                 # keep the arrows of different boundaries apart
        x1 = col[b["source_zone"]] * (w + gx) + w / 2 + shift
        x2 = col[b["destination_zone"]] * (w + gx) + w / 2 + shift
        y = lane + n * 30
        body += [f'<path class="dg-arrow" d="M{x1:g},{zone_h:g} V{y:g} H{x2:g} V{zone_h + 2:g}" marker-end="url(#dg-head)" fill="none"/>',
                 text(min(x1, x2) + abs(x2 - x1) / 2, y - 4, f"{b.get('id', '')} {b.get('strength', '')}".strip(), "dg-small")]
    where = dict(col, **{c: i for z, i in col.items() for c in next(zz for zz in zones if zz["name"] == z).get("components", [])})
    flows = [f for f in doc.get("data_flows", []) or [] if f.get("from") in where and f.get("to") in where]
    lane += len(crossings) * 30 + (20 if flows else 0)
    for n, f in enumerate(flows):
        shift = (n % 5 - 2) * 8 + 4
        x1, x2 = where[f["from"]] * (w + gx) + w / 2 + shift, where[f["to"]] * (w + gx) + w / 2 + shift
        y = lane + n * 26
        body += [f'<path class="dg-arrow dg-dataflow" d="M{x1:g},{zone_h:g} V{y:g} H{x2:g} V{zone_h + 2:g}" marker-end="url(#dg-head)" fill="none"/>',
                 text(min(x1, x2) + abs(x2 - x1) / 2, y - 4, f"{f.get('id', '')} {f.get('name', '')}".strip(), "dg-tiny")]
    height = lane + len(flows) * 26 if flows else lane
    desc = ("Trust zones: " + "; ".join(f"{z['name']} (trust {z.get('trust', 'unstated')}) holding " + (", ".join(z.get("components", [])) or "nothing")
                                         for z in zones)
            + ". Boundaries: " + ("; ".join(f"{b.get('id', '')} from {b['source_zone']} to {b['destination_zone']}" + (f", {b['strength']}" if b.get("strength") else "")
                                             for b in crossings) or "none recorded")
            + ". Data flows: " + ("; ".join(f"{f.get('id', '')} {f.get('name', '')} from {f['from']} to {f['to']}" for f in flows) or "none drawn") + ".")
    title = f"Architecture and trust boundaries of {doc.get('project', 'the engagement')}"
    return svg(max(1, len(zones)) * (w + gx) - gx, height, title, desc, body, "dg-architecture", standalone)
