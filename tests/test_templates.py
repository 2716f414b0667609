"""ID pages are Markdown rendered from one Jinja template per page type (maestro_site/templates/pages/), fed the plain
views of maestro/views.py; MkDocs turns them into HTML like any page. ``html`` renders a page with the Markdown
extensions of mkdocs.yml, as the build does (links stay ``.md`` paths here: MkDocs rewrites them later)."""
from __future__ import annotations

import copy
import re

import pytest

import functools
from pathlib import Path
from html import escape

import markdown
from markupsafe import Markup
from mkdocs.config import load_config

from maestro_site import pages
from maestro_site.render import Linker
from maestro import views
from maestro.urls import src_of


@functools.lru_cache(maxsize=1)
def _markdown() -> markdown.Markdown:
    config = load_config(str(Path(__file__).resolve().parent.parent / "mkdocs.yml"))
    return markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)


def html(page) -> str:
    """A generated page's Markdown as the site's Markdown extensions render it."""
    return _markdown().reset().convert(page.markdown)


def esc(text) -> str:
    return escape(str(text), quote=False)


@pytest.mark.parametrize("kind,ident", [("threat", "T12"), ("blindspot", "BV-7"), ("mitigation", "L3-D2"), ("layer", "CL"), ("threat", "T26")])
def test_every_page_type_has_a_template_and_a_view(kb, kind, ident):
    page = pages.all_pages(kb)[src_of(kind, ident)]
    assert page.meta["maestro_id"] == ident and page.meta["maestro_kind"] == kind
    assert html(page).startswith(f'<h1 id="top">{ident}: '), html(page)[:80]


def test_views_are_plain_data(kb):
    import json
    for v in (views.threat_view(kb, "T6"), views.blindspot_view(kb, "BV-2"), views.mitigation_view(kb, "L3-P1"), views.layer_view(kb, "L3")):
        json.dumps(v)  # nothing but dicts, lists, strings, numbers


def test_data_strings_are_escaped_by_the_template(kb):
    kb2 = copy.copy(kb)
    kb2.threats = dict(kb.threats, T6=dict(kb.threats["T6"], example="<script>alert(1)</script> and **bold** | pipe"))
    text = html(pages.threat_page(kb2, "T6"))
    assert "<script>" not in text and "&lt;script&gt;" in text and "**bold** | pipe" in text


def test_data_strings_in_headings_and_attributes_are_escaped(kb):
    kb2 = copy.copy(kb)
    kb2.threats = dict(kb.threats, T6=dict(kb.threats["T6"], name='A <b>"x"</b> & y'))
    text = html(pages.threat_page(kb2, "T6"))
    assert text.startswith('<h1 id="top">T6: A &lt;b&gt;"x"&lt;/b&gt; &amp; y<a class="headerlink"'), text[:120]
    link = Linker(kb, "threats/T1.md").a("T6", "threats/T6.md", 'A <b>"x"</b> & y')
    assert link == '<a href="../T6/" title="A &lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; y">T6</a>'


def test_helpers_output_is_not_escaped_twice(kb):
    page = pages.render("index.md.j2", Linker(kb, "threats/index.md"), {}, title="A & B", slug="a-b", singular="threat",
                        chapter="playbook/02-threat-taxonomy.md", chapter_label="taxonomy", rows=[[Markup("[T1](T1.md)"), "a * b", "c"]],
                        table=None, filter=None, covers=None)
    out = html(page)
    assert '<h1 id="a-b">A &amp; B<a' in out and '<td><a href="T1.md">T1</a></td>' in out and "<td>a * b</td>" in out


@pytest.mark.kb_params("tid", lambda kb: [t["id"] for t in kb.active_threats()])
def test_further_reading_names_each_cited_source(kb, tid):
    """Every external entry a threat cites appears under Further reading with its document, and only core threats
    name OWASP's Threats and Mitigations guide as their origin."""
    t = kb.threats[tid]
    reading = views.further_reading(kb, t)
    listed = " ".join(e for r in reading for e in r["entries"])
    for field in ("asi_top10", "atlas", "cwe"):
        for x in t[field]:
            assert x in listed, (tid, x)
    for x in t["llm_top10"]:
        assert x in listed, (tid, x)
    origin = [r for r in reading if r["document"].startswith(kb.frameworks["agentic_threats"]["name"])]
    assert bool(origin) == (t["kind"] == "core"), tid
    page = html(pages.threat_page(kb, tid))
    assert '<h2 data-search-exclude id="further-reading">' in page and all(esc(r["document"].split(" (")[0]) in page for r in reading)


