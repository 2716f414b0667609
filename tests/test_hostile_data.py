"""Hostile data: a pull request that edits data/ must not be able to put markup, script links or hidden characters
on the site.

Each kind of attack is one parametrised case, named after it. The loader must refuse it with a problem that names
the file, the line, the ID and, for a hidden or look-alike character, its code point (the rows reuse the table
machinery of test_validation.py). Where a rule of maestro/crossref.py is a second line behind the schema, it is also
driven directly, with the schema bypassed. Text that only looks close to markup (``a < b & "c"``) must still load,
and when it reaches a page it is escaped where it is written: in the head (title, meta description) as in the body.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import Markup

from kbedit import E, assert_refused, case, line_in
from maestro import KBError, crossref, load_kb
from maestro.kb import _Collector
from maestro_site import pages, render

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

refused = assert_refused  # load the edited copy; a problem with the row's file, line, ID and message must be listed


def markup_in_t12(snippet: str, shown: str):
    """A row: ``snippet`` written at the start of T12's description; the problem quotes ``shown``."""
    return case("check_prose", "threats", "T12", f"markup is not allowed in data text: {shown!r} (data is plain text)",
                ("  description:", "- id: T12\n"), E("threats", "  description: >-\n", f"  description: >-\n    {snippet} and more\n", "- id: T12\n"))


MARKUP = [
    pytest.param(markup_in_t12("<img/src=x onerror=alert(1)>", "<img/src=x onerror=alert(1)>"), id="img-slash-onerror"),
    pytest.param(markup_in_t12("<math><mi>x</mi></math>", "<math>"), id="math"),
    pytest.param(markup_in_t12("<svg/onload=alert(1)>", "<svg/onload=alert(1)>"), id="svg-slash-onload"),
    pytest.param(markup_in_t12('"><script>alert(1)</script>', '">'), id="double-quote-closes-attribute"),
    pytest.param(markup_in_t12("'><b>bold</b>", "'>"), id="single-quote-closes-attribute"),
    pytest.param(markup_in_t12("</textarea>", "</textarea>"), id="end-tag"),
    pytest.param(markup_in_t12("<!-- hidden -->", "<!-- hidden -->"), id="comment"),
    pytest.param(markup_in_t12("<?xml version=1?>", "<?xml version=1?>"), id="processing-instruction"),
    pytest.param(markup_in_t12("<details open ontoggle=alert(1)>", "<details open ontoggle=alert(1)>"), id="unlisted-element"),
    pytest.param(markup_in_t12("see javascript:alert(1)", "javascript:"), id="javascript-scheme"),
    pytest.param(markup_in_t12("see JaVaScRiPt:alert(1)", "JaVaScRiPt:"), id="javascript-scheme-mixed-case"),
    pytest.param(markup_in_t12("see vbscript:msgbox(1)", "vbscript:"), id="vbscript-scheme"),
    pytest.param(markup_in_t12("see data:text/html;base64,PHN2Zz4=", "data:"), id="data-url"),
    pytest.param(markup_in_t12("{% include x %}", "{%"), id="template-statement"),
    pytest.param(markup_in_t12("{# note #}", "{#"), id="template-comment"),
    pytest.param(markup_in_t12("[click](https://example.org/)", "]("), id="markdown-link"),
]


def schema_url(file: str, field_path: str, value: str, at: tuple, old: str, new: str):
    """A row: an address field set to ``value``; the schema refuses it (the message starts with the field's path)."""
    return case("schema", file, "", f"{field_path}: {value!r} does not match ...", at, E(file, old, new))


