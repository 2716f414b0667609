"""The worked-example pages: tables and summaries of one checked engagement in data/examples/."""
from __future__ import annotations

import html
from pathlib import Path

from mkdocs.exceptions import PluginError

from maestro import assessment, checks, engagement, scoring
from macros.render import admonition, bullet, esc, table


class Book:
    """The worked examples of one build: each read once from ``directory`` and checked like any engagement."""

    def __init__(self, kb, directory: Path):
        self.kb = kb
        self.directory = Path(directory)
        self._docs: dict = {}

    def get(self, name: str) -> dict:
        """The example ``<name>.json``; a build-stopping error if it is unreadable or fails ``maestro check``."""
        if name not in self._docs:
            try:
                doc = engagement.read_doc(self.directory / f"{name}.json")
            except engagement.Unusable as exc:
                raise PluginError(str(exc)) from None
            errors = [f for f in checks.check_doc(self.kb, doc, f"data/examples/{name}.json") if f.severity != "pending"]
            if errors:
                raise PluginError(f"worked example {name} fails maestro check:\n  " + "\n  ".join(str(f) for f in errors))
            self._docs[name] = doc
        return self._docs[name]


def _refs(L, refs):
    return ", ".join(L.id(r.get("id") if isinstance(r, dict) else r) for r in refs) or "-"


def _kv(obj) -> str:
    rows = [[esc(k.replace("_", " ").capitalize()), esc(", ".join(v) if isinstance(v, list) else v)] for k, v in obj.items()]
    return table(["Field", "Value"], rows)


def example_phase_note(book, L, name: str, n: int) -> str:
    return L.prose(book.get(name).get("phase_notes", {}).get(str(n), ""))


def example_overview(book, L, name: str) -> str:
    d = book.get(name)
    out = [_kv(d.get("business_context", {})), ""]
    if d.get("assumptions"):
        out += [table(["ID", "Assumption", "Impact if wrong", "Status"], [[esc(a.get("id", "")), L.prose(a.get("description", "")), L.prose(a.get("impact_if_wrong", "")), esc(a.get("status", ""))] for a in d["assumptions"]]), ""]
    if d.get("components"):
        out += [table(["Component", "Layers", "Notes"], [[esc(c["name"]), L.ids(c["layers"]), L.prose(c.get("notes", ""))] for c in d["components"]]), ""]
    return "\n".join(out)


def _records(kb, L, d, key, cols):
    rows = []
    for r in d.get(key, []):
        row = []
        for c in cols:
            v = r.get(c, "")
            if isinstance(v, list):
                row.append(", ".join(L.id(x) if isinstance(x, str) and kb.name_of(x) else esc(x) for x in v) or "-")
            else:
                row.append(L.prose(v))
        rows.append(row)
    head = ["ID" if c == "id" else esc(c.replace("_", " ").capitalize()) for c in cols]
    return table(head, rows) if rows else "None recorded."


def example_actors(book, L, name: str) -> str:
    kb = book.kb
    d = book.get(name)
    cols = ["id"] + (["name"] if any("name" in a for a in d.get("threat_actors", [])) else []) + ["category", "capability", "motivation", "relevance", "priority"]
    return _records(kb, L, d, "threat_actors", cols)


def example_boundaries(book, L, name: str) -> str:
    kb = book.kb
    d = book.get(name)
    out = []
    if d.get("trust_zones"):
        out += [table(["Trust zone", "Trust"], [[esc(z["name"]), esc(z["trust"])] for z in d["trust_zones"]]), ""]
    out.append(_records(kb, L, d, "trust_boundaries", ["id", "source_zone", "destination_zone", "protocol", "authentication", "strength"]))
    return "\n".join(out)


def example_assets(book, L, name: str) -> str:
    kb = book.kb
    d = book.get(name)
    out = [_records(kb, L, d, "assets", ["id", "name", "classification", "stored_at", "exposure_points"])]
    if d.get("data_flows"):
        keys = [k for k in d["data_flows"][0].keys()][:5]
        out += ["", _records(kb, L, d, "data_flows", keys)]
    return "\n".join(out)


def _risk(kb, t):
    return scoring.risk_level(kb, t["severity"], t["likelihood"])


