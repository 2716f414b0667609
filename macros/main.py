"""mkdocs-macros module: every data-driven table on the prose pages comes from here.

Each macro reads the validated knowledge base and returns Markdown (or HTML where layout
needs it), escaping every data string. Prose pages call them as {{ mapping_matrix() }} etc.
"""
from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # make `macros` importable

from mkdocs.exceptions import PluginError  # noqa: E402

from maestro import assessment, checks, engagement, scoring  # noqa: E402
from maestro.kb import LAYER_ORDER, TYPE_ORDER  # noqa: E402
from macros import site  # noqa: E402
from macros.render import (TYPE_NAMES, Linker, admonition, bullet, esc, src_of, table)  # noqa: E402


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def define_env(env):
    kb = site.kb_for(env.conf)
    env.variables["kb_version"] = kb.version
    env.variables["atlas_edition"] = kb.atlas_edition  # the pinned MITRE ATLAS edition, for prose

    def here() -> Linker:
        return Linker(kb, env.page.file.src_uri)

    @env.macro
    def count(what: str) -> int:
        """Number of active threats, mitigations, blindspots, ... for use in prose."""
        table_ = {
            "threats": len(kb.active_threats()), "core": sum(t["kind"] == "core" for t in kb.threats.values()),
            "extended": sum(t["kind"] == "extended" for t in kb.threats.values()), "reserved": len(kb.reserved_threats()),
            "mitigations": len(kb.mitigations), "blindspots": len(kb.blindspots), "checklist_items": len(kb.items),
            "considerations": len(kb.considerations), "patterns": len(kb.patterns),
        }
        return table_[what]

    # ---------------------------------------------------------------- taxonomy
    @env.macro
    def threat_table(kind: str = "core", layer: str | None = None) -> str:
        L = here()
        rows = []
        for t in kb.active_threats():
            if t["kind"] != kind or (layer and kb.primary_layer(t["id"]) != layer):
                continue
            cells = kb.threat_layers[t["id"]]
            rows.append([L.id(t["id"]), esc(t["name"]),
                         L.ids([l for l in LAYER_ORDER if cells.get(l) == "primary"]),
                         L.ids([l for l in LAYER_ORDER if cells.get(l) == "secondary"])])
        return table(["ID", "Name", "Primary layers", "Secondary layers"], rows)

    @env.macro
    def extended_by_layer() -> str:
        L = here()
        out = []
        for l in LAYER_ORDER[:-1]:
            rows = [t for t in kb.active_threats() if t["kind"] == "extended" and kb.primary_layer(t["id"]) == l]
            if not rows:
                continue
            out += [f"### {esc(l)} {esc(kb.layers[l]['name'])} {{ #extended-{l.lower()} }}", "",
                    table(["ID", "Name", "Also at"], [[L.id(t["id"]), esc(t["name"]),
                          L.ids([x for x, s in kb.threat_layers[t["id"]].items() if s == "secondary"])] for t in rows]), ""]
        return "\n".join(out)

    @env.macro
    def reserved_ids() -> str:
        L = here()
        return ", ".join(L.id(t["id"]) for t in kb.reserved_threats())

    @env.macro
    def considerations_table() -> str:
        L = here()
        rows = [[f"<span id=\"{html.escape(c['key'])}\"></span>{esc(c['name'])}", L.id(c["layer"]), L.prose(c["description"]),
                 L.ids(c["related_threats"])] for c in kb.considerations.values()]
        return table(["Consideration", "Layer", "What it is", "Closest IDs"], rows)

    @env.macro
    def blindspot_table() -> str:
        L = here()
        rows = [[L.id(b["id"]), esc(b["name"]), L.ids(b["layers"]), L.ids(b["related_threats"])] for b in kb.blindspots.values()]
        return table(["ID", "Name", "Layers", "Related threats"], rows)

    # ---------------------------------------------------------------- matrix
    @env.macro
    def mapping_matrix(kind: str = "core") -> str:
        """The layer-to-threat matrix as an HTML table; every mark links to the threat's layer list."""
        L = here()
        head = "".join(
            f'<th scope="col">{L.a(html.escape(l), src_of("layer", l), kb.layers[l]["name"])}'
            f'<span class="maestro-matrix__sub">{html.escape(kb.layers[l]["short_label"])}</span></th>'
            for l in LAYER_ORDER)
        rows = []
        for t in kb.active_threats():
            if t["kind"] != kind:
                continue
            tid, cells = t["id"], kb.threat_layers[t["id"]]
            tds = []
            for l in LAYER_ORDER:
                s = cells.get(l)
                if not s:
                    tds.append('<td class="maestro-matrix__none"><span class="maestro-sr">none</span></td>')
                    continue
                mark = "&#9679;" if s == "primary" else "&#9675;"
                title = f"{tid} {t['name']}: {s} at {l} {kb.layers[l]['name']}"
                label = f'<span aria-hidden="true">{mark}</span><span class="maestro-sr">{s}</span>'
                tds.append(f'<td class="maestro-matrix__{s}">{L.a(label, src_of("threat", tid) + "#layers", title)}</td>')
            rows.append(f'<tr><th scope="row">{L.a(html.escape(tid), src_of("threat", tid), t["name"])} '
                        f'<span class="maestro-matrix__name">{html.escape(t["name"])}</span></th>{"".join(tds)}</tr>')
        return (f'<table class="maestro-matrix" data-kind="{kind}"><thead><tr><th scope="col">Threat</th>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')

    @env.macro
    def matrix_legend() -> str:
        return ('<p class="maestro-matrix-legend"><span class="maestro-matrix__primary">&#9679;</span> primary: the threat is rooted '
                'at this layer and is analysed there first. <span class="maestro-matrix__secondary">&#9675;</span> secondary: the '
                'threat reaches or is enabled through this layer, or applies there only under a condition. An empty cell means '
                'no mapping. Every mark links to the threat\'s page.</p>')

    # ---------------------------------------------------------------- checklists
    @env.macro
    def checklist(section: str) -> str:
        """One checklist as printable HTML: a checkbox, an anchor and a link per item."""
        L = here()
        s = kb.sections[section]
        lis = []
        for item in s["items"]:
            refs = ""
            if item["refs"] or item.get("llm_top10"):
                parts = [L.a(html.escape(r), src_of("threat" if r.startswith("T") else "blindspot", r), kb.name_of(r)) for r in item["refs"]]
                parts += [html.escape(x) for x in item.get("llm_top10", [])]
                refs = f' <span class="maestro-checklist__refs">({", ".join(parts)})</span>'
            iid = html.escape(item["id"])
            lis.append(f'<li id="{iid}"><input type="checkbox" aria-labelledby="{iid}-q"> '
                       f'<a class="maestro-checklist__id" href="#{iid}">{iid}</a> '
                       f'<span id="{iid}-q">{L.html_prose(item["text"])}</span>{refs}</li>')
        return f'<ul class="maestro-checklist" data-section="{html.escape(section)}">\n' + "\n".join(lis) + "\n</ul>"

    @env.macro
    def all_checklists() -> str:
        out = []
        for sid, s in kb.sections.items():
            out += [f"## {esc(s['title'])} {{ #checklist-{sid.lower()} }}", "", checklist(sid), ""]
        return "\n".join(out)

    # ---------------------------------------------------------------- mitigations
    @env.macro
    def mitigation_catalog() -> str:
        L = here()
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
                    rows.append([L.id(m), esc(mm["name"]), TYPE_NAMES[letter], target or "-"])
            out += [table(["ID", "Name", "Type", "Addresses"], rows), ""]
        return "\n".join(out)

    @env.macro
    def mitigation_types() -> str:
        rows = [[f"{esc(t['name'])} ({esc(t['letter'])})", esc(t["timing"]), esc(t["purpose"]), esc(t["when_to_use"])]
                for t in kb.types.values()]
        return table(["Type", "When", "What it does", "When to use"], rows)

    @env.macro
    def coverage_gaps() -> str:
        L = here()
        gaps = [t for t in kb.active_threats() if not kb.threat_mitigations.get(t["id"])]
        rows = [[L.id(t["id"]), esc(t["name"]), L.ids(t.get("partial_mitigations", [])) if t.get("partial_mitigations") else "none"] for t in gaps]
        return table(["Threat", "Name", "Controls that help partly"], rows)

    # ---------------------------------------------------------------- case studies, decisions
    @env.macro
    def case_studies() -> str:
        L = here()
        out = []
        for c in kb.cases.values():
            out += [f"## Case {esc(c['id'])}: {esc(c['name'])} {{ #case-{c['id'].lower()} }}", "", L.prose(c["summary"]), ""]
            out += [table(["Threat", "Finding"], [[L.id(t, name=True), L.prose(c["findings"][t])] for t in c["threats"]]), ""]
            if c.get("patterns"):
                out += ["Cross-layer: " + ", ".join(L.pattern(n) for n in c["patterns"]) + ".", ""]
            out += ["Lessons:", "", bullet([L.prose(x) for x in c["lessons"]]), ""]
        return "\n".join(out)

    @env.macro
    def decisions() -> str:
        return _decision_list(kb.decisions.values())

    @env.macro
    def rulings() -> str:
        return _decision_list(kb.rulings.values())

    def _decision_list(entries) -> str:
        L = here()
        out = []
        for d in entries:
            out += [f"### {esc(d['id'])}: {esc(d['topic'])} {{ #{d['id'].lower()} }}", "", L.prose(d["decision"]), "",
                    f"*Where:* {', '.join(esc(w) for w in d['where'])}", ""]
        return "\n".join(out)

    @env.macro
    def release_changes(version: str) -> str:
        """What a release changed, computed from the kept ids.json of each release (releases/)."""
        from maestro import releases
        hist = releases.history(kb)
        versions = list(hist)
        if version not in hist or versions.index(version) == 0:
            return "First release: every ID listed in the catalogs."
        L = here()
        c = releases.changes(hist[versions[versions.index(version) - 1]], hist[version])
        lines = [f"IDs added: {L.ids(c['added'])}" if c["added"] else "IDs added: none",
                 ("IDs renamed: " + "; ".join(f"{L.id(i)} {esc(old)} to {esc(new)}" for i, old, new in c["renamed"])) if c["renamed"] else "IDs renamed: none",
                 f"IDs deprecated: {L.ids(c['deprecated'])}" if c["deprecated"] else "IDs deprecated: none",
                 ("IDs revoked: " + "; ".join(f"{esc(i)} (now {L.id(n)})" for i, n in c["revoked"])) if c["revoked"] else "IDs revoked: none"]
        names = {"mitre_atlas": "MITRE ATLAS", "owasp_llm_top10": "OWASP Top 10 for LLM Applications",
                 "owasp_agentic_top10": "OWASP Top 10 for Agentic Applications", "owasp_agentic_threats_and_mitigations": "OWASP Agentic AI - Threats and Mitigations"}
        show = lambda v: ", ".join(v) if isinstance(v, list) else (v or "not cited")  # noqa: E731
        lines += [f"{esc(names.get(k, k))}: {esc(show(a))} to {esc(show(b))}" for k, a, b in c["editions"]] or ["External editions: unchanged"]
        if c["removed"]:
            raise PluginError(f"release {version} drops IDs {', '.join(c['removed'])}: a published ID never disappears")
        return bullet(lines)

    @env.macro
    def check_rules() -> str:
        """The rule table of `maestro check`, from the rule registry."""
        rows = [[f'<span id="{r.code.lower()}"></span>`{r.code}`', f"`{esc(r.name)}`", esc(r.severity), esc(str(r.phase) if r.phase else "any"),
                 esc(r.summary), esc(r.hint)] for r in (checks.RULES[c] for c in sorted(checks.RULES))]
        return table(["Code", "Name", "Severity", "Phase", "What it finds", "How to fix it"], rows)

    # ================================================================ layers
    @env.macro
    def layer_table() -> str:
        L = here()
        return table(["Layer", "Name", "Covers"], [[L.id(l), esc(kb.layers[l]["name"]), L.prose(kb.layers[l]["summary"])] for l in LAYER_ORDER])

    @env.macro
    def layer_components() -> str:
        L = here()
        rows = [[L.id(l, name=True), "; ".join(L.prose(c) for c in kb.layers[l]["components"]) or "-"] for l in LAYER_ORDER if kb.layers[l]["components"]]
        return table(["Layer", "Typical components"], rows)

    @env.macro
    def layer_questions(layer: str) -> str:
        L = here()
        return bullet([L.prose(q) for q in kb.layers[layer]["key_questions"]])

    @env.macro
    def quick_reference_card() -> str:
        L = here()
        rows = []
        for l in LAYER_ORDER:
            lt = kb.layer_threats(l)
            core_p = [t for t in lt["primary"] if kb.threats[t]["kind"] == "core"]
            ext = [t for t in lt["primary"] if kb.threats[t]["kind"] == "extended"]
            name = esc(kb.layers[l]["name"]) + (" (vertical)" if kb.layers[l].get("vertical") else "")
            rows.append([L.id(l), name, L.ids(core_p), L.ids([t for t in lt["secondary"] if kb.threats[t]["kind"] == "core"]), L.ids(ext)])
        out = table(["Layer", "Name", "Primary core threats", "Secondary core threats", "Extended threats"], rows, cls="maestro-card")
        factors = table(["Risk factor", "In one line"], [[esc(f["name"]), L.prose(f["summary"])] for f in kb.factors])
        pats = bullet([L.pattern(p["n"]) for p in kb.patterns.values()])
        return f"{out}\n\n{factors}\n\nCross-layer patterns:\n\n{pats}"

    @env.macro
    def quick_map() -> str:
        L = here()
        rows = [[L.id(t["id"]), esc(t["name"]), L.ids([l for l in LAYER_ORDER if kb.threat_layers[t["id"]].get(l) == "primary"]),
                 L.ids([l for l in LAYER_ORDER if kb.threat_layers[t["id"]].get(l) == "secondary"])]
                for t in kb.active_threats() if t["kind"] == "core"]
        return table(["ID", "Threat", "Primary", "Secondary"], rows)

    # ================================================================ cross-layer, factors
    @env.macro
    def pattern_table() -> str:
        L = here()
        rows = [[L.pattern(p["n"], name=False), esc(p["name"]), " -> ".join(esc(x) for x in p["layers"]), "yes" if p["single_agent"] else "no"]
                for p in kb.patterns.values()]
        return table(["Pattern", "Name", "Layers", "Single-agent"], rows)

    @env.macro
    def cross_layer_patterns() -> str:
        L = here()
        out = []
        for p in kb.patterns.values():
            out += [f"### Pattern {p['n']}: {esc(p['name'])} {{ #pattern-{p['n']} }}", "", L.prose(p["description"]), ""]
            out += ["\n".join(f"{i}. **{esc(s['layer'])}** {L.prose(s['text'])}" for i, s in enumerate(p["steps"], 1)), ""]
            out += [f"Threats in the chain: {L.ids(p['threats'], name=True)}.", "",
                    f"Controls that break it: {L.ids(p['mitigations'], name=True)}.", ""]
        return "\n".join(out)

    @env.macro
    def key_cross_layer_threats() -> str:
        L = here()
        return table(["Key cross-layer threat", "Taxonomy IDs"], [[esc(k["label"]), L.ids(k["threats"])] for k in kb.key_threats])

    @env.macro
    def risk_factors() -> str:
        L = here()
        out = []
        for f in kb.factors:
            out += [f"### {esc(f['name'])} {{ #factor-{f['key'].replace('_', '-')} }}", "", f"*{L.prose(f['summary'])}*", "",
                    L.prose(f["description"]), "",
                    f"Single-agent systems: {'applies in full' if f['single_agent'] == 'full' else 'reduced; read it as the agent talking to tools and external systems'}.", ""]
        return "\n".join(out)

    @env.macro
    def risk_factor_matrix() -> str:
        L = here()
        rows = [[L.id(l)] + [L.prose(f["per_layer"][l]) for f in kb.factors] for l in LAYER_ORDER]
        return table(["Layer"] + [esc(f["name"]) for f in kb.factors], rows)

    # ================================================================ process
    @env.macro
    def phase_table() -> str:
        L = here()
        rows = [[str(p["n"]), f"**{esc(p['name'])}**" + ("<br>*assistant-led*" if p["agent_driven"] else ""),
                 L.prose(p["objective"]) + f"<br>Output: `{p['output_file']}`", ", ".join(str(d) for d in p["depends_on"]) or "-"]
                for p in kb.phases.values()]
        return table(["#", "Phase", "Objective and output", "Needs phases"], rows, cls="maestro-phases")

    @env.macro
    def phase_detail(n: int) -> str:
        L = here()
        p = kb.phases[int(n)]
        names = {f["key"]: f["name"] for f in kb.factors}
        tmpl = ", ".join(esc(t) for t in p["templates"]) or "-"
        out = [f"**Inputs:** {'; '.join(L.prose(i) for i in p['inputs'])}.", "",
               "**Steps:**", "", "\n".join(f"{i}. {L.prose(s)}" for i, s in enumerate(p["steps"], 1)), "",
               f"**Outputs:** {'; '.join(L.prose(o) for o in p['outputs'])}. File: `{p['output_file']}`. Templates: {tmpl}.", "",
               table(["Risk factor", "What changes in this phase"], [[esc(names[k]), L.prose(v)] for k, v in p["considerations"].items()])]
        return "\n".join(out)

    @env.macro
    def dependency_flow() -> str:
        fl = kb.docs["phases"]["flow"]
        par = ", ".join(str(x) for x in fl["parallel_after_2"])
        seq = " -> ".join(str(x) for x in fl["strictly_sequential"])
        diagram = f"1 -> 2 -> {{ {par} }} -> {seq}"
        light = ", ".join(str(x) for x in fl["lightweight_phases"])
        return (f"```text\n{diagram}\n```\n\n- Phases {par} may run in any order or in parallel once phase 2 is done; all of them finish before phase 6.\n"
                f"- Phase 5 needs the trust zones of phase 4 before it maps assets to zones.\n"
                f"- Phases {seq} run strictly in order.\n- The lightweight path runs phases {light}.")

    @env.macro
    def reentry_table() -> str:
        return table(["Change", "Re-enter at phase"], [[esc(r["change"]), f"{r['re_enter_at']} ({esc(kb.phases[r['re_enter_at']]['name'])})"]
                                                      for r in kb.docs["phases"]["reentry"]])

    @env.macro
    def depth_questions() -> str:
        return "\n".join(f"{q['n']}. {esc(q['text'])}" for q in kb.depth["questions"])

    @env.macro
    def depth_table() -> str:
        L = here()
        rows = [[esc(d["name"]), f"`{d['key']}`", esc(d["when"]), esc(d["phases"]), L.ids(d["layers"]), esc(d["effort"])] for d in kb.depth["depths"]]
        note = "A yes to question 5 (multi-agent) always puts all seven layers and the cross-layer dimension in scope."
        return table(["Depth", "state.json", "When", "Phases", "Layers", "Effort"], rows) + "\n\n" + note

    @env.macro
    def mvtm_checklist() -> str:
        items = "\n".join(f'<li id="mvtm-{i}"><input type="checkbox" aria-label="done"> {html.escape(t)}</li>' for i, t in enumerate(kb.depth["mvtm"], 1))
        return f'<ol class="maestro-checklist maestro-checklist--numbered">\n{items}\n</ol>'

    @env.macro
    def phase_checklist() -> str:
        items = "\n".join(f'<li id="phase-check-{p["n"]}"><input type="checkbox" aria-label="done"> <strong>{p["n"]}. {html.escape(p["name"])}</strong>: '
                          f'{html.escape("; ".join(p["outputs"][:3]))} (<code>{html.escape(p["output_file"])}</code>)</li>' for p in kb.phases.values())
        return f'<ul class="maestro-checklist">\n{items}\n</ul>'

    # ================================================================ templates
    def _template(t) -> str:
        L = here()
        phases = ", ".join(str(p) for p in t["phases"]) if len(t["phases"]) < 10 else "all"
        out = [f"### {esc(t['name'])} {{ #{t['key']} }}", "", f"{L.prose(t['purpose'])} Phase: {phases}." +
               (f" IDs: `{t['id_format']}`." if t.get("id_format") else ""), ""]
        if t.get("fields"):
            rows = []
            for f in t["fields"]:
                guide = "; ".join(esc(v) for v in f["values"]) if f.get("values") else ""
                if f.get("hint"):
                    guide = (guide + ". " if guide else "") + L.prose(f["hint"])
                if f.get("examples"):
                    guide = (guide + ". " if guide else "") + "e.g. " + ", ".join(esc(x) for x in f["examples"])
                rows.append([esc(f["name"]), guide, " "])
            out += [table(["Field", "Allowed values / guidance", "Value"], rows, cls="maestro-template"), ""]
        if t.get("rows") == "layers":
            out += [table([esc(c) for c in t["columns"]], [[L.id(l, name=True), " ", " "] for l in LAYER_ORDER if l != "CL"], cls="maestro-template"), ""]
        for tb in t.get("tables", []):
            rows_ = ([f"{l} {kb.layers[l]['name']}" if l != "CL" else "Cross-Layer" for l in LAYER_ORDER] + ["Total"]
                     if tb["rows"] == "layers+total" else [s["level"] for s in reversed(kb.scoring["severity"])])
            out += [f"*{esc(tb['title'])}*", "", table([esc(c) for c in tb["columns"]], [[esc(r)] + [" "] * (len(tb["columns"]) - 1) for r in rows_], cls="maestro-template"), ""]
        return "\n".join(out)

    @env.macro
    def templates() -> str:
        return "\n".join(_template(t) for t in kb.templates.values())

    @env.macro
    def template(key: str) -> str:
        return _template(kb.templates[key])

    @env.macro
    def mcp_threats() -> str:
        """MCP threats from the data: role (core/related), layers and the catalog controls per type."""
        L = here()
        rows = []
        for role in ("core", "related"):
            for t in kb.active_threats():
                if t.get("mcp") != role:
                    continue
                cells = kb.threat_layers[t["id"]]
                by = kb.mitigations_for(t["id"])
                rows.append([L.id(t["id"]), esc(t["name"]), role,
                             ", ".join(f"{l} ({cells[l]})" for l in LAYER_ORDER if l in cells),
                             "; ".join(f"{TYPE_NAMES[k][0]}: {L.ids(v)}" for k, v in by.items() if v) or "no catalog control"])
        return table(["Threat", "Name", "MCP role", "Layers", "Catalog controls (P/D/C/R)"], rows)

    # ================================================================ frameworks
    def _threats_with(field, value):
        return [t["id"] for t in kb.active_threats() if value in t[field]]

    @env.macro
    def stride_table() -> str:
        L = here()
        rows = [[f"**{esc(s['letter'])}** {esc(s['name'])}", L.prose(s["agentic_focus"]), L.ids(_threats_with("stride", s["name"]))] for s in kb.frameworks["stride"]]
        return table(["Category", "In agent systems", "Threats"], rows)

    def _llm_threats(cited: str) -> list:
        """Threats whose LLM mapping, read in every edition, includes ``cited``."""
        return [t["id"] for t in kb.active_threats() if any(cited in v for v in kb.llm_editions(t["llm_top10"]).values())]

    @env.macro
    def llm_top10_table() -> str:
        """The LLM Top 10, 2025 and 2026 side by side, with the MAESTRO layers and threats of each entry."""
        L = here()
        rows = []
        for old, new in kb.llm_2026_of.items():
            rows.append([f"`{esc(old)}` {esc(kb.llm[old]['name'])}", f"`{esc(new)}` {esc(kb.llm[new]['name'])}",
                         L.ids(kb.llm[old]["layers"]), L.ids(_llm_threats(old))])
        return table([esc(kb.llm_title("2025")), esc(kb.llm_title("2026")), "MAESTRO layers", "Threats"], rows)

    @env.macro
    def llm_unmapped() -> str:
        """The LLM Top 10 entries no threat or blindspot maps to, with the reason the data gives."""
        items = [(f"{i['id']}:{e['edition']}", i["unmapped"]) for e in kb.frameworks["llm_top10"]["editions"] for i in e["items"] if i.get("unmapped")]
        if not items:
            return "No entry is left unmapped."
        L = here()
        return "Left unmapped: " + "; ".join(f"`{esc(c)}` {esc(kb.llm[c]['name'])} ({L.prose(why)})" for c, why in items) + "."

    @env.macro
    def llm_crosswalk(direction: str = "2025") -> str:
        """The 2025 to 2026 crosswalk of the LLM Top 10, read from either side."""
        pairs = list(kb.llm_2026_of.items())
        if direction == "2026":
            pairs = sorted(((new, old) for old, new in pairs), key=lambda p: p[0])
        head = ["2025", "2026"] if direction == "2025" else ["2026", "2025"]
        rows = [[f'<span id="{esc(a.lower().replace(":", "-"))}"></span>`{esc(a)}` {esc(kb.llm[a]["name"])}',
                 f"`{esc(b)}` {esc(kb.llm[b]['name'])}", "same number" if a[:5] == b[:5] else "renumbered"] for a, b in pairs]
        return table([f"{head[0]} entry", f"{head[1]} entry", "Number"], rows)

    @env.macro
    def asi_top10_table() -> str:
        L = here()
        rows = [[esc(i["id"]), esc(i["name"]), L.ids(_threats_with("asi_top10", i["id"]))] for i in kb.asi.values()]
        return table(["ID", "Name", "Threats"], rows)

    @env.macro
    def cwe_table() -> str:
        L = here()
        rows = [[L.id(t["id"]), esc(t["name"]), "; ".join(f"{L.cwe(c)} {esc(kb.cwe[c])}" for c in t["cwe"]) or "no direct CWE"] for t in kb.active_threats()]
        return table(["Threat", "Name", "CWE"], rows)

    @env.macro
    def atlas_by_layer() -> str:
        L = here()
        rows = [[L.id(l, name=True), "; ".join(L.atlas_tactic(a) for a in v["atlas"]) or "-", ", ".join(esc(x) for x in v["attack"]) or "-"]
                for l, v in kb.frameworks["layer_tactics"].items()]
        return table(["Layer", "MITRE ATLAS tactics", "MITRE ATT&amp;CK tactics"], rows)

    @env.macro
    def atlas_table() -> str:
        L = here()
        rows = [[L.id(t["id"]), esc(t["name"]), "; ".join(L.atlas(a) for a in t["atlas"]) or "no matching technique"] for t in kb.active_threats()]
        rows += [[L.id(b["id"]), esc(b["name"]), "; ".join(L.atlas(a) for a in b["atlas"]) or "no matching technique"] for b in kb.blindspots.values()]
        return table(["ID", "Name", f"MITRE ATLAS {esc(kb.atlas_edition)} techniques"], rows)

    @env.macro
    def framework_combinations() -> str:
        return table(["Situation", "Combine"], [[esc(c["scenario"]), " + ".join(esc(x) for x in c["use"])] for c in kb.frameworks["combinations"]])

    @env.macro
    def regulatory_alignment() -> str:
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

    # ================================================================ scoring
    sc = kb.scoring

    @env.macro
    def severity_scale() -> str:
        return table(["Severity", "Meaning"], [[f"**{esc(s['level'])}**", esc(s["meaning"])] for s in sc["severity"]])

    @env.macro
    def likelihood_scale() -> str:
        return table(["Likelihood", "Meaning"], [[f"**{esc(s['level'])}**", esc(s["meaning"])] for s in sc["likelihood"]])

    @env.macro
    def risk_matrix() -> str:
        lik = [s["level"] for s in sc["likelihood"]]
        rows = [[f"**{esc(s['level'])}**"] + [f'<span class="maestro-risk maestro-risk--{sc["matrix"][s["level"]][l].lower()}">{esc(sc["matrix"][s["level"]][l])}</span>' for l in lik]
                for s in reversed(sc["severity"])]
        return table(["Severity \\\\ Likelihood"] + [esc(l) for l in lik], rows, cls="maestro-risk-matrix")

    @env.macro
    def risk_levels() -> str:
        return table(["Risk level", "Value", "Required action", "Timeframe"], [[f"**{esc(r['level'])}**", str(r["value"]), esc(r["action"]), esc(r["timeframe"])] for r in reversed(sc["risk_levels"])])

    @env.macro
    def attack_vector_scale() -> str:
        return table(["Attack vector", "Effect on priority", "Meaning"], [[esc(v["value"]), esc(v["effect"]), esc(v["meaning"])] for v in sc["attack_vector"]])

    @env.macro
    def complexity_scale() -> str:
        return table(["Attack complexity", "Effect on priority", "Meaning"], [[esc(v["value"]), esc(v["effect"]), esc(v["meaning"])] for v in sc["attack_complexity"]])

    @env.macro
    def status_scale() -> str:
        return table(["Implementation status", "Value", "CLI"], [[esc(s["status"]), f"{s['value']:.1f}", f"`{s['key']}`"] for s in sc["implementation_status"]])

    @env.macro
    def cost_scale() -> str:
        return table(["Cost", "Meaning"], [[esc(c["level"]), esc(c["meaning"])] for c in sc["cost"]])

    @env.macro
    def effectiveness_scale() -> str:
        return table(["Effectiveness", "Meaning"], [[esc(c["level"]), esc(c["meaning"])] for c in sc["effectiveness"]])

    @env.macro
    def cost_effectiveness_matrix() -> str:
        costs = [c["level"] for c in sc["cost"]]
        rows = [[f"**{esc(e)}** effectiveness"] + [esc(sc["cost_effectiveness"][e][c]) for c in costs] for e in ["High", "Medium", "Low"]]
        return table([""] + [f"{esc(c)} cost" for c in costs], rows)

    @env.macro
    def required_controls() -> str:
        rows = [[f"**{esc(lvl)}**", ", ".join(esc(x) for x in types) or "no minimum"] for lvl, types in reversed(list(sc["required_controls"].items()))]
        flags = bullet([f"{esc(g['meaning'])} ({esc(g['severity'])})" for g in sc["gap_flags"]])
        return table(["Risk level", "Control types required"], rows) + "\n\nPhase 7 also reports:\n\n" + flags

    @env.macro
    def prioritisation_steps() -> str:
        return "\n".join(f"{i}. {esc(s)}" for i, s in enumerate(sc["prioritisation"], 1))

    @env.macro
    def review_schedule() -> str:
        return table(["Residual risk", "Review"], [[esc(k), esc(v)] for k, v in reversed(list(sc["review_schedule"].items()))])

    @env.macro
    def remediation_buckets() -> str:
        return table(["Bucket", "Days", "What goes in it"], [[esc(b["bucket"]), esc(b["days"]), esc(b["rule"])] for b in sc["remediation_buckets"]])

    @env.macro
    def risk_calculator() -> str:
        """Interactive calculator; computes what `maestro.scoring.score` gives (ruling R02), from the same scoring data.

        Levels with required control types (High, Critical) take one status per type; the others
        take the status of the strongest control. The script is in docs/assets/maestro.js.
        """
        data = {"matrix": sc["matrix"], "levels": sc["risk_levels"], "status": sc["implementation_status"],
                "vector": sc["attack_vector"], "complexity": sc["attack_complexity"], "required_controls": sc["required_controls"]}
        payload = json.dumps(data).replace("</", "<\\/")
        def opts(name, values, default):
            return "".join(f'<option value="{html.escape(v)}"{" selected" if v == default else ""}>{html.escape(v)}</option>' for v in values)
        sev = [s["level"] for s in sc["severity"]]
        lik = [s["level"] for s in sc["likelihood"]]
        stat_opts = "".join(f'<option value="{s["key"]}">{html.escape(s["status"])}</option>' for s in sc["implementation_status"])
        names = {t["key"]: t["name"] for t in kb.docs["mitigations"]["types"]}
        typed = list(dict.fromkeys(k for kinds in sc["required_controls"].values() for k in kinds))  # every type some level requires
        first = sc["required_controls"].get(sc["matrix"]["High"]["Likely"], [])  # the level of the default ratings
        def box(shown):  # the site CSS gives labels a display value, so hiding needs an inline display too
            return f'style="grid-column: 1 / -1; margin: 0{"" if shown else "; display: none"}"{"" if shown else " hidden"}'
        row = '<div style="display: flex; flex-wrap: wrap; gap: .6rem">'
        off = ' hidden style="display: none"'
        per_type = "".join(f'<label data-type="{html.escape(k)}"{"" if k in first else off}>{html.escape(names[k])} controls '
                           f'<select name="status-{html.escape(k)}">{stat_opts}</select></label>\n' for k in typed)
        return (
            '<form class="maestro-calc" id="maestro-calc" onsubmit="return false">\n'
            f'<script type="application/json" id="maestro-scoring">{payload}</script>\n'
            f'<label>Severity <select name="severity">{opts("severity", sev, "High")}</select></label>\n'
            f'<label>Likelihood <select name="likelihood">{opts("likelihood", lik, "Likely")}</select></label>\n'
            f'<label>Attack vector <select name="vector">{opts("vector", [v["value"] for v in sc["attack_vector"]], "Network")}</select></label>\n'
            f'<label>Attack complexity <select name="complexity">{opts("complexity", [v["value"] for v in sc["attack_complexity"]], "Low")}</select></label>\n'
            f'<fieldset data-controls="per-type" {box(bool(first))}>\n'
            '<legend>Verified status of the best control of each required type</legend>\n'
            f'{row}\n{per_type}</div>\n</fieldset>\n'
            f'<fieldset data-controls="strongest" {box(not first)}>\n'
            '<legend>Verified status of the strongest control</legend>\n'
            f'{row}\n<label>Strongest control <select name="status">{stat_opts}</select></label>\n</div>\n'
            '</fieldset>\n'
            '<output class="maestro-calc__result" name="result" aria-live="polite">\n'
            '<span>Risk level: <strong data-out="level"></strong> (<span data-out="value"></span>)</span>\n'
            '<span>Required action: <span data-out="action"></span></span>\n'
            '<span>Timeframe: <span data-out="timeframe"></span></span>\n'
            '<span>Statuses: <span data-out="status"></span></span>\n'
            '<span>Control credit: <span data-out="credit"></span> (<span data-out="basis"></span>)</span>\n'
            '<span>Effective risk: <strong data-out="effective"></strong> (<span data-out="effective_level"></span>)</span>\n'
            '<span>Modifiers: <span data-out="modifiers"></span></span>\n'
            '</output>\n</form>'
        )

    # ================================================================ glossary, meta
    @env.macro
    def glossary_terms() -> str:
        L = here()
        return "\n\n".join(f'<span id="{html.escape(slug(t["term"]))}"></span>**{esc(t["term"])}**\n:   {L.prose(t["definition"])}' for t in kb.glossary["terms"])

    @env.macro
    def glossary_acronyms() -> str:
        L = here()
        return table(["Acronym", "Expansion", "Why it matters here"], [[f'<span id="{html.escape(slug(a["acronym"]))}"></span>**{esc(a["acronym"])}**', esc(a["expansion"]), L.prose(a["note"])] for a in kb.glossary["acronyms"]])

    @env.macro
    def sources_table() -> str:
        u = kb.meta["upstream"]
        rows = [[esc(s["document"]), esc(s["version"]), esc(s["date"])] for s in kb.meta["sources"]]
        rows.append([esc(u["name"]), esc(u["version"]), esc(u["released"])])
        rows.append(["MITRE ATLAS", esc(kb.atlas_edition), "-"])
        return table(["Source", "Version", "Date"], rows)

    @env.macro
    def id_authority_table() -> str:
        return table(["IDs", "Authority"], [[f"`{a['ids']}`", esc(a["authority"])] for a in kb.meta["id_authority"]])

    # ================================================================ worked examples
    examples: dict = {}

    def example(name: str):
        """A worked example from data/examples/<name>.json, checked like any engagement."""
        if name not in examples:
            path = site.data_dir(env.conf) / "examples" / f"{name}.json"
            try:
                doc = engagement.read_doc(path)
            except engagement.Unusable as exc:
                raise PluginError(str(exc)) from None
            errors = [f for f in checks.check_doc(kb, doc, f"data/examples/{name}.json") if f.severity != "pending"]
            if errors:
                raise PluginError(f"worked example {name} fails maestro check:\n  " + "\n  ".join(str(f) for f in errors))
            examples[name] = doc
        return examples[name]

    def _refs(L, refs):
        return ", ".join(L.id(r.get("id") if isinstance(r, dict) else r) for r in refs) or "-"

    def _kv(obj) -> str:
        rows = [[esc(k.replace("_", " ").capitalize()), esc(", ".join(v) if isinstance(v, list) else v)] for k, v in obj.items()]
        return table(["Field", "Value"], rows)

    @env.macro
    def example_phase_note(name: str, n: int) -> str:
        return here().prose(example(name).get("phase_notes", {}).get(str(n), ""))

    @env.macro
    def example_overview(name: str) -> str:
        L = here()
        d = example(name)
        out = [_kv(d.get("business_context", {})), ""]
        if d.get("assumptions"):
            out += [table(["ID", "Assumption", "Impact if wrong", "Status"], [[esc(a.get("id", "")), L.prose(a.get("description", "")), L.prose(a.get("impact_if_wrong", "")), esc(a.get("status", ""))] for a in d["assumptions"]]), ""]
        if d.get("components"):
            out += [table(["Component", "Layers", "Notes"], [[esc(c["name"]), L.ids(c["layers"]), L.prose(c.get("notes", ""))] for c in d["components"]]), ""]
        return "\n".join(out)

    def _records(d, key, cols):
        L = here()
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

    @env.macro
    def example_actors(name: str) -> str:
        d = example(name)
        cols = ["id"] + (["name"] if any("name" in a for a in d.get("threat_actors", [])) else []) + ["category", "capability", "motivation", "relevance", "priority"]
        return _records(d, "threat_actors", cols)

    @env.macro
    def example_boundaries(name: str) -> str:
        d = example(name)
        out = []
        if d.get("trust_zones"):
            out += [table(["Trust zone", "Trust"], [[esc(z["name"]), esc(z["trust"])] for z in d["trust_zones"]]), ""]
        out.append(_records(d, "trust_boundaries", ["id", "source_zone", "destination_zone", "protocol", "authentication", "strength"]))
        return "\n".join(out)

    @env.macro
    def example_assets(name: str) -> str:
        d = example(name)
        out = [_records(d, "assets", ["id", "name", "classification", "stored_at", "exposure_points"])]
        if d.get("data_flows"):
            keys = [k for k in d["data_flows"][0].keys()][:5]
            out += ["", _records(d, "data_flows", keys)]
        return "\n".join(out)

    def _risk(t):
        return scoring.risk_level(kb, t["severity"], t["likelihood"])

    @env.macro
    def example_register(name: str) -> str:
        L = here()
        d = example(name)
        rows = [[f'<span id="{html.escape(t["id"].lower())}"></span>**{esc(t["id"])}**', esc(t["name"]), L.ids(t["layers"]),
                 _refs(L, t["maps_to"] + t.get("blindspots", [])), esc(t["severity"]), esc(t["likelihood"]), f"**{esc(_risk(t))}**"]
                for t in d["threats"]]
        counts = {}
        for t in d["threats"]:
            counts[_risk(t)] = counts.get(_risk(t), 0) + 1
        summary = ", ".join(f"{counts[l]} {l}" for l in ["Critical", "High", "Medium", "Low"] if l in counts)
        return table(["ID", "Threat", "Layers", "Maps to", "Severity", "Likelihood", "Risk"], rows) + f"\n\n{len(d['threats'])} threats by risk level: {summary}."

    @env.macro
    def example_threats(name: str) -> str:
        L = here()
        d = example(name)
        out = []
        for t in d["threats"]:
            out += [f"#### {esc(t['id'])}: {esc(t['name'])} {{ #card-{t['id'].lower()} }}", "", L.prose(t.get("description", "")), ""]
            rows = [["Layers", L.ids(t["layers"])], ["Maps to", _refs(L, t["maps_to"])]]
            if t.get("blindspots"):
                rows.append(["Blindspots", _refs(L, t["blindspots"])])
            if t.get("gap"):
                rows.append(["Taxonomy gap", L.prose(t["gap"])])
            rows += [["STRIDE", esc(", ".join(t.get("stride", [])))],
                     ["Severity x likelihood", f"{esc(t['severity'])} x {esc(t['likelihood'])} = **{esc(_risk(t))}**"],
                     ["Vector / complexity", f"{esc(t.get('attack_vector', '-'))} / {esc(t.get('attack_complexity', '-'))}"],
                     ["Agentic factors", esc(", ".join(t.get("agentic_factors", [])))],
                     ["Affected components", esc(", ".join(t.get("affected_components", [])))],
                     ["Prerequisites", L.prose(t.get("prerequisites", ""))], ["Impact", L.prose(t.get("impact", ""))],
                     ["Mitigations", ", ".join(L.id(m) if m in kb.mitigations else esc(m) for m in t["mitigations"])]]
            out += [table(["Field", "Value"], rows, cls="maestro-card"), ""]
        return "\n".join(out)

    @env.macro
    def example_mitigations(name: str) -> str:
        L = here()
        d = example(name)
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

    @env.macro
    def example_chains(name: str) -> str:
        L = here()
        out = []
        for c in example(name).get("attack_chains", []):
            out += [f"**{esc(c['name'])}** ({esc(', '.join(c['threats']))})", "",
                    "\n".join(f"{i}. **{esc(s['layer'])}** {L.prose(s['text'])}" for i, s in enumerate(c["steps"], 1)), ""]
        return "\n".join(out)

    @env.macro
    def example_residual(name: str) -> str:
        d = example(name)
        postures = assessment.assess(kb, d)
        rows = []
        for r in d.get("residual_risks", []):
            p = postures[r["threat"]]
            rows.append([esc(r["id"]), esc(r["threat"]), esc(p.level), f"{p.effective:g}", f"**{esc(r['residual'])}**", esc(r["disposition"]),
                         esc(r.get("owner", "-")), esc(r.get("review", "-"))])
        return table(["ID", "Threat", "Inherent", "Effective risk", "Residual", "Disposition", "Owner", "Review"], rows)

    @env.macro
    def example_posture(name: str) -> str:
        """The residual posture of a worked example, computed from its records (rulings R01-R03)."""
        d = example(name)
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

    @env.macro
    def example_validation(name: str) -> str:
        """The Phase 8 code-validation records of a worked example."""
        L = here()
        rows = [[esc(cv["id"]), L.id(cv["mitigation"]) if cv["mitigation"] in kb.mitigations else esc(cv["mitigation"]),
                 L.prose(cv.get("artifact", "-")), f"`{esc(cv['file'])}:{esc(str(cv.get('line', '')))}`" if cv.get("file") else "-",
                 f"**{esc(cv['verified_status'])}**", L.prose(cv.get("gaps", "-")), esc(cv.get("tests", "-"))]
                for cv in example(name).get("code_validation", [])]
        if not rows:
            return "*No code-validation records: Phase 8 had no source access, so only controls with cited evidence count (ruling R01).*"
        return table(["ID", "Mitigation", "Artifact", "Where", "Verified", "Gaps", "Tests"], rows)

    @env.macro
    def example_roadmap(name: str) -> str:
        return _records(example(name), "roadmap", ["id", "phase", "description", "threats", "mitigations", "effort", "team"])

    @env.macro
    def example_summary(name: str) -> str:
        L = here()
        s = example(name).get("summary", {})
        out = [f"Overall risk posture: **{esc(s.get('overall_posture', '-'))}**." + (f" {L.prose(s['posture_rationale'])}" if s.get("posture_rationale") else ""), ""]
        if s.get("top_risks"):
            tm = {t["id"]: t for t in example(name)["threats"]}
            out += ["Top risks:", "", "\n".join(f"{i}. **{esc(t)}** {esc(tm[t]['name'])}" for i, t in enumerate(s["top_risks"], 1)), ""]
        if s.get("key_recommendations"):
            out += ["Key recommendations:", "", bullet([L.prose(x) for x in s["key_recommendations"]]), ""]
        if s.get("next_review"):
            out += [f"Next review: {esc(s['next_review'])}.", ""]
        disc = example(name).get("disclaimer")
        if disc:
            out += [admonition("warning", "AI-assisted example", L.prose(disc))]
        return "\n".join(out)
