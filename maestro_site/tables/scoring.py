"""The risk-scoring scales and matrices of data/scoring.yaml, and the interactive calculator."""
from __future__ import annotations

from markupsafe import Markup

from maestro import scoring
from maestro_site.render import bullet, esc, table
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro


@macro
def severity_scale(kb) -> str:
    return table(["Severity", "Meaning"], [[f"**{esc(s['level'])}**", esc(s["meaning"])] for s in kb.scoring["severity"]])


@macro
def likelihood_scale(kb) -> str:
    return table(["Likelihood", "Meaning"], [[f"**{esc(s['level'])}**", esc(s["meaning"])] for s in kb.scoring["likelihood"]])


@macro
def risk_matrix(kb) -> str:
    sc = kb.scoring
    lik = [s["level"] for s in sc["likelihood"]]
    rows = [[f"**{esc(s['level'])}**"] + [str(fragment("risk-badge.html.j2", level=sc["matrix"][s["level"]][l])) for l in lik]
            for s in reversed(sc["severity"])]
    return table(["Severity \\\\ Likelihood"] + [esc(l) for l in lik], rows, cls="maestro-risk-matrix")


@macro
def risk_levels(kb) -> str:
    return table(["Risk level", "Value", "Required action", "Timeframe"], [[f"**{esc(r['level'])}**", str(r["value"]), esc(r["action"]), esc(r["timeframe"])] for r in reversed(kb.scoring["risk_levels"])])


@macro
def attack_vector_scale(kb) -> str:
    return table(["Attack vector", "Effect on priority", "Meaning"], [[esc(v["value"]), esc(v["effect"]), esc(v["meaning"])] for v in kb.scoring["attack_vector"]])


@macro
def complexity_scale(kb) -> str:
    return table(["Attack complexity", "Effect on priority", "Meaning"], [[esc(v["value"]), esc(v["effect"]), esc(v["meaning"])] for v in kb.scoring["attack_complexity"]])


@macro
def status_scale(kb) -> str:
    return table(["Implementation status", "Value", "CLI"], [[esc(s["status"]), f"{s['value']:.1f}", f"`{s['key']}`"] for s in kb.scoring["implementation_status"]])


@macro
def cost_scale(kb) -> str:
    return table(["Cost", "Meaning"], [[esc(c["level"]), esc(c["meaning"])] for c in kb.scoring["cost"]])


@macro
def effectiveness_scale(kb) -> str:
    return table(["Effectiveness", "Meaning"], [[esc(c["level"]), esc(c["meaning"])] for c in kb.scoring["effectiveness"]])


@macro
def cost_effectiveness_matrix(kb) -> str:
    sc = kb.scoring
    costs = [c["level"] for c in sc["cost"]]
    rows = [[f"**{esc(e)}** effectiveness"] + [esc(sc["cost_effectiveness"][e][c]) for c in costs] for e in ["High", "Medium", "Low"]]
    return table([""] + [f"{esc(c)} cost" for c in costs], rows)


@macro
def required_controls(kb) -> str:
    sc = kb.scoring
    rows = [[f"**{esc(lvl)}**", ", ".join(esc(x) for x in types) or "no minimum"] for lvl, types in reversed(list(sc["required_controls"].items()))]
    flags = bullet([f"{esc(g['meaning'])} ({esc(g['severity'])})" for g in sc["gap_flags"]])
    return table(["Risk level", "Control types required"], rows) + "\n\nPhase 7 also reports:\n\n" + flags


@macro
def prioritisation_steps(kb) -> str:
    return "\n".join(f"{i}. {esc(s)}" for i, s in enumerate(kb.scoring["prioritisation"], 1))


@macro
def review_schedule(kb) -> str:
    return table(["Residual risk", "Review"], [[esc(k), esc(v)] for k, v in reversed(list(kb.scoring["review_schedule"].items()))])


@macro
def remediation_buckets(kb) -> str:
    return table(["Bucket", "Days", "What goes in it"], [[esc(b["bucket"]), esc(b["days"]), esc(b["rule"])] for b in kb.scoring["remediation_buckets"]])