def header_row(*cells) -> str:
    """A table's header row as the generated pages write it."""
    return "<thead>\n<tr>\n" + "".join(f"<th>{c}</th>\n" for c in cells) + "</tr>\n</thead>"


# ===================================================================== browsing: siblings, previous / next, breadcrumb
KINDS = {"threat": lambda kb: kb.threats, "mitigation": lambda kb: kb.mitigations, "blindspot": lambda kb: kb.blindspots,
         "layer": lambda kb: kb.layers}


def paged_ids(kb) -> list:
    """Every ID with a sidebar (all but the revoked), as (kind, ident) cases named by the ID."""
    return [pytest.param(kind, i, id=i) for kind, table in KINDS.items() for i in table(kb)
            if kind == "layer" or kb.status_of(i) != "revoked"]


def _order(kb, kind):
    """Every ID of a kind in ID order, as the site lists them."""
    if kind == "mitigation":
        return sorted(kb.mitigations, key=kb.mitigation_sort_key)
    if kind == "layer":
        return list(kb.layers)
    return sorted(KINDS[kind](kb), key=lambda i: int(i.split("-")[-1].lstrip("T")))


def _same_group(kb, kind, a, b) -> bool:
    if kind == "threat":
        ta, tb = kb.threats[a], kb.threats[b]
        return ta["kind"] == tb["kind"] and (ta["kind"] != "extended" or kb.primary_layer(a) == kb.primary_layer(b))
    if kind == "mitigation":
        return kb.mitigation_layer(a) == kb.mitigation_layer(b)
    return True


@pytest.mark.kb_params("kind,ident", paged_ids)
def test_siblings_are_the_ids_group_in_id_order_with_itself_current(kb, kind, ident):
    nav = views.nav_view(kb, kind, ident)
    got = [s["id"] for s in nav["siblings"]]
    listed = (lambda i: True) if kind == "layer" else (lambda i: kb.status_of(i) in ("active", "reserved"))
    want = [i for i in _order(kb, kind) if (i == ident or listed(i)) and _same_group(kb, kind, i, ident)]
    assert got == want
    assert [s["id"] for s in nav["siblings"] if s["current"]] == [ident]
    if kind == "threat" and kb.threats[ident]["kind"] != "reserved":
        assert not any(kb.threats[i]["kind"] == "reserved" for i in got), "reserved IDs are browsed among themselves"


@pytest.mark.kb_params("kind,ident", paged_ids)
def test_previous_and_next_step_through_the_siblings(kb, kind, ident):
    nav = views.nav_view(kb, kind, ident)
    order = [s["id"] for s in nav["siblings"]]
    i = order.index(ident)
    assert nav["prev"] == (order[i - 1] if i else None)
    assert nav["next"] == (order[i + 1] if i + 1 < len(order) else None)


@pytest.mark.parametrize("kind", KINDS)
def test_previous_and_next_stop_at_the_ends_of_a_group(kb, kind):
    first = _order(kb, kind)[0]
    members = [s["id"] for s in views.nav_view(kb, kind, first)["siblings"]]
    head, tail = views.nav_view(kb, kind, members[0]), views.nav_view(kb, kind, members[-1])
    assert head["prev"] is None and tail["next"] is None
    if len(members) > 1:
        assert head["next"] == members[1] and tail["prev"] == members[-2]
    walked, step = [], members[0]
    while step:  # following "next" from the first visits every sibling once
        walked.append(step)
        step = views.nav_view(kb, kind, step)["next"]
    assert walked == members


def test_a_group_of_one_has_neither_previous_nor_next(kb):
    alone = [t["id"] for t in kb.active_threats() if len(views.threat_group(kb, t["id"])["members"]) == 1]
    for tid in alone:
        nav = views.nav_view(kb, "threat", tid)
        assert nav["prev"] is None and nav["next"] is None