URLS = [
    pytest.param(schema_url("frameworks", "llm_top10/home", "javascript:alert(1)", ("  home:", "\nllm_top10:\n"),
                            "  home: https://github.com/GenAI-Security-Project/GenAI-LLM-Top10", "  home: javascript:alert(1)"),
                 id="javascript-home"),
    pytest.param(schema_url("frameworks", "asi_top10/home", "data:text/html,x", ("  home:", "\nasi_top10:\n"),
                            "  home: https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/",
                            "  home: data:text/html,x"), id="data-url-home"),
    pytest.param(schema_url("frameworks", "llm_top10/home", "http://github.com/x", ("  home:", "\nllm_top10:\n"),
                            "  home: https://github.com/GenAI-Security-Project/GenAI-LLM-Top10", "  home: http://github.com/x"),
                 id="http-home"),
    pytest.param(schema_url("atlas", "source/technique_url", "http://atlas.mitre.org/techniques/{id}", ("  technique_url:", ""),
                            "  technique_url: https://", "  technique_url: http://"), id="http-atlas-url-pattern"),
    pytest.param(schema_url("meta", "upstream/repository", "javascript:alert(1)", ("  repository:", ""),
                            "  repository: https://github.com/agentic-threat-modeling/MAESTRO", "  repository: javascript:alert(1)"),
                 id="javascript-upstream-repository"),
    pytest.param(schema_url("meta", "site_url", 'https://x.example/" onload="/', ("site_url:", ""),
                            "citation: MAESTRO {id} (v{version})", "citation: MAESTRO {id} (v{version})\nsite_url: 'https://x.example/\" onload=\"/'"),
                 id="quote-in-site-url"),
    pytest.param(schema_url("meta", "site_url", "https://maestro-playbook.example.org/\n", ("site_url:", ""),
                            "citation: MAESTRO {id} (v{version})", 'citation: MAESTRO {id} (v{version})\nsite_url: "https://maestro-playbook.example.org/\\n"'),
                 id="newline-after-site-url"),
    pytest.param(schema_url("frameworks", "regulatory/0/url", "http://eur-lex.example/ai-act", ("  url:", "regulatory:"),
                            "- framework: EU AI Act\n", "- framework: EU AI Act\n  url: http://eur-lex.example/ai-act\n"),
                 id="http-url-in-free-form-entry"),
]


def hidden(named: str, name: str):
    """A row: T12's name becomes ``name``, which carries the hidden code point the problem calls ``named``."""
    return case("check_prose", "threats", "T12", f"invisible or bidirectional control character {named} is not allowed in data text",
                ("  name:", "- id: T12\n"), E("threats", "  name: Agent Communication Poisoning\n", f"  name: {name}\n", "- id: T12\n"))


# (code point, its name in the message); each is pasted raw into T12's name.
RAW_HIDDEN = [
    ("\u200b", "U+200B ZERO WIDTH SPACE"), ("\u200c", "U+200C ZERO WIDTH NON-JOINER"), ("\u200d", "U+200D ZERO WIDTH JOINER"),
    ("\u2060", "U+2060 WORD JOINER"), ("\u00ad", "U+00AD SOFT HYPHEN"), ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("\u200e", "U+200E LEFT-TO-RIGHT MARK"), ("\u200f", "U+200F RIGHT-TO-LEFT MARK"), ("\u061c", "U+061C ARABIC LETTER MARK"),
    ("\u202a", "U+202A LEFT-TO-RIGHT EMBEDDING"), ("\u202b", "U+202B RIGHT-TO-LEFT EMBEDDING"),
    ("\u202c", "U+202C POP DIRECTIONAL FORMATTING"), ("\u202d", "U+202D LEFT-TO-RIGHT OVERRIDE"),
    ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"), ("\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("\u2067", "U+2067 RIGHT-TO-LEFT ISOLATE"), ("\u2068", "U+2068 FIRST STRONG ISOLATE"),
    ("\u2069", "U+2069 POP DIRECTIONAL ISOLATE"), ("\ue000", "U+E000 (a private-use character)"),
]
HIDDEN = [
    *[pytest.param(hidden(named, f"Agent Communication {ch}Poisoning"), id=named.split(" ", 1)[0]) for ch, named in RAW_HIDDEN],
    # YAML does not take these raw; its double-quoted escapes write them.
    pytest.param(hidden("U+0007 (a control character)", '"Agent Communication\\aPoisoning"'), id="U+0007-bell"),
    pytest.param(hidden("U+2028 LINE SEPARATOR", '"Agent Communication\\LPoisoning"'), id="U+2028-line-separator"),
    pytest.param(case("check_prose", "atlas", "AML.T0019",
                      "invisible or bidirectional control character U+200B ZERO WIDTH SPACE is not allowed in data text",
                      "- {id: AML.T0019, name: Publish", E("atlas", "replaced_by: AML.T0115.000}", "replaced_by: AML.T0115.000\u200b}")),
                 id="zero-width-space-in-id-field"),
    pytest.param(case("schema", "threats", "T12\u200b", "threats/11/id: 'T12\\u200b' does not match ...", "- id: T12\u200b\n",
                      E("threats", "- id: T12\n", "- id: T12\u200b\n")), id="zero-width-space-in-threat-id"),
]


