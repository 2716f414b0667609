"""The worked-example pages: tables and summaries of one checked engagement in data/examples/."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from mkdocs.exceptions import PluginError

from maestro.crosswalk import STRIDE
from maestro import assessment, checks, engagement, scoring
from maestro.kb import STACK_LAYERS
from maestro_site.render import admonition, bullet, esc, table
from maestro_site.templating import fragment
from maestro_site.tables.process import cell_lines
from maestro_site.tables.registry import macro


BUILD_SKIPS = ("MC602", "MC424")
"""Rules the build does not run on the worked examples: the secret scan (detect-secrets, 26 detectors) took 1.5 s of a
cold build; tests/test_examples_secrets.py runs it on every example instead. MC424 says Phase 8 was not checked against
a source tree: the examples' systems are invented, so no tree exists to give."""

GAPS_SHOWN = {"accounts-payable": ("MC304", "MC305")}
"""Examples that stop before Phase 7 is done on purpose: the rules whose findings are the gaps the page
goes on to close. The build fails if one of them is not reported, or if any other rule is."""


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
            self._docs[name] = self._checked(name, doc)
        return self._docs[name]

    def _checked(self, name: str, doc: dict) -> dict:
        findings = checks.check_doc(self.kb, doc, f"data/examples/{name}.json", skip=BUILD_SKIPS)
        shown = GAPS_SHOWN.get(name, ())
        # a draft (MC115) is allowed: its page says which phases are open (example_progress)
        errors = [f for f in findings if f.severity != "pending" and f.rule != "MC115" and f.rule not in shown]
        if errors:
            raise PluginError(f"worked example {name} fails maestro check:\n  " + "\n  ".join(str(f) for f in errors))
        missing = [code for code in shown if not any(f.rule == code for f in findings)]
        if missing:
            raise PluginError(f"worked example {name} should show the gaps {', '.join(missing)} and no longer does")
        return doc


def _refs(L, refs):
    return ", ".join(L.id(r.get("id") if isinstance(r, dict) else r) for r in refs) or "-"


def _value(v) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {x}" for k, x in v.items())
    return ", ".join(v) if isinstance(v, list) else str(v)


def _kv(obj) -> str:
    """Scalar fields as a Field / Value table; lists of records are left to example_context_table."""
    rows = [[esc(k.replace("_", " ").capitalize()), esc(_value(v))] for k, v in obj.items()
            if not (isinstance(v, list) and any(isinstance(x, dict) for x in v))]
    return table(["Field", "Value"], rows)


@macro
def example_context_value(book, L, name: str, key: str) -> str:
    """One field of the business context, as prose (the quickstart's one-sentence description)."""
    value = book.get(name).get("business_context", {}).get(key)
    if not isinstance(value, str) or not value:
        raise PluginError(f"worked example {name}: business_context has no text field {key!r}")
    return L.prose(value)


@macro
def example_phase_note(book, L, name: str, n: int) -> str:
    return L.prose(book.get(name).get("phase_notes", {}).get(str(n), ""))


@macro
def example_overview(book, L, name: str) -> str:
    d = book.get(name)
    out = [_kv(d.get("business_context", {})), ""]
    if d.get("assumptions"):
        out += [table(["ID", "Assumption", "Impact if wrong", "Status"], [[esc(a.get("id", "")), L.prose(a.get("description", "")), L.prose(a.get("impact_if_wrong", "")), esc(a.get("status", ""))] for a in d["assumptions"]]), ""]
    if d.get("components"):
        out += [table(["Component", "Layers", "Notes"], [[esc(c["name"]), L.ids(c["layers"]), L.prose(c.get("notes", ""))] for c in d["components"]]), ""]
    return "\n".join(out)


