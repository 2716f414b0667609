"""Reference sheets for the workshop table: the two-page quick-reference card, the mapping matrix and the risk matrix
on one page each. Everything is drawn from the knowledge base; only the headings and labels are written here. The
markup is in templates/fragments/ (qr-*.html.j2, mapping-sheet.html.j2, risk-sheet.html.j2)."""
from __future__ import annotations

from markupsafe import Markup, escape

from maestro.crosswalk import STRIDE
from maestro.kb import LAYER_ORDER
from maestro.urls import src_of
from maestro_site.templating import fragment

from . import worksheets
from .paper import page_body

MARKS = {"primary": "\u25cf", "secondary": "\u25cb"}


def _ids(L, idents) -> Markup:
    return Markup(", ").join(Markup(L.id_link(i, in_html=True) or "") or i for i in idents) or Markup("\u2013")


def _table(cls: str, head: list, rows: list[dict]) -> Markup:
    return fragment("qr-table.html.j2", cls=cls, head=head, rows=rows)


def _row(th, *cells, lead: str | None = None) -> dict:
    return {"th": th, "lead": lead, "cells": list(cells)}


def _block(title: str, *parts: Markup) -> Markup:
    return fragment("qr-block.html.j2", title=title, parts=parts)


def _layer_link(kb, L, l: str) -> Markup:
    return Markup(L.a(escape(l), src_of("layer", l), kb.layers[l]["name"]))


# ---------------------------------------------------------------- side one: where to look
def layers_block(kb, L) -> Markup:
    rows = []
    for l in LAYER_ORDER:
        lt = kb.layer_threats(l)
        name = kb.layers[l]["name"] + (" (vertical)" if kb.layers[l].get("vertical") else "")
        rows.append(_row(_layer_link(kb, L, l) + " " + name, _ids(L, lt["primary"]),
                         _ids(L, [t for t in lt["secondary"] if kb.threats[t]["kind"] == "core"])))
    return _block("Layers and their threats", _table("qr-table qr-layers", ["Layer", "Primary threats", "Secondary (core)"], rows))


def factors_block(kb) -> Markup:
    rows = [_row(f["name"], f["summary"]) for f in kb.factors]
    return _block("Agentic risk factors", _table("qr-table", ["Factor", "What it amplifies"], rows))


def patterns_block(kb) -> Markup:
    rows = [_row(str(p["n"]), p["name"], " \u2192 ".join(p["layers"]), "yes" if p["single_agent"] else "no") for p in kb.patterns.values()]
    return _block("Cross-layer patterns", _table("qr-table qr-patterns", ["#", "Chain", "Layers", "Single agent"], rows))


# ---------------------------------------------------------------- side two: how to decide
def stride_block(kb, L) -> Markup:
    rows = [_row(s["name"], s["agentic_focus"], _ids(L, [t["id"] for t in kb.active_threats() if s["name"] in t[STRIDE.name]]), lead=s["letter"])
            for s in kb.frameworks[STRIDE.listed_in[1]]]
    return _block("STRIDE at a glance", _table("qr-table", ["Category", "In agent systems", "Threats"], rows))


def depth_block(kb) -> Markup:
    names = {d["key"]: d["name"] for d in kb.depth["depths"]}
    rows = [_row(str(q["n"]), q["text"], names[q["yes_means"]] + (", all layers" if q.get("adds_all_layers") else ""))
            for q in kb.depth["questions"]]
    rows.append(_row("", "No to all five", kb.depth["depths"][-1]["name"]))
    depths = _table("qr-table", ["Depth", "Layers", "Effort"], [_row(d["name"], ", ".join(d["layers"]), d["effort"]) for d in kb.depth["depths"]])
    return _block("Depth decision tree", _table("qr-table", ["#", "Ask in order; the first yes decides", "Yes means"], rows), depths)


def risk_matrix_table(kb) -> Markup:
    sc = kb.scoring
    lik = [s["level"] for s in sc["likelihood"]]
    rows = [_row(s["level"], *(fragment("risk-badge.html.j2", level=sc["matrix"][s["level"]][l]) for l in lik)) for s in reversed(sc["severity"])]
    return _table("qr-table qr-risk", ["Severity \\ Likelihood"] + lik, rows)


def risk_rules(kb) -> Markup:
    sc = kb.scoring
    return fragment("qr-risk-rules.html.j2", formula=sc["effective_risk"]["formula"], levels=sc["risk_levels"],
                    statuses=sc["implementation_status"], needs=[lvl for lvl, types in sc["required_controls"].items() if types])