def _number(x: float) -> str:
    """A number as the page prints it: 1.0 as 1, 0.5 as 0.5."""
    return str(int(x)) if float(x).is_integer() else str(x)


def _why(level: str, o: dict) -> str:
    """Which level sets the required action, and why, in words (ruling R12)."""
    if o["drives"] == "inherent":
        return f"Set by the inherent risk, {level}: no verified control earns credit yet."
    if o["effective_level"] == "None":
        return ("Set by the effective risk, None (0): the verified controls earn full credit, so the action is that of "
                f"the lowest level, {o['action_level']}.")
    lowered = ", not enough to lower the level." if o["effective_level"] == level else f", which lowers it from {level}."
    return f"Set by the effective risk, {o['effective_level']}: the verified controls earn credit {_number(o['credit'])}{lowered}"


def calculator_data(kb) -> dict:
    """What the calculator's script reads: ``maestro.scoring.calculator_table`` (every answer, computed by the code
    `maestro score` runs) with the sentences the page shows next to the numbers. The script only looks values up."""
    table = scoring.calculator_table(kb)
    for sev, row in table["cells"].items():
        row.update({lik: {"level": lvl, "rating": f"{sev} severity \u00d7 {lik} likelihood"} for lik, lvl in row.items()})
    for lvl, info in table["levels"].items():
        req = info["required"]
        info["basis"] = "mean over " + ", ".join(req) if req else "strongest control"
        info["required_text"] = f"{', '.join(req)} (set by the inherent level, {lvl})" if req else f"no minimum at {lvl}"
        for o in table["outcomes"][lvl].values():
            o["action_basis"] = _why(lvl, o)
    vec, comp = list(table["vector"]), list(table["complexity"])
    table["vector"] = {v: f"Attack vector {v}: {e} priority" for v, e in table["vector"].items()}
    table["complexity"] = {c: f"Attack complexity {c}: {e} priority" for c, e in table["complexity"].items()}
    table["modifiers"] = ("They change neither the risk level nor the effective risk: among threats of equal effective risk, "
                          f"Phase 7 ranks {vec[0]} before {vec[-1]} and {comp[0]} complexity before {comp[-1]}.")
    return table


CALC_DEFAULTS = {"severity": "High", "likelihood": "Likely", "vector": "Network", "complexity": "Low"}


@macro
def risk_calculator(kb) -> Markup:
    """Interactive calculator; shows what `maestro score` gives (ruling R02), looked up in ``calculator_data``.

    Levels with required control types (High, Critical) take one status per type; the others take the status of the
    strongest control. The markup is templates/fragments/risk-calculator.html.j2, the script
    docs/assets/js/risk-calculator.js, the styles docs/assets/calculator.css.

    Which level sets the required action: the effective level once verified controls earn credit, the inherent level
    (the matrix cell) while they earn none; the result says which, next to the level's colour badge and its name. The
    modifiers change neither level, only the ranking.
    """
    sc = kb.scoring
    table = calculator_data(kb)
    names = {t["key"]: t["name"] for t in kb.docs["mitigations"]["types"]}
    typed = list(dict.fromkeys(k for kinds in sc["required_controls"].values() for k in kinds))  # every type some level requires
    first = scoring.required_types(kb, sc["matrix"][CALC_DEFAULTS["severity"]][CALC_DEFAULTS["likelihood"]])
    choices = {"severity": [s["level"] for s in sc["severity"]], "likelihood": [s["level"] for s in sc["likelihood"]],
               "vector": list(table["vector"]), "complexity": list(table["complexity"])}
    labels = {"severity": "Severity", "likelihood": "Likelihood", "vector": "Attack vector", "complexity": "Attack complexity"}
    return fragment("risk-calculator.html.j2", table=table,
                    selects=[{"name": n, "label": labels[n], "options": choices[n], "default": CALC_DEFAULTS[n]} for n in labels],
                    statuses=[{"key": s["key"], "name": s["status"]} for s in sc["implementation_status"]],
                    types=[{"key": k, "name": names[k], "shown": k in first} for k in typed], per_type=bool(first))
