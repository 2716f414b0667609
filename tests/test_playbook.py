"""The playbook pages: every page in the navigation is built, carries its topic headings,
and every ID written in its prose is a link to an existing ID page."""
from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from maestro import ids
from maestro.kb import LAYER_ORDER

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.build


def nav_files():
    cfg = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    out = []

    def walk(node):
        if isinstance(node, list):
            for x in node:
                walk(x)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, str) and node.endswith(".md"):
            out.append(node)
    walk(cfg["nav"])
    return out


NAV = nav_files()


def url_for(src: str) -> str:
    return "/" if src == "index.md" else "/" + (src[: -len("index.md")] if src.endswith("index.md") else src[:-3] + "/")


# Topic headings every page must have (anchors), per the playbook's outline (a callable reads them from the kb when the test runs).
TOPICS = {
    "index.md": ["what-is-maestro", "who-is-it-for", "phases", "sources", "citing"],
    "playbook/00-overview.md": ["what-is-maestro", "scope", "audience", "known-limitations", "when-to-use", "principles", "regulatory-alignment"],
    "playbook/01-layers.md": ["l1", "l2", "l3", "l4", "l5", "l6", "l7", "cross-layer", "vertical-layer", "mapping-components"],
    "playbook/02-threat-taxonomy.md": ["core", "extended", "considerations", "blindspots", "how-to-use", "id-authority"],
    "playbook/03-mapping-matrix.md": ["core", "extended", "reading-the-matrix", "how-to-use"],
    "playbook/04-cross-layer-scenarios.md": ["why-cross-layer", "patterns", "walkthrough", "finding-chains", "key-cross-layer-threats"]
    + [f"pattern-{n}" for n in range(1, 10)] + ["incident-chains", "incidents-exfiltration", "incidents-credentials"],
    "playbook/05-agentic-risk-factors.md": ["amplifiers", "factors", "per-layer", "applying", "single-agent"],
    "playbook/06-modeling-process.md": ["dependency-flow", "choosing-depth", "iterative-reanalysis", "lightweight-path"]
    + [f"phase-{n}" for n in range(1, 11)],
    "playbook/07-templates.md": lambda kb: ["how-to-use", "id-conventions", "filled-example"] + [t["key"] for t in kb.templates.values()],
    "playbook/08-checklists.md": lambda kb: ["how-to-use"] + [f"checklist-{s.lower()}" for s in kb.sections] + [i for i in kb.items],
    "playbook/09-mitigation-catalog.md": lambda kb: ["how-to-use", "types", "gaps"] + [f"catalog-{l.lower()}" for l in kb.layers],
    "playbook/10-case-studies.md": ["how-to-read", "key-takeaways", "case-a", "case-b", "case-c"],
    "playbook/11-framework-integration.md": ["why-combine", "stride", "mitre-attack-atlas", "owasp-llm-top-10", "owasp-agentic-top-10", "cwe", "eu-ai-act",
                                            "verification-standards", "aisvs", "nhi-top-10", "choosing"],
    "playbook/12-quick-reference.md": ["reference-card", "stride-at-a-glance", "phase-checklist", "mvtm", "depth-decision-tree", "taxonomy-quick-map"],
    "guides/quickstart.md": ["before-you-start", "step-1", "step-2", "step-3", "step-4", "step-5", "what-you-have", "next-steps", "the-record", "further-reading"],
    "guides/single-agent.md": ["when-this-applies", "what-to-skip", "what-to-emphasise", "simplified-process", "checklist", "risk-factors", "example-scope", "further-reading"],
    "guides/mcp-integration.md": ["architecture", "transports", "security-principles", "mcp-threats", "tool-poisoning", "t40", "t41", "t42", "t43", "t44",
                                  "t45", "t46", "t47", "designing-servers", "phase-orchestration", "best-practices", "further-reading"],
    "guides/risk-scoring.md": ["severity", "likelihood", "risk-matrix", "modifiers", "effective-risk", "calculator", "mitigation-selection", "prioritisation",
                               "worked-example", "residual-risk", "further-reading"],
    "guides/agent-to-agent.md": ["layers", "agent-cards", "authentication", "push-notifications", "task-hijack-replay", "delegation", "streaming", "walkthrough",
                                 "checklist", "further-reading"],
    "guides/computer-use-agents.md": ["layers", "screen-injection", "screenshots-clipboard", "credentials", "unattended-actions", "sandboxing", "observability",
                                      "walkthrough", "checklist", "further-reading"],
    "guides/coding-agents.md": ["layers", "instruction-files", "auto-approve", "secrets", "slopsquatting", "repo-mcp", "ci-untrusted", "review", "walkthrough",
                                "checklist", "further-reading"],
    "guides/agent-identity.md": ["nhi-inventory", "no-standing-credentials", "token-exchange", "step-up", "sender-constrained", "multi-agent-chains",
                                 "identity-source", "revocation", "walkthrough", "checklist", "further-reading"],
    "guides/agent-skills-plugins.md": ["what-changed", "layers", "what-a-skill-reaches", "registries", "mcp-extensions", "provenance-pinning",
                                       "review-before-enable", "revocation", "threats", "walkthrough", "checklist", "further-reading"],
    "guides/agent-payments.md": ["what-changed", "layers", "ap2", "x402", "mandates-and-limits", "who-authorised-what", "refunds-and-disputes",
                                 "wallets-and-keys", "fraud-and-replay", "walkthrough", "checklist", "further-reading"],
    "guides/ai-browsers.md": ["what-changed", "layers", "inherited-session", "cross-site-injection", "cloaking", "exfiltration", "approvals",
                              "separating-sessions", "threats", "walkthrough", "checklist", "further-reading"],
    "guides/agent-memory.md": ["kinds", "what-to-store", "ttl", "isolation", "erasure", "poisoning", "exfiltration", "walkthrough", "checklist", "further-reading"],
    "guides/prompt-injection-defense.md": ["why-filtering-fails", "privilege-separation", "dual-llm", "capabilities", "other-patterns", "spotlighting",
                                           "human-confirmation", "measuring", "worked-example", "checklist", "further-reading"],
    "examples/devops-deployment.md": [f"phase-{n}" for n in range(1, 11)] + ["lessons", "what-we-fixed"],
    "examples/generic-rag-agent.md": [f"phase-{n}" for n in range(1, 11)] + ["single-agent-notes", "what-we-fixed"],
    "agents.md": ["how-it-works", "cli", "consent", "limits"],
    "reference/glossary.md": ["terms", "acronyms"],
    "reference/changelog.md": ["decisions"] + [f"d{n:02d}" for n in range(1, 41)],
    "reference/license.md": ["our-work", "upstream", "third-party-identifiers"],
}


