"""STRIDE, the OWASP LLM and Agentic Top 10, CWE and MITRE ATLAS tables, the LLM crosswalk, regulation."""
from __future__ import annotations

import datetime

from maestro import crosswalk
from maestro.crosswalk import ASI_TOP10, ATLAS, ATLAS_TACTICS, CWE, LLM_TOP10, STRIDE
from maestro_site.render import esc, external_url, table
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro


def _threats_with(kb, field, value):
    return [t["id"] for t in kb.active_threats() if value in t[field]]


@macro
def stride_table(kb, L) -> str:
    rows = [[f"**{esc(s['letter'])}** {esc(s['name'])}", L.prose(s["agentic_focus"]), L.ids(_threats_with(kb, STRIDE.name, s["name"]))]
            for s in crosswalk.data_at(kb, STRIDE.listed_in)]
    return table(["Category", "In agent systems", "Threats"], rows)


def _llm_threats(kb, cited: str) -> list:
    """Threats whose LLM mapping, read in every edition, includes ``cited``."""
    return [t["id"] for t in kb.active_threats() if any(cited in v for v in kb.llm_editions(t[LLM_TOP10.name]).values())]


@macro
def llm_top10_table(kb, L) -> str:
    """The LLM Top 10, 2025 and 2026 side by side, with the MAESTRO layers and threats of each entry."""
    rows = []
    for old, new in kb.llm_2026_of.items():
        rows.append([f"`{esc(old)}` {esc(kb.llm[old]['name'])}", f"`{esc(new)}` {esc(kb.llm[new]['name'])}",
                     L.ids(kb.llm[old]["layers"]), L.ids(_llm_threats(kb, old))])
    return table([esc(kb.llm_title("2025")), esc(kb.llm_title("2026")), "MAESTRO layers", "Threats"], rows)


@macro
def llm_unmapped(kb, L) -> str:
    """The LLM Top 10 entries no threat or blindspot maps to, with the reason the data gives."""
    items = [(f"{i['id']}:{e['edition']}", i["unmapped"]) for e in crosswalk.data_at(kb, LLM_TOP10.edition_from)
             for i in e["items"] if i.get("unmapped")]
    if not items:
        return "No entry is left unmapped."
    return "Left unmapped: " + "; ".join(f"`{esc(c)}` {esc(kb.llm[c]['name'])} ({L.prose(why)})" for c, why in items) + "."


@macro
def llm_crosswalk(kb, direction: str = "2025") -> str:
    """The 2025 to 2026 crosswalk of the LLM Top 10, read from either side."""
    pairs = list(kb.llm_2026_of.items())
    if direction == "2026":
        pairs = sorted(((new, old) for old, new in pairs), key=lambda p: p[0])
    head = ["2025", "2026"] if direction == "2025" else ["2026", "2025"]
    rows = [[f'{fragment("anchor.html.j2", id=a.lower().replace(":", "-"))}`{esc(a)}` {esc(kb.llm[a]["name"])}',
             f"`{esc(b)}` {esc(kb.llm[b]['name'])}", "same number" if a[:5] == b[:5] else "renumbered"] for a, b in pairs]
    return table([f"{head[0]} entry", f"{head[1]} entry", "Number"], rows)


@macro
def asi_top10_table(kb, L) -> str:
    rows = [[esc(i["id"]), esc(i["name"]), L.ids(_threats_with(kb, ASI_TOP10.name, i["id"]))] for i in kb.asi.values()]
    return table(["ID", "Name", "Threats"], rows)


@macro
def cwe_table(kb, L) -> str:
    rows = [[L.id(t["id"]), esc(t["name"]), "; ".join(f"{L.cwe(c)} {esc(kb.cwe[c])}" for c in t[CWE.name]) or "no direct CWE"] for t in kb.active_threats()]
    return table(["Threat", "Name", "CWE"], rows)


@macro
def atlas_by_layer(kb, L) -> str:
    rows = [[L.id(l, name=True), "; ".join(L.atlas_tactic(a) for a in v[ATLAS_TACTICS.name]) or "-", ", ".join(esc(x) for x in v["attack"]) or "-"]
            for l, v in crosswalk.data_at(kb, crosswalk.CARRIERS["layer tactics"]).items()]
    return table(["Layer", "MITRE ATLAS tactics", "MITRE ATT&amp;CK tactics"], rows)


@macro
def atlas_table(kb, L) -> str:
    rows = [[L.id(e["id"]), esc(e["name"]), "; ".join(L.atlas(a) for a in e[ATLAS.name]) or "no matching technique"]
            for e in [*kb.active_threats(), *kb.blindspots.values()]]
    return table(["ID", "Name", f"{esc(crosswalk.framework_title(kb, ATLAS, kb.atlas_edition))} techniques"], rows)


@macro
def framework_combinations(kb) -> str:
    return table(["Situation", "Combine"], [[esc(c["scenario"]), " + ".join(esc(x) for x in c["use"])] for c in kb.frameworks["combinations"]])


@macro
def regulatory_alignment(kb) -> str:
    rows = []
    for r in kb.frameworks["regulatory"]:
        parts = []
        if r.get("phases"):
            parts.append("phases " + ", ".join(str(p) for p in r["phases"]) + "; layers " + ", ".join(r["layers"]))
        if r.get("phase_to_function"):
            parts.append("; ".join(f"phases {k}: {v}" for k, v in r["phase_to_function"].items()))
        if r.get("clause"):
            parts.append("clause " + r["clause"])
        if r.get("extends"):
            parts.append("extends " + r["extends"])
        if r.get("layer_to_function"):
            parts.append("; ".join(f"{k}: {', '.join(v)}" for k, v in r["layer_to_function"].items()))
        rows.append([esc(r["framework"]), esc(r["year"]), esc("; ".join(parts))])
    return table(["Framework", "Year", "Where MAESTRO lines up"], rows)


@macro
def eu_ai_act_dates(kb) -> str:
    """When Articles 12, 14 and 15 of the EU AI Act apply, from data/frameworks.yaml (Article 113 of the Regulation)."""
    act = next(r for r in kb.frameworks["regulatory"] if r["framework"] == "EU AI Act")
    dates = {k: _long_date(v) for k, v in act["application"].items()}
    return (f"Under {esc(act['source_document'])}, the Regulation applies from {dates['regulation']}, so Articles 12, 14 "
            f"and 15 bind a high-risk system from that date; where a system is high-risk through Article 6(1), as a safety "
            f"component of a regulated product, the obligations apply from {dates['article_6_1']} (Chapters I and II have "
            f"applied since {dates['chapters_1_2']}). Amending regulations can move these dates: check the consolidated "
            f"text on [EUR-Lex]({external_url(act['source_url'])}) and record in Phase 1 the version you relied on.")


def _long_date(iso: str) -> str:
    """'2026-08-02' -> '2 August 2026'."""
    d = datetime.date.fromisoformat(str(iso))
    return f"{d.day} {d.strftime('%B')} {d.year}"
