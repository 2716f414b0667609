"""The page macros of macros/tables/, called as plain functions: the knowledge base and a Linker, no MkDocs."""
from __future__ import annotations

import inspect
import json
import re

import pytest
import yaml
from mkdocs.exceptions import PluginError

from conftest import DATA, KB, ROOT
from maestro import checks
from maestro.kb import LAYER_ORDER
from macros import tables
from macros.render import Linker, esc
from macros.tables import examples, frameworks, matrix, process, reference, scoring, taxonomy

MACRO_CALL = re.compile(r"\{\{\s*([a-z_]+)\s*\(")


def rows_of(md: str) -> list[list[str]]:
    """The body rows of the first Markdown table in ``md``, as lists of cell texts."""
    lines = [l for l in md.splitlines() if l.startswith("| ")]
    return [[c.strip() for c in l.strip("| ").split(" | ")] for l in lines[1:]]


def linker(page: str = "playbook/11-framework-integration.md") -> Linker:
    return Linker(KB, page)


def test_every_macro_the_pages_call_is_registered():
    used = {m for p in (ROOT / "docs").rglob("*.md") for m in MACRO_CALL.findall(p.read_text(encoding="utf-8"))}
    assert used, "no macro calls found in docs/"
    assert sorted(used - set(tables.MACROS)) == []


@pytest.mark.parametrize("name", sorted(tables.MACROS))
def test_registered_macro_takes_its_dependencies_first(name):
    fn = tables.MACROS[name]
    assert fn.__name__ == name
    params = list(inspect.signature(fn).parameters)
    deps = tables.needs(fn)
    assert params[:len(deps)] == deps
    assert not set(params[len(deps):]) & set(tables.DEPENDENCIES), f"{name}: a dependency after a page argument"


def test_bind_supplies_dependencies_at_call_time():
    seen = []
    deps = {"kb": lambda: KB, "L": lambda: seen.append("L") or linker("playbook/02-threat-taxonomy.md")}
    macro = tables.bind(tables.MACROS["threat_table"], deps)
    assert seen == []
    assert macro("extended", layer="L3") == taxonomy.threat_table(KB, linker("playbook/02-threat-taxonomy.md"), "extended", "L3")
    assert seen == ["L"]
    assert tables.bind(tables.MACROS["count"], {"kb": lambda: KB})("threats") == len(KB.active_threats())  # needs no Linker


def test_threat_table_lists_each_core_threat_with_its_layers():
    rows = rows_of(taxonomy.threat_table(KB, linker("playbook/02-threat-taxonomy.md")))
    core = [t for t in KB.active_threats() if t["kind"] == "core"]
    assert [r[0].split("]")[0].lstrip("[") for r in rows] == [t["id"] for t in core]
    for r, t in zip(rows, core):
        assert r[1] == esc(t["name"])
        primary = [l for l in LAYER_ORDER if KB.threat_layers[t["id"]].get(l) == "primary"]
        assert all(f"[{l}]" in r[2] for l in primary), t["id"]


def test_llm_table_has_one_row_per_2025_entry_beside_its_2026_counterpart():
    editions = {e["edition"]: e for e in KB.frameworks["llm_top10"]["editions"]}
    entries_2025 = [f"{i['id']}:2025" for i in editions["2025"]["items"]]
    rows = rows_of(frameworks.llm_top10_table(KB, linker()))
    by_entry = {re.match(r"`([^`]+)`", r[0]).group(1): r for r in rows}
    assert len(rows) == len(entries_2025) and sorted(by_entry) == sorted(entries_2025)
    for old in entries_2025:
        new = KB.llm_2026_of[old]
        assert by_entry[old][0] == f"`{old}` {esc(KB.llm[old]['name'])}"
        assert by_entry[old][1] == f"`{new}` {esc(KB.llm[new]['name'])}"


def test_llm_crosswalk_anchors_are_plain_ids():
    md = frameworks.llm_crosswalk(KB, "2026")
    anchors = re.findall(r'<span id="([^"]+)">', md)
    assert anchors and all(re.fullmatch(r"llm\d\d-2026", a) for a in anchors), anchors  # no Markdown escapes in HTML ids


@pytest.mark.parametrize("kind", ["core", "extended"])
def test_matrix_marks_every_cell_of_mapping_yaml(kind):
    html_ = matrix.mapping_matrix(KB, linker("playbook/03-mapping-matrix.md"), kind)
    rows = {}
    for tr in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html_):
        tid = re.search(r">(T\d+)</a>", tr).group(1)
        rows[tid] = re.findall(r'<td class="maestro-matrix__(\w+)">', tr)
    mapping = yaml.safe_load((DATA / "mapping.yaml").read_text(encoding="utf-8"))["mapping"]
    expected = {r["threat"]: r for r in mapping if KB.threats[r["threat"]]["kind"] == kind and r["threat"] in KB.threat_layers}
    assert set(rows) == {t["id"] for t in KB.active_threats() if t["kind"] == kind}
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


def test_risk_matrix_gives_the_scoring_level_of_each_cell():
    sc = KB.scoring
    rows = rows_of(scoring.risk_matrix(KB))
    assert len(rows) == len(sc["severity"])
    for row, sev in zip(rows, reversed(sc["severity"])):
        levels = [re.sub(r"<[^>]+>", "", c) for c in row[1:]]
        assert levels == [sc["matrix"][sev["level"]][l["level"]] for l in sc["likelihood"]]


def test_phase_table_and_template_come_from_the_data():
    rows = rows_of(process.phase_table(KB, linker("playbook/01-method.md")))
    assert [r[0] for r in rows] == [str(n) for n in KB.phases]
    key = next(iter(KB.templates))
    assert process.template(KB, linker("playbook/07-templates.md"), key).startswith(f"### {esc(KB.templates[key]['name'])} {{ #{key} }}")


def test_glossary_terms_get_anchors():
    out = reference.glossary_terms(KB, linker("reference/glossary.md"))
    assert out.count("<span id=") == len(KB.glossary["terms"])
    assert reference.slug("Model Context Protocol (MCP)") == "model-context-protocol-mcp"


def test_worked_example_macros_render_a_checked_example():
    book = examples.Book(KB, DATA / "examples")
    doc = book.get("devops-deployment")
    assert book.get("devops-deployment") is doc  # read and checked once per build
    out = examples.example_register(book, linker("examples/devops-deployment.md"), "devops-deployment")
    assert len(rows_of(out)) == len(doc["threats"])
    assert out.endswith("."), out[-80:]
    assert f"{len(doc['threats'])} threats by risk level" in out


def test_worked_example_macro_raises_on_an_example_that_fails_the_check(tmp_path):
    doc = json.loads((DATA / "examples" / "devops-deployment.json").read_text(encoding="utf-8"))
    doc["threats"][0]["maps_to"] = ["T26"]  # a reserved threat cannot be cited
    (tmp_path / "bad.json").write_text(json.dumps(doc), encoding="utf-8")
    book = examples.Book(KB, tmp_path)
    with pytest.raises(PluginError, match=r"worked example bad fails maestro check:(.|\n)*MC202"):
        examples.example_register(book, linker("examples/devops-deployment.md"), "bad")
    with pytest.raises(PluginError):
        examples.example_summary(book, linker("examples/devops-deployment.md"), "missing")