def _crumbs(kb, kind, ident):
    if kind == "threat":
        t = kb.threats[ident]
        group = {"core": "Core", "reserved": "Reserved"}.get(t["kind"]) or f"Extended, {kb.primary_layer(ident)}"
        return ["Knowledge base", "Threats", group, ident]
    if kind == "mitigation":
        return ["Knowledge base", "Mitigations", kb.mitigation_layer(ident), ident]
    return ["Knowledge base", {"blindspot": "Blindspots", "layer": "Layers"}[kind], ident]


@pytest.mark.kb_params("kind,ident", paged_ids)
def test_breadcrumb_names_the_path_to_the_id(kb, kind, ident):
    crumbs = views.nav_view(kb, kind, ident)["breadcrumb"]
    assert [c["label"] for c in crumbs] == _crumbs(kb, kind, ident)
    assert [c["current"] for c in crumbs] == [False] * (len(crumbs) - 1) + [True]
    assert crumbs[0]["link"] is None and crumbs[1]["link"] == {"index": pages.src_of(kind, ident).split("/")[0]}


@pytest.mark.parametrize("kind,ident,expected", [
    ("threat", "T42", "Knowledge base › Threats › Extended, L3 › T42"), ("threat", "T12", "Knowledge base › Threats › Core › T12"),
    ("mitigation", "L3-D2", "Knowledge base › Mitigations › L3 › L3-D2"), ("blindspot", "BV-7", "Knowledge base › Blindspots › BV-7"),
    ("layer", "CL", "Knowledge base › Layers › CL"), ("threat", "T26", "Knowledge base › Threats › Reserved › T26")])
def test_breadcrumb_examples(kb, kind, ident, expected):
    assert " › ".join(c["label"] for c in views.nav_view(kb, kind, ident)["breadcrumb"]) == expected


LIFECYCLE = [("threat", "T13", "T14", lambda kb: kb.threats), ("mitigation", "L3-D2", "L3-D1", lambda kb: kb.mitigations),
             ("blindspot", "BV-7", "BV-8", lambda kb: kb.blindspots)]


def _with_status(kb, kind, table, ident, status, other):
    kb2 = copy.copy(kb)
    entry = dict(table(kb)[ident], status=status)
    entry[status] = {"reason": "test", "version": "9.9.9"} | ({"replaced_by": other} if status == "revoked" else {})
    setattr(kb2, kind + "s", dict(table(kb), **{ident: entry}))
    return kb2


@pytest.mark.parametrize("kind,ident,other,table", LIFECYCLE, ids=[x[0] for x in LIFECYCLE])
def test_a_deprecated_id_is_listed_on_its_own_page_only(kb, kind, ident, other, table):
    kb2 = _with_status(kb, kind, table, ident, "deprecated", other)
    assert ident not in [s["id"] for s in views.nav_view(kb2, kind, other)["siblings"]]
    own = views.nav_view(kb2, kind, ident)
    me = [s for s in own["siblings"] if s["id"] == ident]
    assert me == [dict(me[0], current=True, status="deprecated")]
    before = views.nav_view(kb, kind, ident)
    assert [s["id"] for s in own["siblings"]] == [s["id"] for s in before["siblings"]]
    assert (own["prev"], own["next"]) == (before["prev"], before["next"])
    front = pages.browse(kb2, Linker(kb2, src_of(kind, ident)), own)
    assert [i["note"] for s in front["sections"] for i in s["items"] if i["current"]] == ["deprecated"]


@pytest.mark.parametrize("kind,ident,other,table", LIFECYCLE, ids=[x[0] for x in LIFECYCLE])
def test_a_revoked_id_is_in_no_list_and_its_page_has_no_sidebar(kb, kind, ident, other, table):
    kb2 = _with_status(kb, kind, table, ident, "revoked", other)
    assert views.nav_view(kb2, kind, ident) is None
    assert ident not in [s["id"] for s in views.nav_view(kb2, kind, other)["siblings"]]
    assert "maestro_nav" not in pages.revoked_page(kb2, kind, ident).meta


