"""Near misses of the method and names rules (MC8xx): what a careful analyst writes must pass.

tests/test_check_rules.py plants each fault these rules catch; this file plants the look-alikes that are not
faults (a real name with a role, a valid future date, a review more frequent than needed, a departure the gap
note explains...) and checks that the rule stays silent, on the helpers and on a copy of the fixture engagement.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from maestro import checks, engagement, project
from maestro.checks import method

ROOT = Path(__file__).resolve().parents[1]

# ====================================================================== people
PEOPLE = [
    "Dana Ruiz, Head of Clinical Operations",
    "Dana Ruiz (Head of Clinical Operations)",
    "Dr. Priya Raman (Chief Medical Information Officer)",
    "Tomás Herrera (Integration Team Lead)",
    "Siobhán O'Neill, Data Protection Officer",
    "Ana de la Cruz - Privacy Officer",
    "Jean-Luc Martin, VP Engineering",
    "John F. Kennedy",
    "Grace Lin (CISO)",
    "Claude Dubois, Platform Engineering Lead",      # a person called Claude is not the assistant
    "Devin Okafor (SRE Manager)",
    "Dana Ruiz <dana.ruiz@northbrook.example>",
    "Dana Ruiz [Head of Ops]",
    "Sam Adeyemi (Nurse Manager, Virtual Triage)",
    "田中太郎 (CISO)",
]

NOT_PEOPLE = [
    ("AI assistant", "an AI assistant"),
    ("Claude", "an AI assistant"),
    ("Claude Code", "an AI assistant"),
    ("ChatGPT", "an AI assistant"),
    ("GPT-4o", "an AI assistant"),
    ("GitHub Copilot", "an AI assistant"),
    ("the agent", "an AI assistant"),
    ("LLM", "an AI assistant"),
    ("TBD", "a placeholder"),
    ("n/a", "a placeholder"),
    ("-", "a placeholder"),
    ("?", "a placeholder"),
    ("owner", "a placeholder"),
    ("someone", "a placeholder"),
    ("unknown", "a placeholder"),
    ("To be decided", "a placeholder"),
    ("xxx", "a placeholder"),
    ("<name and role>", "a placeholder"),
    ("John Doe", "a placeholder"),
    ("the user", "a placeholder"),
    ("security-team", "a team, mailbox or distribution list"),
    ("Platform team", "a team, mailbox or distribution list"),
    ("@team", "a team, mailbox or distribution list"),
    ("team@northbrook.example", "a team, mailbox or distribution list"),
    ("ops@", "a team, mailbox or distribution list"),
    ("all", "a team, mailbox or distribution list"),
    ("everyone", "a team, mailbox or distribution list"),
    ("Security Engineering", "a team, mailbox or distribution list"),
    ("AI Platform team", "a team, mailbox or distribution list"),
    ("Head of Clinical Operations", "a role with no one named in it"),
    ("AI Engineer", "a role with no one named in it"),
    ("Dana", "not a person's full name"),
]


@pytest.mark.parametrize("text", PEOPLE)
def test_a_named_person_is_accepted(text):
    assert method.not_a_person(text) is None


@pytest.mark.parametrize("text,what", NOT_PEOPLE, ids=[t for t, _ in NOT_PEOPLE])
def test_what_is_not_a_person_is_named_for_what_it_is(text, what):
    assert method.not_a_person(text) == what


# ====================================================================== dates
@pytest.mark.parametrize("text", ["2027-01-15", "2026-12-31", "2028-02-29", " 2027-06-30 "])
def test_a_real_date_is_accepted(text):
    assert method.date_problem(text) is None and method.parse_day(text) is not None


BAD_DATES = [("2026-02-30", "calendar"), ("2027-02-29", "calendar"), ("2026-13-01", "calendar"), ("TBD", "placeholder"),
             ("YYYY-MM-DD", "placeholder"), ("soon", "placeholder"), ("Q3", "placeholder"), ("Q3 2027", "placeholder"),
             ("next quarter", "placeholder"), ("2026-12-1", "YYYY-MM-DD"), ("01/04/2027", "YYYY-MM-DD"),
             ("December 2026", "YYYY-MM-DD"), ("9999-12-31", "stand-in")]


@pytest.mark.parametrize("text,why", BAD_DATES, ids=[t for t, _ in BAD_DATES])
def test_a_bad_date_says_why(text, why):
    assert why in method.date_problem(text)


# ====================================================================== prefixes
@pytest.mark.parametrize("prefix", ["CLN", "PAY", "DEVOPS", "HELPDESK", "RAG", "TA", "MC", "CV", "LLAMA", "TRAVEL2"])
def test_a_project_prefix_is_accepted(prefix):
    assert engagement.foreign_prefix(prefix) is None


@pytest.mark.parametrize("prefix", ["CWE", "CWE79", "T12", "L3", "L9", "CL", "BV", "BV2", "CK", "AML", "AMLT0051", "LLM", "LLM01",
                                    "ASI", "ASI01", "CVE", "CAPEC", "MC301", "R02", "D21", "RR1", "TB2", "MAESTRO", "OWASP", "TA0001"])
def test_a_prefix_that_imitates_an_id_family_is_refused(kb, prefix, tmp_path):
    assert engagement.foreign_prefix(prefix)
    with pytest.raises(project.ProjectError, match="taxonomy ID"):
        project.new_project(kb, "demo", tmp_path, depth="lightweight", prefix=prefix)


# ====================================================================== on the fixture engagement
@pytest.fixture
def eng(clinic_engagement):
    """A copy of the fixture engagement (tests/fixtures/engagement/clinic-assistant)."""
    return clinic_engagement


def _rules(kb, e, target=None) -> dict:
    """Findings by rule code for the engagement folder, or for one threat-model.json when ``target`` is given."""
    findings = checks.check_file(kb, target) if target is not None else checks.check_project(kb, e.folder)[0]
    out: dict = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f)
    return out


OURS = ("maestro.checks.method", "maestro.checks.names")
NEW_RULES = {code for code, r in checks.RULES.items() if r.func.__module__ in OURS}


def _set(n, fn):
    def plant(e):
        e.edit(n, fn)
    return plant


def _set_with_kb(n, fn):
    """Like _set, for an edit that reads the knowledge base: ``fn(kb, records)``."""
    def plant(e):
        e.edit(n, lambda d: fn(e.kb, d))
    return plant


def _state(**changes):
    def plant(e):
        st = json.loads(e.path("state.json").read_text())
        st.update(changes)
        e.path("state.json").write_text(json.dumps(st, indent=2))
    return plant


def _rr(d, rid):
    return next(r for r in d["residual_risks"] if r["id"] == rid)


def _twin_same_rating(d):
    twin = json.loads(json.dumps(d["threats"][0]))
    twin["id"] = "CLN-T99"
    d["threats"].append(twin)


def _mcp_with_reasons(kb, d):
    mcp = set(method.mcp_threats(kb))
    for t in d["threats"]:
        t["maps_to"] = [r for r in t["maps_to"] if r["id"] not in mcp] or [{"id": "T2", "name": kb.name_of("T2")}]
    d["not_applicable"] = {t: f"{t} does not apply: the reason is written out for the reviewer." for t in method.mcp_threats(kb, "core")}


def _explained_cwe(d):
    t = d["threats"][3]
    t["cwe"] = t["cwe"] + ["CWE-79"]
    t["gap"] = "CWE-79 is kept because the poisoned policy text is rendered in the patient's browser."


def _nearby_atlas(kb, d):
    """Add the parent of a carried sub-technique, or a sub-technique of a carried technique."""
    t = d["threats"][3]
    carried = [a for r in t["maps_to"] for a in kb.threats[r["id"]]["atlas"]]
    parents = [a.rsplit(".", 1)[0] for a in carried if a.count(".") == 2]
    children = [x for x in kb.atlas_techniques for a in carried if x.startswith(a + ".")]
    t["atlas"] = t["atlas"] + [(parents or children)[0]]


NEAR_MISSES = [
    ("MC801", "named owner with a role after a comma", _set(9, lambda d: _rr(d, "RR1").update(owner="Claude Dubois, Platform Engineering Lead"))),
    ("MC801", "named owner with an address", _set(9, lambda d: _rr(d, "RR1").update(owner="Dana Whitfield <dana.whitfield@northbrook.example>"))),
    ("MC801", "named approver of an exception", _set(10, lambda d: d["roadmap"][-1].update(
        exception={"reason": "The vendor fix ships next quarter.", "approved_by": "Elena Sokolova, Security Engineering Manager"}))),
    ("MC802", "target date well ahead", _set(9, lambda d: _rr(d, "RR1").update(target_date="2027-06-30"))),
    ("MC803", "target date well ahead", _set(9, lambda d: _rr(d, "RR1").update(target_date="2027-06-30"))),
    ("MC803", "target date just inside the margin", _set(9, lambda d: _rr(d, "RR1").update(target_date="2026-11-15"))),
    ("MC803", "consent eleven months old", _set(1, lambda d: d["business_context"]["consent"].update(date="2026-01-15"))),
    ("MC804", "review more often than the level asks", _set(9, lambda d: _rr(d, "RR4").update(review="Monthly"))),
    ("MC805", "two threats with one owner, one record each", _set(9, lambda d: _rr(d, "RR2").update(owner=_rr(d, "RR1")["owner"]))),
    ("MC806", "verbatim twin with the same rating", _set(6, _twin_same_rating)),
    ("MC807", "top risks in another order", _set(10, lambda d: d["summary"]["top_risks"].reverse())),
    ("MC808", "counts keyed by capitalised level names", _set(10, lambda d: d["summary"].update(
        threat_counts={k.capitalize(): v for k, v in d["summary"]["threat_counts"].items()}))),
    ("MC809", "posture as a sentence that starts with the level", _set(10, lambda d: d["summary"].update(
        posture="Critical until the booking server is closed off (REM1)"))),
    ("MC810", "Complete item whose controls are built and verified", _set(10, lambda d: d["roadmap"][-1].update(status="Complete"))),
    ("MC811", "a mitigation-shaped ID the catalog lacks (MC201's finding)", _set(10, lambda d: d["roadmap"][0]["mitigations"].append("L3-P9"))),
    ("MC812", "MCP system that records why no MCP threat applies", _set_with_kb(6, _mcp_with_reasons)),
    ("MC813", "record with one field of substance", _set(1, lambda d: d["assumptions"].__setitem__(
        -1, {"id": d["assumptions"][-1]["id"], "description": d["assumptions"][-1]["description"]}))),
    ("MC814", "prefix made from the project's name", _state(prefix="CLINIC")),
    ("MC851", "component written in another case", _set(6, lambda d: d["threats"][0]["affected_components"].append("Agent Runtime"))),
    ("MC851", "data flow from a zone", _set(5, lambda d: d["data_flows"][0].update(**{"from": "Public internet"}))),
    ("MC852", "layers overlapping the mapped threats", _set(6, lambda d: d["threats"][3].update(layers=["L2"]))),
    ("MC853", "extra CWE the gap note names", _set(6, _explained_cwe)),
    ("MC853", "ATLAS technique next to a carried one", _set_with_kb(6, _nearby_atlas)),
]


@pytest.mark.parametrize("rule,what,plant", NEAR_MISSES, ids=[f"{r}-{w.replace(' ', '-')}" for r, w, _ in NEAR_MISSES])
def test_near_miss_is_not_reported(kb, eng, rule, what, plant):
    plant(eng)
    found = _rules(kb, eng).get(rule, [])
    assert not found, [str(f) for f in found]


def test_the_near_misses_cover_every_new_rule():
    assert {r for r, _, _ in NEAR_MISSES} == NEW_RULES


def test_dates_are_judged_against_the_engagement_not_the_clock(kb, eng):
    """The same target date passes when the engagement began before it and fails once the engagement is dated
    years later: the rule reads state.json's 'created', so a saved engagement never decays on its own."""
    target = eng.records(9)["residual_risks"][0]["target_date"]
    assert "MC803" not in _rules(kb, eng)
    _state(created="2031-01-01T09:00:00+00:00")(eng)
    hits = _rules(kb, eng).get("MC803", [])
    assert hits and any(target in f.message and f.file.endswith(eng.file(9)) for f in hits)