def example_register(book, L, name: str) -> str:
    kb = book.kb
    d = book.get(name)
    rows = [[f'<span id="{html.escape(t["id"].lower())}"></span>**{esc(t["id"])}**', esc(t["name"]), L.ids(t["layers"]),
             _refs(L, t["maps_to"] + t.get("blindspots", [])), esc(t["severity"]), esc(t["likelihood"]), f"**{esc(_risk(kb, t))}**"]
            for t in d["threats"]]
    counts = {}
    for t in d["threats"]:
        counts[_risk(kb, t)] = counts.get(_risk(kb, t), 0) + 1
    summary = ", ".join(f"{counts[l]} {l}" for l in ["Critical", "High", "Medium", "Low"] if l in counts)
    return table(["ID", "Threat", "Layers", "Maps to", "Severity", "Likelihood", "Risk"], rows) + f"\n\n{len(d['threats'])} threats by risk level: {summary}."


def example_threats(book, L, name: str) -> str:
    kb = book.kb
    d = book.get(name)
    out = []
    for t in d["threats"]:
        out += [f"#### {esc(t['id'])}: {esc(t['name'])} {{ #card-{t['id'].lower()} }}", "", L.prose(t.get("description", "")), ""]
        rows = [["Layers", L.ids(t["layers"])], ["Maps to", _refs(L, t["maps_to"])]]
        if t.get("blindspots"):
            rows.append(["Blindspots", _refs(L, t["blindspots"])])
        if t.get("gap"):
            rows.append(["Taxonomy gap", L.prose(t["gap"])])
        rows += [["STRIDE", esc(", ".join(t.get("stride", [])))],
                 ["Severity x likelihood", f"{esc(t['severity'])} x {esc(t['likelihood'])} = **{esc(_risk(kb, t))}**"],
                 ["Vector / complexity", f"{esc(t.get('attack_vector', '-'))} / {esc(t.get('attack_complexity', '-'))}"],
                 ["Agentic factors", esc(", ".join(t.get("agentic_factors", [])))],
                 ["Affected components", esc(", ".join(t.get("affected_components", [])))],
                 ["Prerequisites", L.prose(t.get("prerequisites", ""))], ["Impact", L.prose(t.get("impact", ""))],
                 ["Mitigations", ", ".join(L.id(m) if m in kb.mitigations else esc(m) for m in t["mitigations"])]]
        out += [table(["Field", "Value"], rows, cls="maestro-card"), ""]
    return "\n".join(out)


def example_mitigations(book, L, name: str) -> str:
    kb = book.kb
    d = book.get(name)
    rows = []
    for m in d["mitigations"]:
        mid = L.id(m["id"]) if m["id"] in kb.mitigations else f"**{esc(m['id'])}** (implements {L.ids(m.get('implements', []))})"
        status = esc(m["status"]) + (" (partial coverage)" if m.get("coverage") == "partial" else "")
        rows.append([mid, esc(m["name"]), esc(m["type"]), esc(", ".join(m["addresses"])), esc(m.get("cost", "-")), esc(m.get("effectiveness", "-")), status])
    by_status, by_type = {}, {}
    for m in d["mitigations"]:
        by_status[m["status"]] = by_status.get(m["status"], 0) + 1
        by_type[m["type"]] = by_type.get(m["type"], 0) + 1
    summary = (f"{len(d['mitigations'])} mitigations. By status: " + ", ".join(f"{v} {k}" for k, v in by_status.items()) +
               ". By type: " + ", ".join(f"{v} {k}" for k, v in by_type.items()) + ".")
    return table(["ID", "Name", "Type", "Addresses", "Cost", "Effectiveness", "Status"], rows) + "\n\n" + summary


def example_chains(book, L, name: str) -> str:
    out = []
    for c in book.get(name).get("attack_chains", []):
        out += [f"**{esc(c['name'])}** ({esc(', '.join(c['threats']))})", "",
                "\n".join(f"{i}. **{esc(s['layer'])}** {L.prose(s['text'])}" for i, s in enumerate(c["steps"], 1)), ""]
    return "\n".join(out)