@pytest.mark.parametrize("kind,ident", [("threat", "T12"), ("threat", "T26"), ("mitigation", "L3-D2"), ("blindspot", "BV-7"), ("layer", "CL")])
def test_metadata_carries_the_sidebar_with_hrefs_from_the_linker(kb, kind, ident):
    nav = _page(kb, kind, ident).meta["maestro_nav"]
    items = [i for s in nav["sections"] for i in s["items"]]
    L = Linker(kb, src_of(kind, ident))
    assert [i["id"] for i in items] == [s["id"] for s in views.nav_view(kb, kind, ident)["siblings"]]
    for i in items:
        assert i["href"] == (L.href(src_of(kind, i["id"]) + "#top") if i["current"] else L.href(src_of(kind, i["id"])))
        assert i["label"] == f"{i['id']} {kb.name_of(i['id']) or 'Reserved'}"
    for step in ("prev", "next"):
        if nav[step]:
            assert nav[step]["href"] == L.href(src_of(kind, nav[step]["id"]))


def _page(kb, kind, ident):
    return {"threat": pages.threat_page, "mitigation": pages.mitigation_page, "blindspot": pages.blindspot_page,
            "layer": pages.layer_page}[kind](kb, ident)


def test_mitigation_siblings_are_grouped_by_type(kb):
    nav = pages.browse(kb, Linker(kb, src_of("mitigation", "L3-D2")), views.nav_view(kb, "mitigation", "L3-D2"))
    assert [s["title"] for s in nav["sections"]] == [kb.types[k]["name"] for k in ("P", "D", "C", "R") if kb.layer_mitigations("L3")[k]]
    assert [s["current"] for s in nav["sections"]] == [s["title"] == "Detective" for s in nav["sections"]]


def test_sidebar_data_is_escaped_by_the_theme(kb):
    """Names reach the theme as JSON strings; overrides/main.html and its browse partial escape every one they print."""
    from pathlib import Path
    overrides = Path(pages.__file__).parent.parent / "overrides"
    theme = (overrides / "main.html").read_text() + (overrides / "partials" / "maestro-browse.html").read_text()
    import re
    printed = re.findall(r"\{\{\s*(?:b|s|c|sec)\.[^}]*\}\}", theme)
    assert printed and all("| e" in p or "tojson" in p for p in printed), [p for p in printed if "| e" not in p]


# ===================================================================== related items in context
@pytest.mark.kb_params("tid", lambda kb: [t["id"] for t in kb.active_threats() if kb.threat_mitigations[t["id"]]])
def test_threat_mitigations_are_tables_by_type_with_the_reason(kb, tid):
    text = html(pages.threat_page(kb, tid))
    for group in views.threat_view(kb, tid)["mitigations"]:
        assert f'<h3 data-search-exclude id="mitigations-{group["name"].lower()}">{group["name"]}<a' in text
        for row in group["rows"]:
            assert row["id"] in kb.mitigations_for(tid)[group["letter"]]
            m = kb.mitigations[row["id"]]
            if row["stated"]:  # the reason the catalog states for this link
                assert row["reason"] == " ".join(m["why"][tid].split())
            else:  # else the description's sentence that names the threat
                assert tid not in m.get("why", {}) and row["reason"] in " ".join(m["description"].split())
            if row["names_threat"]:
                assert tid in row["reason"]
    assert header_row("ID", "Name", "Layer", "Why it applies here") in text


def test_stated_reason_wins_over_the_sentence_naming_the_threat(kb):
    """L4-C1's description never names T40, so its row is the reason the catalog states; L3-C1 names T32 itself."""
    r = views.mitigation_for_threat(kb, "L4-C1", "T40")
    assert r["stated"] and r["reason"] == " ".join(kb.mitigations["L4-C1"]["why"]["T40"].split())
    r = views.mitigation_for_threat(kb, "L3-C1", "T32")
    assert not r["stated"] and "(T32)" in r["reason"]


@pytest.mark.kb_params("bid", lambda kb: list(kb.blindspots))
def test_blindspot_mitigations_are_a_table_with_the_reason(kb, bid):
    text = html(pages.blindspot_page(kb, bid))
    assert header_row("ID", "Name", "Type", "Why it applies here") in text
    rows = views.blindspot_view(kb, bid)["mitigation_rows"]
    assert [r["id"] for r in rows] == kb.blindspots[bid]["suggested_mitigations"]
    plain = re.sub(r"<[^>]+>", "", text)
    for r in rows:
        assert r["reason"] and esc(r["reason"]) in plain