def look_alike(ch: str, word: str, mixed: str, file: str, ident: str, at, edit):
    """A row: ``edit`` writes ``word``, in which the letter ``ch`` is mixed with ``mixed``."""
    return case("check_prose", file, ident,
                f"look-alike character {ch} in {word!r}, mixed with {mixed}: write each word in one script", at, edit)


LOOK_ALIKE = [
    pytest.param(look_alike("U+043E CYRILLIC SMALL LETTER O", "Pois\u043ening", "LATIN", "threats", "T12", ("  name:", "- id: T12\n"),
                            E("threats", "  name: Agent Communication Poisoning\n", "  name: Agent Communication Pois\u043ening\n", "- id: T12\n")),
                 id="cyrillic-o-in-name"),
    pytest.param(look_alike("U+0391 GREEK CAPITAL LETTER ALPHA", "\u0391gent", "LATIN", "threats", "T12", ("  name:", "- id: T12\n"),
                            E("threats", "  name: Agent Communication Poisoning\n", "  name: \u0391gent Communication Poisoning\n", "- id: T12\n")),
                 id="greek-alpha-in-name"),
    pytest.param(look_alike("U+0422 CYRILLIC CAPITAL LETTER TE", "\u042299", "digits", "layers", "L3", ("  description:", "- id: L3\n"),
                            E("layers", "  description: >-\n", "  description: >-\n    See \u042299 for details.\n", "- id: L3\n")),
                 id="cyrillic-te-hides-an-unknown-id-in-prose"),
    pytest.param(look_alike("U+FF19 FULLWIDTH DIGIT NINE", "T\uff19\uff19", "LATIN", "layers", "L3", ("  description:", "- id: L3\n"),
                            E("layers", "  description: >-\n", "  description: >-\n    See T\uff19\uff19 for details.\n", "- id: L3\n")),
                 id="fullwidth-digits-hide-an-unknown-id-in-prose"),
    pytest.param(look_alike("U+1D413 MATHEMATICAL BOLD CAPITAL T", "\U0001d41399", "digits", "layers", "L3", ("  description:", "- id: L3\n"),
                            E("layers", "  description: >-\n", "  description: >-\n    See \U0001d41399 for details.\n", "- id: L3\n")),
                 id="mathematical-bold-letter-hides-an-unknown-id-in-prose"),
    pytest.param(case("check_prose", "atlas", "AML.T0019", "IDs are ASCII: replaced_by holds U+0422 CYRILLIC CAPITAL LETTER TE",
                      "- {id: AML.T0019, name: Publish", E("atlas", "replaced_by: AML.T0115.000}", "replaced_by: AML.\u04220115.000}")),
                 id="cyrillic-te-in-id-field"),
    pytest.param(case("schema", "threats", "\u042212", "threats/11/id: '\u042212' does not match ...", "- id: \u042212\n",
                      E("threats", "- id: T12\n", "- id: \u042212\n")), id="cyrillic-te-in-threat-id"),
]


@pytest.mark.parametrize("c", MARKUP)
def test_markup_is_refused(data, c):
    refused(data, c)


@pytest.mark.parametrize("c", URLS)
def test_address_that_is_not_https_is_refused(data, c):
    refused(data, c)


@pytest.mark.parametrize("c", HIDDEN)
def test_hidden_code_point_is_refused(data, c):
    refused(data, c)


@pytest.mark.parametrize("c", LOOK_ALIKE)
def test_look_alike_letters_are_refused(data, c):
    refused(data, c)


@pytest.mark.parametrize("value", ["javascript:alert(1)", "data:text/html,x", "http://example.org/", "https://example.org/\n",
                                   " https://example.org/", "https://example.org/a b", "https://user@example.org/"])