def example_residual(book, name: str) -> str:
    kb = book.kb
    d = book.get(name)
    postures = assessment.assess(kb, d)
    rows = []
    for r in d.get("residual_risks", []):
        p = postures[r["threat"]]
        rows.append([esc(r["id"]), esc(r["threat"]), esc(p.level), f"{p.effective:g}", f"**{esc(r['residual'])}**", esc(r["disposition"]),
                     esc(r.get("owner", "-")), esc(r.get("review", "-"))])
    return table(["ID", "Threat", "Inherent", "Effective risk", "Residual", "Disposition", "Owner", "Review"], rows)


def example_posture(book, name: str) -> str:
    """The residual posture of a worked example, computed from its records (rulings R01-R03)."""
    kb = book.kb
    sc = kb.scoring
    d = book.get(name)
    postures = assessment.assess(kb, d)
    residual = {r["threat"]: r for r in d.get("residual_risks", [])}
    levels = [r["level"] for r in reversed(sc["risk_levels"])]
    by_level = {lv: sorted(t for t, r in residual.items() if r["residual"] == lv) for lv in levels}
    open_severe = sorted(t for t, p in postures.items() if p.level in ("High", "Critical") and p.credit < 1)
    verified = sum(1 for p in postures.values() for c in p.controls if c.basis != "unverified")
    controls = sum(len(p.controls) for p in postures.values())
    disp = {k: sum(1 for r in residual.values() if r["disposition"] == k) for k in sc["dispositions"]}
    rows = [[f"**{esc(lv)}**", str(len(ts)), esc(", ".join(ts)) or "-"] for lv, ts in by_level.items()]
    return "\n".join([
        table(["Residual level", "Threats", "Which"], rows), "",
        f"{len(open_severe)} of {sum(1 for p in postures.values() if p.level in ('High', 'Critical'))} High or Critical threats still have open control gaps"
        + (f" ({esc(', '.join(open_severe))})" if open_severe else "") + "; "
        f"{verified} of {controls} threat-control links rest on Phase 8 verification or cited evidence. "
        "Dispositions: " + ", ".join(f"{v} {esc(k)}" for k, v in disp.items() if v) + ".",
    ])


def example_validation(book, L, name: str) -> str:
    """The Phase 8 code-validation records of a worked example."""
    kb = book.kb
    rows = [[esc(cv["id"]), L.id(cv["mitigation"]) if cv["mitigation"] in kb.mitigations else esc(cv["mitigation"]),
             L.prose(cv.get("artifact", "-")), f"`{esc(cv['file'])}:{esc(str(cv.get('line', '')))}`" if cv.get("file") else "-",
             f"**{esc(cv['verified_status'])}**", L.prose(cv.get("gaps", "-")), esc(cv.get("tests", "-"))]
            for cv in book.get(name).get("code_validation", [])]
    if not rows:
        return "*No code-validation records: Phase 8 had no source access, so only controls with cited evidence count (ruling R01).*"
    return table(["ID", "Mitigation", "Artifact", "Where", "Verified", "Gaps", "Tests"], rows)


def example_roadmap(book, L, name: str) -> str:
    kb = book.kb
    return _records(kb, L, book.get(name), "roadmap", ["id", "phase", "description", "threats", "mitigations", "effort", "team"])


def example_summary(book, L, name: str) -> str:
    s = book.get(name).get("summary", {})
    out = [f"Overall risk posture: **{esc(s.get('overall_posture', '-'))}**." + (f" {L.prose(s['posture_rationale'])}" if s.get("posture_rationale") else ""), ""]
    if s.get("top_risks"):
        tm = {t["id"]: t for t in book.get(name)["threats"]}
        out += ["Top risks:", "", "\n".join(f"{i}. **{esc(t)}** {esc(tm[t]['name'])}" for i, t in enumerate(s["top_risks"], 1)), ""]
    if s.get("key_recommendations"):
        out += ["Key recommendations:", "", bullet([L.prose(x) for x in s["key_recommendations"]]), ""]
    if s.get("next_review"):
        out += [f"Next review: {esc(s['next_review'])}.", ""]
    disc = book.get(name).get("disclaimer")
    if disc:
        out += [admonition("warning", "AI-assisted example", L.prose(disc))]
    return "\n".join(out)