def test_reason_is_the_sentence_naming_the_threat_with_what_that_refers_to(kb):
    assert views.mitigation_for_threat(kb, "L3-D2", "T19")["reason"].startswith("Alerts on skipped steps")
    r = views.mitigation_for_threat(kb, "L2-P1", "T1")
    assert r["reason"].startswith("Ingestion accepts content") and "That narrows" in r["reason"] and r["names_threat"]
    assert views.sentences("One, e.g. two. Three (T1). four") == ["One, e.g. two.", "Three (T1). four"]


@pytest.mark.kb_params("mid", lambda kb: [m for m in kb.mitigations if kb.mitigations[m]["addresses"]])
def test_mitigation_threats_carry_layers_and_coverage(kb, mid):
    v = views.mitigation_view(kb, mid)
    assert [r["id"] for r in v["threats"]] == kb.mitigations[mid]["addresses"]
    letter = kb.mitigation_type(mid)
    for r in v["threats"]:
        strengths = [x["strength"] for x in r["layers"]]
        assert strengths == sorted(strengths, key=["primary", "secondary"].index), "primary layers first"
        assert {x["id"]: x["strength"] for x in r["layers"]} == kb.threat_layers.get(r["id"], {})
        c, same = r["coverage"], kb.mitigations_for(r["id"])[letter]
        assert c["same_type"] == len(same) and c["sole"] == (same == [mid]) and c["missing"] == kb.coverage_missing(r["id"])
        assert c["completes"] == (letter != "R" and same == [mid] and not c["missing"])
    text = html(pages.mitigation_page(kb, mid))
    assert header_row("ID", "Name", "Layers", "Coverage") in text and '<h2 data-search-exclude id="threats">Threats addressed<a' in text


@pytest.mark.parametrize("role,text", [
    ({"type": "D", "same_type": 1, "sole": True, "missing": [], "completes": True}, "**Completes it**: the only detective control"),
    ({"type": "D", "same_type": 1, "sole": True, "missing": ["C"], "completes": False}, "The only detective control; still no corrective control"),
    ({"type": "P", "same_type": 3, "sole": False, "missing": [], "completes": False}, "One of 3 preventive controls; all three types covered"),
    ({"type": "P", "same_type": 2, "sole": False, "missing": ["D", "C"], "completes": False}, "One of 2 preventive controls; still no detective or corrective control"),
    ({"type": "R", "same_type": 1, "sole": True, "missing": ["C"], "completes": False}, "Deterrent, outside the three types; still no corrective control")])
def test_coverage_cell_says_what_the_control_adds(kb, role, text):
    assert pages.coverage_cell(kb, role).startswith(text)


@pytest.mark.kb_params("bid", lambda kb: list(kb.blindspots))
def test_blindspot_related_threats_carry_their_layers(kb, bid):
    v = views.blindspot_view(kb, bid)
    assert [r["id"] for r in v["related"]] == kb.blindspots[bid]["related_threats"]
    text = html(pages.blindspot_page(kb, bid))
    assert '<h2 data-search-exclude id="related-threats">Related threats<a' in text and header_row("ID", "Name", "Layers") in text
    for r in v["related"]:
        assert pages.layers_cell(r["layers"], Linker(kb, src_of("blindspot", bid))) in pages.blindspot_page(kb, bid).markdown


@pytest.mark.parametrize("kind,ident,anchors", [
    ("threat", "T1", ["description", "layers", "mitigations", "mitigations-preventive", "mitigations-detective",
                      "mitigations-corrective", "checklist", "patterns", "related", "frameworks", "further-reading"]),
    ("mitigation", "L3-D2", ["description", "implementation", "classification", "threats", "siblings"]),
    ("blindspot", "BV-7", ["layers", "related-threats", "checklist", "mitigations", "frameworks", "further-reading"])])
def test_section_anchors_stay(kb, kind, ident, anchors):
    """Links to a section keep working; the description is the page's lead paragraph (issue 24), under its old anchor."""
    text = html(_page(kb, kind, ident))
    for a in anchors:   # the anchor stays whether or not the section is left out of the search index
        assert re.search(rf'<h[23]( data-search-exclude)? id="{re.escape(a)}">|<p class="maestro-lead" id="{re.escape(a)}">', text), a
