"""Reference pages: glossary, sources, ID authority, case studies, decisions, rulings, releases, check rules."""
from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

from maestro import checks, crosswalk
from maestro.crosswalk import ASI_TOP10, ATLAS, ATLAS_CASE_STUDIES, CWE, LLM_TOP10
from maestro_site.render import bullet, esc, external_url, table
from maestro_site.templating import fragment
from maestro_site.tables.registry import macro, unsearched


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@macro
def case_studies(kb, L) -> str:
    out = []
    for c in kb.cases.values():
        out += [f"## Case {esc(c['id'])}: {esc(c['name'])} {{ #case-{c['id'].lower()} }}", "", L.prose(c["summary"]), ""]
        out += [table(["Threat", "Finding"], [[L.id(t, name=True), L.prose(c["findings"][t])] for t in c["threats"]]), ""]
        if c.get("patterns"):
            out += ["Cross-layer: " + ", ".join(L.pattern(n) for n in c["patterns"]) + ".", ""]
        out += ["Lessons:", "", bullet([L.prose(x) for x in c["lessons"]]), ""]
    return "\n".join(out)


@macro
def decisions(kb, L) -> str:
    return _decision_list(L, kb.decisions.values())


@macro
def rulings(kb, L) -> str:
    return _decision_list(L, kb.rulings.values())


def _decision_list(L, entries) -> str:
    out = []
    for d in entries:
        out += [f"### {esc(d['id'])}: {esc(d['topic'])} {{ #{d['id'].lower()} }}", "", L.prose(d["decision"]), "",
                f"*Where:* {', '.join(esc(w) for w in d['where'])}", ""]
    return "\n".join(out)


@macro
@unsearched
def release_changes(kb, L, version: str) -> str:
    """What a release changed, computed from the kept ids.json of each release (releases/)."""
    from maestro import releases
    hist = releases.history(kb)
    versions = list(hist)
    if version not in hist or versions.index(version) == 0:
        return "First release: every ID listed in the catalogs."
    c = releases.changes(hist[versions[versions.index(version) - 1]], hist[version])
    lines = [f"IDs added: {L.ids(c['added'])}" if c["added"] else "IDs added: none",
             ("IDs renamed: " + "; ".join(f"{L.id(i)} {esc(old)} to {esc(new)}" for i, old, new in c["renamed"])) if c["renamed"] else "IDs renamed: none",
             f"IDs deprecated: {L.ids(c['deprecated'])}" if c["deprecated"] else "IDs deprecated: none",
             ("IDs revoked: " + "; ".join(f"{esc(i)} (now {L.id(n)})" for i, n in c["revoked"])) if c["revoked"] else "IDs revoked: none"]
    names = {"mitre_atlas": "MITRE ATLAS", "owasp_llm_top10": "OWASP Top 10 for LLM Applications",
             "owasp_agentic_top10": "OWASP Top 10 for Agentic Applications", "owasp_agentic_threats_and_mitigations": "OWASP Agentic AI - Threats and Mitigations"}
    show = lambda v: ", ".join(v) if isinstance(v, list) else (v or "not cited")  # noqa: E731
    lines += [f"{esc(names.get(k, k))}: {esc(show(a))} to {esc(show(b))}" for k, a, b in c["editions"]] or ["External editions: unchanged"]
    if c["removed"]:
        raise PluginError(f"release {version} drops IDs {', '.join(c['removed'])}: a published ID never disappears")
    return bullet(lines)


@macro
def check_rules() -> str:
    """The rule table of `maestro check`, from the rule registry."""
    rows = [[f'{fragment("anchor.html.j2", id=r.code.lower())}`{r.code}`', f"`{esc(r.name)}`", esc(r.severity), esc(str(r.phase) if r.phase else "any"),
             esc(r.summary), esc(r.hint)] for r in (checks.RULES[c] for c in sorted(checks.RULES))]
    return table(["Code", "Name", "Severity", "Phase", "What it finds", "How to fix it"], rows)


@macro
def glossary_terms(kb, L) -> str:
    return "\n\n".join(f'{fragment("anchor.html.j2", id=slug(t["term"]))}**{esc(t["term"])}**\n:   {L.prose(t["definition"])}' for t in kb.glossary["terms"])


@macro
def glossary_acronyms(kb, L) -> str:
    return table(["Acronym", "Expansion", "Why it matters here"], [[f'{fragment("anchor.html.j2", id=slug(a["acronym"]))}**{esc(a["acronym"])}**', esc(a["expansion"]), L.prose(a["note"])] for a in kb.glossary["acronyms"]])


@macro
def sources_table(kb) -> str:
    u = kb.meta["upstream"]
    rows = [[esc(s["document"]), esc(s["version"]), esc(s["date"])] for s in kb.meta["sources"]]
    rows.append([esc(u["name"]), esc(u["version"]), esc(u["released"])])
    rows.append(["MITRE ATLAS", f"{esc(kb.atlas_edition)}: {esc(kb.atlas_basis)}", "-"])
    return table(["Source", "Version", "Date"], rows)


@macro
def id_authority_table(kb) -> str:
    return table(["IDs", "Authority"], [[f"`{a['ids']}`", esc(a["authority"])] for a in kb.meta["id_authority"]])


@macro
def framework_reading(kb, L, *keys) -> str:
    """A further-reading list of the external frameworks named by ``keys`` (agentic_threats, or a key of
    maestro.crosswalk.BY_KEY: llm_top10, asi_top10, atlas, cwe), each with its publisher, the editions this knowledge
    base uses and where to open it (the addresses are the data's)."""
    return bullet([_reading_line(kb, L, key) for key in keys])


_EDITION_LISTS = ("agentic_threats", LLM_TOP10.key, ASI_TOP10.key)
"""The frameworks.yaml lists published in editions, each read as name, publisher, editions and home."""


def _reading_line(kb, L, key: str) -> str:
    if key in _EDITION_LISTS:
        f = kb.frameworks[key]
        editions = ", ".join(e["edition"] for e in f["editions"])
        label = f"{esc(f['name'])} ({esc(f['publisher'])}), editions {esc(editions)}"
        return L.url_link(label, external_url(f["home"])) if f.get("home") else label
    if key == ATLAS.key:
        label = f"{esc(crosswalk.framework_title(kb, ATLAS))}, edition {esc(kb.atlas_edition)}"
        studies = L.url_link("case studies", external_url(crosswalk.home(kb, ATLAS_CASE_STUDIES)))
        return f"{L.url_link(label, external_url(crosswalk.home(kb, ATLAS)))} ({esc(kb.atlas_basis)}), with its {studies}"
    if key == CWE.key:
        return L.url_link("MITRE CWE", external_url(crosswalk.home(kb, CWE)))
    raise KeyError(f"framework_reading: unknown framework {key!r}")
