"""Facts in data/ agree with the facts reference (../shared/reference), after our recorded decisions.

Where the reference is not checked out beside the project these tests are skipped; CI has it.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"

FACTS_FILE = REFERENCE / "maestro-facts.yaml"
ATLAS_FILE = REFERENCE / "atlas-ids.yaml"
pytestmark = pytest.mark.skipif(not FACTS_FILE.exists(), reason="facts reference not present")
F = yaml.safe_load(FACTS_FILE.read_text()) if FACTS_FILE.exists() else {}
A = yaml.safe_load(ATLAS_FILE.read_text()) if ATLAS_FILE.exists() else {}
FT = {t["id"]: t for t in F.get("threats", {}).get("core", []) + F.get("threats", {}).get("extended", [])}
FM = {m["id"]: m for m in F.get("mitigations", {}).get("catalog", [])}
FB = {b["id"]: b for b in F.get("blindspot_vectors", {}).get("vectors", [])}


def _extended(kb, ident: str, field: str) -> list:
    """Values the rulings add to an upstream fact (ruling R09's extends), in ruling order."""
    return [v for r in kb.rulings.values() for e in r.get("extends", []) if e["id"] == ident and e["field"] == field for v in e["adds"]]


def _added_mitigations(kb, tid: str) -> list:
    return [e["id"] for r in kb.rulings.values() for e in r.get("extends", []) if e["field"] == "addresses" and tid in e["adds"]]


@pytest.mark.parametrize("tid", sorted(FT, key=lambda t: int(t[1:])))
def test_threat_facts(kb, tid):
    f, t = FT[tid], kb.threats[tid]
    assert t["name"] == f["name"]
    # Upstream mappings are kept and extended (ruling R07); the one upstream CWE replaced is named there.
    replaced = {("T46", "CWE-200")}
    assert {c for c in (f["cwe"] if isinstance(f["cwe"], list) else []) if (tid, c) not in replaced} <= set(t["cwe"])
    assert {f"{x}:2025" for x in f.get("llm_top10_2025", [])} <= set(t["llm_top10"])
    assert set(f.get("stride") or []) <= set(t["stride"])
    upstream = f["mitigations"] if isinstance(f["mitigations"], list) else []
    # controls the upstream catalog does not have are ours entirely (ruling R13); upstream ones change only by rulings
    from_upstream_catalog = [m for m in kb.threat_mitigations[tid] if m in FM]
    assert sorted(from_upstream_catalog) == sorted(upstream + _added_mitigations(kb, tid))
    if "taxonomy_layer" in f:
        assert kb.primary_layer(tid) == f["taxonomy_layer"]
    else:
        prim = {("CL" if l == "cross_layer" else l) for l in f["matrix_primary_layers"]}
        assert {l for l, s in kb.threat_layers[tid].items() if s == "primary"} == prim


def test_matrix_marks_follow_decision_d02(kb):
    """Bold = primary; plain X and lowercase x = secondary; T11 gains L4 (D04), T6 gains L1 (R21)."""
    for row in F["mapping_matrix"]["raw_marks"]:
        cells = kb.threat_layers[row["id"]]
        for k, mark in row.items():
            if k == "id":
                continue
            lid = "CL" if k == "cross_layer" else k
            expected = {"**X**": "primary", "X": "secondary", "x": "secondary", "": None}[mark]
            if row["id"] == "T11" and lid == "L4":
                expected = "secondary"
            if row["id"] == "T6" and lid == "L1":       # ruling R21: the model layer reads the injected text
                expected = "secondary"
            assert cells.get(lid) == expected, (row["id"], lid)


@pytest.mark.parametrize("mid", list(FM))
def test_mitigation_facts(kb, mid):
    f, m = FM[mid], kb.mitigations[mid]
    assert m["name"] == f["title"]
    assert m["addresses"] == f["addresses"] + _extended(kb, mid, "addresses")
    assert kb.types[kb.mitigation_type(mid)]["key"] == f["type"]
    assert kb.mitigation_layer(mid) == ("CL" if f["layer"] == "cross_layer" else f["layer"])


@pytest.mark.parametrize("bid", list(FB))
def test_blindspot_facts(kb, bid):
    assert kb.blindspots[bid]["name"] == FB[bid]["name"]
    assert sorted(kb.blindspots[bid]["layers"]) == sorted(FB[bid]["layers"] + _extended(kb, bid, "layers"))


def test_atlas_is_the_reference_release_plus_its_later_editions(kb):
    """data/atlas.yaml = ATLAS 5.6.0 (reference) with every later edition's changes applied, no more."""
    want = {t["id"]: t["name"] for t in A["techniques"]}
    editions = yaml.safe_load((REFERENCE / "framework-editions.yaml").read_text())["mitre_atlas"]["editions"]
    for ed in editions.values():
        for t in ed.get("added_techniques", []):
            want[t["id"]] = t["name"].split(": ", 1)[-1] if "." in t["id"][4:] else t["name"]
        for r in ed.get("replaced", []):
            del want[r["old"]]
            want[r["new"]] = r["new_name"].split(": ", 1)[-1]
        for r in ed.get("renamed", []):
            if r["id"] in want:
                want[r["id"]] = r["new_name"]
    assert want == {t: v["name"] for t, v in kb.atlas_techniques.items()}
    assert A["source"]["version"] == "5.6.0" and kb.atlas_edition == max(editions)


def test_agentic_top10_uses_published_names(kb):
    items = F["corrections"]["owasp_top10_agentic_applications_2026"]["items"]
    assert [(i["id"], i["name"]) for i in items] == [(i["id"], i["name"].replace(" & ", " and ")) for i in kb.asi.values()]


def test_llm_top10_names_and_layers(kb):
    items = F["framework_mappings"]["owasp_llm_top10_2025"]["items"]
    ours_2025 = [v for v in kb.llm.values() if v["edition"] == "2025"]
    assert [(i["id"], i["name"]) for i in items] == [(i["id"], i["name"]) for i in ours_2025]
    for f, ours in zip(items, ours_2025, strict=True):
        want = ["CL" if l == "cross_layer" else l for l in f["layers"]]
        if f["id"] == "LLM10":
            want = ["L1"] + want  # decision D30: model extraction through inference traffic is an L1 concern
        assert ours["layers"] == want, f["id"]


def test_risk_matrix_and_levels(kb):
    cells = F["risk_scoring"]["risk_matrix"]["cells"]
    for sev, row in cells.items():
        assert kb.scoring["matrix"][sev] == row
    assert {r["level"]: r["value"] for r in kb.scoring["risk_levels"]} == F["risk_scoring"]["risk_levels"]["numeric"]
    assert {s["status"]: s["value"] for s in kb.scoring["implementation_status"]} == F["risk_scoring"]["implementation_status"]["numeric"]


def test_templates_and_fields(kb):
    facts = {t["name"]: t for t in F["templates"]["items"]}
    for t in kb.templates.values():
        f = facts[t["name"]]
        if "fields" in f:
            renamed = {"Top 3 Risks": "Top 5 Risks", "ASI Mapping": "Taxonomy Mapping"}  # D20, ruling R23
            expected = [renamed.get(x, x) for x in f["fields"]]
            assert [x["name"] for x in t["fields"]] == expected


def test_phase_names_and_files(kb):
    for p in F["process"]["phases"]:
        assert kb.phases[p["n"]]["name"] == p["name"]
        assert kb.phases[p["n"]]["output_file"] == p["output_file"]


def test_checklist_refs_follow_facts_after_merges(kb):
    facts = F["checklists"]
    refs = {sid: [r for i in kb.sections[sid]["items"] for r in i["refs"]] for sid in kb.sections}
    for k, sid in (("L1", "L1"), ("L2", "L2"), ("L4", "L4"), ("L5", "L5"), ("L6", "L6"), ("blindspot", "BV")):
        expected = [r for i in facts[k] for r in i["ids"] if not r.startswith("LLM")]
        if sid == "L4":
            expected = expected[:2] + ["T13"] + expected[2:]  # merged orchestration item (D33)
        # every upstream reference is kept; items the upstream left without one now cite what they probe (ruling R10)
        assert not Counter(expected) - Counter(refs[sid]), sid


CASES_FILE = REFERENCE / "atlas-case-studies.yaml"


def test_atlas_case_studies_are_mitres(kb):
    """Every case study the knowledge base cites is in the reference list, with MITRE's name and date."""
    ref = {c["id"]: c for c in yaml.safe_load(CASES_FILE.read_text())["case_studies"]}
    for cid, c in kb.atlas_case_studies.items():
        assert cid in ref, cid
        assert c["name"] == ref[cid]["name"] and c.get("incident_date", "") == ref[cid]["incident_date"], cid
    cited = {c for e in list(kb.threats.values()) + list(kb.blindspots.values()) for c in e.get("atlas_case_studies", [])}
    assert cited == set(kb.atlas_case_studies), "atlas.yaml lists exactly the case studies that are cited"