def test_every_topic_page_is_in_the_nav():
    assert set(TOPICS) <= set(NAV), sorted(set(TOPICS) - set(NAV))


def test_every_guide_is_in_the_nav_and_has_its_topics():
    """A guide added under docs/guides/ must be reachable and must list its sections (with Further reading) above."""
    guides = {f"guides/{p.name}" for p in (ROOT / "docs" / "guides").glob("*.md")}
    assert guides <= set(NAV), sorted(guides - set(NAV))
    assert all("further-reading" in TOPICS.get(g, []) for g in guides), sorted(g for g in guides if "further-reading" not in TOPICS.get(g, []))


@pytest.mark.parametrize("src", NAV)
def test_nav_page_built(site_page, site, src):
    p = site_page(url_for(src))
    assert p.h1.strip(), f"{src} has no H1"
    assert p.title.strip().endswith("MAESTRO Playbook")


@pytest.mark.parametrize("src", sorted(TOPICS))
def test_topic_headings_present(kb, site_page, site, src):
    p = site_page(url_for(src))
    want = TOPICS[src](kb) if callable(TOPICS[src]) else TOPICS[src]
    missing = [a for a in want if a not in p.ids]
    assert not missing, f"{src} lacks anchors {missing}"


class _Unlinked(HTMLParser):
    """Collects ID-shaped tokens in text that is not inside a link, code, heading or script."""

    # diagrams (svg) are checked by tests/test_diagrams.py: their IDs are links, their description is for screen readers
    SKIP = {"a", "code", "pre", "script", "style", "h1", "h2", "h3", "h4", "h5", "h6", "title", "textarea", "kbd", "svg"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.stack = []
        self.found = []
        self.in_article = False

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.in_article = True
        if tag in self.SKIP:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "article":
            self.in_article = False
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if self.in_article and not self.stack:
            self.found += ids.CITABLE.findall(data)


PROSE = [s for s in NAV if not re.match(r"(threats|blindspots|mitigations|layers)/index\.md$", s)]


@pytest.mark.parametrize("src", PROSE)
def test_ids_in_prose_are_links(site, src):
    html = (site / url_for(src).strip("/") / "index.html") if src != "index.md" else site / "index.html"
    parser = _Unlinked()
    parser.feed(html.read_text(encoding="utf-8"))
    assert not parser.found, f"{src}: IDs in text that are not links: {sorted(set(parser.found))[:20]}"


@pytest.mark.parametrize("src", PROSE)
def test_id_links_carry_canonical_names(kb, site_page, site, src):
    p = site_page(url_for(src))
    for href, title, text in p.links:
        m = re.fullmatch(ids.CITABLE, text.strip())
        if m and "/" in href and not href.startswith("http"):
            assert title, f"{src}: link {text} has no hover text"
            ident = text.strip()
            name = kb.name_of(ident) or "Reserved"
            layers = [l for l in LAYER_ORDER if l in kb.threat_layers.get(ident, {})] if ident in kb.threats else []
            expected = f"{name} ({', '.join(layers)})" if layers and name != "Reserved" else name   # a threat's layers follow its name
            assert title == expected, f"{src}: {text} hover text {title!r} != {expected!r}"


DOC_SOURCES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md")) + ["AGENTS.md", "README.md", "CONTRIBUTING.md"]


@pytest.mark.parametrize("src", DOC_SOURCES)
def test_names_written_next_to_ids_are_canonical(kb, src):
    """One canonical name per ID everywhere: 'T25 (Dependency Exploitation)' would fail here."""
    from maestro import checks
    found = [f for f in checks.check_text(kb, ROOT / src, src) if f.rule == "MC203"]
    assert not found, "\n".join(str(f) for f in found)


def test_mcp_guide_covers_every_mcp_threat(kb, site_page):
    url = "/guides/mcp-integration/"
    got = {posixpath.normpath(posixpath.join(url, h.split("#")[0])) + "/"
           for h in site_page(url).hrefs() if h.split("#")[0] and not h.startswith(("http:", "https:", "mailto:"))}
    mcp = [t["id"] for t in kb.active_threats() if t.get("mcp")]
    assert sorted(mcp, key=lambda x: int(x[1:])) == ["T40", "T41", "T42", "T43", "T44", "T45", "T46", "T47"]
    for tid in mcp + ["BV-2"]:
        kind = "blindspots" if tid.startswith("BV") else "threats"
        assert f"/{kind}/{tid}/" in got, tid


@pytest.mark.parametrize("name", ["AGENTS.md", "README.md"])
def test_plain_files_name_the_extended_range_of_the_data(kb, name):
    """AGENTS.md and README are read raw (no macros), so their threat range is checked against the data."""
    ext = sorted((t["id"] for t in kb.threats.values() if t["kind"] == "extended"), key=lambda t: int(t[1:]))
    text = (ROOT / name).read_text(encoding="utf-8")
    assert f"{ext[0]}-{ext[-1]}" in text
    assert not re.search(r"T16-T(?!" + ext[-1][1:] + r"\b)\d+", text), "a stale extended range"


# ----------------------------------------------------------------- issue 21: facts the guides state
QUICKSTART = ROOT / "docs/guides/quickstart.md"


def _quickstart_layer_lists() -> dict[str, list[tuple[str, str]]]:
    """The IDs each per-layer list of the quickstart's step 4 names, by layer: the ticked lists under the
    layer tabs (=== "L1" ...) and the layers the "If you have minutes left" tip lists inline."""
    text = QUICKSTART.read_text(encoding="utf-8")
    out: dict[str, list[tuple[str, str]]] = {}
    for m in re.finditer(r'^=== "(L[1-7]|CL)"\n\n((?:    - \[ \] .*\n)+)', text, re.M):
        for line in m.group(2).splitlines():
            out.setdefault(m.group(1), []).extend((i, line.strip()) for i in re.findall(r"\b(?:T\d+|BV-\d+)\b", line))
    tip = text[text.index('!!! tip "If you have minutes left"'):]
    tip = tip[: tip.index("\n\n", tip.index("\n") + 1)]
    for m in re.finditer(r"\b(L[1-7]) \(([^)]*)\)", tip):
        out.setdefault(m.group(1), []).extend((i, m.group(0)) for i in re.findall(r"\b(?:T\d+|BV-\d+)\b", m.group(2)))
    return out


QUICKSTART_LISTS = _quickstart_layer_lists()


def test_quickstart_has_layer_lists():
    assert {"L1", "L2", "L3", "L4", "L6", "L5", "L7"} <= set(QUICKSTART_LISTS), sorted(QUICKSTART_LISTS)


@pytest.mark.parametrize("layer", sorted(QUICKSTART_LISTS))
def test_quickstart_layer_lists_agree_with_the_matrix(kb, layer):
    """A threat the quickstart lists under a layer is mapped at that layer in mapping.yaml (any mark), and a blindspot
    lists that layer; T6 under L1 holds because ruling R21 gives it a secondary mark there."""
    wrong = []
    for ident, line in QUICKSTART_LISTS[layer]:
        mapped = layer in kb.blindspots[ident]["layers"] if ident.startswith("BV-") else layer in kb.threat_layers[ident]
        if not mapped:
            wrong.append(f"{ident} in '{line}'")
    assert not wrong, f"listed under {layer} but not mapped there: " + "; ".join(wrong)


A2A = ROOT / "docs/guides/agent-to-agent.md"


def _a2a_canonical():
    text = A2A.read_text(encoding="utf-8")
    code = re.search(r"```python\n(import json\n.*?)```", text, re.S).group(1)
    code = code[: code.index("def card_is_trusted")]       # the rest needs jwcrypto and helpers the guide omits
    ns: dict = {}
    exec(compile(code, str(A2A), "exec"), ns)  # noqa: S102 - the guide's own code, run as the reader would
    example = text[text.index("{ #card-canonical-example }"):]
    card = __import__("json").loads(re.search(r"```json\n(.*?)```", example, re.S).group(1))
    expected = re.search(r"```text\n(.*?)\n```", example, re.S).group(1)
    return text, ns, card, expected


def _jcs(obj) -> str:
    """RFC 8785 for this example: keys sorted, no white space; equal to JCS here because every key is ASCII and the
    card holds no numbers."""
    import json
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_a2a_canonicalisation_keeps_optional_fields_set_to_their_default():
    """A2A 1.0 section 8.4.1: an `optional` field that was set stays in the signed form even at its default value;
    other default-valued fields and `signatures` go. The guide's canonical() reproduces its worked example."""
    text, ns, card, expected = _a2a_canonical()
    assert card["capabilities"]["extendedAgentCard"] is False, "the test vector needs an optional field set to its default"
    got = _jcs(ns["canonical"](card))
    assert got == expected
    assert '"extendedAgentCard":false' in got
    for dropped in ('"extensions"', '"tenant"', '"examples"', '"signatures"'):
        assert dropped not in got, dropped

    def strip_every_default(obj):
        if isinstance(obj, dict):
            obj = {k: strip_every_default(v) for k, v in obj.items() if k != "signatures"}
            return {k: v for k, v in obj.items() if not ns["is_default"](v)}
        if isinstance(obj, list):
            return [strip_every_default(v) for v in obj]
        return obj
    assert _jcs(strip_every_default(card)) != expected, "the vector must tell the spec's rule from stripping every default"
    assert "even when its value equals the default" in text and "section 8.4.1" in text


PI_GUIDE = ROOT / "docs/guides/prompt-injection-defense.md"


@pytest.mark.parametrize("mid", ["L6-P3", "L6-P2", "L3-P2"])
def test_injection_guide_cites_the_design_controls_the_catalog_links(kb, mid):
    """The guide's answer to injection is design: the controls the catalog links to T6 and T2 are cited by ID,
    with their canonical names, and the catalog really links them."""
    text = PI_GUIDE.read_text(encoding="utf-8")
    assert f"{mid} {kb.mitigations[mid]['name']}" in text
    assert {"T6", "T2"} & set(kb.mitigations[mid]["addresses"])


def _upper_bound_at_zero(n: int, confidence: float) -> float:
    """Exact (Clopper-Pearson) one-sided upper bound on a rate after 0 successes in n attempts."""
    return 1 - (1 - confidence) ** (1 / n)


def test_injection_gate_thresholds_can_pass():
    """A gate whose bound clean runs cannot reach fails every build: 0 of 25 leaves about 11 percent. The guide's gate
    and its arithmetic agree with the exact bound."""
    import math
    text = PI_GUIDE.read_text(encoding="utf-8")
    gate = re.search(r"python -m evals\.run_suite(.*?)```", text, re.S).group(1)
    opt = dict(re.findall(r"--([a-z-]+) (\S+)", gate))
    bound, conf = float(opt["max-upper-bound"]), float(opt["confidence"])
    attempts = int(opt["min-attempts"]) if opt.get("bound-per") == "objective" else int(opt["samples-per-case"])
    assert _upper_bound_at_zero(attempts, conf) <= bound, (attempts, bound)
    if opt.get("bound-per") == "objective":
        assert int(opt["min-attempts"]) >= math.ceil(math.log(1 - conf) / math.log(1 - bound))
    # the numbers the prose states
    assert f"{_upper_bound_at_zero(25, 0.95):.3f}" in text                               # 0.113
    assert f"{math.log(0.05) / math.log(0.98):.1f}" in text                              # 148.3
    assert str(math.ceil(math.log(0.05) / math.log(0.98))) + " attempts" in text          # 149 attempts
    assert "DMARC" in text and "aligned" in text


EDITION_NAMED = re.compile(r"\{\{\s*atlas_edition\s*\}\}|ATLAS,? (?:edition )?\d{4}\.\d{2}")


@pytest.mark.parametrize("src", sorted(str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")))
def test_pages_naming_the_atlas_edition_say_what_it_is_built_from(src):
    """Until the 2026.08 changes are imported, a page that names the pinned edition says what the list is built from."""
    text = (ROOT / "docs" / src).read_text(encoding="utf-8")
    if EDITION_NAMED.search(text):
        assert "atlas_basis" in text, f"{src} names the ATLAS edition without {{{{ atlas_basis }}}}"


def test_id_pages_naming_the_atlas_edition_say_what_it_is_built_from(kb, site_page, site):
    for url in ("/threats/T6/", "/blindspots/BV-2/", "/mitigations/L6-P3/"):
        assert kb.atlas_basis in " ".join(site_page(url).text.split()), url
