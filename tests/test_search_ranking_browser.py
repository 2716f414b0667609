"""Search ranking in a real Chromium, typed into Material's own search box (issue 24).

1. Every alias of every active threat, blindspot and mitigation (data: ``aliases``) puts the page of that ID first.
   An alias that the data gives to two entries (``ASI03`` is on T3 and T9, ``jailbreak`` on T6 and T14), or to an ID
   and a guide, cannot put both first: that page must then be in the first two.
2. Held-out practitioner queries, written from the data and the guides' subjects rather than copied from the aliases:
   attack names and synonyms, other frameworks' IDs, questions and topics. Each must show one of its right pages in
   the first three results (a result is a page; the sections Material lists under it do not count separately).

One browser page serves every query of the module; search-tuning.js records which query the shown results answer."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from maestro import urls

pytestmark = [pytest.mark.browser, pytest.mark.build]

GUIDES = Path(__file__).resolve().parents[1] / "data" / "guides.yaml"


def _guide_aliases() -> dict[str, list[str]]:
    """Page URL -> aliases of each guide (data/guides.yaml)."""
    data = yaml.safe_load(GUIDES.read_text(encoding="utf-8")) or {}
    return {"/" + g["page"].removesuffix(".md").removesuffix("index").rstrip("/") + "/": g.get("aliases", [])
            for g in data.get("guides", [])}


def _alias_cases(kb):
    entries = [("threat", t["id"], t) for t in kb.active_threats()] + \
              [("blindspot", b, e) for b, e in kb.blindspots.items() if kb.status_of(b) == "active"] + \
              [("mitigation", m, e) for m, e in kb.mitigations.items() if kb.status_of(m) == "active"]
    owners = defaultdict(set)
    for kind, ident, e in entries:
        for a in e.get("aliases") or []:
            owners[a.casefold()].add(ident)
    for page, aliases in _guide_aliases().items():
        for a in aliases:
            owners[a.casefold()].add(page)
    cases = []
    for kind, ident, e in entries:
        for a in e.get("aliases") or []:
            cases.append(pytest.param(a, urls.url_of(kind, ident), len(owners[a.casefold()]), id=f"{ident}:{a}"))
    return cases


def _g(name):
    return f"/guides/{name}/"


T = lambda i: urls.url_of("threat", i)          # noqa: E731
B = lambda i: urls.url_of("blindspot", i)       # noqa: E731
M = lambda i: urls.url_of("mitigation", i)      # noqa: E731

HELD_OUT = [
    # attack names and synonyms that are not aliases word for word
    ("prompt injection attack", [T("T6")]),
    ("indirect injection through retrieved documents", [T("T6"), T("T18"), _g("prompt-injection-defense")]),
    ("poisoned memory", [T("T1"), B("BV-7"), _g("agent-memory")]),
    ("vector database poisoning", [T("T1"), T("T18"), _g("agent-memory")]),
    ("tool poisoning rug pull", [B("BV-2")]),
    ("server side request forgery", [T("T48")]),
    ("remote code execution through the agent", [T("T11"), T("T20")]),
    ("leaked API keys", [T("T22")]),
    ("system prompt extraction", [B("BV-4")]),
    ("denial of wallet attack", [B("BV-6"), T("T39")]),
    ("agent stuck in an infinite loop", [T("T32"), T("T33")]),
    ("human reviewer rubber stamps approvals", [T("T10")]),
    ("ai worm spreading between agents", [T("T36")]),
    ("fake MCP server", [T("T47")]),
    ("audit log tampering", [T("T23"), T("T8")]),
    ("stale embeddings after model change", [T("T17")]),
    ("race condition between check and use", [B("BV-9"), T("T21")]),
    ("token passthrough", [B("BV-11")]),
    ("ascii smuggling exfiltration", [B("BV-8")]),
    ("cross tenant data leak", [B("BV-5"), T("T42")]),
    ("reasoning hijack", [B("BV-10")]),
    ("insecure deserialization in agent framework", [T("T20")]),
    ("kill switch", [M("L5-C1"), M("CL-C1"), _g("computer-use-agents")]),
    # other frameworks' IDs
    ("LLM01", [T("T6"), "/reference/llm-top10-crosswalk/", "/playbook/11-framework-integration/"]),
    ("LLM06", [T("T2"), T("T3")]),
    ("LLM10:2025", [T("T4"), B("BV-6")]),
    ("ASI01", [T("T6")]),
    ("ASI03", [T("T3"), T("T9")]),
    ("ASI04", [T("T29"), B("BV-3")]),
    ("AML.T0051", [T("T6"), T("T14")]),
    ("AML.T0051.001", [T("T6")]),
    ("CWE-918", [T("T48")]),
    ("CWE-94", [T("T11"), T("T20")]),
    # questions
    ("how do I score risk", [_g("risk-scoring")]),
    ("how to threat model an MCP server", [_g("mcp-integration")]),
    ("where do I start with a threat model", [_g("quickstart"), "/playbook/06-modeling-process/"]),
    ("what is residual risk", [_g("risk-scoring"), "/playbook/06-modeling-process/"]),
    pytest.param("which checklist applies to my layer", ["/playbook/08-checklists/"], marks=pytest.mark.xfail(
        reason="known gap: mitigations whose aliases hold 'checklist' or 'layer' outrank the checklists chapter, whose "
               "title has 'checklists' but not 'layer'", strict=False)),
    # topics: the guides
    ("MCP", [_g("mcp-integration")]),
    ("Model Context Protocol", [_g("mcp-integration")]),
    ("A2A", [_g("agent-to-agent")]),
    ("agent card signing", [_g("agent-to-agent")]),
    ("computer use", [_g("computer-use-agents")]),
    ("browser agent", [_g("computer-use-agents"), _g("ai-browsers")]),
    ("agent memory", [_g("agent-memory")]),
    ("coding agents", [_g("coding-agents")]),
    ("agent identity", [_g("agent-identity")]),
    ("agent payments", [_g("agent-payments")]),
    ("agent skills", [_g("agent-skills-plugins")]),
    ("single agent chatbot", [_g("single-agent")]),
    ("risk scoring", [_g("risk-scoring")]),
    ("minimum viable threat model", [_g("quickstart")]),
    # topics: the playbook
    ("mapping matrix", ["/playbook/03-mapping-matrix/"]),
    ("mitigation catalog", ["/playbook/09-mitigation-catalog/"]),
    ("cross-layer threats", ["/playbook/04-cross-layer-scenarios/", "/layers/cross-layer/"]),
    ("agentic risk factors", ["/playbook/05-agentic-risk-factors/"]),
]


@pytest.fixture(scope="module")
def results(browser, server):
    """``results(query) -> [page path, ...]``: the pages of the result list, in order."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.goto(server + "/playbook/01-layers/", wait_until="networkidle")
    pg.keyboard.press("s")
    box = pg.locator(".md-search__input")
    box.wait_for(state="visible")

    def run(query: str) -> list[str]:
        box.fill(query)
        box.dispatch_event("keyup")
        pg.wait_for_function("(q) => window.maestroSearch && window.maestroSearch.answered === q && "
                             "document.querySelector('.md-search-result__item a')", arg=query, timeout=10000)
        hrefs = pg.eval_on_selector_all(".md-search-result__item",
                                        "items => items.map(i => (i.querySelector('a') || {}).getAttribute('href'))")
        out = []
        for h in hrefs:
            path = urlsplit(h or "").path
            if path and path not in out:
                out.append(path)
        return out
    yield run
    ctx.close()


@pytest.mark.kb_params("alias,expected,owners", _alias_cases)
def test_an_alias_finds_its_page_first(results, alias, expected, owners):
    """An alias on one entry finds it first; one the data gives to two entries (or an ID and a guide) finds it in
    the first two."""
    got = results(alias)
    assert expected in got[:max(1, min(owners, 2))], f"{alias!r}: {got[:5]}"


@pytest.mark.parametrize("query,right", HELD_OUT, ids=[(c.values if hasattr(c, "values") else c)[0] for c in HELD_OUT])
def test_a_practitioner_query_finds_a_right_page_in_the_first_three(results, query, right):
    got = results(query)
    assert set(right) & set(got[:3]), f"{query!r}: {got[:5]}, expected one of {right}"


def test_the_held_out_list_is_long_enough_and_names_real_pages(site):
    assert len(HELD_OUT) >= 40
    for case in HELD_OUT:
        right = (case.values if hasattr(case, "values") else case)[1]
        for page in right:
            assert (site / page.strip("/") / "index.html").exists(), page
