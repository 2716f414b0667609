"""The page macros of maestro_site/tables/, called as plain functions: the knowledge base and a Linker, no MkDocs."""
from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest
import yaml
from mkdocs.exceptions import PluginError

from maestro import checks
from maestro.kb import LAYER_ORDER
from maestro_site import tables
from maestro_site.render import Linker, esc
from maestro_site.tables import registry
from maestro_site.tables import examples, frameworks, matrix, process, reference, scoring, taxonomy

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MACRO_CALL = re.compile(r"\{\{\s*([a-z_]+)\s*\(")


def rows_of(md: str) -> list[list[str]]:
    """The body rows of the first Markdown table in ``md``, as lists of cell texts."""
    lines = [l for l in md.splitlines() if l.startswith("| ")]
    return [[c.strip() for c in l.strip("| ").split(" | ")] for l in lines[1:]]


def linker(kb, page: str = "playbook/11-framework-integration.md") -> Linker:
    return Linker(kb, page)


def test_every_macro_the_pages_call_is_registered():
    used = {m for p in (ROOT / "docs").rglob("*.md") for m in MACRO_CALL.findall(p.read_text(encoding="utf-8"))}
    assert used, "no macro calls found in docs/"
    assert sorted(used - set(tables.MACROS)) == []


@pytest.mark.parametrize("module", registry.table_modules())
def test_every_table_module_registers_its_macros(module):
    """A module of maestro_site/tables/ is found by existing (no list to forget it in), and each of its public
    functions that a page calls is registered."""
    mod = importlib.import_module(module)
    mine = {name for name, fn in tables.MACROS.items() if fn.__module__ == module}
    assert mine, f"{module} registers no macro"
    used = {m for p in (ROOT / "docs").rglob("*.md") for m in MACRO_CALL.findall(p.read_text(encoding="utf-8"))}
    public = {n for n, f in vars(mod).items() if inspect.isfunction(f) and f.__module__ == module and not n.startswith("_")}
    assert sorted((public & used) - mine) == [], "called from a page but not marked @macro"


def test_a_second_macro_with_the_same_name_is_refused():
    def count():
        return ""
    with pytest.raises(ValueError, match="two macros named count"):
        registry.macro(count)


@pytest.mark.parametrize("name", sorted(tables.MACROS))
def test_registered_macro_takes_its_dependencies_first(name):
    fn = tables.MACROS[name]
    assert fn.__name__ == name
    params = list(inspect.signature(fn).parameters)
    deps = tables.needs(fn)
    assert params[:len(deps)] == deps
    assert not set(params[len(deps):]) & set(tables.DEPENDENCIES), f"{name}: a dependency after a page argument"


def test_bind_supplies_dependencies_at_call_time(kb):
    seen = []
    deps = {"kb": lambda: kb, "L": lambda: seen.append("L") or linker(kb, "playbook/02-threat-taxonomy.md")}
    macro = tables.bind(tables.MACROS["threat_table"], deps)
    assert seen == []
    assert macro("extended", layer="L3") == taxonomy.threat_table(kb, linker(kb, "playbook/02-threat-taxonomy.md"), "extended", "L3")
    assert seen == ["L"]
    assert tables.bind(tables.MACROS["count"], {"kb": lambda: kb})("threats") == len(kb.active_threats())  # needs no Linker


def test_threat_table_lists_each_core_threat_with_its_layers(kb):
    rows = rows_of(taxonomy.threat_table(kb, linker(kb, "playbook/02-threat-taxonomy.md")))
    core = [t for t in kb.active_threats() if t["kind"] == "core"]
    assert [r[0].split("]")[0].lstrip("[") for r in rows] == [t["id"] for t in core]
    for r, t in zip(rows, core):
        assert r[1] == esc(t["name"])
        primary = [l for l in LAYER_ORDER if kb.threat_layers[t["id"]].get(l) == "primary"]
        assert all(f"[{l}]" in r[2] for l in primary), t["id"]


def test_llm_table_has_one_row_per_2025_entry_beside_its_2026_counterpart(kb):
    editions = {e["edition"]: e for e in kb.frameworks["llm_top10"]["editions"]}
    entries_2025 = [f"{i['id']}:2025" for i in editions["2025"]["items"]]
    rows = rows_of(frameworks.llm_top10_table(kb, linker(kb)))
    by_entry = {re.match(r"`([^`]+)`", r[0]).group(1): r for r in rows}
    assert len(rows) == len(entries_2025) and sorted(by_entry) == sorted(entries_2025)
    for old in entries_2025:
        new = kb.llm_2026_of[old]
        assert by_entry[old][0] == f"`{old}` {esc(kb.llm[old]['name'])}"
        assert by_entry[old][1] == f"`{new}` {esc(kb.llm[new]['name'])}"


def test_llm_crosswalk_anchors_are_plain_ids(kb):
    md = frameworks.llm_crosswalk(kb, "2026")
    anchors = re.findall(r'<span id="([^"]+)">', md)
    assert anchors and all(re.fullmatch(r"llm\d\d-2026", a) for a in anchors), anchors  # no Markdown escapes in HTML ids