def actions_table(kb) -> Markup:
    rows = [_row(r["level"], r["action"], r["timeframe"]) for r in reversed(kb.scoring["risk_levels"])]
    return _table("qr-table", ["Risk", "Action", "By"], rows)


def scales_block(kb) -> Markup:
    """What each severity and likelihood level means, to score a card."""
    sc = kb.scoring
    return _block("Severity and likelihood", *(_table("qr-table qr-scale", [head, "Means"], [_row(s["level"], s["meaning"]) for s in sc[key]])
                                                for key, head in (("severity", "Severity"), ("likelihood", "Likelihood"))))


def risk_block(kb) -> Markup:
    return _block("Risk matrix", risk_matrix_table(kb), risk_rules(kb), actions_table(kb))


def phases_block(kb) -> Markup:
    """The phases with the worksheets each one fills; a worksheet used in every phase is named once, under the table."""
    every = [t for t in kb.templates.values() if set(kb.phases) <= set(t.get("phases", []))]
    sheets = {n: [worksheets.title_of(t) for t in kb.templates.values() if n in t.get("phases", []) and t not in every]
              for n in kb.phases}
    rows = [_row(str(n), p["name"], ", ".join(sheets[n]) or "\u2013") for n, p in kb.phases.items()]
    note = [fragment("qr-note.html.j2", text=f"In every phase: {', '.join(worksheets.title_of(t) for t in every)}.")] if every else []
    return _block("Phases and their worksheets", _table("qr-table qr-phases", ["#", "Phase", "Worksheets"], rows), *note)


def card(kb, L) -> Markup:
    """The card itself: two sides, each a landscape sheet on paper with two panels either side of a fold line, so that
    folded it is a card of four half-sheet panels. Side one says where to look, side two how to decide."""
    sides = [[[phases_block(kb), patterns_block(kb)], [layers_block(kb, L), factors_block(kb)]],
             [[stride_block(kb, L), depth_block(kb)], [scales_block(kb), risk_block(kb)]]]
    return fragment("qr-card.html.j2", sides=sides, version=kb.meta["version"])


def card_page(kb, L) -> str:
    return page_body(
        "Quick-reference card", "Phases, layers, threats, risk factors, cross-layer patterns, STRIDE, depth and risk on one "
                                "folded sheet printed on both sides.",
        before="One sheet for the workshop table, printed on both sides in landscape (flip on the short edge) and folded along "
               "the dashed line into a card of four panels: where to look on the first side (the phases and their worksheets, the "
               "cross-layer chains, the layers and their threats, the risk factors), how to decide on the second (STRIDE, depth, "
               "the severity and likelihood scales, risk). The ",
        link=L.a("quick reference chapter", "playbook/12-quick-reference.md"), after=" explains each part.",
        what="the card", body=card(kb, L))


# ---------------------------------------------------------------- one-page matrices
def mapping_sheet(kb, L) -> Markup:
    """Every active threat against every layer on one page: a filled circle for primary, an open one for secondary."""
    rows = [{"link": Markup(L.id_link(t["id"], in_html=True)), "name": t["name"],
             "marks": [kb.threat_layers[t["id"]].get(l) for l in LAYER_ORDER]} for t in kb.active_threats()]
    return fragment("mapping-sheet.html.j2", layers=[_layer_link(kb, L, l) for l in LAYER_ORDER], rows=rows, symbols=MARKS)


def matrix_page(kb, L) -> str:
    return page_body(
        "Mapping matrix", "Every threat against every MAESTRO layer on one printed page.", title="Mapping matrix sheet",
        before="All threats and all eight columns on a single page. The ", link=L.a("mapping matrix chapter", "playbook/03-mapping-matrix.md"),
        after=" has the same marks with filters and notes.", what="the matrix", body=mapping_sheet(kb, L))


def risk_page(kb, L) -> str:
    return page_body(
        "Risk matrix", "Severity against likelihood, the actions each level requires and the effective-risk rule on one page.",
        title="Risk matrix sheet",
        before="Read the inherent risk from severity and likelihood, then reduce it by the credit of verified controls. The ",
        link=L.a("risk-scoring guide", "guides/risk-scoring.md"), after=" has the scales and a calculator.",
        what="the risk matrix", body=risk_sheet(kb))


def risk_sheet(kb) -> Markup:
    """The risk matrix sheet: the matrix, the effective-risk rule and the action each level requires."""
    return fragment("risk-sheet.html.j2", matrix=risk_matrix_table(kb), rules=risk_rules(kb), actions=actions_table(kb))