def test_the_export_is_judged_against_its_generated_date(kb, eng):
    tm = eng.path("threat-model.json")
    doc = json.loads(tm.read_text())
    assert "MC803" not in _rules(kb, eng, tm)
    doc["generated"] = "2031-01-01T09:00:00+00:00"
    tm.write_text(json.dumps(doc, indent=2))
    assert _rules(kb, eng, tm).get("MC803")


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "data" / "examples").glob("*.json")))
def test_worked_examples_pass_the_new_rules(kb, name):
    doc = engagement.read_doc(ROOT / "data" / "examples" / f"{name}.json")
    found = [str(f) for f in checks.check_doc(kb, doc, f"{name}.json") if f.rule in NEW_RULES and f.severity != "pending"]
    assert not found, found


@pytest.mark.parametrize("label,note,named", [
    ("CWE-79", "CWE-79 is kept because the text is rendered in a browser.", True),
    ("CWE-7", "CWE-79 is kept because the text is rendered in a browser.", False),
    ("Repudiation", "STRIDE repudiation is kept: nobody can be tied to the change.", True),
    ("AML.T0051", "AML.T0051.001 names the indirect route.", True),
    ("AML.T0051.001", "AML.T0051 is the technique.", False),
], ids=["same-id", "longer-id", "stride-name", "sub-technique-names-parent", "parent-does-not-name-sub-technique"])
def test_a_gap_note_names_a_value_only_as_a_whole(label, note, named):
    from maestro.checks.names import named_in
    assert named_in(label, note) is named