@macro
def example_context_table(book, L, name: str, key: str) -> str:
    """One list of the business context (user groups, data types, ratings) as a table, its columns named by its keys."""
    rows = book.get(name).get("business_context", {}).get(key)
    if not rows:
        raise PluginError(f"worked example {name}: business_context has no {key!r} list")
    cols = list(dict.fromkeys(k for r in rows for k in r))
    return table([esc(c.replace("_", " ").capitalize()) for c in cols], [[L.prose(str(r.get(c, "-"))) for c in cols] for r in rows])


@macro
def example_layer_map(book, L, name: str) -> str:
    """Components by MAESTRO layer, in layer order, the shape of the Layer Mapping Template."""
    kb = book.kb
    comps = book.get(name).get("components", [])
    rows = []
    for lid, layer in kb.layers.items():
        here = [c for c in comps if lid in c["layers"]]
        rows.append([L.id(lid), esc(layer["name"]), L.prose("; ".join(c["name"] for c in here)) or "*none mapped*",
                     L.prose("; ".join(c["notes"] for c in here if c.get("notes"))) or "-"])
    return table(["Layer", "Layer name", "Components", "Notes"], rows)


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


@macro
def example_actors(book, L, name: str) -> str:
    kb = book.kb
    d = book.get(name)
    cols = ["id"] + (["name"] if any("name" in a for a in d.get("threat_actors", [])) else []) + ["category", "capability", "motivation", "relevance", "priority"]
    return _records(kb, L, d, "threat_actors", cols)


BOUNDARY_COLUMNS = ["id", "source_zone", "destination_zone", "protocol", "authentication", "strength"]


@macro
def example_zones(book, L, name: str) -> str:
    """The trust zones of a worked example, with the components in each where it records them."""
    zones = book.get(name).get("trust_zones", [])
    if any(z.get("components") for z in zones):
        return table(["Trust zone", "Trust", "Components"], [[esc(z["name"]), esc(z["trust"]), L.prose(", ".join(z.get("components", []))) or "-"] for z in zones])
    return table(["Trust zone", "Trust"], [[esc(z["name"]), esc(z["trust"])] for z in zones])


@macro
def example_crossings(book, L, name: str, columns: list | None = None) -> str:
    """The trust-boundary records (Phase 4), in the columns given (the Trust Boundary Template's by default)."""
    return _records(book.kb, L, book.get(name), "trust_boundaries", columns or BOUNDARY_COLUMNS)


@macro
def example_boundaries(book, L, name: str) -> str:
    d = book.get(name)
    return "\n".join(([example_zones(book, L, name), ""] if d.get("trust_zones") else []) + [example_crossings(book, L, name)])


@macro
def example_assets(book, L, name: str) -> str:
    kb = book.kb
    d = book.get(name)
    out = [_records(kb, L, d, "assets", ["id", "name", "classification", "stored_at", "exposure_points"])]
    if d.get("data_flows"):
        keys = [k for k in d["data_flows"][0].keys()][:5]
        out += ["", _records(kb, L, d, "data_flows", keys)]
    return "\n".join(out)


def _risk(kb, t):
    return scoring.threat_level(kb, t)


def _levels_high_first(kb) -> list:
    return [r["level"] for r in reversed(kb.scoring["risk_levels"])]


@macro
def example_register(book, L, name: str) -> str:
    """The threat register; a register not yet scored (no likelihoods) shows severity alone, as the quickstart does."""
    kb = book.kb
    d = book.get(name)
    scored = any("likelihood" in t for t in d["threats"])
    rows = []
    for t in d["threats"]:
        row = [f'{fragment("anchor.html.j2", id=t["id"].lower())}**{esc(t["id"])}**', esc(t["name"]), L.ids(t["layers"]),
               _refs(L, t["maps_to"] + t.get("blindspots", [])), esc(t["severity"])]
        rows.append(row + ([esc(t.get("likelihood", "not rated")), f"**{esc(_risk(kb, t))}**"] if scored else []))
    counts = {}
    for t in d["threats"]:
        counts[_risk(kb, t)] = counts.get(_risk(kb, t), 0) + 1
    summary = ", ".join(f"{counts[l]} {l}" for l in _levels_high_first(kb) if l in counts)
    head = ["ID", "Threat", "Layers", "Maps to", "Severity"] + (["Likelihood", "Risk"] if scored else [])
    return table(head, rows) + f"\n\n{len(d['threats'])} threats by {'risk level' if scored else 'severity'}: {summary}."


