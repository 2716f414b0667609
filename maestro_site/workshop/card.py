"""Reference sheets for the workshop table: the two-page quick-reference card, the mapping matrix and the risk matrix
on one page each. Everything is drawn from the knowledge base; only the headings and labels are written here."""
from __future__ import annotations

import html

from maestro.kb import LAYER_ORDER
from maestro.urls import src_of

from .paper import front_matter, print_button

MARKS = {"primary": "\u25cf", "secondary": "\u25cb"}


def _ids(L, idents) -> str:
    return ", ".join(L.id_link(i, in_html=True) or html.escape(i) for i in idents) or "\u2013"


def _table(cls: str, head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f'<th scope="col">{h}</th>' for h in head)
    body = "".join("<tr>" + f'<th scope="row">{r[0]}</th>' + "".join(f"<td>{c}</td>" for c in r[1:]) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _block(title: str, body: str) -> str:
    return f'<section class="qr-block"><h2>{html.escape(title)}</h2>{body}</section>'


# ---------------------------------------------------------------- side one: where to look
def layers_block(kb, L) -> str:
    rows = []
    for l in LAYER_ORDER:
        lt = kb.layer_threats(l)
        name = html.escape(kb.layers[l]["name"]) + (" (vertical)" if kb.layers[l].get("vertical") else "")
        rows.append([L.a(html.escape(l), src_of("layer", l), kb.layers[l]["name"]) + " " + name,
                     _ids(L, lt["primary"]), _ids(L, [t for t in lt["secondary"] if kb.threats[t]["kind"] == "core"])])
    return _block("Layers and their threats", _table("qr-table qr-layers", ["Layer", "Primary threats", "Secondary (core)"], rows))


def factors_block(kb) -> str:
    rows = [[html.escape(f["name"]), html.escape(f["summary"])] for f in kb.factors]
    return _block("Agentic risk factors", _table("qr-table", ["Factor", "What it amplifies"], rows))


def patterns_block(kb) -> str:
    rows = [[str(p["n"]), html.escape(p["name"]), " \u2192 ".join(html.escape(x) for x in p["layers"]),
             "yes" if p["single_agent"] else "no"] for p in kb.patterns.values()]
    return _block("Cross-layer patterns", _table("qr-table", ["#", "Chain", "Layers", "Single agent"], rows))


# ---------------------------------------------------------------- side two: how to decide
def stride_block(kb, L) -> str:
    rows = [[f"<strong>{html.escape(s['letter'])}</strong> {html.escape(s['name'])}", html.escape(s["agentic_focus"]),
             _ids(L, [t["id"] for t in kb.active_threats() if s["name"] in t["stride"]])] for s in kb.frameworks["stride"]]
    return _block("STRIDE at a glance", _table("qr-table", ["Category", "In agent systems", "Threats"], rows))


def depth_block(kb) -> str:
    names = {d["key"]: d["name"] for d in kb.depth["depths"]}
    rows = [[str(q["n"]), html.escape(q["text"]), html.escape(names[q["yes_means"]]) + (", all layers" if q.get("adds_all_layers") else "")]
            for q in kb.depth["questions"]]
    lightest = kb.depth["depths"][-1]
    rows.append(["", "No to all five", html.escape(lightest["name"])])
    depths = _table("qr-table", ["Depth", "Layers", "Effort"],
                    [[html.escape(d["name"]), ", ".join(d["layers"]), html.escape(d["effort"])] for d in kb.depth["depths"]])
    return _block("Depth decision tree", _table("qr-table", ["#", "Ask in order; the first yes decides", "Yes means"], rows) + depths)


def risk_matrix_table(kb) -> str:
    sc = kb.scoring
    lik = [s["level"] for s in sc["likelihood"]]
    rows = [[html.escape(s["level"])] + [f'<span class="maestro-risk maestro-risk--{sc["matrix"][s["level"]][l].lower()}">'
                                          f'{html.escape(sc["matrix"][s["level"]][l])}</span>' for l in lik]
            for s in reversed(sc["severity"])]
    return _table("qr-table qr-risk", ["Severity \\ Likelihood"] + [html.escape(l) for l in lik], rows)


def risk_rules(kb) -> str:
    sc = kb.scoring
    needs = [lvl for lvl, types in sc["required_controls"].items() if types]
    statuses = ", ".join(f"{html.escape(s['status'])} {s['value']}" for s in sc["implementation_status"])
    return (f'<p class="qr-note"><strong>{html.escape(sc["effective_risk"]["formula"])}</strong> (levels '
            + ", ".join(f"{html.escape(r['level'])} {r['value']}" for r in sc["risk_levels"])
            + f"; credit from verified controls: {statuses}). {', '.join(needs)} risks need a preventive, a detective and a "
              "corrective control.</p>")


def actions_table(kb) -> str:
    rows = [[html.escape(r["level"]), html.escape(r["action"]), html.escape(r["timeframe"])] for r in reversed(kb.scoring["risk_levels"])]
    return _table("qr-table", ["Risk", "Action", "By"], rows)


def risk_block(kb) -> str:
    return _block("Risk matrix", risk_matrix_table(kb) + risk_rules(kb) + actions_table(kb))


def card(kb, L) -> str:
    """The card itself: two sides, each a page on paper."""
    side1 = layers_block(kb, L) + factors_block(kb) + patterns_block(kb)
    side2 = stride_block(kb, L) + depth_block(kb) + risk_block(kb)
    foot = f'<p class="ws-footer">MAESTRO Playbook quick reference \u00b7 knowledge base v{html.escape(kb.meta["version"])}</p>'
    return f'<div class="qr-card"><div class="qr-side">{side1}{foot}</div><div class="qr-side">{side2}{foot}</div></div>'


def card_page(kb, L) -> str:
    return "\n".join([
        *front_matter("Quick-reference card", "Layers, threats, risk factors, cross-layer patterns, STRIDE, depth and risk on two printed pages."),
        "# Quick-reference card", "",
        '<p class="ws-purpose">Two sides for the workshop table: where to look on the first (layers and their threats, the risk factors, '
        'the cross-layer chains), how to decide on the second (STRIDE, depth, risk). Print double-sided. The '
        f'{L.a("quick reference chapter", "playbook/12-quick-reference.md")} explains each part.</p>', "",
        print_button("the card"), "", card(kb, L), ""])


# ---------------------------------------------------------------- one-page matrices
def mapping_sheet(kb, L) -> str:
    """Every active threat against every layer on one page: a filled circle for primary, an open one for secondary."""
    head = ["Threat"] + [L.a(html.escape(l), src_of("layer", l), kb.layers[l]["name"]) for l in LAYER_ORDER]
    rows = []
    for t in kb.active_threats():
        cells = kb.threat_layers[t["id"]]
        marks = [f'<span aria-hidden="true">{MARKS[cells[l]]}</span><span class="maestro-sr">{cells[l]}</span>' if l in cells
                 else '<span class="maestro-sr">none</span>' for l in LAYER_ORDER]
        rows.append([f'{L.id_link(t["id"], in_html=True)} {html.escape(t["name"])}'] + marks)
    legend = (f'<p class="qr-note">{MARKS["primary"]} primary: analyse the threat at this layer first. '
              f'{MARKS["secondary"]} secondary: it reaches this layer or is enabled through it.</p>')
    return f'<div class="ws-matrix">{_table("qr-table qr-matrix", head, rows)}{legend}</div>'


def matrix_page(kb, L) -> str:
    return "\n".join([
        *front_matter("Mapping matrix sheet", "Every threat against every MAESTRO layer on one printed page."),
        "# Mapping matrix", "",
        '<p class="ws-purpose">All threats and all eight columns on a single page. The '
        f'{L.a("mapping matrix chapter", "playbook/03-mapping-matrix.md")} has the same marks with filters and notes.</p>', "",
        print_button("the matrix"), "", mapping_sheet(kb, L), ""])


def risk_page(kb, L) -> str:
    return "\n".join([
        *front_matter("Risk matrix sheet", "Severity against likelihood, the actions each level requires and the effective-risk rule on one page."),
        "# Risk matrix", "",
        '<p class="ws-purpose">Read the inherent risk from severity and likelihood, then reduce it by the credit of verified controls. '
        f'The {L.a("risk-scoring guide", "guides/risk-scoring.md")} has the scales and a calculator.</p>', "",
        print_button("the risk matrix"), "", risk_sheet(kb), ""])


def risk_sheet(kb) -> str:
    """The risk matrix sheet: the matrix, the effective-risk rule and the action each level requires."""
    return f'<div class="ws-risk">{risk_matrix_table(kb)}{risk_rules(kb)}{actions_table(kb)}</div>'
