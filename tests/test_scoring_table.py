"""Scoring lives once: the risk calculator on the site looks its answers up in a table the build makes with
maestro.scoring (calculator_table, plus the words of maestro_site.tables.scoring.calculator_data), and no page
script computes a score. The browser tests in test_browser.py drive the form; these check the table itself, for
every matrix cell and every combination of control statuses the form can be given, without a browser."""
from __future__ import annotations

import html
import itertools
import json
import re
from pathlib import Path

import pytest

from maestro import scoring
from maestro_site.tables import scoring as scoring_page

ASSETS = Path(__file__).resolve().parent.parent / "docs" / "assets"
SCRIPTS = sorted(ASSETS.rglob("*.js"))
CELLS = list(itertools.product(scoring.SEVERITIES, scoring.LIKELIHOODS))


@pytest.fixture(scope="module")
def table(kb):
    return scoring_page.calculator_data(kb)


def typed(kb) -> list[str]:
    """The control types the form has a select for: every type some level requires."""
    return list(dict.fromkeys(k for kinds in kb.scoring["required_controls"].values() for k in kinds))


def look_up(kb, table, sev, lik, statuses: dict) -> tuple[dict, dict]:
    """What docs/assets/js/risk-calculator.js does with the form's values: the cell, then the outcome keyed by the
    statuses of the required types (the strongest status where the level requires none)."""
    cell = table["cells"][sev][lik]
    level = table["levels"][cell["level"]]
    if level["required"]:
        key = ",".join(statuses[t] for t in level["required"])
    else:
        key = max(statuses.values(), key=lambda k: scoring.status(kb, k)["value"])
    return cell, table["outcomes"][cell["level"]][key]


def test_the_parametrised_cells_are_the_matrix(kb, table):
    assert [s["level"] for s in kb.scoring["severity"]] == scoring.SEVERITIES
    assert [s["level"] for s in kb.scoring["likelihood"]] == scoring.LIKELIHOODS
    assert {(s, l) for s, row in table["cells"].items() for l in row} == set(CELLS)


@pytest.mark.parametrize("sev,lik", CELLS, ids=[f"{s}-{l}" for s, l in CELLS])
def test_the_table_gives_what_maestro_score_gives(kb, table, sev, lik):
    keys = [s["key"] for s in kb.scoring["implementation_status"]]
    kinds = typed(kb)
    for combo in itertools.product(keys, repeat=len(kinds)):
        statuses = dict(zip(kinds, combo))
        spec = ",".join(f"{k}={v}" for k, v in statuses.items())
        want = scoring.score(kb, sev, lik, spec)
        cell, got = look_up(kb, table, sev, lik, statuses)
        level = table["levels"][cell["level"]]
        act = table["levels"][got["action_level"]]
        triples = [(k, st, "full") for k, st in scoring.parse_statuses(kb, spec).items()]
        where = (sev, lik, spec)
        assert (cell["level"], level["value"]) == (want.level, want.value), where
        assert level["required"] == scoring.required_types(kb, want.level), where
        assert got["status"] == want.status, where
        assert got["credit"] == round(scoring.control_credit(kb, want.level, triples), 2), where
        assert (got["effective"], got["effective_level"]) == (want.effective, want.effective_level), where
        assert (got["action_level"], got["drives"]) == (want.action_level, want.action_basis), where
        assert (act["action"], act["timeframe"]) == (want.action, want.timeframe), where
        assert got["action_basis"].startswith(f"Set by the {want.action_basis} risk"), where


def test_the_table_holds_no_answer_the_form_cannot_ask_for(kb, table):
    n_status = len(kb.scoring["implementation_status"])
    for level, outcomes in table["outcomes"].items():
        assert len(outcomes) == n_status ** (len(table["levels"][level]["required"]) or 1), level


def test_the_modifiers_are_the_scoring_data(kb, table):
    assert table["vector"] == {v["value"]: f"Attack vector {v['value']}: {v['effect']} priority" for v in kb.scoring["attack_vector"]}
    assert table["complexity"] == {c["value"]: f"Attack complexity {c['value']}: {c['effect']} priority"
                                   for c in kb.scoring["attack_complexity"]}


def test_the_page_embeds_the_table(kb, table):
    form = str(scoring_page.risk_calculator(kb))
    found = re.search(r"""<form [^>]*\bdata-scoring='([^']*)'""", form)
    assert found, "the calculator's form carries no data-scoring table"
    assert json.loads(html.unescape(found.group(1))) == json.loads(json.dumps(table))
    assert "<script" not in form, "Material's instant navigation would run an inline script of the page as JavaScript"
    assert "style=" not in form and "onsubmit" not in form, "the calculator's styles and behaviour live in docs/assets"


def scoring_markers(kb) -> list[re.Pattern]:
    """What a script computing a score would have to spell out: the scoring data's own names and numbers, and
    arithmetic on a credit or a level's value."""
    sc = kb.scoring
    words = [r["level"] for r in sc["risk_levels"]] + [s[f] for s in sc["implementation_status"] for f in ("key", "status")]
    numbers = {str(s["value"]) for s in sc["implementation_status"] if s["value"] not in (0, 1)}
    numbers.add(str(sc["effective_risk"]["partial_coverage_value"]))
    sections = ["matrix", "risk_levels", "implementation_status", "required_controls", "effective_risk", "partial_coverage_value"]
    return ([re.compile(r"""["']%s["']""" % re.escape(w)) for w in words]
            + [re.compile(r"(?<![\w.])%s(?![\w.])" % re.escape(n)) for n in sorted(numbers)]
            + [re.compile(r"""(\.%s\b|["']%s["'])""" % (s, s)) for s in sections]
            + [re.compile(r"\bcredit\s*[-+*/]|[-+*/]\s*credit\b|\.value\s*[*/]|[*/]\s*\w+\.value\b|\bMath\.round\b|\bsum\s*/")])


@pytest.mark.parametrize("script", SCRIPTS, ids=[str(p.relative_to(ASSETS)) for p in SCRIPTS])
def test_no_page_script_computes_a_score(kb, script):
    text = html.unescape(script.read_text(encoding="utf-8"))
    found = [m.group(0) for p in scoring_markers(kb) for m in p.finditer(text)]
    assert not found, f"{script.relative_to(ASSETS)} spells out scoring (look it up in the form's data-scoring table instead): {found}"


def test_the_scripts_are_found():
    assert any(p.name == "risk-calculator.js" for p in SCRIPTS), SCRIPTS
