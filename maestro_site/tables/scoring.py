"""The risk-scoring scales and matrices of data/scoring.yaml, and the interactive calculator."""
from __future__ import annotations

import html
import json

from maestro_site.render import bullet, esc, table


def severity_scale(kb) -> str:
    return table(["Severity", "Meaning"], [[f"**{esc(s['level'])}**", esc(s["meaning"])] for s in kb.scoring["severity"]])


def likelihood_scale(kb) -> str:
    return table(["Likelihood", "Meaning"], [[f"**{esc(s['level'])}**", esc(s["meaning"])] for s in kb.scoring["likelihood"]])


def risk_matrix(kb) -> str:
    sc = kb.scoring
    lik = [s["level"] for s in sc["likelihood"]]
    rows = [[f"**{esc(s['level'])}**"] + [f'<span class="maestro-risk maestro-risk--{sc["matrix"][s["level"]][l].lower()}">{esc(sc["matrix"][s["level"]][l])}</span>' for l in lik]
            for s in reversed(sc["severity"])]
    return table(["Severity \\\\ Likelihood"] + [esc(l) for l in lik], rows, cls="maestro-risk-matrix")


def risk_levels(kb) -> str:
    return table(["Risk level", "Value", "Required action", "Timeframe"], [[f"**{esc(r['level'])}**", str(r["value"]), esc(r["action"]), esc(r["timeframe"])] for r in reversed(kb.scoring["risk_levels"])])


def attack_vector_scale(kb) -> str:
    return table(["Attack vector", "Effect on priority", "Meaning"], [[esc(v["value"]), esc(v["effect"]), esc(v["meaning"])] for v in kb.scoring["attack_vector"]])


def complexity_scale(kb) -> str:
    return table(["Attack complexity", "Effect on priority", "Meaning"], [[esc(v["value"]), esc(v["effect"]), esc(v["meaning"])] for v in kb.scoring["attack_complexity"]])


def status_scale(kb) -> str:
    return table(["Implementation status", "Value", "CLI"], [[esc(s["status"]), f"{s['value']:.1f}", f"`{s['key']}`"] for s in kb.scoring["implementation_status"]])


def cost_scale(kb) -> str:
    return table(["Cost", "Meaning"], [[esc(c["level"]), esc(c["meaning"])] for c in kb.scoring["cost"]])


def effectiveness_scale(kb) -> str:
    return table(["Effectiveness", "Meaning"], [[esc(c["level"]), esc(c["meaning"])] for c in kb.scoring["effectiveness"]])


def cost_effectiveness_matrix(kb) -> str:
    sc = kb.scoring
    costs = [c["level"] for c in sc["cost"]]
    rows = [[f"**{esc(e)}** effectiveness"] + [esc(sc["cost_effectiveness"][e][c]) for c in costs] for e in ["High", "Medium", "Low"]]
    return table([""] + [f"{esc(c)} cost" for c in costs], rows)


def required_controls(kb) -> str:
    sc = kb.scoring
    rows = [[f"**{esc(lvl)}**", ", ".join(esc(x) for x in types) or "no minimum"] for lvl, types in reversed(list(sc["required_controls"].items()))]
    flags = bullet([f"{esc(g['meaning'])} ({esc(g['severity'])})" for g in sc["gap_flags"]])
    return table(["Risk level", "Control types required"], rows) + "\n\nPhase 7 also reports:\n\n" + flags


def prioritisation_steps(kb) -> str:
    return "\n".join(f"{i}. {esc(s)}" for i, s in enumerate(kb.scoring["prioritisation"], 1))


def review_schedule(kb) -> str:
    return table(["Residual risk", "Review"], [[esc(k), esc(v)] for k, v in reversed(list(kb.scoring["review_schedule"].items()))])


def remediation_buckets(kb) -> str:
    return table(["Bucket", "Days", "What goes in it"], [[esc(b["bucket"]), esc(b["days"]), esc(b["rule"])] for b in kb.scoring["remediation_buckets"]])


def risk_calculator(kb) -> str:
    """Interactive calculator; computes what `maestro score` gives (ruling R02), from the same scoring data.

    Levels with required control types (High, Critical) take one status per type; the others
    take the status of the strongest control. The script is in docs/assets/maestro.js.

    Which level sets the required action: the effective level once verified controls earn credit,
    the inherent level (the matrix cell) while they earn none; the result says which, next to the
    level's colour badge and its name. The modifiers change neither level, only the ranking.
    """
    sc = kb.scoring
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
    def item(term, body):
        return f"<dt>{term}</dt><dd>{body}</dd>\n"
    result = (
        item("Risk level (inherent)", '<strong class="maestro-risk" data-out="level" data-badge></strong> '
                           '(<span data-out="value"></span>), <span data-out="rating"></span>')
        + item("Control credit", '<span data-out="credit"></span> (<span data-out="basis"></span>); '
                                 'statuses: <span data-out="status"></span>')
        + item("Effective risk", '<strong data-out="effective"></strong> '
                                 '<strong class="maestro-risk" data-out="effective_level" data-badge></strong>')
        + item("Required action", '<strong class="maestro-risk" data-out="action_level" data-badge></strong> '
                                  '<span data-out="action"></span>'
                                  '<br><span class="maestro-calc__note" data-out="action_basis"></span>')
        + item("Timeframe", '<span data-out="timeframe"></span>')
        + item("Controls required", '<span data-out="required"></span>')
        + item("Modifiers", '<span data-out="vector_effect"></span>; <span data-out="complexity_effect"></span>'
                            '<br><span class="maestro-calc__note" data-out="modifiers"></span>')
    )
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
        '<div class="maestro-calc__result" aria-live="polite">\n'
        f'<dl>\n{result}</dl>\n'
        '<p class="maestro-calc__note">The required action follows the effective risk once verified controls earn credit, '
        'and the inherent risk (the matrix cell) while they earn none; an effective risk of 0 takes the action of the lowest level. '
        'The controls required stay those of the inherent level. Attack vector and complexity change neither level: they order '
        'threats of equal effective risk when Phase 7 ranks them.</p>\n'
        '</div>\n<noscript><p>The calculator needs JavaScript; <code>maestro score</code> computes the same from the command line.</p></noscript>\n</form>'
    )