def test_address_rule_stands_behind_the_schema(value):
    """crossref.check_prose refuses a bad address by itself, on a knowledge base whose schema check was bypassed."""
    kb = load_kb(DATA)
    kb.docs["frameworks"]["llm_top10"]["home"] = value
    col = _Collector(DATA)
    crossref.check_prose(kb, col)
    line = line_in((DATA / "frameworks.yaml").read_text(), "  home:", "\nllm_top10:\n")
    want = f"home must be an https:// address without spaces, quotes or angle brackets, not {value!r}"
    found = [(p.file, p.line, p.id, p.message) for p in col.problems]
    assert ("data/frameworks.yaml", line, "", want) in found, found
    assert {f[:3] for f in found} == {("data/frameworks.yaml", line, "")}, "only the edited address may be reported"


@pytest.mark.parametrize("text", ['a < b & "c"', "x <= y and y >= z", "data: logs and traces", "the <PROJ>-T<n> format",
                                  "a naïve café", "\u041c\u043e\u0441\u043a\u0432\u0430 as a whole word", "\u03b1 = 0.5"])
def test_text_that_only_looks_close_loads(data, text):
    E("threats", "  description: >-\n", f"  description: >-\n    {text} here\n", "- id: T12\n").apply(data)
    assert text in load_kb(data).threats["T12"]["description"]


# ------------------------------------------------------------------ where values become HTML
def test_page_metadata_is_escaped_markup():
    m = pages.meta('T1: a < b & "c"', 'x" http-equiv="refresh', "threat", "T1")
    assert isinstance(m["title"], Markup) and m["title"] == "T1: a &lt; b &amp; &#34;c&#34;"
    assert isinstance(m["description"], Markup) and m["description"] == "x&#34; http-equiv=&#34;refresh"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "http://example.org/", "//example.org/"])
def test_links_to_other_sites_must_be_https(url):
    with pytest.raises(ValueError, match="https"):
        render.external_url(url)


def test_page_refuses_a_script_link_that_got_past_validation():
    """The further-reading links of a threat page are checked where they are written, not only when data loads."""
    kb = load_kb(DATA)
    kb.frameworks["llm_top10"]["home"] = "javascript:alert(1)"
    with pytest.raises(ValueError, match="javascript:alert"):
        pages.threat_page(kb, "T1")


class _Head(HTMLParser):
    """The <meta> tags of a page, as a browser reads their attributes."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.metas: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            self.metas.append(dict(attrs))


HOSTILE_NAME = 'Model Inconsistency & "Drift" < Trust'
HOSTILE_START = 'Compare a < b & "c" http-equiv="refresh" content="0;url=https://evil.example/" here.'


@pytest.mark.slow
@pytest.mark.build
def test_built_head_escapes_name_and_description(mkdocs, parse_html, project_copy):
    """A name and a description that pass validation but hold quotes, < and & stay text in the built page: the quotes
    cannot end the meta description's attribute and add a refresh, and the title shows the name as written."""
    E("threats", "  name: Model Inconsistency\n", f"  name: {HOSTILE_NAME}\n", "- id: T16\n").apply(project_copy / "data")
    E("threats", "  description: >-\n", f"  description: >-\n    {HOSTILE_START}\n", "- id: T16\n").apply(project_copy / "data")
    res = mkdocs("build", "--strict", "-d", str(project_copy / "site"), cwd=project_copy, check=False)
    assert res.returncode == 0, f"strict build failed:\n{res.stdout}\n{res.stderr}"
    text = (project_copy / "site" / "threats" / "T16" / "index.html").read_text(encoding="utf-8")
    head = _Head(text).metas
    description = load_kb(project_copy / "data").threats["T16"]["description"][:160]
    assert [m["content"] for m in head if m.get("name") == "description"] == [description]
    assert not [m for m in head if "http-equiv" in m], "a quote in the description added an attribute or a tag"
    assert 'content="Compare a &lt; b &amp; &#34;c&#34; http-equiv=&#34;refresh&#34;' in text
    assert parse_html(text).title == f"T16: {HOSTILE_NAME} - MAESTRO Playbook"
    assert not re.search(r"< Trust|=\"Drift\"", text), "the name reached the page unescaped"