@macro
def example_control_plan(book, L, name: str) -> str:
    """For each threat that needs all three control types, the planned control of each type and how it applies here."""
    kb = book.kb
    d = book.get(name)
    mits = {m["id"]: m for m in d["mitigations"]}
    order = _levels_high_first(kb)
    needy = [t for t in d["threats"] if set(scoring.required_types(kb, _risk(kb, t))) >= {"preventive", "detective", "corrective"}]
    needy.sort(key=lambda t: order.index(_risk(kb, t)))
    cols = ["preventive", "detective", "corrective"]
    rows = []
    for t in needy:
        cells = []
        for kind in cols:
            picked = [mits[m] for m in t["mitigations"] if m in mits and mits[m]["type"] == kind]
            cells.append(cell_lines(*(f"{L.ids(m.get('implements', [])) or esc(m['id'])}: {L.prose(m.get('description') or m['name'])}" for m in picked)) or "**missing**")
        rows.append([f"**{esc(t['id'])}** ({esc(_risk(kb, t))})"] + cells)
    return table(["Threat"] + [c.capitalize() for c in cols], rows)


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


@macro
def example_inventory(book, name: str) -> str:
    """What a worked example holds so far, counted from its records."""
    kb = book.kb
    d = book.get(name)
    bc = d.get("business_context", {})
    context = [_n(len(bc[k]), label, many) for k, label, many in (("user_groups", "user group", None), ("data_types", "data class", "data classes"),
                                                    ("regulatory_requirements", "regulation", None)) if bc.get(k)]
    layers = {lid for c in d.get("components", []) for lid in c["layers"] if lid in STACK_LAYERS}
    levels = {lv: sum(1 for t in d["threats"] if _risk(kb, t) == lv) for lv in _levels_high_first(kb)}
    needy = [t for t in d["threats"] if len(scoring.required_types(kb, _risk(kb, t))) >= 3]
    lines = [f"A business context: {', '.join(context)}" + (f" and a criticality rating ({esc(bc['criticality'])})" if bc.get("criticality") else "") + ".",
             f"A layer mapping: {_n(len(d.get('components', [])), 'component entry', 'component entries')} covering {len(layers)} of the {len(STACK_LAYERS)} layers.",
             f"{_n(len(d.get('trust_zones', [])), 'trust zone')} and {_n(len(d.get('trust_boundaries', [])), 'boundary crossing')}.",
             f"{_n(len(d['threats']), 'threat')}, each mapped to taxonomy IDs: " + ", ".join(f"{v} {k}" for k, v in levels.items() if v) + ".",
             f"{_n(len(d['mitigations']), 'planned control')} for the {len(needy)} threats that need all three control types."]
    return bullet([esc(x) for x in lines])


@macro
def example_progress(book, name: str) -> str:
    """Which phases a worked example has finished, from its phase_status (an example without one is finished)."""
    kb = book.kb
    status = book.get(name).get("phase_status")
    if not status:
        return ""
    groups = {}
    for n in kb.phases:
        groups.setdefault(status.get(str(n), "pending"), []).append(str(n))
    words = {"complete": "complete", "in_progress": "in progress", "pending": "not started", "skipped": "skipped", "error": "in error"}
    parts = [f"{words[k]}: {', '.join(v)}" for k, v in groups.items()]
    body = "Phases " + "; ".join(parts) + ". `maestro check` reads this file as a draft: rules of unstarted phases report pending."
    return admonition("info", "Draft threat model", body)