@pytest.mark.parametrize("kind", ["core", "extended"])
def test_matrix_marks_every_cell_of_mapping_yaml(kb, kind):
    html_ = matrix.mapping_matrix(kb, linker(kb, "playbook/03-mapping-matrix.md"), kind)
    rows = {}
    for tr in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html_):
        tid = re.search(r">(T\d+)</a>", tr).group(1)
        rows[tid] = re.findall(r'<td class="maestro-matrix__(\w+)">', tr)
    mapping = yaml.safe_load((DATA / "mapping.yaml").read_text(encoding="utf-8"))["mapping"]
    expected = {r["threat"]: r for r in mapping if kb.threats[r["threat"]]["kind"] == kind and r["threat"] in kb.threat_layers}
    assert set(rows) == {t["id"] for t in kb.active_threats() if t["kind"] == kind}
    primaries = 0
    for tid, r in expected.items():
        if tid not in rows:
            continue
        assert rows[tid] == [r.get(l, "none") for l in LAYER_ORDER], tid
        primaries += sum(r.get(l) == "primary" for l in LAYER_ORDER)
    assert primaries >= len(rows)  # every threat has a primary layer


def test_check_rules_table_has_one_row_per_rule():
    rows = rows_of(reference.check_rules())
    assert len(rows) == len(checks.RULES)
    for row, code in zip(rows, sorted(checks.RULES)):
        rule = checks.RULES[code]
        assert row[0] == f'<span id="{code.lower()}"></span>`{code}`'
        assert row[2] == rule.severity


def test_risk_matrix_gives_the_scoring_level_of_each_cell(kb):
    sc = kb.scoring
    rows = rows_of(scoring.risk_matrix(kb))
    assert len(rows) == len(sc["severity"])
    for row, sev in zip(rows, reversed(sc["severity"])):
        levels = [re.sub(r"<[^>]+>", "", c) for c in row[1:]]
        assert levels == [sc["matrix"][sev["level"]][l["level"]] for l in sc["likelihood"]]


def test_phase_table_and_template_come_from_the_data(kb):
    rows = rows_of(process.phase_table(kb, linker(kb, "playbook/01-method.md")))
    assert [r[0] for r in rows] == [str(n) for n in kb.phases]
    key = next(iter(kb.templates))
    assert process.template(kb, linker(kb, "playbook/07-templates.md"), key).startswith(f"### {esc(kb.templates[key]['name'])} {{ #{key} }}")


def test_glossary_terms_get_anchors(kb):
    out = reference.glossary_terms(kb, linker(kb, "reference/glossary.md"))
    assert out.count("<span id=") == len(kb.glossary["terms"])
    assert reference.slug("Model Context Protocol (MCP)") == "model-context-protocol-mcp"


def test_worked_example_macros_render_a_checked_example(kb):
    book = examples.Book(kb, DATA / "examples")
    doc = book.get("devops-deployment")
    assert book.get("devops-deployment") is doc  # read and checked once per build
    out = examples.example_register(book, linker(kb, "examples/devops-deployment.md"), "devops-deployment")
    assert len(rows_of(out)) == len(doc["threats"])
    assert out.endswith("."), out[-80:]
    assert f"{len(doc['threats'])} threats by risk level" in out


def test_worked_example_macro_raises_on_an_example_that_fails_the_check(kb, tmp_path):
    doc = json.loads((DATA / "examples" / "devops-deployment.json").read_text(encoding="utf-8"))
    doc["threats"][0]["maps_to"] = ["T26"]  # a reserved threat cannot be cited
    (tmp_path / "bad.json").write_text(json.dumps(doc), encoding="utf-8")
    book = examples.Book(kb, tmp_path)
    with pytest.raises(PluginError, match=r"worked example bad fails maestro check:(.|\n)*MC202"):
        examples.example_register(book, linker(kb, "examples/devops-deployment.md"), "bad")
    with pytest.raises(PluginError):
        examples.example_summary(book, linker(kb, "examples/devops-deployment.md"), "missing")


def _quickstart_copy(kb, tmp_path, change=None):
    doc = json.loads((DATA / "examples" / "quickstart.json").read_text(encoding="utf-8"))
    if change:
        change(doc)
    (tmp_path / "qs.json").write_text(json.dumps(doc), encoding="utf-8")
    return examples.Book(kb, tmp_path), doc


def test_an_unscored_register_shows_severity_alone(kb, tmp_path):
    book, doc = _quickstart_copy(kb, tmp_path)
    out = examples.example_register(book, linker(kb, "guides/quickstart.md"), "qs")
    assert "Likelihood" not in out.split("\n")[0] and f"{len(doc['threats'])} threats by severity" in out
    book, _ = _quickstart_copy(kb, tmp_path, lambda d: d["threats"][0].update(likelihood="Likely"))
    out = examples.example_register(book, linker(kb, "guides/quickstart.md"), "qs")
    assert "Likelihood" in out.split("\n")[0] and "not rated" in out   # one rated: the others say so


