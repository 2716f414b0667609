"""The method: phases and their dependencies, assessment depth, and the templates."""
from __future__ import annotations

from markupsafe import Markup

from maestro.kb import LAYER_ORDER, STACK_LAYERS
from maestro_site.render import esc, table
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro, unsearched


def cell_lines(*lines: str) -> str:
    """Lines of Markdown in one table cell (templates/fragments/cell-lines.html.j2)."""
    return str(fragment("cell-lines.html.j2", lines=[Markup(line) for line in lines]))


@macro
@unsearched
def phase_table(kb, L) -> str:
    rows = [[str(p["n"]), cell_lines(f"**{esc(p['name'])}**", *(["*assistant-led*"] if p["agent_driven"] else [])),
             cell_lines(L.prose(p["objective"]), f"Output: `{p['output_file']}`"), ", ".join(str(d) for d in p["depends_on"]) or "-"]
            for p in kb.phases.values()]
    return table(["#", "Phase", "Objective and output", "Needs phases"], rows, cls="maestro-phases")


@macro
def phase_detail(kb, L, n: int) -> str:
    p = kb.phases[int(n)]
    names = {f["key"]: f["name"] for f in kb.factors}
    tmpl = ", ".join(esc(t) for t in p["templates"]) or "-"
    out = [f"**Inputs:** {'; '.join(L.prose(i) for i in p['inputs'])}.", "",
           "**Steps:**", "", "\n".join(f"{i}. {L.prose(s)}" for i, s in enumerate(p["steps"], 1)), "",
           f"**Outputs:** {'; '.join(L.prose(o) for o in p['outputs'])}. File: `{p['output_file']}`. Templates: {tmpl}.", "",
           table(["Risk factor", "What changes in this phase"], [[esc(names[k]), L.prose(v)] for k, v in p["considerations"].items()])]
    return "\n".join(out)


@macro
def dependency_flow(kb) -> str:
    fl = kb.docs["phases"]["flow"]
    par = ", ".join(str(x) for x in fl["parallel_after_2"])
    seq = " -> ".join(str(x) for x in fl["strictly_sequential"])
    diagram = f"1 -> 2 -> {{ {par} }} -> {seq}"
    light = ", ".join(str(x) for x in fl["lightweight_phases"])
    return (f"```text\n{diagram}\n```\n\n- Phases {par} may run in any order or in parallel once phase 2 is done; all of them finish before phase 6.\n"
            f"- Phase 5 needs the trust zones of phase 4 before it maps assets to zones.\n"
            f"- Phases {seq} run strictly in order.\n- The lightweight path runs phases {light}.")


@macro
def reentry_table(kb) -> str:
    return table(["Change", "Re-enter at phase"], [[esc(r["change"]), f"{r['re_enter_at']} ({esc(kb.phases[r['re_enter_at']]['name'])})"]
                                                  for r in kb.docs["phases"]["reentry"]])


@macro
def depth_questions(kb) -> str:
    return "\n".join(f"{q['n']}. {esc(q['text'])}" for q in kb.depth["questions"])


@macro
def depth_table(kb, L) -> str:
    rows = [[esc(d["name"]), f"`{d['key']}`", esc(d["when"]), esc(d["phases"]), L.ids(d["layers"]), esc(d["effort"])] for d in kb.depth["depths"]]
    note = "A yes to question 5 (multi-agent) always puts all seven layers and the cross-layer dimension in scope."
    return table(["Depth", "state.json", "When", "Phases", "Layers", "Effort"], rows) + "\n\n" + note


@macro
def mvtm_checklist(kb) -> str:
    """The minimum viable threat model as the interactive form the workshop kit also uses (maestro_site/workshop/checklists.py)."""
    from maestro_site.workshop.checklists import mvtm_form
    return mvtm_form(kb, interactive=True)


@macro
def phase_checklist(kb) -> str:
    phases = [{"n": p["n"], "name": p["name"], "outputs": p["outputs"][:3], "output_file": p["output_file"]} for p in kb.phases.values()]
    return str(fragment("phase-checklist.html.j2", phases=phases))


def _template(kb, L, t) -> str:
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
        out += [table([esc(c) for c in t["columns"]], [[L.id(l, name=True), " ", " "] for l in STACK_LAYERS], cls="maestro-template"), ""]
    for tb in t.get("tables", []):
        rows_ = ([f"{l} {kb.layers[l]['name']}" if l in STACK_LAYERS else "Cross-Layer" for l in LAYER_ORDER] + ["Total"]
                 if tb["rows"] == "layers+total" else [s["level"] for s in reversed(kb.scoring["severity"])])
        out += [f"*{esc(tb['title'])}*", "", table([esc(c) for c in tb["columns"]], [[esc(r)] + [" "] * (len(tb["columns"]) - 1) for r in rows_], cls="maestro-template"), ""]
    return "\n".join(out)


@macro
def templates(kb, L) -> str:
    return "\n".join(_template(kb, L, t) for t in kb.templates.values())


@macro
def template(kb, L, key: str) -> str:
    return _template(kb, L, kb.templates[key])