@macro
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
        rows += [["STRIDE", esc(", ".join(t.get(STRIDE.name, [])))],
                 ["Severity x likelihood", f"{esc(t['severity'])} x {esc(t.get('likelihood', 'not rated'))} = **{esc(_risk(kb, t))}**"],
                 ["Vector / complexity", f"{esc(t.get('attack_vector', '-'))} / {esc(t.get('attack_complexity', '-'))}"],
                 ["Agentic factors", esc(", ".join(t.get("agentic_factors", [])))],
                 ["Affected components", esc(", ".join(t.get("affected_components", [])))],
                 ["Prerequisites", L.prose(t.get("prerequisites", ""))], ["Impact", L.prose(t.get("impact", ""))],
                 ["Mitigations", ", ".join(L.id(m) if m in kb.mitigations else esc(m) for m in t["mitigations"])]]
        out += [table(["Field", "Value"], rows, cls="maestro-card"), ""]
    return "\n".join(out)


@macro
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


@macro
def example_chains(book, L, name: str) -> str:
    out = []
    for c in book.get(name).get("attack_chains", []):
        out += [f"**{esc(c['name'])}** ({esc(', '.join(c['threats']))})", "",
                "\n".join(f"{i}. **{esc(s['layer'])}** {L.prose(s['text'])}" for i, s in enumerate(c["steps"], 1)), ""]
    return "\n".join(out)


@macro
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


@macro
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


@macro
def example_validation(book, L, name: str) -> str:
    """The Phase 8 code-validation records of a worked example."""
    kb = book.kb
    rows = [[esc(cv["id"]), L.id(cv["mitigation"]) if cv["mitigation"] in kb.mitigations else esc(cv["mitigation"]),
             L.prose(cv.get("artifact", "-")), f"`{esc(cv['file'])}:{esc(str(cv.get('line', '')))}`" if cv.get("file") else "-",
             f"**{esc(cv['verified_status'])}**", L.prose(cv.get("gaps", "-")), esc(cv.get("tests", "-"))]
            for cv in book.get(name).get("code_validation", [])]
    if not rows:
        return ("*No code-validation records: Phase 8 had no source access, so only controls with cited evidence count "
                f"({L.link('ruling R01', 'reference/changelog.md#r01')}).*")
    return table(["ID", "Mitigation", "Artifact", "Where", "Verified", "Gaps", "Tests"], rows)


@macro
def example_roadmap(book, L, name: str) -> str:
    kb = book.kb
    return _records(kb, L, book.get(name), "roadmap", ["id", "phase", "description", "threats", "mitigations", "effort", "team"])


@macro
def example_summary(book, L, name: str) -> str:
    s = book.get(name).get("summary", {})
    out = [f"Overall risk posture: **{esc(s.get('overall_posture', '-'))}**." + (f" {L.prose(s['posture_rationale'])}" if s.get("posture_rationale") else ""), ""]
    if s.get("top_risks"):
        tm = {t["id"]: t for t in book.get(name)["threats"]}
        out += ["Top risks:", "", "\n".join(f"{i}. **{esc(t)}** {esc(tm[t]['name'])}" for i, t in enumerate(s["top_risks"], 1)), ""]
    if s.get("key_recommendations"):
        out += ["Key recommendations:", "", bullet([L.prose(x) for x in s["key_recommendations"]]), ""]
    if s.get("next_review"):
        note = f", {esc(s['next_review_note'])}" if s.get("next_review_note") else ""  # the date stays YYYY-MM-DD (MC802)
        out += [f"Next review: {esc(s['next_review'])}{note}.", ""]
    disc = book.get(name).get("disclaimer")
    if disc:
        out += [admonition("warning", "AI-assisted example", L.prose(disc))]
    return "\n".join(out)


# ------------------------------------------------------------------ the risk-scoring guide's worked example
def _postures(book, name):
    d = book.get(name)
    return d, assessment.assess(book.kb, d)