def test_control_plan_names_a_missing_type(kb, tmp_path):
    def drop_detective(d):
        t = d["threats"][0]
        det = next(m for m in d["mitigations"] if m["type"] == "detective" and t["id"] in m["addresses"])
        d["mitigations"].remove(det)
        t["mitigations"].remove(det["id"])
    book, doc = _quickstart_copy(kb, tmp_path, drop_detective)
    with pytest.raises(PluginError, match="MC304"):      # the example itself no longer passes the check
        examples.example_control_plan(book, linker(kb, "guides/quickstart.md"), "qs")


def test_control_plan_lists_each_needy_threat_most_severe_first(kb):
    book = examples.Book(kb, DATA / "examples")
    doc = book.get("quickstart")
    out = examples.example_control_plan(book, linker(kb, "guides/quickstart.md"), "quickstart")
    rows = rows_of(out)
    levels = [re.search(r"\((\w+)\)", r[0]).group(1) for r in rows]
    assert levels == sorted(levels, key=["Critical", "High", "Medium", "Low"].index)
    assert len(rows) == sum(1 for t in doc["threats"] if t["severity"] in ("High", "Critical"))
    assert "**missing**" not in out


def test_a_draft_example_says_which_phases_are_open(kb):
    book = examples.Book(kb, DATA / "examples")
    out = examples.example_progress(book, "quickstart")
    assert "Draft threat model" in out and "not started: 3, 5, 8, 9, 10" in out and "in progress: 4, 6, 7" in out
    assert examples.example_progress(book, "rag-agent") == ""


def _payables_copy(kb, tmp_path, change):
    doc = json.loads((DATA / "examples" / "accounts-payable.json").read_text(encoding="utf-8"))
    change(doc)
    (tmp_path / "accounts-payable.json").write_text(json.dumps(doc), encoding="utf-8")
    return examples.Book(kb, tmp_path)


def test_effective_risk_table_follows_the_records(kb, tmp_path):
    """Verify PAY-T2's planned secrets control as Implemented: its row, rank and bucket move with it."""
    def build(d):
        next(m for m in d["mitigations"] if m["id"] == "L4-P3")["status"] = "Implemented"
        next(cv for cv in d["code_validation"] if cv["mitigation"] == "L4-P3")["verified_status"] = "Implemented"
    book = _payables_copy(kb, tmp_path, build)
    row = next(r for r in rows_of(examples.example_effective_risk(book, "accounts-payable")) if r[0].startswith("PAY\\-T2"))
    assert row[4] == "preventive 1, detective 0, corrective 0" and row[6] == r"4 x \(1 \- 1/3\) = 2.67"
    ranking = examples.example_ranking(book, "accounts-payable").split("\n")
    assert ranking[0].startswith("1. PAY\\-T3") and any("PAY\\-T2 (2.67" in r for r in ranking)
    assert "PAY\\-T2 (Critical, credit 1/3)" in examples.example_buckets(book, "accounts-payable")


def test_a_gap_the_page_shows_must_still_be_there(kb, tmp_path):
    """The scoring example is meant to fail MC304; once every gap is closed, the page's text would be wrong."""
    def close_gaps(d):
        for t in d["threats"]:
            mapped = [r["id"] if isinstance(r, dict) else r for r in t["maps_to"]]
            for kind, letter in (("preventive", "P"), ("detective", "D"), ("corrective", "C")):
                mid = f"PAY-M{len(d['mitigations']) + 1}"
                fits = next(c for m in mapped for c in kb.mitigations_for(m)[letter])  # a control the catalog links to it
                d["mitigations"].append({"id": mid, "name": f"{kind} for {t['id']}", "type": kind, "addresses": [t["id"]],
                                         "implements": [fits], "status": "Not Implemented"})
                t["mitigations"].append(mid)
    book = _payables_copy(kb, tmp_path, close_gaps)
    with pytest.raises(PluginError, match="should show the gaps MC304, MC305 and no longer does"):
        examples.example_ranking(book, "accounts-payable")


def test_eu_ai_act_dates_come_from_the_data(kb):
    """Chapter 11 states when Articles 12, 14 and 15 apply from data/frameworks.yaml (Article 113 of the Regulation),
    with the source it was read from; a changed date in the data changes the sentence."""
    import copy
    act = next(r for r in kb.frameworks["regulatory"] if r["framework"] == "EU AI Act")
    text = frameworks.eu_ai_act_dates(kb)
    assert "Article 113" in text and act["source_url"] in text
    kb2 = copy.copy(kb)
    kb2.frameworks = copy.deepcopy(kb.frameworks)
    moved = next(r for r in kb2.frameworks["regulatory"] if r["framework"] == "EU AI Act")
    moved["application"]["regulation"] = "2027-12-02"
    assert "applies from 2 December 2027" in frameworks.eu_ai_act_dates(kb2)
    assert text != frameworks.eu_ai_act_dates(kb2)
