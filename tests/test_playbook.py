"""The playbook pages: every page in the navigation is built, carries its topic headings,
and every ID written in its prose is a link to an existing ID page."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import yaml

from conftest import KB, ROOT, page
from maestro import ids
from maestro.kb import LAYER_ORDER

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


# Topic headings every page must have (anchors), per the playbook's outline (a callable reads them from the KB when the test runs).
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
def test_nav_page_built(site, src):
    p = page(site, url_for(src))
    assert p.h1.strip(), f"{src} has no H1"
    assert p.title.strip().endswith("MAESTRO Playbook")


@pytest.mark.parametrize("src", sorted(TOPICS))
def test_topic_headings_present(site, src):
    p = page(site, url_for(src))
    want = TOPICS[src](KB) if callable(TOPICS[src]) else TOPICS[src]
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
def test_id_links_carry_canonical_names(site, src):
    p = page(site, url_for(src))
    for href, title, text in p.links:
        m = re.fullmatch(ids.CITABLE, text.strip())
        if m and "/" in href and not href.startswith("http"):
            assert title, f"{src}: link {text} has no hover text"
            ident = text.strip()
            name = KB.name_of(ident) or "Reserved"
            layers = [l for l in LAYER_ORDER if l in KB.threat_layers.get(ident, {})] if ident in KB.threats else []
            expected = f"{name} ({', '.join(layers)})" if layers and name != "Reserved" else name   # a threat's layers follow its name
            assert title == expected, f"{src}: {text} hover text {title!r} != {expected!r}"


DOC_SOURCES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md")) + ["AGENTS.md", "README.md", "CONTRIBUTING.md"]


@pytest.mark.parametrize("src", DOC_SOURCES)
def test_names_written_next_to_ids_are_canonical(src):
    """One canonical name per ID everywhere: 'T25 (Dependency Exploitation)' would fail here."""
    from maestro import checks
    found = [f for f in checks.check_text(KB, ROOT / src, src) if f.rule == "MC203"]
    assert not found, "\n".join(str(f) for f in found)


def test_mcp_guide_covers_every_mcp_threat(site):
    from test_pages import targets
    got = targets(site, "/guides/mcp-integration/")
    mcp = [t["id"] for t in KB.active_threats() if t.get("mcp")]
    assert sorted(mcp, key=lambda x: int(x[1:])) == ["T40", "T41", "T42", "T43", "T44", "T45", "T46", "T47"]
    for tid in mcp + ["BV-2"]:
        kind = "blindspots" if tid.startswith("BV") else "threats"
        assert f"/{kind}/{tid}/" in got, tid


@pytest.mark.parametrize("name", ["AGENTS.md", "README.md"])
def test_plain_files_name_the_extended_range_of_the_data(name):
    """AGENTS.md and README are read raw (no macros), so their threat range is checked against the data."""
    ext = sorted((t["id"] for t in KB.threats.values() if t["kind"] == "extended"), key=lambda t: int(t[1:]))
    text = (ROOT / name).read_text(encoding="utf-8")
    assert f"{ext[0]}-{ext[-1]}" in text
    assert not re.search(r"T16-T(?!" + ext[-1][1:] + r"\b)\d+", text), "a stale extended range"