@macro
def example_risk_steps(book, L, name: str) -> str:
    """Step 1 of prioritisation: each threat's severity x likelihood and the level the matrix gives."""
    d = book.get(name)
    parts = [f"{esc(t['severity'])} x {esc(t['likelihood'])} = {esc(_risk(book.kb, t))} for {esc(t['id'])}" for t in d["threats"]]
    return "From the matrix: " + "; ".join(parts) + "."


@macro
def example_threat_list(book, L, name: str) -> str:
    """The threats of a scoring example, one bullet each with its ratings."""
    d = book.get(name)
    return bullet([f"**{esc(t['id'])}** (maps to {_refs(L, t['maps_to'])}): {L.prose(t.get('description', t['name']))} "
                   f"Severity {esc(t['severity'])}, likelihood {esc(t['likelihood'])}. "
                   f"Vector {esc(t.get('attack_vector', '-'))}, complexity {esc(t.get('attack_complexity', '-'))}." for t in d["threats"]])


def _num(x: float) -> str:
    return f"{x:g}"


def _eff(x: float) -> str:
    """An effective risk as the guide writes it: two decimals at most, one at least (4.0, 2.5, 3.33)."""
    s = f"{x:.2f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


@macro
def example_effective_risk(book, name: str) -> str:
    """Steps 2 and 3: what each threat's controls earn (ruling R02) and the effective risk, with the arithmetic."""
    kb = book.kb
    d, postures = _postures(book, name)
    rows = []
    for t in d["threats"]:
        p = postures[t["id"]]
        value = scoring.level_info(kb, p.level)["value"]
        parts = scoring.credit_parts(kb, p.level, [(c.type, c.status, c.coverage) for c in p.controls])
        counted = ", ".join(f"{k} {_num(v)}" for k, v in parts.items())
        if len(parts) > 1:
            credit = f"({' + '.join(_num(v) for v in parts.values())}) / {len(parts)}" if any(parts.values()) else "0"
            share = f"{_num(sum(parts.values()))}/{len(parts)}" if any(parts.values()) else "0"
        else:
            credit = share = _num(next(iter(parts.values())))
        arithmetic = f"{value} x (1 - {share}) = {_eff(p.effective)}"
        rows.append([esc(t["id"]), f"{esc(p.level)} ({value})", esc(t.get("attack_vector", "-")), esc(t.get("attack_complexity", "-")),
                     esc(counted), esc(credit), esc(arithmetic)])
    return table(["Threat", "Risk level (value)", "Vector", "Complexity", "Statuses that count", "Credit", "Effective risk"], rows)


@macro
def example_ranking(book, name: str) -> str:
    """Step 4: the threats in prioritisation order (effective risk, then vector, then complexity)."""
    kb = book.kb
    d, postures = _postures(book, name)
    order = sorted(d["threats"], key=lambda t: scoring.rank_key(kb, postures[t["id"]].effective, t.get("attack_vector"), t.get("attack_complexity")))
    return "\n".join(f"{i}. {esc(t['id'])} ({_eff(postures[t['id']].effective)}, {esc(t.get('attack_vector', '-'))}, "
                     f"{esc(t.get('attack_complexity', '-'))})" for i, t in enumerate(order, 1))


@macro
def example_buckets(book, name: str) -> str:
    """The roadmap bucket each threat belongs in, from its risk level and control credit (changelog D21, ruling R02)."""
    kb = book.kb
    d, postures = _postures(book, name)
    lines = []
    for b in kb.scoring["remediation_buckets"]:
        here = [t for t in d["threats"] if postures[t["id"]].bucket == b["bucket"]]
        listed = ", ".join(f"{esc(t['id'])} ({esc(postures[t['id']].level)}, credit {_credit_words(postures[t['id']].credit)})" for t in here)
        lines.append(f"**{esc(b['bucket'])}**: {listed or 'no threat'}")
    return bullet(lines)


def _credit_words(credit: float) -> str:
    return "0" if credit <= 0 else str(Fraction(credit).limit_denominator(12))
