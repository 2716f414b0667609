"""The sweep rule pack (data/sweep.yaml): what `maestro sweep` looks for, per weakness and per rule."""
from __future__ import annotations

from maestro.crosswalk import CWE
from maestro_site.render import esc, table
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro

AREAS = {"PY": "Python", "JS": "JavaScript, TypeScript", "GO": "Go", "DF": "Dockerfile", "YML": "Compose, Kubernetes"}


@macro
def sweep_rules(kb, L) -> str:
    """One block per weakness: its name and why it matters, the threats it indicates and the preventive control,
    then a table of its rules (ID, what it reads, what a finding is, CWE)."""
    out = [f"The rule pack runs on Semgrep {esc(kb.docs['sweep']['engine']['version'])}. "
           f"{len(kb.docs['sweep']['weaknesses'])} weaknesses, "
           f"{sum(len(w['rules']) for w in kb.docs['sweep']['weaknesses'])} rules.", ""]
    for w in kb.docs["sweep"]["weaknesses"]:
        out += [f'{fragment("anchor.html.j2", id=w["id"].lower())}**{esc(w["id"])} {esc(w["name"])}.** {L.prose(w["why"])}', "",
                f"Indicates {L.ids(w['threats'])}; prevented by {L.id(w['control'], name=True)}.", ""]
        rows = [[f'{fragment("anchor.html.j2", id=r["id"].lower())}`{r["id"]}`', esc(AREAS[r["id"].split("-")[1]]),
                 esc(" ".join(r["finds"].split())), ", ".join(L.cwe(c) for c in r[CWE.name])] for r in w["rules"]]
        out += [table(["Rule", "Reads", "A finding is", "CWE"], rows), ""]
    return "\n".join(out)
